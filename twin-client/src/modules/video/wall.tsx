/**
 * The video grid overlay of the command wall (registered as the module's `wallOverlays` entry;
 * WallPage renders it inside the twin's cell): loads the grid (and hls.js) only when the wall's
 * URL asks for video (`?video=1|4|9`). The registry shows it only with the video module on and
 * security:read.
 */
import { lazy } from 'react';
import type { WallOverlayProps } from '../types.ts';
import { wallVideoParams } from './wallParams.ts';

const Grid = lazy(() => import('./WallVideoGrid.tsx'));

/** The overlay: nothing unless `?video=` is given. */
export default function WallVideo({ park, focus }: WallOverlayProps) {
  if (!wallVideoParams(location.search)) return null;
  return <Grid park={park} focus={focus} />;
}
