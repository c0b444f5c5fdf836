/**
 * Batched persistence of accepted messages: telemetry history (deduplicated by (device, seq, ts)
 * with ON CONFLICT DO NOTHING, so redeliveries and a second node are no-ops), the latest-state
 * table and alarm lifecycle rows, one transaction per batch (a single statement when the batch
 * changes no alarm), two batches committing at once. `enqueue` returns a promise that settles
 * when the row's batch has committed: MQTT QoS 1 is acknowledged on that.
 */
import type { Db } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { LAYER_IDS } from '@park-twin/layers';
import { RateLimitedLog } from './ratelog.ts';

/** One accepted message as stored. */
export interface TelemetryRow {
  /** Epoch ms. */
  readonly ts: number;
  readonly device: string;
  readonly seq: number;
  readonly idx: number;
  readonly layer: number;
  readonly value: number;
  readonly status: number;
  readonly payload: unknown;
}

/** An alarm transition decided by ingest. */
export interface AlarmOp {
  readonly op: 'raise' | 'clear';
  readonly idx: number;
  readonly layer: number;
  readonly kind: string;
  readonly severity: number;
  readonly message: string;
  readonly device: string;
  readonly ts: number;
  /** The alarm rule that decided it and its message parameters (modules/alarms), when rules decide. */
  readonly rule?: number | undefined;
  readonly params?: Readonly<Record<string, string | number>> | undefined;
}

/** Writer limits. */
export interface WriterOptions {
  readonly batchRows: number;
  readonly flushMs: number;
  /** Rows waiting beyond this are refused (counted as overload) instead of growing memory. */
  readonly maxQueue: number;
  /**
   * Batches committing at once, each on its own connection (the database works on several while
   * this process goes on parsing). A batch that changes alarms runs alone, after every earlier
   * batch, so raise and clear of one alarm commit in order.
   */
  readonly concurrency: number;
}

