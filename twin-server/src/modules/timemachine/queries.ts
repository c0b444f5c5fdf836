/**
 * Time-machine reads (issue 20): past live state of one layer from the writer's roll-ups
 * (state_minute, state_hourly; migration 090), never from the raw telemetry. A replay is a
 * snapshot (the state just before `from`) plus the roll-up rows of the window in time order; the
 * client applies a row once the playhead passes the end of its bucket, so at any bucket boundary
 * t the colours are those of the last reading before t.
 */
import type { Queryable } from '../../db/types.ts';

export type Resolution = 'minute' | 'hour';

/** How far back the snapshot looks for an object's last state (older silence shows no colour). */
export const LOOKBACK_DAYS = 7;

/** Snapshot: per object, the last roll-up row before $2 (hours before its hour, then its minutes). */
export const SNAPSHOT_SQL = `
  SELECT DISTINCT ON (idx) idx, value::float8 AS value, status::int AS status FROM (
    SELECT idx, hour AS b, value, status FROM state_hourly
    WHERE layer = $1 AND hour >= $2::timestamptz - make_interval(days => ${LOOKBACK_DAYS}) AND hour < date_trunc('hour', $2::timestamptz)
    UNION ALL
    SELECT idx, minute AS b, value, status FROM state_minute
    WHERE layer = $1 AND minute >= date_trunc('hour', $2::timestamptz) AND minute < $2::timestamptz
  ) s ORDER BY idx, b DESC`;

/** The window's rows at a resolution. */
export const ROWS_SQL: Record<Resolution, string> = {
  minute: `SELECT (extract(epoch FROM minute) * 1000)::float8 AS t, idx, value::float8 AS value, status::int AS status
    FROM state_minute WHERE layer = $1 AND minute >= $2::timestamptz AND minute < $3::timestamptz ORDER BY minute, idx`,
  hour: `SELECT (extract(epoch FROM hour) * 1000)::float8 AS t, idx, value::float8 AS value, status::int AS status
    FROM state_hourly WHERE layer = $1 AND hour >= $2::timestamptz AND hour < $3::timestamptz ORDER BY hour, idx`,
};

/** Bucket length in ms. */
export const STEP_MS: Record<Resolution, number> = { minute: 60_000, hour: 3_600_000 };

/** Columns of a replay: the snapshot and the window's rows (t = bucket start, epoch ms). */
export interface Replay {
  layer: number;
  resolution: Resolution;
  from: string;
  to: string;
  stepMs: number;
  base: { idx: number[]; value: number[]; status: number[] };
  rows: { t: number[]; idx: number[]; value: number[]; status: number[] };
}

/** Rounds down to the resolution (UTC; the roll-ups use the server's time zone, whole hours here). */
export const floorTo = (ms: number, res: Resolution): number => Math.floor(ms / STEP_MS[res]) * STEP_MS[res];

/** Reads a replay of `layer` over [from, to) at `res` (from and to rounded down to it). */
export async function readReplay(db: Queryable, layer: number, fromMs: number, toMs: number, res: Resolution): Promise<Replay> {
  const from = new Date(floorTo(fromMs, res));
  const to = new Date(Math.max(floorTo(toMs, res), from.getTime() + STEP_MS[res]));
  const base = await db.query<{ idx: number; value: number; status: number }>(SNAPSHOT_SQL, [layer, from]);
  const rows = await db.query<{ t: number; idx: number; value: number; status: number }>(ROWS_SQL[res], [layer, from, to]);
  return {
    layer, resolution: res, from: from.toISOString(), to: to.toISOString(), stepMs: STEP_MS[res],
    base: { idx: base.rows.map((r) => r.idx), value: base.rows.map((r) => r.value), status: base.rows.map((r) => r.status) },
    rows: { t: rows.rows.map((r) => r.t), idx: rows.rows.map((r) => r.idx), value: rows.rows.map((r) => r.value), status: rows.rows.map((r) => r.status) },
  };
}

/** The relations a statement's plan reads (EXPLAIN FORMAT JSON), for the no-raw-scan checks. */
export async function planRelations(db: Queryable, sql: string, params: readonly unknown[]): Promise<{ relations: string[]; nodes: string[] }> {
  const r = await db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${sql}`, params);
  const raw = r.rows[0]!['QUERY PLAN'];
  const plan = typeof raw === 'string' ? JSON.parse(raw) : raw;
  const relations: string[] = [];
  const nodes: string[] = [];
  const walk = (n: Record<string, unknown>) => {
    if (typeof n['Relation Name'] === 'string') relations.push(n['Relation Name']);
    if (typeof n['Node Type'] === 'string') nodes.push(n['Node Type']);
    for (const c of (n.Plans as Record<string, unknown>[] | undefined) ?? []) walk(c);
  };
  walk((plan as Array<{ Plan: Record<string, unknown> }>)[0]!.Plan);
  return { relations, nodes };
}
