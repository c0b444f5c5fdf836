/**
 * The app shell: top bar (title, view navigation, language switch) and the current view. The
 * views come from the client module registry: the navigation lists only the views the principal
 * may open, of modules switched on on the server (GET /api/modules). Navigation uses the History
 * API; the server falls back to index.html for views. An auth gate (twin-client/src/auth) wraps
 * this component in main.tsx.
 */
import { Suspense, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { setLanguage } from '../i18n/index.ts';
import { api } from '../api/client.ts';
import { useAuth } from '../auth/SessionGate.tsx';
import { labelText, ModuleAccessContext, type ModuleAccess } from '../modules/registry.ts';
import { followLink } from './links.tsx';
import { NotificationBell } from '../kit/NotificationBell.tsx';
import { matchRoute, routesFor } from './routes.ts';

export { navigate } from './links.tsx';

/**
 * The server's enabled modules (GET /api/modules): null when the server does not say (then every
 * registered module counts as on; the server refuses what is off anyway), undefined until it answered.
 */
function useEnabledModules(): ReadonlySet<string> | null | undefined {
  const [enabled, setEnabled] = useState<ReadonlySet<string> | null | undefined>(undefined);
  useEffect(() => {
    const ac = new AbortController();
    api.get('/api/modules', { signal: ac.signal, background: true })
      .then((r) => {
        setEnabled(Array.isArray(r.modules) ? new Set(r.modules) : null);
      })
      .catch((e: Error) => {
        if (e.name !== 'AbortError') setEnabled(null);
      });
    return () => ac.abort();
  }, []);
  return enabled;
}

/** The shell. */
export function App() {
  const { t, i18n } = useTranslation();
  const { can, me } = useAuth();
  const enabled = useEnabledModules();
  const access: ModuleAccess = useMemo(() => ({ can, enabled: enabled ?? null }), [can, enabled]);
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const on = () => setPath(location.pathname);
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);
  useEffect(() => {
    document.title = t('app.title');
  }, [t, i18n.language]);
  const routes = routesFor(access);
  const route = matchRoute(path, access);
  const View = route?.component;
  return (
    <ModuleAccessContext.Provider value={access}>
      <div className="app">
        <header className="topbar">
          <h1>{t('app.title')}</h1>
          {/* Entries appear once the server said which modules run: no flash of a switched-off module's entry. */}
          <nav className="views" data-roles={me.roles.join(' ')} data-loaded={enabled === undefined ? '0' : '1'}>
            {enabled !== undefined && routes.map((r) => (
              <a key={r.path} href={r.path} data-path={r.path} className={r === route ? 'active' : ''}
                onClick={(e) => followLink(e, r.path)}>{labelText(r.nav, i18n.language)}</a>
            ))}
          </nav>
          {/* Only when the server runs the notification centre (a server without it would answer 404). */}
          {enabled?.has('notifications') && <NotificationBell />}
          <button type="button" className="lang-switch" data-lang={i18n.language}
            onClick={() => setLanguage(i18n.language === 'en' ? 'zh-CN' : 'en')}>
            {t('app.switchTo')}
          </button>
        </header>
        <main className="view">
          {View ? (
            <Suspense fallback={<div className="center-message">…</div>}>
              <View />
            </Suspense>
          ) : (
            <div className="center-message" data-problem="no-view">{t(routes.length ? 'app.viewClosed' : 'app.noView')}</div>
          )}
        </main>
      </div>
    </ModuleAccessContext.Provider>
  );
}
