/**
 * Pure builders of the ground meshes from GET /api/ground: area rings and road centre lines in
 * local metres east (x) / north (y) become flat geometry on the scene's ground plane. The tiles'
 * frame after 3d-tiles-renderer's re-orientation is its "object frame": +Y up, +Z north, so +X is
 * west: local (east, north) lies at scene (-east, 0, north) (see `toScene`). One geometry per kind, so
 * the whole ground costs a handful of draw calls.
 */
import { BufferGeometry, Color, Float32BufferAttribute, Shape, ShapeGeometry, Path, Vector2 } from 'three';
import { mergeGeometries } from 'three/examples/jsm/utils/BufferGeometryUtils.js';

/** What GET /api/ground/:code answers (see the server's ground module). */
export interface GroundData {
  park: string;
  areas: Array<{ kind: AreaKind; code: string; name: string; nameEn: string | null; rings: number[][] }>;
  roads: Array<{ code: string; name: string; nameEn: string | null; line: number[]; width: number }>;
  labels: Array<{ idx: number; name: string; nameEn: string | null; x: number; y: number; height: number }>;
}

export type AreaKind = 'boundary' | 'block' | 'green' | 'parking' | 'plaza' | 'water' | 'reserve';

/**
 * Draw order (bottom to top) of the ground layers: the surrounding terrain (a wide disc, so no dark
 * void around the park), the park, blocks, roads between them, water on top.
 */
export const LAYER_ORDER = ['terrain', 'boundary', 'reserve', 'block', 'parking', 'plaza', 'green', 'road', 'marking', 'water'] as const;
export type GroundLayerName = (typeof LAYER_ORDER)[number];

/** The area kinds drawn in each area layer. */
export const AREA_KINDS: Partial<Record<GroundLayerName, AreaKind[]>> = {
  boundary: ['boundary'], reserve: ['reserve'], block: ['block'], parking: ['parking'], plaza: ['plaza'], green: ['green'], water: ['water'],
};

/** Day and night colours (unlit) of each layer. */
export const GROUND_COLOURS: Record<GroundLayerName, { day: string; night: string }> = {
  terrain: { day: '#7f8a70', night: '#0f130e' },
  boundary: { day: '#9aa384', night: '#1a2119' },
  reserve: { day: '#b4ab8c', night: '#262419' },
  block: { day: '#c9c2b0', night: '#2a2a2a' },
  parking: { day: '#8d9096', night: '#202226' },
  plaza: { day: '#d8cfbd', night: '#3a352b' },
  green: { day: '#5a9e4b', night: '#13301a' },
  road: { day: '#5d6167', night: '#1d1f24' },
  marking: { day: '#f2f2ee', night: '#8c8a70' },
  water: { day: '#3f86c8', night: '#0d2340' },
};

