/**
 * Reads the park from PostGIS for the tiler. Geometry arrives as hex EWKB (both backends return
 * it that way) and is decoded here, which is much cheaper than GeoJSON text. Queries are
 * parameterized and batched by building, so the tiler never holds the whole park in memory.
 */
import type { Queryable } from '../db/index.ts';

/** A decoded geometry: rings of [lon, lat, z?] (polygons) or one line/point. */
export type Coords = number[][];

/** Decodes hex EWKB of a Point, LineString or Polygon (2D or Z) into rings of coordinates. */
export function decodeEwkb(hex: string): Coords[] {
  const buf = Buffer.from(hex, 'hex');
  const le = buf[0] === 1;
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const f64 = (o: number) => (le ? buf.readDoubleLE(o) : buf.readDoubleBE(o));
  const raw = u32(1);
  let type = raw & 0x0fffffff;
  let hasZ = (raw & 0x80000000) !== 0;
  let hasM = (raw & 0x40000000) !== 0;
  let o = raw & 0x20000000 ? 9 : 5; // skip the SRID
  if (type >= 1000) {
    // ISO WKB flags dimensions by thousands instead of bits.
    const k = Math.floor(type / 1000);
    hasZ ||= k === 1 || k === 3;
    hasM ||= k === 2 || k === 3;
    type %= 1000;
  }
  const dims = 2 + (hasZ ? 1 : 0) + (hasM ? 1 : 0);
  const points = (n: number): number[][] => {
    const out: number[][] = new Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = hasZ ? [f64(o), f64(o + 8), f64(o + 16)] : [f64(o), f64(o + 8)];
      o += 8 * dims;
    }
    return out;
  };
  if (type === 1) return [points(1)];
  if (type === 2) {
    const n = u32(o);
    o += 4;
    return [points(n)];
  }
  if (type === 3) {
    const nr = u32(o);
    o += 4;
    const rings: Coords[] = [];
    for (let r = 0; r < nr; r++) {
      const n = u32(o);
      o += 4;
      rings.push(points(n));
    }
    return rings;
  }
  throw new Error(`unsupported geometry type ${type}`);
}

// Scratch space for decodePoint: hex -> bytes without a Buffer per point (hundreds of thousands per park).
const HEX = new Uint8Array(128).fill(255);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[65 + i] = 10 + i;
  HEX[97 + i] = 10 + i;
}
const scratch = new DataView(new ArrayBuffer(64));

/** Decodes the hex EWKB of a Point / PointZ to [x, y, z] (z = 0 for 2D points); fast path for equipment and nodes. */
export function decodePoint(hex: string): [number, number, number] {
  const n = Math.min(hex.length >> 1, 64);
  for (let i = 0; i < n; i++) scratch.setUint8(i, (HEX[hex.charCodeAt(2 * i)]! << 4) | HEX[hex.charCodeAt(2 * i + 1)]!);
  const le = scratch.getUint8(0) === 1;
  const type = scratch.getUint32(1, le);
  if ((type & 0x0fffffff) % 1000 !== 1) return decodeEwkb(hex)[0]![0]! as [number, number, number];
  const hasZ = (type & 0x80000000) !== 0 || Math.floor((type & 0x0fffffff) / 1000) % 2 === 1;
  const o = type & 0x20000000 ? 9 : 5;
  return [scratch.getFloat64(o, le), scratch.getFloat64(o + 8, le), hasZ ? scratch.getFloat64(o + 16, le) : 0];
}

/** The park row the tileset is built for. */
export interface ParkRow {
  idx: number;
  uuid: string;
  code: string;
  name: string;
  lon: number;
  lat: number;
  h: number;
}

/** A building with the attributes its tiles carry. */
export interface BuildingRow {
  idx: number;
  uuid: string;
  name: string;
  code: string;
  footprint: string;
  height: number;
  floors_above: number;
  use: string;
  ground_elevation: number;
}

/** A floor of a building. */
export interface FloorRow {
  idx: number;
  uuid: string;
  name: string;
  building_idx: number;
  level: number;
  elevation: number;
  height: number;
  footprint: string;
}

