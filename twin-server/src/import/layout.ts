/**
 * Automatic unit layout: rectangles that partition a footprint's oriented bounding box into
 * units along a corridor. The cells are clipped to the real footprint in PostGIS
 * (ST_Intersection, GEOS, on both backends), so any outline, including L shapes and courtyards,
 * gets valid unit polygons inside it. Pure: no database, no Node APIs.
 */

export type Pt = [number, number];

/** Options of the layout. */
export interface LayoutOptions {
  /** Target unit width along the corridor (m). */
  readonly bay?: number;
  /** Cells stop at this many per side so unit codes keep two digits (301..399). */
  readonly maxBaysPerSide?: number;
}

/** Corridor and unit cells in lon/lat; the outer cells overhang the footprint and are clipped later. */
export interface CellPlan {
  readonly kind: 'double-loaded' | 'single-loaded' | 'open';
  /** Oriented bounding box of the footprint: length along the corridor and width across (m). */
  readonly length: number;
  readonly width: number;
  readonly corridor: Pt[][];
  /** In walking order: along one side of the corridor, then back along the other. */
  readonly units: Pt[][];
}

/** Widths below which a floor gets a single-loaded corridor, or no corridor at all (m). */
const DOUBLE_LOADED_MIN_WIDTH = 14;
const SINGLE_LOADED_MIN_WIDTH = 8;
const CORRIDOR_DOUBLE = 2.4;
const CORRIDOR_SINGLE = 1.8;
/** Overhang of the outer cells past the bounding box, so clipping happens on the real outline. */
const PAD = 1;

/** Metres per degree of longitude and latitude at a latitude (WGS 84 series, mm-level for buildings). */
export function metresPerDegree(latDeg: number): { kx: number; ky: number } {
  const p = (latDeg * Math.PI) / 180;
  return {
    kx: 111412.84 * Math.cos(p) - 93.5 * Math.cos(3 * p) + 0.118 * Math.cos(5 * p),
    ky: 111132.954 - 559.822 * Math.cos(2 * p) + 1.175 * Math.cos(4 * p),
  };
}

/** Convex hull (Andrew's monotone chain), counter-clockwise, no repeated end point. */
export function convexHull(points: readonly Pt[]): Pt[] {
  const pts = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (pts.length < 3) return pts;
  const cross = (o: Pt, a: Pt, b: Pt) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: Pt[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Pt[] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0) upper.pop();
    upper.push(p);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}

/** An oriented rectangle: axis u (the long side), v perpendicular, and extents along each. */
export interface OrientedBox {
  readonly u: Pt;
  readonly v: Pt;
  readonly minU: number;
  readonly maxU: number;
  readonly minV: number;
  readonly maxV: number;
}

/**
 * Minimum-area bounding rectangle of planar points (one hull edge is always flush with it),
 * with u along its longer side.
 */
export function minAreaRect(points: readonly Pt[]): OrientedBox {
  const hull = convexHull(points);
  let best: OrientedBox | undefined;
  let bestArea = Infinity;
  const edges = hull.length >= 2 ? hull.length : 1;
  for (let i = 0; i < edges; i++) {
    const a = hull[i] ?? [0, 0];
    const b = hull[(i + 1) % hull.length] ?? [1, 0];
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
    const u: Pt = len > 0 ? [(b[0] - a[0]) / len, (b[1] - a[1]) / len] : [1, 0];
    const v: Pt = [-u[1], u[0]];
    let minU = Infinity, maxU = -Infinity, minV = Infinity, maxV = -Infinity;
    for (const p of hull) {
      const pu = p[0] * u[0] + p[1] * u[1];
      const pv = p[0] * v[0] + p[1] * v[1];
      minU = Math.min(minU, pu); maxU = Math.max(maxU, pu);
      minV = Math.min(minV, pv); maxV = Math.max(maxV, pv);
    }
    const area = (maxU - minU) * (maxV - minV);
    if (area < bestArea - 1e-9) {
      bestArea = area;
      best = { u, v, minU, maxU, minV, maxV };
    }
  }
  const box = best!;
  if (box.maxV - box.minV <= box.maxU - box.minU) return box;
  // Turn the frame a quarter so u runs along the longer side; v = u rotated +90° keeps CCW order.
  return { u: box.v, v: [-box.v[1], box.v[0]], minU: box.minV, maxU: box.maxV, minV: -box.maxU, maxV: -box.minU };
}

/**
 * Plans the corridor and unit cells of a typical floor of the footprint whose outer ring is
 * given in lon/lat: wide floors get a central corridor with units on both sides, narrower ones a
 * corridor along one side, very narrow ones open units across the full width.
 */
export function planCells(outer: readonly Pt[], opts: LayoutOptions = {}): CellPlan {
  const bay = opts.bay ?? 12;
  const maxBays = opts.maxBaysPerSide ?? 49;
  const lon0 = outer.reduce((s, p) => s + p[0], 0) / outer.length;
  const lat0 = outer.reduce((s, p) => s + p[1], 0) / outer.length;
  const { kx, ky } = metresPerDegree(lat0);
  const local = outer.map((p): Pt => [(p[0] - lon0) * kx, (p[1] - lat0) * ky]);
  const box = minAreaRect(local);
  const toLonLat = (u: number, v: number): Pt => {
    const x = u * box.u[0] + v * box.v[0];
    const y = u * box.u[1] + v * box.v[1];
    return [lon0 + x / kx, lat0 + y / ky];
  };
  const rect = (u0: number, u1: number, v0: number, v1: number): Pt[] => {
    const a = toLonLat(u0, v0);
    return [a, toLonLat(u1, v0), toLonLat(u1, v1), toLonLat(u0, v1), a];
  };
  const length = box.maxU - box.minU;
  const width = box.maxV - box.minV;
  const n = Math.max(1, Math.min(maxBays, Math.round(length / bay)));
  // Shared cut positions: neighbouring cells get bit-identical edges, so no slivers between units.
  const cuts = Array.from({ length: n + 1 }, (_, k) => (k === 0 ? box.minU - PAD : k === n ? box.maxU + PAD : box.minU + (k * length) / n));
  const band = (v0: number, v1: number, reverse: boolean): Pt[][] => {
    const cells = cuts.slice(0, -1).map((u0, k) => rect(u0, cuts[k + 1]!, v0, v1));
    return reverse ? cells.reverse() : cells;
  };
  const uA = box.minU - PAD;
  const uB = box.maxU + PAD;
  if (width >= DOUBLE_LOADED_MIN_WIDTH) {
    const mid = (box.minV + box.maxV) / 2;
    const c0 = mid - CORRIDOR_DOUBLE / 2;
    const c1 = mid + CORRIDOR_DOUBLE / 2;
    return {
      kind: 'double-loaded', length, width,
      corridor: [rect(uA, uB, c0, c1)],
      units: [...band(box.minV - PAD, c0, false), ...band(c1, box.maxV + PAD, true)],
    };
  }
  if (width >= SINGLE_LOADED_MIN_WIDTH) {
    const c1 = box.minV + CORRIDOR_SINGLE;
    return {
      kind: 'single-loaded', length, width,
      corridor: [rect(uA, uB, box.minV - PAD, c1)],
      units: band(c1, box.maxV + PAD, false),
    };
  }
  return { kind: 'open', length, width, corridor: [], units: band(box.minV - PAD, box.maxV + PAD, false) };
}
