/**
 * The XR view's state outside React: the origin matrix (placement), the session, the controllers'
 * rays, the AR hit, the picked object and its in-world panel rows, and the actions the overlay and
 * the session call (enter, place, table model, nudge, select).
 */
import { Matrix4, Raycaster, Vector3, type Intersection, type Sphere } from 'three';
import type { TwinController } from '../../scene/controller.ts';
import { nudge, originFromMarker, tableOrigin, type MarkerSurvey } from './placement.ts';
import { RepairGuide, type RepairApi } from './repair.ts';
import { DIG_RADII, type DigReadback } from './dig.ts';
import { parkPoint, yawOfHeading, type GeoPoint } from './geo.ts';

/** The in-world panel's content. */
export interface XrPanel {
  idx: number;
  title: string;
  rows: Array<readonly [string, string]>;
}

/** Loads an object's panel rows (details, live value, open work orders). */
export type PanelLoader = (idx: number) => Promise<XrPanel | null>;

/** One input source's ray this frame (park frame, -Z forward). */
export interface XrRay {
  handedness: XRHandedness;
  matrix: Matrix4;
  profile: XRTargetRayMode;
}

export class XrState {
  /** Reference space -> park frame (park = origin * reference). */
  origin = new Matrix4();
  session: XRSession | null = null;
  mode: XRSessionMode | null = null;
  rays: XrRay[] = [];
  hitSource: XRHitTestSource | null = null;
  hitError: string | null = null;
  /** The latest AR hit (reference space). */
  lastHit: { position: [number, number, number]; matrix: Matrix4 } | null = null;
  /** Viewer pose (reference space): position and yaw. */
  viewer: { position: [number, number, number]; yaw: number } = { position: [0, 1.6, 0], yaw: 0 };
  /** Whether the AR model has been placed (from the marker). */
  placed = false;
  scaleMode = false;
  /** The marker the AR placement uses (surveyed park point and heading). */
  marker: MarkerSurvey = { position: [0, 0, 0], yaw: 0 };
  xrResolution: [number, number] = [0, 0];
  /** The XR (array) camera, once a session ran. */
  xrCamera: object | null = null;
  selected = 0;
  panel: XrPanel | null = null;
  /** Guided repair: the work order's procedure, one step at a time. */
  readonly repair: RepairGuide;
  /** Dig window radius (metres on site), 0 when off. */
  digRadius = 0;
  /** Whether the repair panel stands beside its equipment (its geometry found), not before the user. */
  repairAnchored = false;
  /** A controller ray's hit on in-world UI (the repair panel): true when it took the select. */
  uiHit: ((ray: Matrix4) => boolean) | null = null;
  /** Park-frame centre of a repair panel button (tests aim the controller at it). */
  repairButtonAt: ((id: 'prev' | 'done' | 'next') => Vector3) | null = null;
  /** The dig window's scene read-back (DigWindow installs it while a session runs). */
  digReadback: (() => DigReadback) | null = null;
  /** How the AR placement was last made. */
  placedBy: 'marker' | 'geo' | null = null;
  private panelListeners = new Set<(p: XrPanel | null) => void>();
  private listeners = new Set<() => void>();
  private version = 0;

  constructor(readonly ctl: TwinController, private loadPanel: PanelLoader, readonly extraTiles: () => unknown[] = () => [], repairApi?: RepairApi) {
    this.repair = new RepairGuide(repairApi ?? {
      load: () => Promise.reject(new Error('no work orders here')),
      tick: () => Promise.reject(new Error('no work orders here')),
    }, () => this.changed());
  }

