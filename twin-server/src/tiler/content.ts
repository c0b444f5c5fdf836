/**
 * Turns database rows into tile contents (GLB bytes plus their local bounding box): building
 * shells for the overview and for building detail, interiors (floor slabs and rooms), instanced
 * equipment, and the hidden networks as tubes. Pure: rows in, bytes out.
 */
import { MeshBuilder, extrudePolygon, insetRing, ringArea, tube, box, cylinder, type Rgba, type Ring } from './mesh.ts';
import { featureGlb, instancedGlb } from './gltf.ts';
import { encodeColumns, StringColumn, type FeatureRow } from './metadata.ts';
import { decodeEwkb, decodePoint, decodePolygonLocal } from './source.ts';
import { EQ, RM, type BuildingRow, type CopyRows, type EquipmentRows, type FloorRow, type NodeRow, type SegmentRow } from './source.ts';
import { equipmentModel, isEquipmentType } from '../../../models/src/catalog.ts';
import { NETWORK_COLOURS } from '@park-twin/layers';

/** Local z-up bounds: [minX, minY, minZ, maxX, maxY, maxZ]. */
export type Bounds = [number, number, number, number, number, number];

/** One generated content file. */
export interface Content {
  /**
   * The GLB, in a buffer this thread reuses for the next content: write (or copy) it before making
   * another content, with no await in between (ContentWriter.write does).
   */
  readonly glb: Uint8Array;
  readonly bounds: Bounds;
  readonly features: number;
  readonly triangles: number;
}

/** Projects lon/lat to local metres. */
export type Project = (lon: number, lat: number) => [number, number];

const BUILDING_COLORS: Record<string, Rgba> = {
  office: [178, 196, 220, 255], research: [160, 202, 192, 255], industrial: [196, 180, 160, 255],
  incubator: [214, 200, 160, 255], data_center: [150, 160, 196, 255], residential: [222, 190, 170, 255],
  commercial: [226, 176, 150, 255], amenity: [190, 214, 170, 255], parking: [170, 170, 170, 255],
  utility: [160, 160, 150, 255], mixed: [200, 196, 210, 255],
};
const ROOM_COLORS: Record<string, Rgba> = {
  office: [120, 170, 230, 255], lab: [90, 200, 180, 255], retail: [240, 170, 90, 255], canteen: [240, 200, 100, 255],
  meeting: [250, 140, 110, 255], lobby: [210, 210, 190, 255], corridor: [200, 200, 200, 255], core: [150, 150, 150, 255],
  plant: [170, 150, 130, 255], storage: [180, 170, 150, 255], parking: [160, 160, 160, 255], restroom: [170, 200, 210, 255],
  data_center: [130, 140, 210, 255], showroom: [230, 130, 180, 255], workshop: [190, 160, 120, 255],
};
/** Network colours, as maintenance crews expect them (shared with the client's x-ray legend). */
export const NETWORK_COLORS: Record<string, Rgba> = Object.fromEntries(
  Object.entries(NETWORK_COLOURS).map(([n, c]) => [n, [c[0], c[1], c[2], 255]]),
);
const SLAB: Rgba = [125, 128, 135, 255];
const GREY: Rgba = [190, 190, 190, 255];

// One builder reused by every content of this thread: each content function encodes its GLB
// (a copy) before returning, so the builder's arrays grow once instead of per content.
const shared = new MeshBuilder();
const builder = () => shared.reset();

/** Decodes a polygon (EWKB bytes or hex) to local rings. */
export function polygonRings(wkb: Uint8Array | string, project: Project): Ring[] {
  if (typeof wkb !== 'string') return decodePolygonLocal(wkb, project);
  return decodeEwkb(wkb).map((ring) => ring.map((p) => project(p[0]!, p[1]!)));
}

function boundsOf(b: MeshBuilder): Bounds {
  const { min, max } = b.bounds();
  return [min[0], min[1], min[2], max[0], max[1], max[2]];
}

function shade(c: Rgba, k: number): Rgba {
  return [Math.min(255, Math.round(c[0] * k)), Math.min(255, Math.round(c[1] * k)), Math.min(255, Math.round(c[2] * k)), c[3]];
}