const toShape = (rings: number[][]): Shape | null => {
  const outer = rings[0];
  if (!outer || outer.length < 6) return null;
  const pts = (flat: number[]) => {
    const out: Vector2[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push(new Vector2(flat[i]!, flat[i + 1]!));
    return out;
  };
  const shape = new Shape(pts(outer));
  for (const hole of rings.slice(1)) if (hole.length >= 6) shape.holes.push(new Path(pts(hole)));
  return shape;
};

/** Scene position of a local point (east, north) at height h: +Y up, +Z north, +X west. */
export const toScene = (east: number, north: number, h = 0): [number, number, number] => [-east, h, north];

/** Lays a geometry built in the x/y (east/north) plane onto the ground (-x, 0, y), lifted by `lift`. */
function toGround(g: BufferGeometry, lift: number): BufferGeometry {
  g.rotateX(-Math.PI / 2); // (x, y, 0) -> (x, 0, -y)
  g.rotateY(Math.PI); // -> (-x, 0, y)
  if (lift) g.translate(0, lift, 0);
  return g;
}

/** One merged geometry of all areas of a kind (null when there is none). */
export function areaGeometry(data: GroundData, kinds: readonly AreaKind[]): BufferGeometry | null {
  const parts: BufferGeometry[] = [];
  for (const a of data.areas) {
    if (!kinds.includes(a.kind)) continue;
    const s = toShape(a.rings);
    if (!s) continue;
    const g = new ShapeGeometry(s);
    g.deleteAttribute('uv');
    parts.push(g.toNonIndexed());
  }
  if (parts.length === 0) return null;
  const merged = mergeGeometries(parts, false);
  for (const p of parts) p.dispose();
  return merged ? toGround(merged, 0) : null;
}

/** Quads along polylines (flat x/y), `half` metres either side; `dash` cuts them into dashes. */
function stripGeometry(lines: ReadonlyArray<{ line: number[]; half: number }>, dash?: { on: number; off: number }): BufferGeometry | null {
  const pos: number[] = [];
  const quad = (ax: number, ay: number, bx: number, by: number, half: number) => {
    const dx = bx - ax;
    const dy = by - ay;
    const len = Math.hypot(dx, dy) || 1;
    const nx = (-dy / len) * half;
    const ny = (dx / len) * half;
    // Two triangles, counter-clockwise seen from above (x/y plane).
    pos.push(ax - nx, ay - ny, 0, bx - nx, by - ny, 0, bx + nx, by + ny, 0);
    pos.push(ax - nx, ay - ny, 0, bx + nx, by + ny, 0, ax + nx, ay + ny, 0);
  };
  for (const { line, half } of lines) {
    for (let i = 0; i + 3 < line.length; i += 2) {
      const [ax, ay, bx, by] = [line[i]!, line[i + 1]!, line[i + 2]!, line[i + 3]!];
      if (!dash) {
        // Extend by half a width at both ends so crossings fill their corner squares.
        const len = Math.hypot(bx - ax, by - ay) || 1;
        const ex = ((bx - ax) / len) * half;
        const ey = ((by - ay) / len) * half;
        quad(ax - ex, ay - ey, bx + ex, by + ey, half);
        continue;
      }
      const len = Math.hypot(bx - ax, by - ay);
      for (let s = 0; s < len; s += dash.on + dash.off) {
        const e = Math.min(len, s + dash.on);
        quad(ax + ((bx - ax) * s) / len, ay + ((by - ay) * s) / len, ax + ((bx - ax) * e) / len, ay + ((by - ay) * e) / len, half);
      }
    }
  }
  if (pos.length === 0) return null;
  const g = new BufferGeometry();
  g.setAttribute('position', new Float32BufferAttribute(pos, 3));
  return toGround(g, 0);
}

/** The land around the park: a disc of `radius` metres centred on the park's origin. */
export function terrainGeometry(radius = 9000): BufferGeometry {
  const s = new Shape();
  s.absarc(0, 0, radius, 0, Math.PI * 2, false);
  const g = new ShapeGeometry(s, 48);
  g.deleteAttribute('uv');
  return toGround(g, 0);
}

/** Road surfaces (carriageway width). */
export const roadGeometry = (data: GroundData): BufferGeometry | null =>
  stripGeometry(data.roads.map((r) => ({ line: r.line, half: r.width / 2 })));

/** Dashed white centre lines of the roads. */
export const markingGeometry = (data: GroundData): BufferGeometry | null =>
  stripGeometry(data.roads.map((r) => ({ line: r.line, half: 0.25 })), { on: 6, off: 6 });

/**
 * Street-light positions (local x, y): along both kerbs of every road every `spacing` metres,
 * alternating sides, none within a crossing. Deterministic.
 */
export function streetLights(data: GroundData, spacing = 36): number[] {
  const out: number[] = [];
  type Road = GroundData['roads'][number];
  const nearOther = (x: number, y: number, self: Road) => data.roads.some((o) => {
    if (o === self) return false;
    for (let i = 0; i + 3 < o.line.length; i += 2) {
      const [ax, ay, bx, by] = [o.line[i]!, o.line[i + 1]!, o.line[i + 2]!, o.line[i + 3]!];
      const dx = bx - ax;
      const dy = by - ay;
      const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy || 1)));
      if (Math.hypot(ax + dx * t - x, ay + dy * t - y) < o.width * 0.5 + 4) return true;
    }
    return false;
  });
  for (const r of data.roads) {
    for (let i = 0; i + 3 < r.line.length; i += 2) {
      const [ax, ay, bx, by] = [r.line[i]!, r.line[i + 1]!, r.line[i + 2]!, r.line[i + 3]!];
      const len = Math.hypot(bx - ax, by - ay);
      if (len < 1) continue;
      const ux = (bx - ax) / len;
      const uy = (by - ay) / len;
      const off = r.width / 2 + 1.5;
      let side = 1;
      for (let s = spacing / 2; s < len; s += spacing / 2, side = -side) {
        const x = ax + ux * s - uy * off * side;
        const y = ay + uy * s + ux * off * side;
        if (!nearOther(x, y, r)) out.push(x, y);
      }
    }
  }
  return out;
}

