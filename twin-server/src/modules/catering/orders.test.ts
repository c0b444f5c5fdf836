/**
 * Catering part 2 through the real routes (PGlite; the concurrent pickup on PostgreSQL too):
 *  - ordering: prices come from the menu, the card pays through the ledger, a repeated key answers
 *    the same order and charges nothing, refusals (another's card, a dish of another canteen, sold
 *    out, insufficient balance) write nothing;
 *  - pickup: the QR token is signed and single use (a second pickup is a 409 naming when; two
 *    counters at once: one wins), an altered token is refused, the typed code works;
 *  - face checkout over HTTP and MQTT: an identity charges its card; the same event id again
 *    changes nothing; an image in the payload is refused; unknown identities are stored refused;
 *  - food safety: pesticide result from the inhibition rate (a failure notifies), retained samples
 *    kept 48 h (disposal earlier refused, the reminder once when due), dish traceability, seed.
 */
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { healthModule } from '../health.ts';
import { createLiveModule, liveRuntimeOf } from '../live.ts';
import { notificationsModule } from '../../kit/notifications/module.ts';
import { startAuthServer, type AuthTestServer, type HttpClient } from '../../auth/testing.ts';
import { insertFixturePark } from '../../tiler/fixture.ts';
import { leaseRoomTo } from '../../kit/records/testing.ts';
import { createCateringModule } from './index.ts';
import { ledgerMismatches } from './ledger.ts';
import { faceTopic } from './face.ts';
import { remindDueSamples } from './routes2.ts';
import { seedCatering } from './seed.ts';
import { seedCateringPartTwo } from './seed2.ts';

