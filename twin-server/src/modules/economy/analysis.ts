/** Analyses of the economic database (G7): filled in below. */
import type { ServerContext } from '../../context.ts';
import type { RouteSpec } from '../../http/route.ts';

/** The analysis routes. */
export function analysisRoutes(_sc: ServerContext): RouteSpec[] {
  return [];
}
