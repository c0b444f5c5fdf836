/**
 * The economy module on both backends, through the real auth platform: an enterprise account
 * files a month by Excel (row-level errors naming the rows, nothing written), corrects it, files
 * again idempotently; park staff return and approve it (audited, version-checked); approval
 * writes the economic database, and the wall's output KPI moves by exactly the filed output.
 * Scoping: another enterprise sees nothing of it. The sample history is carried to the month
 * before the clock's month and no further, idempotently.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { healthModule } from '../health.ts';
import { createLiveModule } from '../live.ts';
import { startAuthServer, type AuthTestServer, type HttpClient } from '../../auth/testing.ts';
import { insertFixturePark } from '../../tiler/fixture.ts';
import { leaseRoomTo } from '../../kit/records/testing.ts';
import { rawUploadClient } from '../repairs/testing.ts';
import { parkKpis, findPark } from '../wall/queries.ts';
import { economyModule } from './index.ts';
import { carrySampleForward, samplePending } from './history.ts';
import { closedMonth, reportXlsx, rowOf, SAMPLE_FIGURES } from './testing.ts';
import { addMonths } from '../../seed/dates.ts';
import { seedPark } from '../../seed/index.ts';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`economy module [${backend}]`, () => {
    let s: AuthTestServer;
    let filerA: HttpClient;
    let filerB: HttpClient;
    let manager: HttpClient;
    let viewer: HttpClient;
    let entA = 0;
    let parkIdx = 0;
    let month = '';
    const db = () => s.server.sc.db;
    const upload = (c: HttpClient, bytes: Buffer) => rawUploadClient(c, XLSX, bytes).req('POST', '/api/economy/filings/upload');

    beforeAll(async () => {
      s = await startAuthServer(backend, { modules: [healthModule, createLiveModule({ mqtt: false }), economyModule] });
      parkIdx = (await insertFixturePark(db(), { grid: 2, floors: 1, roomsPerSide: 2, code: 'economy' })).parkIdx;
      const rooms = (await db().query<{ idx: number }>('SELECT idx FROM room WHERE leasable ORDER BY idx')).rows.map((r) => r.idx);
      entA = await leaseRoomTo(db(), parkIdx, rooms[0]!, '甲方经济科技有限公司', '91330100MA2ECON01X');
      const entB = await leaseRoomTo(db(), parkIdx, rooms[1]!, '乙方经济科技有限公司', '91330100MA2ECON02X');
      month = closedMonth(s.clock.now());
      // Both enterprises reported the year so far, so the wall's year to date runs to `month`.
      for (const e of [entA, entB]) {
        await db().query(
          `INSERT INTO enterprise_monthly (enterprise_idx, month, output_value, revenue, tax, rd_spend, energy_kwh, staff)
           SELECT $1, m, 500, 450, 30, 40, 9000, 10 FROM generate_series($2::date - interval '13 months', $2::date - interval '1 month', interval '1 month') m`,
          [e, `${month}-01`]);
      }
      await db().query(`INSERT INTO enterprise_monthly (enterprise_idx, month, output_value, revenue, tax, rd_spend, energy_kwh, staff) VALUES ($1, $2::date, 500, 450, 30, 40, 9000, 10)`, [entB, `${month}-01`]);
      filerA = (await s.userWith(['enterprise_user'], entA)).client;
      filerB = (await s.userWith(['enterprise_user'], entB)).client;
      manager = (await s.userWith(['property_manager'])).client;
      viewer = (await s.userWith(['leadership_viewer'])).client;
    }, 120_000);
    afterAll(async () => {
      await s?.server.stop();
    });

    it('serves the template as a real workbook with one row per indicator', async () => {
      const r = await fetch(`${s.server.url}/api/economy/template?month=${month}`, { headers: { Cookie: [...filerA.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toContain('spreadsheetml');
      const bytes = Buffer.from(await r.arrayBuffer());
      expect(bytes.subarray(0, 2).toString('latin1')).toBe('PK');
    });

    it('an Excel report with two bad rows is refused naming those rows, and nothing is filed', async () => {
      const bad = await reportXlsx(month, SAMPLE_FIGURES, { tax: '六十六', staff: -5 });
      const r = await upload(filerA, bad);
      expect(r.status, r.text).toBe(422);
      const rows = (r.body as { rows: { row: number; field: string; code: string }[] }).rows;
      expect(rows.map((e) => [e.row, e.field, e.code])).toEqual([[rowOf('tax'), 'tax', 'not-number'], [rowOf('staff'), 'staff', 'negative']]);
      expect((r.body as { error: { message: string } }).error.message).toContain(`row ${rowOf('tax')} (tax)`);
      expect((await db().query('SELECT 1 FROM economy_filing')).rows).toHaveLength(0);
      // A month that is not closed yet, a file that is no workbook.
      const open = await upload(filerA, await reportXlsx(addMonths(`${month}-01`, 1).slice(0, 7), SAMPLE_FIGURES));
      expect(open.status).toBe(422);
      expect(open.text).toContain('not closed');
      expect((await upload(filerA, Buffer.from('name,value\nx,1\n'))).status).toBe(422);
    });

    it('the corrected report is filed once; the same file again changes nothing; other enterprises see nothing of it', async () => {
      const good = await reportXlsx(month, SAMPLE_FIGURES);
      const r = await upload(filerA, good);
      expect(r.status, r.text).toBe(200);
      const body = r.body as { filing: { id: number; status: string; version: number; outputValue: number; month: string }; outcome: string };
      expect(body.outcome).toBe('created');
      expect(body.filing).toMatchObject({ status: 'submitted', version: 1, outputValue: SAMPLE_FIGURES.outputValue, month });
      const again = await upload(filerA, good);
      expect((again.body as { outcome: string }).outcome).toBe('unchanged');
      expect((await db().query('SELECT version FROM economy_filing')).rows).toEqual([{ version: 1 }]);
      // Not yet in the economic database.
      expect((await db().query('SELECT 1 FROM enterprise_monthly WHERE enterprise_idx = $1 AND month = $2::date', [entA, `${month}-01`])).rows).toHaveLength(0);
      expect(((await filerB.req('GET', '/api/economy/filings')).body as { filings: unknown[] }).filings).toHaveLength(0);
      expect((await filerB.req('GET', `/api/economy/filings/${body.filing.id}`)).status).toBe(403);
      expect(((await manager.req('GET', '/api/economy/filings?status=submitted')).body as { filings: { id: number }[] }).filings.map((f) => f.id)).toEqual([body.filing.id]);
      // Park staff cannot file, enterprises cannot review.
      expect((await manager.req('POST', '/api/economy/filings', { month, ...SAMPLE_FIGURES })).status).toBe(403);
      expect((await filerA.req('POST', `/api/economy/filings/${body.filing.id}/approve`, { version: 1 })).status).toBe(403);
      expect((await viewer.req('POST', `/api/economy/filings/${body.filing.id}/approve`, { version: 1 })).status).toBe(403);
    });

    it('returned, corrected and approved: the economic database and the wall\'s output move by the filed figures; audited', async () => {
      const park = (await findPark(db(), 'economy'))!;
      const before = await parkKpis(db(), park);
      expect(before.economy.to).toBe(month);
      const id = ((await manager.req('GET', '/api/economy/filings')).body as { filings: { id: number }[] }).filings[0]!.id;
      expect((await manager.req('POST', `/api/economy/filings/${id}/return`, { version: 1, note: '' })).status).toBe(400);
      const ret = await manager.req('POST', `/api/economy/filings/${id}/return`, { version: 1, note: '研发投入请核对' });
      expect(ret.status, ret.text).toBe(200);
      expect(ret.body).toMatchObject({ status: 'returned', reviewNote: '研发投入请核对' });
      expect((await manager.req('POST', `/api/economy/filings/${id}/approve`, { version: 1 })).status).toBe(409);
      const fixed = { ...SAMPLE_FIGURES, outputValue: 5000, rdSpend: 150 };
      const f2 = await filerA.req('POST', '/api/economy/filings', { month, ...fixed });
      expect(f2.status, f2.text).toBe(200);
      expect(f2.body).toMatchObject({ outcome: 'updated', filing: { status: 'submitted', version: 2, source: 'form' } });
      expect((await manager.req('POST', `/api/economy/filings/${id}/approve`, { version: 1 })).status).toBe(409); // stale version
      const ok = await manager.req('POST', `/api/economy/filings/${id}/approve`, { version: 2 });
      expect(ok.status, ok.text).toBe(200);
      expect(ok.body).toMatchObject({ status: 'approved', outputValue: 5000 });
      const rec = await db().query<{ output_value: number; rd_spend: number }>('SELECT output_value::float8 AS output_value, rd_spend::float8 AS rd_spend FROM enterprise_monthly WHERE enterprise_idx = $1 AND month = $2::date', [entA, `${month}-01`]);
      expect(rec.rows).toEqual([{ output_value: 5000, rd_spend: 150 }]);
      const after = await parkKpis(db(), park);
      expect(after.economy.outputYtd).toBeCloseTo(before.economy.outputYtd + 5000, 1);
      // Approved is final for the enterprise; the same figures again are a no-op.
      expect((await filerA.req('POST', '/api/economy/filings', { month, ...fixed, outputValue: 1 })).status).toBe(409);
      expect(((await filerA.req('POST', '/api/economy/filings', { month, ...fixed })).body as { outcome: string }).outcome).toBe('unchanged');
      const audit = await db().query<{ action: string }>(`SELECT action FROM audit_log WHERE object = $1 ORDER BY seq`, [`economy-filing:${id}`]);
      expect(audit.rows.map((a) => a.action)).toEqual(['economy.filing.submit', 'economy.filing.return', 'economy.filing.submit', 'economy.filing.approve']);
    });

    it('a sample park seeded at any clock date: the wall\'s period ends in the last closed month and the economy layer carries the database\'s latest figures', async () => {
      const seeded = await seedPark(db(), { seed: 3, scale: 0.1, code: 'econ-sample' });
      await economyModule.seed!(s.server.sc, { parkIdx: seeded.parkIdx });
      const park = (await findPark(db(), 'econ-sample'))!;
      const k = await parkKpis(db(), park);
      const closed = closedMonth(s.clock.now());
      expect(seeded.asOf < `${closed}-01`).toBe(true); // the generator's own data ends long before
      expect(k.economy.to).toBe(closed);
      expect(k.economy.from).toBe(`${closed.slice(0, 4)}-01`);
      expect(k.economy.monthly.every((m) => m.month.slice(0, 4) === closed.slice(0, 4) && m.month <= closed)).toBe(true);
      expect(k.economy.outputYtd).toBeGreaterThan(0);
      expect(k.economy.outputPrevYtd).toBeGreaterThan(0);
      // About one in five reports of the last closed month is still outstanding (something to file).
      const n = await db().query<{ total: number; reported: number }>(
        `SELECT count(*)::int AS total, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM enterprise_monthly m WHERE m.enterprise_idx = e.idx AND m.month = $2::date))::int AS reported
         FROM enterprise e WHERE e.park_idx = $1`, [seeded.parkIdx, `${closed}-01`]);
      expect(n.rows[0]!.reported).toBeLessThan(n.rows[0]!.total);
      expect(n.rows[0]!.reported).toBeGreaterThan(n.rows[0]!.total * 0.6);
      // The economy layer (layer 5) of every enterprise is its latest month's output, not noise.
      const want = await db().query<{ idx: number; v: number }>(
        `SELECT DISTINCT ON (m.enterprise_idx) m.enterprise_idx AS idx, m.output_value::float8 AS v FROM enterprise_monthly m JOIN enterprise e ON e.idx = m.enterprise_idx
         WHERE e.park_idx = $1 ORDER BY m.enterprise_idx, m.month DESC`, [seeded.parkIdx]);
      const live = async () => new Map((await db().query<{ idx: number; v: number }>(
        `SELECT ls.idx, ls.value::float8 AS v FROM live_state ls JOIN enterprise e ON e.idx = ls.idx WHERE ls.layer = 5 AND e.park_idx = $1`, [seeded.parkIdx])).rows.map((r) => [r.idx, r.v]));
      await expect.poll(async () => (await live()).size, { timeout: 20_000 }).toBe(want.rows.length);
      const got = await live();
      for (const w of want.rows) expect(got.get(w.idx)).toBeCloseTo(w.v, 0);
      // A second start the same month adds nothing.
      expect(await carrySampleForward(db(), new Date(s.clock.now()))).toBe(0);
    }, 120_000);

    it('carries a sample park\'s history to the month before the clock\'s month, never further, idempotently', async () => {
      const code = '91330100MA2ECON03X';
      const rooms = (await db().query<{ idx: number }>('SELECT idx FROM room WHERE leasable ORDER BY idx')).rows.map((r) => r.idx);
      const ent = await leaseRoomTo(db(), parkIdx, rooms[2]!, '丙方样例有限公司', code);
      await db().query(
        `INSERT INTO enterprise_monthly (enterprise_idx, month, output_value, revenue, tax, rd_spend, energy_kwh, staff)
         SELECT $1, m, 100 + extract(month FROM m), 90, 6, 8, 1000, 20 FROM generate_series('2022-05-01'::date, '2025-04-01'::date, interval '1 month') m`, [ent]);
      await db().query('INSERT INTO economy_sample_park (park_idx) VALUES ($1)', [parkIdx]);
      const now = new Date('2026-12-07T01:00:00Z');
      const added = await carrySampleForward(db(), now);
      const last = samplePending(code, '2026-11-01') ? '2026-10' : '2026-11';
      const r = await db().query<{ m: string; n: number }>(`SELECT to_char(max(month), 'YYYY-MM') AS m, count(*)::int AS n FROM enterprise_monthly WHERE enterprise_idx = $1`, [ent]);
      expect(r.rows[0]!.m).toBe(last);
      expect(added).toBeGreaterThanOrEqual(18);
      expect(await carrySampleForward(db(), now)).toBe(0);
      // The enterprises with a filing are left alone for filed months.
      const a = await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM enterprise_monthly WHERE month > $1::date`, [`${month}-01`]);
      expect(a.rows[0]!.n).toBe(0);
    });
  });
}
