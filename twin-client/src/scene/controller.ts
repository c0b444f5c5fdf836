/**
 * The twin scene's non-React core: feature-state texture, live store and socket, hierarchy,
 * active layer, drill-down and camera flights. React components read it through `subscribe` /
 * `version` (changes on clicks and layer switches only); per-message data never enters React.
 */
import { Box3, Matrix4, Raycaster, Vector2, Vector3, type Intersection, type Sphere, type Camera, type InstancedMesh, type Mesh, type Material, type MeshStandardMaterial, type Object3D } from 'three';
import { LAYER_IDS, SCENE_LAYER_CHOICES, encodeState, layerById, type SceneLayerChoice } from '@park-twin/layers';
import { FLAG, FeatureStateTexture, packRgb } from './featureState.ts';
import { FEATURE_ATTRIBUTE, aliasFeatureAttribute, featureIdOfHit, patchMaterial } from './shaderPatch.ts';
import { DRILL_NONE, applyDrill, drillBack, drillPick, type DrillState, type Hierarchy } from './hierarchy.ts';
import { LiveStore } from '../live/store.ts';
import type { LiveClient } from '../live/client.ts';

/** Layers a twin view can colour by: every registered live layer plus lease status (from the database) and none. */
export type LayerChoice = SceneLayerChoice;
export const LAYER_CHOICES: readonly LayerChoice[] = SCENE_LAYER_CHOICES;

/** Meeting-room colours (sRGB) of the booking layer, shared with the legend. */
export const BOOKING_COLOURS: Record<string, readonly [number, number, number]> = { free: [46, 204, 113], booked: [231, 76, 60] };

/** Lease-status colours (sRGB), shared with the legend. */
export const LEASE_COLOURS: Record<string, readonly [number, number, number]> = {
  vacant: [46, 204, 113], reserved: [241, 196, 15], leased: [52, 120, 220], expiring: [230, 110, 40],
};

const SPECIFIC: Record<string, number> = { equipment: 4, room: 3, pipe_node: 3, pipe_segment: 3, floor: 2, building: 1 };
/** Surfaces this close together count as one spot (a room's floor lies on its floor slab). */
const SAME_SPOT_M = 0.3;

/** A layer's colours precomputed: 256 value steps over its domain for each of the 4 statuses. */
interface ColourLut {
  rgb: Uint8Array;
  /** The same colours packed for `FeatureStateTexture.setColourWord`, one per slot. */
  words: Uint32Array;
  /** Slot of (value, status): its colour is `words[slot]`, bytes `rgb[3 * slot ...]`. */
  slot(value: number, status: number): number;
}

const LUTS = new Map<number, ColourLut>();
const STEPS = 256;

/**
 * The layer's encode() sampled once into a table, so a live update costs a lookup instead of a
 * ramp evaluation and an array allocation per record (thousands per second).
 */
export function colourLut(layerId: number): ColourLut {
  let lut = LUTS.get(layerId);
  if (lut) return lut;
  const def = layerById(layerId);
  const [d0, d1] = def?.domain ?? [0, 1];
  const rgb = new Uint8Array(4 * STEPS * 3);
  const words = new Uint32Array(4 * STEPS);
  for (let s = 0; s < 4; s++) {
    for (let i = 0; i < STEPS; i++) {
      const c = encodeState(layerId, d0 + ((d1 - d0) * i) / (STEPS - 1), s);
      rgb.set([c[0], c[1], c[2]], (s * STEPS + i) * 3);
      words[s * STEPS + i] = packRgb(c[0], c[1], c[2]);
    }
  }
  const perUnit = d1 > d0 ? (STEPS - 1) / (d1 - d0) : 0;
  const slot = (value: number, status: number): number => {
    // value - value is 0 only for finite values; NaN and infinities take the first step.
    const x = value - value === 0 ? (value - d0) * perUnit : 0;
    return (status & 3) * STEPS + (x <= 0 ? 0 : x >= STEPS - 1 ? STEPS - 1 : (x + 0.5) | 0);
  };
  lut = { rgb, words, slot };
  LUTS.set(layerId, lut);
  return lut;
}

/** A camera flight in progress. */
interface Flight {
  fromPos: Vector3;
  fromTarget: Vector3;
  toPos: Vector3;
  toTarget: Vector3;
  t0: number;
  ms: number;
}

