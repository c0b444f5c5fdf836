/**
 * The tilesets module: third-party 3D Tiles (1.0 b3dm/i3dm/pnts/cmpt, 1.1 glb, implicit tiling,
 * multiple contents, external tilesets) shown as layers of a park. Added by upload (a zip or 3tz,
 * structure-checked before it is kept: a broken one is refused with the reasons) or by a folder on
 * this host (under TWIN_TILESET_PATHS). Placed where their own transform puts them, or at the park
 * origin when they lie far away, with a manual nudge; served with the park tiles' access control.
 *
 *   GET    /api/tilesets/:park                    the park's layers (tiles:read)
 *   POST   /api/tilesets/:park/upload?name=N      raw zip/3tz body (tilesets:admin)
 *   POST   /api/tilesets/:park/path               {name, path} a folder on this host (tilesets:admin)
 *   PATCH  /api/tilesets/:park/:id                name, anchor, nudge, visible (tilesets:admin)
 *   DELETE /api/tilesets/:park/:id                (tilesets:admin)
 *   GET    /tiles/:park/layers/:id/[dir/[dir/]]file   the layer's files; its tileset.json with the placed root transform (tiles:read)
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { TwinModule } from '../types.ts';
import type { ServerContext } from '../../context.ts';
import type { Queryable } from '../../db/types.ts';
import type { RouteSpec, TwinContext } from '../../http/route.ts';
import { appendAudit } from '../../auth/audit.ts';
import { bodyOf, paramsOf, queryOf } from '../../http/input.ts';
import { withStatus } from '../../http/openapi.ts';
import { PARK_CODE } from '../../http/params.ts';
import { ARCHIVE_LIMITS, ArchiveError, unpackArchive } from './archive.ts';
import { checkTileset, type TilesetCheck } from './check.ts';
import { distanceFromPark, placement, type Nudge } from './place.ts';

/** A layer further than this from the park origin is placed at the origin (its own place would be off screen). */
const NEAR_KM = 50;
const LAYERS_DIR = '_layers';

const parkParams = z.object({ park: z.string().regex(PARK_CODE, 'invalid park code') });
const layerParams = parkParams.extend({ id: z.coerce.number<string>().int().min(1).max(0x7fffffff) });
const seg = z.string().min(1).max(200);
const f1Params = layerParams.extend({ f1: seg });
const f2Params = f1Params.extend({ d1: seg });
const f3Params = f2Params.extend({ d2: seg });
const nameSchema = z.string().trim().min(1).max(100);
const uploadQuery = z.object({ name: nameSchema }).strict();
const pathBody = z.object({ name: nameSchema, path: z.string().min(1).max(1000) }).strict();
const nudgeSchema = z.object({
  east: z.number().min(-100_000).max(100_000), north: z.number().min(-100_000).max(100_000), up: z.number().min(-10_000).max(10_000),
  heading: z.number().min(-360).max(360), scale: z.number().gt(0).max(10_000),
});
const patchBody = z.object({
  name: nameSchema.optional(), anchor: z.enum(['georeferenced', 'park']).optional(), nudge: nudgeSchema.partial().optional(), visible: z.boolean().optional(),
}).strict();
/** A layer as the routes answer it. */
export const layerSchema = z.object({
  id: z.number().int(), park: z.string(), name: z.string(), source: z.enum(['upload', 'path']), version: z.string(),
  georeferenced: z.boolean(), anchor: z.enum(['georeferenced', 'park']), distanceKm: z.number().nullable(), nudge: nudgeSchema,
  visible: z.boolean(), contents: z.number().int(), missing: z.array(z.string()), bytes: z.number().int(), url: z.string(), createdAt: z.string(),
});
export type TilesetLayer = z.infer<typeof layerSchema>;

interface Row {
  id: number; park: string; name: string; source: 'upload' | 'path'; location: string; root_file: string; tiles_version: string;
  georeferenced: boolean; anchor: 'georeferenced' | 'park'; offset_east: number; offset_north: number; offset_up: number;
  heading: number; scale: number; visible: boolean; contents: number; missing: string[]; bytes: string | number; created_at: Date;
  lon: number; lat: number; h: number;
}

