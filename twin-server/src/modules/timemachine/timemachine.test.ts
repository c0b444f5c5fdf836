import { afterAll, beforeAll, expect, it } from 'vitest';
import { LAYER_IDS } from '@park-twin/layers';
import { describeEachBackend } from '../../db/testing.ts';
import { createLogger } from '../../log.ts';
import { TelemetryWriter } from '../../ingest/writer.ts';
import { startTestServer, type TestServer } from '../../testing/server.ts';
import type { TwinModule } from '../types.ts';
import type { Permission, Principal } from '../../auth/types.ts';
import { planRelations, readReplay, ROWS_SQL, SNAPSHOT_SQL, type Replay } from './queries.ts';
import { timemachineModule } from './index.ts';

const OCC = LAYER_IDS.occupancy;
const HOUR = 3_600_000;
/** A fixed past hour (no dependence on today's date). */
const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);

/** Deterministic pseudo-random numbers. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** State at time t from a replay: the snapshot, then every row whose bucket ended by t. */
function stateAt(r: Replay, t: number): Map<number, [number, number]> {
  const m = new Map<number, [number, number]>();
  r.base.idx.forEach((idx, i) => m.set(idx, [r.base.value[i]!, r.base.status[i]!]));
  r.rows.t.forEach((bt, i) => {
    if (bt + r.stepMs <= t) m.set(r.rows.idx[i]!, [r.rows.value[i]!, r.rows.status[i]!]);
  });
  return m;
}

describeEachBackend('time machine: roll-ups kept by the writer, replay without raw rows', ({ db, backend }) => {
  const ROOMS = [101, 102, 103, 104, 105, 106];
  let writer: TelemetryWriter;
  beforeAll(async () => {
    writer = new TelemetryWriter(db(), createLogger('silent'), { flushMs: 5 });
    // A recorded hour (plus the half hour before it) of occupancy readings at irregular times,
    // several per minute for some rooms, through the real writer.
    const rand = rng(42);
    let seq = 1;
    const writes: Promise<void>[] = [];
    for (const idx of ROOMS) {
      for (let t = T0 - HOUR / 2 + Math.floor(rand() * 50_000); t < T0 + HOUR; t += 5_000 + Math.floor(rand() * 170_000)) {
        writes.push(writer.enqueue({ ts: t, device: `occ-${idx}`, seq: seq++, idx, layer: OCC, value: Math.round(rand() * 400) / 10, status: rand() < 0.1 ? 1 : 0, payload: {} }));
      }
    }
    await Promise.all(writes);
    await writer.drain();
  }, 120_000);
  afterAll(async () => {
    await writer?.close();
  });

  it('replaying the recorded hour gives, at chosen times, each room\'s last raw reading before that time', async () => {
    const r = await readReplay(db(), OCC, T0, T0 + HOUR, 'minute');
    expect(r.rows.t.length).toBeGreaterThan(20);
    for (const minutes of [0, 1, 7, 23, 38, 59, 60]) {
      const t = T0 + minutes * 60_000;
      const truth = await db().query<{ idx: number; value: number; status: number }>(
        `SELECT DISTINCT ON (idx) idx, value::float8 AS value, status::int AS status FROM telemetry
         WHERE layer = $1 AND idx = ANY($2::int[]) AND ts < $3 ORDER BY idx, ts DESC, seq DESC`, [OCC, ROOMS, new Date(t)],
      );
      const got = stateAt(r, t);
      for (const row of truth.rows) expect(got.get(row.idx), `room ${row.idx} at +${minutes} min`).toEqual([row.value, row.status]);
      expect(truth.rows.length).toBe(ROOMS.length);
    }
    // Hourly steps: at the end of the hour, the same as the raw truth.
    const h = await readReplay(db(), OCC, T0, T0 + HOUR, 'hour');
    const atEnd = stateAt(h, T0 + HOUR);
    const m = stateAt(r, T0 + HOUR);
    for (const idx of ROOMS) expect(atEnd.get(idx)).toEqual(m.get(idx));
  });

  it('a week of hourly replay reads the roll-ups only (EXPLAIN: no telemetry relation), as does the minute path', async () => {
    // A week of raw rows for 300 objects, so a raw scan would be the planner's cheap choice if it could.
    const week0 = T0 - 7 * 24 * HOUR;
    await db().query('SELECT telemetry_ensure_partitions($1::date, 9)', [new Date(week0).toISOString().slice(0, 10)]).catch(() => {});
    await db().query(
      `INSERT INTO telemetry (ts, device, seq, idx, layer, value, status, payload)
       SELECT to_timestamp($1::float8 / 1000) + make_interval(mins => m), 'bulk-' || i, m, 1000 + i, $2, (i + m) % 40, 0, '{}'
       FROM generate_series(0, 299) i, generate_series(0, 7 * 24 * 60 - 1, 10) m ON CONFLICT DO NOTHING`, [week0, OCC],
    );
    await db().query(
      `INSERT INTO state_hourly (layer, idx, hour, value, status, ts)
       SELECT layer, idx, date_trunc('hour', ts), (array_agg(value ORDER BY ts DESC))[1], 0, max(ts) FROM telemetry
       WHERE idx >= 1000 GROUP BY layer, idx, date_trunc('hour', ts) ON CONFLICT DO NOTHING`,
    );
    await db().query('ANALYZE telemetry');
    await db().query('ANALYZE state_hourly');
    await db().query('ANALYZE state_minute');
    const from = new Date(week0);
    const to = new Date(T0);
    for (const [name, sql, params] of [
      ['week rows', ROWS_SQL.hour, [OCC, from, to]],
      ['snapshot', SNAPSHOT_SQL, [OCC, from]],
      ['minute rows', ROWS_SQL.minute, [OCC, new Date(T0), new Date(T0 + HOUR)]],
      ['minute snapshot', SNAPSHOT_SQL, [OCC, new Date(T0 + 30 * 60_000)]],
    ] as const) {
      const plan = await planRelations(db(), sql, params);
      expect(plan.relations.some((r) => r.startsWith('telemetry')), `${name} [${backend}]: ${plan.relations.join(', ')}`).toBe(false);
      expect(plan.relations.some((r) => r === 'state_hourly' || r === 'state_minute'), name).toBe(true);
    }
    const week = await readReplay(db(), OCC, week0, T0, 'hour');
    expect(new Set(week.rows.t).size).toBe(7 * 24);
    expect(week.rows.idx.length).toBeGreaterThanOrEqual(300 * 7 * 24);
  }, 180_000);
});