/** Orbit-controls surface the controller needs (drei OrbitControls). */
export interface ControlsLike {
  target: Vector3;
  update(): void;
}

/** Everything the 3D twin view shares between its components. */
export class TwinController {
  readonly state = new FeatureStateTexture();
  readonly store = new LiveStore();
  live: LiveClient | null = null;
  h: Hierarchy | null = null;
  layer: LayerChoice = 'occupancy';
  drill: DrillState = DRILL_NONE;
  hover = 0;
  /** Root of the loaded tiles (for geometry scans and picking). */
  tilesRoot: Object3D | null = null;
  /** Roots of further tilesets a view shows (the infrastructure): scanned and picked like tilesRoot. */
  readonly extraRoots = new Set<Object3D>();
  /** Section box in world space: hits outside it are clipped away, so they are not picked. */
  clipBox: Box3 | null = null;
  /** The 3d-tiles-renderer instance (load progress for tests; reload on re-tile). */
  tilesRenderer: { loadProgress: number; stats?: { queued: number; downloading: number; parsing: number } } | null = null;
  camera: Camera | null = null;
  controls: ControlsLike | null = null;
  flight: Flight | null = null;
  /** Tile models loaded so far (tests, bench). */
  tilesLoaded = 0;
  tilesetReady = false;
  /** Re-tiles followed so far: notices heard, in-place patches, full reloads (tests, status). */
  readonly tileUpdates = { notices: 0, version: '', patched: 0, reloaded: 0, contentChanged: 0 };
  /** Object to frame as soon as its geometry is loaded (deep links). */
  pendingFrame = 0;
  /** World-space bounding sphere of the whole tileset (set by the canvas). */
  parkSphere: () => Sphere | null = () => null;
  /** The initial whole-park framing is still to be done. */
  pendingOverview = false;
  /** A camera from a shared link (local metres), applied once the tileset is in; wins over the overview. */
  pendingCamera: { pos: Vector3; target: Vector3 } | null = null;
  /** Views with their own selection (investment list) take scene clicks here instead of the drill-down. */
  pickHandler: ((idx: number) => void) | null = null;
  /** A time-machine replay owns the colours while set: live updates do not paint, repaints go to it. */
  replay: { paint(layer: LayerChoice): void } | null = null;
  /** The first tileset load already chose the initial view (a re-tile must not move the camera). */
  tilesetFramed = false;
  /** Bumped on every UI-visible change (drill, layer, hover, index); React reads it. */
  version = 0;
  /** Requests a frame (R3F invalidate); set by the canvas. */
  invalidate: () => void = () => {};
  private listeners = new Set<() => void>();
  private patched = new WeakSet<Material>();

  /** Wires the live store to the state texture. */
  constructor() {
    this.store.subscribe((layer, idx, n) => {
      if (layer !== this.layer || this.replay) return;
      const lut = colourLut(LAYER_IDS[layer]);
      const a = this.store.arrays(layer);
      for (let i = 0; i < n; i++) {
        const k = idx[i]!;
        this.state.setColourWord(k, lut.words[lut.slot(a.value[k]!, a.status[k]!)]!);
      }
      this.invalidate();
    });
  }

  /** React's subscribe for useSyncExternalStore. */
  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  /** React's snapshot for useSyncExternalStore. */
  getVersion = (): number => this.version;

  private changed(): void {
    this.version++;
    for (const l of this.listeners) l();
    this.invalidate();
  }

  /** Installs the park hierarchy (after GET /api/twin/parks/:code/index). */
  setHierarchy(h: Hierarchy): void {
    this.h = h;
    this.state.ensure(h.size);
    this.repaint();
    applyDrill(this.state, h, this.drill);
    this.changed();
  }

  /** Bookable meeting rooms now (booking module): room idx to 'free' or 'booked'. */
  readonly meetingRooms = new Map<number, string>();

  /** Meeting rooms' state now (after a `booking.rooms` push): updates the booking layer's colours. */
  setMeetingRooms(rooms: Iterable<readonly [number, string]>, replace = false): void {
    if (replace) this.meetingRooms.clear();
    for (const [idx, now] of rooms) this.meetingRooms.set(idx, now);
    if (this.layer === 'booking') this.repaint();
    this.changed();
  }

