/**
 * The twin view (`/`): the 3D park with live layers, drill-down, panels and the connection
 * indicator. Deep links: `?b=<building idx>&f=<floor idx>&o=<object idx>&layer=<layer>`.
 * `window.__twin` exposes state and camera placement for browser tests and the bench.
 */
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { LAYER_NAMES, LAYERS, type LayerName } from '@park-twin/layers';
import { ApiError, getJson } from '../api.ts';
import { localName } from '../i18n/index.ts';
import { LiveClient, type LiveStatus } from '../live/client.ts';
import { ObjectPanel } from '../panels/ObjectPanel.tsx';
import { LAYER_CHOICES, LEASE_COLOURS, TwinController, type LayerChoice } from './controller.ts';
import { Hierarchy, type DrillState, type ParkIndexJson } from './hierarchy.ts';
import { TwinCanvas, type FrameStats } from './TwinCanvas.tsx';
import { installTestHook } from './testHook.ts';

type Park = ParkIndexJson['park'];

/** How often the view asks whether the park was re-tiled. */
const TILES_POLL_MS = 10_000;

/** Reads the drill deep link from the URL. */
function drillFromUrl(): { drill: DrillState; layer: LayerChoice | null } {
  const q = new URLSearchParams(location.search);
  const n = (k: string) => Math.max(0, Number.parseInt(q.get(k) ?? '0', 10) || 0);
  const l = q.get('layer');
  return { drill: { building: n('b'), floor: n('f'), selected: n('o') }, layer: LAYER_CHOICES.includes(l as LayerChoice) ? (l as LayerChoice) : null };
}

/** Writes the drill state into the URL (replaceState: Back does not walk every click). */
function drillToUrl(d: DrillState, layer: LayerChoice): void {
  const q = new URLSearchParams(location.search);
  for (const [k, v] of [['b', d.building], ['f', d.floor], ['o', d.selected]] as const) {
    if (v) q.set(k, String(v));
    else q.delete(k);
  }
  q.set('layer', layer);
  const s = q.toString();
  history.replaceState(history.state, '', `${location.pathname}${s ? `?${s}` : ''}`);
}

function wsUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}

/** The connection indicator (top bar). */
function LiveIndicator({ live }: { live: LiveClient | null }) {
  const { t } = useTranslation();
  const status = useSyncExternalStore(live?.onStatus ?? (() => () => {}), live?.getStatus ?? (() => 'offline' as LiveStatus));
  return (
    <div className={`live-indicator live-${status}`} title={t('live.title')} data-status={status}>
      <span className="dot" /> {t(`live.${status}`)}
    </div>
  );
}

