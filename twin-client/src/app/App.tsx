/**
 * The app shell: top bar (title, view navigation, language switch) and the current view from the
 * route table. Navigation uses the History API; the server falls back to index.html for views.
 * An auth gate (twin-client/src/auth, by the security engineer) wraps this component in main.tsx.
 */
import { Suspense, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { setLanguage } from '../i18n/index.ts';
import { ROUTES, matchRoute } from './routes.ts';

/** Navigates within the app without a page load. */
export function navigate(path: string): void {
  history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/** The shell. */
export function App() {
  const { t, i18n } = useTranslation();
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const on = () => setPath(location.pathname);
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);
  useEffect(() => {
    document.title = t('app.title');
  }, [t, i18n.language]);
  const route = matchRoute(path);
  const View = route.component;
  return (
    <div className="app">
      <header className="topbar">
        <h1>{t('app.title')}</h1>
        <nav className="views">
          {ROUTES.map((r) => (
            <a key={r.path} href={r.path} className={r === route ? 'active' : ''}
              onClick={(e) => { e.preventDefault(); navigate(r.path); }}>{t(r.navKey)}</a>
          ))}
        </nav>
        <button type="button" className="lang-switch" data-lang={i18n.language}
          onClick={() => setLanguage(i18n.language === 'en' ? 'zh-CN' : 'en')}>
          {t('app.switchTo')}
        </button>
      </header>
      <main className="view">
        <Suspense fallback={<div className="center-message">…</div>}>
          <View />
        </Suspense>
      </main>
    </div>
  );
}
