/**
 * `window.__xr`: the XR view's state for browser tests and the bench (read-only, plus entering a
 * session and the marker survey). Pixels come from the XR framebuffer itself, read right after a
 * frame is drawn into it.
 */
import { Matrix4 } from 'three';
import type { XRStore } from '@react-three/xr';
import type { InfraStatus } from '../../ops/InfraTiles.tsx';
import type { XrPanel, XrState } from './xrState.ts';

/** A pending read of the XR framebuffer. */
export interface PixelProbe {
  want: boolean;
  resolve: ((p: { width: number; height: number; data: Uint8Array }) => void) | null;
}

/** The hook's shape. */
export interface XrTestHook {
  state(): { mode: string | null; presenting: boolean; placed: boolean; scale: number; resolution: [number, number]; selected: number; hitSource: boolean; hitError: string | null; lastHit: number[] | null };
  /** Requests a session; resolves with null once it runs, or the error message. */
  enter(mode: 'immersive-vr' | 'immersive-ar'): Promise<string | null>;
  exit(): Promise<void>;
  /** Statistics of the XR framebuffer's pixels after the next XR frame. */
  xrPixels(): Promise<{ width: number; height: number; distinct: number; lumaStd: number; nonBackground: number }>;
  /** The XR framebuffer after the next XR frame as a PNG data URL (both eyes, upright). */
  xrSnapshot(): Promise<string>;
  setMarker(position: [number, number, number], yaw: number): void;
  placeFromMarker(position: [number, number, number], yaw: number): void;
  /** Reference space -> park frame, column-major. */
  origin(): number[];
  /** The object's loaded bounds in the session's reference space (floor at y = 0): [minX, minY, minZ, maxX, maxY, maxZ]. */
  referenceBoundsOf(idx: number): number[] | null;
  panel(): XrPanel | null;
  /** Cameras the park tiles renderer computes screen-space error for, whether the XR camera is one, and its resolution there. */
  tilesCameras(): { count: number; xr: boolean; resolution: number[] | null };
  infraLoaded(): number;
  setScaleMode(on: boolean): void;
  /** Guided repair: the order, the step shown, the ticks, whether the panel is up and beside the equipment. */
  repair(): { id: number; current: number; done: boolean[]; busy: boolean; error: string | null; anchored: boolean; objectIdx: number };
  openRepair(id: number): Promise<void>;
  /** A repair panel button's centre in the session's reference space (null without a panel). */
  repairButton(id: 'prev' | 'done' | 'next'): number[] | null;
  /** The dig window's radius and centre (park frame), and whether the ground is cut at each park point. */
  dig(points: number[][]): { radius: number; centre: number[]; localClipping: boolean; cut: boolean[] } | null;
  setDig(radius: number): void;
  /** Places by GPS and compass now; null or the message shown. */
  placeByGeo(): Promise<string | null>;
  /** The compass heading the view holds (degrees), or null. */
  heading(): number | null;
  placedBy(): string | null;
}