interface PendingBatch {
  rows: TelemetryRow[];
  alarms: AlarmOp[];
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** Counters for stats and the bench. */
export interface WriterStats {
  written: number;
  duplicates: number;
  batches: number;
  failures: number;
  overload: number;
  alarmsRaised: number;
  alarmsCleared: number;
}

function newBatch(): PendingBatch {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Nobody may be waiting (QoS 0); an unobserved rejection must not crash the process.
  promise.catch(() => {});
  return { rows: [], alarms: [], promise, resolve, reject };
}

/** Wire id of the energy layer, whose readings the writer also rolls up per meter and hour (energy_hourly). */
const ENERGY_LAYER: number = LAYER_IDS.energy;

/**
 * One statement per batch: history rows (duplicates skipped) and the latest state per (idx, layer)
 * (the last of the batch's newest rows; never older than what is stored). A single statement is
 * its own transaction, so a batch without alarm changes costs one round trip.
 */
const WRITE_BATCH = `
  WITH input AS (
    SELECT * FROM ROWS FROM (jsonb_to_recordset($1::jsonb)
      AS (ts double precision, device text, seq bigint, idx integer, layer smallint, value real, status smallint, payload jsonb))
      WITH ORDINALITY AS t(ts, device, seq, idx, layer, value, status, payload, n)
  ), ins AS (
    INSERT INTO telemetry (ts, device, seq, idx, layer, value, status, payload)
    SELECT to_timestamp(ts / 1000.0), device, seq, idx, layer, value, status, payload FROM input
    ON CONFLICT DO NOTHING
    RETURNING idx, layer, ts, value, status, seq, payload
  ), minute AS (
    -- Time-machine roll-ups (migration 090): the last stored reading per (layer, object) and minute / hour.
    INSERT INTO state_minute AS m (layer, idx, minute, value, status, ts)
    SELECT DISTINCT ON (layer, idx, date_trunc('minute', ts)) layer, idx, date_trunc('minute', ts), value, status, ts
    FROM ins ORDER BY layer, idx, date_trunc('minute', ts), ts DESC, seq DESC
    ON CONFLICT (layer, idx, minute) DO UPDATE SET value = excluded.value, status = excluded.status, ts = excluded.ts
    WHERE m.ts <= excluded.ts
  ), hourly_state AS (
    INSERT INTO state_hourly AS sh (layer, idx, hour, value, status, ts)
    SELECT DISTINCT ON (layer, idx, date_trunc('hour', ts)) layer, idx, date_trunc('hour', ts), value, status, ts
    FROM ins ORDER BY layer, idx, date_trunc('hour', ts), ts DESC, seq DESC
    ON CONFLICT (layer, idx, hour) DO UPDATE SET value = excluded.value, status = excluded.status, ts = excluded.ts
    WHERE sh.ts <= excluded.ts
  ), energy AS (
    -- Hourly per-meter roll-up of the energy readings actually stored (a duplicate counts once).
    SELECT idx, date_trunc('hour', ts) AS hour,
           min(ts) FILTER (WHERE payload ? 'kwh') AS first_ts,
           (array_agg((payload->>'kwh')::float8 ORDER BY ts) FILTER (WHERE payload ? 'kwh'))[1] AS first_kwh,
           max(ts) FILTER (WHERE payload ? 'kwh') AS last_ts,
           (array_agg((payload->>'kwh')::float8 ORDER BY ts DESC) FILTER (WHERE payload ? 'kwh'))[1] AS last_kwh,
           sum(value)::float8 AS kw_sum, count(*)::int AS kw_n, max(value) AS kw_max
    FROM ins WHERE layer = ${ENERGY_LAYER} GROUP BY idx, date_trunc('hour', ts) ORDER BY idx, hour
  ), hourly AS (
    INSERT INTO energy_hourly AS h (idx, hour, first_ts, first_kwh, last_ts, last_kwh, kw_sum, kw_n, kw_max)
    SELECT idx, hour, first_ts, first_kwh, last_ts, last_kwh, kw_sum, kw_n, kw_max FROM energy
    ON CONFLICT (idx, hour) DO UPDATE SET
      first_kwh = CASE WHEN h.first_ts IS NULL OR excluded.first_ts < h.first_ts THEN excluded.first_kwh ELSE h.first_kwh END,
      first_ts = CASE WHEN h.first_ts IS NULL OR excluded.first_ts < h.first_ts THEN excluded.first_ts ELSE h.first_ts END,
      last_kwh = CASE WHEN h.last_ts IS NULL OR excluded.last_ts >= h.last_ts THEN excluded.last_kwh ELSE h.last_kwh END,
      last_ts = CASE WHEN h.last_ts IS NULL OR excluded.last_ts >= h.last_ts THEN excluded.last_ts ELSE h.last_ts END,
      kw_sum = h.kw_sum + excluded.kw_sum, kw_n = h.kw_n + excluded.kw_n, kw_max = GREATEST(h.kw_max, excluded.kw_max)
  ), latest AS (
    SELECT DISTINCT ON (idx, layer) idx, layer, value, status, ts FROM input ORDER BY idx, layer, ts DESC, n DESC
  ), state AS (
    INSERT INTO live_state (idx, layer, value, status, ts)
    SELECT idx, layer, value, status, to_timestamp(ts / 1000.0) FROM latest
    ON CONFLICT (idx, layer) DO UPDATE SET value = excluded.value, status = excluded.status, ts = excluded.ts
    WHERE live_state.ts <= excluded.ts
  )
  SELECT count(*)::int AS n FROM ins`;

/** SQLSTATE deadlock_detected. */
const DEADLOCK = '40P01';

/** The batch writer; one per server process. */
export class TelemetryWriter {
  readonly stats: WriterStats = { written: 0, duplicates: 0, batches: 0, failures: 0, overload: 0, alarmsRaised: 0, alarmsCleared: 0 };
  private current: PendingBatch = newBatch();
  /** Sealed batches waiting for a free connection, oldest first. */
  private readonly ready: PendingBatch[] = [];
  private readonly running = new Set<Promise<void>>();
  /** A batch with alarm changes is running: nothing else may. */
  private exclusive = false;
  private queued = 0;
  private timer: NodeJS.Timeout | null = null;
  /** The current batch's flush time has passed; it is sealed as soon as a connection is free. */
  private due = false;
  private closed = false;
  private readonly opts: WriterOptions;
  /** Called after a batch with the alarm rows this node actually changed. */
  onAlarms: ((ops: AlarmOp[]) => void) | null = null;
  /** Called with a batch's rows once they are committed, before anyone waiting on them hears of it. */
  onCommitted: ((rows: readonly TelemetryRow[]) => void) | null = null;
  /** Called with a failed batch's rows and alarm transitions (none of them is stored), before its waiters hear of it. */
  onFailed: ((rows: readonly TelemetryRow[], alarms: readonly AlarmOp[]) => void) | null = null;
  /** One line per window while batches keep failing (a database outage fails every batch). */
  private readonly failedLog: RateLimitedLog;

  constructor(private readonly db: Db, private readonly log: Logger, opts: Partial<WriterOptions> = {}) {
    this.opts = { batchRows: 2000, flushMs: 20, maxQueue: 200_000, concurrency: 2, ...opts };
    this.failedLog = new RateLimitedLog(log, 'error', 'telemetry batch failed; not acknowledged');
  }

  /** Rows accepted but not yet committed. */
  get backlog(): number {
    return this.queued;
  }

  /** True when the queue is at its limit; ingest refuses messages instead of queueing. */
  get full(): boolean {
    return this.queued >= this.opts.maxQueue;
  }

