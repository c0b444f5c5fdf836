/**
 * The leadership command wall (`/wall`): the 3D twin in the middle, live KPI boards on the sides
 * (one to three columns a side for 16:9, 32:9 and 48:9 walls), the alarm ticker below, a clock,
 * the unattended tour and the alarm focus. URL parameters are in params.ts and docs/wall.md.
 * It never shows a dead screen: the socket reconnects, KPI fetches retry, a failed start reloads.
 */
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { useFrame, useThree } from '@react-three/fiber';
import { Vector3 } from 'three';
import { alarmKind } from '@park-twin/layers';
import { ObjectLink } from '../app/links.tsx';
import { api } from '../api/client.ts';
import { localName } from '../i18n/index.ts';
import { LiveIndicator } from '../scene/TwinView.tsx';
import { TwinCanvas } from '../scene/TwinCanvas.tsx';
import { useTwinPark } from '../scene/useTwinPark.ts';
import type { Hierarchy } from '../scene/hierarchy.ts';
import type { TwinController } from '../scene/controller.ts';
import { WallDirector } from './director.ts';
import { useAlarmFeed, useKpis, type TickerAlarm } from './feeds.ts';
import { wallI18n } from './i18n.ts';
import { ModuleDocks, ModuleWallOverlays } from '../modules/Docks.tsx';
import { alarmText, kindLabel } from '../modules/alarms/text.ts';
import { useAlarmTexts } from '../modules/alarms/ticker.ts';
import type { LiveClient } from '../live/client.ts';
import { KpiBoards, type BoardId } from './KpiBoards.tsx';
import { cameraParam, layoutFor, parseWallParams, type WallLayout } from './params.ts';
import './wall.css';

wallI18n();

/** Board columns left and right of the twin, per layout. */
const COLUMNS: Record<WallLayout, { left: BoardId[][]; right: BoardId[][]; twin: number }> = {
  '16:9': { left: [['occupancy', 'people', 'energy']], right: [['equipment', 'alarms', 'enterprises', 'economy']], twin: 2.4 },
  '32:9': { left: [['occupancy', 'people'], ['energy', 'equipment']], right: [['alarms'], ['enterprises', 'economy']], twin: 3 },
  '48:9': { left: [['occupancy'], ['people', 'equipment'], ['energy']], right: [['alarms'], ['enterprises'], ['economy']], twin: 4 },
};
/** Seconds before a wall that could not start tries again. */
const RESTART_S = 15;

/** Renders pulses each frame while any is active (inside the twin's canvas). */
function PulseDriver({ director }: { director: WallDirector }) {
  const invalidate = useThree((s) => s.invalidate);
  useFrame(() => {
    if (director.stepPulses(performance.now())) invalidate();
  });
  return null;
}

/**
 * An always-on wall keeps only the tiles it shows: tiles out of view are unloaded soon instead of
 * filling the renderer's default cache (thousands of tiles); the tour's next visit fetches them
 * again from the browser cache (content-hashed, immutable). Memory stays flat for days.
 */
function TileBudget({ ctl }: { ctl: TwinController }) {
  useFrame(() => {
    const cache = (ctl.tilesRenderer as { lruCache?: { minSize: number; minBytesSize: number } } | null)?.lruCache;
    if (cache && cache.minSize !== 0) {
      cache.minSize = 0;
      cache.minBytesSize = 0;
    }
  });
  return null;
}

