/**
 * AR/VR and the phone (issue 17; server module `labels` for the QR tags): `/xr`, the twin in a
 * headset (immersive-vr: same tiles, live colours, controller picking with an in-world panel,
 * table model, locomotion) or on site (immersive-ar: placed from a surveyed marker by hit-test,
 * the underground networks at their depth, nudge), and `/scan`, the phone page that reads an
 * equipment label's QR code with the camera and opens that object's panel in the twin.
 */
import { lazy } from 'react';
import { viewHref } from '../../app/links.tsx';
import type { ClientModule } from '../types.ts';
import { xrStrings } from './i18n.ts';

// The installed app's offline shell (public/sw.js): page loads fall back to the cached shell offline.
if (import.meta.env.PROD && typeof navigator !== 'undefined' && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => void navigator.serviceWorker.register('/sw.js').catch(() => {}));
}

/** XR and scanning (follows the core `twin` module; label printing needs the `labels` server module). */
export const xrClientModule: ClientModule = {
  name: 'xr',
  server: 'twin',
  i18n: { 'zh-CN': xrStrings['zh-CN'], en: xrStrings.en },
  views: [
    { path: '/xr', nav: { zh: '虚实巡检', en: 'AR/VR' }, all: ['twin:read', 'tiles:read'], order: 80, component: lazy(() => import('./XrView.tsx')) },
    { path: '/scan', nav: { zh: '扫码', en: 'Scan' }, all: ['twin:read'], order: 81, component: lazy(() => import('./ScanView.tsx')) },
  ],
  actions: [
    { id: 'xr.open', kinds: ['equipment', 'room', 'building', 'pipe_segment', 'pipe_node'], all: ['twin:read', 'tiles:read'], label: { zh: '在 AR/VR 中查看', en: 'View in AR/VR' },
      href: (obj) => viewHref('/xr', { o: obj.idx }) },
  ],
};
