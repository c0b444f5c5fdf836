/**
 * Park layout (road grid, blocks, lots, zones), building shapes, floors and the partition of
 * every floor into rooms. Shapes are unions of non-overlapping axis-aligned wings, so each room
 * is a rectangle inside one wing and therefore inside its floor's outline by construction.
 */
import { Rng } from './prng.ts';
import {
  bbox, insetRect, orient, outlineArea, rect, rectArea, rectCenter, rectH, rectRing, rectW, roundTo,
  type Outline, type Rect, type XY,
} from './geo.ts';
import { BUILDING_PREFIX, ROOM_NAMES, USE_NAMES } from './catalog.ts';
import type { BuildingObj, BuildingUse, FloorObj, PlannedUse, RoomObj, RoomUse, ZoneObj } from './model.ts';

const BLOCK_W = 200;
const BLOCK_H = 160;
const ROAD = 24;
const SETBACK = 8;
const LANE = 12;

/** Road grid and blocks of the park, in local metres centred on the origin. */
export interface Layout {
  cols: number;
  rows: number;
  /** Centre lines of the north-south roads, west to east (cols + 1). */
  xs: number[];
  /** Centre lines of the east-west roads, south to north (rows + 1). */
  ys: number[];
  boundary: Rect;
  blocks: Block[];
  /** Index into xs of the road that leads to the main (south) gate. */
  gateRoad: number;
}

/** What a block of the grid holds. */
export type BlockKind = 'build' | 'plaza' | 'green' | 'reserve';
type Profile = 'rd' | 'office' | 'industrial' | 'digital';

/** One block between four roads. */
export interface Block {
  kind: BlockKind;
  col: number;
  row: number;
  r: Rect;
  letter: string;
  profile: Profile | null;
  zone: ZoneObj | null;
  buildings: BuildingObj[];
  /** Surface parking strip along the north edge (build blocks only). */
  parking: Rect | null;
}

const PROFILES: readonly Profile[] = ['rd', 'office', 'industrial', 'digital'];
/** Lot uses per profile, lots in order SW, SE, NW, NE. */
const LOT_USES: Record<Profile, readonly BuildingUse[]> = {
  rd: ['research', 'utility', 'research', 'incubator'],
  office: ['office', 'office', 'amenity', 'mixed'],
  industrial: ['industrial', 'industrial', 'research', 'office'],
  digital: ['data_center', 'office', 'incubator', 'amenity'],
};
const PLANNED: Record<Profile, PlannedUse> = { rd: 'research', office: 'commercial', industrial: 'industrial', digital: 'research' };

/** Block letters: A..Z, then AA, AB, ... */
function blockLetter(i: number): string {
  const L = 'ABCDEFGHJKLMNPQRSTUVWXYZ'; // no I or O in building codes
  return i < L.length ? L[i]! : L[Math.floor(i / L.length) - 1]! + L[i % L.length]!;
}

