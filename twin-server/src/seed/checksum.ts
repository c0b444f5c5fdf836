/**
 * A checksum over everything one park owns, identical on PGlite and PostgreSQL for the same
 * data: every value is turned into text in SQL with explicit formats (geometry as NDR EWKB hex,
 * dates as YYYY-MM-DD, idx relative to the park's idx), rows are read in key order in fixed idx
 * buckets, and the text is hashed with SHA-256 in JS.
 */
import { createHash } from 'node:crypto';
import type { Db, Tx } from '../db/index.ts';

const t = (e: string) => `coalesce((${e})::text, '~')`;
const rel = (col: string) => t(`${col} - $1`);
const geo = (col: string) => t(`encode(ST_AsEWKB(${col}, 'NDR'), 'hex')`);
const day = (col: string) => t(`to_char(${col}, 'YYYY-MM-DD')`);
const obj = ['o.uuid', 'o.kind', 'o.name', 'o.name_en'].map(t);

interface TableSpec {
  /** Name in the hash stream. */
  readonly name: string;
  readonly cols: readonly string[];
  /** FROM clause; `o` is twin_object where the table is a kind table. */
  readonly from: string;
  /** Condition tying rows to the park ($1 = park idx). */
  readonly where: string;
  /** Integer column bucketed for paging. */
  readonly key: string;
  readonly order: string;
  /** Bucket width in idx units. */
  readonly bucket: number;
}

const inBuildings = 'IN (SELECT idx FROM building WHERE park_idx = $1)';
const TABLES: readonly TableSpec[] = [
  {
    name: 'park', from: 'park x JOIN twin_object o USING (idx)', where: 'x.idx = $1', key: 'x.idx', order: 'x.idx', bucket: 1e9,
    cols: [rel('x.idx'), ...obj, t('x.code'), t('x.city'), geo('x.origin'), geo('x.boundary'), t('x.timezone')],
  },
  {
    name: 'zone', from: 'zone x JOIN twin_object o USING (idx)', where: 'x.park_idx = $1', key: 'x.idx', order: 'x.idx', bucket: 5000,
    cols: [rel('x.idx'), ...obj, t('x.code'), t('x.zone_type'), geo('x.boundary'), t('x.planned_use'), t('x.plot_ratio')],
  },
  {
    name: 'building', from: 'building x JOIN twin_object o USING (idx)', where: 'x.park_idx = $1', key: 'x.idx', order: 'x.idx', bucket: 5000,
    cols: [rel('x.idx'), ...obj, t('x.code'), geo('x.footprint'), t('x.height'), t('x.floors_above'), t('x.floors_below'), t('x.use'), t('x.year'), t('x.ground_elevation')],
  },
  {
    name: 'floor', from: 'floor x JOIN twin_object o USING (idx)', where: `x.building_idx ${inBuildings}`, key: 'x.idx', order: 'x.idx', bucket: 5000,
    cols: [rel('x.idx'), ...obj, rel('x.building_idx'), t('x.level'), t('x.elevation'), t('x.height'), geo('x.footprint')],
  },
  {
    name: 'room', from: 'room x JOIN twin_object o USING (idx)', where: `x.building_idx ${inBuildings}`, key: 'x.idx', order: 'x.idx', bucket: 5000,
    cols: [rel('x.idx'), ...obj, rel('x.floor_idx'), rel('x.building_idx'), t('x.code'), geo('x.footprint'), t('x.area'), t('x.use'), t('x.leasable'), t('x.lease_status'), t('x.rent'), t('x.capacity')],
  },
  {
    name: 'equipment', from: 'equipment x JOIN twin_object o USING (idx)', where: 'x.park_idx = $1', key: 'x.idx', order: 'x.idx', bucket: 5000,
    cols: [rel('x.idx'), ...obj, rel('x.building_idx'), rel('x.floor_idx'), rel('x.room_idx'), t('x.code'), t('x.type'), t('x.model'), t('x.manufacturer'), geo('x.position'), t('x.heading'), t('x.status'), day('x.install_date'), t('x.maintenance_interval_days'), day('x.last_maintained'), t('x.rated_power_kw')],
  },
  {
    name: 'camera', from: 'camera x JOIN equipment e USING (idx)', where: 'e.park_idx = $1', key: 'x.idx', order: 'x.idx', bucket: 20000,
    cols: [rel('x.idx'), t('x.coverage'), t('x.fov_deg'), t('x.range_m'), t('x.ptz')],
  },
  {
    name: 'access_point', from: 'access_point x JOIN equipment e USING (idx)', where: 'e.park_idx = $1', key: 'x.idx', order: 'x.idx', bucket: 20000,
    cols: [rel('x.idx'), t('x.type'), t('x.access_kind'), t('x.biometric'), rel('x.zone_idx')],
  },
  {
    name: 'enterprise', from: 'enterprise x JOIN twin_object o USING (idx)', where: 'x.park_idx = $1', key: 'x.idx', order: 'x.idx', bucket: 5000,
    cols: [rel('x.idx'), ...obj, t('x.credit_code'), t('x.industry'), t('x.registered_capital'), t('x.staff'), day('x.founded'), t('x.is_leading'), t('x.high_tech')],
  },
  {
    name: 'enterprise_monthly', from: 'enterprise_monthly x', where: 'x.enterprise_idx IN (SELECT idx FROM enterprise WHERE park_idx = $1)',
    key: 'x.enterprise_idx', order: 'x.enterprise_idx, x.month', bucket: 500,
    cols: [rel('x.enterprise_idx'), day('x.month'), t('x.output_value'), t('x.revenue'), t('x.tax'), t('x.rd_spend'), t('x.energy_kwh'), t('x.staff')],
  },
  {
    // lease.id is a database sequence, not part of the park's content.
    name: 'lease', from: 'lease x JOIN room r ON r.idx = x.room_idx', where: `r.building_idx ${inBuildings}`,
    key: 'x.room_idx', order: 'x.room_idx, x.start_date, x.enterprise_idx, x.status', bucket: 5000,
    cols: [rel('x.room_idx'), rel('x.enterprise_idx'), day('x.start_date'), day('x.end_date'), t('x.rent'), t('x.status')],
  },
  {
    name: 'pipe_node', from: 'pipe_node x JOIN twin_object o USING (idx)', where: 'x.park_idx = $1', key: 'x.idx', order: 'x.idx', bucket: 5000,
    cols: [rel('x.idx'), ...obj, t('x.network'), t('x.node_type'), t('x.code'), geo('x.position'), rel('x.building_idx'), t('x.valve_open')],
  },
  {
    name: 'pipe_segment', from: 'pipe_segment x JOIN twin_object o USING (idx)', where: 'x.park_idx = $1', key: 'x.idx', order: 'x.idx', bucket: 5000,
    cols: [rel('x.idx'), ...obj, t('x.network'), t('x.code'), rel('x.from_node'), rel('x.to_node'), geo('x.geom'), t('x.diameter_mm'), t('x.depth'), t('x.material'), t('x.install_year')],
  },
  {
    // work_order.id is a database sequence, not part of the park's content; the code identifies an order.
    name: 'work_order', from: 'work_order x', where: 'x.park_idx = $1', key: 'x.equipment_idx', order: 'x.equipment_idx, x.code', bucket: 5000,
    cols: [rel('x.equipment_idx'), t('x.code'), t('x.title'), t('x.title_en'), t('x.order_type'), t('x.priority'), t('x.status'),
      t('x.assignee'), day('x.opened_on'), day('x.due_on'), day('x.closed_on')],
  },
];

