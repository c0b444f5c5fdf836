/**
 * Park administration (issue 20, any park): the `/admin/parks` view lists every park and lets a
 * park administrator create one (code, name, origin, a boundary drawn on a plan or derived from a
 * footprint file), rename it, redraw or re-derive its boundary from its buildings, and delete it.
 * Server module `parks`.
 */
import { lazy } from 'react';
import type { ClientModule } from '../types.ts';
import { parksI18n } from './i18n.ts';

/** Parks (server module `parks`). */
export const parksClientModule: ClientModule = {
  name: 'parks',
  i18n: parksI18n,
  views: [
    { path: '/admin/parks', nav: { zh: '园区管理', en: 'Parks' }, all: ['parks:admin'], order: 88, component: lazy(() => import('./ParksPage.tsx')) },
  ],
};