/** Plans the road grid and which block holds what, for a target number of buildings. */
export function planLayout(targetBuildings: number): Layout {
  const nb = Math.max(1, Math.ceil(targetBuildings / 4));
  const greens = Math.floor(nb / 7);
  const total = nb + greens + (nb >= 2 ? 2 : 0);
  const cols = Math.ceil(Math.sqrt(total * 1.3));
  const rows = Math.ceil(total / cols);
  const pitchX = BLOCK_W + ROAD;
  const pitchY = BLOCK_H + ROAD;
  const xs = Array.from({ length: cols + 1 }, (_, i) => roundTo(i * pitchX - (cols * pitchX) / 2, 3));
  const ys = Array.from({ length: rows + 1 }, (_, j) => roundTo(j * pitchY - (rows * pitchY) / 2, 3));
  const m = ROAD / 2 + 14;
  const boundary = rect(xs[0]! - m, ys[0]! - m, xs[cols]! + m, ys[rows]! + m);
  const center = Math.floor(rows / 2) * cols + Math.floor(cols / 2);
  const blocks: Block[] = [];
  let built = 0;
  let greensLeft = greens;
  let letter = 0;
  let profile = 0;
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < cols; col++) {
      const i = row * cols + col;
      const r = rect(xs[col]! + ROAD / 2, ys[row]! + ROAD / 2, xs[col + 1]! - ROAD / 2, ys[row + 1]! - ROAD / 2);
      let kind: BlockKind;
      if (nb >= 2 && i === center) kind = 'plaza';
      else if (greensLeft > 0 && i % 7 === 3) {
        kind = 'green';
        greensLeft--;
      } else if (built < nb) {
        kind = 'build';
        built++;
      } else kind = 'reserve';
      const b: Block = {
        kind, col, row, r, letter: blockLetter(letter++), profile: null, zone: null, buildings: [], parking: null,
      };
      if (kind === 'build') {
        b.profile = PROFILES[profile++ % PROFILES.length]!;
        b.parking = rect(r.x0 + 14, r.y1 - 6.5, r.x1 - 14, r.y1 - 1);
      }
      blocks.push(b);
    }
  }
  return { cols, rows, xs, ys, boundary, blocks, gateRoad: Math.floor(cols / 2) };
}

/** The four lots of a block (SW, SE, NW, NE), inside the setback and either side of the lanes. */
export function blockLots(b: Block): Rect[] {
  const inner = insetRect(b.r, SETBACK);
  const w = (rectW(inner) - LANE) / 2;
  const h = (rectH(inner) - LANE - 6) / 2; // 6 m kept free for the north parking strip
  const x0 = inner.x0;
  const y0 = inner.y0;
  return [
    rect(x0, y0, x0 + w, y0 + h),
    rect(x0 + w + LANE, y0, x0 + 2 * w + LANE, y0 + h),
    rect(x0, y0 + h + LANE, x0 + w, y0 + 2 * h + LANE),
    rect(x0 + w + LANE, y0 + h + LANE, x0 + 2 * w + LANE, y0 + 2 * h + LANE),
  ];
}

type ShapeKind = 'slab' | 'L' | 'U' | 'courtyard' | 'tower' | 'box';

interface Shape {
  kind: ShapeKind;
  outline: Outline;
  wings: Rect[];
  tower: { outline: Outline; wings: Rect[] } | null;
}

function twoWings(r: Rect): Rect[] {
  if (rectH(r) <= 28) return [r];
  const my = roundTo((r.y0 + r.y1) / 2, 3);
  return [rect(r.x0, r.y0, r.x1, my), rect(r.x0, my, r.x1, r.y1)];
}

