/**
 * The globe view (route `/globe`): the park's 3D Tiles in geographic context on an offline
 * CesiumJS globe. `?park=<code>` picks the park, `?test=1` switches to deterministic rendering,
 * `?lang=en` to English.
 */
import { useEffect, useMemo, useRef, useState, type CSSProperties } from 'react';
import { I18nextProvider, useTranslation } from 'react-i18next';
import { mapI18n, type Language } from '../map/i18n.ts';
import { createGlobe, type Globe, type GlobeStatus } from './globe.ts';

/** Page component for `/globe`. */
export function GlobePage() {
  const i18n = useMemo(() => mapI18n(), []);
  return (
    <I18nextProvider i18n={i18n}>
      <GlobeView />
    </I18nextProvider>
  );
}

export default GlobePage;

function GlobeView() {
  const { t, i18n } = useTranslation('map');
  const lang = i18n.language as Language;
  const host = useRef<HTMLDivElement>(null);
  const globe = useRef<Globe | null>(null);
  const [status, setStatus] = useState<GlobeStatus | null>(null);
  const [parkName, setParkName] = useState<string | null>(null);

  useEffect(() => {
    const params = new URLSearchParams(window.location.search);
    const park = params.get('park') ?? undefined;
    const ac = new AbortController();
    if (!host.current) return;
    createGlobe(host.current, { park, test: params.get('test') === '1', signal: ac.signal, onStatus: (s) => !ac.signal.aborted && setStatus(s) })
      .then((g) => {
        globe.current = g;
        const p = g.park?.properties;
        setParkName(p ? (lang === 'en' && p.nameEn ? p.nameEn : p.name) : null);
      })
      .catch((err: unknown) => {
        if (ac.signal.aborted) return;
        setStatus({ state: 'error', tileset: 'none', imagery: false, footprints: 0, error: String(err) });
      });
    return () => {
      ac.abort();
      globe.current?.destroy();
      globe.current = null;
    };
    // The globe is created once; language changes only relabel the overlay.
  }, []);

  useEffect(() => {
    document.title = t('globeTitle');
    const p = globe.current?.park?.properties;
    if (p) setParkName(lang === 'en' && p.nameEn ? p.nameEn : p.name);
  }, [t, lang]);

  const message = status?.state === 'login' ? t('loginRequired')
    : status?.state === 'error' ? t('loadFailed', { message: status.error ?? '' })
      : status?.state === 'empty' ? t('noPark')
        : status?.tileset === 'missing' ? t('globe.tilesetMissing') : null;

  return (
    <div style={PAGE}>
      <div ref={host} style={{ position: 'absolute', inset: 0 }} data-testid="globe" />
      <header style={HEADER}>
        <h2 style={{ margin: 0, fontSize: 18, fontWeight: 600 }}>
          {t('globeTitle')}
          {parkName && <span style={{ fontWeight: 400, opacity: 0.75, marginLeft: 12, fontSize: 16 }}>{parkName}</span>}
        </h2>
        <button type="button" style={BUTTON} onClick={() => globe.current?.flyHome()}>{t('globe.reset')}</button>
      </header>
      {message && <div style={NOTE} role="status">{message}</div>}
    </div>
  );
}

// Fills the app shell's view area (below its top bar, which carries the language switch).
const PAGE: CSSProperties = {
  position: 'absolute', inset: 0, overflow: 'hidden', background: '#05080f', color: '#e6ecf5',
  fontFamily: '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif',
};
const HEADER: CSSProperties = {
  position: 'absolute', top: 0, left: 0, right: 0, display: 'flex', justifyContent: 'space-between', alignItems: 'center',
  padding: '12px 20px', background: 'linear-gradient(180deg, rgba(5,8,15,0.85), rgba(5,8,15,0))', pointerEvents: 'none',
};
const BUTTON: CSSProperties = {
  pointerEvents: 'auto', background: 'rgba(40,60,90,0.8)', color: '#e6ecf5', border: '1px solid #3b5b86',
  borderRadius: 4, padding: '4px 12px', cursor: 'pointer', fontSize: 14,
};
const NOTE: CSSProperties = {
  position: 'absolute', left: 20, bottom: 40, padding: '6px 12px', background: 'rgba(10,16,30,0.85)',
  border: '1px solid #3b5b86', borderRadius: 4, fontSize: 13,
};
