/**
 * Monthly parking cards on both backends, through the real routes and auth platform: a tenant
 * applies for its enterprise, property management approves (a space is assigned) and records the
 * payment (integer fen; the same idempotency key again changes nothing, also when sent eight
 * times at once; a wrong amount is refused with nothing written); renewal continues after the
 * current end; the expiry job reminds once per end date and expires lapsed cards, each with a
 * notification; another enterprise never sees the card; bad input is refused clearly; the car
 * park shows the occupancy the ingest stored and the spaces held by cards.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { occupancyLayer } from '@park-twin/layers';
import { healthModule } from '../health.ts';
import { startAuthServer, type AuthTestServer, type HttpClient } from '../../auth/testing.ts';
import { insertFixturePark } from '../../tiler/fixture.ts';
import { notificationsModule } from '../../kit/notifications/module.ts';
import { leaseRoomTo } from '../../kit/records/testing.ts';
import { expiryJob, parkingModule } from './index.ts';
import { addDays, monthsEnd, type Card, type Lot, type Payment } from './service.ts';
import { vehiclesAt } from '../../sim/parking.ts';

const FEE = 30_000;

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`parking cards [${backend}]`, () => {
    let s: AuthTestServer;
    let tenant: { client: HttpClient; id: string };
    let outsider: { client: HttpClient; id: string };
    let manager: HttpClient;
    let lot = 0;
    let office = 0;
    let entA = 0;
    let card: Card;
    const db = () => s.server.sc.db;
    const count = async (sql: string, args: unknown[] = []) => (await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, args)).rows[0]!.n;
    const kinds = async (user: string) => (await db().query<{ kind: string }>("SELECT kind FROM kit_notification WHERE user_id = $1 AND kind LIKE 'parking.%' ORDER BY id", [user])).rows.map((r) => r.kind);
    const today = async () => (await db().query<{ d: string }>("SELECT (($1::timestamptz) AT TIME ZONE 'Asia/Shanghai')::date::text AS d", [new Date(s.clock.t)])).rows[0]!.d;
    const pay = (c: HttpClient, id: number, body: Record<string, unknown>) => c.req('POST', `/api/parking/cards/${id}/payments`, { method: 'wechat', ...body });

    beforeAll(async () => {
      s = await startAuthServer(backend, { modules: [healthModule, notificationsModule(), parkingModule] });
      const park = await insertFixturePark(db(), { grid: 1, floors: 1, roomsPerSide: 2, code: 'parking' });
      const rooms = (await db().query<{ idx: number }>('SELECT r.idx FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1 ORDER BY r.idx', [park.parkIdx])).rows;
      lot = rooms[0]!.idx;
      office = rooms[1]!.idx;
      await db().query("UPDATE room SET use = 'parking' WHERE idx = $1", [lot]);
      await db().query('INSERT INTO parking_lot (idx, park_idx, capacity, monthly_fee_fen) VALUES ($1, $2, 3, $3)', [lot, park.parkIdx, FEE]);
      await db().query("INSERT INTO parking_space (lot_idx, code) SELECT $1, 'B1-' || lpad(n::text, 3, '0') FROM generate_series(1, 3) n", [lot]);
      entA = await leaseRoomTo(db(), park.parkIdx, office, '甲公司', '91310000MA1FL0005E');
      const entB = (await db().query<{ idx: number }>("INSERT INTO twin_object (kind, name) VALUES ('enterprise', '乙公司') RETURNING idx")).rows[0]!.idx;
      await db().query("INSERT INTO enterprise (idx, park_idx, credit_code, industry, registered_capital, staff) VALUES ($1, $2, '91310000MA1FL0006F', 'software', 100, 10)", [entB, park.parkIdx]);
      tenant = await s.userWith(['enterprise_user'], entA);
      outsider = await s.userWith(['enterprise_user'], entB);
      manager = (await s.userWith(['property_manager'])).client;
    }, 120_000);
    afterAll(async () => {
      await s?.server.stop();
    });

    it('refuses bad input clearly and applies for the tenant\'s own enterprise', async () => {
      const base = { lotIdx: lot, plate: '沪A12345', holderName: '张伟', months: 3 };
      for (const [bad, word] of [[{ plate: 'ABC123' }, 'plate'], [{ months: 13 }, 'months'], [{ months: 1.5 }, 'months'], [{ holderName: '' }, 'holderName'], [{ extra: 1 }, 'extra']] as const) {
        const r = await tenant.client.req('POST', '/api/parking/cards', { ...base, ...bad });
        expect([r.status, r.text.includes(word)], JSON.stringify(bad)).toEqual([400, true]);
      }
      expect((await tenant.client.req('POST', '/api/parking/cards', { ...base, lotIdx: office })).status).toBe(404);
      expect((await tenant.client.req('POST', '/api/parking/cards', { ...base, enterpriseIdx: entA + 1000 })).status).toBe(403);
      expect(await count('parking_card')).toBe(0);
      const r = await tenant.client.req('POST', '/api/parking/cards', { ...base, plate: '沪a12345' });
      expect(r.status).toBe(201);
      card = r.body as Card;
      expect(card).toMatchObject({ status: 'pending', plate: '沪A12345', enterpriseIdx: entA, mine: true, feeFen: 3 * FEE, spaceCode: null });
      // One live card per plate and car park.
      expect((await tenant.client.req('POST', '/api/parking/cards', base)).status).toBe(409);
      // Another enterprise neither sees nor lists it.
      expect((await outsider.client.req('GET', `/api/parking/cards/${card.id}`)).status).toBe(404);
      expect(((await outsider.client.req('GET', '/api/parking/cards')).body as { cards: Card[] }).cards).toEqual([]);
      expect(((await tenant.client.req('GET', '/api/parking/cards?mine=1')).body as { cards: Card[] }).cards.map((c) => c.id)).toEqual([card.id]);
      expect((await tenant.client.req('GET', '/api/parking/cards?status=bogus')).status).toBe(400);
    });

    it('is approved by property management only, with a space, the applicant told', async () => {
      expect((await tenant.client.req('POST', `/api/parking/cards/${card.id}/decision`, { version: card.version, decision: 'approve' })).status).toBe(403);
      expect((await manager.req('POST', `/api/parking/cards/${card.id}/decision`, { version: card.version + 5, decision: 'approve' })).status).toBe(409);
      const r = await manager.req('POST', `/api/parking/cards/${card.id}/decision`, { version: card.version, decision: 'approve' });
      expect(r.status).toBe(200);
      card = r.body as Card;
      expect(card).toMatchObject({ status: 'approved', spaceCode: 'B1-001' });
      expect((await manager.req('POST', `/api/parking/cards/${card.id}/decision`, { version: card.version, decision: 'reject' })).status).toBe(409);
      expect(await kinds(tenant.id)).toEqual(['parking.approved']);
    });

    it('records the payment once per key, in integer fen, in one transaction', async () => {
      expect((await pay(tenant.client, card.id, { key: 'pay-0000001', months: 3, amountFen: 3 * FEE })).status).toBe(403);
      const audits = await count("audit_log WHERE action = 'parking.card.pay'");
      const wrong = await pay(manager, card.id, { key: 'pay-0000001', months: 3, amountFen: 3 * FEE - 1 });
      expect([wrong.status, wrong.text.includes('does not match')]).toEqual([422, true]);
      expect(await count('parking_payment')).toBe(0);
      expect((await db().query<{ status: string }>('SELECT status FROM parking_card WHERE id = $1', [card.id])).rows[0]!.status).toBe('approved');
      expect(await count("audit_log WHERE action = 'parking.card.pay' AND outcome = 'failure'")).toBe(audits + 1);
      expect((await pay(manager, card.id, { key: 'x', months: 3, amountFen: 3 * FEE })).status).toBe(400);
      // Eight identical requests at once: one payment, the others answer it.
      const all = await Promise.all(Array.from({ length: 8 }, () => pay(manager, card.id, { key: 'pay-0000001', months: 3, amountFen: 3 * FEE })));
      expect(all.map((r) => r.status)).toEqual(Array(8).fill(200));
      const bodies = all.map((r) => r.body as { card: Card; payment: Payment; replayed: boolean });
      expect(bodies.filter((b) => !b.replayed)).toHaveLength(1);
      expect(new Set(bodies.map((b) => b.payment.id)).size).toBe(1);
      expect(await count('parking_payment')).toBe(1);
      expect(await count("audit_log WHERE action = 'parking.card.pay' AND outcome = 'success'")).toBe(1);
      const t = await today();
      const got = (await manager.req('GET', `/api/parking/cards/${card.id}`)).body as { card: Card; payments: Payment[] };
      card = got.card;
      expect(got.card).toMatchObject({ status: 'active', startsOn: t, endsOn: monthsEnd(t, 3) });
      expect(got.payments.map((p) => [p.amountFen, p.months, p.coversFrom])).toEqual([[90_000, 3, t]]);
      // The same key with another request is refused; nothing written.
      expect((await pay(manager, card.id, { key: 'pay-0000001', months: 1, amountFen: FEE })).status).toBe(409);
      expect(await count('parking_payment')).toBe(1);
      // A renewal continues the day after the current end.
      const renew = await pay(manager, card.id, { key: 'pay-0000002', months: 1, amountFen: FEE, method: 'cash' });
      expect(renew.status).toBe(200);
      const end = monthsEnd(t, 3);
      expect((renew.body as { card: Card }).card).toMatchObject({ startsOn: t, endsOn: monthsEnd(addDays(end, 1), 1) });
      expect((renew.body as { payment: Payment }).payment).toMatchObject({ coversFrom: addDays(end, 1), amountFen: FEE, method: 'cash' });
      card = (renew.body as { card: Card }).card;
    });

    it('reminds before the end once per end date, then expires the card, each time notifying the applicant', async () => {
      const t = await today();
      await db().query('UPDATE parking_card SET starts_on = $2, ends_on = $3 WHERE id = $1', [card.id, addDays(t, -26), addDays(t, 3)]);
      expect(await expiryJob(s.server.sc)).toEqual({ expired: 0, reminded: 1 });
      expect(await expiryJob(s.server.sc)).toEqual({ expired: 0, reminded: 0 });
      const note = await db().query<{ title_zh: string }>("SELECT title_zh FROM kit_notification WHERE user_id = $1 AND kind = 'parking.expiring'", [tenant.id]);
      expect(note.rows[0]!.title_zh).toMatch(/^月卡即将到期（\d{4}-\d{2}-\d{2}），请及时续费：沪A12345$/);
      await db().query('UPDATE parking_card SET starts_on = $2, ends_on = $3 WHERE id = $1', [card.id, addDays(t, -30), addDays(t, -1)]);
      expect(await expiryJob(s.server.sc)).toEqual({ expired: 1, reminded: 0 });
      expect(await kinds(tenant.id)).toEqual(['parking.approved', 'parking.expiring', 'parking.expired']);
      const got = (await tenant.client.req('GET', `/api/parking/cards/${card.id}`)).body as { card: Card };
      expect(got.card.status).toBe('expired');
      // Paying an expired card starts it again from today.
      const again = await pay(manager, card.id, { key: 'pay-0000003', months: 1, amountFen: FEE });
      expect((again.body as { card: Card }).card).toMatchObject({ status: 'active', endsOn: monthsEnd(t, 1) });
    });

    it('shows the car park\'s occupancy from the ingest and the spaces cards hold; not a car park: nothing', async () => {
      await db().query('INSERT INTO live_state (idx, layer, value, status, ts) VALUES ($1, $2, 2, 0, now()) ON CONFLICT (idx, layer) DO UPDATE SET value = 2', [lot, occupancyLayer.id]);
      const r = (await outsider.client.req('GET', `/api/parking/lots?room=${lot}`)).body as { lots: Lot[] };
      expect(r.lots).toHaveLength(1);
      expect(r.lots[0]).toMatchObject({ idx: lot, capacity: 3, spaces: 3, held: 1, activeCards: 1, occupied: 2, monthlyFeeFen: FEE });
      expect(((await tenant.client.req('GET', `/api/parking/lots?room=${office}`)).body as { lots: Lot[] }).lots).toEqual([]);
      expect((await tenant.client.req('GET', '/api/parking/lots?park=no-such-park')).status).toBe(404);
    });

    it('the simulator\'s vehicle count stays within the car park and follows the day', () => {
      for (const presence of [0, 0.3, 1]) for (const r of [0, 0.5, 0.999]) {
        const n = vehiclesAt(120, presence, () => r);
        expect(n).toBeGreaterThanOrEqual(0);
        expect(n).toBeLessThanOrEqual(120);
      }
      expect(vehiclesAt(120, 0.9, () => 0.5)).toBeGreaterThan(vehiclesAt(120, 0.02, () => 0.5) + 60);
    });
  });
}