/** Footprint area in m² (outer ring minus courtyards), from the local rings. */
export function polygonArea(rings: readonly Ring[]): number {
  const a = rings.reduce((s, r, i) => s + (i === 0 ? 1 : -1) * Math.abs(ringArea(r)), 0);
  return Math.round(a * 100) / 100;
}

/** The property-table row of a building. */
export function buildingRow(pb: PreparedBuilding): FeatureRow {
  const b = pb.row;
  return { idx: b.idx, uuid: b.uuid, kind: 'building', name: b.name, code: b.code, area: polygonArea(pb.rings), use: b.use, height: b.height };
}

/** A prepared building: local rings and its floors. */
export interface PreparedBuilding {
  readonly row: BuildingRow;
  readonly rings: Ring[];
  readonly centroid: [number, number];
}

/** Projects a building's footprint once. */
export function prepareBuilding(row: BuildingRow, project: Project): PreparedBuilding {
  const rings = polygonRings(row.footprint, project);
  let cx = 0, cy = 0;
  const outer = rings[0] ?? [];
  for (const p of outer) {
    cx += p[0];
    cy += p[1];
  }
  const n = Math.max(1, outer.length);
  return { row, rings, centroid: [cx / n, cy / n] };
}

/** Overview content: every building of a leaf as one plain extruded shell, one draw call. */
export function overviewContent(buildings: readonly PreparedBuilding[]): Content {
  const b = builder();
  const rows: FeatureRow[] = [];
  for (const pb of buildings) {
    const g = pb.row.ground_elevation;
    b.feature(pb.row.idx, rows.length, BUILDING_COLORS[pb.row.use] ?? GREY);
    rows.push(buildingRow(pb));
    extrudePolygon(b, pb.rings, g, g + pb.row.height, { walls: true, top: true });
  }
  return { glb: featureGlb(b, rows, 'overview'), bounds: boundsOf(b), features: rows.length, triangles: b.triangleCount };
}

/**
 * Building detail: one band per above-ground floor with that floor's own outline (towers on
 * podiums), slightly alternating shade so floors read from afar; the top reaches the roof height.
 */
export function shellContent(pb: PreparedBuilding, floors: readonly FloorRow[], project: Project): Content {
  const b = builder();
  const g = pb.row.ground_elevation;
  const color = BUILDING_COLORS[pb.row.use] ?? GREY;
  const above = floors.filter((f) => f.level > 0).sort((x, y) => x.level - y.level);
  if (above.length === 0) {
    b.feature(pb.row.idx, 0, color);
    extrudePolygon(b, pb.rings, g, g + pb.row.height);
  } else {
    above.forEach((f, i) => {
      const rings = polygonRings(f.footprint, project);
      const top = i === above.length - 1 ? Math.max(f.elevation + f.height, pb.row.height) : f.elevation + f.height;
      b.feature(pb.row.idx, 0, shade(color, f.level % 2 === 0 ? 0.93 : 1));
      extrudePolygon(b, rings, g + f.elevation, g + top, { walls: true, top: true, bottom: i === 0 });
    });
  }
  return { glb: featureGlb(b, [buildingRow(pb)], `building ${pb.row.code}`), bounds: boundsOf(b), features: 1, triangles: b.triangleCount };
}

/**
 * Interior: a slab per floor (feature = floor) and every room as an open box (walls and a floor
 * surface, no ceiling) so rooms are visible and pickable from above (feature = room).
 */
