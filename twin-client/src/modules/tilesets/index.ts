/**
 * Third-party 3D Tiles layers (issue 20, any tileset): the `/admin/tilesets` view uploads a zip or
 * 3tz (the server checks its structure and refuses a broken one with the reasons), lists a park's
 * layers, shows or hides each in the twin, places and nudges it, deletes it. The twin view draws
 * the shown layers (layers.tsx). Server module `tilesets`.
 */
import { lazy } from 'react';
import type { ClientModule } from '../types.ts';
import { tilesetsI18n } from './i18n.ts';

/** Tileset layers (server module `tilesets`). */
export const tilesetsClientModule: ClientModule = {
  name: 'tilesets',
  i18n: tilesetsI18n,
  views: [
    { path: '/admin/tilesets', nav: { zh: '瓦片图层', en: 'Tiles layers' }, all: ['tilesets:admin', 'tiles:read'], order: 89, component: lazy(() => import('./TilesetsPage.tsx')) },
  ],
};