/** Installs `window.__xr`; returns the uninstall function. */
export function installXrHook(xs: XrState, store: XRStore, probe: PixelProbe, infra: InfraStatus, placeByGeo: () => Promise<string | null>, heading: () => number | null): () => void {
  const hook: XrTestHook = {
    state: () => ({
      mode: xs.mode, presenting: Boolean(xs.session), placed: xs.placed, scale: xs.scale(), resolution: xs.xrResolution, selected: xs.selected,
      hitSource: Boolean(xs.hitSource), hitError: xs.hitError, lastHit: xs.lastHit ? [...xs.lastHit.position] : null,
    }),
    async enter(mode) {
      try {
        await (mode === 'immersive-ar' ? store.enterAR() : store.enterVR());
        return xs.session ? null : await new Promise<string | null>((resolve) => {
          const off = xs.subscribe(() => {
            if (xs.session) {
              off();
              resolve(null);
            }
          });
          setTimeout(() => { off(); resolve(xs.session ? null : 'no session after 30 s'); }, 30_000);
        });
      } catch (e) {
        return String(e);
      }
    },
    async exit() {
      await xs.session?.end();
    },
    async xrPixels() {
      const p = await new Promise<{ width: number; height: number; data: Uint8Array }>((resolve) => {
        probe.resolve = resolve;
        probe.want = true;
        xs.ctl.invalidate();
      });
      const d = p.data;
      const set = new Set<number>();
      let sl = 0;
      let sl2 = 0;
      let nonBg = 0;
      const n = d.length / 4;
      for (let i = 0; i < d.length; i += 4) {
        const r = d[i]!, g = d[i + 1]!, b = d[i + 2]!;
        set.add(((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3));
        const l = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        sl += l;
        sl2 += l * l;
        // The scene background is #070d18; anything clearly different is drawn content.
        if (Math.abs(r - 7) + Math.abs(g - 13) + Math.abs(b - 24) > 30) nonBg++;
      }
      const ml = sl / n;
      return { width: p.width, height: p.height, distinct: set.size, lumaStd: Math.sqrt(Math.max(0, sl2 / n - ml * ml)), nonBackground: nonBg / n };
    },
    async xrSnapshot() {
      const p = await new Promise<{ width: number; height: number; data: Uint8Array }>((resolve) => {
        probe.resolve = resolve;
        probe.want = true;
        xs.ctl.invalidate();
      });
      const c = document.createElement('canvas');
      c.width = p.width;
      c.height = p.height;
      const img = new ImageData(p.width, p.height);
      const row = p.width * 4;
      // GL rows run bottom up; opaque so the AR clear colour shows as black.
      for (let y = 0; y < p.height; y++) img.data.set(p.data.subarray((p.height - 1 - y) * row, (p.height - y) * row), y * row);
      for (let i = 3; i < img.data.length; i += 4) img.data[i] = 255;
      c.getContext('2d')!.putImageData(img, 0, 0);
      return c.toDataURL('image/png');
    },
    setMarker: (position, yaw) => {
      xs.marker = { position, yaw };
    },
    placeFromMarker: (position, yaw) => xs.placeFromMarker({ position, yaw }),
    origin: () => xs.origin.toArray(),
    referenceBoundsOf: (idx) => {
      const b = xs.ctl.boundsOf(idx);
      if (!b) return null;
      const r = b.clone().applyMatrix4(new Matrix4().copy(xs.origin).invert());
      return [...r.min.toArray(), ...r.max.toArray()];
    },
    panel: () => xs.panel,
    tilesCameras: () => {
      const t = xs.ctl.tilesRenderer as unknown as { cameras?: unknown[]; cameraMap?: Map<unknown, { x: number; y: number }> } | null;
      const res = xs.xrCamera ? t?.cameraMap?.get(xs.xrCamera) : undefined;
      return { count: t?.cameras?.length ?? 0, xr: Boolean(xs.xrCamera && t?.cameras?.includes(xs.xrCamera)), resolution: res ? [res.x, res.y] : null };
    },
    infraLoaded: () => infra.loaded,
    setScaleMode: (on) => xs.setScaleMode(on),
    repair: () => ({
      id: xs.repair.order?.id ?? 0, current: xs.repair.current, done: xs.repair.steps.map((s) => s.done), busy: xs.repair.busy, error: xs.repair.error,
      anchored: xs.repairAnchored, objectIdx: xs.repair.order?.objectIdx ?? 0,
    }),
    openRepair: (id) => xs.repair.open(id),
    repairButton: (id) => {
      const p = xs.repairButtonAt?.(id);
      return p ? p.applyMatrix4(new Matrix4().copy(xs.origin).invert()).toArray() : null;
    },
    dig: (points) => {
      const d = xs.digReadback?.();
      return d ? { radius: d.radius, centre: d.centre, localClipping: d.localClipping, cut: d.groundCutAt(points.map((p) => [p[0]!, p[1]!, p[2]!] as const)) } : null;
    },
    setDig: (r) => xs.setDig(r),
    placeByGeo,
    heading,
    placedBy: () => xs.placedBy,
  };
  (window as unknown as { __xr?: XrTestHook }).__xr = hook;
  return () => {
    delete (window as unknown as { __xr?: XrTestHook }).__xr;
  };
}
