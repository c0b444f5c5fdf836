/**
 * Writes a generated park with batched multi-row INSERT ... SELECT FROM unnest($1::t[], ...),
 * which both PGlite and PostgreSQL run fast. Table and column names come from this file only.
 */
import type { Tx } from '../db/index.ts';
import { LocalFrame, ewkbLineZ, ewkbPointZ, ewkbPolygon, rectRing } from './geo.ts';
import { allObjects, objectCount } from './generate.ts';
import type {
  BuildingObj, EquipmentObj, FloorObj, ParkData, ParkObj, PipeNodeObj, PipeSegmentObj, RoomObj, ZoneObj,
} from './model.ts';

/** A progress report: `done` of `total` rows of one stage. */
export interface SeedProgress {
  readonly stage: string;
  readonly done: number;
  readonly total: number;
}

interface Col<T> {
  readonly name: string;
  /** Element SQL type of the parameter array. */
  readonly type: string;
  readonly get: (row: T) => unknown;
  /** Select expression over the unnest alias `u` (defaults to u.name). */
  readonly expr?: string;
}

const BATCH = 4000;

async function insertMany<T>(
  tx: Tx,
  table: string,
  cols: readonly Col<NoInfer<T>>[],
  rows: readonly T[],
  stage: string,
  progress: (p: SeedProgress) => void,
): Promise<void> {
  const names = cols.map((c) => c.name).join(', ');
  const sql =
    `INSERT INTO ${table} (${names}) SELECT ${cols.map((c) => c.expr ?? `u.${c.name}`).join(', ')} ` +
    `FROM unnest(${cols.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ')}) AS u(${names})`;
  for (let i = 0; i < rows.length; i += BATCH) {
    const chunk = rows.slice(i, i + BATCH);
    await tx.query(sql, cols.map((c) => chunk.map(c.get)));
    progress({ stage, done: Math.min(rows.length, i + BATCH), total: rows.length });
  }
  if (rows.length === 0) progress({ stage, done: 0, total: 0 });
}

/** A geometry column: hex EWKB text cast to geometry in SQL. */
const geom = <T,>(name: string, get: (row: T) => string): Col<T> => ({ name, type: 'text', expr: `u.${name}::geometry`, get });
const idxOf = (o: { idx: number } | null | undefined): number | null => (o ? o.idx : null);

