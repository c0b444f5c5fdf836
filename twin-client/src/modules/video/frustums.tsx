/**
 * Camera frustums in the 3D twin (issue 16): every camera's position, heading, field of view and
 * range drawn as a translucent sector with an outline (magenta; 360 degree cameras as a disc),
 * switched by a toggle in the twin view (remembered in localStorage, off by default). At park
 * level the outdoor cameras show; drilled into a building, its cameras too (of the shown floor).
 * The selected camera's frustum is drawn in yellow. Data: GET /api/video/frustums (security:read).
 */
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { BufferAttribute, BufferGeometry, DoubleSide } from 'three';
import { api, type GetAnswer } from '../../api/client.ts';
import { moduleOn, registeredModules, useModuleAccess } from '../registry.ts';
import type { TwinController } from '../../scene/controller.ts';
import './video.css';

export type FrustumCamera = GetAnswer<'/api/video/frustums'>['cameras'][number];

/** Outline and fill colours (not tone mapped: the pixels are exactly these). */
export const FRUSTUM_COLOUR = '#ff3df2';
export const FRUSTUM_SELECTED = '#ffe14d';
const STORAGE_KEY = 'twin.video.frustums';

/** The toggle's state, shared by the button (DOM) and the layer (inside the canvas). */
class FrustumStore {
  on = typeof localStorage !== 'undefined' && localStorage.getItem(STORAGE_KEY) === 'on';
  /** Cameras drawn at the last render (tests read it from the toggle's data-frustums). */
  drawn = 0;
  readonly #listeners = new Set<() => void>();
  subscribe = (fn: () => void) => {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  };
  snapshot = () => `${this.on ? 1 : 0}/${this.drawn}`;
  set(on: boolean): void {
    this.on = on;
    try {
      localStorage.setItem(STORAGE_KEY, on ? 'on' : 'off');
    } catch { /* private mode: not remembered */ }
    this.#emit();
  }
  setDrawn(n: number): void {
    if (n === this.drawn) return;
    this.drawn = n;
    this.#emit();
  }
  #emit(): void {
    for (const fn of this.#listeners) fn();
  }
}
export const frustumStore = new FrustumStore();

/** Whether this principal may see frustums (module on, security:read). */
function useFrustumsAllowed(): boolean {
  const access = useModuleAccess();
  const video = registeredModules().find((m) => m.name === 'video');
  return Boolean(video && moduleOn(video, access.enabled) && access.can('security:read'));
}

/** How far below the camera the far edge lies (cameras look down a little). */
const dropOf = (range: number) => Math.min(2.5, 0.1 * range);

/**
 * Line segments (outline) and triangles (fill) of the frustums in scene coordinates: the park
 * frame of the ReorientationPlugin, +x west, +y up, +z north (east = -x). Heading is degrees
 * clockwise from north. Pure: unit-tested.
 */
export function frustumGeometry(cams: readonly Pick<FrustumCamera, 'east' | 'north' | 'up' | 'heading' | 'fovDeg' | 'rangeM'>[]): { lines: Float32Array; fill: Float32Array } {
  const lines: number[] = [];
  const fill: number[] = [];
  for (const c of cams) {
    const ax = -c.east;
    const ay = c.up;
    const az = c.north;
    const full = c.fovDeg >= 360;
    const fov = Math.min(360, c.fovDeg);
    const steps = Math.max(2, Math.ceil(fov / 15));
    const fy = ay - dropOf(c.rangeM);
    const arc: [number, number, number][] = [];
    for (let i = 0; i <= steps; i++) {
      const deg = c.heading - fov / 2 + (fov * i) / steps;
      const r = (deg * Math.PI) / 180;
      arc.push([ax - Math.sin(r) * c.rangeM, fy, az + Math.cos(r) * c.rangeM]);
    }
    for (let i = 0; i < steps; i++) {
      lines.push(...arc[i]!, ...arc[i + 1]!);
      fill.push(ax, ay, az, ...arc[i]!, ...arc[i + 1]!);
    }
    if (!full) {
      lines.push(ax, ay, az, ...arc[0]!, ax, ay, az, ...arc[steps]!);
      // The optical axis.
      const mid = arc[Math.floor(steps / 2)]!;
      if (steps % 2 === 0) lines.push(ax, ay, az, ...mid);
    } else {
      lines.push(ax, ay, az, ax, fy, az);
    }
  }
  return { lines: new Float32Array(lines), fill: new Float32Array(fill) };
}

