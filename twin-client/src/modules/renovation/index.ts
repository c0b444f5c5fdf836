/**
 * Renovation applications (issue 19, P2), built on the records kit: the `/service/renovations`
 * view and the room panel's "装修申请 / Apply to renovate" action (the create form attached to the room).
 */
import { lazy } from 'react';
import { viewHref } from '../../app/links.tsx';
import type { ClientModule } from '../types.ts';

/** Renovation (server module `renovation`). */
export const renovationClientModule: ClientModule = {
  name: 'renovation',
  views: [
    { path: '/service/renovations', nav: { zh: '装修申请', en: 'Renovations' }, all: ['renovation:read'], order: 63, component: lazy(() => import('./RenovationsPage.tsx')) },
  ],
  actions: [
    { id: 'renovation.apply', kinds: ['room'], all: ['renovation:apply'], label: { zh: '装修申请', en: 'Apply to renovate' },
      href: (obj) => viewHref('/service/renovations', { new: 1, object: obj.idx }) },
  ],
};
