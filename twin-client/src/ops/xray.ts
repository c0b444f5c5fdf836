/**
 * The x-ray look of the maintenance view, written into the feature-state texture (no material per
 * pipe): buildings, floors and rooms ghosted (see-through, not pickable); pipes coloured by
 * network and darkened with depth; closed valves red; a trace drawn white over dimmed networks.
 */
import { NETWORK_COLOURS, type NetworkName, type ParkNetworks } from '@park-twin/layers';
import { FLAG, type FeatureStateTexture } from '../scene/featureState.ts';
import type { Hierarchy } from '../scene/hierarchy.ts';

/** Colour of traced segments and nodes. */
export const TRACE_RGB = [255, 255, 255] as const;
/** Colour of closed valves (trace barriers). */
export const CLOSED_VALVE_RGB = [255, 60, 60] as const;
/** Depths (m) at which the depth shading starts and stops darkening. */
export const DEPTH_RANGE = [0.5, 4] as const;

const GHOSTED = new Set(['building', 'floor', 'room']);
const GREY = [150, 150, 150] as const;

/** Brightness factor for a depth: 1 at or above 0.5 m, down to 0.45 at 4 m and deeper. */
export function depthFactor(depth: number): number {
  const t = Math.min(1, Math.max(0, (depth - DEPTH_RANGE[0]) / (DEPTH_RANGE[1] - DEPTH_RANGE[0])));
  return 1 - 0.55 * t;
}

/** A network's colour shaded for `depth` (and dimmed by `dim`, e.g. while a trace is shown). */
export function networkColour(network: string, depth: number, dim = 1): [number, number, number] {
  const c = NETWORK_COLOURS[network as NetworkName] ?? GREY;
  const f = depthFactor(depth) * dim;
  return [Math.round(c[0] * f), Math.round(c[1] * f), Math.round(c[2] * f)];
}

/** Ghosts (or un-ghosts) every building, floor and room of the hierarchy; equipment and pipes stay solid. */
export function applyGhost(state: FeatureStateTexture, h: Hierarchy, on: boolean): void {
  if (!on) {
    state.clearFlagEverywhere(FLAG.ghost);
    return;
  }
  for (const idx of h.all) if (GHOSTED.has(h.kindOf(idx) ?? '')) state.setFlag(idx, FLAG.ghost, true);
}

/** A trace to draw: its segments and reached nodes. */
export interface TraceSet {
  segments: ReadonlySet<number>;
  nodes: ReadonlySet<number>;
}

/**
 * Writes the network colours: by network and depth; with a trace, traced objects white and the
 * rest at 35 %. Closed valves are always red, so barriers stand out.
 */
export function paintNetworks(state: FeatureStateTexture, nets: ParkNetworks, trace: TraceSet | null): void {
  const dim = trace ? 0.35 : 1;
  const s = nets.segments;
  for (let i = 0; i < s.idx.length; i++) {
    const idx = s.idx[i]!;
    const c = trace?.segments.has(idx) ? TRACE_RGB : networkColour(s.network[i]!, s.depth[i]!, dim);
    state.setColour(idx, c[0], c[1], c[2]);
  }
  const n = nets.nodes;
  for (let i = 0; i < n.idx.length; i++) {
    const idx = n.idx[i]!;
    const c = n.valveOpen[i] === false ? CLOSED_VALVE_RGB : trace?.nodes.has(idx) ? TRACE_RGB : networkColour(n.network[i]!, n.depth[i]!, dim * 0.8);
    state.setColour(idx, c[0], c[1], c[2]);
  }
}
