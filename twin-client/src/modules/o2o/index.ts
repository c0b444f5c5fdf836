/**
 * Comprehensive services, O2O (issue 19, L2): `/service/o2o`, the catalogue of the park's services
 * and third-party merchants, one's orders (pay, cancel, rate), the service desk (accept, fulfil)
 * and the settlement report per merchant.
 */
import { lazy } from 'react';
import type { ClientModule } from '../types.ts';

/** O2O (server module `o2o`). */
export const o2oClientModule: ClientModule = {
  name: 'o2o',
  views: [
    { path: '/service/o2o', nav: { zh: '综合服务', en: 'Services' }, all: ['o2o:use'], order: 63, component: lazy(() => import('./O2oPage.tsx')) },
  ],
};
