/**
 * The labels module (issue 17, equipment tags): printable QR label sheets per room, floor,
 * building or a park's pipe nodes (`labels:print`, maintenance and property managers; audited),
 * one object's QR code as a PNG, and the scanner's lookup of a scanned uuid (`twin:read`, with the
 * twin's enterprise scoping: an enterprise user resolves only its own rooms and equipment).
 */
import { z } from 'zod';
import type { TwinModule } from '../types.ts';
import type { TwinContext } from '../../http/route.ts';
import { appendAudit } from '../../auth/audit.ts';
import { paramsOf, queryOf } from '../../http/input.ts';
import { idxParams } from '../../http/schemas.ts';
import { owningEnterprise } from '../twin/queries.ts';
import { labelOf, objectByUuid, sheetLabels, type SheetScope } from './queries.ts';
import { labelPng, labelSheetSvg, labelUrl } from './sheet.ts';

const idx = z.coerce.number<string>().int().min(1).max(0x7fffffff);
/** Query of the sheet: exactly one of room, floor, building, or park (its pipe nodes). */
export const sheetQuery = z.object({
  room: idx.optional(), floor: idx.optional(), building: idx.optional(),
  park: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'invalid park code').optional(),
}).strict().refine((q) => [q.room, q.floor, q.building, q.park].filter((v) => v !== undefined).length === 1, {
  message: 'give exactly one of room, floor, building or park',
});
const uuidParams = z.object({ uuid: z.string().uuid('not a uuid') });
/** GET /api/labels/resolve/:uuid. */
export const resolvedSchema = z.object({
  idx: z.number().int(), kind: z.string(), name: z.string(), url: z.string(),
  /** Building and floor of equipment and rooms (the twin drills to them), else null. */
  building: z.number().int().nullable(), floor: z.number().int().nullable(),
});

/** The address labels point at: TWIN_PUBLIC_URL when the operator set it (behind a proxy), else this request's. */
const originOf = (ctx: TwinContext) => (process.env.TWIN_PUBLIC_URL ?? `${ctx.protocol}://${ctx.host}`).replace(/\/$/, '');

const actorOf = (ctx: TwinContext) => {
  const p = ctx.state.principal;
  return p ? { kind: p.kind, id: p.id, name: p.name } : undefined;
};

/** The labels module. */
export const labelsModule: TwinModule = {
  name: 'labels',
  permissions: [
    { permission: 'labels:print', summary: 'Print QR label sheets of equipment, rooms and pipe nodes', roles: ['maintenance', 'property_manager'] },
  ],
  routes: (sc) => [
    {
      method: 'GET', path: '/api/labels/sheet', permission: 'labels:print',
      summary: 'Printable QR label sheet (SVG, A4 pages of 21 labels) of a room (with its equipment), a floor or building (its equipment) or a park (its pipe nodes)',
      query: sheetQuery, produces: 'image/svg+xml', errors: [404],
      async handler(ctx) {
        const q = queryOf(ctx, sheetQuery);
        const scope: SheetScope = q.room ? { room: q.room } : q.floor ? { floor: q.floor } : q.building ? { building: q.building } : { park: q.park!, nodes: true };
        const sheet = (await sheetLabels(sc.db, scope)) ?? ctx.throw(404, 'no such room, floor, building or park');
        const actor = actorOf(ctx);
        await appendAudit(sc.db, { action: 'labels.sheet.print', outcome: 'success', ...(actor ? { actor } : {}), object: Object.entries(scope).map(([k, v]) => `${k}:${String(v)}`)[0]!, source: ctx.ip, detail: { labels: sheet.labels.length } }, new Date());
        sc.log.info({ requestId: ctx.state.requestId, scope, labels: sheet.labels.length }, 'label sheet printed');
        ctx.type = 'image/svg+xml';
        ctx.set('Cache-Control', 'no-store');
        ctx.body = labelSheetSvg(sheet.title, sheet.labels, originOf(ctx));
      },
    },
    {
      method: 'GET', path: '/api/labels/objects/:idx/qr.png', permission: 'labels:print',
      summary: 'One object\'s QR label code as a PNG (8 px per module, 4-module quiet zone)',
      params: idxParams, produces: 'image/png', errors: [404],
      async handler(ctx) {
        const { idx: id } = paramsOf(ctx, idxParams);
        const l = (await labelOf(sc.db, id)) ?? ctx.throw(404, `no object ${id}`);
        ctx.type = 'image/png';
        ctx.set('Cache-Control', 'no-store');
        ctx.body = await labelPng(originOf(ctx), l.uuid);
      },
    },
    {
      method: 'GET', path: '/api/labels/resolve/:uuid', permission: 'twin:read',
      summary: 'The object a scanned label names (enterprise users: only their own rooms and equipment)',
      params: uuidParams, response: resolvedSchema, errors: [404],
      object: async (ctx) => {
        const o = await objectByUuid(sc.db, paramsOf(ctx, uuidParams).uuid);
        if (!o) return null;
        const own = await owningEnterprise(sc.db, o.idx);
        return { kind: o.kind, idx: o.idx, enterpriseIdx: own?.enterpriseIdx ?? null };
      },
      async handler(ctx) {
        const { uuid } = paramsOf(ctx, uuidParams);
        const o = (await objectByUuid(sc.db, uuid)) ?? ctx.throw(404, 'no object with this label');
        ctx.body = { ...o, url: labelUrl(originOf(ctx), uuid) };
      },
    },
  ],
};
