/** The globe module: the park's tileset on an offline CesiumJS globe (`/globe`). */
import { lazy } from 'react';
import type { ClientModule } from '../types.ts';

/** Globe: follows the server's `tiles` module (it reads the tileset and the map's park outline). */
export const globeClientModule: ClientModule = {
  name: 'globe',
  server: 'tiles',
  views: [
    { path: '/globe', nav: { zh: '地球', en: 'Globe' }, all: ['tiles:read', 'map:read'], order: 50, component: lazy(() => import('../../globe/GlobePage.tsx')) },
  ],
};