/** Layer switcher and the legend of the active layer (colours from layers/). */
function LayerPanel({ ctl }: { ctl: TwinController }) {
  const { t, i18n } = useTranslation();
  const en = i18n.language === 'en';
  const legend = ctl.layer === 'lease'
    ? Object.entries(LEASE_COLOURS).map(([k, c]) => ({ color: c, label: t(`lease.${k}`) }))
    : LAYERS.find((l) => l.name === ctl.layer)?.legend.map((e) => ({ color: e.color, label: en ? e.en : e.zh })) ?? [];
  return (
    <section className="panel layer-panel">
      <h3>{t('layer.title')}</h3>
      <div className="layer-buttons" role="radiogroup">
        {LAYER_CHOICES.map((l) => (
          <button key={l} type="button" role="radio" aria-checked={ctl.layer === l} data-layer={l}
            className={ctl.layer === l ? 'active' : ''} onClick={() => ctl.setLayer(l)}>
            {t(`layer.${l}`)}
          </button>
        ))}
      </div>
      {legend.length > 0 && (
        <ul className="legend">
          {legend.map((e) => (
            <li key={e.label}><span className="swatch" style={{ background: `rgb(${e.color[0]},${e.color[1]},${e.color[2]})` }} />{e.label}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Breadcrumbs park / building / floor / object, and the floor list of the isolated building. */
function DrillBar({ ctl }: { ctl: TwinController }) {
  const { t } = useTranslation();
  const h = ctl.h;
  if (!h) return null;
  const d = ctl.drill;
  const crumbs = [h.park.idx, d.building, d.floor, d.selected].filter((x, i, a) => x && a.indexOf(x) === i);
  const label = (idx: number) => {
    const n = h.names.get(idx);
    return n ? localName(n) : `#${idx}`;
  };
  const goto = (idx: number, i: number) => {
    if (i === 0) ctl.setDrill({ building: 0, floor: 0, selected: 0 });
    else if (idx === d.building) ctl.setDrill({ building: d.building, floor: 0, selected: 0 });
    else if (idx === d.floor) ctl.setDrill({ ...d, selected: 0 });
  };
  return (
    <>
      <nav className="breadcrumbs" aria-label="breadcrumbs">
        {crumbs.map((idx, i) => (
          <span key={idx}>
            {i > 0 && <span className="sep">/</span>}
            <button type="button" data-idx={idx} data-kind={h.kindOf(idx)} onClick={() => goto(idx, i)}>{label(idx)}</button>
          </span>
        ))}
        {d.building > 0 && <span className="hint">{t('drill.hint')}</span>}
      </nav>
      {d.building > 0 && (
        <section className="panel floor-list">
          <h3>{t('drill.floors')}</h3>
          <ol>
            {h.floorsOf(d.building).reverse().map((f) => {
              const lv = h.level[f]!;
              return (
                <li key={f}>
                  <button type="button" data-floor={f} className={d.floor === f ? 'active' : ''} onClick={() => ctl.pick(f)}>
                    {lv < 0 ? t('drill.basement', { level: -lv }) : t('drill.level', { level: lv })}
                  </button>
                </li>
              );
            })}
          </ol>
        </section>
      )}
    </>
  );
}

/** Hover tooltip; positioned imperatively from pointer moves (no React state per move). */
function Tooltip({ ctl, tipRef }: { ctl: TwinController; tipRef: React.RefObject<HTMLDivElement | null> }) {
  const { t } = useTranslation();
  const idx = ctl.hover;
  const h = ctl.h;
  const name = idx && h ? h.names.get(idx) : undefined;
  const kind = idx && h ? h.kindOf(idx) : undefined;
  const live = idx && ctl.layer !== 'none' && ctl.layer !== 'lease' ? ctl.store.get(ctl.layer, idx) : null;
  const layer = LAYERS.find((l) => l.name === ctl.layer);
  return (
    <div ref={tipRef} className="tooltip" style={{ display: name ? 'block' : 'none' }} data-idx={idx}>
      {name && <strong>{localName(name)}</strong>} {kind && <span className="muted">{t(`kind.${kind}`)}</span>}
      {live && layer && <div>{Math.round(live.value * 10) / 10} {layer.unit.zh === layer.unit.en ? layer.unit.en : t('layer.' + layer.name)}</div>}
    </div>
  );
}

/** The twin view. */
export default function TwinView() {
  const { t } = useTranslation();
  const ctl = useMemo(() => new TwinController(), []);
  const stats = useRef<FrameStats>({ frames: 0, times: [], drawCalls: 0, triangles: 0, measure: false, pendingWorkMs: 0 }).current;
  const [park, setPark] = useState<Park | null>(null);
  const [problem, setProblem] = useState<'login' | 'empty' | string | null>(null);
  const [live, setLive] = useState<LiveClient | null>(null);
  const tipRef = useRef<HTMLDivElement>(null);
  const [tilesVersion, setTilesVersion] = useState<number | null>(null);
  useSyncExternalStore(ctl.subscribe, ctl.getVersion);

  // Re-tiles: poll the published tileset version; a new version reloads tileset.json. Content
  // files are content-hashed and cached immutably, so only changed tiles are fetched again.
  useEffect(() => {
    if (!park) return;
    let stop = false;
    const check = () => getJson<{ version: number }>(`/api/tiles/${encodeURIComponent(park.code)}/version`, undefined, { background: true })
      .then((v) => { if (!stop) setTilesVersion(v.version); })
      .catch(() => {});
    void check();
    const timer = setInterval(check, TILES_POLL_MS);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [park]);

  // Park, hierarchy, then the live socket.
  useEffect(() => {
    const ac = new AbortController();
    let client: LiveClient | null = null;
    const deep = drillFromUrl();
    if (deep.layer) ctl.layer = deep.layer;
    (async () => {
      const { parks } = await getJson<{ parks: Park[] }>('/api/twin/parks', ac.signal);
      const want = new URLSearchParams(location.search).get('park');
      const p = parks.find((x) => x.code === want) ?? parks[0];
      if (!p) return setProblem('empty');
      const index = await getJson<ParkIndexJson>(`/api/twin/parks/${encodeURIComponent(p.code)}/index`, ac.signal);
      ctl.setHierarchy(new Hierarchy(index));
      if (deep.drill.building || deep.drill.selected) {
        ctl.setDrill(deep.drill, { fly: false });
        // The building's overview shell is in the first tiles; frame it when it arrives.
        ctl.pendingFrame = deep.drill.building || deep.drill.selected;
      }
      setPark(p);
      client = new LiveClient({ url: wsUrl(), store: ctl.store, layers: [...LAYER_NAMES] as LayerName[] });
      ctl.live = client;
      setLive(client);
    })().catch((e: Error) => {
      if (e.name === 'AbortError') return;
      setProblem(e instanceof ApiError && e.status === 401 ? 'login' : e.message);
    });
    return () => {
      ac.abort();
      client?.close();
    };
  }, [ctl]);

  useEffect(() => installTestHook(ctl, stats), [ctl, stats]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') ctl.back();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [ctl]);

  useEffect(() => {
    if (ctl.h) drillToUrl(ctl.drill, ctl.layer);
  });

  if (problem) {
    return <div className="center-message" data-problem={problem}>{problem === 'login' ? t('scene.loginNeeded') : problem === 'empty' ? t('scene.noPark') : problem}</div>;
  }
  return (
    <div className="twin-view">
      {!park && <div className="center-message">{t('scene.loading')}</div>}
      {park && tilesVersion !== null && (
        <TwinCanvas
          ctl={ctl}
          stats={stats}
          tilesetUrl={`/tiles/${encodeURIComponent(park.code)}/tileset.json?v=${tilesVersion}`}
          origin={park.origin}
          onHoverMove={(x, y) => {
            const el = tipRef.current;
            if (el) el.style.transform = `translate(${x + 14}px, ${y + 14}px)`;
          }}
        />
      )}
      <div className="overlay">
        <div className="overlay-top">
          <DrillBar ctl={ctl} />
          <LiveIndicator live={live} />
        </div>
        <LayerPanel ctl={ctl} />
        {ctl.drill.selected > 0 && (
          <ObjectPanel ctl={ctl} idx={ctl.drill.selected} onClose={() => ctl.setDrill({ ...ctl.drill, selected: 0 }, { fly: false })} />
        )}
        <Tooltip ctl={ctl} tipRef={tipRef} />
      </div>
    </div>
  );
}
