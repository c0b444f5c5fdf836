/**
 * `twin bench kpi` (issue 18 must-show 5): the wall's energy and economy KPI queries with a
 * simulated year of meter telemetry, on the hourly per-meter roll-ups the telemetry writer keeps
 * (energy_hourly) beside the same figures computed from the raw readings (telemetry), as a
 * ratio, in one run on the embedded PGlite and on PostgreSQL (skipped with a note when absent).
 *
 * The year: `--meters` power meters (default 20) of the seeded sample park each report a
 * cumulative kWh counter and the kW load every `--interval` seconds (default 600) for 365 days up
 * to now, into the daily telemetry partitions; energy_hourly is built from those rows with the
 * statement the roll-up migration uses (the writer keeps the same rows as readings arrive). Every
 * raw query is checked to give the roll-up's answer before it is timed.
 *
 * Queries (park time zone):
 *  - energy today / yesterday / hourly chart (the wall's energy board: wall/queries.ts ENERGY);
 *  - kWh per month of the last twelve months (the energy trend);
 *  - energy intensity year to date: kWh per 10k CNY of filed output, per month (the economy
 *    board's efficiency figure: monthly kWh joined with enterprise_monthly);
 *  - the whole wall KPI set (parkKpis: occupancy, people, energy, equipment, alarms, economy) for
 *    reference, roll-ups only.
 */
import type { Bench } from './types.ts';
import { numberFlag, type Args } from '../twin-server/src/cli/args.ts';
import { openPglite } from '../twin-server/src/db/pglite.ts';
import { migrate, type Db } from '../twin-server/src/db/index.ts';
import { benchAdminUrl, createScratchDatabase } from '../twin-server/src/db/scratch.ts';
import { seedPark } from '../twin-server/src/seed/index.ts';
import { ENERGY, findPark, parkKpis } from '../twin-server/src/modules/wall/queries.ts';
import { timed } from './map.ts';

const PARK = 'kpi-bench';

/** Today, yesterday and the two days' hourly chart from raw readings (the ENERGY figures without roll-ups). */
const RAW_ENERGY = `
  WITH d AS (SELECT (date_trunc('day', now() AT TIME ZONE $2) AT TIME ZONE $2) AS d0, now() AS t),
  r AS (
    SELECT t.idx, date_trunc('hour', t.ts) AS hour, (t.payload->>'kwh')::float8 AS kwh, t.ts
    FROM telemetry t JOIN equipment e ON e.idx = t.idx AND e.park_idx = $1 CROSS JOIN d
    WHERE t.layer = 4 AND t.ts >= d.d0 - interval '2 days' AND t.ts <= d.t AND t.payload ? 'kwh'
  ),
  hl AS (
    SELECT idx, hour, (array_agg(kwh ORDER BY ts DESC))[1] AS last_kwh, (array_agg(kwh ORDER BY ts))[1] AS first_kwh FROM r GROUP BY idx, hour
  ),
  h AS (SELECT hour, GREATEST(0, last_kwh - COALESCE(lag(last_kwh) OVER (PARTITION BY idx ORDER BY hour), first_kwh)) AS kwh FROM hl),
  per_hour AS (
    SELECT floor(extract(epoch FROM (h.hour - d.d0)) / 3600)::int AS hr, sum(h.kwh)::float8 AS kwh
    FROM h CROSS JOIN d WHERE h.hour >= d.d0 - interval '1 day' GROUP BY 1
  )
  SELECT (SELECT COALESCE(sum(kwh), 0)::float8 FROM per_hour WHERE hr >= 0) AS today,
         (SELECT COALESCE(sum(kwh), 0)::float8 FROM per_hour WHERE hr < 0) AS yfull,
         (SELECT count(*)::int FROM per_hour) AS hours`;

/** kWh per month of the last twelve months (park time zone), from the roll-ups. */
const MONTHLY_ROLLUP = `
  WITH h AS (
    SELECT eh.hour, GREATEST(0, eh.last_kwh - COALESCE(lag(eh.last_kwh) OVER (PARTITION BY eh.idx ORDER BY eh.hour), eh.first_kwh)) AS kwh
    FROM energy_hourly eh JOIN equipment e ON e.idx = eh.idx AND e.park_idx = $1
    WHERE eh.hour >= date_trunc('hour', now() - interval '12 months') AND eh.last_kwh IS NOT NULL
  )
  SELECT to_char(date_trunc('month', hour AT TIME ZONE $2), 'YYYY-MM') AS month, sum(kwh)::float8 AS kwh FROM h GROUP BY 1 ORDER BY 1`;