/**
 * SHA-256 (hex) of every row the park `code` owns, or null when there is no such park. Equal
 * data gives an equal checksum on either backend and whatever else the database holds.
 */
export async function parkChecksum(db: Db, code: string): Promise<string | null> {
  // One transaction: one connection and one snapshot, so a concurrent write cannot tear the sum.
  return db.transaction((tx) => checksumIn(tx, code));
}

async function checksumIn(db: Tx, code: string): Promise<string | null> {
  const p = await db.query<{ idx: number }>('SELECT idx FROM park WHERE code = $1', [code]);
  const parkIdx = p.rows[0]?.idx;
  if (parkIdx === undefined) return null;
  // Float output must not depend on a session setting (1 = shortest exact, the default since PG 12).
  await db.query("SELECT set_config('extra_float_digits', '1', true)");
  const h = createHash('sha256');
  for (const tb of TABLES) {
    h.update(`#${tb.name}\n`);
    const range = await db.query<{ lo: number | null; hi: number | null }>(
      `SELECT min(${tb.key}) - $1 AS lo, max(${tb.key}) - $1 AS hi FROM ${tb.from} WHERE ${tb.where}`,
      [parkIdx],
    );
    const { lo, hi } = range.rows[0]!;
    if (lo === null || hi === null) continue;
    for (let b = Math.floor(lo / tb.bucket) * tb.bucket; b <= hi; b += tb.bucket) {
      const r = await db.query<{ t: string }>(
        `SELECT concat_ws('|', ${tb.cols.join(', ')}) AS t FROM ${tb.from}
          WHERE ${tb.where} AND ${tb.key} >= $1 + $2::int AND ${tb.key} < $1 + $3::int ORDER BY ${tb.order}`,
        [parkIdx, b, b + tb.bucket],
      );
      for (const row of r.rows) h.update(`${row.t}\n`);
    }
  }
  return h.digest('hex');
}
