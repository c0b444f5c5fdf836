/**
 * Where a third-party tileset goes in a park: the root transform served to clients (column-major
 * 4x4, tileset coordinates -> ECEF), from the tileset's own root transform, the park's frame and
 * the manual nudge. Pure math, no I/O.
 *
 *   georeferenced: P = E · T · E⁻¹ · Es · Rz · S · Es⁻¹ · R   (stays where its transform puts it)
 *   park:          P = E · T · Rz · S · Es⁻¹ · R              (its own origin moved to the park origin)
 *
 * E = the park's ENU -> ECEF frame, R = the tileset's root transform (identity when none), Es = the
 * ENU frame at R's origin (identity when R is not on the globe), T = the nudge east/north/up,
 * Rz = the heading (clockwise from north, about the layer's own up), S = the scale.
 */
import { enuFrame } from '../../tiler/enu.ts';

/** A column-major 4x4 matrix. */
export type Mat4 = number[];

const A = 6378137.0;
const F = 1 / 298.257223563;
const E2 = F * (2 - F);

/** Geodetic longitude, latitude (degrees) and ellipsoidal height of an ECEF point (Bowring, mm-exact near the surface). */
export function ecefToGeodetic(x: number, y: number, z: number): { lon: number; lat: number; h: number } {
  const b = A * (1 - F);
  const ep2 = (A * A - b * b) / (b * b);
  const p = Math.hypot(x, y);
  const th = Math.atan2(z * A, p * b);
  const lat = Math.atan2(z + ep2 * b * Math.sin(th) ** 3, p - E2 * A * Math.cos(th) ** 3);
  const n = A / Math.sqrt(1 - E2 * Math.sin(lat) ** 2);
  const h = p / Math.cos(lat) - n;
  return { lon: (Math.atan2(y, x) * 180) / Math.PI, lat: (lat * 180) / Math.PI, h };
}

/** a · b (column-major). */
export function mul(a: Mat4, b: Mat4): Mat4 {
  const o = new Array<number>(16).fill(0);
  for (let c = 0; c < 4; c++) for (let r = 0; r < 4; r++) {
    let s = 0;
    for (let k = 0; k < 4; k++) s += a[k * 4 + r]! * b[c * 4 + k]!;
    o[c * 4 + r] = s;
  }
  return o;
}

/** Inverse of an affine matrix (3x3 part invertible; last row 0 0 0 1). */
export function invertAffine(m: Mat4): Mat4 {
  // M[r][c] = m[c * 4 + r]; inverse of the 3x3 part by cofactors: inv[r][c] = cof[c][r] / det.
  const M = (r: number, c: number) => m[c * 4 + r]!;
  const cof = (r: number, c: number) => {
    const rs = [0, 1, 2].filter((x) => x !== r);
    const cs = [0, 1, 2].filter((x) => x !== c);
    const d = M(rs[0]!, cs[0]!) * M(rs[1]!, cs[1]!) - M(rs[0]!, cs[1]!) * M(rs[1]!, cs[0]!);
    return (r + c) % 2 === 0 ? d : -d;
  };
  const det = M(0, 0) * cof(0, 0) + M(0, 1) * cof(0, 1) + M(0, 2) * cof(0, 2);
  if (Math.abs(det) < 1e-300) throw new Error('transform is not invertible');
  const o: Mat4 = [...IDENTITY];
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) o[c * 4 + r] = cof(c, r) / det;
  const t = [m[12]!, m[13]!, m[14]!];
  for (let r = 0; r < 3; r++) o[12 + r] = -(o[r]! * t[0]! + o[4 + r]! * t[1]! + o[8 + r]! * t[2]!);
  return o;
}

export const IDENTITY: Mat4 = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
const translate = (x: number, y: number, z: number): Mat4 => [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, x, y, z, 1];
/** Rotation about +Z (up) by the heading, clockwise from north seen from above. */
const heading = (deg: number): Mat4 => {
  const r = (-deg * Math.PI) / 180;
  const c = Math.cos(r), s = Math.sin(r);
  return [c, s, 0, 0, -s, c, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
};
const scale = (k: number): Mat4 => [k, 0, 0, 0, 0, k, 0, 0, 0, 0, k, 0, 0, 0, 0, 1];

/** The manual nudge of a layer. */
export interface Nudge {
  readonly east: number;
  readonly north: number;
  readonly up: number;
  readonly heading: number;
  readonly scale: number;
}

/** Whether a root transform puts the tileset on the globe (ECEF translation at the earth's surface). */
export const onGlobe = (r: Mat4 | null): boolean => r !== null && Math.hypot(r[12]!, r[13]!, r[14]!) > 6_000_000;

/** Distance in metres between the tileset's root origin and the park origin (null when not on the globe). */
export function distanceFromPark(root: Mat4 | null, park: { lon: number; lat: number; h: number }): number | null {
  if (!root || !onGlobe(root)) return null;
  const e = enuFrame(park.lon, park.lat, park.h).originEcef;
  return Math.hypot(root[12]! - e[0], root[13]! - e[1], root[14]! - e[2]);
}

/** The root transform to serve for a layer. */
export function placement(root: Mat4 | null, park: { lon: number; lat: number; h: number }, anchor: 'georeferenced' | 'park', n: Nudge): Mat4 {
  const R = root ?? IDENTITY;
  const E = enuFrame(park.lon, park.lat, park.h).transform;
  let Es = IDENTITY;
  if (onGlobe(R)) {
    const g = ecefToGeodetic(R[12]!, R[13]!, R[14]!);
    Es = enuFrame(g.lon, g.lat, g.h).transform;
  }
  const local = mul(mul(heading(n.heading), scale(n.scale)), mul(invertAffine(Es), R));
  const T = translate(n.east, n.north, n.up);
  if (anchor === 'park') return mul(mul(E, T), local);
  return mul(mul(mul(E, T), invertAffine(E)), mul(Es, local));
}