/** A shape in a local frame with its lower-left bbox corner at (0, 0). */
function makeShape(rng: Rng, kind: ShapeKind, maxW: number, maxH: number): Shape {
  const W = roundTo(Math.min(maxW, rng.range(56, 78)), 1);
  switch (kind) {
    case 'slab': {
      const H = roundTo(rng.range(18, 22), 1);
      const r = rect(0, 0, roundTo(Math.min(maxW, rng.range(50, 76)), 1), H);
      return { kind, outline: { outer: rectRing(r), holes: [] }, wings: [r], tower: null };
    }
    case 'L': {
      const H = roundTo(Math.min(maxH, rng.range(42, 56)), 1);
      const d = roundTo(rng.range(16, 20), 1);
      return {
        kind,
        outline: { outer: [{ x: 0, y: 0 }, { x: W, y: 0 }, { x: W, y: d }, { x: d, y: d }, { x: d, y: H }, { x: 0, y: H }], holes: [] },
        wings: [rect(0, 0, W, d), rect(0, d, d, H)],
        tower: null,
      };
    }
    case 'U': {
      const H = roundTo(Math.min(maxH, rng.range(44, 56)), 1);
      const d = roundTo(rng.range(16, 18), 1);
      return {
        kind,
        outline: {
          outer: [{ x: 0, y: 0 }, { x: W, y: 0 }, { x: W, y: H }, { x: W - d, y: H }, { x: W - d, y: d }, { x: d, y: d }, { x: d, y: H }, { x: 0, y: H }],
          holes: [],
        },
        wings: [rect(0, 0, W, d), rect(0, d, d, H), rect(W - d, d, W, H)],
        tower: null,
      };
    }
    case 'courtyard': {
      const H = roundTo(Math.min(maxH, rng.range(50, 58)), 1);
      const d = roundTo(rng.range(15, 17), 1);
      return {
        kind,
        outline: { outer: rectRing(rect(0, 0, W, H)), holes: [rectRing(rect(d, d, W - d, H - d))] },
        wings: [rect(0, 0, W, d), rect(0, H - d, W, H), rect(0, d, d, H - d), rect(W - d, d, W, H - d)],
        tower: null,
      };
    }
    case 'tower': {
      const H = roundTo(Math.min(maxH, rng.range(40, 50)), 1);
      const podium = rect(0, 0, W, H);
      const tw = roundTo(rng.range(34, 42), 1);
      const th = roundTo(rng.range(24, 28), 1);
      const tx = roundTo(rng.range(4, W - tw - 4), 1);
      const ty = roundTo((H - th) / 2, 1);
      const t = rect(tx, ty, tx + tw, ty + th);
      return {
        kind,
        outline: { outer: rectRing(podium), holes: [] },
        wings: twoWings(podium),
        tower: { outline: { outer: rectRing(t), holes: [] }, wings: [t] },
      };
    }
    case 'box': {
      const H = roundTo(Math.min(maxH, rng.range(32, 44)), 1);
      const r = rect(0, 0, W, H);
      return { kind, outline: { outer: rectRing(r), holes: [] }, wings: twoWings(r), tower: null };
    }
  }
}

/** Mirrors a shape (in its W x H frame) and moves it to (dx, dy). */
function placeShape(s: Shape, W: number, H: number, fx: boolean, fy: boolean, dx: number, dy: number): Shape {
  const p = (q: XY): XY => ({ x: roundTo((fx ? W - q.x : q.x) + dx, 3), y: roundTo((fy ? H - q.y : q.y) + dy, 3) });
  const r = (q: Rect): Rect => {
    const a = p({ x: q.x0, y: q.y0 });
    const b = p({ x: q.x1, y: q.y1 });
    return rect(Math.min(a.x, b.x), Math.min(a.y, b.y), Math.max(a.x, b.x), Math.max(a.y, b.y));
  };
  const o = (q: Outline): Outline => ({ outer: orient(q.outer.map(p), true), holes: q.holes.map((h) => orient(h.map(p), false)) });
  return {
    kind: s.kind,
    outline: o(s.outline),
    wings: s.wings.map(r),
    tower: s.tower ? { outline: o(s.tower.outline), wings: s.tower.wings.map(r) } : null,
  };
}

const SHAPES_BY_USE: Record<BuildingUse, readonly ShapeKind[]> = {
  research: ['L', 'U', 'courtyard', 'slab', 'L'],
  office: ['tower', 'slab', 'L', 'tower', 'U'],
  incubator: ['courtyard', 'L', 'slab', 'U'],
  industrial: ['box', 'slab', 'box'],
  data_center: ['box'],
  amenity: ['box', 'L'],
  utility: ['box'],
  mixed: ['tower', 'U', 'courtyard'],
  residential: ['slab'],
  commercial: ['box'],
  parking: ['box'],
};

interface FloorPlan {
  above: number;
  below: number;
  podiumFloors: number;
  ground: number;
  typical: number;
}