/** A room or unit. */
export interface RoomRow {
  idx: number;
  uuid: string;
  name: string;
  code: string;
  floor_idx: number;
  building_idx: number;
  footprint: string;
  area: number;
  use: string;
  lease_status: string;
}

/** A piece of equipment with its placement. */
export interface EquipmentRow {
  idx: number;
  uuid: string;
  name: string;
  code: string;
  type: string;
  status: string;
  building_idx: number | null;
  level: number | null;
  position: string;
  heading: number;
}

/** A pipe or cable segment. */
export interface SegmentRow {
  idx: number;
  uuid: string;
  name: string;
  code: string;
  network: string;
  geom: string;
  diameter_mm: number;
  depth: number;
  material: string;
}

/** A network node (valve, manhole, ...). */
export interface NodeRow {
  idx: number;
  uuid: string;
  name: string;
  code: string;
  network: string;
  node_type: string;
  position: string;
}

/** Loads the park by code, or null. */
export async function loadPark(db: Queryable, code: string): Promise<ParkRow | null> {
  const r = await db.query<ParkRow>(
    `SELECT p.idx, o.uuid::text AS uuid, p.code, o.name, ST_X(p.origin) AS lon, ST_Y(p.origin) AS lat, ST_Z(p.origin) AS h
     FROM park p JOIN twin_object o ON o.idx = p.idx WHERE p.code = $1`,
    [code],
  );
  return r.rows[0] ?? null;
}

/** Every park code (for `twin tiles build` without --park). */
export async function listParks(db: Queryable): Promise<string[]> {
  return (await db.query<{ code: string }>('SELECT code FROM park ORDER BY idx')).rows.map((r) => r.code);
}

const BUILDING_COLS = `b.idx, o.uuid::text AS uuid, o.name, b.code, b.footprint, b.height, b.floors_above, b.use,
  b.ground_elevation`;

/** All buildings of a park (footprints are small; rooms and floors are loaded per batch). */
export async function loadBuildings(db: Queryable, parkIdx: number, only?: readonly number[]): Promise<BuildingRow[]> {
  const r = await db.query<BuildingRow>(
    `SELECT ${BUILDING_COLS} FROM building b JOIN twin_object o ON o.idx = b.idx
     WHERE b.park_idx = $1 AND ($2::int[] IS NULL OR b.idx = ANY($2::int[])) ORDER BY b.idx`,
    [parkIdx, only ? [...only] : null],
  );
  return r.rows;
}

/** Floors, rooms and equipment of a batch of buildings. */
export async function loadInteriors(
  db: Queryable,
  buildingIdx: readonly number[],
): Promise<{ floors: FloorRow[]; rooms: RoomRow[]; equipment: EquipmentRow[] }> {
  const ids = [...buildingIdx];
  const [floors, rooms, equipment] = await Promise.all([
    db.query<FloorRow>(
      `SELECT f.idx, o.uuid::text AS uuid, o.name, f.building_idx, f.level, f.elevation, f.height, f.footprint
       FROM floor f JOIN twin_object o ON o.idx = f.idx WHERE f.building_idx = ANY($1::int[]) ORDER BY f.building_idx, f.level`,
      [ids],
    ),
    db.query<RoomRow>(
      `SELECT r.idx, o.uuid::text AS uuid, o.name, r.code, r.floor_idx, r.building_idx, r.footprint, r.area, r.use, r.lease_status
       FROM room r JOIN twin_object o ON o.idx = r.idx WHERE r.building_idx = ANY($1::int[]) ORDER BY r.building_idx, r.idx`,
      [ids],
    ),
    db.query<EquipmentRow>(
      `SELECT e.idx, o.uuid::text AS uuid, o.name, e.code, e.type, e.status, e.building_idx, f.level, e.position, e.heading
       FROM equipment e JOIN twin_object o ON o.idx = e.idx LEFT JOIN floor f ON f.idx = e.floor_idx
       WHERE e.building_idx = ANY($1::int[]) ORDER BY e.building_idx, e.idx`,
      [ids],
    ),
  ]);
  return { floors: floors.rows, rooms: rooms.rows, equipment: equipment.rows };
}

