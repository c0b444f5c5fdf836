/**
 * `window.__ops`: what the maintenance view's browser test reads besides `window.__twin`: whether
 * the infrastructure tiles are loaded, the x-ray switch, the shown trace.
 */
import type { Box3 } from 'three';
import type { TwinController } from '../scene/controller.ts';
import type { InfraStatus } from './InfraTiles.tsx';
import type { TraceResult } from '@park-twin/layers';

/** The renderer calls the hook makes (3d-tiles-renderer's TilesRenderer). */
interface TraversableTiles {
  traverse(before: (t: { content?: { uri: string }; engineData?: { scene: unknown } }) => boolean | void, after: null, ensureFullyProcessed: boolean): void;
}

/** The hook's shape. */
export interface OpsTestHook {
  /** True once infra.json and its visible tiles are loaded. */
  infraReady(): boolean;
  /** Re-tiles the networks' renderer followed (patched in place or reloaded, tiles whose content changed) and tile loads so far. */
  infraUpdates(): InfraStatus['updates'] & { loads: number };
  /** Content file names (no path) of the network tiles whose content is loaded now. */
  infraLoaded(): string[];
  xray(): boolean;
  /** The trace on screen (API result), or null. */
  trace(): TraceResult | null;
  /** The networks (colours by depth) have arrived. */
  networks(): boolean;
  /** The section box: the chosen object's box and the widened one, as [minX, minY, minZ, maxX, maxY, maxZ]. */
  section(): { base: number[]; box: number[] } | null;
}

/** Installs the hook; returns the uninstall function. */
export function installOpsHook(
  ctl: TwinController, infra: InfraStatus,
  view: () => { xray: boolean; trace: TraceResult | null; networks: boolean; section: { base: Box3; box: Box3 } | null },
): () => void {
  const arr = (b: Box3) => [...b.min.toArray(), ...b.max.toArray()];
  const hook: OpsTestHook = {
    infraReady: () => {
      const t = infra.tiles;
      if (!t || !t.root || infra.loaded === 0) return false;
      const s = (t as unknown as { stats: unknown }).stats as { queued: number; downloading: number; parsing: number };
      return t.loadProgress >= 1 && s.queued + s.downloading + s.parsing === 0 && !ctl.flight;
    },
    infraUpdates: () => ({ ...infra.updates, loads: infra.loaded }),
    infraLoaded: () => {
      const out: string[] = [];
      (infra.tiles as unknown as TraversableTiles | null)?.traverse((t) => {
        if (t.content?.uri && t.engineData?.scene) out.push(t.content.uri.split('/').pop()!.split('?')[0]!);
      }, null, false);
      return out;
    },
    xray: () => view().xray,
    trace: () => view().trace,
    networks: () => view().networks,
    section: () => {
      const s = view().section;
      return s ? { base: arr(s.base), box: arr(s.box) } : null;
    },
  };
  (window as unknown as { __ops?: OpsTestHook }).__ops = hook;
  return () => {
    delete (window as unknown as { __ops?: OpsTestHook }).__ops;
  };
}
