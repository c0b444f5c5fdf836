/**
 * `/xr`: the twin for headsets and phones on site. The same park tiles, live colours and x-ray
 * networks as the twin view, in a canvas that can enter an immersive session (@react-three/xr):
 * VR (controller rays pick objects, in-world panel, table model, locomotion) or AR (hit-test
 * reticle, placed from a surveyed marker, underground networks at their depth, nudge buttons in
 * the DOM overlay). `window.__xr` exposes the session state to browser tests and the bench.
 */
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { useFrame, useThree } from '@react-three/fiber';
import { XR, createXRStore } from '@react-three/xr';
import { LAYERS } from '@park-twin/layers';
import { api } from '../../api/client.ts';
import { localName } from '../../i18n/index.ts';
import { ObjectPanel } from '../../panels/ObjectPanel.tsx';
import { TwinCanvas } from '../../scene/TwinCanvas.tsx';
import { useTwinPark } from '../../scene/useTwinPark.ts';
import { useModuleAccess } from '../registry.ts';
import { InfraTiles, infraStatus } from '../../ops/InfraTiles.tsx';
import { applyGhost } from '../../ops/xray.ts';
import { XrScene } from './XrScene.tsx';
import { XrState, type XrPanel } from './xrState.ts';
import { TIERS, deviceTier } from './quality.ts';
import { installXrHook, type PixelProbe } from './testHook.ts';
import type { RepairApi } from './repair.ts';
import { pressRepairButton } from './RepairPanel.tsx';
import { GPS_MAX_ACCURACY_M, headingOfOrientation } from './geo.ts';
import './xr.css';

/** Reads pixels of the XR framebuffer right after the frame is drawn (for the test hook and bench). */
function XrProbe({ probe }: { probe: PixelProbe }) {
  const gl = useThree((s) => s.gl);
  useFrame(() => {
    const session = gl.xr.getSession();
    if (!probe.want || !session) return;
    const layer = session.renderState.baseLayer;
    const ctx = gl.getContext();
    ctx.bindFramebuffer(ctx.FRAMEBUFFER, layer?.framebuffer ?? null);
    const w = layer?.framebufferWidth ?? ctx.drawingBufferWidth;
    const h = layer?.framebufferHeight ?? ctx.drawingBufferHeight;
    const px = new Uint8Array(w * h * 4);
    ctx.readPixels(0, 0, w, h, ctx.RGBA, ctx.UNSIGNED_BYTE, px);
    probe.want = false;
    probe.resolve?.({ width: w, height: h, data: px });
  }, 2);
  return null;
}

/** Guided repair's calls: the order, its procedure with ticks, and a tick (typed client). */
const repairApi: RepairApi = {
  async load(id) {
    const [d, x] = await Promise.all([
      api.get('/api/workorders/{id}', { params: { id } }),
      api.get('/api/workorders/{id}/extra', { params: { id } }),
    ]);
    return { id, code: x.code, title: d.record.title, objectIdx: d.record.objectIdx, objectName: d.record.objectName, state: d.record.state, procedure: x.procedure };
  },
  async tick(id, n, done) {
    const x = await api.post('/api/workorders/{id}/steps/{n}', { params: { id, n }, body: { done } });
    return x.procedure?.steps ?? [];
  },
};

/**
 * The latest compass heading (degrees from north of the back camera), where the device gives an
 * absolute orientation: `deviceorientationabsolute` (Chrome on Android), an absolute
 * `deviceorientation`, or Safari's `webkitCompassHeading`. Listens only while `active` (an AR
 * session runs): the sensor is not kept on for nothing.
 */
