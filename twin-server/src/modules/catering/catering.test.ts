/**
 * The meal-card ledger on both backends (issue 19 must-show 4), through the real routes:
 *  - property (fast-check): random sequences of card operations (issue, top-up, subsidy, charge,
 *    refund of a charge, report loss, activate, replace, close, repeats of earlier requests with
 *    their idempotency key, a key reused for another request) follow a model of the rules; after
 *    every sequence each card's balance equals the sum of its entries, no balance is below its
 *    floor, and every repeat answered the first result and changed nothing;
 *  - concurrent charges on one card never overdraw it (exactly as many succeed as the balance
 *    covers); concurrent requests with one key write one entry;
 *  - who may do what: the holder sees and tops up only their own card, cannot charge; audit rows.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { healthModule } from '../health.ts';
import { startAuthServer, type AuthTestServer, type HttpClient } from '../../auth/testing.ts';
import { insertFixturePark } from '../../tiler/fixture.ts';
import { cateringModule } from './index.ts';
import { ledgerMismatches, type Card, type Entry } from './ledger.ts';
import { seedCatering } from './seed.ts';
import { leaseRoomTo } from '../../kit/records/testing.ts';

interface OpRes { card: Card; entries: Entry[]; newCard: Card | null; replayed: boolean }
const key = () => `k-${randomBytes(8).toString('hex')}`;

/** The model of one card. */
interface MCard { id: number; status: Card['status']; balance: number; floor: number; charges: Map<number, number> }
type Step =
  | { t: 'money'; card: number; op: 'topup' | 'subsidy' | 'charge'; amount: number }
  | { t: 'refund'; card: number; pick: number; amount: number }
  | { t: 'status'; card: number; action: 'report_loss' | 'activate' }
  | { t: 'replace' | 'close'; card: number }
  | { t: 'repeat'; pick: number }
  | { t: 'misuse'; pick: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('money' as const), card: fc.nat(5), op: fc.constantFrom('topup' as const, 'subsidy' as const, 'charge' as const, 'charge' as const), amount: fc.integer({ min: 1, max: 6_000 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('refund' as const), card: fc.nat(5), pick: fc.nat(20), amount: fc.integer({ min: 1, max: 3_000 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('status' as const), card: fc.nat(5), action: fc.constantFrom('report_loss' as const, 'activate' as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constantFrom('replace' as const, 'close' as const), card: fc.nat(5) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('repeat' as const), pick: fc.nat(50) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('misuse' as const), pick: fc.nat(50) }) },
);

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`catering meal cards [${backend}]`, () => {
    let s: AuthTestServer;
    let cashier: HttpClient;
    let holder: { client: HttpClient; id: string };
    let other: { client: HttpClient; id: string };
    let canteen = 0;
    const db = () => s.server.sc.db;
    const ops = (c: HttpClient, id: number, body: Record<string, unknown>) => c.req('POST', `/api/catering/cards/${id}/ops`, body);
    const issue = async (extra: Record<string, unknown> = {}) => {
      const r = await cashier.req('POST', '/api/catering/cards', { key: key(), holderName: '测试员工', activate: true, ...extra });
      expect(r.status).toBe(201);
      return (r.body as OpRes).card;
    };
    const counts = async () => (await db().query<{ e: number; c: number; a: number }>(
      "SELECT (SELECT count(*)::int FROM meal_card_entry) AS e, (SELECT count(*)::int FROM meal_card) AS c, (SELECT count(*)::int FROM audit_log WHERE action LIKE 'catering.%' AND outcome = 'success') AS a")).rows[0]!;

    beforeAll(async () => {
      s = await startAuthServer(backend, { modules: [healthModule, cateringModule] });
      const park = await insertFixturePark(db(), { grid: 1, floors: 1, roomsPerSide: 2, code: 'catering' });
      const rooms = (await db().query<{ idx: number }>('SELECT r.idx FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1 ORDER BY r.idx', [park.parkIdx])).rows;
      canteen = rooms[0]!.idx;
      await db().query("UPDATE room SET use = 'canteen' WHERE idx = $1", [canteen]);
      await leaseRoomTo(db(), park.parkIdx, rooms[1]!.idx, '甲公司', '91310000MA1FL0001A');
      cashier = (await s.userWith(['property_manager'])).client;
      holder = await s.userWith(['enterprise_user']);
      other = await s.userWith(['enterprise_user']);
    }, 120_000);
    afterAll(async () => {
      await s?.server.stop();
    });

    it('random sequences of card operations keep every balance equal to its entries and above its floor; repeats change nothing', async () => {
      let runs = 0;
      await fc.assert(fc.asyncProperty(fc.array(fc.constantFrom(0, -3_000)), fc.array(stepArb, { minLength: 5, maxLength: 22 }), async (floors, steps) => {
        runs++;
        const cards: MCard[] = [];
        for (const floor of [0, ...floors.slice(0, 2)]) {
          const c = await issue({ floorFen: floor });
          cards.push({ id: c.id, status: 'active', balance: 0, floor, charges: new Map() });
        }
        const done: { card: number; body: Record<string, unknown>; status: number; res: unknown }[] = [];
        for (const st of steps) {
          if (st.t === 'repeat' || st.t === 'misuse') {
            if (done.length === 0) continue;
            const d = done[st.pick % done.length]!;
            const before = await counts();
            if (st.t === 'repeat') {
              // Only successes are stored: a refusal is decided again on a repeat, so only those are repeated here.
              if (d.status === 200) {
                const r = await ops(cashier, d.card, d.body);
                expect(r.status).toBe(200);
                const first = d.res as OpRes;
                const again = r.body as OpRes;
                expect(again.replayed).toBe(true);
                expect(again.entries).toEqual(first.entries);
                expect(again.card.balanceFen).toBe(first.card.balanceFen);
                expect(await counts()).toEqual(before);
              }
            } else if (d.status === 200) {
              // The same key for another request: refused, nothing changes.
              const r = await ops(cashier, d.card, { key: d.body.key, op: 'topup', amountFen: 999_999, method: 'cash' });
              expect(r.status).toBe(409);
              expect(r.text).toContain('already used');
              expect(await counts()).toEqual(before);
            }
            continue;
          }
          const m = cards[st.card % cards.length]!;
          if (st.t === 'status') {
            const ok = st.action === 'report_loss' ? ['active', 'pending'].includes(m.status) : ['pending', 'lost'].includes(m.status);
            const r = await cashier.req('POST', `/api/catering/cards/${m.id}/status`, { action: st.action });
            expect(r.status).toBe(ok ? 200 : 409);
            if (ok) m.status = st.action === 'report_loss' ? 'lost' : 'active';
            continue;
          }
          let body: Record<string, unknown>;
          let ok: boolean;
          if (st.t === 'money') {
            body = { key: key(), op: st.op, amountFen: st.amount, ...(st.op === 'charge' ? { canteenIdx: canteen } : {}) };
            ok = st.op === 'charge' ? m.status === 'active' && m.balance - st.amount >= m.floor : m.status === 'active' || m.status === 'pending';
          } else if (st.t === 'refund') {
            const ids = [...m.charges.keys()];
            const entryId = ids.length ? ids[st.pick % ids.length]! : 1e9;
            body = { key: key(), op: 'refund', entryId, amountFen: st.amount };
            ok = m.status !== 'closed' && m.status !== 'replaced' && (m.charges.get(entryId) ?? 0) >= st.amount;
          } else {
            body = { key: key(), op: st.t };
            ok = st.t === 'replace' ? m.status === 'active' || m.status === 'lost' : m.status !== 'closed' && m.status !== 'replaced' && m.balance >= 0;
          }
          const r = await ops(cashier, m.id, body);
          expect(r.status, `${JSON.stringify(st)} on ${JSON.stringify({ ...m, charges: [...m.charges] })}: ${r.text}`).toBe(ok ? 200 : st.t === 'refund' && m.status !== 'closed' && m.status !== 'replaced' && !m.charges.has(body.entryId as number) ? 404 : 409);
          done.push({ card: m.id, body, status: r.status, res: r.body });
          if (!ok) continue;
          const res = r.body as OpRes;
          expect(res.replayed).toBe(false);
          if (st.t === 'money') {
            m.balance += st.op === 'charge' ? -st.amount : st.amount;
            if (st.op === 'charge') m.charges.set(res.entries[0]!.id, st.amount);
          } else if (st.t === 'refund') {
            m.balance += st.amount;
            m.charges.set(body.entryId as number, m.charges.get(body.entryId as number)! - st.amount);
          } else if (st.t === 'replace') {
            cards.push({ id: res.newCard!.id, status: 'active', balance: m.balance, floor: m.floor, charges: new Map() });
            m.status = 'replaced';
            m.balance = 0;
          } else {
            m.status = 'closed';
            m.balance = 0;
          }
          expect(res.card.balanceFen).toBe(m.balance);
        }
        // Every card: the balance the API shows is the model's and the sum of its ledger; never below the floor.
        for (const m of cards) {
          const r = (await cashier.req('GET', `/api/catering/cards/${m.id}?limit=500`)).body as { card: Card; entries: Entry[] };
          expect(r.card.balanceFen).toBe(m.balance);
          expect(r.card.status).toBe(m.status);
          expect(r.entries.reduce((a, e) => a + e.amountFen, 0)).toBe(r.card.balanceFen);
          expect(r.card.balanceFen).toBeGreaterThanOrEqual(r.card.floorFen);
          // Each entry's running balance is the sum up to it.
          let run = 0;
          for (const e of [...r.entries].reverse()) {
            run += e.amountFen;
            expect(e.balanceAfterFen).toBe(run);
          }
        }
        expect(await ledgerMismatches(db())).toEqual([]);
      }), { numRuns: backend === 'pglite' ? 12 : 20 });
      expect(runs).toBeGreaterThanOrEqual(12);
    }, 600_000);

    it('concurrent charges never overdraw a card; concurrent requests with one key write one entry', async () => {
      const c = await issue();
      expect((await ops(cashier, c.id, { key: key(), op: 'topup', amountFen: 5_000, method: 'cash' })).status).toBe(200);
      const res = await Promise.all(Array.from({ length: 16 }, () => ops(cashier, c.id, { key: key(), op: 'charge', amountFen: 1_000, canteenIdx: canteen })));
      expect(res.filter((r) => r.status === 200).length).toBe(5);
      expect(res.filter((r) => r.status === 409).length).toBe(11);
      expect(res.find((r) => r.status === 409)!.text).toContain('insufficient balance');
      const after = (await cashier.req('GET', `/api/catering/cards/${c.id}`)).body as { card: Card; entries: Entry[] };
      expect(after.card.balanceFen).toBe(0);
      expect(after.entries.filter((e) => e.kind === 'charge').length).toBe(5);
      // One key, eight requests at once: one top-up, eight identical answers.
      const k = key();
      const same = await Promise.all(Array.from({ length: 8 }, () => ops(cashier, c.id, { key: k, op: 'topup', amountFen: 2_500, method: 'wechat' })));
      expect(same.map((r) => r.status)).toEqual(Array(8).fill(200));
      const entryIds = new Set(same.map((r) => (r.body as OpRes).entries[0]!.id));
      expect(entryIds.size).toBe(1);
      expect(same.filter((r) => !(r.body as OpRes).replayed).length).toBe(1);
      const final = (await cashier.req('GET', `/api/catering/cards/${c.id}`)).body as { card: Card };
      expect(final.card.balanceFen).toBe(2_500);
      // The same with a card issue: one card.
      const ik = key();
      const issued = await Promise.all(Array.from({ length: 4 }, () => cashier.req('POST', '/api/catering/cards', { key: ik, holderName: '并发发卡' })));
      expect(new Set(issued.map((r) => (r.body as OpRes).card.id)).size).toBe(1);
      expect((await db().query<{ n: number }>("SELECT count(*)::int AS n FROM meal_card WHERE holder_name = '并发发卡'")).rows[0]!.n).toBe(1);
      expect(await ledgerMismatches(db())).toEqual([]);
    }, 120_000);

    it('the holder sees and tops up only their own card and cannot charge; operations are audited; reports per canteen', async () => {
      const mine = await issue({ holderUserId: holder.id, holderName: '持卡人甲' });
      const theirs = await issue({ holderUserId: other.id, holderName: '持卡人乙' });
      const list = (await holder.client.req('GET', '/api/catering/cards')).body as { cards: Card[] };
      expect(list.cards.map((c) => c.id)).toEqual([mine.id]);
      expect((await holder.client.req('GET', `/api/catering/cards/${theirs.id}`)).status).toBe(404);
      expect((await ops(holder.client, theirs.id, { key: key(), op: 'topup', amountFen: 100, method: 'wechat' })).status).toBe(404);
      const top = await ops(holder.client, mine.id, { key: key(), op: 'topup', amountFen: 3_000, method: 'wechat' });
      expect([top.status, (top.body as OpRes).card.balanceFen]).toEqual([200, 3_000]);
      expect((await ops(holder.client, mine.id, { key: key(), op: 'charge', amountFen: 100 })).status).toBe(403);
      expect((await ops(holder.client, mine.id, { key: key(), op: 'subsidy', amountFen: 100 })).status).toBe(403);
      expect((await holder.client.req('POST', '/api/catering/cards', { key: key(), holderName: 'x' })).status).toBe(403);
      // Bad input: a clear 400 naming the field, nothing written.
      const before = await counts();
      const bad = await ops(cashier, mine.id, { key: key(), op: 'charge', amountFen: -5 });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('amountFen');
      expect((await ops(cashier, mine.id, { key: 'short', op: 'charge', amountFen: 5 })).status).toBe(400);
      expect(await counts()).toEqual(before);
      const ch = await ops(cashier, mine.id, { key: key(), op: 'charge', amountFen: 1_800, canteenIdx: canteen });
      const chargeId = (ch.body as OpRes).entries[0]!.id;
      expect((await ops(cashier, mine.id, { key: key(), op: 'refund', entryId: chargeId, amountFen: 2_000 })).status).toBe(409);
      expect((await ops(cashier, mine.id, { key: key(), op: 'refund', entryId: chargeId, amountFen: 300 })).status).toBe(200);
      // The holder reports the loss; the lost card cannot pay; replaced, the balance moves.
      expect((await holder.client.req('POST', `/api/catering/cards/${mine.id}/status`, { action: 'report_loss' })).status).toBe(200);
      expect((await ops(cashier, mine.id, { key: key(), op: 'charge', amountFen: 100 })).status).toBe(409);
      const rep = (await ops(cashier, mine.id, { key: key(), op: 'replace' })).body as OpRes;
      expect([rep.card.status, rep.card.balanceFen, rep.newCard!.balanceFen, rep.newCard!.holderUserId]).toEqual(['replaced', 0, 1_500, holder.id]);
      const audit = await db().query<{ action: string; outcome: string }>("SELECT action, outcome FROM audit_log WHERE object = $1 ORDER BY seq", [`meal_card:${mine.id}`]);
      expect(audit.rows.map((r) => `${r.action}:${r.outcome}`)).toEqual([
        'catering.card.issue:success', 'catering.card.topup:success', 'catering.card.charge:denied', 'catering.card.subsidy:denied',
        'catering.card.charge:success', 'catering.card.refund:failure', 'catering.card.refund:success', 'catering.card.report_loss:success',
        'catering.card.charge:failure', 'catering.card.replace:success',
      ]);
      const from = new Date(s.clock.t - 3_600_000).toISOString();
      const to = new Date(s.clock.t + 3_600_000).toISOString();
      const rep2 = (await cashier.req('GET', `/api/catering/reports?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&canteen=${canteen}`)).body as { rows: { canteenIdx: number; charges: number; chargedFen: number; refundedFen: number }[] };
      const row = rep2.rows.find((r) => r.canteenIdx === canteen)!;
      const sums = (await db().query<{ n: number; fen: string }>("SELECT count(*)::int AS n, -sum(amount_fen) AS fen FROM meal_card_entry WHERE kind = 'charge' AND canteen_idx = $1", [canteen])).rows[0]!;
      expect([row.charges, row.chargedFen]).toEqual([sums.n, Number(sums.fen)]);
      expect(row.refundedFen).toBeGreaterThanOrEqual(300);
      const canteens = (await holder.client.req('GET', '/api/catering/canteens')).body as { canteens: { idx: number }[] };
      expect(canteens.canteens.map((c) => c.idx)).toContain(canteen);
    }, 120_000);

    it('seeds cards with traffic through the ledger, once', async () => {
      const park = await db().query<{ idx: number }>("SELECT idx FROM park WHERE code = 'catering'");
      await seedCatering(s.server.sc, park.rows[0]!.idx);
      const n = async () => (await db().query<{ n: number }>("SELECT count(*)::int AS n FROM meal_card_entry")).rows[0]!.n;
      const first = await n();
      expect(first).toBeGreaterThan(10);
      await seedCatering(s.server.sc, park.rows[0]!.idx);
      expect(await n()).toBe(first);
      expect(await ledgerMismatches(db())).toEqual([]);
    }, 120_000);
  });
}
