/**
 * The twin module (permission `twin:read`): what the 3D scene needs besides tiles and the live
 * stream: parks and their frame origin, the park hierarchy by idx (drill-down, hiding floors,
 * tooltips), and per-object details, children and a short history for the panels.
 */
import { z } from 'zod';
import { layerByName } from '@park-twin/layers';
import type { TwinModule } from '../types.ts';
import type { TwinContext } from '../../http/route.ts';
import { listParks, objectChildren, objectDetails, objectHistory, owningEnterprise, parkIndex } from './queries.ts';
import { paramsOf, queryOf } from '../../http/input.ts';
import { codeParams, idxParams } from '../../http/schemas.ts';
import { childrenSchema, historyQuery, historySchema, objectDetailsSchema, parkIndexSchema, parkSchema } from './schemas.ts';

/** Drill-down routes of the 3D scene. */
export const twinModule: TwinModule = {
  name: 'twin',
  routes: (sc) => {
    // Enterprise users may open only objects of their own enterprise (rooms they lease, their equipment).
    const object = async (ctx: TwinContext) => {
      const { idx } = paramsOf(ctx, idxParams);
      const o = await owningEnterprise(sc.db, idx);
      return o ? { kind: o.kind, idx, enterpriseIdx: o.enterpriseIdx } : null;
    };
    return [
      {
        method: 'GET', path: '/api/twin/parks', permission: 'twin:read', summary: 'Parks with their tile-frame origin',
        response: z.object({ parks: z.array(parkSchema) }),
        async handler(ctx) {
          ctx.body = { parks: await listParks(sc.db) };
        },
      },
      {
        method: 'GET', path: '/api/twin/parks/:code/index', permission: 'twin:read',
        summary: 'Park hierarchy by idx (kind, parent, floor level, names, lease status) as columns; enterprise users get names and lease status of their own rooms and equipment only',
        params: codeParams, response: parkIndexSchema, errors: [404],
        async handler(ctx) {
          const { code } = paramsOf(ctx, codeParams);
          const index = await parkIndex(sc.db, code, { enterpriseIdx: ctx.state.principal?.enterpriseIdx });
          if (!index) ctx.throw(404, `no park ${code}`);
          ctx.body = index;
        },
      },
      {
        method: 'GET', path: '/api/twin/objects/:idx', permission: 'twin:read', object,
        summary: 'One twin object: attributes and breadcrumb path',
        params: idxParams, response: objectDetailsSchema, errors: [404],
        async handler(ctx) {
          const d = await objectDetails(sc.db, paramsOf(ctx, idxParams).idx);
          if (!d) ctx.throw(404, 'no such object');
          ctx.body = d;
        },
      },
      {
        method: 'GET', path: '/api/twin/objects/:idx/children', permission: 'twin:read', object,
        summary: 'Direct children of a twin object (buildings, floors, rooms, equipment)',
        params: idxParams, response: childrenSchema,
        async handler(ctx) {
          const { idx } = paramsOf(ctx, idxParams);
          ctx.body = { idx, children: await objectChildren(sc.db, idx) };
        },
      },
      {
        method: 'GET', path: '/api/twin/objects/:idx/history', permission: 'twin:read', object,
        summary: 'Short bucketed history of one layer of a twin object (?layer=&hours=); needs the layer\'s own permission too',
        params: idxParams, query: historyQuery, response: historySchema,
        async handler(ctx) {
          const { idx } = paramsOf(ctx, idxParams);
          const q = queryOf(ctx, historyQuery);
          const layer = layerByName(q.layer)!;
          // The layer's own permission, as on the stream: twin:read alone must not read economy history.
          if (!ctx.state.principal?.permissions.has(layer.permission as never)) ctx.throw(403, `reading the ${layer.name} layer needs ${layer.permission}`);
          ctx.body = { idx, layer: layer.name, hours: q.hours, points: await objectHistory(sc.db, idx, layer.id, q.hours) };
        },
      },
    ];
  },
};