function useCompass(active: boolean): { current: number | null } {
  const ref = useMemo(() => ({ current: null as number | null }), []);
  useEffect(() => {
    if (!active) return;
    const on = (e: DeviceOrientationEvent & { webkitCompassHeading?: number }) => {
      if (typeof e.webkitCompassHeading === 'number') {
        ref.current = e.webkitCompassHeading;
        return;
      }
      if (!(e.absolute || e.type === 'deviceorientationabsolute') || e.alpha === null || e.beta === null || e.gamma === null) return;
      ref.current = headingOfOrientation(e.alpha, e.beta, e.gamma);
    };
    window.addEventListener('deviceorientationabsolute', on as EventListener);
    window.addEventListener('deviceorientation', on as EventListener);
    return () => {
      window.removeEventListener('deviceorientationabsolute', on as EventListener);
      window.removeEventListener('deviceorientation', on as EventListener);
    };
  }, [ref, active]);
  return ref;
}

/** The XR view. */
export default function XrView() {
  const { t, i18n } = useTranslation('xr');
  const { ctl, stats, park, problem, tilesetUrl } = useTwinPark();
  const { can } = useModuleAccess();
  const en = i18n.language === 'en';
  const infra = useMemo(() => infraStatus(), []);
  const tier = deviceTier(navigator.userAgent, navigator.hardwareConcurrency || 4, new URLSearchParams(location.search).get('tier'));
  const overlayRef = useRef<HTMLDivElement>(null);
  const [geoMsg, setGeoMsg] = useState<string | null>(null);
  const store = useMemo(() => createXRStore({
    // No emulator in the app (tests inject one), no controller/hand models (they load from a CDN),
    // no offer of a session before the user asks.
    emulate: false, offerSession: false,
    // Controller layouts (which button selects, the thumbstick axes) from this server: a generic
    // trigger/squeeze/thumbstick profile in public/xr-profiles, never the input-profiles CDN.
    baseAssetPath: `${location.origin}/xr-profiles/`,
    controller: false, hand: false, transientPointer: false, gaze: false, screenInput: false,
    hitTest: true, domOverlay: true, anchors: false, planeDetection: false, meshDetection: false, layers: false, depthSensing: false,
    handTracking: false, bodyTracking: false,
    frameBufferScaling: TIERS[tier].framebufferScale, frameRate: 'high',
  }), [tier]);
  const xs = useMemo(() => new XrState(ctl, async (idx): Promise<XrPanel | null> => {
    const d = await api.get('/api/twin/objects/{idx}', { params: { idx } });
    const rows: Array<readonly [string, string]> = [];
    for (const [k, v] of Object.entries(d.attributes)) {
      if (v === null || typeof v === 'object') continue;
      rows.push([k, String(v)]);
    }
    const layer = LAYERS.find((l) => l.name === ctl.layer);
    const live = layer ? ctl.store.get(layer.name, idx) : null;
    if (live && layer) rows.unshift([t('live'), `${Math.round(live.value * 10) / 10} ${en ? layer.unit.en : layer.unit.zh}`]);
    if (can('workorders:read') && (d.kind === 'equipment' || d.kind === 'room')) {
      try {
        const wo = await api.get('/api/maintenance/objects/{idx}/work-orders', { params: { idx } });
        rows.unshift([t('openOrders'), String(wo.open.length)]);
      } catch { /* the panel shows what it has */ }
    }
    return { idx, title: localName(d), rows };
  }, () => [infra.tiles], repairApi), [ctl, can, en, t, infra]);
  useSyncExternalStore(xs.subscribe, xs.getVersion);
  const heading = useCompass(xs.mode === 'immersive-ar');
  const probe = useMemo<PixelProbe>(() => ({ want: false, resolve: null }), []);

  /** AR by GPS and compass: a fix no worse than GPS_MAX_ACCURACY_M and the latest compass heading. */
  const placeByGeo = async (): Promise<string | null> => {
    if (!park) return t('geo.noPark');
    if (!('geolocation' in navigator)) return t('geo.noGps');
    const h = heading.current;
    if (h === null) return t('geo.noCompass');
    try {
      const pos = await new Promise<GeolocationPosition>((resolve, reject) =>
        navigator.geolocation.getCurrentPosition(resolve, reject, { enableHighAccuracy: true, timeout: 15_000, maximumAge: 5_000 }));
      if (pos.coords.accuracy > GPS_MAX_ACCURACY_M) return t('geo.inaccurate', { m: Math.round(pos.coords.accuracy) });
      xs.placeFromGeo(park.origin, { lon: pos.coords.longitude, lat: pos.coords.latitude }, h);
      return null;
    } catch (e) {
      return t('geo.failed', { msg: (e as GeolocationPositionError).message || String(e) });
    }
  };
  const placeByGeoRef = useRef(placeByGeo);
  placeByGeoRef.current = placeByGeo;

  useEffect(() => installXrHook(xs, store, probe, infra, () => placeByGeoRef.current(), () => heading.current), [xs, store, probe, infra, heading]);

  // `?wo=`: the work order's guided repair (its procedure beside its equipment).
  useEffect(() => {
    const wo = Number(new URLSearchParams(location.search).get('wo') ?? 0);
    if (wo > 0 && Number.isInteger(wo)) void xs.repair.open(wo);
  }, [xs]);
  const repairObject = xs.repair.order?.objectIdx ?? 0;
  useEffect(() => {
    if (!ctl.h || repairObject <= 0) return;
    ctl.setDrill({ ...ctl.drill, selected: repairObject }, { fly: !xs.session });
  }, [ctl, ctl.h, repairObject, xs]);

  // Tier: coarser tiles on phones and standalone headsets.
  useEffect(() => {
    const r = ctl.tilesRenderer as unknown as { errorTarget?: number } | null;
    if (r) r.errorTarget = TIERS[tier].errorTarget;
  });

  // A deep link `?o=` opens that object's panel (in AR: its label is the marker).
  useEffect(() => {
    const o = Number(new URLSearchParams(location.search).get('o') ?? 0);
    if (o > 0 && ctl.h) void xs.open(o);
  }, [ctl.h, xs]);

  // AR shows the networks and ghosts the buildings (the real ones are in front of the user).
  const ar = xs.mode === 'immersive-ar';
  useEffect(() => {
    if (!ctl.h) return;
    applyGhost(ctl.state, ctl.h, ar);
    ctl.invalidate();
  }, [ar, ctl, ctl.h]);

  if (problem) return <div className="center-message" data-problem={problem}>{problem}</div>;
  const supported = typeof navigator !== 'undefined' && 'xr' in navigator;
  const infraUrl = tilesetUrl?.replace('/tileset.json', '/infra.json') ?? null;
  const digging = Boolean(xs.session) && xs.digRadius > 0;
  const r = xs.repair;
  const step = r.steps[r.current];
  return (
    <div className="twin-view xr-view" data-xr-mode={xs.mode ?? 'none'}>
      {park && tilesetUrl && (
        <TwinCanvas ctl={ctl} stats={stats} tilesetUrl={tilesetUrl} origin={park.origin} groundOpacity={ar || digging ? 0 : 1}>
          {infraUrl && <InfraTiles ctl={ctl} url={infraUrl} origin={park.origin} visible={ar || digging} status={infra} />}
          <XR store={store}>
            <XrScene ctl={ctl} xs={xs} />
          </XR>
          <XrProbe probe={probe} />
        </TwinCanvas>
      )}
      <div className="overlay xr-overlay" ref={overlayRef}>
        <section className="panel xr-controls">
          {!xs.session && (
            <>
              <button type="button" data-xr="enter-vr" disabled={!supported} onClick={() => void store.enterVR()}>{t('enterVR')}</button>
              <button type="button" data-xr="enter-ar" disabled={!supported} onClick={() => void store.enterAR()}>{t('enterAR')}</button>
            </>
          )}
          {xs.session && <button type="button" data-xr="exit" onClick={() => void xs.session?.end()}>{t('exit')}</button>}
          {xs.mode !== 'immersive-ar' && (
            <button type="button" data-xr="scale" aria-pressed={xs.scaleMode} onClick={() => xs.setScaleMode(!xs.scaleMode)}>
              {xs.scaleMode ? t('lifeSize') : t('table')}
            </button>
          )}
          {xs.session && (
            <button type="button" data-xr="dig" aria-pressed={xs.digRadius > 0} onClick={() => xs.nextDig()}>
              {xs.digRadius > 0 ? t('dig.on', { r: xs.digRadius }) : t('dig.off')}
            </button>
          )}
          <span className="muted" data-tier={tier}>{t('quality')}: {t(`tier.${tier}`)}</span>
        </section>
        {ar && (
          <section className="panel xr-nudge" data-placed={xs.placed}>
            <p>{xs.placed ? (xs.placedBy === 'geo' ? t('geo.placed') : t('placed')) : t('place')}</p>
            {'geolocation' in navigator && (
              <button type="button" data-xr="geo" className="xr-geo" onClick={() => void placeByGeo().then(setGeoMsg)}>{t('geo.place')}</button>
            )}
            {geoMsg && <p className="xr-error" role="alert">{geoMsg}</p>}
            <div className="xr-nudge-grid">
              <button type="button" onClick={() => xs.nudge(-0.25, 0, 0)}>{t('left')}</button>
              <button type="button" onClick={() => xs.nudge(0, -0.25, 0)}>{t('forward')}</button>
              <button type="button" onClick={() => xs.nudge(0.25, 0, 0)}>{t('right')}</button>
              <button type="button" onClick={() => xs.nudge(0, 0, Math.PI / 90)}>{t('turnL')}</button>
              <button type="button" onClick={() => xs.nudge(0, 0.25, 0)}>{t('back')}</button>
              <button type="button" onClick={() => xs.nudge(0, 0, -Math.PI / 90)}>{t('turnR')}</button>
            </div>
          </section>
        )}
        {(r.order || r.loading || r.error) && (
          <section className="panel xr-repair" data-repair={r.order?.id ?? 0} data-step={r.current} data-busy={r.busy} aria-live="polite">
            <header>
              <h3>{t('repair.title')}</h3>
              <button type="button" className="xr-repair-close" aria-label={t('exit')} onClick={() => xs.repair.close()}>×</button>
            </header>
            {r.loading && <p className="muted">{t('repair.loading')}</p>}
            {r.order && (
              <>
                <p className="xr-repair-order"><b>{r.order.code}</b> {r.order.title}{r.order.objectName ? ` · ${r.order.objectName}` : ''}</p>
                {!r.order.procedure && <p className="muted">{t('repair.noProcedure')}</p>}
                {r.order.procedure && (
                  <>
                    <p className="muted">{en ? r.order.procedure.title.en : r.order.procedure.title.zh} · {t('repair.stepOf', { n: r.current + 1, all: r.steps.length })} · {t('repair.doneOf', { done: r.doneCount, all: r.steps.length })}</p>
                    <ol className="xr-repair-dots" aria-hidden="true">
                      {r.steps.map((s) => <li key={s.n} data-done={s.done} data-current={s.n === r.current} />)}
                    </ol>
                    {step && <p className="xr-repair-step" data-done={step.done}>{en ? step.en : step.zh}</p>}
                    {step?.done && <p className="xr-repair-ok">✓ {t('repair.stepDone')}{step.byName ? ` · ${step.byName}` : ''}</p>}
                    {r.order.state !== 'in_progress' && <p className="muted">{t('repair.onlyInProgress')}</p>}
                    <div className="xr-repair-buttons">
                      <button type="button" data-repair-btn="prev" disabled={r.current <= 0} onClick={() => pressRepairButton(xs, 'prev')}>{t('repair.prev')}</button>
                      <button type="button" data-repair-btn="done" className="primary" disabled={!step || r.busy || r.order.state !== 'in_progress'}
                        onClick={() => pressRepairButton(xs, 'done')}>{step?.done ? t('repair.undo') : t('repair.done')}</button>
                      <button type="button" data-repair-btn="next" disabled={r.current >= r.steps.length - 1} onClick={() => pressRepairButton(xs, 'next')}>{t('repair.next')}</button>
                    </div>
                  </>
                )}
              </>
            )}
            {r.error && <p className="xr-error" role="alert">{r.error}</p>}
          </section>
        )}
        {xs.selected > 0 && <ObjectPanel ctl={ctl} idx={xs.selected} onClose={() => xs.close()} />}
      </div>
    </div>
  );
}