const SELECT = `SELECT l.*, p.code AS park, ST_X(p.origin) AS lon, ST_Y(p.origin) AS lat, ST_Z(p.origin) AS h
  FROM tileset_layer l JOIN park p ON p.idx = l.park_idx`;

const nudgeOf = (r: Row): Nudge => ({ east: r.offset_east, north: r.offset_north, up: r.offset_up, heading: r.heading, scale: r.scale });

/** Options (tests and embedders); the environment gives the defaults. */
export interface TilesetsOptions {
  /** Folders on this host a layer may be read from (default: TWIN_TILESET_PATHS, `:`-separated; none when unset). */
  readonly pathRoots?: readonly string[];
  /** Largest upload (the raw body) in bytes (default ARCHIVE_LIMITS.maxBytes, 100 MB; tests lower it). */
  readonly maxUploadBytes?: number;
}

/** The tilesets module. */
export function tilesetsModule(opts: TilesetsOptions = {}): TwinModule {
  return {
    name: 'tilesets',
    migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
    permissions: [
      { permission: 'tilesets:admin', summary: 'Add, place and remove third-party 3D Tiles layers', roles: ['system_admin', 'property_manager'] },
    ],
    routes: (sc) => routes(sc, opts),
  };
}

function routes(sc: ServerContext, opts: TilesetsOptions): RouteSpec[] {
  const layersRoot = () => path.join(sc.config.tilesetDir, LAYERS_DIR);
  const folderOf = (r: Pick<Row, 'source' | 'location'>) => (r.source === 'upload' ? path.join(layersRoot(), r.location) : r.location);
  const roots = () => opts.pathRoots ?? (process.env.TWIN_TILESET_PATHS ?? '').split(path.delimiter).filter(Boolean);
  const toLayer = (r: Row, check?: TilesetCheck): TilesetLayer => {
    const d = distanceFromPark(check?.rootTransform ?? null, r);
    return {
      id: r.id, park: r.park, name: r.name, source: r.source, version: r.tiles_version, georeferenced: r.georeferenced, anchor: r.anchor,
      distanceKm: d === null ? null : Math.round(d / 100) / 10, nudge: nudgeOf(r), visible: r.visible, contents: r.contents, missing: r.missing,
      bytes: Number(r.bytes), url: `/tiles/${r.park}/layers/${r.id}/${r.root_file}`, createdAt: new Date(r.created_at).toISOString(),
    };
  };
  const rootTransform = async (r: Row): Promise<number[] | null> => {
    const doc = JSON.parse(await fs.readFile(path.join(folderOf(r), r.root_file), 'utf8')) as { root?: { transform?: number[] } };
    return Array.isArray(doc.root?.transform) && doc.root.transform.length === 16 ? doc.root.transform : null;
  };
  const load = async (park: string, id: number): Promise<Row> => {
    const r = await sc.db.query<Row>(`${SELECT} WHERE p.code = $1 AND l.id = $2`, [park, id]);
    return r.rows[0]!;
  };
  const parkRow = async (ctx: TwinContext, park: string) => {
    const r = await sc.db.query<{ idx: number; lon: number; lat: number; h: number }>(
      'SELECT idx, ST_X(origin) AS lon, ST_Y(origin) AS lat, ST_Z(origin) AS h FROM park WHERE code = $1', [park]);
    if (!r.rows[0]) ctx.throw(404, `no park "${park}"`);
    return r.rows[0]!;
  };
  const audit = (ctx: TwinContext, action: string, object: string, detail: Record<string, unknown>) => {
    const p = ctx.state.principal;
    return sc.db.transaction((tx) => appendAudit(tx, {
      action, outcome: 'success', ...(p ? { actor: { kind: p.kind, id: p.id, name: p.name } } : {}), object, source: ctx.ip, detail,
    }, new Date()));
  };

  /** Registers a checked folder as a layer; 422 with every reason when the structure is broken. */
  const register = async (ctx: TwinContext, park: string, name: string, source: 'upload' | 'path', location: string, folder: string, bytes: number): Promise<TilesetLayer> => {
    await parkRow(ctx, park);
    try {
      const { id, check } = await addLayer(sc.db, { park, name, source, location, folder, bytes, by: ctx.state.principal?.name ?? null });
      await audit(ctx, 'tilesets.add', `tileset-layer:${id}`, { park, name, source, version: check.version, contents: check.contents, missing: check.missing.length });
      sc.log.info({ park, id, name, contents: check.contents, missing: check.missing.length }, 'tileset layer added');
      return toLayer(await load(park, id), check);
    } catch (e) {
      if (e instanceof LayerError) {
        if (e.status === 422) sc.log.info({ park, name, error: e.message.slice(0, 300) }, 'tileset layer refused');
        return ctx.throw(e.status, e.message);
      }
      throw e;
    }
  };

  /** Serves one file of a layer; the root tileset.json gets the placed transform. */
  const serveFile = async (ctx: TwinContext, park: string, id: number, parts: string[]) => {
    const r = await load(park, id);
    if (!r) ctx.throw(404, 'no such layer');
    const folder = path.resolve(folderOf(r));
    const rel = parts.join('/');
    const file = path.resolve(folder, rel);
    if (!file.startsWith(folder + path.sep)) ctx.throw(400, 'path escapes the layer folder');
    const stat = await fs.stat(file).catch(() => null);
    if (!stat?.isFile()) ctx.throw(404, `the layer has no file ${rel}`);
    if (rel === r.root_file) {
      const doc = JSON.parse(await fs.readFile(file, 'utf8')) as { root: { transform?: number[] } };
      const p = { lon: r.lon, lat: r.lat, h: r.h };
      doc.root.transform = placement(await rootTransform(r), p, r.anchor, nudgeOf(r)).map((x) => Math.round(x * 1e9) / 1e9);
      ctx.set('Cache-Control', 'no-cache');
      ctx.type = 'application/json';
      ctx.body = JSON.stringify(doc);
      return;
    }
    const etag = `W/"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
    ctx.set('ETag', etag);
    ctx.set('Cache-Control', 'private, max-age=300');
    if (ctx.get('If-None-Match') === etag) {
      ctx.status = 304;
      return;
    }
    const ext = path.extname(file).toLowerCase();
    ctx.type = ext === '.json' ? 'application/json' : ext === '.glb' ? 'model/gltf-binary' : 'application/octet-stream';
    ctx.body = await fs.readFile(file);
  };

  const fileRoute = (p: string, schema: typeof f1Params | typeof f2Params | typeof f3Params, pick: (x: Record<string, string | number>) => string[]): RouteSpec => ({
    method: 'GET', path: p, permission: 'tiles:read', params: schema, produces: ['application/json', 'model/gltf-binary', 'application/octet-stream'], errors: [404],
    summary: 'A file of a 3D Tiles layer (its tileset.json with the root transform that places it in the park)',
    async handler(ctx) {
      const x = paramsOf(ctx, schema) as unknown as Record<string, string | number>;
      await serveFile(ctx, x.park as string, x.id as number, pick(x));
    },
  });

  return [
    {
      method: 'GET', path: '/api/tilesets/:park', permission: 'tiles:read', summary: "A park's 3D Tiles layers (third-party tilesets)",
      params: parkParams, response: z.object({ layers: z.array(layerSchema) }), errors: [404],
      async handler(ctx) {
        const { park } = paramsOf(ctx, parkParams);
        await parkRow(ctx, park);
        const rows = (await sc.db.query<Row>(`${SELECT} WHERE p.code = $1 ORDER BY l.id`, [park])).rows;
        const layers: TilesetLayer[] = [];
        for (const r of rows) {
          const t = await rootTransform(r).catch(() => null);
          layers.push(toLayer(r, { rootTransform: t } as TilesetCheck));
        }
        ctx.body = { layers };
      },
    },
    {
      method: 'POST', path: '/api/tilesets/:park/upload', permission: 'tilesets:admin',
      summary: `Add a layer from a zip or 3tz of a 3D Tiles tileset (raw body, at most ${ARCHIVE_LIMITS.maxBytes / 1024 / 1024} MB); the structure is checked first: a broken tileset is refused (422) with every reason`,
      params: parkParams, query: uploadQuery, response: withStatus(201, layerSchema), errors: [404, 409, 413, 422],
      async handler(ctx) {
        const { park } = paramsOf(ctx, parkParams);
        const { name } = queryOf(ctx, uploadQuery);
        await parkRow(ctx, park);
        let bytes: Buffer;
        try {
          bytes = await readBody(ctx, opts.maxUploadBytes ?? ARCHIVE_LIMITS.maxBytes);
        } catch (e) {
          sc.log.info({ park, name, error: (e as Error).message }, 'tileset upload refused');
          throw e;
        }
        const location = randomBytes(8).toString('hex');
        const dir = path.join(layersRoot(), location);
        try {
          const u = await unpackArchive(bytes, dir);
          ctx.status = 201;
          ctx.body = await register(ctx, park, name, 'upload', location, dir, u.bytes);
        } catch (e) {
          // Nothing half-written: the extracted files go (the database row is only written after the check passed).
          await fs.rm(dir, { recursive: true, force: true });
          if (e instanceof ArchiveError) {
            sc.log.info({ park, name, error: e.message }, 'tileset upload refused');
            ctx.throw(400, e.message);
          }
          throw e;
        }
      },
    },
    {
      method: 'POST', path: '/api/tilesets/:park/path', permission: 'tilesets:admin',
      summary: 'Add a layer read in place from a tileset folder on this host (under TWIN_TILESET_PATHS); checked like an upload',
      params: parkParams, body: pathBody, response: withStatus(201, layerSchema), errors: [404, 409, 422],
      async handler(ctx) {
        const { park } = paramsOf(ctx, parkParams);
        const b = bodyOf(ctx, pathBody);
        const allowed = roots();
        if (allowed.length === 0) ctx.throw(422, 'same-host tileset paths are off: set TWIN_TILESET_PATHS to the folders layers may be read from');
        const found = await fs.realpath(path.resolve(b.path)).catch(() => null);
        if (!found) return ctx.throw(422, `path: ${b.path} does not exist on this host`);
        const real = found;
        const ok = await Promise.all(allowed.map(async (a) => {
          const ra = await fs.realpath(a).catch(() => null);
          return ra !== null && (real === ra || real.startsWith(ra + path.sep));
        }));
        if (!ok.some(Boolean)) ctx.throw(422, `path: ${b.path} is outside the folders allowed for layers (TWIN_TILESET_PATHS)`);
        ctx.status = 201;
        ctx.body = await register(ctx, park, b.name, 'path', real, real, 0);
      },
    },
    {
      method: 'PATCH', path: '/api/tilesets/:park/:id', permission: 'tilesets:admin',
      summary: 'Rename, place (anchor: georeferenced | park) and nudge (east/north/up m, heading °, scale) a layer, or hide it',
      params: layerParams, body: patchBody, response: layerSchema, errors: [404, 409],
      async handler(ctx) {
        const { park, id } = paramsOf(ctx, layerParams);
        const b = bodyOf(ctx, patchBody);
        const r = await load(park, id);
        if (!r) ctx.throw(404, 'no such layer');
        const n = { ...nudgeOf(r), ...b.nudge };
        try {
          await sc.db.query(
            `UPDATE tileset_layer SET name = $2, anchor = $3, offset_east = $4, offset_north = $5, offset_up = $6, heading = $7, scale = $8, visible = $9 WHERE id = $1`,
            [id, b.name ?? r.name, b.anchor ?? r.anchor, n.east, n.north, n.up, n.heading, n.scale, b.visible ?? r.visible]);
        } catch (e) {
          if ((e as { code?: string }).code === '23505') ctx.throw(409, `the park already has a layer named "${b.name}"`);
          throw e;
        }
        await audit(ctx, 'tilesets.update', `tileset-layer:${id}`, { park, ...b });
        const row = await load(park, id);
        ctx.body = toLayer(row, { rootTransform: await rootTransform(row).catch(() => null) } as TilesetCheck);
      },
    },
    {
      method: 'DELETE', path: '/api/tilesets/:park/:id', permission: 'tilesets:admin', summary: 'Remove a layer (an uploaded one with its files)',
      params: layerParams, errors: [404],
      async handler(ctx) {
        const { park, id } = paramsOf(ctx, layerParams);
        const r = await load(park, id);
        if (!r) ctx.throw(404, 'no such layer');
        await sc.db.query('DELETE FROM tileset_layer WHERE id = $1', [id]);
        if (r.source === 'upload' && /^[0-9a-f]{16}$/.test(r.location)) await fs.rm(path.join(layersRoot(), r.location), { recursive: true, force: true });
        await audit(ctx, 'tilesets.delete', `tileset-layer:${id}`, { park, name: r.name });
        ctx.status = 204;
      },
    },
    fileRoute('/tiles/:park/layers/:id/:f1', f1Params, (x) => [x.f1 as string]),
    fileRoute('/tiles/:park/layers/:id/:d1/:f1', f2Params, (x) => [x.d1 as string, x.f1 as string]),
    fileRoute('/tiles/:park/layers/:id/:d1/:d2/:f1', f3Params, (x) => [x.d1 as string, x.d2 as string, x.f1 as string]),
  ];
}

/** A refused layer: the status to answer and what to fix. */
export class LayerError extends Error {
  override name = 'LayerError';
  constructor(readonly status: 404 | 409 | 422, message: string) {
    super(message);
  }
}

/**
 * Checks the tileset in `folder` and records it as a layer of the park (placed where its transform
 * puts it when that is within 50 km of the park origin, else at the origin). Throws LayerError with
 * every reason when the structure is broken (422), the park is unknown (404) or the name taken (409).
 */
export async function addLayer(db: Queryable, a: {
  park: string; name: string; source: 'upload' | 'path'; location: string; folder: string; bytes: number; by: string | null; nudge?: Partial<Nudge>;
}): Promise<{ id: number; check: TilesetCheck }> {
  const pr = await db.query<{ idx: number; lon: number; lat: number; h: number }>(
    'SELECT idx, ST_X(origin) AS lon, ST_Y(origin) AS lat, ST_Z(origin) AS h FROM park WHERE code = $1', [a.park]);
  const p = pr.rows[0];
  if (!p) throw new LayerError(404, `no park "${a.park}"`);
  const check = await checkTileset(a.folder);
  if (check.errors.length > 0) {
    throw new LayerError(422, `the tileset is broken, nothing was added: ${check.errors.slice(0, 10).join('; ')}${check.errors.length > 10 ? `; and ${check.errors.length - 10} more` : ''}`);
  }
  const d = distanceFromPark(check.rootTransform, p);
  const anchor = check.georeferenced && d !== null && d <= NEAR_KM * 1000 ? 'georeferenced' : 'park';
  const n = { east: 0, north: 0, up: 0, heading: 0, scale: 1, ...a.nudge };
  try {
    const id = (await db.query<{ id: number }>(
      `INSERT INTO tileset_layer (park_idx, name, source, location, tiles_version, georeferenced, anchor, contents, missing, bytes, created_by,
         offset_east, offset_north, offset_up, heading, scale)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
      [p.idx, a.name, a.source, a.location, check.version, check.georeferenced, anchor, check.contents, JSON.stringify(check.missing), a.bytes, a.by,
        n.east, n.north, n.up, n.heading, n.scale])).rows[0]!.id;
    return { id, check };
  } catch (e) {
    if ((e as { code?: string }).code === '23505') throw new LayerError(409, `the park already has a layer named "${a.name}"`);
    throw e;
  }
}

async function readBody(ctx: TwinContext, max: number): Promise<Buffer> {
  const declared = Number(ctx.get('Content-Length') || 0);
  const tooLarge = () => ctx.throw(413, `the archive is larger than the ${+(max / 1024 / 1024).toFixed(2)} MB an upload may be; nothing was added`);
  if (declared > max) tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of ctx.req) {
    size += (c as Buffer).length;
    if (size > max) tooLarge();
    chunks.push(c as Buffer);
  }
  if (size === 0) ctx.throw(400, 'empty body: send the zip or 3tz file as the request body');
  return Buffer.concat(chunks);
}