export function interiorContent(
  pb: PreparedBuilding,
  floors: readonly FloorRow[],
  rooms: CopyRows,
  roomSel: readonly number[],
  project: Project,
): Content | null {
  if (floors.length === 0) return null;
  const b = builder();
  const g = pb.row.ground_elevation;
  const levelOf = new Map(floors.map((f) => [f.idx, f]));
  const kept: number[] = [];
  for (const i of roomSel) if (levelOf.has(rooms.intOrNull(i, RM.floor)!)) kept.push(i);
  // The property table: floors, then rooms, column by column (rooms' text copied from their bytes).
  const n = floors.length + kept.length;
  const idx = new Uint32Array(n);
  const level = new Int16Array(n);
  const area = new Float32Array(n);
  const height = new Float32Array(n);
  const uuid = new StringColumn(n, 36);
  const kind = new StringColumn(n, 5);
  const name = new StringColumn(n, 20);
  const code = new StringColumn(n, 8);
  const building = new StringColumn(n, pb.row.code.length);
  const use = new StringColumn(n, 8);
  const buildingBytes = Buffer.from(pb.row.code);
  const none = new Uint8Array(0);
  let row = 0;
  for (const f of floors) {
    const rings = polygonRings(f.footprint, project);
    b.feature(f.idx, row, SLAB);
    idx[row] = f.idx;
    level[row] = f.level;
    area[row] = polygonArea(rings);
    height[row] = f.height;
    uuid.add(f.uuid);
    kind.add('floor');
    name.add(f.name);
    code.addCopy(none);
    building.addCopy(buildingBytes);
    use.addCopy(none);
    row++;
    extrudePolygon(b, rings, g + f.elevation - 0.25, g + f.elevation);
  }
  const roomBytes = Buffer.from('room');
  const bytes = rooms.bytes;
  const text = (c: StringColumn, i: number, f: number) => {
    const o = rooms.fieldAt(i, f);
    c.addBytes(bytes, o, o + Math.max(0, rooms.fieldLen(i, f)));
  };
  for (const i of kept) {
    const f = levelOf.get(rooms.intOrNull(i, RM.floor)!)!;
    const r = rooms.idx(i);
    b.feature(r, row, ROOM_COLORS[rooms.text(i, RM.use)] ?? GREY);
    idx[row] = r;
    level[row] = f.level;
    area[row] = rooms.real(i, RM.area);
    // Rooms: no uuid, name, code or lease status (tenant data, which the API gives per principal).
    uuid.addCopy(none);
    kind.addCopy(roomBytes);
    name.addCopy(none);
    code.addCopy(none);
    building.addCopy(buildingBytes);
    text(use, i, RM.use);
    row++;
    const rings = polygonRings(rooms.view(i, RM.footprint), project).map((ring) => insetRing(ring, 0.12));
    const z = g + f.elevation;
    extrudePolygon(b, rings, z, z + Math.max(0.5, f.height - 0.6), { walls: true });
    extrudePolygon(b, rings, z, z + 0.03, { top: true });
  }
  const numbers = (values: Int16Array | Float32Array) => ({ values, present: values.some((v) => v !== 0) });
  const table = {
    count: n,
    encode: (view: (bytes: Uint8Array) => number) => encodeColumns(n, {
      idx: { values: idx, present: true }, uuid, kind, name, code, building, floor: numbers(level), area: numbers(area),
      use, height: numbers(height),
    }, view),
  };
  return { glb: featureGlb(b, table, `interior ${pb.row.code}`), bounds: boundsOf(b), features: n, triangles: b.triangleCount };
}

/**
 * Instanced equipment (indoor of one building, or outdoor of one leaf): rows `sel` of `items`, in
 * that order; null when none. The property table is filled from the rows' bytes as they are.
 */
