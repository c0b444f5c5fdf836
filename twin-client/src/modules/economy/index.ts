/**
 * Economy (issue 18, G7): `/economy/filing` where an enterprise account files its monthly
 * figures (form or Excel report, row-level errors) and follows their review, and
 * `/economy/review` where park staff approve or return filings.
 */
import { lazy } from 'react';
import type { ClientModule } from '../types.ts';

/** Economy (server module `economy`). */
export const economyClientModule: ClientModule = {
  name: 'economy',
  views: [
    { path: '/economy/filing', nav: { zh: '经济填报', en: 'Economic filing' }, all: ['economy:write'], order: 50, component: lazy(() => import('./FilingPage.tsx')) },
    { path: '/economy/review', nav: { zh: '填报审核', en: 'Filing review' }, all: ['economy:review'], order: 51, component: lazy(() => import('./ReviewPage.tsx')) },
  ],
};
