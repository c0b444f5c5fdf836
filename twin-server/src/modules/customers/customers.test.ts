/**
 * The customers module on both backends, through the real auth platform: the registry search
 * (enterprises by name, credit code and industry name; contact persons, staff accounts, visitors;
 * phones masked), an enterprise's profile figures computed from data written here (growth,
 * energy intensity against the park median, R&D intensity, repairs, alarms in its units, payment
 * behaviour) and the tags and advice the documented rules give; scoping (an enterprise account
 * sees its own profile and registry rows only, another enterprise's profile is a 403 audited as
 * foreign-object); permissions; bad input (400 naming the field, 404, 422) with nothing written;
 * the sample data (idempotent).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { healthModule } from '../health.ts';
import { startAuthServer, type AuthTestServer, type HttpClient } from '../../auth/testing.ts';
import { insertFixturePark } from '../../tiler/fixture.ts';
import { leaseRoomTo } from '../../kit/records/testing.ts';
import { addDays, addMonths, isoDate } from '../../seed/dates.ts';
import { monthOf } from '../economy/history.ts';
import { customersModule } from './index.ts';
import { seedCustomers } from './seed.ts';
import type { Profile } from './profile.ts';

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`customers module [${backend}]`, () => {
    let s: AuthTestServer;
    let staff: HttpClient;
    let viewer: HttpClient;
    let tenantA: HttpClient;
    let maint: HttpClient;
    let entA = 0;
    let entB = 0;
    let roomA = 0;
    let parkIdx = 0;
    const PARK = 'customers';
    const db = () => s.server.sc.db;
    const profile = async (c: HttpClient, idx: number) => c.req('GET', `/api/customers/enterprises/${idx}`);

    beforeAll(async () => {
      s = await startAuthServer(backend, { modules: [healthModule, customersModule] });
      parkIdx = (await insertFixturePark(db(), { grid: 2, floors: 1, roomsPerSide: 2, code: PARK })).parkIdx;
      const rooms = (await db().query<{ idx: number; area: number }>('SELECT idx, area::float8 AS area FROM room WHERE leasable ORDER BY idx')).rows;
      roomA = rooms[0]!.idx;
      entA = await leaseRoomTo(db(), parkIdx, roomA, '甲方画像科技有限公司', '91330100MA2CUST01X');
      entB = await leaseRoomTo(db(), parkIdx, rooms[1]!.idx, '乙方物流有限公司', '91330100MA2CUST02X');
      await db().query(`UPDATE enterprise SET industry = 'biomed', high_tech = true, staff = 40 WHERE idx = $1`, [entA]);
      await db().query(`UPDATE enterprise SET industry = 'services', staff = 5 WHERE idx = $1`, [entB]);
      const now = new Date(s.clock.now());
      const month = monthOf(now, 'Asia/Shanghai');
      // A: output 100/month the year before, 130/month the last 12 months (+30 %): fast growth;
      // 1000 kWh per month against output 130 (7.7 kWh per 10k CNY); R&D 20 of revenue 100 (20 %).
      // B: output 100/month both years; 100 kWh per month (1 kWh per 10k CNY).
      for (let m = 1; m <= 24; m++) {
        const mo = addMonths(month, -m);
        await db().query(`INSERT INTO enterprise_monthly VALUES ($1, $2::date, $3, 100, 10, 20, 1000, 40)`, [entA, mo, m <= 12 ? 130 : 100]);
        await db().query(`INSERT INTO enterprise_monthly VALUES ($1, $2::date, 100, 100, 5, 1, 100, 5)`, [entB, mo]);
      }
      // A's invoices: 10 paid on time, one 20 days late, one unpaid and overdue (5000).
      const today = isoDate(now.getTime());
      for (let m = 1; m <= 12; m++) {
        const period = addMonths(today, -m);
        const due = addDays(period, 9);
        const paid = m === 1 ? null : m === 2 ? addDays(due, 20) : addDays(due, -1);
        await db().query('INSERT INTO customer_invoice (enterprise_idx, period, amount, due_date, paid_date) VALUES ($1, $2::date, 5000, $3::date, $4::date)', [entA, period, due, paid]);
        await db().query('INSERT INTO customer_invoice (enterprise_idx, period, amount, due_date, paid_date) VALUES ($1, $2::date, 800, $3::date, $3::date)', [entB, period, due]);
      }
      // Six alarms in A's unit in the last 90 days (one still open), one older.
      const kinds = ['over_temperature', 'equipment_fault', 'energy_overload', 'occupancy_over_capacity', 'access_denied_burst', 'perimeter_intrusion'];
      for (const [i, k] of kinds.entries()) {
        await db().query(`INSERT INTO alarm (idx, layer, kind, severity, state, message, raised_at, cleared_at) VALUES ($1, 1, $2, 2, $3, 'test', $4, $5)`,
          [roomA, k, i === 0 ? 'raised' : 'cleared', new Date(now.getTime() - (i + 1) * 86_400_000), i === 0 ? null : new Date(now.getTime() - i * 86_400_000)]);
      }
      await db().query(`INSERT INTO alarm (idx, layer, kind, severity, state, message, raised_at, cleared_at) VALUES ($1, 1, 'equipment_fault', 1, 'cleared', 'old', $2, $2)`,
        [roomA, new Date(now.getTime() - 200 * 86_400_000)]);
      // Two repair requests of A this year, one open.
      for (const st of ['submitted', 'closed']) {
        await db().query(`INSERT INTO kit_record (entity, state, enterprise_idx, title, created_at, updated_at, state_since) VALUES ('repair', $1, $2, '漏水', $3, $3, $3)`,
          [st, entA, new Date(now.getTime() - 10 * 86_400_000)]);
      }
      await db().query(`INSERT INTO customer_contact (enterprise_idx, name, title, phone, is_primary, created_by_name, created_at) VALUES ($1, '钱总', '总经理', '13912345678', true, 't', now()), ($2, '孙经理', NULL, '13700001234', true, 't', now())`, [entA, entB]);
      await db().query(`INSERT INTO customer_visitor (park_idx, name, company, host_enterprise_idx, visit_date, created_by_name, created_at) VALUES ($1, '周访客', '蓝海咨询', $2, $3::date, 't', now()), ($1, '吴访客', NULL, $4, $3::date, 't', now())`,
        [parkIdx, entA, addDays(today, -3), entB]);
      staff = (await s.userWith(['investment'])).client;
      viewer = (await s.userWith(['leadership_viewer'])).client;
      tenantA = (await s.userWith(['enterprise_user'], entA)).client;
      maint = (await s.userWith(['maintenance'])).client;
    }, 120_000);
    afterAll(async () => {
      await s?.server.stop();
    });

    it('searches enterprises by name, credit code and industry name, people and visitors; phones masked', async () => {
      const byName = await staff.req('GET', `/api/customers?park=${PARK}&q=画像`);
      expect(byName.status).toBe(200);
      const b = byName.body as { enterprises: { idx: number; units: number }[]; people: { name: string; phone: string | null; kind: string }[]; visitors: { name: string; hostIdx: number }[] };
      expect(b.enterprises.map((e) => e.idx)).toEqual([entA]);
      expect(b.enterprises[0]!.units).toBe(1);
      // The enterprise's name finds its people and its visitors too.
      expect(b.people.map((p) => p.name)).toContain('钱总');
      expect(b.people.find((p) => p.name === '钱总')!.phone).toBe('139****5678');
      expect(b.visitors.map((v) => v.name)).toEqual(['周访客']);
      const byCode = (await staff.req('GET', `/api/customers?park=${PARK}&q=cust02x&type=enterprise`)).body as { enterprises: { idx: number }[]; people: unknown[] };
      expect(byCode.enterprises.map((e) => e.idx)).toEqual([entB]);
      expect(byCode.people).toEqual([]);
      const byIndustry = (await staff.req('GET', `/api/customers?park=${PARK}&q=生物医药&type=enterprise`)).body as { enterprises: { idx: number }[] };
      expect(byIndustry.enterprises.map((e) => e.idx)).toEqual([entA]);
      // A LIKE wildcard in the query is a literal character.
      const pct = (await staff.req('GET', `/api/customers?park=${PARK}&q=%25`)).body as { totals: Record<string, number> };
      expect(pct.totals).toEqual({ enterprises: 0, people: 0, visitors: 0 });
      const all = (await viewer.req('GET', `/api/customers?park=${PARK}`)).body as { totals: Record<string, number> };
      expect(all.totals).toEqual({ enterprises: 2, people: 3, visitors: 2 });
      // The enterprise account is one of A's people.
      const acc = (await viewer.req('GET', `/api/customers?park=${PARK}&type=person`)).body as { people: { kind: string; enterpriseIdx: number }[] };
      expect(acc.people.filter((x) => x.kind === 'account').map((x) => x.enterpriseIdx)).toEqual([entA]);
    });

    it('builds the profile from park data with the documented tags and advice', async () => {
      const r = await profile(staff, entA);
      expect(r.status).toBe(200);
      const p = r.body as Profile;
      expect(p.name).toBe('甲方画像科技有限公司');
      expect(p.size).toBe('small');
      expect(p.units.map((u) => u.idx)).toEqual([roomA]);
      expect(p.economy.output12).toBe(1560);
      expect(p.economy.outputPrev12).toBe(1200);
      expect(p.economy.growth).toBeCloseTo(0.3, 6);
      expect(p.economy.rdIntensity).toBeCloseTo(0.2, 6);
      expect(p.economy.energyIntensity).toBeCloseTo(12000 / 1560, 6);
      expect(p.economy.parkMedianIntensity).toBeCloseTo((1 + 12000 / 1560) / 2, 6);
      expect(p.economy.months).toHaveLength(12);
      expect(p.services.repairs).toBe(2);
      expect(p.services.openRepairs).toBe(1);
      expect(p.alarms).toMatchObject({ last90d: 6, open: 1 });
      expect(p.payment).toMatchObject({ invoices: 12, onTime: 10, overdueCount: 1, overdueAmount: 5000 });
      expect(p.contacts[0]).toMatchObject({ name: '钱总', phone: '13912345678', primary: true });
      expect(p.visitors90d).toBe(1);
      // 40 people in one fixture room: crowded when under 8 m² each.
      const crowded = p.leasedArea / 40 < 8 ? ['crowded'] : [];
      expect(p.tags).toEqual(['high_tech', 'fast_growth', 'energy_intensive', 'rd_intensive', 'arrears', 'frequent_alarms', ...crowded]);
      expect(p.advice.map((a) => a.code)).toEqual(['collect_arrears', 'offer_expansion', 'energy_audit', 'inspect_units', 'policy_support']);
      expect(p.advice[0]!.amount).toBe(5000);

      const pb = (await profile(staff, entB)).body as Profile;
      expect(pb.economy.growth).toBe(0);
      expect(pb.tags).toEqual(['prompt_payer']);
      expect(pb.advice).toEqual([]);
      // A leadership viewer (no customers:write) sees contact phones masked.
      const pv = (await profile(viewer, entA)).body as Profile;
      expect(pv.contacts[0]!.phone).toBe('139****5678');
    });

    it('an enterprise account sees its own profile and registry rows only', async () => {
      const own = await profile(tenantA, entA);
      expect(own.status).toBe(200);
      expect((own.body as Profile).contacts[0]!.phone).toBe('13912345678');
      const other = await profile(tenantA, entB);
      expect(other.status).toBe(403);
      const audit = await db().query<{ detail: string }>(`SELECT detail FROM audit_log WHERE outcome = 'denied' ORDER BY seq DESC LIMIT 1`);
      expect(JSON.parse(audit.rows[0]!.detail)).toMatchObject({ reason: 'foreign-object' });
      const reg = (await tenantA.req('GET', `/api/customers?park=${PARK}`)).body as { enterprises: { idx: number }[]; people: { enterpriseIdx: number }[]; visitors: { hostIdx: number }[] };
      expect(reg.enterprises.map((e) => e.idx)).toEqual([entA]);
      expect(reg.people.every((p) => p.enterpriseIdx === entA)).toBe(true);
      expect(reg.visitors.every((v) => v.hostIdx === entA)).toBe(true);
      expect(JSON.stringify(reg)).not.toContain('乙方');
      // Enterprise accounts cannot write the registry.
      expect((await tenantA.req('POST', `/api/customers/enterprises/${entA}/contacts`, { name: 'x' })).status).toBe(403);
    });

    it('refuses roles without the permission', async () => {
      expect((await maint.req('GET', `/api/customers?park=${PARK}`)).status).toBe(403);
      expect((await maint.req('GET', `/api/customers/enterprises/${entA}`)).status).toBe(403);
      expect((await viewer.req('POST', '/api/customers/visitors', { park: PARK, name: 'x', visitDate: '2026-01-02' })).status).toBe(403);
    });

    it('adds and removes contacts and visitors (audited); bad input is refused naming the field and writes nothing', async () => {
      const count = async () => (await db().query<{ n: number }>('SELECT (SELECT count(*) FROM customer_contact) + (SELECT count(*) FROM customer_visitor) AS n')).rows[0]!.n;
      const before = Number(await count());
      const bad = [
        await staff.req('POST', `/api/customers/enterprises/${entA}/contacts`, { name: '' }),
        await staff.req('POST', `/api/customers/enterprises/${entA}/contacts`, { name: '郑', phone: 'call me' }),
        await staff.req('POST', `/api/customers/enterprises/${entA}/contacts`, { name: '郑', email: 'nope' }),
        await staff.req('POST', `/api/customers/enterprises/${entA}/contacts`, { name: '郑', extra: 1 }),
        await staff.req('POST', '/api/customers/visitors', { park: PARK, name: '王', visitDate: '2026-02-30' }),
      ];
      for (const r of bad) expect(r.status, r.text).toBe(400);
      expect(bad[1]!.text).toContain('phone');
      expect(bad[4]!.text).toContain('visitDate');
      expect((await staff.req('GET', `/api/customers?park=${PARK}&limit=0`)).status).toBe(400);
      expect((await staff.req('GET', `/api/customers?park=nowhere`)).status).toBe(404);
      expect((await staff.req('GET', `/api/customers/enterprises/${roomA}`)).status).toBe(404);
      expect((await staff.req('GET', '/api/customers/enterprises/abc')).status).toBe(400);
      expect((await staff.req('POST', '/api/customers/visitors', { park: PARK, name: '王', visitDate: '2026-02-03', hostIdx: roomA })).status).toBe(422);
      expect((await staff.req('DELETE', '/api/customers/contacts/999999')).status).toBe(404);
      expect(Number(await count())).toBe(before);

      const add = await staff.req('POST', `/api/customers/enterprises/${entA}/contacts`, { name: '郑秘书', title: '董事会秘书', phone: '021-5555 1234', primary: true });
      expect(add.status).toBe(201);
      const id = (add.body as { id: number }).id;
      const p = (await profile(staff, entA)).body as Profile;
      expect(p.contacts.filter((c) => c.primary).map((c) => c.name)).toEqual(['郑秘书']);
      expect((await staff.req('DELETE', `/api/customers/contacts/${id}`)).status).toBe(204);
      const v = await staff.req('POST', '/api/customers/visitors', { park: PARK, name: '冯来宾', company: '中科检测', hostIdx: entB, visitDate: '2026-02-03' });
      expect(v.status).toBe(201);
      const audit = await db().query<{ action: string }>(`SELECT action FROM audit_log WHERE action LIKE 'customers.%' ORDER BY seq`);
      expect(audit.rows.map((a) => a.action)).toEqual(['customers.contact.add', 'customers.contact.remove', 'customers.visitor.add']);
    });

    it('seeds sample contacts, visitors and invoices once', async () => {
      const other = (await insertFixturePark(db(), { grid: 2, floors: 1, roomsPerSide: 2, code: 'customers-seed' })).parkIdx;
      const rooms = (await db().query<{ idx: number }>('SELECT r.idx FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1 AND r.leasable ORDER BY r.idx', [other])).rows;
      await leaseRoomTo(db(), other, rooms[0]!.idx, '样例一有限公司', '91330100MA2CUST03X');
      await leaseRoomTo(db(), other, rooms[1]!.idx, '样例二有限公司', '91330100MA2CUST04X');
      const n = async () => (await db().query<{ c: number; v: number; i: number }>(
        `SELECT (SELECT count(*)::int FROM customer_contact c JOIN enterprise e ON e.idx = c.enterprise_idx WHERE e.park_idx = $1) AS c,
                (SELECT count(*)::int FROM customer_visitor WHERE park_idx = $1) AS v,
                (SELECT count(*)::int FROM customer_invoice i JOIN enterprise e ON e.idx = i.enterprise_idx WHERE e.park_idx = $1) AS i`, [other])).rows[0]!;
      await seedCustomers(db(), other, new Date(s.clock.now()));
      const first = await n();
      expect(first.c).toBeGreaterThanOrEqual(2);
      expect(first.v).toBe(40);
      expect(first.i).toBeGreaterThanOrEqual(22);
      await seedCustomers(db(), other, new Date(s.clock.now()));
      expect(await n()).toEqual(first);
    });
  });
}
