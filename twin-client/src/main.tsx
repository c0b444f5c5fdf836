import { lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { initI18n } from './i18n/index.ts';
import { App } from './app/App.tsx';
import { SessionGate } from './auth/SessionGate.tsx';
// A bundled CJK font (subset files by unicode-range, fetched from this server only when a glyph
// needs them), for walls and kiosks whose OS has no Chinese font; system CJK fonts come first.
import '@fontsource-variable/noto-sans-sc';
import './app/theme.css';

initI18n();

// The public park portal needs no login: it is rendered instead of the session gate (modules/portal).
const PortalApp = lazy(() => import('./modules/portal/PortalApp.tsx'));
const publicPortal = /^\/portal(\/|$)/.test(location.pathname);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {publicPortal ? <Suspense fallback={null}><PortalApp /></Suspense> : (
      <SessionGate>
        <App />
      </SessionGate>
    )}
  </StrictMode>,
);
