/**
 * The investment module (standard G1, visual investment attraction; permission `leasing:read`):
 * available units with filters, one unit's panel (floor plan, neighbours) and a comparison of up
 * to three units, for the `/invest` view. Enterprise-scoped callers are refused (and the refusal
 * audited): the answers show other tenants' lease ends and neighbours.
 */
import type { TwinModule } from '../types.ts';
import type { ObjectRef, TwinContext } from '../../http/route.ts';
import type { Queryable } from '../../db/index.ts';
import {
  availabilityWindow, compareQuerySchema, findPark, searchUnits, unitDetail, unitQuerySchema, unitsByIdx, unitsQuerySchema,
  type InvestPark,
} from './queries.ts';
import { paramsOf, queryOf } from '../../http/input.ts';
import { compareResultSchema, unitDetailSchema, unitsResultSchema } from './schemas.ts';

/** `:idx` of a unit, and the query of GET /api/invest/units/:idx (the shared unitQuerySchema split in two). */
const unitParams = unitQuerySchema.pick({ idx: true });
const unitQuery = unitQuerySchema.omit({ idx: true });


/** The leasing market of the park is nobody's own object: scoped callers never pass. */
const market = async (): Promise<ObjectRef> => ({ kind: 'leasing-market', enterpriseIdx: null });

async function parkOf(db: Queryable, ctx: TwinContext, code: string): Promise<InvestPark> {
  const park = await findPark(db, code);
  if (!park) ctx.throw(404, `no park ${code}`);
  return park;
}

/** GET /api/invest/units, /api/invest/units/:idx, /api/invest/compare. */
export const investModule: TwinModule = {
  name: 'invest',
  routes: (sc) => [
    {
      method: 'GET', path: '/api/invest/units', permission: 'leasing:read', object: market,
      summary: 'Vacant and soon-vacant units (?park=&within=&asOf=&minArea=&maxArea=&minRent=&maxRent=&minLevel=&maxLevel=&building=&industry=&sort=&limit=)',
      query: unitsQuerySchema, response: unitsResultSchema, errors: [404],
      async handler(ctx) {
        const q = queryOf(ctx, unitsQuerySchema);
        ctx.body = await searchUnits(sc.db, await parkOf(sc.db, ctx, q.park), q);
      },
    },
    {
      method: 'GET', path: '/api/invest/units/:idx', permission: 'leasing:read', object: market,
      summary: 'One leasable unit: availability, floor plan (park metres) and the tenants on its floor (?park=&within=&asOf=)',
      params: unitParams, query: unitQuery, response: unitDetailSchema, errors: [404],
      async handler(ctx) {
        const { idx } = paramsOf(ctx, unitParams);
        const q = queryOf(ctx, unitQuery);
        const park = await parkOf(sc.db, ctx, q.park);
        const window = await availabilityWindow(sc.db, park.idx, q.within, q.asOf);
        const names = ctx.state.principal?.permissions.has('enterprise:read') ?? false;
        const d = await unitDetail(sc.db, park, idx, window, names);
        if (!d) ctx.throw(404, `no leasable unit ${idx} in park ${park.code}`);
        ctx.body = d;
      },
    },
    {
      method: 'GET', path: '/api/invest/compare', permission: 'leasing:read', object: market,
      summary: 'Up to three leasable units side by side (?park=&units=a,b,c&within=&asOf=)',
      query: compareQuerySchema, response: compareResultSchema, errors: [404],
      async handler(ctx) {
        const q = queryOf(ctx, compareQuerySchema);
        const park = await parkOf(sc.db, ctx, q.park);
        const window = await availabilityWindow(sc.db, park.idx, q.within, q.asOf);
        const units = await unitsByIdx(sc.db, park, q.units, window);
        const missing = q.units.filter((i) => !units.some((u) => u.idx === i));
        if (missing.length > 0) ctx.throw(404, `no leasable unit ${missing.join(', ')} in park ${park.code}`);
        ctx.body = { ...window, units };
      },
    },
  ],
};
