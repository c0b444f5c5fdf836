/**
 * Reads the park from PostGIS for the tiler. Bulk rows arrive as binary COPY (geometry as EWKB
 * bytes, numbers and uuids in binary), parsed here without per-field strings; both backends
 * support it. Reads are batched by building, so the tiler never holds the whole park in memory,
 * and a batch's raw bytes can be handed to a worker thread as they are (`interiorBytes`).
 */
import type { Db, Queryable } from '../db/index.ts';
import { CopyReader, CopyRunSplitter, concatRows } from './copy.ts';

/** A decoded geometry: rings of [lon, lat, z?] (polygons) or one line/point. */
export type Coords = number[][];

/** Reads `n` points of `dims` doubles from `o` (only the first two or three are kept). */
function readPoints(dv: DataView, o: number, n: number, dims: number, hasZ: boolean, le: boolean): number[][] {
  const out: number[][] = new Array(n);
  for (let i = 0; i < n; i++, o += 8 * dims) {
    out[i] = hasZ ? [dv.getFloat64(o, le), dv.getFloat64(o + 8, le), dv.getFloat64(o + 16, le)] : [dv.getFloat64(o, le), dv.getFloat64(o + 8, le)];
  }
  return out;
}

/** Decodes EWKB (bytes, or hex text as PostGIS prints it) of a Point, LineString or Polygon (2D or Z) into rings of coordinates. */
export function decodeEwkb(wkb: Uint8Array | string): Coords[] {
  const buf = typeof wkb === 'string' ? Buffer.from(wkb, 'hex') : wkb;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const le = buf[0] === 1;
  const raw = dv.getUint32(1, le);
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
  if (type === 1) return [readPoints(dv, o, 1, dims, hasZ, le)];
  if (type === 2) return [readPoints(dv, o + 4, dv.getUint32(o, le), dims, hasZ, le)];
  if (type === 3) {
    const nr = dv.getUint32(o, le);
    o += 4;
    const rings: Coords[] = new Array(nr);
    for (let r = 0; r < nr; r++) {
      const n = dv.getUint32(o, le);
      rings[r] = readPoints(dv, o + 4, n, dims, hasZ, le);
      o += 4 + 8 * dims * n;
    }
    return rings;
  }
  throw new Error(`unsupported geometry type ${type}`);
}

/**
 * Decodes the EWKB of a Polygon straight into local rings of [x, y] (one array per point, none
 * for the lon/lat in between).
 */
export function decodePolygonLocal(wkb: Uint8Array, project: (lon: number, lat: number) => [number, number]): Array<Array<[number, number]>> {
  const dv = new DataView(wkb.buffer, wkb.byteOffset, wkb.byteLength);
  const le = wkb[0] === 1;
  const raw = dv.getUint32(1, le);
  let type = raw & 0x0fffffff;
  let hasZ = (raw & 0x80000000) !== 0;
  let hasM = (raw & 0x40000000) !== 0;
  if (type >= 1000) {
    const k = Math.floor(type / 1000);
    hasZ ||= k === 1 || k === 3;
    hasM ||= k === 2 || k === 3;
    type %= 1000;
  }
  if (type !== 3) return decodeEwkb(wkb).map((ring) => ring.map((p) => project(p[0]!, p[1]!)));
  const step = 8 * (2 + (hasZ ? 1 : 0) + (hasM ? 1 : 0));
  let o = raw & 0x20000000 ? 9 : 5;
  const nr = dv.getUint32(o, le);
  o += 4;
  const rings: Array<Array<[number, number]>> = new Array(nr);
  for (let r = 0; r < nr; r++) {
    const n = dv.getUint32(o, le);
    o += 4;
    const ring: Array<[number, number]> = new Array(n);
    for (let i = 0; i < n; i++, o += step) ring[i] = project(dv.getFloat64(o, le), dv.getFloat64(o + 8, le));
    rings[r] = ring;
  }
  return rings;
}

