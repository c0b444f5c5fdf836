/**
 * Local geometry for the generator: the park is laid out in metres on a local east-north plane
 * around park.origin and converted to EPSG:4326 only when written. Geometry leaves here as hex
 * EWKB built byte by byte, so both backends store exactly the same coordinates.
 */

/** A point on the local plane, metres east (x) and north (y) of the park origin. */
export interface XY {
  readonly x: number;
  readonly y: number;
}

/** An axis-aligned rectangle on the local plane. */
export interface Rect {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** A polygon: outer ring counter-clockwise, holes clockwise; rings are not closed here. */
export interface Outline {
  readonly outer: readonly XY[];
  readonly holes: readonly (readonly XY[])[];
}

/** A rectangle from its corners. */
export const rect = (x0: number, y0: number, x1: number, y1: number): Rect => ({ x0, y0, x1, y1 });
/** Width (east-west extent) of a rectangle. */
export const rectW = (r: Rect): number => r.x1 - r.x0;
/** Height (north-south extent) of a rectangle. */
export const rectH = (r: Rect): number => r.y1 - r.y0;
/** Area of a rectangle in m². */
export const rectArea = (r: Rect): number => rectW(r) * rectH(r);
/** Centre point of a rectangle. */
export const rectCenter = (r: Rect): XY => ({ x: (r.x0 + r.x1) / 2, y: (r.y0 + r.y1) / 2 });
/** The rectangle shrunk by d on every side (grown when d is negative). */
export const insetRect = (r: Rect, d: number): Rect => rect(r.x0 + d, r.y0 + d, r.x1 - d, r.y1 - d);

/** The counter-clockwise ring of a rectangle. */
export function rectRing(r: Rect): XY[] {
  return [
    { x: r.x0, y: r.y0 },
    { x: r.x1, y: r.y0 },
    { x: r.x1, y: r.y1 },
    { x: r.x0, y: r.y1 },
  ];
}

/** Signed shoelace area (positive = counter-clockwise). */
export function signedArea(ring: readonly XY[]): number {
  let s = 0;
  for (let i = 0; i < ring.length; i++) {
    const a = ring[i]!;
    const b = ring[(i + 1) % ring.length]!;
    s += a.x * b.y - b.x * a.y;
  }
  return s / 2;
}

/** The ring turned to the wanted orientation. */
export function orient(ring: readonly XY[], ccw: boolean): XY[] {
  const isCcw = signedArea(ring) > 0;
  return isCcw === ccw ? [...ring] : [...ring].reverse();
}

/** Area in m² of an outline (outer minus holes). */
export function outlineArea(o: Outline): number {
  return Math.abs(signedArea(o.outer)) - o.holes.reduce((s, h) => s + Math.abs(signedArea(h)), 0);
}

/** Bounding rectangle of a set of points. */
export function bbox(points: readonly XY[]): Rect {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const p of points) {
    x0 = Math.min(x0, p.x);
    y0 = Math.min(y0, p.y);
    x1 = Math.max(x1, p.x);
    y1 = Math.max(y1, p.y);
  }
  return rect(x0, y0, x1, y1);
}

const WGS84_A = 6378137;
const WGS84_E2 = 0.00669437999014;

/** Converts local metres to lon/lat around an origin (exact enough over a few km: < 1 cm error). */
export class LocalFrame {
  private readonly mPerDegLat: number;
  private readonly mPerDegLon: number;

  constructor(
    readonly lon0: number,
    readonly lat0: number,
  ) {
    const phi = (lat0 * Math.PI) / 180;
    const s2 = Math.sin(phi) ** 2;
    const m = (WGS84_A * (1 - WGS84_E2)) / (1 - WGS84_E2 * s2) ** 1.5; // meridian radius
    const n = WGS84_A / Math.sqrt(1 - WGS84_E2 * s2); // prime vertical radius
    this.mPerDegLat = (m * Math.PI) / 180;
    this.mPerDegLon = (n * Math.cos(phi) * Math.PI) / 180;
  }

  /** [lon, lat] of a local point, rounded to 1e-9 degree (0.1 mm) so text forms stay short. */
  lonLat(p: XY): [number, number] {
    return [round9(this.lon0 + p.x / this.mPerDegLon), round9(this.lat0 + p.y / this.mPerDegLat)];
  }
}

const round9 = (v: number): number => Math.round(v * 1e9) / 1e9;

/** Rounds to a number of decimals (for heights and stored reals). */
export const roundTo = (v: number, decimals: number): number => {
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
};

const SRID = 4326;

class WkbWriter {
  private readonly buf: Buffer;
  private off = 0;
  constructor(size: number) {
    this.buf = Buffer.alloc(size);
  }
  u8(v: number) {
    this.buf.writeUInt8(v, this.off);
    this.off += 1;
  }
  u32(v: number) {
    this.buf.writeUInt32LE(v, this.off);
    this.off += 4;
  }
  f64(v: number) {
    this.buf.writeDoubleLE(v, this.off);
    this.off += 8;
  }
  hex(): string {
    return this.buf.toString('hex').toUpperCase();
  }
}

// EWKB type words: base type | 0x80000000 (has Z) | 0x20000000 (has SRID).
const EWKB_Z = 0x80000000;
const EWKB_SRID = 0x20000000;

/** Hex EWKB of a PointZ in EPSG:4326. */
export function ewkbPointZ(frame: LocalFrame, p: XY, z: number): string {
  const w = new WkbWriter(1 + 4 + 4 + 24);
  const [lon, lat] = frame.lonLat(p);
  w.u8(1);
  w.u32((1 | EWKB_Z | EWKB_SRID) >>> 0);
  w.u32(SRID);
  w.f64(lon);
  w.f64(lat);
  w.f64(z);
  return w.hex();
}

/** Hex EWKB of a LineStringZ in EPSG:4326. */
export function ewkbLineZ(frame: LocalFrame, pts: readonly { p: XY; z: number }[]): string {
  const w = new WkbWriter(1 + 4 + 4 + 4 + 24 * pts.length);
  w.u8(1);
  w.u32((2 | EWKB_Z | EWKB_SRID) >>> 0);
  w.u32(SRID);
  w.u32(pts.length);
  for (const { p, z } of pts) {
    const [lon, lat] = frame.lonLat(p);
    w.f64(lon);
    w.f64(lat);
    w.f64(z);
  }
  return w.hex();
}

/** Hex EWKB of a 2D Polygon in EPSG:4326 (rings closed here, outer CCW, holes CW). */
export function ewkbPolygon(frame: LocalFrame, o: Outline): string {
  const rings = [orient(o.outer, true), ...o.holes.map((h) => orient(h, false))];
  const size = 1 + 4 + 4 + 4 + rings.reduce((s, r) => s + 4 + 16 * (r.length + 1), 0);
  const w = new WkbWriter(size);
  w.u8(1);
  w.u32((3 | EWKB_SRID) >>> 0);
  w.u32(SRID);
  w.u32(rings.length);
  for (const r of rings) {
    w.u32(r.length + 1);
    for (const p of [...r, r[0]!]) {
      const [lon, lat] = frame.lonLat(p);
      w.f64(lon);
      w.f64(lat);
    }
  }
  return w.hex();
}
