/**
 * Catering (issue 19, L1): the `/service/catering` view (meal cards: balance and ledger, top-up,
 * report loss for holders; charge, refund, subsidy, replace, close for canteen cashiers and card
 * managers; canteens' traffic today).
 */
import { lazy } from 'react';
import type { ClientModule } from '../types.ts';

/** Catering (server module `catering`). */
export const cateringClientModule: ClientModule = {
  name: 'catering',
  views: [
    { path: '/service/catering', nav: { zh: '饭卡', en: 'Meal cards' }, all: ['catering:use'], order: 62, component: lazy(() => import('./CateringPage.tsx')) },
  ],
};