/** The same from raw readings: each reading's rise over the meter's previous one, summed by month. */
const MONTHLY_RAW = `
  WITH r AS (
    SELECT t.ts, GREATEST(0, (t.payload->>'kwh')::float8 - COALESCE(lag((t.payload->>'kwh')::float8) OVER (PARTITION BY t.idx ORDER BY t.ts), (t.payload->>'kwh')::float8)) AS kwh
    FROM telemetry t JOIN equipment e ON e.idx = t.idx AND e.park_idx = $1
    WHERE t.layer = 4 AND t.ts >= date_trunc('hour', now() - interval '12 months') AND t.payload ? 'kwh'
  )
  SELECT to_char(date_trunc('month', ts AT TIME ZONE $2), 'YYYY-MM') AS month, sum(kwh)::float8 AS kwh FROM r GROUP BY 1 ORDER BY 1`;

/** Energy intensity this year: kWh per 10k CNY of output, per month (monthly kWh from `src`). */
const intensity = (monthly: string) => `
  WITH k AS (${monthly}),
  o AS (
    SELECT to_char(m.month, 'YYYY-MM') AS month, sum(m.output_value)::float8 AS output
    FROM enterprise_monthly m JOIN enterprise x ON x.idx = m.enterprise_idx WHERE x.park_idx = $1 GROUP BY 1
  )
  SELECT k.month, round((k.kwh / NULLIF(o.output, 0))::numeric, 3)::float8 AS kwh_per_10k FROM k JOIN o USING (month)
  WHERE k.month >= to_char(date_trunc('year', now() AT TIME ZONE $2), 'YYYY-MM') ORDER BY 1`;

interface Row { label: string; rollupMs: number; rawMs: number | null; rows: string; same: boolean | null }

/** Seeds the park, writes a year of readings and the roll-ups; returns the rows written. */
async function prepare(db: Db, meters: number, intervalS: number): Promise<{ park: { idx: number; code: string; timezone: string }; readings: number; hourly: number; seconds: number }> {
  const t0 = performance.now();
  await seedPark(db, { seed: 20261125, scale: 0.05, code: PARK });
  const park = (await findPark(db, PARK))!;
  await db.query(`SELECT telemetry_ensure_partitions((now() - interval '366 days')::date, 368)`);
  const m = (await db.query<{ idx: number; code: string }>(
    `SELECT idx, code FROM equipment WHERE park_idx = $1 ORDER BY (type = 'power_meter') DESC, idx LIMIT $2`, [park.idx, meters])).rows;
  // One meter at a time (bounded memory on PGlite): a daily load curve around the meter's base
  // load, the counter its integral (kW x hours since the start).
  for (const [i, x] of m.entries()) {
    const base = 20 + (i % 7) * 15;
    await db.query(
      `INSERT INTO telemetry (ts, device, seq, idx, layer, value, status, payload)
       SELECT ts, $1, n, $2, 4, kw, 0, jsonb_build_object('kw', round(kw::numeric, 2), 'kwh', round(kwh::numeric, 2), 'seq', n)
       FROM (
         SELECT ts, n, $3 * (1 + 0.3 * sin(2 * pi() * extract(hour FROM ts) / 24)) AS kw,
                $3 * n * $4 / 3600.0 AS kwh
         FROM generate_series(0, (365 * 86400 / $4)::int) AS n,
              LATERAL (SELECT now() - interval '365 days' + make_interval(secs => n * $4) AS ts) s
       ) q`, [`${PARK}/${x.code}`, x.idx, base, intervalS]);
  }
  await db.query(`DELETE FROM energy_hourly WHERE idx = ANY($1::int[])`, [m.map((x) => x.idx)]);
  await db.query(
    `INSERT INTO energy_hourly (idx, hour, first_ts, first_kwh, last_ts, last_kwh, kw_sum, kw_n, kw_max)
     SELECT idx, date_trunc('hour', ts),
            min(ts) FILTER (WHERE payload ? 'kwh'), (array_agg((payload->>'kwh')::float8 ORDER BY ts) FILTER (WHERE payload ? 'kwh'))[1],
            max(ts) FILTER (WHERE payload ? 'kwh'), (array_agg((payload->>'kwh')::float8 ORDER BY ts DESC) FILTER (WHERE payload ? 'kwh'))[1],
            sum(value), count(*), max(value)
     FROM telemetry WHERE layer = 4 AND idx = ANY($1::int[]) GROUP BY idx, date_trunc('hour', ts)`, [m.map((x) => x.idx)]);
  // Filed output for the months of the simulated year (the seed's own history ends earlier).
  await db.query(
    `INSERT INTO enterprise_monthly (enterprise_idx, month, output_value, revenue, tax, rd_spend, energy_kwh, staff)
     SELECT e.idx, mo, 300 + (e.idx % 50) * 20, 280, 18, 25, 8000, 30
     FROM enterprise e, generate_series(date_trunc('month', now() - interval '12 months'), date_trunc('month', now() - interval '1 month'), interval '1 month') mo
     WHERE e.park_idx = $1 ON CONFLICT DO NOTHING`, [park.idx]);
  await db.query('ANALYZE telemetry');
  await db.query('ANALYZE energy_hourly');
  const readings = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM telemetry WHERE layer = 4')).rows[0]!.n;
  const hourly = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM energy_hourly')).rows[0]!.n;
  return { park, readings, hourly, seconds: (performance.now() - t0) / 1000 };
}