function Clock() {
  const { i18n } = useTranslation();
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(t);
  }, []);
  const lang = i18n.language === 'en' ? 'en-GB' : 'zh-CN';
  return (
    <div className="wall-clock" data-testid="wall-clock">
      <span className="time">{now.toLocaleTimeString(lang, { hour12: false })}</span>
      <span className="date">{now.toLocaleDateString(lang, { year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short' })}</span>
    </div>
  );
}

function Ticker({ alarms, h, live }: { alarms: TickerAlarm[]; h: Hierarchy | null; live: LiveClient | null }) {
  const { t, i18n } = useTranslation('wall');
  const lang = i18n.language === 'en' ? 'en-GB' : 'zh-CN';
  // The alarm's text in the UI language from its rule template or message key and parameters (never the stored English on a Chinese screen).
  const texts = useAlarmTexts(alarms, live);
  return (
    <footer className="wall-ticker" data-count={alarms.length}>
      <span className="ticker-title">{t('ticker.title')}</span>
      <ol>
        {alarms.length === 0 && <li className="ticker-none">{t('ticker.none')}</li>}
        {alarms.map((a) => {
          const n = h?.names.get(a.idx);
          // The kind's label and layer come from the layer that declares it (layers/src/<layer>/).
          const kind = alarmKind(a.kind);
          const info = texts.get(a.key);
          const label = kindLabel({ kind: a.kind, ruleName: info?.ruleName ?? null }, i18n.language);
          const msg = alarmText({ ...(info ?? { template: null, params: null, ruleName: null }), kind: a.kind, message: info?.message ?? a.message }, i18n.language);
          return (
            <li key={a.key} className={`ticker-item sev-${a.severity}`} data-idx={a.idx} data-kind={a.kind} data-severity={a.severity}>
              <span className="sev-badge">{t(`kpi.severity.${a.severity}`)}</span>
              <time>{new Date(a.at).toLocaleTimeString(lang, { hour12: false })}</time>
              <strong><ObjectLink idx={a.idx} at={{ layer: kind?.layer.name ?? '' }}>{n ? localName(n) : `#${a.idx}`}</ObjectLink></strong>
              <span className="kind">{label}</span>
              {msg !== label && <span className="msg">{msg}</span>}
            </li>
          );
        })}
      </ol>
    </footer>
  );
}

/** Tracks the window size (layout choice). */
function useViewport(): { w: number; h: number } {
  const [size, setSize] = useState({ w: window.innerWidth, h: window.innerHeight });
  useEffect(() => {
    const on = () => setSize({ w: window.innerWidth, h: window.innerHeight });
    window.addEventListener('resize', on);
    return () => window.removeEventListener('resize', on);
  }, []);
  return size;
}

/** A start that failed for a reason other than login: count down, then reload the page. */
function RestartCountdown() {
  const { t } = useTranslation('wall');
  const [left, setLeft] = useState(RESTART_S);
  useEffect(() => {
    const timer = setInterval(() => setLeft((s) => s - 1), 1000);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    if (left <= 0) location.reload();
  }, [left]);
  return <div className="center-message wall-restart" data-problem="retrying">{t('retrying', { s: Math.max(0, left) })}</div>;
}

/** The wall. */
export default function WallPage() {
  const { t } = useTranslation('wall');
  const params = useMemo(() => parseWallParams(location.search), []);
  const { ctl, stats, park, problem, live, tilesetUrl } = useTwinPark();
  const director = useMemo(() => new WallDirector(ctl, params), [ctl, params]);
  const subscribe = useMemo(() => (fn: () => void) => {
    director.onChange = fn;
    return () => {
      director.onChange = () => {};
    };
  }, [director]);
  const version = useSyncExternalStore(
    subscribe,
    () => `${director.focus?.idx ?? 0}/${director.current ? director.stops.indexOf(director.current) : -1}`,
  );
  const vp = useViewport();
  const layout = layoutFor(params.aspect, vp.w, vp.h);
  const cols = COLUMNS[layout];
  const { alarms, bump } = useAlarmFeed(live, ctl.h, (idx) => director.alarm(idx));
  // Units held or let (leasing module push): the occupancy figures are fetched again at once.
  const [leaseBump, setLeaseBump] = useState(0);
  useEffect(() => live?.addMessageListener((m) => {
    if ((m as { type: string }).type === 'leasing.units') setLeaseBump((n) => n + 1);
  }), [live]);
  const { kpis, stale } = useKpis(park?.code ?? null, params.refreshS, bump + leaseBump);
  const [notice, setNotice] = useState<string | null>(null);

  // Kiosk: no cursor, no app chrome (the shell's top bar is hidden by CSS on this class).
  useEffect(() => {
    document.body.classList.add('wall-mode');
    document.body.classList.toggle('wall-kiosk', params.kiosk);
    return () => document.body.classList.remove('wall-mode', 'wall-kiosk');
  }, [params.kiosk]);

  // Tour stops: the park's bookmarks (the default tour when there are none or they cannot be read).
  const h = ctl.h;
  useEffect(() => {
    if (!park || !h) return;
    let stop = false;
    api.get('/api/wall/bookmarks', { query: { park: park.code }, background: true })
      .then((b) => !stop && director.setBookmarks(b.bookmarks))
      .catch(() => !stop && director.setBookmarks([]));
    return () => {
      stop = true;
    };
  }, [park, h, director]);

  // A shared link's camera wins over the overview framing (and holds the tour for a while).
  useEffect(() => {
    const c = params.camera;
    if (!c) return;
    ctl.pendingCamera = { pos: new Vector3(c[0], c[1], c[2]), target: new Vector3(c[3], c[4], c[5]) };
    director.pause();
  }, [ctl, director, params]);

  // One timer drives the tour, the alarm return and the URL.
  useEffect(() => {
    let lastUrl = '';
    const timer = setInterval(() => {
      director.tick();
      if (ctl.camera && ctl.controls && !ctl.flight) {
        const q = new URLSearchParams(location.search);
        q.set('cam', cameraParam(ctl.camera.position.toArray(), ctl.controls.target.toArray()));
        q.set('layer', ctl.layer);
        const s = q.toString();
        if (s !== lastUrl) {
          lastUrl = s;
          history.replaceState(history.state, '', `${location.pathname}?${s}${location.hash}`);
        }
      }
    }, 1000);
    return () => clearInterval(timer);
  }, [ctl, director]);

  const saveStop = async () => {
    if (!park || !ctl.camera || !ctl.controls) return;
    const name = window.prompt(t('tour.namePrompt'), new Date().toLocaleTimeString());
    if (!name) return;
    try {
      await api.post('/api/wall/bookmarks', { body: {
        park: park.code, name, layer: ctl.layer, dwellS: params.dwellS,
        camera: [...ctl.camera.position.toArray(), ...ctl.controls.target.toArray()].map((v) => Math.round(v * 10) / 10),
      } });
      setNotice(t('tour.saved'));
      const b = await api.get('/api/wall/bookmarks', { query: { park: park.code } });
      director.setBookmarks(b.bookmarks);
    } catch (e) {
      setNotice(t('tour.saveFailed', { message: (e as Error).message }));
    }
  };

  if (problem === 'login') return <div className="center-message" data-problem="login">{t('loginNeeded')}</div>;
  if (problem === 'empty') return <div className="center-message" data-problem="empty">{t('noPark')}</div>;
  if (problem) return <RestartCountdown />;

  const focusName = director.focus && h?.names.get(director.focus.idx);
  const stop = director.current;
  const stopName = !stop ? '' : stop.kind === 'bookmark' ? stop.name : stop.kind === 'overview' ? t('tour.overview')
    : (() => {
      const n = h?.names.get(stop.idx);
      return n ? localName(n) : '';
    })();
  const colCount = cols.left.length + 1 + cols.right.length;
  const template = [...cols.left.map(() => '1fr'), `${cols.twin}fr`, ...cols.right.map(() => '1fr')].join(' ');
  return (
    <div className={`wall wall-${layout.replace(':', 'x')}`} data-layout={layout} data-focus={director.focus?.idx ?? 0}
      data-version={version} style={{ gridTemplateColumns: template }}>
      {/* The twin first in the document: its canvas is the page's first (the test hook reads it). */}
      <div className="wall-twin" style={{ gridColumn: cols.left.length + 1 }} onPointerDown={() => director.pause()}>
        {!park && <div className="center-message">{t('loading')}</div>}
        {park && tilesetUrl && (
          <TwinCanvas ctl={ctl} stats={stats} tilesetUrl={tilesetUrl} origin={park.origin}>
            <PulseDriver director={director} />
            <TileBudget ctl={ctl} />
          </TwinCanvas>
        )}
        {focusName && <div className="wall-focus" data-focus-idx={director.focus!.idx}>{t('focus', { name: localName(focusName) })}</div>}
        {/* Modules' overlays of the twin cell (the video grid with ?video=4...). */}
        <ModuleWallOverlays park={park?.code ?? null} focus={director.focus?.idx ?? 0} />
        {/* Modules' docks (the alarm dock...): a click focuses the object as a new alarm would. */}
        <ModuleDocks host="wall" ctl={ctl} live={live} flyTo={(o) => {
          director.pause();
          director.alarm(o.idx);
        }} />
      </div>
      <header className="wall-head" style={{ gridColumn: `1 / span ${colCount}` }}>
        <h1>{park ? localName({ name: park.name, nameEn: park.nameEn }) : t('title')}</h1>
        <div className="wall-status">
          {stale && <span className="wall-stale" data-stale="1">{t('stale')}</span>}
          {params.tour && <span className="wall-tour" data-tour-stop={stopName}>{t('tour.on')}{stopName ? ` · ${stopName}` : ''}</span>}
          {!params.kiosk && <button type="button" className="wall-save" onClick={() => void saveStop()}>{t('tour.save')}</button>}
          {notice && <span className="wall-notice">{notice}</span>}
          <LiveIndicator live={live} />
        </div>
        <Clock />
      </header>
      {[...cols.left, ...cols.right].map((ids, i) => (
        <div key={ids.join()} className="wall-col" style={{ gridColumn: i < cols.left.length ? i + 1 : i + 2 }}>
          {kpis && <KpiBoards k={kpis} ids={ids} />}
        </div>
      ))}
      <div className="wall-foot" style={{ gridColumn: `1 / span ${colCount}` }}>
        <Ticker alarms={alarms} h={h} live={live} />
      </div>
    </div>
  );
}
