/**
 * Tessellation in plain TypeScript: extruded polygons (walls, roofs, slabs, with holes), tubes and
 * simple solids, written into one growable vertex stream that carries per-vertex feature ids.
 * Winding is counter-clockwise seen from outside and every face has its own flat normal.
 */
import earcut from 'earcut';

/** RGBA, 0-255. */
export type Rgba = readonly [number, number, number, number];

/** A 2D ring in local metres. */
export type Ring = ReadonlyArray<readonly [number, number]>;

/** Growable typed arrays for one primitive: position, normal, colour, two feature-id channels. */
export class MeshBuilder {
  positions = new Float32Array(3 * 1024);
  normals = new Float32Array(3 * 1024);
  colors = new Uint8Array(4 * 1024);
  /** Feature id 0: the twin idx. */
  ids = new Float32Array(1024);
  /** Feature id 1: the row in the tile's property table. */
  rows = new Float32Array(1024);
  indices = new Uint32Array(3 * 1024);
  vertexCount = 0;
  indexCount = 0;

  private color: Rgba = [200, 200, 200, 255];
  private id = 0;
  private row = 0;

  /** Empties the builder, keeping its arrays (one builder can make many meshes without regrowing). */
  reset(): this {
    this.vertexCount = 0;
    this.indexCount = 0;
    return this;
  }

  /** Sets colour and feature for the vertices added next. */
  feature(idx: number, row: number, color: Rgba): this {
    this.id = idx;
    this.row = row;
    this.color = color;
    return this;
  }

  private grow(vertices: number, indices: number): void {
    const needV = this.vertexCount + vertices;
    if (needV > this.ids.length) {
      const cap = Math.max(needV, this.ids.length * 2);
      const f3 = (a: Float32Array) => {
        const n = new Float32Array(cap * 3);
        n.set(a);
        return n;
      };
      this.positions = f3(this.positions);
      this.normals = f3(this.normals);
      const c = new Uint8Array(cap * 4);
      c.set(this.colors);
      this.colors = c;
      const i = new Float32Array(cap);
      i.set(this.ids);
      this.ids = i;
      const r = new Float32Array(cap);
      r.set(this.rows);
      this.rows = r;
    }
    const needI = this.indexCount + indices;
    if (needI > this.indices.length) {
      const n = new Uint32Array(Math.max(needI, this.indices.length * 2));
      n.set(this.indices);
      this.indices = n;
    }
  }

  /** Adds one vertex and returns its index. */
  vertex(x: number, y: number, z: number, nx: number, ny: number, nz: number): number {
    if (this.vertexCount >= this.ids.length) this.grow(1, 0);
    const v = this.vertexCount++;
    const p = this.positions;
    p[v * 3] = x;
    p[v * 3 + 1] = y;
    p[v * 3 + 2] = z;
    const n = this.normals;
    n[v * 3] = nx;
    n[v * 3 + 1] = ny;
    n[v * 3 + 2] = nz;
    // Four stores, not colors.set(array): the generic copy from a JS array costs more than the rest.
    const c = this.colors;
    const color = this.color;
    c[v * 4] = color[0];
    c[v * 4 + 1] = color[1];
    c[v * 4 + 2] = color[2];
    c[v * 4 + 3] = color[3];
    this.ids[v] = this.id;
    this.rows[v] = this.row;
    return v;
  }

  /** Adds one triangle by vertex indices. */
  triangle(a: number, b: number, c: number): void {
    if (this.indexCount + 3 > this.indices.length) this.grow(0, 3);
    this.indices[this.indexCount++] = a;
    this.indices[this.indexCount++] = b;
    this.indices[this.indexCount++] = c;
  }

  get triangleCount(): number {
    return this.indexCount / 3;
  }

  /** Axis-aligned bounds of everything added so far (local metres). */
  bounds(): { min: [number, number, number]; max: [number, number, number] } {
    const min: [number, number, number] = [Infinity, Infinity, Infinity];
    const max: [number, number, number] = [-Infinity, -Infinity, -Infinity];
    const p = this.positions;
    for (let i = 0; i < this.vertexCount * 3; i += 3) {
      for (let k = 0; k < 3; k++) {
        const v = p[i + k]!;
        if (v < min[k]!) min[k] = v;
        if (v > max[k]!) max[k] = v;
      }
    }
    return { min, max };
  }
}

