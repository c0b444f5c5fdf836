/**
 * Unit photos (issue 18, unit media): investment staff upload a photo of a leasable unit as the
 * raw request body; it is type-checked by its leading bytes (JPEG, PNG, WebP; anything else is a
 * 400), size-checked (over MAX_PHOTO_BYTES: 413), decoded and re-encoded server-side with sharp
 * (rotated upright from EXIF, at most 1600 px wide, JPEG quality 82, metadata such as GPS
 * stripped, plus a 480 px thumbnail). The stored JPEG is what every viewer gets, never the upload.
 */
import sharp from 'sharp';
import { z } from 'zod';
import type { ServerContext } from '../../context.ts';
import type { ObjectRef, RouteSpec, TwinContext } from '../../http/route.ts';

const market = async (): Promise<ObjectRef> => ({ kind: 'leasing-market', enterpriseIdx: null });
import { authService } from '../../auth/index.ts';
import { withStatus } from '../../http/openapi.ts';
import { paramsOf, queryOf } from '../../http/input.ts';

/** Largest accepted upload. */
export const MAX_PHOTO_BYTES = 8 * 1024 * 1024;
/** Largest accepted image, in pixels (decompression bombs). */
export const MAX_PIXELS = 40_000_000;

/** The image type the bytes start like, or null. */
export function sniffImage(b: Buffer): 'image/jpeg' | 'image/png' | 'image/webp' | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (b.length >= 12 && b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return null;
}

/** Resizes an upload: the stored JPEG (≤ 1600 px wide) and its thumbnail (≤ 480 px). */
export async function processPhoto(b: Buffer): Promise<{ image: Buffer; thumb: Buffer; width: number; height: number }> {
  const base = sharp(b, { limitInputPixels: MAX_PIXELS, failOn: 'error' }).rotate();
  const out = await base.clone().resize({ width: 1600, height: 1600, fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 82, mozjpeg: true }).toBuffer({ resolveWithObject: true });
  const thumb = await base.clone().resize({ width: 480, height: 480, fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 75 }).toBuffer();
  return { image: out.data, thumb, width: out.info.width, height: out.info.height };
}

