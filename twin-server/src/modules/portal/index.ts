/**
 * The public park portal (issue 19, P1). Without a login: the park overview (buildings as a site
 * plan from the twin's footprints, figures), published news, policies, investment notices and
 * party-building articles, search over published articles (Chinese included), and the vacant
 * units from the leasing data. Park staff write articles on the records kit
 * (/api/portal/articles: draft → review → publish, four eyes); only the publish transition
 * writes the sanitized public copy the public routes read. Article images are uploaded by staff,
 * re-encoded with sharp, and public only while a published article uses them.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { TwinModule } from '../types.ts';
import type { ServerContext } from '../../context.ts';
import type { EntityDef } from '../../kit/records/define.ts';
import type { TwinContext } from '../../http/route.ts';
import { recordRoutes } from '../../kit/records/routes.ts';
import { authService } from '../../auth/index.ts';
import { withStatus } from '../../http/openapi.ts';
import { paramsOf, queryOf } from '../../http/input.ts';
import { processPhoto, sniffImage } from '../leasing/photos.ts';
import { articleEntity, CATEGORIES, type Category } from './definition.ts';
import { seedPortal } from './seed.ts';

const defs = new WeakMap<ServerContext, EntityDef>();
const defOf = (sc: ServerContext) => {
  let d = defs.get(sc);
  if (!d) {
    d = articleEntity(sc);
    defs.set(sc, d);
  }
  return d;
};

/** Largest accepted article image upload. */
export const MAX_IMAGE_BYTES = 8 * 1024 * 1024;

const category = z.enum(Object.keys(CATEGORIES) as [Category]);
const parkQuery = z.object({ park: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/).optional() });
const listQuery = parkQuery.extend({
  category: category.optional(),
  q: z.string().trim().min(1).max(50).optional(),
  limit: z.coerce.number<string>().int().min(1).max(100).default(20),
});
const idParams = z.object({ id: z.coerce.number<string>().int().min(1).max(0x7fffffff) });
const sizeQuery = z.object({ size: z.enum(['full', 'thumb']).default('full') });

const articleSummary = z.object({
  id: z.number(), category, title: z.string(), titleEn: z.string().nullable(), summary: z.string(), summaryEn: z.string().nullable(),
  cover: z.number().nullable(), publishedAt: z.string(),
});
const article = articleSummary.extend({ bodyHtml: z.string(), bodyHtmlEn: z.string().nullable() });
const building = z.object({
  idx: z.number(), code: z.string(), name: z.string(), nameEn: z.string().nullable(), use: z.string(), floors: z.number(), height: z.number(),
  /** Outline in metres east/north of the park's south-west corner. */
  outline: z.array(z.tuple([z.number(), z.number()])),
});
const overview = z.object({
  park: z.object({ code: z.string(), name: z.string(), nameEn: z.string().nullable(), city: z.string() }),
  size: z.object({ width: z.number(), height: z.number() }),
  boundary: z.array(z.tuple([z.number(), z.number()])),
  buildings: z.array(building),
  figures: z.object({ buildings: z.number(), floorArea: z.number(), enterprises: z.number(), vacantUnits: z.number(), vacantArea: z.number() }),
  latest: z.array(articleSummary),
});
const unit = z.object({
  idx: z.number(), code: z.string(), building: z.string(), buildingEn: z.string().nullable(), level: z.number(), area: z.number(), use: z.string(), rent: z.number().nullable(),
});
const imageRow = z.object({ id: z.number(), width: z.number(), height: z.number(), src: z.string() });

interface PubRow { record_id: number; category: Category; title: string; title_en: string | null; summary: string; summary_en: string | null; cover_image: number | null; published_at: Date; body_html?: string; body_html_en?: string | null }
const toSummary = (r: PubRow) => ({
  id: r.record_id, category: r.category, title: r.title, titleEn: r.title_en, summary: r.summary, summaryEn: r.summary_en, cover: r.cover_image,
  publishedAt: new Date(r.published_at).toISOString(),
});
const SUMMARY_COLS = 'record_id, category, title, title_en, summary, summary_en, cover_image, published_at';