const key = () => `k-${randomBytes(8).toString('hex')}`;
interface Order { id: number; orderNo: string; totalFen: number; status: string; entryId: number; replayed?: boolean; pickup: { token: string; code: string; qrSvg: string } | null }

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`catering orders, pickup, face checkout, food safety [${backend}]`, () => {
    let s: AuthTestServer;
    let manager: HttpClient;
    let holder: { client: HttpClient; id: string };
    let other: { client: HttpClient; id: string };
    let canteen = 0;
    let canteen2 = 0;
    let parkCode = '';
    let cardId = 0;
    const dishes: Record<string, number> = {};
    const db = () => s.server.sc.db;
    const balance = async (id = cardId) => Number((await db().query<{ b: string }>('SELECT balance_fen AS b FROM meal_card WHERE id = $1', [id])).rows[0]!.b);
    const count = async (sql: string) => (await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`)).rows[0]!.n;

    beforeAll(async () => {
      s = await startAuthServer(backend, { modules: [healthModule, createLiveModule({ embeddedPort: 0 }), notificationsModule(), createCateringModule()] });
      parkCode = `cat2-${randomBytes(3).toString('hex')}`;
      const park = await insertFixturePark(db(), { grid: 1, floors: 1, roomsPerSide: 3, code: parkCode });
      const rooms = (await db().query<{ idx: number }>('SELECT r.idx FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1 ORDER BY r.idx', [park.parkIdx])).rows;
      [canteen, canteen2] = [rooms[0]!.idx, rooms[1]!.idx];
      await db().query("UPDATE room SET use = 'canteen' WHERE idx = ANY($1::int[])", [[canteen, canteen2]]);
      await leaseRoomTo(db(), park.parkIdx, rooms[2]!.idx, '乙公司', '91310000MA1FL0002B');
      manager = (await s.userWith(['property_manager'])).client;
      holder = await s.userWith(['enterprise_user']);
      other = await s.userWith(['enterprise_user']);
      const c = await manager.req('POST', '/api/catering/cards', { key: key(), holderName: '刘洋', holderUserId: holder.id, activate: true });
      cardId = (c.body as { card: { id: number } }).card.id;
      await manager.req('POST', `/api/catering/cards/${cardId}/ops`, { key: key(), op: 'subsidy', amountFen: 5_000 });
      for (const [name, fen, where] of [['红烧肉', 2_000, canteen], ['米饭', 100, canteen], ['酸辣汤', 500, canteen], ['牛肉面', 1_800, canteen2]] as const) {
        const r = await manager.req('POST', '/api/catering/dishes', { canteenIdx: where, name, priceFen: fen });
        expect(r.status).toBe(201);
        dishes[name] = (r.body as { id: number }).id;
      }
    }, 120_000);
    afterAll(async () => {
      await s?.server.stop();
    });

    it('orders at menu prices from the own card; a repeated key charges nothing; refusals write nothing', async () => {
      const menu = await holder.client.req('GET', `/api/catering/canteens/${canteen}/menu`);
      expect(menu.status).toBe(200);
      expect((menu.body as { dishes: { name: string; priceFen: number }[] }).dishes.map((d) => `${d.name}:${d.priceFen}`)).toEqual(['红烧肉:2000', '米饭:100', '酸辣汤:500']);
      const body = { key: key(), cardId, canteenIdx: canteen, lines: [{ dishId: dishes['红烧肉'], qty: 1 }, { dishId: dishes['米饭'], qty: 2 }] };
      const r = await holder.client.req('POST', '/api/catering/orders', body);
      expect(r.status).toBe(201);
      const o = r.body as Order;
      expect(o.totalFen).toBe(2_200);
      expect(o.status).toBe('paid');
      expect(o.pickup!.qrSvg.startsWith('<svg')).toBe(true);
      expect(o.pickup!.code).toMatch(/^\d{8}$/);
      expect(await balance()).toBe(2_800);
      // The same request again (a retry): the same order, nothing charged.
      const again = await holder.client.req('POST', '/api/catering/orders', body);
      expect(again.status).toBe(201);
      expect((again.body as Order).id).toBe(o.id);
      expect((again.body as Order).replayed).toBe(true);
      expect(await balance()).toBe(2_800);
      expect(await count(`catering_order WHERE card_id = ${cardId}`)).toBe(1);
      // The key for another request: refused.
      expect((await holder.client.req('POST', '/api/catering/orders', { ...body, lines: [{ dishId: dishes['米饭'], qty: 1 }] })).status).toBe(409);
      const before = { orders: await count('catering_order'), entries: await count('meal_card_entry') };
      // Another's card, a dish of another canteen, bad input, a price from the client, sold out, too dear.
      expect((await other.client.req('POST', '/api/catering/orders', { ...body, key: key() })).status).toBe(404);
      const wrong = await holder.client.req('POST', '/api/catering/orders', { ...body, key: key(), lines: [{ dishId: dishes['牛肉面'], qty: 1 }] });
      expect(wrong.status).toBe(422);
      expect(wrong.text).toContain('not on this canteen\'s menu');
      expect((await holder.client.req('POST', '/api/catering/orders', { ...body, key: key(), lines: [{ dishId: dishes['米饭'], qty: 0 }] })).status).toBe(400);
      expect((await holder.client.req('POST', '/api/catering/orders', { ...body, key: key(), lines: [{ dishId: dishes['米饭'], qty: 1, priceFen: 1 }] })).status).toBe(400);
      expect((await manager.req('PATCH', `/api/catering/dishes/${dishes['酸辣汤']}`, { available: false })).status).toBe(200);
      const soldOut = await holder.client.req('POST', '/api/catering/orders', { ...body, key: key(), lines: [{ dishId: dishes['酸辣汤'], qty: 1 }] });
      expect(soldOut.status).toBe(409);
      expect(soldOut.text).toContain('sold out');
      const dear = await holder.client.req('POST', '/api/catering/orders', { ...body, key: key(), lines: [{ dishId: dishes['红烧肉'], qty: 2 }] });
      expect(dear.status).toBe(409);
      expect(dear.text).toContain('insufficient balance');
      expect({ orders: await count('catering_order'), entries: await count('meal_card_entry') }).toEqual(before);
      // A holder cannot change the menu.
      expect((await holder.client.req('PATCH', `/api/catering/dishes/${dishes['米饭']}`, { priceFen: 1 })).status).toBe(403);
      const audit = await db().query<{ outcome: string }>("SELECT outcome FROM audit_log WHERE action = 'catering.order.create' ORDER BY seq");
      expect(audit.rows.filter((a) => a.outcome === 'success').length).toBe(1);
      expect(audit.rows.filter((a) => a.outcome === 'failure').length).toBeGreaterThanOrEqual(4);
      expect(await ledgerMismatches(db())).toEqual([]);
    });

    it('the pickup code is signed and single use; two counters at once: one hands the meal over', async () => {
      const mine = (await holder.client.req('GET', '/api/catering/orders?mine=1')).body as { orders: Order[] };
      const o = mine.orders.find((x) => x.status === 'paid')!;
      const token = o.pickup!.token;
      // The holder may not hand it over; another holder does not see the order.
      expect((await holder.client.req('POST', '/api/catering/pickup', { code: token })).status).toBe(403);
      expect((await other.client.req('GET', `/api/catering/orders/${o.id}`)).status).toBe(404);
      // An altered signature or order id is refused.
      const parts = token.split('.');
      const forged = [parts[0], String(Number(parts[1]) + 1), parts[2], parts[3]].join('.');
      expect((await manager.req('POST', '/api/catering/pickup', { code: forged })).status).toBe(422);
      expect((await manager.req('POST', '/api/catering/pickup', { code: `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}` })).status).toBe(422);
      expect((await manager.req('POST', '/api/catering/pickup', { code: token, canteenIdx: canteen2 })).status).toBe(409);
      const both = await Promise.all([manager.req('POST', '/api/catering/pickup', { code: token }), manager.req('POST', '/api/catering/pickup', { code: token })]);
      expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(both.find((r) => r.status === 409)!.text).toContain('already picked up at');
      expect(((await holder.client.req('GET', `/api/catering/orders/${o.id}`)).body as Order).status).toBe('picked_up');
      // Once picked up, the QR code is no longer handed out.
      expect(((await holder.client.req('GET', `/api/catering/orders/${o.id}`)).body as Order).pickup).toBeNull();
      // The typed code of a new order.
      const n = (await holder.client.req('POST', '/api/catering/orders', { key: key(), cardId, canteenIdx: canteen, lines: [{ dishId: dishes['米饭'], qty: 1 }] })).body as Order;
      expect((await manager.req('POST', '/api/catering/pickup', { code: n.pickup!.code })).status).toBe(200);
      expect((await manager.req('POST', '/api/catering/pickup', { code: n.pickup!.code })).status).toBe(409);
      expect((await manager.req('POST', '/api/catering/pickup', { code: '00000000' === n.pickup!.code ? '00000001' : '00000000' })).status).toBe(404);
      expect(await count("audit_log WHERE action = 'catering.order.pickup' AND outcome = 'success'")).toBe(2);
    });

    it('face checkout charges the enrolled card once per event, over HTTP and MQTT; images are refused', async () => {
      await db().query("INSERT INTO catering_terminal (code, canteen_idx, name) VALUES ('T-1', $1, '一号刷脸机')", [canteen]);
      expect((await manager.req('POST', `/api/catering/cards/${cardId}/face`, { identity: 'face-0001' })).status).toBe(200);
      expect((await manager.req('POST', `/api/catering/cards/${cardId}/face`, { identity: 'x' })).status).toBe(400);
      const start = await balance();
      const ev = { id: 'evt-0001', identity: 'face-0001', amountFen: 1_200 };
      const r = await manager.req('POST', '/api/catering/face-events', { terminal: 'T-1', event: ev });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ outcome: 'charged', duplicate: false, cardId, balanceFen: start - 1_200 });
      const dup = await manager.req('POST', '/api/catering/face-events', { terminal: 'T-1', event: ev });
      expect(dup.body).toMatchObject({ outcome: 'charged', duplicate: true });
      expect(await balance()).toBe(start - 1_200);
      const img = await manager.req('POST', '/api/catering/face-events', { terminal: 'T-1', event: { ...ev, id: 'evt-0002', image: 'data:image/jpeg;base64,AAAA' } });
      expect(img.status).toBe(422);
      expect(img.text).toContain('image');
      expect((await manager.req('POST', '/api/catering/face-events', { terminal: 'T-9', event: { ...ev, id: 'evt-0003' } })).status).toBe(404);
      const unknown = await manager.req('POST', '/api/catering/face-events', { terminal: 'T-1', event: { ...ev, id: 'evt-0004', identity: 'face-9999' } });
      expect(unknown.body).toMatchObject({ outcome: 'refused', reason: 'unknown identity' });
      expect((await holder.client.req('POST', '/api/catering/face-events', { terminal: 'T-1', event: { ...ev, id: 'evt-0005' } })).status).toBe(403);
      // Over MQTT: the event and a redelivery of it charge once.
      const url = liveRuntimeOf(s.server.sc)!.brokerUrl;
      const c = await mqtt.connectAsync(url, { clientId: `term-${randomBytes(3).toString('hex')}`, log: () => {} });
      const mq = { id: `mq-${randomBytes(4).toString('hex')}`, identity: 'face-0001', amountFen: 800 };
      await c.publishAsync(faceTopic(parkCode, 'T-1'), JSON.stringify(mq), { qos: 1 });
      await c.publishAsync(faceTopic(parkCode, 'T-1'), JSON.stringify(mq), { qos: 1 });
      await c.publishAsync(faceTopic('no-such-park', 'T-1'), JSON.stringify({ ...mq, id: 'mq-other-park' }), { qos: 1 });
      await expect.poll(() => count(`catering_face_event WHERE event_id = '${mq.id}' AND outcome = 'charged'`), { timeout: 10_000 }).toBe(1);
      await new Promise((res) => setTimeout(res, 300));
      await c.endAsync();
      expect(await balance()).toBe(start - 2_000);
      expect(await count("catering_face_event WHERE event_id = 'mq-other-park'")).toBe(0);
      const list = (await manager.req('GET', '/api/catering/face-events')).body as { events: { eventId: string; identity: string }[] };
      expect(list.events.map((e) => e.eventId)).toContain(mq.id);
      expect(await ledgerMismatches(db())).toEqual([]);
    });

    it('food safety: pesticide tests, 48-hour retained samples with a reminder, traceability', async () => {
      const b = await manager.req('POST', '/api/catering/batches', {
        supplier: { name: '测试农场', licence: 'JY1234' }, ingredient: '五花肉', batchNo: 'B-001', receivedAt: new Date(s.clock.now() - 3_600_000).toISOString(), quantityKg: 12.5, dishIds: [dishes['红烧肉']],
      });
      expect(b.status).toBe(201);
      const batchId = (b.body as { id: number }).id;
      expect((await manager.req('POST', '/api/catering/batches', { supplier: { name: '测试农场' }, ingredient: '五花肉', batchNo: 'B-001', receivedAt: new Date().toISOString(), quantityKg: 1 })).status).toBe(409);
      const pass = await manager.req('POST', '/api/catering/pesticide-tests', { canteenIdx: canteen, batchId, sample: '五花肉', inhibitionPct: 12 });
      expect((pass.body as { result: string }).result).toBe('pass');
      const fail = await manager.req('POST', '/api/catering/pesticide-tests', { canteenIdx: canteen, sample: '青菜', inhibitionPct: 63.5 });
      expect((fail.body as { result: string }).result).toBe('fail');
      expect(await count("kit_notification WHERE kind = 'catering.pesticide.fail'")).toBeGreaterThanOrEqual(1);
      expect((await manager.req('POST', '/api/catering/pesticide-tests', { canteenIdx: canteen, sample: '青菜', inhibitionPct: 101 })).status).toBe(400);
      expect((await holder.client.req('POST', '/api/catering/pesticide-tests', { canteenIdx: canteen, sample: '青菜', inhibitionPct: 1 })).status).toBe(403);
      const trace = (await holder.client.req('GET', `/api/catering/dishes/${dishes['红烧肉']}/trace`)).body as { batches: { batchNo: string; supplier: { name: string }; tests: { result: string }[] }[] };
      expect(trace.batches).toMatchObject([{ batchNo: 'B-001', supplier: { name: '测试农场' }, tests: [{ result: 'pass' }] }]);
      // Samples: under 125 g refused; disposal before 48 h refused; the reminder once when due.
      expect((await manager.req('POST', '/api/catering/samples', { canteenIdx: canteen, meal: 'lunch', dishes: '红烧肉', weightG: 100 })).status).toBe(400);
      // Kept 47 h 58 min ago (sessions would not survive moving the clock by two days).
      const smp = await manager.req('POST', '/api/catering/samples', { canteenIdx: canteen, meal: 'lunch', dishes: '红烧肉、米饭', weightG: 150, keptAt: new Date(s.clock.now() - (48 * 60 - 2) * 60_000).toISOString() });
      expect(smp.status).toBe(201);
      const sid = (smp.body as { id: number }).id;
      const early = await manager.req('POST', `/api/catering/samples/${sid}/dispose`);
      expect(early.status).toBe(409);
      expect(early.text).toContain('48 hours');
      expect(await remindDueSamples(s.server.sc, new Date(s.clock.now()))).toBe(0);
      s.clock.advanceMinutes(3);
      expect(await remindDueSamples(s.server.sc, new Date(s.clock.now()))).toBe(1);
      expect(await remindDueSamples(s.server.sc, new Date(s.clock.now()))).toBe(0);
      expect(await count("kit_notification WHERE kind = 'catering.sample.due'")).toBeGreaterThanOrEqual(1);
      const safety = (await holder.client.req('GET', `/api/catering/canteens/${canteen}/safety`)).body as { samples: { id: number; state: string }[]; dueSamples: number; tests: unknown[] };
      expect(safety.samples.find((x) => x.id === sid)!.state).toBe('due');
      expect(safety.dueSamples).toBe(1);
      expect((await manager.req('POST', `/api/catering/samples/${sid}/dispose`)).status).toBe(200);
      expect((await manager.req('POST', `/api/catering/samples/${sid}/dispose`)).status).toBe(409);
      expect((await holder.client.req('GET', `/api/catering/canteens/${canteen}/safety`)).status).toBe(200);
      expect((await holder.client.req('GET', '/api/catering/canteens/999999/safety')).status).toBe(404);
    });

    it.runIf(backend === 'pglite')('seeds menus, a day of orders, face checkouts and food safety records, once', async () => {
      const park = (await db().query<{ idx: number }>('SELECT idx FROM park WHERE code = $1', [parkCode])).rows[0]!.idx;
      await seedCatering(s.server.sc, park);
      const before = await count('catering_order');
      await seedCateringPartTwo(s.server.sc, park);
      const after = { dishes: await count('catering_dish'), orders: await count('catering_order'), face: await count('catering_face_event'), samples: await count('catering_sample') };
      // The test canteens have menus already (made above): the seed writes nothing for this park.
      expect(after.orders).toBe(before);
      const fresh = await insertFixturePark(db(), { grid: 1, floors: 1, roomsPerSide: 2, code: `cat3-${randomBytes(3).toString('hex')}` });
      const rooms = (await db().query<{ idx: number }>('SELECT r.idx FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1 ORDER BY r.idx', [fresh.parkIdx])).rows;
      await db().query("UPDATE room SET use = 'canteen' WHERE idx = $1", [rooms[0]!.idx]);
      await leaseRoomTo(db(), fresh.parkIdx, rooms[1]!.idx, '丙公司', '91310000MA1FL0003C');
      await seedCatering(s.server.sc, fresh.parkIdx);
      await seedCateringPartTwo(s.server.sc, fresh.parkIdx);
      const menu = (await holder.client.req('GET', `/api/catering/canteens/${rooms[0]!.idx}/menu`)).body as { dishes: unknown[] };
      expect(menu.dishes.length).toBe(8);
      const o = await count(`catering_order WHERE canteen_idx = ${rooms[0]!.idx}`);
      expect(o).toBeGreaterThanOrEqual(5);
      expect(await count(`catering_order WHERE canteen_idx = ${rooms[0]!.idx} AND status = 'paid'`)).toBeGreaterThanOrEqual(1);
      expect(await count(`catering_face_event WHERE canteen_idx = ${rooms[0]!.idx}`)).toBeGreaterThanOrEqual(1);
      expect(await count(`catering_sample WHERE canteen_idx = ${rooms[0]!.idx} AND disposed_at IS NULL AND dispose_due <= now()`)).toBeGreaterThanOrEqual(1);
      await seedCateringPartTwo(s.server.sc, fresh.parkIdx);
      expect(await count(`catering_order WHERE canteen_idx = ${rooms[0]!.idx}`)).toBe(o);
      expect(after.samples).toBeLessThanOrEqual(await count('catering_sample'));
      expect(await ledgerMismatches(db())).toEqual([]);
    });
  });
}
