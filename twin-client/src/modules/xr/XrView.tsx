/**
 * `/xr`: the twin for headsets and phones on site. The same park tiles, live colours and x-ray
 * networks as the twin view, in a canvas that can enter an immersive session (@react-three/xr):
 * VR (controller rays pick objects, in-world panel, table model, locomotion) or AR (hit-test
 * reticle, placed from a surveyed marker, underground networks at their depth, nudge buttons in
 * the DOM overlay). `window.__xr` exposes the session state to browser tests and the bench.
 */
import { useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
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

/** The XR view. */
export default function XrView() {
  const { t, i18n } = useTranslation('xr');
  const { ctl, stats, park, problem, tilesetUrl } = useTwinPark();
  const { can } = useModuleAccess();
  const en = i18n.language === 'en';
  const infra = useMemo(() => infraStatus(), []);
  const tier = deviceTier(navigator.userAgent, navigator.hardwareConcurrency || 4, new URLSearchParams(location.search).get('tier'));
  const overlayRef = useRef<HTMLDivElement>(null);
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
  }, () => [infra.tiles]), [ctl, can, en, t, infra]);
  useSyncExternalStore(xs.subscribe, xs.getVersion);
  const probe = useMemo<PixelProbe>(() => ({ want: false, resolve: null }), []);

  useEffect(() => installXrHook(xs, store, probe, infra), [xs, store, probe, infra]);

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
  return (
    <div className="twin-view xr-view" data-xr-mode={xs.mode ?? 'none'}>
      {park && tilesetUrl && (
        <TwinCanvas ctl={ctl} stats={stats} tilesetUrl={tilesetUrl} origin={park.origin} groundOpacity={ar ? 0 : 1}>
          {infraUrl && <InfraTiles ctl={ctl} url={infraUrl} origin={park.origin} visible={ar} status={infra} />}
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
          <span className="muted" data-tier={tier}>{t('quality')}: {t(`tier.${tier}`)}</span>
        </section>
        {ar && (
          <section className="panel xr-nudge" data-placed={xs.placed}>
            <p>{xs.placed ? t('placed') : t('place')}</p>
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
        {xs.selected > 0 && <ObjectPanel ctl={ctl} idx={xs.selected} onClose={() => xs.close()} />}
      </div>
    </div>
  );
}