  /** Queues a row (and its alarm transitions); resolves once committed. Refuses when the queue is full. */
  enqueue(row: TelemetryRow, alarms: readonly AlarmOp[] = []): Promise<void> {
    if (this.closed) return Promise.reject(new Error('writer closed'));
    if (this.queued >= this.opts.maxQueue) {
      this.stats.overload++;
      return Promise.reject(new Error('persistence backlog full'));
    }
    const b = this.current;
    b.rows.push(row);
    for (const a of alarms) b.alarms.push(a);
    this.queued++;
    if (b.rows.length >= this.opts.batchRows) {
      this.seal();
      this.pump();
    } else if (!this.timer && !this.due) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.due = true;
        this.pump();
      }, this.opts.flushMs);
    }
    return b.promise;
  }

  private seal(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.due = false;
    if (this.current.rows.length === 0) return;
    this.ready.push(this.current);
    this.current = newBatch();
  }

  private canStart(b: PendingBatch): boolean {
    if (this.exclusive || this.running.size >= this.opts.concurrency) return false;
    return b.alarms.length === 0 || this.running.size === 0;
  }

  /**
   * Starts ready batches while connections are free. A due batch is sealed only when it could
   * start: while the database is busy it keeps growing (fewer, larger batches under load).
   */
  private pump(): void {
    for (;;) {
      if (this.ready.length === 0 && this.due && this.canStart(this.current)) this.seal();
      const b = this.ready[0];
      if (!b || !this.canStart(b)) return;
      this.ready.shift();
      this.exclusive = b.alarms.length > 0;
      const p: Promise<void> = this.write(b).finally(() => {
        this.running.delete(p);
        this.exclusive = false;
        this.queued -= b.rows.length;
        this.pump();
      });
      this.running.add(p);
    }
  }

  /** Commits one batch; returns the history rows written and the alarm transitions that took effect. */
  private async commit(b: PendingBatch): Promise<{ n: number; changed: AlarmOp[] }> {
    const rows = JSON.stringify(b.rows);
    if (b.alarms.length === 0) return { n: (await this.db.query<{ n: number }>(WRITE_BATCH, [rows])).rows[0]?.n ?? 0, changed: [] };
    return this.db.transaction(async (tx) => {
      const changed: AlarmOp[] = [];
      const ins = await tx.query<{ n: number }>(WRITE_BATCH, [rows]);
      for (const a of b.alarms) {
        if (a.op === 'raise') {
          const r = await tx.query(
            `INSERT INTO alarm (idx, layer, kind, severity, message, device, raised_at)
             VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7 / 1000.0))
             ON CONFLICT (idx, kind) WHERE state <> 'cleared' DO NOTHING RETURNING id`,
            [a.idx, a.layer, a.kind, a.severity, a.message.slice(0, 500), a.device, a.ts]);
          if (r.rows.length) changed.push(a);
        } else {
          const r = await tx.query(
            `UPDATE alarm SET state = 'cleared', cleared_at = to_timestamp($3 / 1000.0), cleared_by = 'device'
             WHERE idx = $1 AND kind = $2 AND state <> 'cleared' RETURNING id`, [a.idx, a.kind, a.ts]);
          if (r.rows.length) changed.push(a);
        }
      }
      return { n: ins.rows[0]?.n ?? 0, changed };
    });
  }

  /** Commits a batch and settles its promise; never rejects. */
  private async write(b: PendingBatch): Promise<void> {
    try {
      let res: { n: number; changed: AlarmOp[] };
      try {
        res = await this.commit(b);
      } catch (err) {
        // Concurrent batches holding the same redelivered rows can deadlock; the database then
        // aborts one of them, which succeeds when tried again.
        if ((err as { code?: string }).code !== DEADLOCK) throw err;
        res = await this.commit(b);
      }
      this.stats.batches++;
      this.stats.written += res.n;
      this.stats.duplicates += b.rows.length - res.n;
      for (const a of res.changed) {
        if (a.op === 'raise') this.stats.alarmsRaised++;
        else this.stats.alarmsCleared++;
      }
      if (res.changed.length) this.onAlarms?.(res.changed);
      this.onCommitted?.(b.rows);
      b.resolve();
    } catch (err) {
      this.stats.failures++;
      this.failedLog.hit({ err: errorText(err), rows: b.rows.length });
      this.onFailed?.(b.rows, b.alarms);
      b.reject(err);
    }
  }

  /** Waits until everything queued so far is committed (or failed). */
  async drain(): Promise<void> {
    while (this.running.size > 0 || this.ready.length > 0 || this.current.rows.length > 0) {
      if (this.current.rows.length > 0) this.due = true;
      this.pump();
      await Promise.all(this.running); // write() settles, never rejects
    }
  }

  /** Flushes what is queued and refuses new rows. */
  async close(): Promise<void> {
    await this.drain();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.failedLog.close();
  }
}

/** A short text for an error from the database driver (its message, or its code when it has none). */
function errorText(err: unknown): string {
  const e = err as { message?: string; code?: string };
  return (e?.message || e?.code || String(err)).slice(0, 300);
}

/** Creates the daily telemetry partitions from yesterday to `daysAhead` days ahead (idempotent). */
export async function ensurePartitions(db: Db, daysAhead = 7): Promise<number> {
  const r = await db.transaction((tx) => tx.query<{ n: number }>('SELECT telemetry_ensure_partitions(current_date - 1, $1::int) AS n', [daysAhead + 2]));
  return r.rows[0]?.n ?? 0;
}