/** Bearer tokens: "staff" reads the twin and occupancy (park:read), "twinonly" lacks the layer, "tenant" is an enterprise user. */
const tokenGuard: TwinModule = {
  name: 'token-guard',
  guard: () => ({
    async resolvePrincipal(ctx) {
      const token = /^Bearer (\w+)$/.exec(ctx.get('Authorization'))?.[1];
      const perms: Record<string, Permission[]> = { staff: ['twin:read', 'park:read'], twinonly: ['twin:read'], tenant: ['twin:read', 'park:read'] };
      const p = token ? perms[token] : undefined;
      const principal: Principal | null = p
        ? { kind: 'user', id: token!, name: token!, roles: [], permissions: new Set(p), sessionId: `s-${token}`, ...(token === 'tenant' ? { enterpriseIdx: 5 } : {}) }
        : null;
      return { principal, presented: token !== undefined };
    },
    async onDenied() {},
  }),
};

describeEachBackend('time machine route', ({ backend }) => {
  let s: TestServer;
  const get = async (qs: string, token: string) => {
    const r = await fetch(`${s.url}/api/timemachine/replay?${qs}`, { headers: { Authorization: `Bearer ${token}` } });
    return { status: r.status, body: (await r.json()) as Replay & { error?: { message: string } } };
  };
  beforeAll(async () => {
    s = await startTestServer(backend, { modules: [tokenGuard, timemachineModule] });
  });
  afterAll(() => s?.stop());

  it('answers a replay to staff; 403 without the layer or for an enterprise user; 422 for too long a window; 400 for bad times', async () => {
    const from = new Date(T0).toISOString();
    const hour = new Date(T0 + HOUR).toISOString();
    const ok = await get(`layer=occupancy&from=${from}&to=${hour}`, 'staff');
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.stepMs).toBe(60_000);
    expect((await get(`layer=occupancy&from=${from}&to=${hour}`, 'twinonly')).status).toBe(403);
    expect((await get(`layer=occupancy&from=${from}&to=${hour}`, 'tenant')).status).toBe(403);
    const long = await get(`layer=occupancy&from=${from}&to=${new Date(T0 + 7 * HOUR).toISOString()}`, 'staff');
    expect(long.status).toBe(422);
    expect(long.body.error?.message).toMatch(/resolution=hour/);
    expect((await get(`layer=occupancy&from=${from}&to=${new Date(T0 + 7 * 24 * HOUR).toISOString()}&resolution=hour`, 'staff')).status).toBe(200);
    expect((await get(`layer=occupancy&from=yesterday&to=${hour}`, 'staff')).status).toBe(400);
    expect((await get(`layer=occupancy&from=${hour}&to=${from}`, 'staff')).status).toBe(422);
  });
});