  /** useSyncExternalStore plumbing for the overlay. */
  subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };
  getVersion = () => this.version;
  changed(): void {
    this.version++;
    for (const fn of this.listeners) fn();
    this.ctl.invalidate();
  }

  onPanel(fn: (p: XrPanel | null) => void): () => void {
    this.panelListeners.add(fn);
    fn(this.panel);
    return () => this.panelListeners.delete(fn);
  }

  /** Uniform scale of the origin (park metres per reference metre). */
  scale(): number {
    return new Vector3().setFromMatrixScale(this.origin).x;
  }

  /** A new session: VR starts standing at the park view point (or table model); AR waits for the marker. */
  onSessionStart(mode: XRSessionMode | null): void {
    this.mode = mode;
    this.placed = mode !== 'immersive-ar';
    if (mode === 'immersive-ar') this.origin.identity();
    else if (this.scaleMode) this.table();
    this.changed();
  }

  onSessionEnd(): void {
    this.session = null;
    this.mode = null;
    this.placed = false;
    this.changed();
  }

  /** AR: the hit under the marker is the marker's spot; the viewer's facing is its arrow. */
  placeAtHit(): void {
    if (!this.lastHit) return;
    this.placeFromMarker({ position: this.lastHit.position, yaw: this.viewer.yaw });
  }

  /** AR: places the park so that the marker seen at `seen` (reference space) is on its surveyed point. */
  placeFromMarker(seen: { position: readonly [number, number, number]; yaw: number }): void {
    this.origin.copy(originFromMarker(this.marker, seen));
    this.placed = true;
    this.placedBy = 'marker';
    this.changed();
  }

  /**
   * AR by GPS and compass: the user stands at `fix` (WGS84) looking along compass `headingDeg`;
   * the park origin's WGS84 position is `parkOrigin`. The floor under the viewer (reference
   * space) goes to that park point at ground level, and the viewer's facing to the heading's yaw.
   */
  placeFromGeo(parkOrigin: GeoPoint, fix: GeoPoint, headingDeg: number): void {
    const [x, , z] = parkPoint(parkOrigin, fix);
    const v = this.viewer;
    this.origin.copy(originFromMarker({ position: [x, 0, z], yaw: yawOfHeading(headingDeg) }, { position: [v.position[0], 0, v.position[2]], yaw: v.yaw }));
    this.placed = true;
    this.placedBy = 'geo';
    this.changed();
  }

  /** Dig window: off, or the next radius. */
  setDig(radius: number): void {
    this.digRadius = radius;
    this.changed();
  }

  /** The dig window's next radius (off -> 2 -> 4 -> 8 -> off). */
  nextDig(): void {
    const i = DIG_RADII.indexOf(this.digRadius as (typeof DIG_RADII)[number]);
    this.setDig(i < 0 ? DIG_RADII[0] : (DIG_RADII[i + 1] ?? 0));
  }

  /** Moves / turns the placement a little (the nudge buttons, about the user). */
  nudge(dx: number, dz: number, dyaw: number): void {
    this.origin.copy(nudge(this.origin, new Vector3(...this.viewer.position), dx, dz, dyaw));
    this.changed();
  }

  /** Teleport: puts the user's feet at a park point (keeps scale and heading). */
  teleport(to: Vector3): void {
    const v = new Vector3(this.viewer.position[0], 0, this.viewer.position[2]).applyMatrix4(this.origin);
    this.origin.premultiply(new Matrix4().makeTranslation(to.x - v.x, to.y - v.y, to.z - v.z));
    this.changed();
  }

  /** Table model on / off: the whole park as a model in front of the user, or 1:1 at the park origin. */
  setScaleMode(on: boolean): void {
    this.scaleMode = on;
    if (on) this.table();
    else this.origin.identity();
    this.changed();
  }

  private table(): void {
    const s: Sphere | null = this.ctl.parkSphere?.() ?? null;
    const c = s?.center ?? new Vector3();
    this.origin.copy(tableOrigin(new Vector3(c.x, 0, c.z), s?.radius ?? 500));
  }

  /** Controller select: picks what the ray hits and opens its panel. */
  selectAlong(matrix: Matrix4): number {
    const { idx } = pickAlong(this.ctl, matrix);
    if (idx > 0) void this.open(idx);
    return idx;
  }

  /** Opens the panel of idx (also highlights it in the scene). */
  async open(idx: number): Promise<void> {
    this.selected = idx;
    this.ctl.setDrill({ ...this.ctl.drill, selected: idx }, { fly: false });
    this.changed();
    const p = await this.loadPanel(idx);
    if (this.selected !== idx) return;
    this.panel = p;
    for (const fn of this.panelListeners) fn(p);
    this.changed();
  }

  close(): void {
    this.selected = 0;
    this.panel = null;
    for (const fn of this.panelListeners) fn(null);
    this.changed();
  }
}

/** Picks along a ray (park-frame matrix, -Z forward) over the scene's tiles, the way a click does. */
export function pickAlong(ctl: TwinController, matrix: Matrix4): { idx: number; point: Vector3 | null } {
  if (!ctl.tilesRoot) return { idx: 0, point: null };
  const from = new Vector3().setFromMatrixPosition(matrix);
  const dir = new Vector3(0, 0, -1).transformDirection(matrix);
  const rc = new Raycaster(from, dir, 0, 50_000);
  const hits: Intersection[] = [ctl.tilesRoot, ...ctl.extraRoots].flatMap((r) => rc.intersectObject(r, true)).sort((a, b) => a.distance - b.distance);
  return { idx: ctl.pickFromHits(hits), point: hits[0]?.point ?? null };
}