/** Decodes the EWKB of a Point / PointZ to [x, y, z] (z = 0 for 2D points); fast path for equipment and nodes. */
export function decodePoint(wkb: Uint8Array): [number, number, number] {
  const dv = new DataView(wkb.buffer, wkb.byteOffset, wkb.byteLength);
  const le = wkb[0] === 1;
  const type = dv.getUint32(1, le);
  if ((type & 0x0fffffff) % 1000 !== 1) return decodeEwkb(wkb)[0]![0]! as [number, number, number];
  const hasZ = (type & 0x80000000) !== 0 || Math.floor((type & 0x0fffffff) / 1000) % 2 === 1;
  const o = type & 0x20000000 ? 9 : 5;
  return [dv.getFloat64(o, le), dv.getFloat64(o + 8, le), hasZ ? dv.getFloat64(o + 16, le) : 0];
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
  footprint: Uint8Array;
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
  footprint: Uint8Array;
}

/** A room or unit (ROOM_COLUMNS: no tenant data). */
export interface RoomRow {
  idx: number;
  floor_idx: number;
  building_idx: number;
  footprint: Uint8Array;
  area: number;
  use: string;
}

/** A piece of equipment with its placement (EQUIPMENT_COLUMNS: no tenant data). */
export interface EquipmentRow {
  idx: number;
  type: string;
  building_idx: number | null;
  level: number | null;
  position: Uint8Array;
  heading: number;
}

