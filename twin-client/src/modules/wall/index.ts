/** The command-wall module: the wall view (`/wall`), for leadership and paired wall devices. */
import { lazy } from 'react';
import type { ClientModule } from '../types.ts';

/** Command wall (server module `wall`). */
export const wallClientModule: ClientModule = {
  name: 'wall',
  views: [
    {
      path: '/wall', nav: { zh: '大屏', en: 'Wall' }, all: ['twin:read', 'tiles:read', 'economy:read', 'alarm:read', 'park:read'], order: 20,
      component: lazy(() => import('../../wall/WallPage.tsx')),
    },
  ],
};