const near = (a: number, b: number) => Math.abs(a - b) <= Math.max(0.5, Math.abs(b) * 1e-6);

/** Median ms of each query (roll-up and raw) on one backend. */
async function measure(db: Db, meters: number, intervalS: number, runs: number): Promise<{ rows: Row[]; note: string }> {
  const { park, readings, hourly, seconds } = await prepare(db, meters, intervalS);
  const q = async <T,>(sql: string) => (await db.query<T>(sql, sql === ENERGY ? [park.idx, park.timezone, new Date()] : [park.idx, park.timezone])).rows;
  const out: Row[] = [];
  const pair = async <T,>(label: string, rollup: () => Promise<T>, raw: (() => Promise<T>) | null, same: (a: T, b: T) => boolean, rows: (a: T) => string) => {
    const a = await rollup();
    const b = raw ? await raw() : null;
    const r1 = await timed(runs, rollup);
    const r2 = raw ? await timed(runs, raw) : null;
    out.push({ label, rollupMs: r1.ms, rawMs: r2?.ms ?? null, rows: rows(a), same: b === null ? null : same(a, b) });
  };
  type E = { today: number; yfull: number };
  await pair<E>('energy today / yesterday / hourly (wall)',
    async () => (await q<E>(ENERGY))[0]!, async () => (await q<E>(RAW_ENERGY))[0]!,
    (a, b) => near(a.today, b.today) && near(a.yfull, b.yfull), (a) => `today ${a.today.toFixed(0)} kWh`);
  type M = { month: string; kwh: number }[];
  await pair<M>('kWh per month, last 12 months', () => q(MONTHLY_ROLLUP), () => q(MONTHLY_RAW),
    (a, b) => a.length === b.length && a.every((x, i) => x.month === b[i]!.month && near(x.kwh, b[i]!.kwh)), (a) => `${a.length} months`);
  type I = { month: string; kwh_per_10k: number }[];
  await pair<I>('energy intensity YTD (kWh per 10k CNY output, by month)', () => q(intensity(MONTHLY_ROLLUP)), () => q(intensity(MONTHLY_RAW)),
    (a, b) => a.length === b.length && a.every((x, i) => x.month === b[i]!.month && Math.abs(x.kwh_per_10k - b[i]!.kwh_per_10k) <= 0.002), (a) => `${a.length} months`);
  await pair('whole wall KPI set (parkKpis, roll-ups)', () => parkKpis(db, park), null, () => true, (k) => `output YTD ${k.economy.outputYtd.toFixed(0)}`);
  return { rows: out, note: `${meters} meters x 365 days at ${intervalS} s = ${readings.toLocaleString('en')} raw readings, ${hourly.toLocaleString('en')} hourly roll-up rows (prepared in ${seconds.toFixed(0)} s)` };
}

/** The kpi bench (`--meters N` default 20, `--interval S` default 600, `--runs R` default 5). */
export const kpiBench: Bench = {
  summary: 'energy and economy KPI queries on hourly roll-ups vs raw telemetry, a simulated year (PGlite and PostgreSQL)',
  async run(args: Args) {
    const meters = numberFlag(args, 'meters', 20, 1, 500);
    const intervalS = numberFlag(args, 'interval', 600, 10, 3600);
    const runs = numberFlag(args, 'runs', 5, 1, 50);
    const results: { backend: string; r: Awaited<ReturnType<typeof measure>> }[] = [];
    const lite = await openPglite({ dataDir: 'memory://' });
    try {
      await migrate(lite);
      results.push({ backend: 'PGlite', r: await measure(lite, meters, intervalS, runs) });
    } finally {
      await lite.close();
    }
    try {
      const pg = await createScratchDatabase(benchAdminUrl(), 'twin_bench_kpi');
      try {
        results.push({ backend: 'PostgreSQL', r: await measure(pg.db, meters, intervalS, runs) });
      } finally {
        await pg.drop();
      }
    } catch (e) {
      console.log(`PostgreSQL skipped: ${(e as Error).message}`);
    }
    const lines = [
      `Median of ${runs} runs after a check run (raw answer = roll-up answer). Command: \`npm run bench -- kpi [--meters N] [--interval S] [--runs R]\`\n`,
    ];
    for (const { backend, r } of results) {
      lines.push(`**${backend}**: ${r.note}\n`, '| query | answer | roll-ups ms | raw rows ms | raw / roll-ups | same answer |', '| --- | --- | ---: | ---: | ---: | --- |');
      for (const x of r.rows) {
        lines.push(`| ${x.label} | ${x.rows} | ${x.rollupMs.toFixed(1)} | ${x.rawMs === null ? '-' : x.rawMs.toFixed(1)} | ${x.rawMs === null ? '-' : `${(x.rawMs / x.rollupMs).toFixed(1)}x`} | ${x.same === null ? '-' : x.same ? 'yes' : 'NO'} |`);
      }
      lines.push('');
    }
    for (const l of lines) console.log(l);
    return lines;
  },
};