/** Signed area of a ring (positive = counter-clockwise seen from above). */
export function ringArea(ring: Ring): number {
  let s = 0;
  for (let i = 0, n = ring.length; i < n; i++) {
    const a = ring[i]!;
    const b = ring[(i + 1) % n]!;
    s += a[0] * b[1] - b[0] * a[1];
  }
  return s / 2;
}

/** Drops the closing duplicate and consecutive duplicates; orients CCW (outer) or CW (holes). */
export function normalizeRing(ring: Ring, ccw: boolean): [number, number][] {
  const out: [number, number][] = [];
  for (const p of ring) {
    const last = out[out.length - 1];
    if (!last || Math.abs(last[0] - p[0]) > 1e-6 || Math.abs(last[1] - p[1]) > 1e-6) out.push([p[0], p[1]]);
  }
  while (out.length > 1) {
    const f = out[0]!;
    const l = out[out.length - 1]!;
    if (Math.abs(f[0] - l[0]) > 1e-6 || Math.abs(f[1] - l[1]) > 1e-6) break;
    out.pop();
  }
  if (out.length >= 3 && ringArea(out) > 0 !== ccw) out.reverse();
  return out;
}

/** Which faces of an extrusion to emit. */
export interface ExtrudeFaces {
  readonly walls?: boolean;
  readonly top?: boolean;
  readonly bottom?: boolean;
}

/**
 * Extrudes a polygon (outer ring + holes, local metres) from zBottom to zTop. Outer walls face
 * outwards, hole walls face into the courtyard, the top faces up and the bottom down.
 */
export function extrudePolygon(
  b: MeshBuilder,
  rings: readonly Ring[],
  zBottom: number,
  zTop: number,
  faces: ExtrudeFaces = { walls: true, top: true, bottom: true },
): void {
  const norm = rings.map((r, i) => normalizeRing(r, i === 0)).filter((r) => r.length >= 3);
  if (norm.length === 0 || !norm[0] || norm[0].length < 3 || zTop <= zBottom) return;
  if (faces.walls) {
    for (const ring of norm) {
      for (let i = 0, n = ring.length; i < n; i++) {
        const a = ring[i]!;
        const c = ring[(i + 1) % n]!;
        const dx = c[0] - a[0];
        const dy = c[1] - a[1];
        const len = Math.hypot(dx, dy);
        if (len < 1e-6) continue;
        const nx = dy / len;
        const ny = -dx / len;
        const v0 = b.vertex(a[0], a[1], zBottom, nx, ny, 0);
        const v1 = b.vertex(c[0], c[1], zBottom, nx, ny, 0);
        const v2 = b.vertex(c[0], c[1], zTop, nx, ny, 0);
        const v3 = b.vertex(a[0], a[1], zTop, nx, ny, 0);
        b.triangle(v0, v1, v2);
        b.triangle(v0, v2, v3);
      }
    }
  }
  if (faces.top || faces.bottom) {
    const flat: number[] = [];
    const holes: number[] = [];
    for (const ring of norm) {
      if (flat.length > 0) holes.push(flat.length / 2);
      for (const p of ring) flat.push(p[0], p[1]);
    }
    const tri = earcut(flat, holes, 2);
    const cap = (z: number, up: boolean) => {
      const base = b.vertexCount;
      for (let i = 0; i < flat.length; i += 2) b.vertex(flat[i]!, flat[i + 1]!, z, 0, 0, up ? 1 : -1);
      for (let i = 0; i < tri.length; i += 3) {
        const i0 = tri[i]!, i1 = tri[i + 1]!, i2 = tri[i + 2]!;
        // earcut does not promise an orientation: fix each triangle so the cap faces the right way.
        const area =
          (flat[i1 * 2]! - flat[i0 * 2]!) * (flat[i2 * 2 + 1]! - flat[i0 * 2 + 1]!) -
          (flat[i2 * 2]! - flat[i0 * 2]!) * (flat[i1 * 2 + 1]! - flat[i0 * 2 + 1]!);
        if (area === 0) continue;
        if (area > 0 === up) b.triangle(base + i0, base + i1, base + i2);
        else b.triangle(base + i0, base + i2, base + i1);
      }
    };
    if (faces.top) cap(zTop, true);
    if (faces.bottom) cap(zBottom, false);
  }
}

/** Shrinks a ring towards its centroid by `d` metres (approximately), for gaps between rooms. */
export function insetRing(ring: Ring, d: number): [number, number][] {
  let cx = 0;
  let cy = 0;
  for (const p of ring) {
    cx += p[0];
    cy += p[1];
  }
  cx /= ring.length;
  cy /= ring.length;
  return ring.map((p) => {
    const dx = p[0] - cx;
    const dy = p[1] - cy;
    const len = Math.hypot(dx, dy);
    const k = len > 2 * d ? (len - d) / len : 0.5;
    return [cx + dx * k, cy + dy * k] as [number, number];
  });
}