/** Which cameras show for the drill-down: outdoor ones always, a drilled building's (of its shown floor). */
export function visibleCameras(cams: readonly FrustumCamera[], drill: { building: number; floor: number }): FrustumCamera[] {
  return cams.filter((c) => c.floor === null
    || (drill.building > 0 && c.building === drill.building && (drill.floor === 0 || c.floor === drill.floor)));
}

function geometryOf(positions: Float32Array): BufferGeometry {
  const g = new BufferGeometry();
  g.setAttribute('position', new BufferAttribute(positions, 3));
  g.computeBoundingSphere();
  return g;
}

const noRaycast = () => null;

/** One set of frustums (outline + fill) in a colour. */
function FrustumMesh({ cams, colour, opacity }: { cams: readonly FrustumCamera[]; colour: string; opacity: number }) {
  const geo = useMemo(() => {
    const { lines, fill } = frustumGeometry(cams);
    return { lines: geometryOf(lines), fill: geometryOf(fill) };
  }, [cams]);
  useEffect(() => () => {
    geo.lines.dispose();
    geo.fill.dispose();
  }, [geo]);
  return (
    <group renderOrder={5}>
      <lineSegments geometry={geo.lines} raycast={noRaycast}>
        <lineBasicMaterial color={colour} toneMapped={false} transparent opacity={0.95} depthWrite={false} />
      </lineSegments>
      <mesh geometry={geo.fill} raycast={noRaycast}>
        <meshBasicMaterial color={colour} toneMapped={false} transparent opacity={opacity} side={DoubleSide} depthWrite={false} />
      </mesh>
    </group>
  );
}

/** The frustum layer (a child of TwinCanvas); draws nothing while the toggle is off. */
export function CameraFrustums({ ctl, park }: { ctl: TwinController; park: string }) {
  const state = useSyncExternalStore(frustumStore.subscribe, frustumStore.snapshot);
  const on = state.startsWith('1');
  const version = useSyncExternalStore(ctl.subscribe, ctl.getVersion);
  const [cams, setCams] = useState<FrustumCamera[] | null>(null);

  useEffect(() => {
    if (!on || cams) return;
    const ac = new AbortController();
    api.get('/api/video/frustums', { query: { park }, signal: ac.signal, background: true })
      .then((r) => setCams(r.cameras))
      .catch(() => setCams(null));
    return () => ac.abort();
  }, [on, park, cams]);

  const { building, floor, selected } = ctl.drill;
  const shown = useMemo(() => (cams ? visibleCameras(cams, { building, floor }) : []), [cams, building, floor]);
  const sel = useMemo(() => shown.filter((c) => c.idx === selected), [shown, selected]);
  const rest = useMemo(() => (sel.length ? shown.filter((c) => c.idx !== selected) : shown), [shown, sel, selected]);

  useEffect(() => {
    frustumStore.setDrawn(on ? shown.length : 0);
    ctl.invalidate();
  }, [on, shown, ctl, version]);

  if (!on || !cams) return null;
  return (
    <group name="camera-frustums">
      <FrustumMesh cams={rest} colour={FRUSTUM_COLOUR} opacity={0.16} />
      {sel.length > 0 && <FrustumMesh cams={sel} colour={FRUSTUM_SELECTED} opacity={0.3} />}
    </group>
  );
}

/** The toggle button of the twin view (for principals who may see cameras). */
export function FrustumToggle() {
  const { t } = useTranslation('video');
  const allowed = useFrustumsAllowed();
  const state = useSyncExternalStore(frustumStore.subscribe, frustumStore.snapshot);
  const on = allowed && state.startsWith('1');
  if (!allowed) return null;
  return (
    <button type="button" className="panel frustum-toggle" aria-pressed={on} data-action="video.frustums" data-frustums={on ? frustumStore.drawn : 0}
      onClick={() => frustumStore.set(!on)}>
      <span className="swatch" style={{ background: FRUSTUM_COLOUR }} /> {t('frustums')}
    </button>
  );
}
