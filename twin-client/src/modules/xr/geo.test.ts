import { describe, expect, it } from 'vitest';
import { Euler, Quaternion } from 'three';
import { ecef, enu, headingOfOrientation, parkPoint, yawOfHeading } from './geo.ts';
import { yawOf } from './placement.ts';

const ORIGIN = { lon: 121.6, lat: 31.2, h: 5 };

describe('GPS and compass placement maths', () => {
  it('ECEF of known points (WGS84)', () => {
    const [x, y, z] = ecef({ lon: 0, lat: 0, h: 0 });
    expect(x).toBeCloseTo(6378137, 3);
    expect(Math.abs(y) + Math.abs(z)).toBeLessThan(1e-6);
    // The pole sits at the semi-minor axis b = a (1 - f).
    expect(ecef({ lon: 0, lat: 90, h: 0 })[2]).toBeCloseTo(6356752.314245, 3);
  });
  it('lon/lat to park metres: x west, y up, z north, distances as on the ellipsoid', () => {
    expect(parkPoint(ORIGIN, ORIGIN).map((v) => Math.abs(v) < 1e-6)).toEqual([true, true, true]);
    // One arc second north at 31.2 N is ~30.83 m (meridian radius of curvature), east ~26.48 m.
    const north = parkPoint(ORIGIN, { lon: ORIGIN.lon, lat: ORIGIN.lat + 1 / 3600 });
    expect(north[2]).toBeCloseTo(30.83, 1);
    expect(Math.abs(north[0])).toBeLessThan(1e-3);
    const east = parkPoint(ORIGIN, { lon: ORIGIN.lon + 1 / 3600, lat: ORIGIN.lat });
    expect(east[0]).toBeCloseTo(-26.48, 1);
    expect(Math.abs(east[2])).toBeLessThan(0.01);
    // 500 m out the ground curves down ~2 cm from the origin's tangent plane; height is kept.
    const far = parkPoint(ORIGIN, { lon: ORIGIN.lon, lat: ORIGIN.lat + 500 / 110900 });
    expect(far[1]).toBeLessThan(0);
    expect(far[1]).toBeGreaterThan(-0.05);
    expect(parkPoint(ORIGIN, { ...ORIGIN, h: 15 })[1]).toBeCloseTo(10, 6);
    // Round trip through ENU: east/north/up of a point 300 m NE and 12 m up.
    const p = enu(ORIGIN, { lon: ORIGIN.lon + 0.002, lat: ORIGIN.lat + 0.002, h: 17 });
    expect(Math.hypot(p[0], p[1])).toBeGreaterThan(250);
    expect(p[2]).toBeCloseTo(12, 1);
  });
  it('compass heading to park yaw: facing north looks along +Z, east along -X', () => {
    const look = (yaw: number) => [-Math.sin(yaw), -Math.cos(yaw)];
    const [nx, nz] = look(yawOfHeading(0));
    expect(nx).toBeCloseTo(0, 9);
    expect(nz).toBeCloseTo(1, 9);
    const [ex, ez] = look(yawOfHeading(90));
    expect(ex).toBeCloseTo(-1, 9);
    expect(ez).toBeCloseTo(0, 9);
    const [sx, sz] = look(yawOfHeading(180));
    expect(sz).toBeCloseTo(-1, 9);
    expect(sx).toBeCloseTo(0, 9);
    // Same convention as placement.ts: yawOf of that yaw's rotation gives it back.
    for (const h of [0, 45, 135, 200, 359]) {
      const y = yawOfHeading(h);
      expect(yawOf(new Quaternion().setFromEuler(new Euler(0, y, 0)))).toBeCloseTo(y, 9);
    }
  });
  it('DeviceOrientation (absolute) to heading: upright phone, alpha counter-clockwise from north', () => {
    expect(headingOfOrientation(0, 90, 0)).toBeCloseTo(0, 6);
    expect(headingOfOrientation(90, 90, 0)).toBeCloseTo(270, 6); // turned left (counter-clockwise) 90: west
    expect(headingOfOrientation(270, 90, 0)).toBeCloseTo(90, 6);
    expect(headingOfOrientation(30, 80, 0)).toBeCloseTo(330, 6);
    // Lying flat: the back camera looks down, no heading.
    expect(headingOfOrientation(123, 0, 0)).toBeNull();
  });
});