/** The park a public request is about: `?park=` or the first park. */
async function parkOf(sc: ServerContext, ctx: TwinContext, code: string | undefined) {
  const r = await sc.db.query<{ idx: number; code: string; name: string; name_en: string | null; city: string }>(
    `SELECT p.idx, p.code, o.name, o.name_en, p.city FROM park p JOIN twin_object o ON o.idx = p.idx
     WHERE ($1::text IS NULL OR p.code = $1) ORDER BY p.idx LIMIT 1`, [code ?? null]);
  if (!r.rows[0]) return ctx.throw(404, code ? `no park ${code}` : 'no park yet');
  return r.rows[0];
}

/** Escapes LIKE wildcards in a user's search text. */
export const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

async function readBody(ctx: TwinContext, max: number): Promise<Buffer> {
  if (Number(ctx.get('Content-Length') || 0) > max) ctx.throw(413, `image larger than ${max / 1024 / 1024} MiB`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of ctx.req) {
    size += (c as Buffer).length;
    if (size > max) ctx.throw(413, `image larger than ${max / 1024 / 1024} MiB`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The portal module. */
export const portalModule: TwinModule = {
  name: 'portal',
  migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
  permissions: [
    { permission: 'portal:read', summary: 'See portal articles in every state (drafts, reviews)', roles: ['property_manager', 'investment', 'leadership_viewer'] },
    { permission: 'portal:write', summary: 'Write portal articles and submit them for review; upload article images', roles: ['property_manager', 'investment'] },
    { permission: 'portal:publish', summary: 'Review, publish and unpublish portal articles (not one\'s own)', roles: ['property_manager'] },
  ],
  routes: (sc) => {
    const auth = () => authService(sc);
    return [
      ...recordRoutes(sc, defOf(sc)),
      {
        method: 'GET', path: '/api/portal/public/overview', permission: 'public', query: parkQuery, response: overview, errors: [404],
        summary: 'The park for the public portal: site plan (building outlines in metres), figures, latest published articles',
        async handler(ctx) {
          const q = queryOf(ctx, parkQuery);
          const park = await parkOf(sc, ctx, q.park);
          const box = (await sc.db.query<{ x0: number; y0: number; x1: number; y1: number; lat: number }>(
            `SELECT ST_XMin(boundary) AS x0, ST_YMin(boundary) AS y0, ST_XMax(boundary) AS x1, ST_YMax(boundary) AS y1, ST_Y(ST_Centroid(boundary)) AS lat FROM park WHERE idx = $1`, [park.idx])).rows[0]!;
          const mx = 111_320 * Math.cos((box.lat * Math.PI) / 180);
          const my = 110_574;
          const pt = (c: number[]): [number, number] => [Math.round((c[0]! - box.x0) * mx * 10) / 10, Math.round((c[1]! - box.y0) * my * 10) / 10];
          const [bs, boundary, figs, latest] = await Promise.all([
            sc.db.query<{ idx: number; code: string; name: string; name_en: string | null; use: string; floors: number; height: number; geo: string }>(
              `SELECT b.idx, b.code, o.name, o.name_en, b.use, b.floors_above::int AS floors, b.height::float8 AS height, ST_AsGeoJSON(b.footprint, 7) AS geo
               FROM building b JOIN twin_object o ON o.idx = b.idx WHERE b.park_idx = $1 ORDER BY b.code`, [park.idx]),
            sc.db.query<{ geo: string }>('SELECT ST_AsGeoJSON(boundary, 7) AS geo FROM park WHERE idx = $1', [park.idx]),
            sc.db.query<{ floor_area: number; ents: number; vacant: number; vacant_area: number }>(
              `SELECT COALESCE(sum(r.area), 0)::float8 AS floor_area,
                 (SELECT count(DISTINCT l.enterprise_idx)::int FROM lease l JOIN room r2 ON r2.idx = l.room_idx JOIN building b2 ON b2.idx = r2.building_idx WHERE b2.park_idx = $1 AND l.status = 'active') AS ents,
                 count(*) FILTER (WHERE r.leasable AND r.lease_status = 'vacant')::int AS vacant,
                 COALESCE(sum(r.area) FILTER (WHERE r.leasable AND r.lease_status = 'vacant'), 0)::float8 AS vacant_area
               FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1`, [park.idx]),
            sc.db.query<PubRow>(`SELECT ${SUMMARY_COLS} FROM portal_published ORDER BY published_at DESC, record_id DESC LIMIT 6`),
          ]);
          const f = figs.rows[0]!;
          ctx.set('Cache-Control', 'public, max-age=60');
          ctx.body = {
            park: { code: park.code, name: park.name, nameEn: park.name_en, city: park.city },
            size: { width: Math.round((box.x1 - box.x0) * mx), height: Math.round((box.y1 - box.y0) * my) },
            boundary: (JSON.parse(boundary.rows[0]!.geo) as { coordinates: number[][][] }).coordinates[0]!.map(pt),
            buildings: bs.rows.map((b) => ({
              idx: b.idx, code: b.code, name: b.name, nameEn: b.name_en, use: b.use, floors: b.floors, height: Math.round(b.height),
              outline: (JSON.parse(b.geo) as { coordinates: number[][][] }).coordinates[0]!.map(pt),
            })),
            figures: { buildings: bs.rows.length, floorArea: Math.round(f.floor_area), enterprises: f.ents, vacantUnits: f.vacant, vacantArea: Math.round(f.vacant_area) },
            latest: latest.rows.map(toSummary),
          };
        },
      },
      {
        method: 'GET', path: '/api/portal/public/articles', permission: 'public', query: listQuery, response: z.object({ articles: z.array(articleSummary) }),
        summary: 'Published articles, newest first; `category` filters a section, `q` searches title, summary and text (substring, Chinese included)',
        async handler(ctx) {
          const q = queryOf(ctx, listQuery);
          const r = await sc.db.query<PubRow>(
            `SELECT ${SUMMARY_COLS} FROM portal_published
             WHERE ($1::text IS NULL OR category = $1) AND ($2::text IS NULL OR search LIKE '%' || $2 || '%' ESCAPE '\\')
             ORDER BY published_at DESC, record_id DESC LIMIT $3`,
            [q.category ?? null, q.q ? likeEscape(q.q.toLowerCase()) : null, q.limit]);
          ctx.set('Cache-Control', 'public, max-age=30');
          ctx.body = { articles: r.rows.map(toSummary) };
        },
      },
      {
        method: 'GET', path: '/api/portal/public/articles/:id', permission: 'public', params: idParams, response: article, errors: [404],
        summary: 'One published article with its sanitized body (a draft, a review or an unpublished article is a 404)',
        async handler(ctx) {
          const { id } = paramsOf(ctx, idParams);
          const r = await sc.db.query<PubRow>(`SELECT ${SUMMARY_COLS}, body_html, body_html_en FROM portal_published WHERE record_id = $1`, [id]);
          const a = r.rows[0];
          if (!a) return ctx.throw(404, `no published article ${id}`);
          ctx.set('Cache-Control', 'public, max-age=30');
          ctx.body = { ...toSummary(a), bodyHtml: a.body_html!, bodyHtmlEn: a.body_html_en ?? null };
        },
      },
      {
        method: 'GET', path: '/api/portal/public/units', permission: 'public', query: parkQuery, response: z.object({ units: z.array(unit) }), errors: [404],
        summary: 'Vacant leasable units of the park (from the leasing data): building, floor, area, use, asking rent; no tenant data',
        async handler(ctx) {
          const park = await parkOf(sc, ctx, queryOf(ctx, parkQuery).park);
          const r = await sc.db.query<{ idx: number; code: string; building: string; building_en: string | null; level: number; area: number; use: string; rent: string | null }>(
            `SELECT r.idx, r.code, bo.name AS building, bo.name_en AS building_en, f.level::int AS level, r.area::float8 AS area, r.use, r.rent
             FROM room r JOIN floor f ON f.idx = r.floor_idx JOIN building b ON b.idx = r.building_idx JOIN twin_object bo ON bo.idx = b.idx
             WHERE b.park_idx = $1 AND r.leasable AND r.lease_status = 'vacant' ORDER BY bo.name, f.level, r.code LIMIT 500`, [park.idx]);
          ctx.set('Cache-Control', 'public, max-age=60');
          ctx.body = { units: r.rows.map((u) => ({ idx: u.idx, code: u.code, building: u.building, buildingEn: u.building_en, level: u.level, area: Math.round(u.area * 10) / 10, use: u.use, rent: u.rent === null ? null : Number(u.rent) })) };
        },
      },
      {
        method: 'GET', path: '/api/portal/public/images/:id', permission: 'public', params: idParams, query: sizeQuery, produces: 'image/jpeg', errors: [404],
        summary: 'An article image as the server re-encoded it (?size=thumb: 480 px); only images a published article uses',
        async handler(ctx) {
          const { id } = paramsOf(ctx, idParams);
          const { size } = queryOf(ctx, sizeQuery);
          const r = await sc.db.query<{ b: Buffer }>(
            `SELECT ${size === 'thumb' ? 'thumb' : 'image'} AS b FROM portal_image i WHERE i.id = $1 AND EXISTS (SELECT 1 FROM portal_published p WHERE i.id = ANY(p.images))`, [id]);
          if (!r.rows[0]) return ctx.throw(404, `no published image ${id}`);
          ctx.type = 'image/jpeg';
          ctx.set('Cache-Control', 'public, max-age=300');
          ctx.set('X-Content-Type-Options', 'nosniff');
          ctx.body = Buffer.from(r.rows[0].b);
        },
      },
      {
        method: 'GET', path: '/api/portal/images/:id', permission: 'portal:read', params: idParams, query: sizeQuery, produces: 'image/jpeg', errors: [404],
        summary: 'Any uploaded article image, for staff previews of drafts',
        async handler(ctx) {
          const { id } = paramsOf(ctx, idParams);
          const { size } = queryOf(ctx, sizeQuery);
          const r = await sc.db.query<{ b: Buffer }>(`SELECT ${size === 'thumb' ? 'thumb' : 'image'} AS b FROM portal_image WHERE id = $1`, [id]);
          if (!r.rows[0]) return ctx.throw(404, `no image ${id}`);
          ctx.type = 'image/jpeg';
          ctx.set('Cache-Control', 'private, max-age=300');
          ctx.set('X-Content-Type-Options', 'nosniff');
          ctx.body = Buffer.from(r.rows[0].b);
        },
      },
      {
        method: 'POST', path: '/api/portal/images', permission: 'portal:write', response: withStatus(201, imageRow), errors: [400, 413],
        summary: `Upload an article image (raw body: JPEG, PNG or WebP, at most ${MAX_IMAGE_BYTES / 1024 / 1024} MiB); re-encoded to a JPEG ≤ 1600 px plus a 480 px thumbnail; use its src in an article body`,
        async handler(ctx) {
          const bytes = await readBody(ctx, MAX_IMAGE_BYTES);
          const kind = sniffImage(bytes);
          if (!kind) ctx.throw(400, 'not an image: upload a JPEG, PNG or WebP picture');
          let out: Awaited<ReturnType<typeof processPhoto>>;
          try {
            out = await processPhoto(bytes);
          } catch (err) {
            return ctx.throw(400, `the image cannot be read (${(err as Error).message.slice(0, 120)})`);
          }
          const p = ctx.state.principal!;
          const id = await sc.db.transaction(async (tx) => {
            const r = await tx.query<{ id: number }>(
              'INSERT INTO portal_image (width, height, image, thumb, uploaded_by_name, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
              [out.width, out.height, out.image, out.thumb, p.name, auth().now()]);
            await auth().auditIn(tx, { action: 'portal.image.upload', outcome: 'success', actor: { kind: p.kind, id: p.id, name: p.name }, object: `portal-image:${r.rows[0]!.id}`,
              source: ctx.ip, detail: { uploadedBytes: bytes.length, type: kind, width: out.width, height: out.height } });
            return r.rows[0]!.id;
          });
          ctx.status = 201;
          ctx.body = { id, width: out.width, height: out.height, src: `/api/portal/public/images/${id}` };
        },
      },
    ];
  },
  seed: (sc, park) => seedPortal(sc, defOf(sc), park.parkIdx),
};
