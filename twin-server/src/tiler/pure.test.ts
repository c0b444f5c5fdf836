import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { enuFrame, geodeticToEcef } from './enu.ts';
import { MeshBuilder, extrudePolygon, tube } from './mesh.ts';
import { quadtree, boundingSquare, leafFor, type Item } from './subdivide.ts';
import { decodeEwkb, decodePoint } from './source.ts';

describe('WGS84 / ENU', () => {
  it('puts known points where geodesy says', () => {
    const [x, y, z] = geodeticToEcef(0, 0, 0);
    expect(x).toBeCloseTo(6378137, 3);
    expect(y).toBeCloseTo(0, 6);
    expect(z).toBeCloseTo(0, 6);
    expect(geodeticToEcef(0, 90, 0)[2]).toBeCloseTo(6356752.314245, 3); // polar radius
  });

  it('maps the origin to (0,0,0) and a point 100 m up to (0,0,100)', () => {
    const f = enuFrame(120.0865, 30.3012, 8);
    f.toLocal(120.0865, 30.3012, 0).forEach((v) => expect(v).toBeCloseTo(0, 6));
    const up = f.toLocal(120.0865, 30.3012, 100);
    expect(up[2]).toBeCloseTo(100, 6);
    // The transform applied to the local point gives its ECEF position.
    const m = f.transform;
    const p = f.toLocal(120.09, 30.305, 12);
    const ecef = [0, 1, 2].map((r) => m[r]! * p[0] + m[4 + r]! * p[1] + m[8 + r]! * p[2] + m[12 + r]!);
    const direct = geodeticToEcef(120.09, 30.305, 8 + 12);
    ecef.forEach((v, i) => expect(v).toBeCloseTo(direct[i]!, 3));
  });

  it('has a fast projector within 1 cm of the exact path across a 4 km park', () => {
    const f = enuFrame(116.3, 39.9, 50);
    const proj = f.projector();
    fc.assert(
      fc.property(fc.double({ min: -0.025, max: 0.025, noNaN: true }), fc.double({ min: -0.018, max: 0.018, noNaN: true }), (dl, dp) => {
        const [x, y] = proj(116.3 + dl, 39.9 + dp);
        const e = f.toLocal(116.3 + dl, 39.9 + dp, 0);
        return Math.hypot(x - e[0], y - e[1]) < 0.01;
      }),
    );
  });
});

describe('extrusion', () => {
  const winding = (b: MeshBuilder) => {
    // For every triangle: the normal implied by the CCW winding agrees with the stored vertex normal.
    let bad = 0;
    for (let t = 0; t < b.indexCount; t += 3) {
      const [i, j, k] = [b.indices[t]!, b.indices[t + 1]!, b.indices[t + 2]!];
      const P = (v: number) => [b.positions[v * 3]!, b.positions[v * 3 + 1]!, b.positions[v * 3 + 2]!];
      const a = P(i), c = P(j), d = P(k);
      const u = [c[0]! - a[0]!, c[1]! - a[1]!, c[2]! - a[2]!];
      const v = [d[0]! - a[0]!, d[1]! - a[1]!, d[2]! - a[2]!];
      const n = [u[1]! * v[2]! - u[2]! * v[1]!, u[2]! * v[0]! - u[0]! * v[2]!, u[0]! * v[1]! - u[1]! * v[0]!];
      const s = n[0]! * b.normals[i * 3]! + n[1]! * b.normals[i * 3 + 1]! + n[2]! * b.normals[i * 3 + 2]!;
      if (s <= 0) bad++;
    }
    return bad;
  };

  it('winds every face counter-clockwise from outside, whatever the input ring orientation', () => {
    for (const reverse of [false, true]) {
      const outer: [number, number][] = [[0, 0], [30, 0], [30, 30], [0, 30]];
      const hole: [number, number][] = [[10, 10], [20, 10], [20, 20], [10, 20]];
      const b = new MeshBuilder();
      extrudePolygon(b, [reverse ? [...outer].reverse() : outer, reverse ? hole : [...hole].reverse()], 0, 12);
      expect(b.triangleCount).toBeGreaterThan(8 * 2 + 8);
      expect(winding(b)).toBe(0);
    }
  });

  it('turns hole walls towards the courtyard and leaves the courtyard uncovered', () => {
    const b = new MeshBuilder();
    extrudePolygon(b, [[[0, 0], [30, 0], [30, 30], [0, 30]], [[10, 10], [20, 10], [20, 20], [10, 20]]], 0, 10);
    // Walls on the courtyard's west edge (x = 10) face into the courtyard (+x); the outer west wall (x = 0) faces -x.
    const facing = (wx: number) => {
      const out: number[] = [];
      for (let t = 0; t < b.indexCount; t += 3) {
        const vs = [b.indices[t]!, b.indices[t + 1]!, b.indices[t + 2]!];
        if (vs.every((v) => b.positions[v * 3] === wx) && b.normals[vs[0]! * 3 + 2] === 0) out.push(b.normals[vs[0]! * 3]!);
      }
      return out;
    };
    expect(facing(10).length).toBe(2);
    facing(10).forEach((nx) => expect(nx).toBeCloseTo(1, 6));
    expect(facing(0).length).toBe(2);
    facing(0).forEach((nx) => expect(nx).toBeCloseTo(-1, 6));
    // Roof area equals outer minus hole.
    let roof = 0;
    for (let t = 0; t < b.indexCount; t += 3) {
      const [i, j, k] = [b.indices[t]!, b.indices[t + 1]!, b.indices[t + 2]!];
      if (b.normals[i * 3 + 2] !== 1) continue;
      const X = (q: number) => b.positions[q * 3]!, Y = (q: number) => b.positions[q * 3 + 1]!;
      roof += ((X(j) - X(i)) * (Y(k) - Y(i)) - (X(k) - X(i)) * (Y(j) - Y(i))) / 2;
    }
    expect(roof).toBeCloseTo(900 - 100, 6);
  });

  it('makes tubes of the given radius around the axis', () => {
    const b = new MeshBuilder();
    tube(b, [[0, 0, -2], [10, 0, -2], [10, 10, -3]], 0.15, 8);
    expect(winding(b)).toBe(0);
    for (let v = 0; v < b.vertexCount; v++) {
      const x = b.positions[v * 3]!, y = b.positions[v * 3 + 1]!, z = b.positions[v * 3 + 2]!;
      // distance to the nearer segment axis
      const d1 = x <= 10 ? Math.hypot(y, z + 2) : Infinity;
      const t = Math.min(1, Math.max(0, y / 10));
      const d2 = Math.hypot(x - 10, z - (-2 - t)) * 1; // approx for the sloped segment
      expect(Math.min(d1, d2 + 0.02)).toBeLessThan(0.16 + 0.02);
    }
  });
});