/** Outdoor equipment (not in any building). */
export async function loadSiteEquipment(db: Queryable, parkIdx: number): Promise<EquipmentRow[]> {
  const r = await db.query<EquipmentRow>(
    `SELECT e.idx, o.uuid::text AS uuid, o.name, e.code, e.type, e.status, e.building_idx, NULL::smallint AS level, e.position, e.heading
     FROM equipment e JOIN twin_object o ON o.idx = e.idx WHERE e.park_idx = $1 AND e.building_idx IS NULL ORDER BY e.idx`,
    [parkIdx],
  );
  return r.rows;
}

/** Pipes, cables and nodes of a park. */
export async function loadInfrastructure(db: Queryable, parkIdx: number): Promise<{ segments: SegmentRow[]; nodes: NodeRow[] }> {
  const [segments, nodes] = await Promise.all([
    db.query<SegmentRow>(
      `SELECT s.idx, o.uuid::text AS uuid, o.name, s.code, s.network, s.geom, s.diameter_mm, s.depth, s.material
       FROM pipe_segment s JOIN twin_object o ON o.idx = s.idx WHERE s.park_idx = $1 ORDER BY s.idx`,
      [parkIdx],
    ),
    db.query<NodeRow>(
      `SELECT n.idx, o.uuid::text AS uuid, o.name, n.code, n.network, n.node_type, n.position
       FROM pipe_node n JOIN twin_object o ON o.idx = n.idx WHERE n.park_idx = $1 ORDER BY n.idx`,
      [parkIdx],
    ),
  ]);
  return { segments: segments.rows, nodes: nodes.rows };
}

/** The spatial (GiST) indexes the tiler's queries rely on. */
const SPATIAL_INDEXES = [
  ['building', 'footprint'],
  ['floor', 'footprint'],
  ['room', 'footprint'],
  ['equipment', 'position'],
  ['pipe_segment', 'geom'],
  ['pipe_node', 'position'],
] as const;

/**
 * Lists geometry columns without a GiST index (pg2b3dm's lesson: without one, spatial queries
 * silently crawl on large parks). Returns e.g. ["room.footprint"].
 */
export async function missingSpatialIndexes(db: Queryable): Promise<string[]> {
  const r = await db.query<{ tbl: string; col: string }>(
    `SELECT t.relname AS tbl, a.attname AS col
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
     JOIN pg_class t ON t.oid = i.indrelid JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(i.indkey)
     WHERE am.amname = 'gist' AND t.relname = ANY($1::text[])`,
    [SPATIAL_INDEXES.map((s) => s[0])],
  );
  const have = new Set(r.rows.map((x) => `${x.tbl}.${x.col}`));
  return SPATIAL_INDEXES.map(([t, c]) => `${t}.${c}`).filter((k) => !have.has(k));
}

/** Reads and clears nothing: the change rows after `sinceId` for one park. */
export async function pendingChanges(
  db: Queryable,
  parkIdx: number,
  sinceId: number,
): Promise<{ maxId: number; layers: Set<string>; buildings: Set<number> }> {
  const r = await db.query<{ layer: string; building_idx: number | null; max_id: number }>(
    `SELECT layer, building_idx, max(id)::int8 AS max_id FROM tile_change WHERE park_idx = $1 AND id > $2
     GROUP BY layer, building_idx`,
    [parkIdx, sinceId],
  );
  const layers = new Set<string>();
  const buildings = new Set<number>();
  let maxId = sinceId;
  for (const row of r.rows) {
    layers.add(row.layer);
    if (row.layer === 'building' && row.building_idx !== null) buildings.add(row.building_idx);
    maxId = Math.max(maxId, row.max_id);
  }
  return { maxId, layers, buildings };
}

/** The newest change id (a full build consumes everything up to here). */
export async function latestChangeId(db: Queryable): Promise<number> {
  const r = await db.query<{ id: number }>('SELECT coalesce(max(id), 0)::int8 AS id FROM tile_change');
  return r.rows[0]!.id;
}
