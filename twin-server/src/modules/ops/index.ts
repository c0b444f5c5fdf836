/**
 * The maintenance module (standard G3, hidden works made visible): network traces on the pipe
 * topology (`network:read`), pipe and node attributes (`network:read`) and the open work orders
 * of one piece of equipment (`equipment:read`) for the `/ops` view.
 */
import { z } from 'zod';
import type { TwinModule } from '../types.ts';
import { owningEnterprise } from '../twin/queries.ts';
import { networkObject, openWorkOrders, parkNetworks, sectionBoxOf, traceNetwork } from './queries.ts';
import { PARK_CODE, idxParam, parseIdx } from '../../http/params.ts';

const traceQuery = z.object({
  node: z.string({ error: 'node is required' }).regex(/^\d{1,10}$/, 'node must be a positive integer').pipe(idxParam),
  direction: z.enum(['downstream', 'upstream'], { error: 'direction must be downstream or upstream' }),
}).strict();


// Park networks belong to no enterprise: enterprise-scoped callers are refused them outright.
const parkInfrastructure = async () => ({ kind: 'pipe_network', enterpriseIdx: null });

/** Routes of the ops view. */
export const opsModule: TwinModule = {
  name: 'ops',
  routes: (sc) => [
    {
      method: 'GET', path: '/api/ops/parks/:code/networks', permission: 'network:read', object: parkInfrastructure,
      summary: 'Every pipe segment and node of a park (idx, network, depth, node type, valve state) as columns',
      async handler(ctx) {
        const code = ctx.params.code ?? '';
        if (!PARK_CODE.test(code)) ctx.throw(400, 'invalid park code');
        const n = await parkNetworks(sc.db, code);
        if (!n) ctx.throw(404, `no park ${code}`);
        ctx.body = n;
      },
    },
    {
      method: 'GET', path: '/api/ops/trace', permission: 'network:read', object: parkInfrastructure,
      summary: 'Segments reached from a pipe node downstream or upstream, stopping at closed valves (?node=&direction=)',
      async handler(ctx) {
        const q = traceQuery.safeParse(ctx.query);
        if (!q.success) return ctx.throw(400, q.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '));
        const r = await traceNetwork(sc.db, q.data.node, q.data.direction);
        if (!r) ctx.throw(404, `no pipe node ${q.data.node}`);
        ctx.body = r;
      },
    },
    {
      method: 'GET', path: '/api/ops/pipes/:idx', permission: 'network:read', object: parkInfrastructure,
      summary: 'Attributes of a pipe segment (network, diameter, depth, material, install year, from/to nodes) or a pipe node',
      async handler(ctx) {
        const o = await networkObject(sc.db, parseIdx(ctx));
        if (!o) ctx.throw(404, 'no such pipe segment or node');
        ctx.body = o;
      },
    },
    {
      method: 'GET', path: '/api/ops/section/:idx', permission: 'twin:read',
      summary: 'Box of a building or floor in the tiles\' park metres (east, north, up), where a section box starts',
      async handler(ctx) {
        const b = await sectionBoxOf(sc.db, parseIdx(ctx));
        if (!b) ctx.throw(404, 'no such building or floor');
        ctx.body = b;
      },
    },
    {
      method: 'GET', path: '/api/ops/equipment/:idx/work-orders', permission: 'equipment:read',
      // Equipment in a leased unit belongs to the tenant for enterprise-scoped callers.
      object: async (ctx) => {
        const r = idxParam.safeParse(ctx.params.idx);
        if (!r.success) return null;
        const o = await owningEnterprise(sc.db, r.data);
        return o ? { kind: o.kind, idx: r.data, enterpriseIdx: o.enterpriseIdx } : null;
      },
      summary: 'Open work orders of one piece of equipment, most urgent first',
      async handler(ctx) {
        const idx = parseIdx(ctx);
        const orders = await openWorkOrders(sc.db, idx);
        if (!orders) ctx.throw(404, 'no such equipment');
        ctx.body = { idx, workOrders: orders };
      },
    },
  ],
};