  /** Units whose lease state changed (pushed by the leasing module): updates the index and the lease colours. */
  setLeaseStatus(units: readonly number[], status: string): void {
    if (!this.h) return;
    for (const u of units) this.h.lease.set(u, status);
    if (this.layer === 'lease') this.repaint();
    this.changed();
  }

  /** Switches the coloured layer: clears every colour and repaints from the store (no refetch). */
  setLayer(layer: LayerChoice): void {
    this.layer = layer;
    this.repaint();
    this.changed();
  }

  private repaint(): void {
    if (this.replay) return this.replay.paint(this.layer);
    this.state.clearAllColours();
    const layer = this.layer;
    if (layer === 'none') return;
    if (layer === 'booking') {
      for (const [idx, now] of this.meetingRooms) {
        const c = BOOKING_COLOURS[now];
        if (c) this.state.setColour(idx, c[0], c[1], c[2]);
      }
      return;
    }
    if (layer === 'lease') {
      for (const [idx, status] of this.h?.lease ?? []) {
        const c = LEASE_COLOURS[status];
        if (c) this.state.setColour(idx, c[0], c[1], c[2]);
      }
      return;
    }
    const a = this.store.layers.get(layer);
    if (!a) return;
    const lut = colourLut(LAYER_IDS[layer]);
    for (let i = 0; i < a.has.length; i++) {
      if (!a.has[i]) continue;
      this.state.setColourWord(i, lut.words[lut.slot(a.value[i]!, a.status[i]!)]!);
    }
  }

  /** Prepares a freshly loaded tile: aliases its feature ids and patches its materials. */
  onTileLoaded(scene: Object3D): void {
    this.tilesLoaded++;
    scene.traverse((o) => {
      const mesh = o as Mesh;
      if (!mesh.isMesh) return;
      if (!aliasFeatureAttribute(mesh)) return;
      const mats = Array.isArray(mesh.material) ? mesh.material : [mesh.material];
      for (const m of mats) {
        if (this.patched.has(m)) continue;
        this.patched.add(m);
        // Matte surfaces read better on the dark wall than glTF's default metallic-roughness look.
        const std = m as MeshStandardMaterial;
        if (std.isMeshStandardMaterial) {
          std.roughness = 0.8;
          std.metalness = 0.05;
        }
        patchMaterial(m, this.state.uniform);
      }
    });
    this.retryPendingFrame();
    this.invalidate();
  }

  /** Frames the deep-linked object once its geometry and the camera controls are there. */
  retryPendingFrame(): void {
    if (!this.camera || !this.controls) return;
    if (this.pendingCamera) {
      if (!this.tilesetReady) return;
      const c = this.pendingCamera;
      this.pendingCamera = null;
      this.pendingOverview = false;
      this.flyTo(c.pos, c.target, 0);
      return;
    }
    if (!this.pendingFrame && this.pendingOverview) {
      // First view: the whole park, once the first (overview) tile is in. Bounds come from the
      // loaded geometry, already re-oriented into the local frame.
      if (!this.tilesRoot || this.tilesLoaded === 0) return;
      const sphere = this.parkSphere();
      if (!sphere || !Number.isFinite(sphere.radius) || sphere.radius <= 0) return;
      this.pendingOverview = false;
      // Far enough that the whole bounding sphere fits the narrower field of view: every building
      // is on screen (and drawn) at the default camera, whatever the park's size and the aspect.
      const cam = this.camera as Camera & { fov?: number; aspect?: number };
      const vfov = ((cam.fov ?? 45) * Math.PI) / 180;
      const half = Math.min(vfov, 2 * Math.atan(Math.tan(vfov / 2) * (cam.aspect ?? 1))) / 2;
      const dist = Math.max(20, sphere.radius / Math.sin(half));
      this.flyTo(sphere.center.clone().addScaledVector(new Vector3(0.55, 0.75, 0.65).normalize(), dist), sphere.center, 0);
      return;
    }
    if (!this.pendingFrame) return;
    const b = this.boundsOf(this.pendingFrame);
    if (!b) return;
    this.pendingFrame = 0;
    this.pendingOverview = false;
    this.frameBox(b, 1.6, 0);
  }

  /** Applies a drill state: flags in the texture, camera framing, URL, UI. */
  setDrill(d: DrillState, opts: { fly?: boolean } = {}): void {
    const prev = this.drill;
    this.drill = d;
    if (this.h) applyDrill(this.state, this.h, d);
    if (opts.fly !== false) {
      if (d.building && (d.building !== prev.building || d.floor !== prev.floor)) this.frame(d.floor || d.building, d.floor ? 1.3 : 1.8);
      else if (!d.building && prev.building) this.frameAll();
    }
    this.changed();
  }

