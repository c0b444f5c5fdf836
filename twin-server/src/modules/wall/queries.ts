/**
 * SQL behind the command wall: the park KPIs (computed from the seeded and live tables, the same
 * on PGlite and PostgreSQL) and the tour bookmarks. Every figure is defined once here; the wall
 * shows these numbers as they are (docs/wall.md lists the definitions).
 */
import type { Bookmark, WallKpis } from '@park-twin/layers/wall.ts';
import type { Queryable } from '../../db/types.ts';

export type { Bookmark, WallKpis };

/** Percentage with one decimal, 0 when the base is empty. */
const pct = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0);
/** One decimal (kWh, kW, 10k CNY). */
const d1 = (v: number) => Math.round(v * 10) / 10;
const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

/** Live sensor values older than this do not count as "now" (a dead sensor must not hold a room full). */
export const FRESH_MINUTES = 60;

/** A park by code (or the first park when no code is given). */
export async function findPark(db: Queryable, code: string | undefined): Promise<{ idx: number; code: string; timezone: string } | null> {
  const r = code
    ? await db.query<{ idx: number; code: string; timezone: string }>('SELECT idx, code, timezone FROM park WHERE code = $1', [code])
    : await db.query<{ idx: number; code: string; timezone: string }>('SELECT idx, code, timezone FROM park ORDER BY idx LIMIT 1');
  return r.rows[0] ?? null;
}

const LEASING = `
  SELECT count(*) FILTER (WHERE r.leasable)::int AS units,
         count(*) FILTER (WHERE r.lease_status IN ('leased', 'expiring'))::int AS leased,
         COALESCE(sum(r.area) FILTER (WHERE r.leasable), 0)::float8 AS area,
         COALESCE(sum(r.area) FILTER (WHERE r.lease_status IN ('leased', 'expiring')), 0)::float8 AS leased_area,
         COALESCE(sum(r.capacity), 0)::int AS capacity
  FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1`;

const PEOPLE = `
  SELECT COALESCE(sum(ls.value), 0)::float8 AS people, count(*)::int AS rooms
  FROM live_state ls JOIN room r ON r.idx = ls.idx JOIN building b ON b.idx = r.building_idx
  WHERE ls.layer = 1 AND b.park_idx = $1 AND ls.ts > now() - make_interval(mins => $2)`;

const POWER = `
  SELECT COALESCE(sum(ls.value), 0)::float8 AS kw
  FROM live_state ls JOIN equipment e ON e.idx = ls.idx
  WHERE ls.layer = 4 AND e.park_idx = $1 AND ls.ts > now() - make_interval(mins => $2)`;

// Per meter and window, consumption is the rise of its kWh counter (never negative: a reset
// counter counts from its new start). Hours are local to the park's time zone.
const ENERGY = `
  WITH d AS (SELECT (date_trunc('day', now() AT TIME ZONE $2) AT TIME ZONE $2) AS d0),
  t AS (
    SELECT t.idx, t.ts, (t.payload->>'kwh')::float8 AS kwh,
           floor(extract(epoch FROM (t.ts - d.d0)) / 3600)::int AS h, d.d0
    FROM telemetry t CROSS JOIN d JOIN equipment e ON e.idx = t.idx AND e.park_idx = $1
    WHERE t.layer = 4 AND t.ts >= d.d0 - interval '1 day' AND t.ts <= now() AND t.payload->>'kwh' IS NOT NULL
  ),
  per_meter AS (
    SELECT idx,
      GREATEST(0, max(kwh) FILTER (WHERE ts >= d0) - min(kwh) FILTER (WHERE ts >= d0)) AS today,
      GREATEST(0, max(kwh) FILTER (WHERE ts < d0 AND ts <= now() - interval '1 day') - min(kwh) FILTER (WHERE ts < d0 AND ts <= now() - interval '1 day')) AS ysame,
      GREATEST(0, max(kwh) FILTER (WHERE ts < d0) - min(kwh) FILTER (WHERE ts < d0)) AS yfull
    FROM t GROUP BY idx
  ),
  -- An hour's consumption: the counter's last reading in it minus the last one before it (the
  -- meter's first hour: its own rise), so what happens between two readings is not lost.
  last_per_hour AS (SELECT idx, h, max(kwh) AS last, min(kwh) AS first FROM t GROUP BY idx, h),
  per_hour AS (
    SELECT h, sum(GREATEST(0, last - COALESCE(prev, first)))::float8 AS kwh
    FROM (SELECT h, last, first, lag(last) OVER (PARTITION BY idx ORDER BY h) AS prev FROM last_per_hour) x GROUP BY h
  )
  SELECT (SELECT COALESCE(sum(today), 0)::float8 FROM per_meter) AS today,
         (SELECT COALESCE(sum(ysame), 0)::float8 FROM per_meter) AS ysame,
         (SELECT COALESCE(sum(yfull), 0)::float8 FROM per_meter) AS yfull,
         (SELECT COALESCE(json_agg(json_build_array(h, kwh)), '[]') FROM per_hour) AS hourly`;