function floorPlan(rng: Rng, use: BuildingUse, shape: ShapeKind): FloorPlan {
  const h = (lo: number, hi: number) => roundTo(rng.range(lo, hi), 1);
  switch (use) {
    case 'office':
    case 'mixed':
      if (shape === 'tower') {
        const podium = rng.int(3, 4);
        return { above: podium + rng.int(11, 24), below: 2, podiumFloors: podium, ground: h(4.8, 5.4), typical: h(3.9, 4.2) };
      }
      return { above: rng.int(6, 12), below: rng.chance(0.8) ? 1 : 2, podiumFloors: 0, ground: h(4.8, 5.4), typical: h(3.9, 4.2) };
    case 'research':
      return { above: rng.int(4, 10), below: rng.chance(0.7) ? 1 : 0, podiumFloors: 0, ground: h(5.0, 5.4), typical: h(4.2, 4.5) };
    case 'incubator':
      return { above: rng.int(4, 8), below: rng.chance(0.5) ? 1 : 0, podiumFloors: 0, ground: h(4.5, 5.1), typical: h(3.9, 4.2) };
    case 'industrial':
      return { above: rng.int(3, 5), below: 0, podiumFloors: 0, ground: 5.4, typical: h(4.8, 5.4) };
    case 'data_center':
      return { above: rng.int(3, 4), below: 1, podiumFloors: 0, ground: 5.4, typical: 5.4 };
    case 'amenity':
      return { above: rng.int(2, 4), below: 1, podiumFloors: 0, ground: h(4.8, 5.4), typical: h(4.2, 4.8) };
    case 'utility':
      return { above: 2, below: 1, podiumFloors: 0, ground: 5.4, typical: 5.4 };
    default:
      return { above: rng.int(3, 6), below: 0, podiumFloors: 0, ground: 4.5, typical: 3.9 };
  }
}

/** What the room generator needs to know while partitioning a floor. */
interface FloorCtx {
  b: BuildingObj;
  f: FloorObj;
  rng: Rng;
  bay: number;
  baseRent: number;
  rooms: RoomObj[];
  newRoom: (f: FloorObj, r: Rect, use: RoomUse) => RoomObj;
}

/** A strip of a wing: [u0, u1] along the long axis by [v0, v1] across it. */
function wingRect(w: Rect, u0: number, u1: number, v0: number, v1: number): Rect {
  return rectW(w) >= rectH(w) ? rect(u0, w.y0 + v0, u1, w.y0 + v1) : rect(w.x0 + v0, u0, w.x0 + v1, u1);
}

/** Splits [a, b] into n bays whose last edge is exactly b. */
function bays(a: number, b: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i <= n; i++) out.push(i === n ? b : roundTo(a + ((b - a) * i) / n, 3));
  return out;
}

const UNIT_USE: Record<BuildingUse, RoomUse> = {
  office: 'office', mixed: 'office', incubator: 'office', research: 'lab', industrial: 'workshop',
  data_center: 'data_center', amenity: 'office', utility: 'plant', residential: 'office', commercial: 'retail', parking: 'parking',
};