  /** A click on the feature `idx` (0 = empty space). */
  pick(idx: number): void {
    if (!this.h || idx <= 0) return;
    if (this.pickHandler) return this.pickHandler(idx);
    // A click on the isolated building's own shell does not restart the drill-down.
    if (idx === this.drill.building && this.drill.floor === 0) return;
    this.setDrill(drillPick(this.h, this.drill, idx));
  }

  /**
   * The object a pointer hit means: the first drawn hit (not hidden, not faded behind an
   * isolation); among hits at the same spot the most specific kind wins (room over its slab).
   */
  pickFromHits(hits: readonly Intersection[]): number {
    let best = 0;
    let bestRank = -1;
    let first = Infinity;
    for (const hit of hits) {
      if (hit.distance > first + SAME_SPOT_M) break;
      const idx = featureIdOfHit(hit);
      if (idx <= 0) continue;
      if (this.state.flags(idx) & (FLAG.hidden | FLAG.faded | FLAG.ghost)) continue;
      if (this.clipBox && !this.clipBox.containsPoint(hit.point)) continue;
      if (first === Infinity) first = hit.distance;
      const rank = SPECIFIC[this.h?.kindOf(idx) ?? ''] ?? 0;
      if (rank > bestRank) {
        best = idx;
        bestRank = rank;
      }
    }
    return best;
  }

  /** What a click at normalized device coordinates would pick (tests; same rules as clicks). */
  pickAtNdc(x: number, y: number): number {
    if (!this.camera || !this.tilesRoot) return 0;
    const rc = new Raycaster();
    rc.setFromCamera(new Vector2(x, y), this.camera);
    const hits = [this.tilesRoot, ...this.extraRoots].flatMap((r) => rc.intersectObject(r, true));
    return this.pickFromHits(hits.sort((a, b) => a.distance - b.distance));
  }

  /** Escape: one level up. */
  back(): void {
    this.setDrill(drillBack(this.drill));
  }

  /**
   * Lights `lit` objects in their colours and dims (fades) everything else in the park: the
   * investment view's available units. `tinted` objects get a colour but are left faded here; a
   * caller that wants them solid clears their faded flag afterwards (the investment view does, for
   * the buildings that hold lit units, so they read from afar). Null restores the layer colours
   * and the drill-down.
   */
  spotlight(lit: ReadonlyMap<number, readonly [number, number, number]> | null, tinted?: ReadonlyMap<number, readonly [number, number, number]>): void {
    const h = this.h;
    if (!h) return;
    this.repaint();
    applyDrill(this.state, h, lit ? DRILL_NONE : this.drill);
    if (lit) {
      for (const idx of h.all) if (!lit.has(idx)) this.state.setFlag(idx, FLAG.faded, true);
      for (const [idx, c] of tinted ?? []) this.state.setColour(idx, c[0], c[1], c[2]);
      for (const [idx, c] of lit) this.state.setColour(idx, c[0], c[1], c[2]);
    }
    this.changed();
  }

  /** Pointer hover (tooltips); one texel flag, no React state unless the object changed. */
  setHover(idx: number): void {
    if (idx === this.hover) return;
    if (this.hover) this.state.setFlag(this.hover, 4, false);
    this.hover = idx;
    if (idx) this.state.setFlag(idx, 4, true);
    this.changed();
  }

  /** Meshes of the loaded tiles carrying feature ids. */
  private featureMeshes(): Mesh[] {
    const out: Mesh[] = [];
    for (const root of [this.tilesRoot, ...this.extraRoots]) {
      root?.traverse((o) => {
        const m = o as Mesh;
        if (m.isMesh && m.visible && m.geometry.getAttribute(FEATURE_ATTRIBUTE)) out.push(m);
      });
    }
    return out;
  }