const EQUIPMENT = `
  SELECT count(*)::int AS total,
         count(*) FILTER (WHERE CASE WHEN ls.status IS NOT NULL THEN ls.status NOT IN (2, 3)
                                     ELSE e.status IN ('normal', 'warning') END)::int AS available
  FROM equipment e LEFT JOIN live_state ls ON ls.idx = e.idx AND ls.layer = 2
  WHERE e.park_idx = $1`;

// Alarms land on equipment, rooms (occupancy) or enterprises; the alarm table has no park column.
const ALARMS = `
  SELECT a.severity::int AS severity, count(*)::int AS n FROM alarm a
  WHERE a.state <> 'cleared' AND (
    EXISTS (SELECT 1 FROM equipment e WHERE e.idx = a.idx AND e.park_idx = $1)
    OR EXISTS (SELECT 1 FROM room r JOIN building b ON b.idx = r.building_idx WHERE r.idx = a.idx AND b.park_idx = $1)
    OR EXISTS (SELECT 1 FROM enterprise x WHERE x.idx = a.idx AND x.park_idx = $1))
  GROUP BY a.severity`;

const ENTERPRISES = `
  SELECT count(*)::int AS n, COALESCE(sum(staff), 0)::int AS staff,
         count(*) FILTER (WHERE is_leading)::int AS leading, count(*) FILTER (WHERE high_tech)::int AS high_tech
  FROM enterprise WHERE park_idx = $1`;

// Year to date = January to the latest month any of the park's enterprises reported.
const ECONOMY = `
  WITH m AS (
    SELECT em.month, em.output_value, em.tax FROM enterprise_monthly em JOIN enterprise e ON e.idx = em.enterprise_idx
    WHERE e.park_idx = $1
  ), last AS (SELECT max(month) AS to_m FROM m)
  SELECT to_char(m.month, 'YYYY-MM') AS month, sum(m.output_value)::float8 AS output, sum(m.tax)::float8 AS tax,
         (m.month >= date_trunc('year', last.to_m)) AS current
  FROM m CROSS JOIN last
  WHERE (m.month >= date_trunc('year', last.to_m) AND m.month <= last.to_m)
     OR (m.month >= date_trunc('year', last.to_m) - interval '1 year' AND m.month <= last.to_m - interval '1 year')
  GROUP BY m.month, last.to_m ORDER BY m.month`;

