/**
 * The view table. Each view is a lazily loaded module at a path; other engineers add their view
 * (wall, invest, ops, map, globe) with one entry here. `navKey` is the i18n key of its nav label.
 */
import { lazy, type ComponentType, type LazyExoticComponent } from 'react';

/** One top-level view. */
export interface ViewRoute {
  readonly path: string;
  readonly navKey: string;
  readonly component: LazyExoticComponent<ComponentType>;
}

export const ROUTES: readonly ViewRoute[] = [
  { path: '/', navKey: 'nav.twin', component: lazy(() => import('../scene/TwinView.tsx')) },
  { path: '/ops', navKey: 'nav.ops', component: lazy(() => import('../ops/OpsPage.tsx')) },
  { path: '/wall', navKey: 'nav.wall', component: lazy(() => import('../wall/WallPage.tsx')) },
  { path: '/invest', navKey: 'nav.invest', component: lazy(() => import('../invest/InvestPage.tsx')) },
  { path: '/map', navKey: 'nav.map', component: lazy(() => import('../map/MapPage.tsx')) },
  { path: '/globe', navKey: 'nav.globe', component: lazy(() => import('../globe/GlobePage.tsx')) },
  { path: '/admin', navKey: 'auth:nav.admin', component: lazy(() => import('../panels/admin/AdminPage.tsx')) },
];

/** The route for a pathname (exact match, trailing slash ignored); the twin view otherwise. */
export function matchRoute(pathname: string): ViewRoute {
  const p = pathname.replace(/\/+$/, '') || '/';
  return ROUTES.find((r) => r.path === p) ?? ROUTES[0]!;
}