export function equipmentContent(
  items: EquipmentRows,
  sel: readonly number[],
  project: Project,
  buildingCode: string | undefined,
): Content | null {
  const groups = new Map<string, number[]>();
  const bounds: Bounds = [Infinity, Infinity, Infinity, -Infinity, -Infinity, -Infinity];
  let triangles = 0;
  // Per type once: its model and footprint radius (unknown types are skipped).
  const types = new Map<string, { model: ReturnType<typeof equipmentModel>; r: number } | null>();
  const kept: number[] = [];
  for (const i of sel) {
    const type = items.type(i);
    let t = types.get(type);
    if (t === undefined) {
      const model = isEquipmentType(type) ? equipmentModel(type) : null;
      t = model && { model, r: Math.hypot(model.size[0], model.size[1]) / 2 };
      types.set(type, t);
    }
    if (!t) continue;
    const { model, r } = t;
    const p = items.position(i);
    const [x, y] = project(p[0], p[1]);
    const z = p[2];
    bounds[0] = Math.min(bounds[0], x - r);
    bounds[1] = Math.min(bounds[1], y - r);
    bounds[2] = Math.min(bounds[2], z - model.size[2]);
    bounds[3] = Math.max(bounds[3], x + r);
    bounds[4] = Math.max(bounds[4], y + r);
    bounds[5] = Math.max(bounds[5], z + model.size[2]);
    let list = groups.get(type);
    if (!list) {
      list = [];
      groups.set(type, list);
    }
    list.push(x, y, z, items.heading(i), items.idx(i), kept.length);
    triangles += model.mesh.triangleCount;
    kept.push(i);
  }
  const n = kept.length;
  if (n === 0) return null;
  // The property table, column by column from the rows' bytes.
  const b = items.bytes;
  const text = (f: number, perValue: number) => {
    const c = new StringColumn(n, perValue);
    for (const i of kept) {
      const o = items.fieldAt(i, f);
      c.addBytes(b, o, o + Math.max(0, items.fieldLen(i, f)));
    }
    return c;
  };
  const idx = new Uint32Array(n);
  const floor = new Int16Array(n);
  const kind = new StringColumn(n, 9);
  const building = new StringColumn(n, buildingCode?.length ?? 0);
  let floors = false;
  const kindBytes = Buffer.from('equipment');
  const buildingBytes = Buffer.from(buildingCode ?? '');
  for (let k = 0; k < n; k++) {
    const i = kept[k]!;
    idx[k] = items.idx(i);
    const level = items.level(i) ?? 0;
    floor[k] = level;
    if (level !== 0) floors = true;
    kind.addCopy(kindBytes);
    building.addCopy(buildingBytes);
  }
  const glb = instancedGlb(
    [...groups].map(([type, packed]) => ({ name: type, mesh: equipmentModel(type as never).mesh, packed })),
    {
      count: n,
      encode: (view) => encodeColumns(n, {
        // Equipment: no uuid, name, code or status (tenant data; live status comes by the stream).
        idx: { values: idx, present: true }, kind, building,
        floor: { values: floor, present: floors }, type: text(EQ.type, 12),
      }, view),
    },
  );
  return { glb, bounds, features: n, triangles };
}

/**
 * Hidden networks: each segment a tube of its real diameter along its real 3D line (Z is the
 * pipe centre below the datum), nodes as manhole shafts, valve bodies or cabinets.
 */
export function infraContent(segments: readonly SegmentRow[], nodes: readonly NodeRow[], project: Project): Content | null {
  if (segments.length + nodes.length === 0) return null;
  const b = builder();
  const rows: FeatureRow[] = [];
  for (const s of segments) {
    b.feature(s.idx, rows.length, NETWORK_COLORS[s.network] ?? GREY);
    rows.push({ idx: s.idx, uuid: s.uuid, kind: 'pipe_segment', name: s.name, code: s.code, network: s.network, diameter_mm: s.diameter_mm, depth: s.depth, type: s.material });
    const pts = decodeEwkb(s.geom)[0]!.map((p) => {
      const [x, y] = project(p[0]!, p[1]!);
      return [x, y, p[2] ?? -s.depth] as [number, number, number];
    });
    tube(b, pts, Math.max(0.01, s.diameter_mm / 2000), s.diameter_mm >= 200 ? 12 : 8);
  }
  for (const n of nodes) {
    const c = NETWORK_COLORS[n.network] ?? GREY;
    b.feature(n.idx, rows.length, shade(c, 0.75));
    rows.push({ idx: n.idx, uuid: n.uuid, kind: 'pipe_node', name: n.name, code: n.code, network: n.network, type: n.node_type });
    const p = decodePoint(n.position);
    const [x, y] = project(p[0], p[1]);
    const z = p[2];
    if (n.node_type === 'manhole') cylinder(b, x, y, Math.min(z - 0.5, -0.5), 0.05, 0.6, 12);
    else if (n.node_type === 'valve' || n.node_type === 'meter' || n.node_type === 'hydrant') box(b, x, y, z - 0.35, z + 0.35, 0.7, 0.7);
    else box(b, x, y, z - 0.5, z + 0.5, 1, 1);
  }
  return { glb: featureGlb(b, rows, 'infrastructure'), bounds: boundsOf(b), features: rows.length, triangles: b.triangleCount };
}