/** Inserts every row of `d` (the caller runs this inside one transaction). */
export async function writePark(tx: Tx, d: ParkData, progress: (p: SeedProgress) => void): Promise<void> {
  const frame = new LocalFrame(d.origin.lon, d.origin.lat);
  const parkIdx = d.park.idx;
  const objs = [...allObjects(d)];
  const kindOf = new Map<object, string>();
  const tag = (xs: readonly object[], kind: string) => xs.forEach((x) => kindOf.set(x, kind));
  tag([d.park], 'park');
  tag(d.zones, 'zone');
  tag(d.buildings, 'building');
  tag(d.floors, 'floor');
  tag(d.rooms, 'room');
  tag(d.equipment, 'equipment');
  tag(d.enterprises, 'enterprise');
  tag(d.pipeNodes, 'pipe_node');
  tag(d.pipeSegments, 'pipe_segment');
  if (objs.length !== objectCount(d)) throw new Error('object count mismatch');

  await insertMany(tx, 'twin_object', [
    { name: 'idx', type: 'int', get: (o) => o.idx },
    { name: 'uuid', type: 'uuid', get: (o) => o.uuid },
    { name: 'kind', type: 'text', get: (o) => kindOf.get(o) },
    { name: 'name', type: 'text', get: (o) => o.name },
    { name: 'name_en', type: 'text', get: (o) => o.nameEn },
  ], objs, 'objects', progress);

  await insertMany(tx, 'park', [
    { name: 'idx', type: 'int', get: (p) => p.idx },
    { name: 'code', type: 'text', get: (p) => p.code },
    { name: 'city', type: 'text', get: (p) => p.city },
    geom('origin', (p: ParkObj) => ewkbPointZ(frame, { x: 0, y: 0 }, p.originHeight)),
    geom('boundary', (p: ParkObj) => ewkbPolygon(frame, p.boundary)),
  ], [d.park], 'park', progress);

  await insertMany(tx, 'zone', [
    { name: 'idx', type: 'int', get: (z) => z.idx },
    { name: 'park_idx', type: 'int', get: () => parkIdx },
    { name: 'code', type: 'text', get: (z) => z.code },
    { name: 'zone_type', type: 'text', get: (z) => z.zoneType },
    geom('boundary', (z: ZoneObj) => ewkbPolygon(frame, z.boundary)),
    { name: 'planned_use', type: 'text', get: (z) => z.plannedUse },
    { name: 'plot_ratio', type: 'float8', get: (z) => z.plotRatio },
  ], d.zones, 'zones', progress);

  await insertMany(tx, 'building', [
    { name: 'idx', type: 'int', get: (b) => b.idx },
    { name: 'park_idx', type: 'int', get: () => parkIdx },
    { name: 'code', type: 'text', get: (b) => b.code },
    geom('footprint', (b: BuildingObj) => ewkbPolygon(frame, b.footprint)),
    { name: 'height', type: 'float8', get: (b) => b.height },
    { name: 'floors_above', type: 'int', get: (b) => b.floorsAbove },
    { name: 'floors_below', type: 'int', get: (b) => b.floorsBelow },
    { name: 'use', type: 'text', get: (b) => b.use },
    { name: 'year', type: 'int', get: (b) => b.year },
    { name: 'ground_elevation', type: 'float8', get: () => 0 },
  ], d.buildings, 'buildings', progress);

  await insertMany(tx, 'floor', [
    { name: 'idx', type: 'int', get: (f) => f.idx },
    { name: 'building_idx', type: 'int', get: (f) => f.building.idx },
    { name: 'level', type: 'int', get: (f) => f.level },
    { name: 'elevation', type: 'float8', get: (f) => f.elevation },
    { name: 'height', type: 'float8', get: (f) => f.height },
    geom('footprint', (f: FloorObj) => ewkbPolygon(frame, f.footprint)),
  ], d.floors, 'floors', progress);

  await insertMany(tx, 'room', [
    { name: 'idx', type: 'int', get: (r) => r.idx },
    { name: 'floor_idx', type: 'int', get: (r) => r.floor.idx },
    { name: 'building_idx', type: 'int', get: (r) => r.building.idx },
    { name: 'code', type: 'text', get: (r) => r.code },
    geom('footprint', (r: RoomObj) => ewkbPolygon(frame, { outer: rectRing(r.r), holes: [] })),
    { name: 'area', type: 'float8', get: (r) => r.area },
    { name: 'use', type: 'text', get: (r) => r.use },
    { name: 'leasable', type: 'bool', get: (r) => r.leasable },
    { name: 'lease_status', type: 'text', get: (r) => r.leaseStatus },
    { name: 'rent', type: 'numeric', get: (r) => (r.rent === null ? null : r.rent.toFixed(2)) },
    { name: 'capacity', type: 'int', get: (r) => r.capacity },
  ], d.rooms, 'rooms', progress);

  await insertMany(tx, 'equipment', [
    { name: 'idx', type: 'int', get: (e) => e.idx },
    { name: 'park_idx', type: 'int', get: () => parkIdx },
    { name: 'building_idx', type: 'int', get: (e) => idxOf(e.building) },
    { name: 'floor_idx', type: 'int', get: (e) => idxOf(e.floor) },
    { name: 'room_idx', type: 'int', get: (e) => idxOf(e.room) },
    { name: 'code', type: 'text', get: (e) => e.code },
    { name: 'type', type: 'text', get: (e) => e.type },
    { name: 'model', type: 'text', get: (e) => e.model },
    { name: 'manufacturer', type: 'text', get: (e) => e.manufacturer },
    geom('position', (e: EquipmentObj) => ewkbPointZ(frame, e.pos, e.z)),
    { name: 'heading', type: 'float8', get: (e) => e.heading },
    { name: 'status', type: 'text', get: (e) => e.status },
    { name: 'install_date', type: 'date', get: (e) => e.installDate },
    { name: 'maintenance_interval_days', type: 'int', get: (e) => e.maintenanceDays },
    { name: 'last_maintained', type: 'date', get: (e) => e.lastMaintained },
    { name: 'rated_power_kw', type: 'float8', get: (e) => e.ratedKw },
  ], d.equipment, 'equipment', progress);

  const cams = d.equipment.filter((e) => e.camera);
  await insertMany(tx, 'camera', [
    { name: 'idx', type: 'int', get: (e) => e.idx },
    { name: 'coverage', type: 'text', get: (e) => e.camera!.coverage },
    { name: 'fov_deg', type: 'float8', get: (e) => e.camera!.fov },
    { name: 'range_m', type: 'float8', get: (e) => e.camera!.range },
    { name: 'ptz', type: 'bool', get: (e) => e.camera!.ptz },
  ], cams, 'cameras', progress);

  const aps = d.equipment.filter((e) => e.access);
  await insertMany(tx, 'access_point', [
    { name: 'idx', type: 'int', get: (e) => e.idx },
    { name: 'type', type: 'text', get: (e) => e.type },
    { name: 'access_kind', type: 'text', get: (e) => e.access!.kind },
    { name: 'biometric', type: 'bool', get: (e) => e.access!.biometric },
    { name: 'zone_idx', type: 'int', get: (e) => idxOf(e.access!.zone) },
  ], aps, 'access points', progress);

  await insertMany(tx, 'enterprise', [
    { name: 'idx', type: 'int', get: (e) => e.idx },
    { name: 'park_idx', type: 'int', get: () => parkIdx },
    { name: 'credit_code', type: 'text', get: (e) => e.creditCode },
    { name: 'industry', type: 'text', get: (e) => e.industry },
    { name: 'registered_capital', type: 'numeric', get: (e) => e.capital.toFixed(2) },
    { name: 'staff', type: 'int', get: (e) => e.staff },
    { name: 'founded', type: 'date', get: (e) => e.founded },
    { name: 'is_leading', type: 'bool', get: (e) => e.leading },
    { name: 'high_tech', type: 'bool', get: (e) => e.highTech },
  ], d.enterprises, 'enterprises', progress);

  const monthly = d.enterprises.flatMap((e) => e.monthly.map((m) => ({ e: e.idx, m })));
  await insertMany(tx, 'enterprise_monthly', [
    { name: 'enterprise_idx', type: 'int', get: (r) => r.e },
    { name: 'month', type: 'date', get: (r) => r.m.month },
    { name: 'output_value', type: 'numeric', get: (r) => r.m.output.toFixed(2) },
    { name: 'revenue', type: 'numeric', get: (r) => r.m.revenue.toFixed(2) },
    { name: 'tax', type: 'numeric', get: (r) => r.m.tax.toFixed(2) },
    { name: 'rd_spend', type: 'numeric', get: (r) => r.m.rd.toFixed(2) },
    { name: 'energy_kwh', type: 'numeric', get: (r) => r.m.energyKwh.toFixed(1) },
    { name: 'staff', type: 'int', get: (r) => r.m.staff },
  ], monthly, 'enterprise months', progress);

  await insertMany(tx, 'lease', [
    { name: 'room_idx', type: 'int', get: (l) => l.room.idx },
    { name: 'enterprise_idx', type: 'int', get: (l) => l.enterprise.idx },
    { name: 'start_date', type: 'date', get: (l) => l.start },
    { name: 'end_date', type: 'date', get: (l) => l.end },
    { name: 'rent', type: 'numeric', get: (l) => l.rent.toFixed(2) },
    { name: 'status', type: 'text', get: (l) => l.status },
  ], d.leases, 'leases', progress);

  await insertMany(tx, 'pipe_node', [
    { name: 'idx', type: 'int', get: (n) => n.idx },
    { name: 'park_idx', type: 'int', get: () => parkIdx },
    { name: 'network', type: 'text', get: (n) => n.network },
    { name: 'node_type', type: 'text', get: (n) => n.nodeType },
    { name: 'code', type: 'text', get: (n) => n.code },
    geom('position', (n: PipeNodeObj) => ewkbPointZ(frame, n.pos, n.z)),
    { name: 'building_idx', type: 'int', get: (n) => idxOf(n.building) },
    { name: 'valve_open', type: 'bool', get: (n) => n.valveOpen },
  ], d.pipeNodes, 'pipe nodes', progress);

  await insertMany(tx, 'pipe_segment', [
    { name: 'idx', type: 'int', get: (s) => s.idx },
    { name: 'park_idx', type: 'int', get: () => parkIdx },
    { name: 'network', type: 'text', get: (s) => s.network },
    { name: 'code', type: 'text', get: (s) => s.code },
    { name: 'from_node', type: 'int', get: (s) => s.from.idx },
    { name: 'to_node', type: 'int', get: (s) => s.to.idx },
    geom('geom', (s: PipeSegmentObj) => ewkbLineZ(frame, [{ p: s.from.pos, z: s.from.z }, { p: s.to.pos, z: s.to.z }])),
    { name: 'diameter_mm', type: 'float8', get: (s) => s.diameter },
    { name: 'depth', type: 'float8', get: (s) => s.depth },
    { name: 'material', type: 'text', get: (s) => s.material },
    { name: 'install_year', type: 'int', get: (s) => s.installYear },
  ], d.pipeSegments, 'pipe segments', progress);

  await insertMany(tx, 'work_order', [
    { name: 'park_idx', type: 'int', get: () => parkIdx },
    { name: 'equipment_idx', type: 'int', get: (w) => w.equipment.idx },
    { name: 'code', type: 'text', get: (w) => w.code },
    { name: 'title', type: 'text', get: (w) => w.title },
    { name: 'title_en', type: 'text', get: (w) => w.titleEn },
    { name: 'order_type', type: 'text', get: (w) => w.type },
    { name: 'priority', type: 'text', get: (w) => w.priority },
    { name: 'status', type: 'text', get: (w) => w.status },
    { name: 'assignee', type: 'text', get: (w) => w.assignee },
    { name: 'opened_on', type: 'date', get: (w) => w.opened },
    { name: 'due_on', type: 'date', get: (w) => w.due },
    { name: 'closed_on', type: 'date', get: (w) => w.closed },
  ], d.workOrders, 'work orders', progress);
}
