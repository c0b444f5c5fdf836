/**
 * GPS and compass placement (issue 17, AR on site where available): a WGS84 position to the
 * park frame, and a compass heading to a yaw in it.
 *
 * The park frame is the one the tiles are drawn in: 3d-tiles-renderer's ReorientationPlugin puts
 * the park origin (lon, lat, h) at 0 with +Y up, +X west and +Z north (its "object frame"). A
 * position goes WGS84 -> ECEF -> east/north/up at the origin (exact, no flat-earth shortcut),
 * then x = -east, y = up, z = north.
 *
 * A heading is degrees clockwise from true north of the direction the phone's back camera looks.
 * In the park frame a yaw (about +Y, 0 looking along -Z, see placement.ts `yawOf`) looks along
 * (-sin yaw, 0, -cos yaw); north (+Z) is yaw pi, east (-X) is yaw pi/2: yaw = pi - heading.
 */

const A = 6378137;
const F = 1 / 298.257223563;
const E2 = F * (2 - F);
const DEG = Math.PI / 180;

/** A WGS84 point: degrees and metres above the ellipsoid. */
export interface GeoPoint {
  readonly lon: number;
  readonly lat: number;
  readonly h?: number;
}

/** Earth-centred, earth-fixed coordinates (metres) of a WGS84 point. */
export function ecef(p: GeoPoint): [number, number, number] {
  const lat = p.lat * DEG;
  const lon = p.lon * DEG;
  const h = p.h ?? 0;
  const s = Math.sin(lat);
  const n = A / Math.sqrt(1 - E2 * s * s);
  return [(n + h) * Math.cos(lat) * Math.cos(lon), (n + h) * Math.cos(lat) * Math.sin(lon), (n * (1 - E2) + h) * s];
}

/** East, north, up (metres) of `p` at `origin`. */
export function enu(origin: GeoPoint, p: GeoPoint): [number, number, number] {
  const [x0, y0, z0] = ecef(origin);
  const [x, y, z] = ecef(p);
  const dx = x - x0, dy = y - y0, dz = z - z0;
  const lat = origin.lat * DEG;
  const lon = origin.lon * DEG;
  const sl = Math.sin(lat), cl = Math.cos(lat), so = Math.sin(lon), co = Math.cos(lon);
  return [
    -so * dx + co * dy,
    -sl * co * dx - sl * so * dy + cl * dz,
    cl * co * dx + cl * so * dy + sl * dz,
  ];
}

/** Park-frame position (x west, y up, z north; metres) of a WGS84 point; `h` left out: on the origin's height. */
export function parkPoint(origin: GeoPoint, p: GeoPoint): [number, number, number] {
  const [e, n, u] = enu(origin, { ...p, h: p.h ?? origin.h ?? 0 });
  return [-e, u, n];
}

/** Park-frame yaw of a compass heading (degrees clockwise from north). */
export function yawOfHeading(headingDeg: number): number {
  const y = Math.PI - headingDeg * DEG;
  return Math.atan2(Math.sin(y), Math.cos(y));
}

/**
 * Compass heading (degrees, 0-360) of the direction the back of the device points, from a
 * DeviceOrientation reading that is absolute (alpha from north): the W3C DeviceOrientation
 * spec's worked formula. Null when the device lies flat (the back camera looks at the ground:
 * no heading).
 */
export function headingOfOrientation(alpha: number, beta: number, gamma: number): number | null {
  const x = beta * DEG, y = gamma * DEG, z = alpha * DEG;
  const cY = Math.cos(y), cZ = Math.cos(z);
  const sX = Math.sin(x), sY = Math.sin(y), sZ = Math.sin(z);
  const vx = -cZ * sY - sZ * sX * cY;
  const vy = -sZ * sY + cZ * sX * cY;
  if (Math.hypot(vx, vy) < 0.2) return null;
  const h = Math.atan2(vx, vy) / DEG;
  return (h + 360) % 360;
}

/** A GPS fix good enough to place by (accuracy in metres; worse than this is refused). */
export const GPS_MAX_ACCURACY_M = 25;
