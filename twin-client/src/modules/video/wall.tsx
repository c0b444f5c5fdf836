/**
 * The video grid slot of the command wall (WallPage renders it inside the twin's cell): loads the
 * grid (and hls.js) only when the wall's URL asks for video (`?video=1|4|9`) and the principal
 * may watch cameras with the video module on.
 */
import { lazy, Suspense } from 'react';
import { moduleOn, registeredModules, useModuleAccess } from '../registry.ts';
import { wallVideoParams } from './wallParams.ts';

const Grid = lazy(() => import('./WallVideoGrid.tsx'));

/** The slot: nothing unless `?video=` is given and allowed. */
export function WallVideo({ park, focus }: { park: string | null; focus: number }) {
  const access = useModuleAccess();
  const video = registeredModules().find((m) => m.name === 'video');
  if (!park || !wallVideoParams(location.search) || !video || !moduleOn(video, access.enabled) || !access.can('security:read')) return null;
  return (
    <Suspense fallback={null}>
      <Grid park={park} focus={focus} />
    </Suspense>
  );
}
