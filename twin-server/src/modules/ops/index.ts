/**
 * The maintenance module (standard G3, hidden works made visible): network traces on the pipe
 * topology (`network:read`), pipe and node attributes (`network:read`) and the open work orders
 * of one piece of equipment (`equipment:read`) for the `/ops` view.
 */
import type { TwinModule } from '../types.ts';
import { owningEnterprise } from '../twin/queries.ts';
import { networkObject, openWorkOrders, parkNetworks, sectionBoxOf, traceNetwork } from './queries.ts';
import { paramsOf, queryOf } from '../../http/input.ts';
import { codeParams, idxParams } from '../../http/schemas.ts';
import { networkObjectSchema, parkNetworksSchema, sectionBoxSchema, traceQuery, traceSchema, workOrdersSchema } from './schemas.ts';

// Park networks belong to no enterprise: enterprise-scoped callers are refused them outright.
const parkInfrastructure = async () => ({ kind: 'pipe_network', enterpriseIdx: null });

/** Routes of the ops view. */
export const opsModule: TwinModule = {
  name: 'ops',
  routes: (sc) => [
    {
      method: 'GET', path: '/api/ops/parks/:code/networks', permission: 'network:read', object: parkInfrastructure,
      summary: 'Every pipe segment and node of a park (idx, network, depth, node type, valve state) as columns',
      params: codeParams, response: parkNetworksSchema, errors: [404],
      async handler(ctx) {
        const { code } = paramsOf(ctx, codeParams);
        const n = await parkNetworks(sc.db, code);
        if (!n) ctx.throw(404, `no park ${code}`);
        ctx.body = n;
      },
    },
    {
      method: 'GET', path: '/api/ops/trace', permission: 'network:read', object: parkInfrastructure,
      summary: 'Segments reached from a pipe node downstream or upstream, stopping at closed valves (?node=&direction=)',
      query: traceQuery, response: traceSchema, errors: [404],
      async handler(ctx) {
        const q = queryOf(ctx, traceQuery);
        const r = await traceNetwork(sc.db, q.node, q.direction);
        if (!r) ctx.throw(404, `no pipe node ${q.node}`);
        ctx.body = r;
      },
    },
    {
      method: 'GET', path: '/api/ops/pipes/:idx', permission: 'network:read', object: parkInfrastructure,
      summary: 'Attributes of a pipe segment (network, diameter, depth, material, install year, from/to nodes) or a pipe node',
      params: idxParams, response: networkObjectSchema, errors: [404],
      async handler(ctx) {
        const o = await networkObject(sc.db, paramsOf(ctx, idxParams).idx);
        if (!o) ctx.throw(404, 'no such pipe segment or node');
        ctx.body = o;
      },
    },
    {
      method: 'GET', path: '/api/ops/section/:idx', permission: 'twin:read',
      summary: 'Box of a building or floor in the tiles\' park metres (east, north, up), where a section box starts',
      params: idxParams, response: sectionBoxSchema, errors: [404],
      async handler(ctx) {
        const b = await sectionBoxOf(sc.db, paramsOf(ctx, idxParams).idx);
        if (!b) ctx.throw(404, 'no such building or floor');
        ctx.body = b;
      },
    },
    {
      method: 'GET', path: '/api/ops/equipment/:idx/work-orders', permission: 'equipment:read',
      // Equipment in a leased unit belongs to the tenant for enterprise-scoped callers.
      object: async (ctx) => {
        const { idx } = paramsOf(ctx, idxParams);
        const o = await owningEnterprise(sc.db, idx);
        return o ? { kind: o.kind, idx, enterpriseIdx: o.enterpriseIdx } : null;
      },
      params: idxParams, response: workOrdersSchema, errors: [404],
      summary: 'Open work orders of one piece of equipment, most urgent first',
      async handler(ctx) {
        const { idx } = paramsOf(ctx, idxParams);
        const orders = await openWorkOrders(sc.db, idx);
        if (!orders) ctx.throw(404, 'no such equipment');
        ctx.body = { idx, workOrders: orders };
      },
    },
  ],
};
