/**
 * Leasing (issue 18, G1 investment pipeline), built on the records kit: the `/leasing` view
 * (opportunities through the stages, with the funnel and the guest links above the list), the
 * `/leasing/prospects` view, and the room panel's "leasing" section (hold state, photos with
 * upload, "hold for an opportunity").
 */
import { lazy } from 'react';
import type { ClientModule } from '../types.ts';

// Lazy: the section pulls the kit's fetch helper and its strings only when a room panel opens.
const UnitLeasing = lazy(() => import('./UnitLeasing.tsx').then((m) => ({ default: m.UnitLeasing })));

/** Leasing (server module `leasing`). */
export const leasingClientModule: ClientModule = {
  name: 'leasing',
  i18n: { 'zh-CN': { loading: '加载中…' }, en: { loading: 'Loading…' } },
  views: [
    { path: '/leasing', nav: { zh: '招商管道', en: 'Pipeline' }, all: ['leasing:write'], order: 45, component: lazy(() => import('./PipelinePage.tsx')) },
    { path: '/leasing/prospects', nav: { zh: '意向客户', en: 'Prospects' }, all: ['leasing:write'], order: 46, component: lazy(() => import('./ProspectsPage.tsx')) },
  ],
  sections: [
    { id: 'leasing.unit', kinds: ['room'], title: { zh: '招商', en: 'Leasing' }, all: ['leasing:write'], order: 40, component: UnitLeasing },
  ],
};
