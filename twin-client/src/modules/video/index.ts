/**
 * Video (issue 16): the camera panel's live picture and the video wall view (`/video`, grid of
 * 1, 4 or 9), for principals holding security:read. The server side is modules/video on the server.
 */
import { lazy } from 'react';
import type { ClientModule } from '../types.ts';
import { videoStrings } from './i18n.ts';

/** Video (server module `video`). */
export const videoClientModule: ClientModule = {
  name: 'video',
  i18n: { 'zh-CN': videoStrings['zh-CN'], en: videoStrings.en },
  views: [
    { path: '/video', nav: { zh: '视频监控', en: 'Video' }, all: ['security:read'], order: 45, component: lazy(() => import('./VideoWallPage.tsx')) },
  ],
  sections: [
    // Cameras are equipment rows; the section renders only for type camera.
    { id: 'video.live', kinds: ['equipment', 'camera'], all: ['security:read'], order: 5, component: lazy(() => import('./CameraSection.tsx')) },
    // The nearest cameras that see the object (an alarm's spot), playing beside the scene.
    // With an open alarm on the object (the alarm console's "fly to"), the cameras that see the alarm and its replay from before it.
    { id: 'video.seeing', kinds: ['equipment', 'room', 'building', 'zone', 'pipe_node'], all: ['security:read'], order: 6, component: lazy(() => import('./SeeingSection.tsx')) },
  ],
  // The command wall's video grid (`/wall?video=1|4|9`), over the right of the twin.
  wallOverlays: [{ id: 'video.wall', all: ['security:read'], component: lazy(() => import('./wall.tsx')) }],
};