describe('quadtree subdivision', () => {
  const items = fc.array(
    fc.record({ x: fc.double({ min: -500, max: 500, noNaN: true }), y: fc.double({ min: -500, max: 500, noNaN: true }), weight: fc.integer({ min: 1, max: 100 }) }),
    { maxLength: 300 },
  );

  it('puts every item in exactly one leaf, inside its rect, and honours the caps', () => {
    fc.assert(
      fc.property(items, fc.integer({ min: 1, max: 20 }), (raw, cap) => {
        const its: Item[] = raw.map((r, i) => ({ id: i, ...r }));
        const rect = boundingSquare(its.map((i) => [i.x, i.y] as [number, number]));
        const leaves = quadtree(its, rect, { maxItems: cap, maxWeight: cap * 60 });
        const seen = leaves.flatMap((l) => l.items);
        expect(seen.sort((a, b) => a - b)).toEqual(its.map((i) => i.id));
        for (const l of leaves) {
          const w = l.items.reduce((s, id) => s + its[id]!.weight, 0);
          const samePoint = new Set(l.items.map((id) => `${its[id]!.x},${its[id]!.y}`)).size === 1;
          expect(l.items.length <= cap && w <= cap * 60 || l.items.length === 1 || samePoint || l.key.length > 16).toBe(true);
          for (const id of l.items) {
            const it = its[id]!;
            expect(it.x >= l.rect[0] && it.x <= l.rect[2] && it.y >= l.rect[1] && it.y <= l.rect[3]).toBe(true);
            expect(leafFor(leaves, it.x, it.y)!.rect).toEqual(l.rect);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('EWKB decoding', () => {
  const ewkb = (type: number, srid: number | null, coords: number[], le = true) => {
    const b = Buffer.alloc(1 + 4 + (srid === null ? 0 : 4) + 8 * coords.length);
    b[0] = le ? 1 : 0;
    const w32 = (v: number, o: number) => (le ? b.writeUInt32LE(v >>> 0, o) : b.writeUInt32BE(v >>> 0, o));
    w32(type, 1);
    let o = 5;
    if (srid !== null) {
      w32(srid, o);
      o += 4;
    }
    for (const c of coords) {
      if (le) b.writeDoubleLE(c, o);
      else b.writeDoubleBE(c, o);
      o += 8;
    }
    return b.toString('hex');
  };

  it('reads points the fast way exactly as the general decoder does (EWKB and ISO, Z or not, both byte orders)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.double({ min: -100, max: 100, noNaN: true }), fc.boolean(), (x, y, z, le) => {
        const bytes = (hex: string) => Buffer.from(hex, 'hex');
        const pz = ewkb(0xa0000001, 4326, [x, y, z], le);
        expect(decodePoint(bytes(pz))).toEqual([x, y, z]);
        expect(decodeEwkb(pz)[0]![0]).toEqual([x, y, z]);
        expect(decodeEwkb(bytes(pz))[0]![0]).toEqual([x, y, z]);
        expect(decodePoint(bytes(ewkb(0x20000001, 4326, [x, y], le)))).toEqual([x, y, 0]);
        expect(decodePoint(bytes(ewkb(1001, null, [x, y, z], le)))).toEqual([x, y, z]);
      }),
    );
  });

  it('reads polygons with holes', () => {
    const hex = ewkb(0x20000003, 4326, []).slice(0, 18) + Buffer.from(new Uint32Array([2, 4]).buffer).toString('hex')
      + Buffer.from(new Float64Array([0, 0, 1, 0, 1, 1, 0, 0]).buffer).toString('hex')
      + Buffer.from(new Uint32Array([4]).buffer).toString('hex') + Buffer.from(new Float64Array([0.2, 0.2, 0.4, 0.2, 0.4, 0.4, 0.2, 0.2]).buffer).toString('hex');
    const rings = decodeEwkb(hex);
    expect(rings).toHaveLength(2);
    expect(rings[1]![2]).toEqual([0.4, 0.4]);
  });
});
