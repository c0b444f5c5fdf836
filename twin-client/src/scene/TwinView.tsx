/**
 * The twin view (`/`): the 3D park with live layers, drill-down, panels and the connection
 * indicator. Deep links: `?b=<building idx>&f=<floor idx>&o=<object idx>&layer=<layer>`.
 * `window.__twin` exposes state and camera placement for browser tests and the bench.
 */
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { LAYERS } from '@park-twin/layers';
import { localName } from '../i18n/index.ts';
import type { LiveClient, LiveStatus } from '../live/client.ts';
import { ObjectPanel } from '../panels/ObjectPanel.tsx';
import { BOOKING_COLOURS, LEASE_COLOURS, type LayerChoice, type TwinController } from './controller.ts';
import { TwinCanvas } from './TwinCanvas.tsx';
import { drillFromUrl, drillToUrl, useTwinPark } from './useTwinPark.ts';
import { layerChoicesFor } from './layerAccess.ts';
import { useModuleAccess } from '../modules/registry.ts';
import { CameraFrustums, FrustumToggle } from '../modules/video/frustums.tsx';
import { GroundLayer } from './ground/GroundLayer.tsx';
import { SceneModeBar } from './ground/SceneModeBar.tsx';
import { TimeMachineBar } from '../modules/timemachine/TimeMachineBar.tsx';
import { ModuleDocks } from '../modules/Docks.tsx';
import { TilesetLayers, TilesetLayerToggles } from '../modules/tilesets/layers.tsx';

/** The connection indicator (top bar). */
export function LiveIndicator({ live }: { live: LiveClient | null }) {
  const { t } = useTranslation();
  const status = useSyncExternalStore(live?.onStatus ?? (() => () => {}), live?.getStatus ?? (() => 'offline' as LiveStatus));
  return (
    <div className={`live-indicator live-${status}`} title={t('live.title')} data-status={status}>
      <span className="dot" /> {t(`live.${status}`)}
    </div>
  );
}

/** A switcher choice's label: a live layer's title from the layer registry, lease and none from i18n. */
export function layerLabel(choice: LayerChoice, language: string, t: (k: string) => string): string {
  const def = LAYERS.find((l) => l.name === choice);
  return def ? (language === 'en' ? def.title.en : def.title.zh) : t(`layer.${choice}`);
}

/**
 * Layer switcher (only the layers the principal may read, from the layer registry) and the legend
 * of the active layer (colours from layers/).
 */
export function LayerPanel({ ctl, choices }: { ctl: TwinController; choices: readonly LayerChoice[] }) {
  const { t, i18n } = useTranslation();
  const en = i18n.language === 'en';
  const legend = ctl.layer === 'lease'
    ? Object.entries(LEASE_COLOURS).map(([k, c]) => ({ color: c, label: t(`lease.${k}`) }))
    : ctl.layer === 'booking' ? Object.entries(BOOKING_COLOURS).map(([k, c]) => ({ color: c, label: t(`meeting.${k}`) }))
    : LAYERS.find((l) => l.name === ctl.layer)?.legend.map((e) => ({ color: e.color, label: en ? e.en : e.zh })) ?? [];
  return (
    <section className="panel layer-panel">
      <h3>{t('layer.title')}</h3>
      <div className="layer-buttons" role="radiogroup">
        {choices.map((l) => (
          <button key={l} type="button" role="radio" aria-checked={ctl.layer === l} data-layer={l}
            className={ctl.layer === l ? 'active' : ''} onClick={() => ctl.setLayer(l)}>
            {layerLabel(l, i18n.language, t)}
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
export function DrillBar({ ctl }: { ctl: TwinController }) {
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
export function Tooltip({ ctl, tipRef }: { ctl: TwinController; tipRef: React.RefObject<HTMLDivElement | null> }) {
  const { t, i18n } = useTranslation();
  const idx = ctl.hover;
  const h = ctl.h;
  const name = idx && h ? h.names.get(idx) : undefined;
  const kind = idx && h ? h.kindOf(idx) : undefined;
  const layer = LAYERS.find((l) => l.name === ctl.layer);
  const live = idx && layer ? ctl.store.get(layer.name, idx) : null;
  const en = i18n.language === 'en';
  return (
    <div ref={tipRef} className="tooltip" style={{ display: name ? 'block' : 'none' }} data-idx={idx}>
      {name && <strong>{localName(name)}</strong>} {kind && <span className="muted">{t(`kind.${kind}`)}</span>}
      {live && layer && <div>{Math.round(live.value * 10) / 10} {en ? layer.unit.en : layer.unit.zh}</div>}
    </div>
  );
}

/** The twin view. */
export default function TwinView() {
  const { t } = useTranslation();
  const { ctl, stats, park, problem, live, tilesetUrl } = useTwinPark();
  const tipRef = useRef<HTMLDivElement>(null);
  const { can } = useModuleAccess();
  const choices = layerChoicesFor(can);
  // A layer the principal may not read (an old link, another role's bookmark) falls back to its first one.
  if (!choices.includes(ctl.layer)) ctl.layer = choices[0] ?? 'none';

  // A link inside the app (an enterprise name in a panel, a map tooltip) drills without a reload.
  useEffect(() => {
    const on = () => {
      if (location.pathname !== '/' || !ctl.h) return;
      const deep = drillFromUrl();
      if (deep.layer && choices.includes(deep.layer)) ctl.setLayer(deep.layer);
      ctl.setDrill(deep.drill);
    };
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  });

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
      {park && tilesetUrl && (
        <TwinCanvas
          ctl={ctl}
          stats={stats}
          tilesetUrl={tilesetUrl}
          origin={park.origin}
          onHoverMove={(x, y) => {
            const el = tipRef.current;
            if (el) el.style.transform = `translate(${x + 14}px, ${y + 14}px)`;
          }}
        >
          <GroundLayer ctl={ctl} park={park.code} stats={stats} />
          <CameraFrustums ctl={ctl} park={park.code} />
          <TilesetLayers ctl={ctl} park={park.code} origin={park.origin} />
        </TwinCanvas>
      )}
      <div className="overlay">
        <div className="overlay-top">
          <DrillBar ctl={ctl} />
          <LiveIndicator live={live} />
        </div>
        <LayerPanel ctl={ctl} choices={choices} />
        <FrustumToggle />
        <SceneModeBar ctl={ctl} park={park?.code} />
        <TimeMachineBar ctl={ctl} />
        {/* Modules' docks (the alarm dock...): a click drills to the object and opens its panel. */}
        <ModuleDocks host="twin" ctl={ctl} live={live} panelOpen={ctl.drill.selected > 0} flyTo={(o) => {
          const building = o.building ?? ctl.h?.buildingOf[o.idx] ?? 0;
          ctl.setDrill({ building, floor: building ? o.floor ?? 0 : 0, selected: o.idx });
          if (!building) ctl.frame(o.idx, 2.5);
        }} />
        <TilesetLayerToggles />
        {ctl.drill.selected > 0 && (
          <ObjectPanel ctl={ctl} idx={ctl.drill.selected} onClose={() => ctl.setDrill({ ...ctl.drill, selected: 0 }, { fly: false })} />
        )}
        <Tooltip ctl={ctl} tipRef={tipRef} />
      </div>
    </div>
  );
}