/**
 * A tube of the given radius along a 3D polyline (pipes, cables), `sides`-gon cross-section, with
 * end caps. Each segment is its own cylinder, so bends leave no twisted faces.
 */
export function tube(b: MeshBuilder, pts: ReadonlyArray<readonly [number, number, number]>, radius: number, sides = 8): void {
  for (let s = 0; s + 1 < pts.length; s++) {
    const p = pts[s]!;
    const q = pts[s + 1]!;
    const d = [q[0] - p[0], q[1] - p[1], q[2] - p[2]];
    const len = Math.hypot(d[0]!, d[1]!, d[2]!);
    if (len < 1e-6) continue;
    const t = d.map((v) => v / len) as [number, number, number];
    // Any vector not parallel to t gives a stable frame (u, v) around the axis.
    const ref: [number, number, number] = Math.abs(t[2]) < 0.9 ? [0, 0, 1] : [1, 0, 0];
    const u = cross(ref, t);
    normalize(u);
    const v = cross(t, u);
    const ring0: number[] = [];
    const ring1: number[] = [];
    for (let k = 0; k < sides; k++) {
      const a = (2 * Math.PI * k) / sides;
      const n: [number, number, number] = [
        Math.cos(a) * u[0] + Math.sin(a) * v[0],
        Math.cos(a) * u[1] + Math.sin(a) * v[1],
        Math.cos(a) * u[2] + Math.sin(a) * v[2],
      ];
      ring0.push(b.vertex(p[0] + n[0] * radius, p[1] + n[1] * radius, p[2] + n[2] * radius, n[0], n[1], n[2]));
      ring1.push(b.vertex(q[0] + n[0] * radius, q[1] + n[1] * radius, q[2] + n[2] * radius, n[0], n[1], n[2]));
    }
    for (let k = 0; k < sides; k++) {
      const k1 = (k + 1) % sides;
      b.triangle(ring0[k]!, ring0[k1]!, ring1[k1]!);
      b.triangle(ring0[k]!, ring1[k1]!, ring1[k]!);
    }
    const capAt = (c: readonly [number, number, number], dir: number) => {
      const base: number[] = [];
      for (let k = 0; k < sides; k++) {
        const a = (2 * Math.PI * k) / sides;
        const n = [Math.cos(a) * u[0] + Math.sin(a) * v[0], Math.cos(a) * u[1] + Math.sin(a) * v[1], Math.cos(a) * u[2] + Math.sin(a) * v[2]];
        base.push(b.vertex(c[0] + n[0]! * radius, c[1] + n[1]! * radius, c[2] + n[2]! * radius, t[0] * dir, t[1] * dir, t[2] * dir));
      }
      for (let k = 1; k + 1 < sides; k++) {
        if (dir > 0) b.triangle(base[0]!, base[k]!, base[k + 1]!);
        else b.triangle(base[0]!, base[k + 1]!, base[k]!);
      }
    };
    if (s === 0) capAt(p, -1);
    if (s === pts.length - 2) capAt(q, 1);
  }
}

/** An axis-aligned box centred at (x, y) from z0 to z1. */
export function box(b: MeshBuilder, x: number, y: number, z0: number, z1: number, sx: number, sy: number): void {
  const hx = sx / 2;
  const hy = sy / 2;
  extrudePolygon(b, [[[x - hx, y - hy], [x + hx, y - hy], [x + hx, y + hy], [x - hx, y + hy]]], z0, z1);
}

/** A vertical cylinder (manholes, tanks) approximated by an n-gon prism. */
export function cylinder(b: MeshBuilder, x: number, y: number, z0: number, z1: number, r: number, sides = 12): void {
  const ring: [number, number][] = [];
  for (let k = 0; k < sides; k++) ring.push([x + r * Math.cos((2 * Math.PI * k) / sides), y + r * Math.sin((2 * Math.PI * k) / sides)]);
  extrudePolygon(b, [ring], z0, z1);
}

function cross(a: readonly number[], b: readonly number[]): [number, number, number] {
  return [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];
}

function normalize(v: [number, number, number]): void {
  const l = Math.hypot(v[0], v[1], v[2]) || 1;
  v[0] /= l;
  v[1] /= l;
  v[2] /= l;
}
