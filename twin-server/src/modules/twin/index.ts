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
import { PARK_CODE, parseIdx } from '../../http/params.ts';

const historyQuery = z.object({
  layer: z.string().refine((n) => layerByName(n) !== undefined, 'unknown layer'),
  hours: z.coerce.number().int().min(1).max(24 * 31).default(24),
});


/** Drill-down routes of the 3D scene. */
export const twinModule: TwinModule = {
  name: 'twin',
  routes: (sc) => {
    // Enterprise users may open only objects of their own enterprise (rooms they lease, their equipment).
    const object = async (ctx: TwinContext) => {
      const o = await owningEnterprise(sc.db, parseIdx(ctx));
      return o ? { kind: o.kind, idx: parseIdx(ctx), enterpriseIdx: o.enterpriseIdx } : null;
    };
    return [
      {
        method: 'GET', path: '/api/twin/parks', permission: 'twin:read', summary: 'Parks with their tile-frame origin',
        async handler(ctx) {
          ctx.body = { parks: await listParks(sc.db) };
        },
      },
      {
        method: 'GET', path: '/api/twin/parks/:code/index', permission: 'twin:read',
        summary: 'Park hierarchy by idx (kind, parent, floor level, names, lease status) as columns; enterprise users get names and lease status of their own rooms and equipment only',
        async handler(ctx) {
          const code = ctx.params.code ?? '';
          if (!PARK_CODE.test(code)) ctx.throw(400, 'invalid park code');
          const index = await parkIndex(sc.db, code, { enterpriseIdx: ctx.state.principal?.enterpriseIdx });
          if (!index) ctx.throw(404, `no park ${code}`);
          ctx.body = index;
        },
      },
      {
        method: 'GET', path: '/api/twin/objects/:idx', permission: 'twin:read', object,
        summary: 'One twin object: attributes and breadcrumb path',
        async handler(ctx) {
          const d = await objectDetails(sc.db, parseIdx(ctx));
          if (!d) ctx.throw(404, 'no such object');
          ctx.body = d;
        },
      },
      {
        method: 'GET', path: '/api/twin/objects/:idx/children', permission: 'twin:read', object,
        summary: 'Direct children of a twin object (buildings, floors, rooms, equipment)',
        async handler(ctx) {
          const idx = parseIdx(ctx);
          ctx.body = { idx, children: await objectChildren(sc.db, idx) };
        },
      },
      {
        method: 'GET', path: '/api/twin/objects/:idx/history', permission: 'twin:read', object,
        summary: 'Short bucketed history of one layer of a twin object (?layer=&hours=)',
        async handler(ctx) {
          const idx = parseIdx(ctx);
          const q = historyQuery.parse(ctx.query);
          const layer = layerByName(q.layer)!;
          ctx.body = { idx, layer: layer.name, hours: q.hours, points: await objectHistory(sc.db, idx, layer.id, q.hours) };
        },
      },
    ];
  },
};
