/**
 * Security linkage (issue 15, G5 item 5): `/linkage` (runs live, step by step, with confirm and
 * cancel for the operator; the plans and their editor) and `/linkage/board` (the running plans
 * in large type for the command wall). Server module `linkage`; docs/linkage.md.
 */
import { lazy } from 'react';
import type { ClientModule } from '../types.ts';
import { linkageI18n } from './i18n.ts';

/** Linkage (server module `linkage`). */
export const linkageClientModule: ClientModule = {
  name: 'linkage',
  i18n: linkageI18n,
  views: [
    { path: '/linkage', nav: { zh: '安防联动', en: 'Linkage' }, all: ['linkage:read'], order: 17, component: lazy(() => import('./LinkagePage.tsx')) },
    { path: '/linkage/board', nav: { zh: '联动大屏', en: 'Linkage board' }, all: ['linkage:read'], order: 18, component: lazy(() => import('./LinkageBoard.tsx')) },
  ],
};
