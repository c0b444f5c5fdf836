/**
 * The view table, derived from the client module registry (modules/index.ts registers every
 * module; each module lists its views with their path, nav label and permission).
 */
import '../modules/index.ts';
import { viewAt, viewsFor, type ModuleAccess } from '../modules/registry.ts';
import type { ModuleView } from '../modules/types.ts';

export type { ModuleView as ViewRoute } from '../modules/types.ts';

/** The views the principal may open, in navigation order. */
export function routesFor(access: ModuleAccess): ModuleView[] {
  return viewsFor(access);
}

/**
 * The route for a pathname: the view at that path when the principal may open it; null when the
 * path is a view it may not open (or one of a module switched off); the first view it may open for
 * an unknown path.
 */
export function matchRoute(pathname: string, access: ModuleAccess): ModuleView | null {
  const open = viewsFor(access);
  const at = viewAt(pathname);
  if (at) return open.includes(at) ? at : null;
  return open[0] ?? null;
}