  /**
   * World-space bounds of everything drawn for `idx` in the loaded tiles (null when none is
   * loaded). Scans vertex feature ids; used on clicks and by tests, never per frame.
   */
  boundsOf(idx: number): Box3 | null {
    const box = new Box3();
    const v = new Vector3();
    let found = false;
    // Up close a building's shell is replaced by its interior: then its floors and rooms frame it.
    const h = this.h;
    const isBuilding = h?.kindOf(idx) === 'building';
    const matches = (id: number) => id === idx || (isBuilding && id < h!.size && h!.buildingOf[id] === idx);
    for (const m of this.featureMeshes()) {
      const ids = m.geometry.getAttribute(FEATURE_ATTRIBUTE);
      const pos = m.geometry.getAttribute('position');
      m.updateWorldMatrix(true, false);
      if ((ids as { isInstancedBufferAttribute?: boolean }).isInstancedBufferAttribute) {
        const im = m as InstancedMesh;
        const mat = new Matrix4();
        for (let i = 0; i < ids.count; i++) {
          if (!matches(Math.round(ids.getX(i)))) continue;
          im.getMatrixAt(i, mat);
          v.setFromMatrixPosition(mat).applyMatrix4(m.matrixWorld);
          box.expandByPoint(v);
          found = true;
        }
        continue;
      }
      for (let i = 0; i < ids.count; i++) {
        if (!matches(Math.round(ids.getX(i)))) continue;
        v.fromBufferAttribute(pos, i).applyMatrix4(m.matrixWorld);
        box.expandByPoint(v);
        found = true;
      }
    }
    return found ? box : null;
  }

  /**
   * Screen position (CSS pixels in the canvas) of a point on the object `idx`: the centre of its
   * lowest surface (a spot a click hits from above: room floors) or of its top (roofs). Null when
   * nothing of it is drawn or it is off screen.
   */
  screenPositionOf(idx: number, canvas: { width: number; height: number }, at: 'bottom' | 'top' = 'bottom'): { x: number; y: number } | null {
    const b = this.boundsOf(idx);
    if (!b || !this.camera) return null;
    this.camera.updateMatrixWorld();
    const y = at === 'top' ? b.max.y - 0.05 : b.min.y + 0.05;
    const p = new Vector3((b.min.x + b.max.x) / 2, y, (b.min.z + b.max.z) / 2).project(this.camera);
    if (p.z > 1 || Math.abs(p.x) > 1 || Math.abs(p.y) > 1) return null;
    return { x: ((p.x + 1) / 2) * canvas.width, y: ((1 - p.y) / 2) * canvas.height };
  }

  /** Flies the camera to frame `idx` (factor = distance / bounding radius). */
  frame(idx: number, factor = 1.8): void {
    const b = this.boundsOf(idx);
    if (b) this.frameBox(b, factor);
  }

  /** Frames the whole loaded park. */
  frameAll(): void {
    const b = new Box3();
    if (this.tilesRoot) b.setFromObject(this.tilesRoot);
    if (!b.isEmpty()) this.frameBox(b, 1.1);
  }

  /** Starts a smooth flight to look at `box` from the south-east, above. */
  frameBox(box: Box3, factor: number, ms = 700): void {
    if (!this.camera || !this.controls) return;
    const center = box.getCenter(new Vector3());
    const radius = Math.max(10, box.getSize(new Vector3()).length() / 2);
    const dir = new Vector3(0.55, 0.75, 0.65).normalize();
    const toPos = center.clone().addScaledVector(dir, radius * factor * 1.6);
    this.flyTo(toPos, center, ms);
  }

  /** Flies to a camera position and orbit target; ms = 0 jumps. */
  flyTo(pos: Vector3, target: Vector3, ms = 700): void {
    if (!this.camera || !this.controls) return;
    this.flight = { fromPos: this.camera.position.clone(), fromTarget: this.controls.target.clone(), toPos: pos.clone(), toTarget: target.clone(), t0: performance.now(), ms };
    this.invalidate();
  }

  /** Advances a flight; called from useFrame. Returns true while flying. */
  stepFlight(now: number): boolean {
    const f = this.flight;
    if (!f || !this.camera || !this.controls) return false;
    const t = f.ms <= 0 ? 1 : Math.min(1, (now - f.t0) / f.ms);
    const e = t < 0.5 ? 4 * t * t * t : 1 - (-2 * t + 2) ** 3 / 2; // ease in-out cubic
    this.camera.position.lerpVectors(f.fromPos, f.toPos, e);
    this.controls.target.lerpVectors(f.fromTarget, f.toTarget, e);
    this.controls.update();
    if (t >= 1) this.flight = null;
    this.invalidate();
    return this.flight !== null;
  }
}
