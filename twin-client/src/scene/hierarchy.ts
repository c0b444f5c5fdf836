/**
 * The park hierarchy by idx (from GET /api/twin/parks/:code/index) in typed arrays, and the
 * drill-down rules that turn "building / floor / selected" into state-texture flags.
 */
import { FLAG, type FeatureStateTexture } from './featureState.ts';
import type { ParkIndex } from '@park-twin/layers';

/** The JSON the server sends (the shared wire type from layers/). */
export type ParkIndexJson = ParkIndex;

export const KIND_CODES = ['', 'park', 'building', 'floor', 'room', 'equipment', 'pipe_node', 'pipe_segment', 'zone', 'enterprise'] as const;
export type KindName = Exclude<(typeof KIND_CODES)[number], ''>;

/** Typed-array view of the hierarchy; every array is indexed by idx. */
export class Hierarchy {
  readonly park: ParkIndexJson['park'];
  readonly size: number;
  readonly kind: Uint8Array;
  readonly parent: Int32Array;
  readonly level: Int16Array;
  /** The building an object is in (itself for a building), 0 for outdoor objects. */
  readonly buildingOf: Int32Array;
  readonly names: Map<number, { name: string; nameEn: string | null }>;
  readonly lease: Map<number, string>;
  /** All idx values present, ascending. */
  readonly all: Int32Array;

  /** Builds the arrays from the server JSON. */
  constructor(j: ParkIndexJson) {
    this.park = j.park;
    let max = j.park.idx;
    for (const i of j.idx) if (i > max) max = i;
    this.size = max + 1;
    this.kind = new Uint8Array(this.size);
    this.parent = new Int32Array(this.size);
    this.level = new Int16Array(this.size);
    this.buildingOf = new Int32Array(this.size);
    this.names = new Map();
    this.lease = new Map();
    this.all = Int32Array.from(j.idx);
    this.kind[j.park.idx] = KIND_CODES.indexOf('park');
    this.names.set(j.park.idx, { name: j.park.name, nameEn: j.park.nameEn });
    j.idx.forEach((idx, i) => {
      const k = KIND_CODES.indexOf(j.kind[i] as KindName);
      this.kind[idx] = k < 0 ? 0 : k;
      this.parent[idx] = j.parent[i] ?? 0;
      this.level[idx] = j.level[i] ?? 0;
      this.names.set(idx, { name: j.name[i] ?? '', nameEn: j.nameEn[i] ?? null });
      const l = j.lease[i];
      if (l) this.lease.set(idx, l);
    });
    const B = KIND_CODES.indexOf('building');
    for (const idx of this.all) {
      // Walk up to the building (at most equipment -> room -> floor -> building).
      let p = idx;
      for (let n = 0; n < 6 && p > 0 && this.kind[p] !== B; n++) p = this.parent[p]!;
      this.buildingOf[idx] = p > 0 && this.kind[p] === B ? p : 0;
    }
  }

  /** Kind name of idx, or undefined for unknown idx. */
  kindOf(idx: number): KindName | undefined {
    const k = idx < this.size ? this.kind[idx]! : 0;
    return k === 0 ? undefined : KIND_CODES[k] as KindName;
  }

  /** Floors of a building, ascending by level. */
  floorsOf(building: number): number[] {
    const F = KIND_CODES.indexOf('floor');
    const out: number[] = [];
    for (const i of this.all) if (this.kind[i] === F && this.parent[i] === building) out.push(i);
    return out.sort((a, b) => this.level[a]! - this.level[b]!);
  }

  /** The floor an object is on (itself for a floor), 0 if none. */
  floorOf(idx: number): number {
    const F = KIND_CODES.indexOf('floor');
    let p = idx;
    for (let n = 0; n < 4 && p > 0; n++) {
      if (this.kind[p] === F) return p;
      p = this.parent[p]!;
    }
    return 0;
  }

  /** Ancestors from the park down to idx itself. */
  pathTo(idx: number): number[] {
    const out: number[] = [];
    let p = idx;
    for (let n = 0; n < 8 && p > 0; n++) {
      out.unshift(p);
      if (p === this.park.idx) return out;
      p = this.parent[p]!;
    }
    if (out[0] !== this.park.idx) out.unshift(this.park.idx);
    return out;
  }
}

/** Where the user is in the drill-down; 0 = not set. */
export interface DrillState {
  building: number;
  floor: number;
  selected: number;
}

export const DRILL_NONE: DrillState = { building: 0, floor: 0, selected: 0 };

/**
 * Writes the drill-down into the state texture: with a building isolated every object outside it
 * fades; with a floor picked the building shell and everything on higher floors is hidden; the
 * selected object is highlighted. Runs on clicks only, so a full pass over the index is fine.
 */
export function applyDrill(state: FeatureStateTexture, h: Hierarchy, d: DrillState): void {
  state.clearFlagEverywhere(FLAG.faded | FLAG.hidden | FLAG.selected);
  if (d.building) {
    const floorLevel = d.floor ? h.level[d.floor]! : null;
    for (const idx of h.all) {
      if (h.buildingOf[idx] !== d.building) {
        state.setFlag(idx, FLAG.faded, true);
      } else if (floorLevel !== null && (idx === d.building || (h.level[idx]! > floorLevel && idx !== d.floor))) {
        state.setFlag(idx, FLAG.hidden, true);
      }
    }
  }
  if (d.selected) state.setFlag(d.selected, FLAG.selected, true);
}

/** One step back (Escape): selection, then floor, then building. */
export function drillBack(d: DrillState): DrillState {
  if (d.selected) return { ...d, selected: 0 };
  if (d.floor) return { ...d, floor: 0 };
  return DRILL_NONE;
}

/** The drill state after picking `idx` in the scene (or the breadcrumb / floor list). */
export function drillPick(h: Hierarchy, d: DrillState, idx: number): DrillState {
  const kind = h.kindOf(idx);
  switch (kind) {
    case 'building':
      return { building: idx, floor: 0, selected: 0 };
    case 'floor':
      return { building: h.buildingOf[idx]!, floor: idx, selected: 0 };
    case 'room':
    case 'equipment': {
      const b = h.buildingOf[idx]!;
      const f = h.floorOf(idx);
      // Picking inside the current building keeps the floor cut; elsewhere jump to the object's floor.
      return b ? { building: b, floor: f || (b === d.building ? d.floor : 0), selected: idx } : { ...d, selected: idx };
    }
    case 'park':
      return DRILL_NONE;
    case undefined:
      return d;
    default:
      return { ...d, selected: idx };
  }
}
