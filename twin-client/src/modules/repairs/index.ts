/**
 * Repairs (issue 19, P2 service centre), built on the records kit: the `/service/repairs` view,
 * the room panel's "repair requests" section and its "报修 / Report a repair" action, which opens
 * the create form attached to the room.
 */
import { lazy } from 'react';
import { viewHref } from '../../app/links.tsx';
import type { ClientModule } from '../types.ts';

// Lazy: the section pulls the records kit (TanStack Table, its strings) only when a room panel opens.
const RoomRepairs = lazy(() => import('./RoomRepairs.tsx').then((m) => ({ default: m.RoomRepairs })));

/** Repairs (server module `repairs`). */
export const repairsClientModule: ClientModule = {
  name: 'repairs',
  i18n: { 'zh-CN': { loading: '加载中…' }, en: { loading: 'Loading…' } },
  views: [
    { path: '/service/repairs', nav: { zh: '报修', en: 'Repairs' }, all: ['repairs:read'], order: 60, component: lazy(() => import('./RepairsPage.tsx')) },
  ],
  sections: [
    { id: 'repairs.room', kinds: ['room'], title: { zh: '报修记录', en: 'Repair requests' }, all: ['repairs:read'], order: 50,
      component: RoomRepairs },
  ],
  actions: [
    { id: 'repairs.report', kinds: ['room'], all: ['repairs:report'], label: { zh: '报修', en: 'Report a repair' },
      href: (obj) => viewHref('/service/repairs', { new: 1, object: obj.idx }) },
  ],
};
