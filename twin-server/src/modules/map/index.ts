/**
 * The development-map module (standard P3): GeoJSON endpoints for the deck.gl map and the globe.
 * All routes need `map:read`; enterprise-scoped callers see only their own enterprise's point, and
 * lease figures (occupancy heat points, building occupancy, tenants, industry) of their own rooms only.
 */
import type { z } from 'zod';
import type { TwinModule } from '../types.ts';
import type { RouteSpec, TwinContext } from '../../http/route.ts';
import type { ServerContext } from '../../context.ts';
import {
  blockFeatures, buildingFeatures, enterpriseFeatures, mapQuerySchema, occupancyHeatFeatures, parkFeatures,
  type FeatureCollection, type MapQuery,
} from './queries.ts';
import { queryOf } from '../../http/input.ts';
import { blockProps, buildingProps, enterpriseProps, featureCollection, heatProps, parkProps } from './schemas.ts';

type Loader = (sc: ServerContext, q: MapQuery) => Promise<FeatureCollection<unknown>>;

const ENDPOINTS: readonly { path: string; summary: string; load: Loader; props: z.ZodType }[] = [
  { path: '/api/map/parks', summary: 'Park outlines and tile origins (GeoJSON)', load: (sc, q) => parkFeatures(sc.db, q), props: parkProps },
  { path: '/api/map/blocks', summary: 'Planning blocks with planned use and plot ratio (GeoJSON)', load: (sc, q) => blockFeatures(sc.db, q), props: blockProps },
  { path: '/api/map/buildings', summary: 'Buildings with dominant industry and occupancy (GeoJSON)', load: (sc, q) => buildingFeatures(sc.db, q), props: buildingProps },
  { path: '/api/map/enterprises', summary: 'Leading enterprises with 12-month output value (GeoJSON)', load: (sc, q) => enterpriseFeatures(sc.db, q), props: enterpriseProps },
  { path: '/api/map/occupancy', summary: 'Occupancy heat-map points (GeoJSON)', load: (sc, q) => occupancyHeatFeatures(sc.db, q), props: heatProps },
];

/** The validated query string with the caller's enterprise scoping applied. */
function mapQueryOf(ctx: TwinContext): MapQuery {
  return { ...queryOf(ctx, mapQuerySchema), enterpriseIdx: ctx.state.principal?.enterpriseIdx };
}

/** GET /api/map/{parks,blocks,buildings,enterprises,occupancy}?bbox=&park=&limit=[&all=1]. */
export const mapModule: TwinModule = {
  name: 'map',
  routes: (sc) =>
    ENDPOINTS.map((e): RouteSpec => ({
      method: 'GET',
      path: e.path,
      permission: 'map:read',
      summary: e.summary,
      query: mapQuerySchema, response: featureCollection(e.props), produces: 'application/geo+json',
      async handler(ctx) {
        ctx.type = 'application/geo+json';
        ctx.body = await e.load(sc, mapQueryOf(ctx));
        // Data changes with leases and monthly figures; let the browser revalidate, not cache blindly.
        ctx.set('Cache-Control', 'private, no-cache');
      },
    })),
};
