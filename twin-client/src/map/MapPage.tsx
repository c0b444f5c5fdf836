/**
 * The development map (standard P3, route `/map`): block planning, buildings extruded and coloured
 * by dominant industry, leading enterprises as columns by 12-month output, and an occupancy heat
 * map, drawn by deck.gl over no base map (fully offline). The URL carries park, camera, layers and
 * language, so a link reopens exactly this view.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type CSSProperties } from 'react';
import DeckGL, { type DeckGLRef } from '@deck.gl/react';
import { MapView, type Layer, type MapViewState, type PickingInfo } from '@deck.gl/core';
import { I18nextProvider, useTranslation } from 'react-i18next';
import { mapI18n, type Language } from './i18n.ts';
import { loadMapData, loadPark, MapApiError, type MapData } from './api.ts';
import { buildMapLayers, tooltipText, type Column } from './layers.ts';
import { navigate, twinHref } from '../app/links.tsx';
import {
  bboxOf, formatMapUrl, industryColour, MAP_LAYERS, padBbox, parseMapUrl, plannedUseColour, zoomToFit,
  type Bbox, type MapLayerId, type MapUrlState, type Rgba,
} from './style.ts';

/** What the page reports on `window.twinMapStatus`, so tests wait for a real event instead of a delay. */
export interface MapStatus {
  state: 'loading' | 'ready' | 'login' | 'error' | 'empty';
  /** Features drawn per layer once ready. */
  counts?: Record<string, number>;
  error?: string;
  /** Rendered frames after every layer reported loaded. */
  renderedLoaded: number;
  /** Ids of the layers in the last frame drawn with every layer loaded. */
  layers?: string[];
}

declare global {
  interface Window {
    twinMapStatus?: MapStatus;
    /** Test mode only: page pixel of a lon/lat/height (metres), or null before the map is drawn. */
    twinMapProject?: (lon: number, lat: number, z: number) => [number, number] | null;
  }
}

/** Page component for `/map`. */
export function MapPage() {
  const i18n = useMemo(() => mapI18n(), []);
  return (
    <I18nextProvider i18n={i18n}>
      <DevelopmentMap />
    </I18nextProvider>
  );
}

function setStatus(s: Partial<MapStatus>) {
  window.twinMapStatus = { ...(window.twinMapStatus ?? { state: 'loading', renderedLoaded: 0 }), ...s };
}

