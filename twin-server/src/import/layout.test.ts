import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { metresPerDegree, minAreaRect, planCells, type Pt } from './layout.ts';
import { editDistance, suggest } from './problems.ts';
import { KNOWN_PROPERTIES } from './geojson.ts';

/** A w x h rectangle turned by `deg` around (x0, y0), as a closed ring. */
function rotatedRect(w: number, h: number, deg: number, x0 = 0, y0 = 0): Pt[] {
  const a = (deg * Math.PI) / 180;
  const pts: Pt[] = ([[0, 0], [w, 0], [w, h], [0, h]] as Pt[]).map(([x, y]) => [x0 + x * Math.cos(a) - y * Math.sin(a), y0 + x * Math.sin(a) + y * Math.cos(a)]);
  return [...pts, pts[0]!];
}

describe('unit layout', () => {
  it('finds the oriented box of any turned rectangle, long side first', () => {
    fc.assert(fc.property(fc.double({ min: 5, max: 300, noNaN: true }), fc.double({ min: 5, max: 300, noNaN: true }), fc.double({ min: 0, max: 360, noNaN: true }),
      (w, h, deg) => {
        const b = minAreaRect(rotatedRect(w, h, deg, 17, -4));
        expect(b.maxU - b.minU).toBeCloseTo(Math.max(w, h), 6);
        expect(b.maxV - b.minV).toBeCloseTo(Math.min(w, h), 6);
      }));
  });

  it('chooses the corridor type by width and numbers units around it', () => {
    const { kx, ky } = metresPerDegree(30.28);
    const toLonLat = (r: Pt[]): Pt[] => r.map(([x, y]) => [120.1 + x / kx, 30.28 + y / ky]);
    const wide = planCells(toLonLat(rotatedRect(60, 20, 15)));
    expect(wide.kind).toBe('double-loaded');
    expect(wide.length).toBeCloseTo(60, 1);
    expect(wide.width).toBeCloseTo(20, 1);
    expect(wide.corridor).toHaveLength(1);
    expect(wide.units).toHaveLength(10); // 5 bays of 12 m on each side
    expect(planCells(toLonLat(rotatedRect(40, 10, 0))).kind).toBe('single-loaded');
    const open = planCells(toLonLat(rotatedRect(30, 6, 80)));
    expect(open.kind).toBe('open');
    expect(open.corridor).toHaveLength(0);
    // A huge floor stops at 49 bays a side, so unit numbers keep two digits.
    expect(planCells(toLonLat(rotatedRect(2000, 30, 0))).units).toHaveLength(98);
  });

  it('suggests the property a typo was meant to be, and nothing for unrelated words', () => {
    expect(editDistance('hieght', 'height')).toBe(2);
    expect(suggest('hieght', KNOWN_PROPERTIES)).toBe('height');
    expect(suggest('Floors', KNOWN_PROPERTIES)).toBe('floors');
    expect(suggest('floor-height', KNOWN_PROPERTIES)).toBe('floor_height');
    expect(suggest('colour', KNOWN_PROPERTIES)).toBeUndefined();
  });
});
