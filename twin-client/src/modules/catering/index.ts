/**
 * Catering (issue 19, L1): the `/service/catering` view (meal cards: balance and ledger, top-up,
 * report loss for holders; charge, refund, subsidy, replace, close for canteen cashiers and card
 * managers; canteens' traffic today) and the canteen section of a canteen's room panel in 3D.
 */
import { lazy } from 'react';
import type { ClientModule } from '../types.ts';

const CanteenSection = lazy(() => import('./CanteenSection.tsx').then((m) => ({ default: m.CanteenSection })));

/** Catering (server module `catering`). */
export const cateringClientModule: ClientModule = {
  name: 'catering',
  views: [
    { path: '/service/catering', nav: { zh: '餐饮', en: 'Catering' }, all: ['catering:use'], order: 62, component: lazy(() => import('./CateringPage.tsx')) },
  ],
  // Canteens are places in the twin: their room panel shows today's card traffic (no title: nothing for other rooms).
  sections: [{ id: 'catering.canteen', kinds: ['room'], all: ['catering:use'], order: 46, component: CanteenSection }],
};