/**
 * Every flat layer of the ground in one non-indexed geometry, in draw order (terrain first, water
 * last), so the whole ground is a single draw: drawn with depth function "always" and before the
 * other opaque objects, each triangle covers the ones before it (painter's order keeps the layers'
 * stacking without polygon offsets), and the depth it writes still hides what lies below ground.
 * `layerOf[v]` is the layer index (in LAYER_ORDER) of vertex v, for `paintGround`.
 */
export function groundGeometry(data: GroundData): { geometry: BufferGeometry; layerOf: Uint8Array; layers: GroundLayerName[] } | null {
  const parts: Array<{ layer: number; pos: ArrayLike<number> }> = [];
  const layers: GroundLayerName[] = [];
  LAYER_ORDER.forEach((name, i) => {
    const kinds = AREA_KINDS[name];
    const g = kinds ? areaGeometry(data, kinds) : name === 'terrain' ? terrainGeometry() : name === 'road' ? roadGeometry(data) : name === 'marking' ? markingGeometry(data) : null;
    if (!g) return;
    const flat = g.index ? g.toNonIndexed() : g;
    parts.push({ layer: i, pos: flat.getAttribute('position').array });
    layers.push(name);
    if (flat !== g) flat.dispose();
    g.dispose();
  });
  if (parts.length === 0) return null;
  const total = parts.reduce((a, p) => a + p.pos.length, 0);
  const pos = new Float32Array(total);
  const layerOf = new Uint8Array(total / 3);
  let o = 0;
  for (const p of parts) {
    pos.set(p.pos, o);
    layerOf.fill(p.layer, o / 3, (o + p.pos.length) / 3);
    o += p.pos.length;
  }
  const geometry = new BufferGeometry();
  geometry.setAttribute('position', new Float32BufferAttribute(pos, 3));
  geometry.setAttribute('color', new Float32BufferAttribute(new Float32Array(total), 3));
  geometry.computeBoundingSphere();
  return { geometry, layerOf, layers };
}

/** Writes the day or night colour of each vertex's layer into the geometry's colour attribute (linear, as three expects). */
export function paintGround(geometry: BufferGeometry, layerOf: Uint8Array, mode: 'day' | 'night'): void {
  const attr = geometry.getAttribute('color') as Float32BufferAttribute;
  const lin = LAYER_ORDER.map((name) => new Color(GROUND_COLOURS[name][mode]));
  const a = attr.array as Float32Array;
  for (let v = 0; v < layerOf.length; v++) {
    const c = lin[layerOf[v]!]!;
    a[3 * v] = c.r;
    a[3 * v + 1] = c.g;
    a[3 * v + 2] = c.b;
  }
  attr.needsUpdate = true;
}

/**
 * Street lights for the low quality setting as one line draw: per light a grey pole (2 vertices)
 * and a short bright head segment on top (2 vertices), with per-vertex colours (`paintLamps`
 * switches the heads between day and night). Instead of a box and a sphere per light (about 90
 * vertices each, two draws).
 */
export function lampLineGeometry(pts: readonly number[]): BufferGeometry {
  const n = pts.length / 2;
  const pos = new Float32Array(n * 4 * 3);
  for (let i = 0; i < n; i++) {
    const [x, , z] = toScene(pts[2 * i]!, pts[2 * i + 1]!);
    pos.set([x, 0, z, x, 6.4, z, x, 6.4, z, x, 7.8, z], i * 12);
  }
  const g = new BufferGeometry();
  g.setAttribute('position', new Float32BufferAttribute(pos, 3));
  g.setAttribute('color', new Float32BufferAttribute(new Float32Array(n * 4 * 3), 3));
  g.computeBoundingSphere();
  return g;
}

/** Colours of the lamp lines: poles grey, heads grey by day and warm white at night. */
export function paintLamps(g: BufferGeometry, night: boolean): void {
  const attr = g.getAttribute('color') as Float32BufferAttribute;
  const a = attr.array as Float32Array;
  const pole = new Color('#5a5f66');
  const head = new Color(night ? '#fff1c4' : '#bfc3c8');
  for (let v = 0; v < a.length / 3; v++) {
    const c = v % 4 < 2 ? pole : head;
    a[3 * v] = c.r;
    a[3 * v + 1] = c.g;
    a[3 * v + 2] = c.b;
  }
  attr.needsUpdate = true;
}
