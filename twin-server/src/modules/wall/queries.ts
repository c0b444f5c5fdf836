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

// Energy from the hourly per-meter roll-ups the telemetry writer keeps (energy_hourly): an
// hour's consumption is the meter's last counter reading in it minus its last reading before it
// (a meter's first hour: its own rise; never negative: a reset counter counts from its new
// start), so what happens between two readings is never lost. "Today" is the park's local day
// (time zones of whole hours, so local and stored hours line up); "the same time yesterday" is
// yesterday's hours before the current hour-of-day plus the elapsed share of that hour. $3 is
// "now" (the application clock).
export const ENERGY = `
  WITH d AS (SELECT (date_trunc('day', $3::timestamptz AT TIME ZONE $2) AT TIME ZONE $2) AS d0, $3::timestamptz AS t),
  h AS (
    SELECT eh.hour, GREATEST(0, eh.last_kwh - COALESCE(lag(eh.last_kwh) OVER (PARTITION BY eh.idx ORDER BY eh.hour), eh.first_kwh)) AS kwh
    FROM energy_hourly eh JOIN equipment e ON e.idx = eh.idx AND e.park_idx = $1 CROSS JOIN d
    WHERE eh.hour >= d.d0 - interval '2 days' AND eh.hour <= d.t AND eh.last_kwh IS NOT NULL
  ),
  per_hour AS (
    SELECT floor(extract(epoch FROM (h.hour - d.d0)) / 3600)::int AS hr, sum(h.kwh)::float8 AS kwh
    FROM h CROSS JOIN d WHERE h.hour >= d.d0 - interval '1 day' GROUP BY 1
  ),
  y AS (SELECT date_trunc('hour', d.t - interval '1 day') AS hy, extract(epoch FROM (d.t - interval '1 day' - date_trunc('hour', d.t - interval '1 day'))) / 3600 AS frac FROM d)
  SELECT (SELECT COALESCE(sum(kwh), 0)::float8 FROM per_hour WHERE hr >= 0) AS today,
         (SELECT COALESCE(sum(p.kwh) FILTER (WHERE d.d0 + make_interval(hours => p.hr) < y.hy), 0)
               + COALESCE(sum(p.kwh) FILTER (WHERE d.d0 + make_interval(hours => p.hr) = y.hy), 0) * max(y.frac)
          FROM per_hour p CROSS JOIN d CROSS JOIN y WHERE p.hr < 0)::float8 AS ysame,
         (SELECT COALESCE(sum(kwh), 0)::float8 FROM per_hour WHERE hr < 0) AS yfull,
         (SELECT COALESCE(json_agg(json_build_array(hr, kwh)), '[]') FROM per_hour) AS hourly`;

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

/**
 * Computes the KPI set of a park (see WallKpis for each definition) at `at` (the application
 * clock: "today" of the energy figures and the answer's time; live values stay fresh by the
 * database's clock, as they were stored by it).
 */
export async function parkKpis(db: Queryable, park: { idx: number; code: string; timezone: string }, at: Date = new Date()): Promise<WallKpis> {
  const lease = (await db.query<{ units: number; leased: number; area: number; leased_area: number; capacity: number }>(LEASING, [park.idx])).rows[0]!;
  const people = (await db.query<{ people: number; rooms: number }>(PEOPLE, [park.idx, FRESH_MINUTES])).rows[0]!;
  const power = (await db.query<{ kw: number }>(POWER, [park.idx, FRESH_MINUTES])).rows[0]!;
  const energy = (await db.query<{ today: number; ysame: number; yfull: number; hourly: unknown }>(ENERGY, [park.idx, park.timezone, at])).rows[0]!;
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
