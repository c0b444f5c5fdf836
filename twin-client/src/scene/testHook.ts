/**
 * `window.__twin`: a small, stable surface for browser tests and the scene bench to read state
 * and place the camera. Nothing here is needed by users; it only reads or drives the controller.
 */
import { Vector3, type Mesh, type Object3D } from 'three';
import { FRAME, LAYER_IDS, encodeFrame, decodeFrame, type LayerName, type StateRecord } from '@park-twin/layers';
import type { TwinController, LayerChoice } from './controller.ts';
import { FLAG } from './featureState.ts';
import { FEATURE_ATTRIBUTE } from './shaderPatch.ts';
import type { DrillState } from './hierarchy.ts';
import type { FrameStats } from './TwinCanvas.tsx';

/** The test hook's shape (see docs in the scene browser tests). */
export interface TwinTestHook {
  /** True once the tileset is loaded and no tile is downloading or parsing. */
  ready(): boolean;
  tilesLoaded(): number;
  drill(): DrillState;
  setDrill(d: DrillState): void;
  back(): void;
  layer(): LayerChoice;
  setLayer(l: LayerChoice): void;
  liveStatus(): string;
  /** The live layers the socket asks for (those the principal may read). */
  liveLayers(): string[];
  /** RGBA bytes of idx in the state texture. */
  texel(idx: number): number[];
  /** Page position (CSS px) of a point on the object (centre of its lowest surface or top), or null. */
  screenPositionOf(idx: number, at?: 'bottom' | 'top'): { x: number; y: number } | null;
  /** The idx a click at this page position would pick (same rules as a real click). */
  idxAt(x: number, y: number): number;
  /** Page positions of a 5x5 grid over the object's lowest surface (candidates for clicking it). */
  gridOf(idx: number): Array<{ x: number; y: number }>;
  /** World-space bounds of the object in the loaded tiles: [minX, minY, minZ, maxX, maxY, maxZ]. */
  boundsOf(idx: number): number[] | null;
  /** Places the camera (local metres, +Y up) looking at target; no animation. */
  setCamera(pos: [number, number, number], target: [number, number, number]): void;
  /** Current camera position and orbit target. */
  camera(): { pos: [number, number, number]; target: [number, number, number] } | null;
  frameObject(idx: number, factor?: number): void;
  frameAll(): void;
  /** Renders frames continuously for `ms`, applying `updatesPerSecond` synthetic records (bench). */
  measure(ms: number, updatesPerSecond: number, layer?: LayerName): Promise<{ frames: number; meanMs: number; medianMs: number; p95Ms: number; drawCalls: number; triangles: number; records: number; workMs: number; times: number[] }>;
  /**
   * Runs `n` whole frames back to back in one task (no waiting for the browser's next frame) and
   * returns each one's time as `measure` times it (useFrame work + flush + render + gl.finish).
   * Many frames in little wall time, so a loaded machine's preemptions hit fewer of them (bench).
   */
  burst(n: number): number[];
  stats(): { frames: number; drawCalls: number; triangles: number; uploadBytes: number; records: number };
  /** Re-tiles followed: notices heard, in-place patches, full reloads, tiles whose content changed, tileset URL. */
  tileUpdates(): TwinController['tileUpdates'];
  /** Content file names (no path) of the tiles whose content is loaded now. */
  loadedContent(): string[];
  /**
   * Per leaf of the park's tile tree (the key of its overview content, "r013"): the buildings drawn
   * now, i.e. with geometry in a tile the renderer shows (the leaf's overview or the building's own
   * tiles below it) and not hidden by the drill-down. Sorted idx lists.
   */
  drawnByLeaf(): Record<string, number[]>;
}

/** The renderer calls the hook makes (3d-tiles-renderer's TilesRenderer). */
interface TraversableTiles {
  visibleTiles?: Set<HookTile>;
  traverse(before: (t: { content?: { uri: string }; engineData?: { scene: unknown } }) => boolean | void, after: null, ensureFullyProcessed: boolean): void;
}

/** A tile as the hook reads it. */
interface HookTile {
  content?: { uri: string };
  parent?: HookTile | null;
  engineData?: { scene?: Object3D | null };
}