/** Computes the KPI set of a park (see WallKpis for each definition). */
export async function parkKpis(db: Queryable, park: { idx: number; code: string; timezone: string }): Promise<WallKpis> {
  const at = new Date();
  const lease = (await db.query<{ units: number; leased: number; area: number; leased_area: number; capacity: number }>(LEASING, [park.idx])).rows[0]!;
  const people = (await db.query<{ people: number; rooms: number }>(PEOPLE, [park.idx, FRESH_MINUTES])).rows[0]!;
  const power = (await db.query<{ kw: number }>(POWER, [park.idx, FRESH_MINUTES])).rows[0]!;
  const energy = (await db.query<{ today: number; ysame: number; yfull: number; hourly: unknown }>(ENERGY, [park.idx, park.timezone])).rows[0]!;
  const equip = (await db.query<{ total: number; available: number }>(EQUIPMENT, [park.idx])).rows[0]!;
  const alarms = (await db.query<{ severity: 1 | 2 | 3; n: number }>(ALARMS, [park.idx])).rows;
  const ent = (await db.query<{ n: number; staff: number; leading: number; high_tech: number }>(ENTERPRISES, [park.idx])).rows[0]!;
  const months = (await db.query<{ month: string; output: number; tax: number; current: boolean }>(ECONOMY, [park.idx])).rows;

  const hourly = { today: new Array<number>(24).fill(0), yesterday: new Array<number>(24).fill(0) };
  const pairs = (typeof energy.hourly === 'string' ? JSON.parse(energy.hourly) : energy.hourly) as [number, number][];
  for (const [h, kwh] of pairs) {
    if (h >= 0 && h < 24) hourly.today[h] = d1(kwh);
    else if (h >= -24 && h < 0) hourly.yesterday[h + 24] = d1(kwh);
  }
  const bySeverity = { 1: 0, 2: 0, 3: 0 };
  for (const a of alarms) bySeverity[a.severity] = a.n;
  const cur = months.filter((m) => m.current);
  const prev = months.filter((m) => !m.current);
  const sum = (xs: typeof months, k: 'output' | 'tax') => d1(xs.reduce((a, x) => a + num(x[k]), 0));

  return {
    park: park.code,
    at: at.toISOString(),
    timezone: park.timezone,
    occupancy: {
      leasableUnits: lease.units, leasedUnits: lease.leased, leasableArea: d1(num(lease.area)), leasedArea: d1(num(lease.leased_area)),
      rate: pct(num(lease.leased_area), num(lease.area)),
    },
    people: { onSite: Math.round(num(people.people)), capacity: lease.capacity, rooms: people.rooms },
    energy: {
      todayKwh: d1(num(energy.today)), yesterdaySameTimeKwh: d1(num(energy.ysame)), yesterdayKwh: d1(num(energy.yfull)),
      powerKw: d1(num(power.kw)), hourly,
    },
    equipment: { total: equip.total, available: equip.available, rate: pct(equip.available, equip.total) },
    alarms: { open: bySeverity[1] + bySeverity[2] + bySeverity[3], bySeverity },
    enterprises: { count: ent.n, employees: ent.staff, leading: ent.leading, highTech: ent.high_tech },
    economy: {
      from: cur[0]?.month ?? null, to: cur.at(-1)?.month ?? null,
      outputYtd: sum(cur, 'output'), taxYtd: sum(cur, 'tax'), outputPrevYtd: sum(prev, 'output'), taxPrevYtd: sum(prev, 'tax'),
      monthly: cur.map((m) => ({ month: m.month, output: d1(num(m.output)), tax: d1(num(m.tax)) })),
    },
  };
}

/** The park's bookmarks in tour order. */
export async function listBookmarks(db: Queryable, parkIdx: number): Promise<Bookmark[]> {
  const r = await db.query<{ id: number; name: string; camera: number[]; layer: string; position: number; dwell_s: number }>(
    'SELECT id, name, camera, layer, position, dwell_s FROM wall_bookmark WHERE park_idx = $1 ORDER BY position, id', [parkIdx]);
  return r.rows.map((b) => ({ id: b.id, name: b.name, camera: b.camera.map(Number), layer: b.layer, position: b.position, dwellS: b.dwell_s }));
}