/** Partitions one wing of one floor into rooms. */
function partitionWing(c: FloorCtx, wing: Rect, wingNo: number): void {
  const { b, f, rng } = c;
  const horiz = rectW(wing) >= rectH(wing);
  const L = horiz ? rectW(wing) : rectH(wing);
  const D = horiz ? rectH(wing) : rectW(wing);
  const ua = horiz ? wing.x0 : wing.y0;
  const ub = horiz ? wing.x1 : wing.y1;
  const n = Math.max(2, Math.round(L / c.bay));
  const u = bays(ua, ub, n);
  const mid = Math.floor(n / 2);
  const hasCore = wingNo === 0 || L >= 30;
  const level = f.level;
  const top = level === b.floorsAbove;

  if (level < 0) {
    // Basements: full-depth bays; plant rooms at the ends, a core, parking in between.
    const plantBays = new Set<number>([0]);
    if (n >= 5 && level === -1) plantBays.add(n - 1);
    const allPlant = b.use === 'data_center' || b.use === 'utility';
    let run: number | null = null;
    const flush = (end: number) => {
      if (run !== null) c.newRoom(f, wingRect(wing, u[run]!, u[end]!, 0, D), 'parking');
      run = null;
    };
    for (let i = 0; i < n; i++) {
      if (hasCore && i === mid) {
        flush(i);
        c.newRoom(f, wingRect(wing, u[i]!, u[i + 1]!, 0, D), 'core');
      } else if (plantBays.has(i) || allPlant) {
        flush(i);
        c.newRoom(f, wingRect(wing, u[i]!, u[i + 1]!, 0, D), 'plant');
      } else if (run === null) run = i;
    }
    flush(n);
    return;
  }

  const doubleLoaded = D >= 13;
  const cw = doubleLoaded ? 2.4 : 1.8;
  const sides: [number, number][] = doubleLoaded
    ? [[0, roundTo(D / 2 - cw / 2, 3)], [roundTo(D / 2 + cw / 2, 3), D]]
    : [[cw, D]];
  const corridor: [number, number] = doubleLoaded ? [sides[0]![1], sides[1]![0]] : [0, cw];

  // Special bays per side; undefined bays become units.
  const special: (RoomUse | undefined)[][] = sides.map(() => new Array<RoomUse | undefined>(n).fill(undefined));
  const A = special[0]!;
  const B = special[special.length - 1]!;
  if (hasCore) {
    A[mid] = 'core';
    if (mid + 1 < n) A[mid + 1] = 'restroom';
  }
  const unitUse = UNIT_USE[b.use];
  let merge: RoomUse | null = null; // a use that takes a whole side (canteen, workshop hall)
  if (level === 1) {
    if (wingNo === 0) {
      if (mid - 1 >= 0) A[mid - 1] = 'lobby';
      if (mid - 2 >= 0 && n >= 6) A[mid - 2] = 'lobby';
      if (b.floorsBelow === 0 && doubleLoaded) B[0] = 'plant';
    }
    if (b.use === 'amenity' && wingNo === 0 && doubleLoaded) {
      for (let i = 0; i < n; i++) if (B[i] === undefined) B[i] = 'canteen';
    }
  } else {
    if (doubleLoaded && hasCore && B[mid] === undefined && rng.chance(0.6)) B[mid] = 'meeting';
    if (top && wingNo === 0 && B[0] === undefined && doubleLoaded) B[0] = 'plant';
    if (b.use === 'amenity' && level === 2 && wingNo === 0 && doubleLoaded) {
      for (let i = 0; i < n; i++) if (B[i] === undefined) B[i] = 'canteen';
    }
  }
  if (b.use === 'utility') merge = 'plant';
  if (b.use === 'industrial' && level <= 2) merge = 'workshop';

  // Corridor first so it is room 01 of the wing.
  c.newRoom(f, wingRect(wing, ua, ub, corridor[0], corridor[1]), 'corridor');
  sides.forEach(([v0, v1], s) => {
    const sp = special[s]!;
    let i = 0;
    while (i < n) {
      const fixed = sp[i];
      if (fixed) {
        // Adjacent bays with the same special use merge (lobby, canteen).
        let j = i + 1;
        while (j < n && sp[j] === fixed && (fixed === 'lobby' || fixed === 'canteen')) j++;
        c.newRoom(f, wingRect(wing, u[i]!, u[j]!, v0, v1), fixed);
        i = j;
        continue;
      }
      let j = i + 1;
      const span = merge ? n : rng.pick([1, 1, 1, 2, 2, 2, 3]);
      while (j < n && j - i < span && sp[j] === undefined) j++;
      let use: RoomUse = merge ?? unitUse;
      if (!merge && level === 1 && (b.use === 'office' || b.use === 'mixed' || b.use === 'amenity' || b.use === 'incubator')) {
        use = rng.chance(0.5) ? 'retail' : 'showroom';
      } else if (!merge && b.use === 'research' && rng.chance(0.3)) use = 'office';
      else if (!merge && b.use === 'industrial' && level === 1 && rng.chance(0.3)) use = 'storage';
      c.newRoom(f, wingRect(wing, u[i]!, u[j]!, v0, v1), use);
      i = j;
    }
  });
}

