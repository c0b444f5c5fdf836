/** The investment module: the vacant-units view (`/invest`) and "show in investment" on leasable rooms. */
import { lazy } from 'react';
import { viewHref } from '../../app/links.tsx';
import type { ClientModule } from '../types.ts';

/** Investment (server module `invest`). */
export const investClientModule: ClientModule = {
  name: 'invest',
  views: [
    { path: '/invest', nav: { zh: '招商', en: 'Investment' }, all: ['twin:read', 'tiles:read', 'leasing:read'], order: 30, component: lazy(() => import('../../invest/InvestPage.tsx')) },
  ],
  actions: [
    {
      id: 'invest.open', kinds: ['room'], all: ['leasing:read'],
      label: { zh: '在招商视图中查看', en: 'Show in investment' },
      // Only units on the market: vacant, reserved or soon vacant.
      href: (obj) => (['vacant', 'reserved', 'expiring'].includes(String(obj.details.attributes.lease_status)) ? viewHref('/invest', { sel: obj.idx }) : null),
    },
  ],
};
