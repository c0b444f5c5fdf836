/**
 * The parks module: any park, not only the sample one. List, create, edit and delete parks
 * (name, code, origin, boundary drawn as a polygon or derived from footprints), audited.
 *
 *   GET    /api/parks                 every park (parks:read)
 *   GET    /api/parks/:park           one park (parks:read)
 *   POST   /api/parks                 create (parks:admin)
 *   PATCH  /api/parks/:park           edit; `boundary: {fromBuildings: true}` derives it from the park's buildings (parks:admin)
 *   DELETE /api/parks/:park           delete with everything it owns and its tiles (parks:admin)
 */
import type { Context } from 'koa';
import { z } from 'zod';
import type { TwinModule } from '../types.ts';
import type { ServerContext } from '../../context.ts';
import { appendAudit } from '../../auth/audit.ts';
import { bodyOf, paramsOf } from '../../http/input.ts';
import { PARK_CODE } from '../../http/params.ts';
import { withStatus } from '../../http/openapi.ts';
import { ParkError, createPark, deletePark, getParkInfo, listParkInfos, updatePark, type BoundarySource } from './service.ts';

const parkParams = z.object({ park: z.string().regex(PARK_CODE, 'invalid park code') });
const origin = z.object({ lon: z.number().min(-180).max(180), lat: z.number().min(-90).max(90), height: z.number().min(-500).max(9000).optional() }).strict();
const polygon = z.object({ type: z.literal('Polygon'), coordinates: z.array(z.array(z.array(z.number()).min(2).max(3)).min(4).max(10_000)).min(1).max(100) });
const boundary = z.union([
  z.object({ polygon }).strict(),
  z.object({ footprints: z.unknown().describe('GeoJSON holding Polygons or MultiPolygons (e.g. the footprint file to import)'), margin: z.number().min(0).max(5000).optional() }).strict(),
  z.object({ fromBuildings: z.literal(true), margin: z.number().min(0).max(5000).optional() }).strict(),
]);
const createBody = z.object({
  code: z.string().min(2).max(63),
  name: z.string().min(1).max(200),
  nameEn: z.string().max(200).nullable().optional(),
  city: z.string().max(100).optional(),
  timezone: z.string().min(1).max(64).optional(),
  origin: origin.optional(),
  boundary: boundary.optional(),
}).strict();
const patchBody = createBody.omit({ code: true }).partial().strict();
/** A park as the routes answer it. */
export const parkSchema = z.object({
  idx: z.number().int(), code: z.string(), name: z.string(), nameEn: z.string().nullable(), city: z.string(), timezone: z.string(),
  origin: z.object({ lon: z.number(), lat: z.number(), height: z.number() }),
  boundary: z.object({ type: z.literal('Polygon'), coordinates: z.array(z.array(z.array(z.number()))) }),
  area: z.number(), buildings: z.number().int(),
});
const listSchema = z.object({ parks: z.array(parkSchema) });
const deletedSchema = z.object({ park: z.string(), buildings: z.number().int() });

/** Answers a ParkError as its status and message; anything else goes on to the error middleware. */
function refuse(ctx: Context, e: unknown): never {
  if (e instanceof ParkError) ctx.throw(e.status, e.message);
  throw e;
}

async function audit(sc: ServerContext, ctx: Context, action: string, code: string, detail: Record<string, unknown>): Promise<void> {
  const p = ctx.state.principal as { kind: 'user' | 'device' | 'exchange'; id: string; name: string } | undefined;
  await sc.db.transaction((tx) => appendAudit(tx, {
    action, outcome: 'success', ...(p ? { actor: { kind: p.kind, id: p.id, name: p.name } } : {}), object: `park:${code}`, source: ctx.ip, detail,
  }, new Date()));
}

const toSource = (b: z.infer<typeof boundary> | undefined): BoundarySource | undefined => b as BoundarySource | undefined;

/** The parks module. */
export const parksModule: TwinModule = {
  name: 'parks',
  permissions: [
    { permission: 'parks:read', summary: 'See the list of parks with their origin and boundary', roles: ['system_admin', 'property_manager', 'leadership_viewer', 'investment', 'maintenance'] },
    { permission: 'parks:admin', summary: 'Create, edit and delete parks', roles: ['system_admin', 'property_manager'] },
  ],
  routes: (sc) => [
    {
      method: 'GET', path: '/api/parks', permission: 'parks:read', summary: 'Every park with its origin, boundary and building count',
      response: listSchema,
      async handler(ctx) {
        ctx.body = { parks: await listParkInfos(sc.db) };
      },
    },
    {
      method: 'GET', path: '/api/parks/:park', permission: 'parks:read', summary: 'One park', params: parkParams, response: parkSchema, errors: [404],
      async handler(ctx) {
        const { park } = paramsOf(ctx, parkParams);
        const info = await getParkInfo(sc.db, park);
        if (!info) ctx.throw(404, `no park "${park}"`);
        ctx.body = info;
      },
    },
    {
      method: 'POST', path: '/api/parks', permission: 'parks:admin',
      summary: 'Create a park: code, name, origin and a boundary (a polygon, or derived from footprints); 409 when the code is taken',
      body: createBody, response: withStatus(201, parkSchema), errors: [409, 422],
      async handler(ctx) {
        const b = bodyOf(ctx, createBody);
        try {
          const info = await createPark(sc.db, { ...b, boundary: toSource(b.boundary) });
          await audit(sc, ctx, 'park.create', info.code, { name: info.name, origin: info.origin, area: info.area });
          ctx.status = 201;
          ctx.body = info;
        } catch (e) {
          refuse(ctx, e);
        }
      },
    },
    {
      method: 'PATCH', path: '/api/parks/:park', permission: 'parks:admin',
      summary: 'Edit a park (name, city, origin, boundary; {"boundary": {"fromBuildings": true}} derives it from its buildings)',
      params: parkParams, body: patchBody, response: parkSchema, errors: [404, 422],
      async handler(ctx) {
        const { park } = paramsOf(ctx, parkParams);
        const b = bodyOf(ctx, patchBody);
        try {
          const r = await updatePark(sc.db, park, { ...b, boundary: toSource(b.boundary) });
          await audit(sc, ctx, 'park.update', park, { fields: Object.keys(b), retile: r.retile });
          ctx.body = r.park;
        } catch (e) {
          refuse(ctx, e);
        }
      },
    },
    {
      method: 'DELETE', path: '/api/parks/:park', permission: 'parks:admin',
      summary: 'Delete a park with its buildings, floors, rooms, equipment, networks and tiles',
      params: parkParams, response: deletedSchema, errors: [404, 409],
      async handler(ctx) {
        const { park } = paramsOf(ctx, parkParams);
        try {
          const r = await deletePark(sc.db, park, sc.config.tilesetDir);
          await audit(sc, ctx, 'park.delete', park, { buildings: r.buildings });
          ctx.body = { park, buildings: r.buildings };
        } catch (e) {
          refuse(ctx, e);
        }
      },
    },
  ],
};