/** A pipe or cable segment. */
export interface SegmentRow {
  idx: number;
  uuid: string;
  name: string;
  code: string;
  network: string;
  geom: Uint8Array;
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
  position: Uint8Array;
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

/** An integer we read from the database ourselves, checked before it is inlined into a COPY. */
function int(n: number): string {
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`);
  return String(n);
}

/** An int[] literal of checked integers. */
const intArray = (ids: readonly number[]) => `'{${ids.map(int).join(',')}}'::int[]`;

/** Reads every row of a binary COPY with `row`. */
function rowsOf<T>(bytes: Uint8Array, row: (r: CopyReader) => T): T[] {
  const r = new CopyReader(bytes);
  const out: T[] = [];
  while (r.next()) out.push(row(r));
  return out;
}

/** All buildings of a park, or only those listed (footprints are small; rooms and floors are read per batch). */
export async function loadBuildings(db: Db, parkIdx: number, only?: readonly number[]): Promise<BuildingRow[]> {
  const bytes = await db.copyBinary(
    `SELECT b.idx, o.uuid, o.name, b.code, b.footprint, b.height, b.floors_above, b.use, b.ground_elevation
     FROM building b JOIN twin_object o ON o.idx = b.idx
     WHERE b.park_idx = ${int(parkIdx)}${only ? ` AND b.idx = ANY(${intArray(only)})` : ''} ORDER BY b.idx`,
  );
  return rowsOf(bytes, (r) => ({
    idx: r.int(), uuid: r.uuid(), name: r.str(), code: r.str(), footprint: r.bytes(), height: r.real(),
    floors_above: r.int(), use: r.str(), ground_elevation: r.real(),
  }));
}

/** The raw rows (binary COPY) of a batch of buildings' floors, rooms and equipment. */
export interface InteriorBytes {
  readonly floors: Uint8Array;
  readonly rooms: Uint8Array;
  readonly equipment: Uint8Array;
}

/** Floors, rooms and equipment of a batch of buildings. */
export interface Interiors {
  readonly floors: FloorRow[];
  /** ROOM_COLUMNS rows, as bytes. */
  readonly rooms: CopyRows;
  readonly equipment: EquipmentRows;
}

// The interior columns, building first (the stream splits rows by it without parsing the rest).
const FLOOR_COLUMNS = 'f.building_idx, f.idx, o.uuid, o.name, f.level, f.elevation, f.height, f.footprint';
// Rooms and equipment carry no name, uuid, code, lease or equipment status: tiles are shared by every
// principal, and those belong to the tenant (docs/tiles.md, "What tiles carry").
const ROOM_COLUMNS = 'r.building_idx, r.idx, r.floor_idx, r.footprint, r.area, r.use';
const EQUIPMENT_COLUMNS = 'e.building_idx, e.idx, e.type, f.level, e.position, e.heading';

/**
 * Reads a batch's floors, rooms and equipment as binary COPY bytes, to parse here or in a worker.
 * Unordered: `parseInteriors` sorts (in the worker, off the database's CPU).
 */
export async function interiorBytes(db: Db, buildingIdx: readonly number[]): Promise<InteriorBytes> {
  const ids = intArray(buildingIdx);
  const [floors, rooms, equipment] = await Promise.all([
    db.copyBinary(`SELECT ${FLOOR_COLUMNS} FROM floor f JOIN twin_object o ON o.idx = f.idx WHERE f.building_idx = ANY(${ids})`),
    db.copyBinary(`SELECT ${ROOM_COLUMNS} FROM room r WHERE r.building_idx = ANY(${ids})`),
    db.copyBinary(
      `SELECT ${EQUIPMENT_COLUMNS} FROM equipment e LEFT JOIN floor f ON f.idx = e.floor_idx
       WHERE e.building_idx = ANY(${ids})`,
    ),
  ]);
  return { floors, rooms, equipment };
}

/** One batch of a streamed read: consecutive buildings and the raw rows of their interiors. */
export interface InteriorBatch {
  readonly buildings: number[];
  readonly interiors: InteriorBytes;
}

/**
 * Reads the floors, rooms and equipment of every listed building of a park as three binary COPY
 * streams, one scan per table, and yields them in batches of consecutive buildings of about
 * `batchBytes` raw bytes, as soon as every stream has passed a batch's last building. Each batch
 * owns its buffers (transferable to a worker). Reading pauses while the consumer does not ask for
 * the next batch, so memory is bounded by the batches in flight, not by the park.
 *
 * The streams are in idx order, which the database delivers without a sort (it is the order of
 * the primary keys it joins on). Rows are created building by building, so in idx order each
 * table's building ids do not decrease; a row that breaks this (a room added to an old building
 * later) marks its building a straggler: it may have gone out incomplete, and the generator's
 * return value lists it for the caller to read again on its own.
 */
export async function* streamInteriors(
  db: Db,
  parkIdx: number,
  buildingIdx: readonly number[],
  batchBytes: number,
): AsyncGenerator<InteriorBatch, Set<number>> {
  const ids = [...buildingIdx].sort((a, b) => a - b);
  const known = new Set(ids);
  const park = int(parkIdx);
  const sqls = [
    `SELECT ${FLOOR_COLUMNS} FROM floor f JOIN twin_object o ON o.idx = f.idx JOIN building b ON b.idx = f.building_idx
     WHERE b.park_idx = ${park} ORDER BY f.idx`,
    `SELECT ${ROOM_COLUMNS} FROM room r JOIN building b ON b.idx = r.building_idx
     WHERE b.park_idx = ${park} ORDER BY r.idx`,
    `SELECT ${EQUIPMENT_COLUMNS} FROM equipment e LEFT JOIN floor f ON f.idx = e.floor_idx
     WHERE e.park_idx = ${park} AND e.building_idx IS NOT NULL ORDER BY e.idx`,
  ];
  const stragglers = new Set<number>();
  interface Table {
    it: AsyncIterator<Uint8Array>;
    pending: Promise<IteratorResult<Uint8Array>> | null;
    split: CopyRunSplitter;
    /** Building of the last row taken (-Infinity before the first, Infinity at the end). */
    cur: number;
    done: boolean;
    /** Runs of rows not yet in a batch, in building order. */
    runs: Array<{ key: number; bytes: Uint8Array }>;
  }
  const tables: Table[] = sqls.map((sql) => {
    const it = db.copyBinaryStream(sql)[Symbol.asyncIterator]();
    const t: Table = { it, pending: null, split: null!, cur: -Infinity, done: false, runs: [] };
    t.split = new CopyRunSplitter((key, bytes) => {
      if (!known.has(key)) return; // another park's building, or none
      if (key < t.cur) {
        stragglers.add(key);
        return;
      }
      t.cur = key;
      t.runs.push({ key, bytes });
    });
    return t;
  });
  const ask = (t: Table) => {
    t.pending = t.it.next();
    t.pending.catch(() => {}); // awaited when this table is read next; this only keeps an early failure from going unhandled
  };
  tables.forEach(ask); // the three statements start at once
  try {
    let next = 0; // first building not yet in a batch
    let batch: number[] = [];
    let parts: Uint8Array[][] = [[], [], []];
    let bytes = 0;
    const take = (): InteriorBatch => {
      const [floors, rooms, equipment] = parts.map(concatRows) as [Uint8Array, Uint8Array, Uint8Array];
      const b: InteriorBatch = { buildings: batch, interiors: { floors, rooms, equipment } };
      batch = [];
      parts = [[], [], []];
      bytes = 0;
      return b;
    };
    for (;;) {
      let ready = Infinity;
      for (const t of tables) if (!t.done && t.cur < ready) ready = t.cur;
      // Every building below `ready` is complete in every table.
      while (next < ids.length && ids[next]! < ready) {
        const b = ids[next++]!;
        batch.push(b);
        tables.forEach((t, k) => {
          while (t.runs.length > 0 && t.runs[0]!.key <= b) {
            const run = t.runs.shift()!;
            parts[k]!.push(run.bytes);
            bytes += run.bytes.byteLength;
          }
        });
        if (bytes >= batchBytes) yield take();
      }
      if (ready === Infinity) break;
      // Read on from the table that lags behind (the others wait, with their data in the socket).
      const t = tables.find((x) => !x.done && x.cur === ready)!;
      const r = await t.pending!;
      if (r.done) {
        t.split.end();
        t.done = true;
        t.cur = Infinity;
      } else {
        t.split.push(r.value);
        ask(t);
      }
    }
    if (batch.length > 0) yield take();
    return stragglers;
  } finally {
    // Stopped early (an error, or the consumer gave up): close the streams still open.
    await Promise.all(tables.filter((t) => !t.done).map((t) => t.it.return?.().catch(() => {})));
  }
}

/** Field numbers of EQUIPMENT_COLUMNS. */
export const EQ = { building: 0, idx: 1, type: 2, level: 3, position: 4, heading: 5 } as const;
/** Field numbers of ROOM_COLUMNS. */
export const RM = { building: 0, idx: 1, floor: 2, footprint: 3, area: 4, use: 5 } as const;

const EQ_FIELDS = Object.keys(EQ).length;
const RM_FIELDS = Object.keys(RM).length;

/**
 * Rows of a binary COPY kept as the bytes they came in, with where each field starts: no object
 * and no string per row. Text fields are UTF-8 that property tables copy as it is; the few values
 * the geometry needs are read in place. Field 0 is the building and field 1 the idx (the interior
 * column lists put them first).
 */
export class CopyRows {
  readonly bytes: Uint8Array;
  readonly count: number;
  protected readonly dv: DataView;
  /** Per row and field: offset of the value and its length (-1 = NULL). */
  private readonly at: Int32Array;
  private readonly len: Int32Array;
  private readonly texts = new Map<number, Array<{ bytes: Uint8Array; text: string }>>();

  constructor(bytes: Uint8Array, readonly fields: number) {
    this.bytes = bytes;
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.dv = dv;
    new CopyReader(bytes); // checks the signature
    let o = 19 + dv.getUint32(15);
    let cap = 256;
    let at = new Int32Array(cap * fields);
    let len = new Int32Array(cap * fields);
    let n = 0;
    while (o + 2 <= bytes.byteLength) {
      const count = dv.getInt16(o);
      if (count === -1) break;
      if (count !== fields) throw new Error(`COPY row with ${count} fields, expected ${fields}`);
      o += 2;
      if (n === cap) {
        cap *= 2;
        const a = new Int32Array(cap * fields);
        a.set(at);
        at = a;
        const l = new Int32Array(cap * fields);
        l.set(len);
        len = l;
      }
      for (let f = 0, k = n * fields; f < fields; f++, k++) {
        const l = dv.getInt32(o);
        o += 4;
        at[k] = o;
        len[k] = l;
        if (l > 0) o += l;
      }
      n++;
    }
    if (o > bytes.byteLength) throw new Error('COPY data cut inside a row');
    this.count = n;
    this.at = at;
    this.len = len;
  }

  /** Offset of field `f` of row `i`. */
  fieldAt(i: number, f: number): number {
    return this.at[i * this.fields + f]!;
  }

  /** Length of field `f` of row `i` (-1 = NULL). */
  fieldLen(i: number, f: number): number {
    return this.len[i * this.fields + f]!;
  }

  /** An integer field (int2, int4, int8), null for NULL. */
  intOrNull(i: number, f: number): number | null {
    const k = i * this.fields + f;
    const l = this.len[k]!;
    if (l < 0) return null;
    if (l === 2) return this.dv.getInt16(this.at[k]!);
    if (l === 4) return this.dv.getInt32(this.at[k]!);
    if (l === 8) return Number(this.dv.getBigInt64(this.at[k]!));
    throw new Error(`unexpected integer width ${l}`);
  }

  /** A real or double precision field (NULL reads as 0). */
  real(i: number, f: number): number {
    const k = i * this.fields + f;
    const l = this.len[k]!;
    return l === 4 ? this.dv.getFloat32(this.at[k]!) : l === 8 ? this.dv.getFloat64(this.at[k]!) : 0;
  }

  /** The bytes of field `f` of row `i` (a view). */
  view(i: number, f: number): Uint8Array {
    const k = i * this.fields + f;
    return this.bytes.subarray(this.at[k]!, this.at[k]! + Math.max(0, this.len[k]!));
  }

  /** A text field as a string, one string per distinct value (for enum-like columns; NULL reads as ""). */
  text(i: number, f: number): string {
    const k = i * this.fields + f;
    const o = this.at[k]!;
    const l = Math.max(0, this.len[k]!);
    const b = this.bytes;
    let h = l;
    for (let j = 0; j < l; j++) h = (Math.imul(h, 31) + b[o + j]!) | 0;
    let list = this.texts.get(h);
    if (!list) {
      list = [];
      this.texts.set(h, list);
    }
    for (const t of list) {
      if (t.bytes.length !== l) continue;
      let same = true;
      for (let j = 0; j < l && same; j++) same = t.bytes[j] === b[o + j];
      if (same) return t.text;
    }
    const bytes = b.slice(o, o + l);
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, l).toString('utf8');
    list.push({ bytes, text });
    return text;
  }

  idx(i: number): number {
    return this.intOrNull(i, 1)!;
  }

  building(i: number): number | null {
    return this.intOrNull(i, 0);
  }

  /** Row numbers per building, each list by idx (rows without a building are left out). */
  byBuilding(): Map<number, number[]> {
    const m = new Map<number, number[]>();
    for (let i = 0; i < this.count; i++) {
      const b = this.building(i);
      if (b === null) continue;
      const list = m.get(b);
      if (list) list.push(i);
      else m.set(b, [i]);
    }
    for (const list of m.values()) this.sortByIdx(list);
    return m;
  }

  /** Sorts row numbers by idx, in place (a cheap check when they already are). */
  sortByIdx(list: number[]): number[] {
    for (let j = 1; j < list.length; j++) {
      if (this.idx(list[j]!) < this.idx(list[j - 1]!)) {
        list.sort((a, b) => this.idx(a) - this.idx(b));
        break;
      }
    }
    return list;
  }
}

/** Equipment rows (EQUIPMENT_COLUMNS) as bytes. */
export class EquipmentRows extends CopyRows {
  constructor(bytes: Uint8Array) {
    super(bytes, EQ_FIELDS);
  }

  level(i: number): number | null {
    return this.intOrNull(i, EQ.level);
  }

  heading(i: number): number {
    return this.real(i, EQ.heading);
  }

  type(i: number): string {
    return this.text(i, EQ.type);
  }

  /** The position (EWKB point) as [x, y, z], read in place. */
  position(i: number): [number, number, number] {
    const o = this.fieldAt(i, EQ.position);
    const dv = this.dv;
    const le = this.bytes[o] === 1;
    const type = dv.getUint32(o + 1, le);
    if ((type & 0x0fffffff) % 1000 !== 1) return decodePoint(this.view(i, EQ.position));
    const hasZ = (type & 0x80000000) !== 0 || Math.floor((type & 0x0fffffff) / 1000) % 2 === 1;
    const p = o + (type & 0x20000000 ? 9 : 5);
    return [dv.getFloat64(p, le), dv.getFloat64(p + 8, le), hasZ ? dv.getFloat64(p + 16, le) : 0];
  }
}

function floorRow(r: CopyReader): FloorRow {
  const building_idx = r.int();
  return {
    idx: r.int(), uuid: r.uuid(), name: r.str(), building_idx, level: r.int(), elevation: r.real(),
    height: r.real(), footprint: r.bytes(),
  };
}

const byBuildingThen = <T extends { building_idx: number | null }>(key: (r: T) => number) => (a: T, b: T) =>
  (a.building_idx ?? 0) - (b.building_idx ?? 0) || key(a) - key(b);

/** Parses what `interiorBytes` or `streamInteriors` read, in a fixed order (floors by level, rooms and equipment by idx) so output bytes are stable. */
export function parseInteriors(b: InteriorBytes): Interiors {
  const rows = {
    floors: rowsOf(b.floors, floorRow),
    rooms: new CopyRows(b.rooms, RM_FIELDS),
    equipment: new EquipmentRows(b.equipment),
  };
  rows.floors.sort(byBuildingThen((f) => f.level));
  return rows;
}

/** Floors, rooms and equipment of a batch of buildings, parsed. */
export async function loadInteriors(db: Db, buildingIdx: readonly number[]): Promise<Interiors> {
  return parseInteriors(await interiorBytes(db, buildingIdx));
}

/** Outdoor equipment (not in any building), in idx order. */
export async function loadSiteEquipment(db: Db, parkIdx: number): Promise<EquipmentRows> {
  return new EquipmentRows(await db.copyBinary(
    `SELECT ${EQUIPMENT_COLUMNS.replace('f.level', 'NULL::smallint AS level')} FROM equipment e
     WHERE e.park_idx = ${int(parkIdx)} AND e.building_idx IS NULL ORDER BY e.idx`,
  ));
}

/** Pipes, cables and nodes of a park. */
export async function loadInfrastructure(db: Db, parkIdx: number): Promise<{ segments: SegmentRow[]; nodes: NodeRow[] }> {
  const [segments, nodes] = await Promise.all([
    db.copyBinary(
      `SELECT s.idx, o.uuid, o.name, s.code, s.network, s.geom, s.diameter_mm, s.depth, s.material
       FROM pipe_segment s JOIN twin_object o ON o.idx = s.idx WHERE s.park_idx = ${int(parkIdx)} ORDER BY s.idx`,
    ),
    db.copyBinary(
      `SELECT n.idx, o.uuid, o.name, n.code, n.network, n.node_type, n.position
       FROM pipe_node n JOIN twin_object o ON o.idx = n.idx WHERE n.park_idx = ${int(parkIdx)} ORDER BY n.idx`,
    ),
  ]);
  return {
    segments: rowsOf(segments, (r) => ({
      idx: r.int(), uuid: r.uuid(), name: r.str(), code: r.str(), network: r.str(), geom: r.bytes(),
      diameter_mm: r.real(), depth: r.real(), material: r.str(),
    })),
    nodes: rowsOf(nodes, (r) => ({
      idx: r.int(), uuid: r.uuid(), name: r.str(), code: r.str(), network: r.str(), node_type: r.str(), position: r.bytes(),
    })),
  };
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
): Promise<{ maxId: number; layers: Set<string>; buildings: Set<number>; layout: Set<number> }> {
  const r = await db.query<{ layer: string; building_idx: number | null; max_id: number }>(
    `SELECT layer, building_idx, max(id)::int8 AS max_id FROM tile_change WHERE park_idx = $1 AND id > $2
     GROUP BY layer, building_idx`,
    [parkIdx, sinceId],
  );
  const layers = new Set<string>();
  const buildings = new Set<number>();
  const layout = new Set<number>();
  let maxId = sinceId;
  for (const row of r.rows) {
    layers.add(row.layer);
    if (row.layer === 'building' && row.building_idx !== null) buildings.add(row.building_idx);
    if (row.layer === 'layout' && row.building_idx !== null) layout.add(row.building_idx);
    maxId = Math.max(maxId, row.max_id);
  }
  return { maxId, layers, buildings, layout };
}

/** The newest change id (a full build consumes everything up to here). */
export async function latestChangeId(db: Queryable): Promise<number> {
  const r = await db.query<{ id: number }>('SELECT coalesce(max(id), 0)::int8 AS id FROM tile_change');
  return r.rows[0]!.id;
}