const LEASABLE_USES = new Set<RoomUse>(['office', 'lab', 'workshop', 'retail', 'showroom']);
const LEASABLE_BUILDINGS = new Set<BuildingUse>(['office', 'mixed', 'incubator', 'research', 'industrial', 'amenity']);
const PEOPLE_PER_M2: Partial<Record<RoomUse, number>> = {
  office: 1 / 8, lab: 1 / 12, workshop: 1 / 25, retail: 1 / 5, showroom: 1 / 10, canteen: 1 / 1.6, meeting: 1 / 2,
  lobby: 1 / 5, data_center: 1 / 100,
};

/** Everything the building step produces. */
export interface BuildingsOut {
  layout: Layout;
  buildings: BuildingObj[];
  floors: FloorObj[];
  rooms: RoomObj[];
  zones: ZoneObj[];
}

const emptyBase = () => ({ idx: 0, uuid: '', name: '', nameEn: null as string | null });

/** Lays out the park and generates its buildings, floors, rooms and zones. */
export function generateBuildings(seed: number, scale: number, asOfYear: number): BuildingsOut {
  const rng = new Rng(seed, 'buildings');
  const target = Math.max(2, Math.round(28 * scale));
  const layout = planLayout(target);
  const buildings: BuildingObj[] = [];
  const floors: FloorObj[] = [];
  const rooms: RoomObj[] = [];
  const zones: ZoneObj[] = [];
  const zone = (code: string, zoneType: ZoneObj['zoneType'], r: Outline, name: string, nameEn: string, plannedUse: PlannedUse | null = null): ZoneObj => {
    const z: ZoneObj = { ...emptyBase(), name, nameEn, code, zoneType, boundary: r, plannedUse, plotRatio: null };
    zones.push(z);
    return z;
  };
  zone('PERIMETER', 'perimeter', { outer: rectRing(layout.boundary), holes: [] }, '园区周界', 'Park perimeter', 'public');

  let built = 0;
  for (const blk of layout.blocks) {
    const ring = { outer: rectRing(blk.r), holes: [] };
    if (blk.kind === 'plaza') {
      blk.zone = zone(`BLK-${blk.letter}`, 'block', ring, `${blk.letter}地块 · 中央公园`, `Block ${blk.letter} (central park)`, 'green');
      blk.zone.plotRatio = 0;
      const c = rectCenter(blk.r);
      zone(`PLAZA-${blk.letter}`, 'plaza', { outer: rectRing(rect(c.x - 45, c.y - 35, c.x + 45, c.y + 35)), holes: [] }, '中央广场', 'Central plaza');
      zone(`GREEN-${blk.letter}W`, 'green', { outer: rectRing(rect(blk.r.x0 + 6, blk.r.y0 + 6, c.x - 52, blk.r.y1 - 6)), holes: [] }, '滨水绿地(西)', 'Waterside green (west)');
      zone(`GREEN-${blk.letter}E`, 'green', { outer: rectRing(rect(c.x + 52, blk.r.y0 + 6, blk.r.x1 - 6, blk.r.y1 - 6)), holes: [] }, '滨水绿地(东)', 'Waterside green (east)');
      continue;
    }
    if (blk.kind === 'green') {
      blk.zone = zone(`BLK-${blk.letter}`, 'block', ring, `${blk.letter}地块 · 生态绿地`, `Block ${blk.letter} (green)`, 'green');
      blk.zone.plotRatio = 0;
      zone(`GREEN-${blk.letter}`, 'green', { outer: rectRing(insetRect(blk.r, 6)), holes: [] }, `${blk.letter}区生态绿地`, `Green ${blk.letter}`);
      continue;
    }
    if (blk.kind === 'reserve') {
      blk.zone = zone(`BLK-${blk.letter}`, 'block', ring, `${blk.letter}地块 · 预留发展用地`, `Block ${blk.letter} (reserve)`, 'reserve');
      blk.zone.plotRatio = roundTo(rng.range(2.0, 3.5), 1); // planned, not yet built
      continue;
    }
    blk.zone = zone(`BLK-${blk.letter}`, 'block', ring, `${blk.letter}地块`, `Block ${blk.letter}`, PLANNED[blk.profile!]);
    zone(`PARK-${blk.letter}`, 'parking', { outer: rectRing(blk.parking!), holes: [] }, `${blk.letter}区地面停车场`, `Surface parking ${blk.letter}`);
    const lots = blockLots(blk);
    const uses = LOT_USES[blk.profile!];
    const prefix = rng.pick(BUILDING_PREFIX);
    const phaseYear = asOfYear - rng.int(2, 9);
    let lotNo = 0;
    for (const lot of lots) {
      if (built >= target) break;
      const use = uses[lotNo]!;
      lotNo++;
      built++;
      const shapeKind = rng.pick(SHAPES_BY_USE[use]);
      const maxW = rectW(lot) - 8;
      const maxH = rectH(lot) - 8;
      const raw = makeShape(rng, shapeKind, maxW, maxH);
      const bb = bbox(raw.outline.outer);
      const W = rectW(bb);
      const H = rectH(bb);
      const dx = roundTo(lot.x0 + 4 + rng.range(0, Math.max(0, rectW(lot) - 8 - W)), 1);
      const dy = roundTo(lot.y0 + 4 + rng.range(0, Math.max(0, rectH(lot) - 8 - H)), 1);
      const top = lotNo > 2; // north row: open sides face south towards the lane
      const shape = placeShape(raw, W, H, rng.chance(0.5), shapeKind === 'U' ? top : rng.chance(0.5), dx, dy);
      const plan = floorPlan(rng, use, shapeKind);
      const code = `${blk.letter}${lotNo}`;
      const box = bbox(shape.outline.outer);
      const touching = (side: 'w' | 'e' | 'n' | 's') =>
        shape.wings.find((w) => (side === 'w' ? w.x0 === box.x0 : side === 'e' ? w.x1 === box.x1 : side === 'n' ? w.y1 === box.y1 : w.y0 === box.y0))!;
      const laneSide = top ? 's' : 'n';
      const lw = touching(laneSide);
      const b: BuildingObj = {
        ...emptyBase(),
        name: `${code}栋 · ${prefix.zh}${USE_NAMES[use].zh}`,
        nameEn: `Building ${code} ${prefix.en} ${USE_NAMES[use].en}`,
        code,
        use,
        footprint: shape.outline,
        height: 0,
        floorsAbove: plan.above,
        floorsBelow: plan.below,
        year: phaseYear,
        floors: [],
        podium: { outline: shape.outline, wings: shape.wings.map((r) => ({ r })) },
        tower: shape.tower ? { outline: shape.tower.outline, wings: shape.tower.wings.map((r) => ({ r })) } : null,
        podiumFloors: shape.tower ? plan.podiumFloors : plan.above,
        service: {
          west: { x: roundTo(box.x0 - 1.5, 3), y: roundTo(rectCenter(touching('w')).y, 3) },
          east: { x: roundTo(box.x1 + 1.5, 3), y: roundTo(rectCenter(touching('e')).y, 3) },
          lane: { x: roundTo(rectCenter(lw).x, 3), y: roundTo(top ? box.y0 - 1.5 : box.y1 + 1.5, 3) },
        },
        districtCooling: false,
        hasCanteen: false,
        hasBoiler: use === 'utility' || use === 'amenity',
        zone: blk.zone,
        restrictedZone: null,
      };
      if (use === 'data_center' || use === 'utility') {
        b.restrictedZone = zone(`RST-${code}`, 'restricted', { outer: rectRing(insetRect(box, -3)), holes: [] }, `${code}栋安全管控区`, `Restricted area ${code}`);
      }
      blk.buildings.push(b);
      buildings.push(b);
      buildFloors(rng, b, plan, floors, rooms);
    }
    // Buildings in a block with an energy centre take chilled water from it.
    if (blk.buildings.some((x) => x.use === 'utility')) for (const x of blk.buildings) if (x.use !== 'utility') x.districtCooling = true;
    const site = rectArea(blk.r);
    const gfa = blk.buildings.reduce((s, x) => s + x.floors.filter((f) => f.level > 0).reduce((t, f) => t + outlineArea(f.footprint), 0), 0);
    blk.zone.plotRatio = roundTo(gfa / site, 2);
  }
  return { layout, buildings, floors, rooms, zones };
}

