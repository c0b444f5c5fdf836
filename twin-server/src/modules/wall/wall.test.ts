/**
 * The wall routes on both backends over the seeded sample park plus known live rows: every KPI
 * is recomputed here from raw rows (a second, plain implementation of each definition) and must
 * equal the API; access rules, bad input and the audited bookmark lifecycle.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../db/testing.ts';
import { startTestServer, type TestServer } from '../../testing/server.ts';
import { seedPark } from '../../seed/index.ts';
import type { Permission } from '../../auth/types.ts';
import { headerGuard, TEST_USER_HEADER } from '../../testing/headerGuard.ts';
import { wallModule } from './index.ts';
import { ensurePartitions, TelemetryWriter } from '../../ingest/writer.ts';
import { createLogger } from '../../log.ts';
import type { Bookmark, WallKpis } from './queries.ts';

const PARK = 'wall-kpi-test';

/** Stand-in identities (the real guard is tested with the auth platform): picked by a header. */
const VIEWER: Permission[] = ['economy:read', 'park:read'];
const wallUsers = () => headerGuard({
  viewer: { permissions: VIEWER },
  editor: { permissions: [...VIEWER, 'park:write'] },
  tenant: { permissions: VIEWER, enterpriseIdx: 1 },
});

describeEachBackend('wall routes', ({ testDb }) => {
  let srv: TestServer;
  let parkIdx = 0;
  const call = async <T>(method: string, path: string, user = 'viewer', body?: unknown): Promise<{ status: number; body: T }> => {
    const r = await fetch(srv.url + path, {
      method,
      headers: { ...(user ? { [TEST_USER_HEADER]: user } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : null) as T };
  };
  /** Energy readings inserted below: [meter idx, ts, kWh counter]. */
  const readings: [number, Date, number][] = [];
  let d0 = new Date();

  beforeAll(async () => {
    const db = testDb().db;
    await seedPark(db, { seed: 11, scale: 0.1, code: PARK });
    parkIdx = (await db.query<{ idx: number }>('SELECT idx FROM park WHERE code = $1', [PARK])).rows[0]!.idx;
    const rooms = (await db.query<{ idx: number }>(
      `SELECT r.idx FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1 AND r.capacity > 0 ORDER BY r.idx LIMIT 4`, [parkIdx])).rows;
    // Three fresh head counts and one stale one (a dead sensor must not count).
    for (const [i, r] of rooms.entries()) {
      await db.query(`INSERT INTO live_state (idx, layer, value, status, ts) VALUES ($1, 1, $2, 0, now() - make_interval(mins => $3))`,
        [r.idx, 10 + i, i === 3 ? 120 : 1]);
    }
    const meters = (await db.query<{ idx: number }>(`SELECT idx FROM equipment WHERE park_idx = $1 AND type = 'power_meter' ORDER BY idx LIMIT 2`, [parkIdx])).rows;
    d0 = (await db.query<{ d0: Date }>(`SELECT date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai' AS d0`)).rows[0]!.d0;
    const now = Date.now();
    await ensurePartitions(db);
    const writer = new TelemetryWriter(db, createLogger('silent'));
    for (const [k, m] of meters.entries()) {
      const base = 5000 * (k + 1);
      const points: [number, number][] = [
        [d0.getTime() - 20 * 3600e3, base], [d0.getTime() - 6 * 3600e3, base + 40], [d0.getTime() - 60e3, base + 95],
        [d0.getTime() + (now - d0.getTime()) * 0.2, base + 110], [now - 30e3, base + 170 + k],
      ];
      // Through the telemetry writer, which keeps the hourly roll-ups the KPIs read.
      for (const [i, [t, kwh]] of points.entries()) {
        readings.push([m.idx, new Date(t), kwh]);
        void writer.enqueue({ ts: t, device: `m${k}`, seq: i, idx: m.idx, layer: 4, value: 50, status: 0, payload: { kw: 50, kwh } });
      }
      await db.query(`INSERT INTO live_state (idx, layer, value, status, ts) VALUES ($1, 4, $2, 0, now())`, [m.idx, 40.5 + k]);
    }
    await writer.close();
    const eq = (await db.query<{ idx: number }>(`SELECT idx FROM equipment WHERE park_idx = $1 AND status = 'normal' AND type = 'ahu' ORDER BY idx LIMIT 3`, [parkIdx])).rows;
    await db.query(`INSERT INTO live_state (idx, layer, value, status, ts) VALUES ($1, 2, 0, 2, now()), ($2, 2, 0, 3, now()), ($3, 2, 50, 1, now())`, [eq[0]!.idx, eq[1]!.idx, eq[2]!.idx]);
    await db.query(`INSERT INTO alarm (idx, layer, kind, severity, state, message, raised_at) VALUES
      ($1, 2, 'equipment_fault', 3, 'raised', 'trip', now()), ($2, 2, 'equipment_fault', 3, 'raised', 'trip', now()),
      ($3, 1, 'occupancy_over_capacity', 2, 'raised', 'full', now())`, [eq[0]!.idx, eq[1]!.idx, rooms[0]!.idx]);
    await db.query(`INSERT INTO alarm (idx, layer, kind, severity, state, message, raised_at, cleared_at) VALUES ($1, 2, 'over_temperature', 1, 'cleared', 'hot', now(), now())`, [eq[2]!.idx]);
    srv = await startTestServer(testDb().backend, { testDb: testDb(), modules: [wallUsers(), wallModule] });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('KPIs equal the same figures computed from the raw rows', async () => {
    const db = testDb().db;
    const { status, body: k } = await call<WallKpis>('GET', `/api/wall/kpis?park=${PARK}`);
    expect(status).toBe(200);
    expect(k.park).toBe(PARK);

    const rooms = (await db.query<{ leasable: boolean; lease_status: string; area: number; capacity: number | null }>(
      `SELECT r.leasable, r.lease_status, r.area, r.capacity FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1`, [parkIdx])).rows;
    const leasable = rooms.filter((r) => r.leasable);
    const leased = rooms.filter((r) => r.lease_status === 'leased' || r.lease_status === 'expiring');
    const area = (xs: typeof rooms) => xs.reduce((a, r) => a + Number(r.area), 0);
    expect(k.occupancy.leasableUnits).toBe(leasable.length);
    expect(k.occupancy.leasedUnits).toBe(leased.length);
    expect(leased.length).toBeGreaterThan(0);
    expect(k.occupancy.rate).toBeCloseTo((area(leased) / area(leasable)) * 100, 1);

    expect(k.people.onSite).toBe(10 + 11 + 12); // the stale 13 does not count
    expect(k.people.rooms).toBe(3);
    expect(k.people.capacity).toBe(rooms.reduce((a, r) => a + (r.capacity ?? 0), 0));
    expect(k.energy.powerKw).toBe(40.5 + 41.5);

    // Energy, from the raw readings: per meter and hour the last counter reading; an hour's
    // consumption is its last reading minus the previous hour's last (the first hour: its own rise).
    const t0 = d0.getTime();
    const at = Date.parse(k.at);
    const H = 3600e3;
    const perHour = new Map<number, number>(); // hour start (ms) -> kWh, all meters
    for (const m of new Set(readings.map((r) => r[0]))) {
      const rs = readings.filter((r) => r[0] === m).sort((a, b) => a[1].getTime() - b[1].getTime());
      const hours = [...new Set(rs.map((r) => Math.floor(r[1].getTime() / H) * H))].sort((a, b) => a - b);
      let prev: number | null = null;
      for (const h of hours) {
        const inHour = rs.filter((r) => Math.floor(r[1].getTime() / H) * H === h).map((r) => r[2]);
        const last = inHour.at(-1)!;
        perHour.set(h, (perHour.get(h) ?? 0) + Math.max(0, last - (prev ?? inHour[0]!)));
        prev = last;
      }
    }
    const sumHours = (pred: (h: number) => boolean) => [...perHour].filter(([h]) => pred(h)).reduce((a, [, v]) => a + v, 0);
    expect(k.energy.todayKwh).toBe(sumHours((h) => h >= t0));
    // Today = the last reading today minus the last one before today (95 -> 170 and 171).
    expect(k.energy.todayKwh).toBe((170 - 95) + (171 - 95));
    expect(k.energy.yesterdayKwh).toBe(sumHours((h) => h < t0 && h >= t0 - 86400e3));
    const hy = Math.floor((at - 86400e3) / H) * H;
    const ysame = sumHours((h) => h >= t0 - 86400e3 && h < hy) + sumHours((h) => h === hy) * ((at - 86400e3 - hy) / H);
    expect(k.energy.yesterdaySameTimeKwh).toBeCloseTo(ysame, 0);
    expect(k.energy.hourly.today.reduce((a, b) => a + b, 0)).toBeCloseTo(k.energy.todayKwh, 1);
    expect(k.energy.hourly.today).toHaveLength(24);
    // The roll-up rows equal what the raw readings give (one row per meter and hour).
    const rolled = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM energy_hourly WHERE idx = ANY($1::int[])`, [[...new Set(readings.map((r) => r[0]))]]);
    expect(rolled.rows[0]!.n).toBe(new Set(readings.map((r) => `${r[0]}/${Math.floor(r[1].getTime() / H)}`)).size);

    const eq = (await db.query<{ status: string; live: number | null }>(
      `SELECT e.status, ls.status AS live FROM equipment e LEFT JOIN live_state ls ON ls.idx = e.idx AND ls.layer = 2 WHERE e.park_idx = $1`, [parkIdx])).rows;
    const available = eq.filter((e) => (e.live !== null ? e.live !== 2 && e.live !== 3 : e.status === 'normal' || e.status === 'warning')).length;
    expect(k.equipment.total).toBe(eq.length);
    expect(k.equipment.available).toBe(available);
    expect(k.equipment.available).toBeLessThan(k.equipment.total);

    expect(k.alarms).toEqual({ open: 3, bySeverity: { 1: 0, 2: 1, 3: 2 } });

    const ents = (await db.query<{ staff: number; is_leading: boolean }>('SELECT staff, is_leading FROM enterprise WHERE park_idx = $1', [parkIdx])).rows;
    expect(k.enterprises.count).toBe(ents.length);
    expect(k.enterprises.employees).toBe(ents.reduce((a, e) => a + e.staff, 0));
    expect(k.enterprises.leading).toBe(ents.filter((e) => e.is_leading).length);

    const months = (await db.query<{ month: string; output: number; tax: number }>(
      `SELECT to_char(m.month, 'YYYY-MM') AS month, m.output_value AS output, m.tax FROM enterprise_monthly m JOIN enterprise e ON e.idx = m.enterprise_idx WHERE e.park_idx = $1`, [parkIdx])).rows;
    const last = months.map((m) => m.month).sort().at(-1)!;
    const year = last.slice(0, 4);
    const ytd = months.filter((m) => m.month.startsWith(year) && m.month <= last);
    const prevYear = String(Number(year) - 1);
    const prev = months.filter((m) => m.month.startsWith(prevYear) && m.month <= `${prevYear}${last.slice(4)}`);
    expect(k.economy.to).toBe(last);
    expect(k.economy.from).toBe(`${year}-01`);
    expect(k.economy.outputYtd).toBeCloseTo(ytd.reduce((a, m) => a + Number(m.output), 0), 0);
    expect(k.economy.taxYtd).toBeCloseTo(ytd.reduce((a, m) => a + Number(m.tax), 0), 0);
    expect(k.economy.outputPrevYtd).toBeCloseTo(prev.reduce((a, m) => a + Number(m.output), 0), 0);
    expect(k.economy.monthly.map((m) => m.month)).toEqual([...new Set(ytd.map((m) => m.month))].sort());
  });

  it('answers many walls asking at once with the same figures from one computation, and computes afresh afterwards', async () => {
    // A second server over the same database whose queries are counted (the energy figures are
    // the costly part of a KPI computation, and each computation runs that query once).
    let energyQueries = 0;
    const inner = testDb().db;
    const counting = new Proxy(inner, {
      get(target, prop) {
        if (prop === 'query') {
          return (text: string, params?: unknown[]) => {
            if (text.includes('energy_hourly')) energyQueries++;
            return target.query(text, params);
          };
        }
        const v = Reflect.get(target, prop) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const second = await startTestServer(testDb().backend, { testDb: { ...testDb(), db: counting, drop: async () => {} }, modules: [wallUsers(), wallModule] });
    try {
      const get = () => fetch(`${second.url}/api/wall/kpis?park=${PARK}`, { headers: { [TEST_USER_HEADER]: 'viewer' } });
      const many = await Promise.all(Array.from({ length: 6 }, get));
      const bodies = await Promise.all(many.map(async (r) => ({ status: r.status, body: (await r.json()) as WallKpis })));
      for (const r of bodies) expect(r.status).toBe(200);
      const same = (k: WallKpis) => JSON.stringify({ ...k, at: undefined });
      for (const r of bodies) expect(same(r.body)).toBe(same(bodies[0]!.body));
      // PGlite runs in this process and blocks it while it queries, so there one computation
      // usually ends before the next request is even read: nothing overlaps to share.
      if (testDb().backend === 'postgres') expect(energyQueries).toBeLessThan(6);

      // Nothing is kept after a computation settles: a new head count shows in the next request.
      const room = (await inner.query<{ idx: number }>(
        `SELECT r.idx FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1 AND r.capacity > 0
         AND NOT EXISTS (SELECT 1 FROM live_state ls WHERE ls.idx = r.idx AND ls.layer = 1) ORDER BY r.idx LIMIT 1`, [parkIdx])).rows[0]!;
      await inner.query('INSERT INTO live_state (idx, layer, value, status, ts) VALUES ($1, 1, 7, 0, now())', [room.idx]);
      try {
        const after = (await (await get()).json()) as WallKpis;
        expect(after.people.onSite).toBe(bodies[0]!.body.people.onSite + 7);
      } finally {
        await inner.query('DELETE FROM live_state WHERE idx = $1 AND layer = 1', [room.idx]);
      }
    } finally {
      await second.stop();
    }
  });

  it('refuses without login, without permission and to enterprise-scoped users; 400/404 on bad parks', async () => {
    expect((await call('GET', `/api/wall/kpis?park=${PARK}`, '')).status).toBe(401);
    expect((await call('GET', `/api/wall/kpis?park=${PARK}`, 'nobody')).status).toBe(403);
    expect((await call('GET', `/api/wall/kpis?park=${PARK}`, 'tenant')).status).toBe(403);
    const bad = await call<{ error: { message: string } }>('GET', '/api/wall/kpis?park=NOT%20A%20CODE');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/park code/);
    expect((await call('GET', '/api/wall/kpis?park=no-such-park')).status).toBe(404);
    // No code: the first park.
    expect((await call<WallKpis>('GET', '/api/wall/kpis')).body.park).toBe(PARK);
  });

  it('bookmarks: saved in tour order by editors, audited, validated, deleted', async () => {
    const db = testDb().db;
    const one = { park: PARK, name: 'Overview', camera: [400, 350, 450, 0, 0, 0], layer: 'occupancy', dwellS: 15 };
    expect((await call('POST', '/api/wall/bookmarks', 'viewer', one)).status).toBe(403);
    const a = await call<Bookmark>('POST', '/api/wall/bookmarks', 'editor', one);
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ name: 'Overview', camera: one.camera, layer: 'occupancy', dwellS: 15, position: 0 });
    const b = await call<Bookmark>('POST', '/api/wall/bookmarks', 'editor', { ...one, name: 'Gate', layer: 'security', camera: [10, 20, 30, 1, 2, 3] });
    expect(b.body.position).toBe(1);
    expect((await call('POST', '/api/wall/bookmarks', 'editor', one)).status).toBe(409);
    for (const broken of [{ ...one, name: 'x', camera: [1, 2] }, { ...one, name: 'y', layer: 'weather' }, { ...one, name: 'z', extra: 1 }, { ...one, name: 'w', dwellS: 1 }]) {
      const r = await call<{ error: { message: string } }>('POST', '/api/wall/bookmarks', 'editor', broken);
      expect(r.status).toBe(400);
    }
    const list = await call<{ bookmarks: Bookmark[] }>('GET', `/api/wall/bookmarks?park=${PARK}`);
    expect(list.body.bookmarks.map((x) => x.name)).toEqual(['Overview', 'Gate']);
    expect((await call('DELETE', `/api/wall/bookmarks/${a.body.id}`, 'viewer')).status).toBe(403);
    expect((await call('DELETE', `/api/wall/bookmarks/${a.body.id}`, 'editor')).status).toBe(204);
    expect((await call('DELETE', `/api/wall/bookmarks/${a.body.id}`, 'editor')).status).toBe(404);
    expect((await call('DELETE', '/api/wall/bookmarks/abc', 'editor')).status).toBe(400);
    const audit = await db.query<{ action: string; actor_name: string }>(`SELECT action, actor_name FROM audit_log WHERE action LIKE 'wall.bookmark.%' ORDER BY seq`);
    expect(audit.rows).toEqual([
      { action: 'wall.bookmark.create', actor_name: 'editor' },
      { action: 'wall.bookmark.create', actor_name: 'editor' },
      { action: 'wall.bookmark.delete', actor_name: 'editor' },
    ]);
  });
});
