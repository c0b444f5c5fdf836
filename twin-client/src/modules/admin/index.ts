/** The administration module: accounts, roles, devices and the audit trail (`/admin`), by separated administrators. */
import { lazy } from 'react';
import type { ClientModule } from '../types.ts';

/** Administration: follows the server's `auth` module (always on). */
export const adminClientModule: ClientModule = {
  name: 'admin',
  server: 'auth',
  views: [
    {
      path: '/admin', nav: { zh: '系统管理', en: 'Admin' }, any: ['system:admin', 'security:admin', 'audit:read'], order: 90,
      component: lazy(() => import('../../panels/admin/AdminPage.tsx')),
    },
  ],
};