function buildFloors(rng: Rng, b: BuildingObj, plan: FloorPlan, floors: FloorObj[], rooms: RoomObj[]): void {
  const bay = roundTo(rng.range(7.8, 9.0), 1);
  const baseRent = roundTo(
    b.use === 'industrial' ? rng.range(38, 52) : b.use === 'research' ? rng.range(72, 98) : b.use === 'incubator' ? rng.range(50, 70) : rng.range(68, 95),
    0,
  );
  const levels: { level: number; elevation: number; height: number }[] = [];
  let e = 0;
  for (let l = 1; l <= plan.above; l++) {
    const h = l === 1 ? plan.ground : plan.typical;
    levels.push({ level: l, elevation: roundTo(e, 2), height: h });
    e += h;
  }
  b.height = roundTo(e, 2);
  let d = 0;
  for (let l = 1; l <= plan.below; l++) {
    const h = l === 1 ? 4.5 : 3.9;
    d += h;
    levels.push({ level: -l, elevation: roundTo(-d, 2), height: h });
  }
  levels.sort((p, q) => p.level - q.level);
  const newRoom = (f: FloorObj, r: Rect, use: RoomUse): RoomObj => {
    const no = f.rooms.length + 1;
    const lvl = f.level > 0 ? String(f.level) : `B${-f.level}`;
    const code = `${b.code}-${lvl}${String(no).padStart(2, '0')}`;
    const area = roundTo(rectArea(r), 2);
    const leasable = LEASABLE_BUILDINGS.has(b.use) && LEASABLE_USES.has(use);
    const ppl = PEOPLE_PER_M2[use];
    const rent = leasable
      ? roundTo(use === 'retail' ? baseRent * 1.8 : use === 'showroom' ? baseRent * 1.2 : baseRent + Math.max(0, f.level - 1) * 0.6, 2)
      : null;
    const room: RoomObj = {
      ...emptyBase(),
      name: `${code} ${ROOM_NAMES[use].zh}`,
      nameEn: `${code} ${ROOM_NAMES[use].en}`,
      floor: f,
      building: b,
      code,
      r,
      area,
      use,
      leasable,
      leaseStatus: leasable ? 'vacant' : 'not_leasable',
      rent,
      capacity: ppl ? Math.max(1, Math.floor(area * ppl)) : null,
    };
    f.rooms.push(room);
    rooms.push(room);
    return room;
  };
  for (const lv of levels) {
    const plate = lv.level > b.podiumFloors && b.tower ? b.tower : b.podium;
    const lvl = lv.level > 0 ? `${lv.level}F` : `B${-lv.level}`;
    const f: FloorObj = {
      ...emptyBase(),
      name: `${b.code}栋 ${lvl}`,
      nameEn: `Building ${b.code} ${lvl}`,
      building: b,
      level: lv.level,
      elevation: lv.elevation,
      height: lv.height,
      footprint: plate.outline,
      rooms: [],
    };
    b.floors.push(f);
    floors.push(f);
    const c: FloorCtx = { b, f, rng, bay, baseRent, rooms, newRoom };
    plate.wings.forEach((w, i) => partitionWing(c, w.r, i));
    if (f.rooms.some((r) => r.use === 'canteen')) b.hasCanteen = true;
  }
}
