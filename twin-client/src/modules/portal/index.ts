/**
 * The park portal (issue 19, P1). The public pages live at /portal (no login: main.tsx renders
 * PortalApp there instead of the session gate); staff write, review and publish articles at
 * /portal-admin, the records kit's page for `portal/articles`.
 */
import { lazy } from 'react';
import type { ClientModule } from '../types.ts';
import { en, zh } from './i18n.ts';

/** Portal (server module `portal`). */
export const portalClientModule: ClientModule = {
  name: 'portal',
  i18n: { 'zh-CN': zh, en },
  views: [
    { path: '/portal-admin', nav: { zh: '门户内容', en: 'Portal content' }, all: ['portal:read'], order: 80, component: lazy(() => import('./ContentDesk.tsx')) },
  ],
};