function DevelopmentMap() {
  const { t, i18n } = useTranslation('map');
  const lang = i18n.language as Language;
  const url = useRef<MapUrlState>(parseMapUrl(window.location.search));
  const [visible, setVisible] = useState<Set<MapLayerId>>(() => new Set(url.current.layers));
  const [data, setData] = useState<MapData | null>(null);
  const [problem, setProblem] = useState<{ kind: 'login' | 'error' | 'empty'; message?: string } | null>(null);
  const [initialView, setInitialView] = useState<MapViewState | null>(null);
  const writeTimer = useRef<number | undefined>(undefined);
  const deckRef = useRef<DeckGLRef>(null);

  useEffect(() => {
    if (!url.current.test) return;
    window.twinMapProject = (lon, lat, z) => {
      const deck = deckRef.current?.deck;
      const vp = deck?.getViewports()[0];
      const canvas = deck?.getCanvas();
      if (!vp || !canvas) return null;
      const [x, y] = vp.project([lon, lat, z]);
      const r = canvas.getBoundingClientRect();
      return [r.left + x!, r.top + y!];
    };
    return () => {
      delete window.twinMapProject;
    };
  }, []);

  const writeUrl = useCallback(() => {
    window.clearTimeout(writeTimer.current);
    writeTimer.current = window.setTimeout(() => {
      const q = formatMapUrl(url.current);
      window.history.replaceState(window.history.state, '', `${window.location.pathname}${q ? `?${q}` : ''}`);
    }, 250);
  }, []);

  useEffect(() => {
    setStatus({ state: 'loading', renderedLoaded: 0 });
    const ac = new AbortController();
    (async () => {
      const park = await loadPark(url.current.park, ac.signal);
      if (!park) {
        setProblem({ kind: 'empty' });
        setStatus({ state: 'empty' });
        return;
      }
      const parkBox = bboxOf(park.geometry.coordinates) as Bbox;
      const d = await loadMapData(park, padBbox(parkBox, 0.25), ac.signal);
      const cam = url.current.camera;
      setInitialView(cam ? { ...cam } : {
        // Shifted east so the legend on the right does not cover the park.
        longitude: (parkBox[0] + parkBox[2]) / 2 + (parkBox[2] - parkBox[0]) * 0.12,
        latitude: (parkBox[1] + parkBox[3]) / 2 - (parkBox[3] - parkBox[1]) * 0.12,
        zoom: zoomToFit(parkBox, window.innerWidth, window.innerHeight) - 0.35,
        pitch: 50,
        bearing: -12,
      });
      url.current = { ...url.current, park: park.properties.code };
      setStatus({
        counts: {
          blocks: d.blocks.features.length, buildings: d.buildings.features.length,
          enterprises: d.enterprises.features.length, heat: d.heat.features.length,
        },
      });
      setData(d);
    })().catch((err: unknown) => {
      if (ac.signal.aborted) return;
      const login = err instanceof MapApiError && err.status === 401;
      const message = err instanceof Error ? err.message : String(err);
      setProblem({ kind: login ? 'login' : 'error', message });
      setStatus({ state: login ? 'login' : 'error', error: message });
    });
    return () => ac.abort();
  }, []);

  const layers: Layer[] = useMemo(() => (data ? buildMapLayers(data, visible, lang) : []), [data, visible, lang]);

  const onAfterRender = useCallback(() => {
    if (!data || layers.length === 0) return;
    if (layers.every((l) => l.isLoaded)) {
      const s = window.twinMapStatus;
      setStatus({ state: 'ready', layers: layers.map((l) => l.id), renderedLoaded: (s?.renderedLoaded ?? 0) + 1 });
    }
  }, [data, layers]);

  const toggle = (id: MapLayerId) => {
    const next = new Set(visible);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setVisible(next);
    url.current = { ...url.current, layers: MAP_LAYERS.filter((l) => next.has(l)) };
    writeUrl();
  };

  useEffect(() => {
    document.title = t('title');
  }, [t, lang]);

  const getTooltip = useCallback((info: PickingInfo) => {
    const text = tooltipText(info, t, lang);
    const opens = info.layer?.id === 'buildings' || info.layer?.id === 'enterprises';
    return text ? { text: opens ? `${text}\n${t('tip.open')}` : text, style: TOOLTIP_STYLE } : null;
  }, [t, lang]);

  // A building or an enterprise opens in the twin (the building framed, the enterprise's panel open).
  const onClick = useCallback((info: PickingInfo) => {
    if (!info.object) return;
    if (info.layer?.id === 'buildings') {
      const id = (info.object as { id: number }).id;
      navigate(twinHref(id, { building: id }));
    } else if (info.layer?.id === 'enterprises') {
      const f = (info.object as Column).feature;
      navigate(twinHref(f.id, { building: f.properties.buildingIdx }));
    }
  }, []);

  return (
    <div style={PAGE}>
      {data && initialView && (
        <DeckGL
          ref={deckRef}
          views={new MapView({ repeat: false })}
          initialViewState={initialView}
          controller={{ inertia: !url.current.test }}
          layers={layers}
          getTooltip={getTooltip}
          onClick={onClick}
          onAfterRender={onAfterRender}
          onViewStateChange={({ viewState }) => {
            const v = viewState as MapViewState;
            url.current = { ...url.current, camera: { longitude: v.longitude, latitude: v.latitude, zoom: v.zoom, pitch: v.pitch ?? 0, bearing: v.bearing ?? 0 } };
            writeUrl();
          }}
          style={{ background: 'transparent' }}
        />
      )}
      <header style={HEADER}>
        <h2 style={{ margin: 0, fontSize: 18, fontWeight: 600 }}>
          {t('title')}
          {data && <span style={{ fontWeight: 400, opacity: 0.75, marginLeft: 12, fontSize: 16 }}>
            {lang === 'en' && data.park.properties.nameEn ? data.park.properties.nameEn : data.park.properties.name}
          </span>}
        </h2>
      </header>
      {!data && (
        <div style={MESSAGE} role="status">
          {problem?.kind === 'login' ? t('loginRequired')
            : problem?.kind === 'error' ? t('loadFailed', { message: problem.message })
              : problem?.kind === 'empty' ? t('noPark') : t('loading')}
        </div>
      )}
      {data && <Legend data={data} visible={visible} onToggle={toggle} />}
    </div>
  );
}

