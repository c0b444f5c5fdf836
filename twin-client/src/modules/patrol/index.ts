/**
 * Guard patrol and access control (issue 15, G5 items 3 and 4): `/patrol` for the security
 * operator: patrol rounds with each checkpoint's visit (visited, missed, due), access-point events
 * (refused visitor passes, forced and held-open doors), watch-list hits, visitor passes (issue,
 * revoke) and the routes with their checkpoints. Server module `patrol`; docs/patrol.md.
 */
import { lazy } from 'react';
import type { ClientModule } from '../types.ts';
import { patrolI18n } from './i18n.ts';

/** Patrol and access control (server module `patrol`). */
export const patrolClientModule: ClientModule = {
  name: 'patrol',
  i18n: patrolI18n,
  views: [
    { path: '/patrol', nav: { zh: '巡更门禁', en: 'Patrol & access' }, all: ['security:read'], order: 19, component: lazy(() => import('./PatrolPage.tsx')) },
  ],
};