const LEAF_CONTENT = /(?:^|\/)overview-(r\d*)-[0-9a-f]+\.glb/;

/** Installs the hook; returns the uninstall function. */
export function installTestHook(ctl: TwinController, stats: FrameStats): () => void {
  const canvas = () => document.querySelector('canvas');
  const hook: TwinTestHook = {
    ready: () => {
      return Boolean(ctl.tilesRoot && ctl.tilesetReady && ctl.tilesLoaded > 0 && !ctl.flight && pendingTiles() === 0);
    },
    tilesLoaded: () => ctl.tilesLoaded,
    drill: () => ({ ...ctl.drill }),
    setDrill: (d) => ctl.setDrill(d, { fly: false }),
    back: () => ctl.back(),
    layer: () => ctl.layer,
    setLayer: (l) => ctl.setLayer(l),
    liveStatus: () => ctl.live?.status ?? 'none',
    liveLayers: () => ctl.live?.subscribedLayers ?? [],
    texel: (idx) => [...ctl.state.colour(idx), ctl.state.flags(idx)],
    screenPositionOf: (idx, at) => {
      const c = canvas();
      if (!c) return null;
      const p = ctl.screenPositionOf(idx, { width: c.clientWidth, height: c.clientHeight }, at);
      const r = c.getBoundingClientRect();
      return p ? { x: p.x + r.left, y: p.y + r.top } : null;
    },
    idxAt: (x, y) => {
      const c = canvas();
      if (!c) return 0;
      const r = c.getBoundingClientRect();
      return ctl.pickAtNdc(((x - r.left) / r.width) * 2 - 1, -((y - r.top) / r.height) * 2 + 1);
    },
    gridOf: (idx) => {
      const c = canvas();
      const b = ctl.boundsOf(idx);
      if (!c || !b || !ctl.camera) return [];
      const r = c.getBoundingClientRect();
      const out: Array<{ x: number; y: number }> = [];
      for (let i = 1; i <= 5; i++) {
        for (let j = 1; j <= 5; j++) {
          const p = new Vector3(b.min.x + ((b.max.x - b.min.x) * i) / 6, b.min.y + 0.05, b.min.z + ((b.max.z - b.min.z) * j) / 6).project(ctl.camera);
          out.push({ x: r.left + ((p.x + 1) / 2) * r.width, y: r.top + ((1 - p.y) / 2) * r.height });
        }
      }
      return out;
    },
    boundsOf: (idx) => {
      const b = ctl.boundsOf(idx);
      return b ? [...b.min.toArray(), ...b.max.toArray()] : null;
    },
    setCamera: (pos, target) => ctl.flyTo(new Vector3(...pos), new Vector3(...target), 0),
    camera: () => (ctl.camera && ctl.controls
      ? { pos: ctl.camera.position.toArray() as [number, number, number], target: ctl.controls.target.toArray() as [number, number, number] }
      : null),
    frameObject: (idx, factor) => {
      const b = ctl.boundsOf(idx);
      if (b) ctl.frameBox(b, factor ?? 1.5, 0);
    },
    frameAll: () => {
      ctl.frameAll();
      if (ctl.flight) ctl.flight.ms = 0;
    },
    async measure(ms, updatesPerSecond, layer = 'occupancy') {
      const ids = ctl.h ? Array.from(ctl.h.all) : [1];
      const id = LAYER_IDS[layer];
      stats.times.length = 0;
      stats.pendingWorkMs = 0;
      stats.measure = true;
      const start = performance.now();
      let last = start;
      let records = 0;
      let work = 0;
      let seq = 1_000_000;
      let k = 0;
      // Reused record objects: the synthetic source stands in for the server, so its garbage
      // (thousands of objects per frame) should not land in the client's frames as GC.
      const pool: StateRecord[] = [];
      await new Promise<void>((resolve) => {
        const tick = () => {
          const now = performance.now();
          const due = Math.round(((now - last) / 1000) * updatesPerSecond);
          if (due > 0) {
            // Through the real path: frame bytes -> decode -> store -> texture, as from the socket.
            while (pool.length < due) pool.push({ idx: 0, layer: id, status: 0, value: 0 });
            for (let i = 0; i < due; i++, k++) {
              const r = pool[i]!;
              r.idx = ids[k % ids.length]!;
              r.value = (k * 7) % 60;
            }
            const bytes = encodeFrame(FRAME.delta, 0, seq++, pool.length === due ? pool : pool.slice(0, due)); // the server's side, not timed
            const w0 = performance.now();
            ctl.store.apply(decodeFrame(bytes));
            const dw = performance.now() - w0;
            stats.pendingWorkMs += dw;
            work += dw;
            records += due;
            last = now;
          }
          ctl.invalidate();
          if (now - start < ms) requestAnimationFrame(tick);
          else resolve();
        };
        requestAnimationFrame(tick);
      });
      stats.measure = false;
      const ts = [...stats.times].sort((a, b) => a - b);
      const mean = ts.reduce((a, b) => a + b, 0) / Math.max(1, ts.length);
      const mid = ts.length >> 1;
      const medianMs = ts.length === 0 ? 0 : ts.length % 2 ? ts[mid]! : (ts[mid - 1]! + ts[mid]!) / 2;
      return { workMs: work / Math.max(1, ts.length), frames: ts.length, meanMs: mean, medianMs, p95Ms: ts[Math.floor(ts.length * 0.95)] ?? 0, drawCalls: stats.drawCalls, triangles: stats.triangles, records, times: ts };
    },
    burst: (n) => {
      if (!stats.advance) return [];
      stats.times.length = 0;
      stats.pendingWorkMs = 0;
      stats.measure = true;
      try {
        for (let i = 0; i < n; i++) stats.advance();
      } finally {
        stats.measure = false;
      }
      return [...stats.times];
    },
    tileUpdates: () => ({ ...ctl.tileUpdates }),
    loadedContent: () => {
      const out: string[] = [];
      (ctl.tilesRenderer as unknown as TraversableTiles | null)?.traverse((t) => {
        if (t.content?.uri && t.engineData?.scene) out.push(t.content.uri.split('/').pop()!);
      }, null, false);
      return out;
    },
    drawnByLeaf: () => {
      const out = new Map<string, Set<number>>();
      const h = ctl.h;
      const tiles = ctl.tilesRenderer as unknown as TraversableTiles | null;
      if (!h || !tiles?.visibleTiles) return {};
      for (const tile of tiles.visibleTiles) {
        const scene = tile.engineData?.scene;
        if (!scene) continue;
        let leaf: string | undefined;
        for (let t: HookTile | null | undefined = tile; t && !leaf; t = t.parent) leaf = LEAF_CONTENT.exec(t.content?.uri ?? '')?.[1];
        if (!leaf) continue;
        const set = out.get(leaf) ?? new Set<number>();
        out.set(leaf, set);
        scene.traverse((o) => {
          const m = o as Mesh;
          const ids = m.isMesh && m.visible ? m.geometry.getAttribute(FEATURE_ATTRIBUTE) : undefined;
          if (!ids) return;
          for (let i = 0; i < ids.count; i++) {
            const id = Math.round(ids.getX(i));
            const b = id > 0 && id < h.size ? (h.kindOf(id) === 'building' ? id : h.buildingOf[id]!) : 0;
            if (b > 0 && !(ctl.state.flags(b) & FLAG.hidden)) set.add(b);
          }
        });
      }
      return Object.fromEntries([...out].map(([k, v]) => [k, [...v].sort((a, b) => a - b)]));
    },
    stats: () => ({ frames: stats.frames, drawCalls: stats.drawCalls, triangles: stats.triangles, uploadBytes: ctl.state.lastUploadBytes, records: ctl.store.applied }),
  };
  const pendingTiles = (): number => {
    const t = ctl.tilesRenderer;
    if (!t) return 1;
    const st = t.stats ?? { queued: 0, downloading: 0, parsing: 0 };
    return st.queued + st.downloading + st.parsing + (t.loadProgress < 1 ? 1 : 0);
  };
  (window as unknown as { __twin?: TwinTestHook }).__twin = hook;
  return () => {
    delete (window as unknown as { __twin?: TwinTestHook }).__twin;
  };
}