async function readBody(ctx: TwinContext, max: number): Promise<Buffer> {
  const declared = Number(ctx.get('Content-Length') || 0);
  if (declared > max) ctx.throw(413, `photo larger than ${max / 1024 / 1024} MiB`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of ctx.req) {
    size += (c as Buffer).length;
    if (size > max) ctx.throw(413, `photo larger than ${max / 1024 / 1024} MiB`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

const unitParams = z.object({ idx: z.coerce.number<string>().int().min(1).max(0x7fffffff) });
const photoParams = unitParams.extend({ id: z.coerce.number<string>().int().min(1).max(0x7fffffff) });
const sizeQuery = z.object({ size: z.enum(['full', 'thumb']).default('full') });
const photoRow = z.object({ id: z.number(), width: z.number(), height: z.number(), uploadedByName: z.string(), uploadedAt: z.string() });

/** The photo routes: list, upload, fetch, delete. */
export function photoRoutes(sc: ServerContext): RouteSpec[] {
  const auth = () => authService(sc);
  return [
    {
      method: 'GET', path: '/api/leasing/units/:idx/photos', permission: 'leasing:read', params: unitParams,
      response: z.object({ photos: z.array(photoRow) }), summary: 'Photos of a leasable unit, oldest first',
      async handler(ctx) {
        const { idx } = paramsOf(ctx, unitParams);
        const r = await sc.db.query<{ id: number; width: number; height: number; uploaded_by_name: string; uploaded_at: Date }>(
          'SELECT id, width, height, uploaded_by_name, uploaded_at FROM leasing_photo WHERE room_idx = $1 ORDER BY id', [idx]);
        ctx.body = { photos: r.rows.map((p) => ({ id: p.id, width: p.width, height: p.height, uploadedByName: p.uploaded_by_name, uploadedAt: new Date(p.uploaded_at).toISOString() })) };
      },
    },
    {
      method: 'POST', path: '/api/leasing/units/:idx/photos', permission: 'leasing:write', object: market, params: unitParams,
      response: withStatus(201, photoRow), errors: [404, 413],
      summary: `Upload a photo of a leasable unit (raw body: JPEG, PNG or WebP, at most ${MAX_PHOTO_BYTES / 1024 / 1024} MiB); resized server-side to a JPEG ≤ 1600 px; other content: 400`,
      async handler(ctx) {
        const { idx } = paramsOf(ctx, unitParams);
        const unit = await sc.db.query('SELECT 1 FROM room WHERE idx = $1 AND leasable', [idx]);
        if (unit.rows.length === 0) ctx.throw(404, `no leasable unit ${idx}`);
        const bytes = await readBody(ctx, MAX_PHOTO_BYTES);
        const kind = sniffImage(bytes);
        if (!kind) {
          sc.log.info({ idx, bytes: bytes.length, type: ctx.get('Content-Type') }, 'photo upload refused: not an image');
          ctx.throw(400, 'not an image: upload a JPEG, PNG or WebP photo');
        }
        let out: Awaited<ReturnType<typeof processPhoto>>;
        try {
          out = await processPhoto(bytes);
        } catch (err) {
          sc.log.info({ idx, err: (err as Error).message }, 'photo upload refused: cannot decode');
          return ctx.throw(400, `the image cannot be read (${(err as Error).message.slice(0, 120)})`);
        }
        const p = ctx.state.principal!;
        const row = await sc.db.transaction(async (tx) => {
          const r = await tx.query<{ id: number; uploaded_at: Date }>(
            'INSERT INTO leasing_photo (room_idx, width, height, image, thumb, uploaded_by_name, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, uploaded_at',
            [idx, out.width, out.height, out.image, out.thumb, p.name, auth().now()]);
          await auth().auditIn(tx, { action: 'leasing.photo.upload', outcome: 'success', actor: { kind: p.kind, id: p.id, name: p.name }, object: `room:${idx}`,
            source: ctx.ip, detail: { photo: r.rows[0]!.id, uploadedBytes: bytes.length, type: kind, width: out.width, height: out.height } });
          return r.rows[0]!;
        });
        ctx.status = 201;
        ctx.body = { id: row.id, width: out.width, height: out.height, uploadedByName: p.name, uploadedAt: new Date(row.uploaded_at).toISOString() };
      },
    },
    {
      method: 'GET', path: '/api/leasing/units/:idx/photos/:id', permission: 'leasing:read', params: photoParams, query: sizeQuery,
      produces: 'image/jpeg', errors: [404], summary: 'One photo (?size=thumb for the 480 px thumbnail), as the server re-encoded it',
      async handler(ctx) {
        const { idx, id } = paramsOf(ctx, photoParams);
        const { size } = queryOf(ctx, sizeQuery);
        const r = await sc.db.query<{ b: Buffer }>(`SELECT ${size === 'thumb' ? 'thumb' : 'image'} AS b FROM leasing_photo WHERE id = $1 AND room_idx = $2`, [id, idx]);
        if (!r.rows[0]) return ctx.throw(404, `no photo ${id} of unit ${idx}`);
        ctx.type = 'image/jpeg';
        ctx.set('Cache-Control', 'private, max-age=3600');
        ctx.set('X-Content-Type-Options', 'nosniff');
        ctx.body = Buffer.from(r.rows[0].b);
      },
    },
    {
      method: 'DELETE', path: '/api/leasing/units/:idx/photos/:id', permission: 'leasing:write', object: market, params: photoParams, errors: [404],
      summary: 'Delete a photo of a unit',
      async handler(ctx) {
        const { idx, id } = paramsOf(ctx, photoParams);
        const p = ctx.state.principal!;
        const ok = await sc.db.transaction(async (tx) => {
          const r = await tx.query('DELETE FROM leasing_photo WHERE id = $1 AND room_idx = $2 RETURNING id', [id, idx]);
          if (r.rows.length === 0) return false;
          await auth().auditIn(tx, { action: 'leasing.photo.delete', outcome: 'success', actor: { kind: p.kind, id: p.id, name: p.name }, object: `room:${idx}`, source: ctx.ip, detail: { photo: id } });
          return true;
        });
        if (!ok) ctx.throw(404, `no photo ${id} of unit ${idx}`);
        ctx.status = 204;
      },
    },
  ];
}