function Legend({ data, visible, onToggle }: { data: MapData; visible: ReadonlySet<MapLayerId>; onToggle: (id: MapLayerId) => void }) {
  const { t, i18n } = useTranslation('map');
  const nf = new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 0 });
  const pct = new Intl.NumberFormat(i18n.language, { style: 'percent', maximumFractionDigits: 1 });
  const uses = [...new Set(data.blocks.features.map((f) => f.properties.plannedUse ?? 'reserve'))];
  const industries = [...new Set(data.buildings.features.map((f) => f.properties.industry))];
  const leasable = data.buildings.features.reduce((s, f) => s + f.properties.leasableArea, 0);
  const leased = data.buildings.features.reduce((s, f) => s + f.properties.leasedArea, 0);
  const output = data.enterprises.features.reduce((s, f) => s + f.properties.output12m, 0);
  return (
    <aside style={LEGEND} data-testid="map-legend">
      <section>
        <h2 style={H2}>{t('layers')}</h2>
        {MAP_LAYERS.map((id) => (
          <label key={id} style={{ display: 'flex', gap: 8, alignItems: 'center', margin: '4px 0', cursor: 'pointer' }}>
            <input type="checkbox" checked={visible.has(id)} onChange={() => onToggle(id)} data-layer={id} />
            {t(`layer.${id}`)}
          </label>
        ))}
      </section>
      <dl style={STATS}>
        <dt>{t('stats.buildings')}</dt><dd style={DD}>{data.buildings.features.length}</dd>
        <dt>{t('stats.occupancy')}</dt><dd style={DD}>{leasable > 0 ? pct.format(leased / leasable) : '—'}</dd>
        <dt>{t('stats.leading')}</dt><dd style={DD}>{data.enterprises.features.length}</dd>
        <dt>{t('stats.output')}</dt><dd style={DD}>{nf.format(output)} {t('unit.wan')}</dd>
      </dl>
      {visible.has('blocks') && (
        <section>
          <h2 style={H2}>{t('plannedUseLegend')}</h2>
          {uses.map((u) => <Swatch key={u} colour={plannedUseColour(u)} label={t(`plannedUse.${u}`)} />)}
        </section>
      )}
      {(visible.has('buildings') || visible.has('enterprises')) && (
        <section>
          <h2 style={H2}>{t('industryLegend')}</h2>
          {industries.map((i) => <Swatch key={i ?? 'none'} colour={industryColour(i)} label={i ? t(`industry.${i}`) : t('noTenant')} />)}
        </section>
      )}
      {visible.has('enterprises') && <p style={NOTE}>{t('columnLegend')}</p>}
      {visible.has('heat') && (
        <section>
          <p style={NOTE}>{t('heatLegend')}</p>
          <div style={{ height: 10, borderRadius: 3, background: 'linear-gradient(90deg, rgb(255,255,178), rgb(254,204,92), rgb(253,141,60), rgb(240,59,32), rgb(189,0,38))' }} />
        </section>
      )}
    </aside>
  );
}

function Swatch({ colour, label }: { colour: Rgba; label: string }) {
  return (
    <div style={{ display: 'flex', alignItems: 'center', gap: 8, margin: '3px 0' }}>
      <span style={{ width: 14, height: 14, borderRadius: 3, background: `rgb(${colour[0]},${colour[1]},${colour[2]})` }} />
      {label}
    </div>
  );
}

// Fills the app shell's view area (below its top bar, which carries the language switch).
const PAGE: CSSProperties = {
  position: 'absolute', inset: 0, overflow: 'hidden', color: '#e6ecf5',
  background: 'radial-gradient(ellipse at 50% 40%, #17233a 0%, #0a101c 75%)',
  fontFamily: '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif',
};
const HEADER: CSSProperties = {
  position: 'absolute', top: 0, left: 0, right: 0, padding: '10px 16px', pointerEvents: 'none',
};
const LEGEND: CSSProperties = {
  position: 'absolute', right: 12, top: 12, width: 230, maxHeight: 'calc(100% - 24px)', overflowY: 'auto',
  padding: '10px 14px', background: 'rgba(10,16,30,0.82)', border: '1px solid #25385a', borderRadius: 6, fontSize: 13,
};
const H2: CSSProperties = { fontSize: 13, fontWeight: 600, margin: '10px 0 4px', color: '#9fb6d9' };
const NOTE: CSSProperties = { margin: '10px 0 4px', fontSize: 12, color: '#9fb6d9' };
const STATS: CSSProperties = {
  display: 'grid', gridTemplateColumns: 'auto auto', gap: '2px 10px', margin: '10px 0', fontSize: 12,
};
const DD: CSSProperties = { margin: 0, textAlign: 'right', fontVariantNumeric: 'tabular-nums' };
const MESSAGE: CSSProperties = {
  position: 'absolute', top: '45%', left: 0, right: 0, textAlign: 'center', fontSize: 18, color: '#c8d6ee',
};
const TOOLTIP_STYLE: Partial<CSSStyleDeclaration> = {
  background: 'rgba(10,16,30,0.92)', color: '#e6ecf5', border: '1px solid #3b5b86', borderRadius: '4px',
  fontSize: '12px', lineHeight: '1.5', whiteSpace: 'pre', padding: '6px 10px',
};

export default MapPage;
