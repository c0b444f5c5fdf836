/** Frustum geometry in the park frame (+x west, +y up, +z north) and which cameras a drill-down shows. */
import { describe, expect, it } from 'vitest';
import { frustumGeometry, visibleCameras, type FrustumCamera } from './frustums.tsx';

const cam = (over: Partial<FrustumCamera>): FrustumCamera => ({
  idx: 1, code: 'C1', coverage: 'perimeter', east: 0, north: 0, up: 6, heading: 0, fovDeg: 90, rangeM: 20, building: null, floor: null, source: 'simulated', ...over,
});

/** The far-edge points (y below the apex) of a geometry's lines. */
function farPoints(lines: Float32Array): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let i = 0; i < lines.length; i += 3) if (lines[i + 1]! < 5.9) out.push([lines[i]!, lines[i + 1]!, lines[i + 2]!]);
  return out;
}

describe('camera frustums', () => {
  it('a camera looking east reaches east (-x) at its range, within its field of view, below its height', () => {
    const { lines, fill } = frustumGeometry([cam({ east: 100, north: 50, heading: 90, fovDeg: 60, rangeM: 20 })]);
    const far = farPoints(lines);
    expect(far.length).toBeGreaterThan(4);
    for (const [x, y, z] of far) {
      const de = -x - 100;
      const dn = z - 50;
      expect(Math.hypot(de, dn)).toBeCloseTo(20, 3);
      const bearing = (Math.atan2(de, dn) * 180) / Math.PI;
      expect(Math.abs(bearing - 90)).toBeLessThanOrEqual(30.001);
      expect(y).toBeCloseTo(4, 3);
    }
    expect(fill.length % 9).toBe(0);
    expect(fill.length / 9).toBe(4); // 60 degrees in 15 degree steps
  });

  it('a 360 degree camera is a full disc', () => {
    const { lines } = frustumGeometry([cam({ fovDeg: 360, rangeM: 10 })]);
    const bearings = farPoints(lines).map(([x, , z]) => Math.round((Math.atan2(-x, z) * 180) / Math.PI));
    expect(new Set(bearings.map((b) => Math.floor(((b + 360) % 360) / 90))).size).toBe(4);
  });

  it('shows outdoor cameras at park level and a drilled building\'s cameras of the shown floor', () => {
    const cams = [cam({ idx: 1 }), cam({ idx: 2, building: 10, floor: null }), cam({ idx: 3, building: 10, floor: 11 }), cam({ idx: 4, building: 10, floor: 12 }), cam({ idx: 5, building: 20, floor: 21 })];
    expect(visibleCameras(cams, { building: 0, floor: 0 }).map((c) => c.idx)).toEqual([1, 2]);
    expect(visibleCameras(cams, { building: 10, floor: 0 }).map((c) => c.idx)).toEqual([1, 2, 3, 4]);
    expect(visibleCameras(cams, { building: 10, floor: 12 }).map((c) => c.idx)).toEqual([1, 2, 4]);
  });
});
