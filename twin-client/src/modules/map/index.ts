/** The development-map module: the deck.gl map view (`/map`). */
import { lazy } from 'react';
import type { ClientModule } from '../types.ts';

/** Development map (server module `map`). */
export const mapClientModule: ClientModule = {
  name: 'map',
  views: [
    { path: '/map', nav: { zh: '地图', en: 'Map' }, all: ['map:read'], order: 40, component: lazy(() => import('../../map/MapPage.tsx')) },
  ],
};
