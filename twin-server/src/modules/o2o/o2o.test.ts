/**
 * O2O services through the real routes (PGlite and PostgreSQL): catalogue by audience, order at the
 * catalogue's price, payment idempotent by key (a repeat changes nothing; concurrent repeats pay
 * once; a key reused for another order is refused), the service desk accepts and fulfils, the buyer
 * rates once, settlement sums per merchant with the commission; permissions, bad input, scoping,
 * audit rows, seed.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { healthModule } from '../health.ts';
import { startAuthServer, type AuthTestServer, type HttpClient } from '../../auth/testing.ts';
import { insertFixturePark } from '../../tiler/fixture.ts';
import { o2oModule } from './index.ts';
import { seedO2o } from './seed.ts';

interface Svc { id: number; name: string; priceFen: number; audiences: string[]; merchantId: number }
interface Ord { id: number; status: string; totalFen: number; replayed?: boolean; rating: number | null }
const key = () => `pay-${randomBytes(8).toString('hex')}`;

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`o2o services [${backend}]`, () => {
    let s: AuthTestServer;
    let desk: HttpClient;
    let buyer: HttpClient;
    let other: HttpClient;
    let services: Svc[] = [];
    let parkIdx = 0;
    const db = () => s.server.sc.db;
    const count = async (sql: string) => (await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`)).rows[0]!.n;

    beforeAll(async () => {
      s = await startAuthServer(backend, { modules: [healthModule, o2oModule] });
      parkIdx = (await insertFixturePark(db(), { grid: 1, floors: 1, roomsPerSide: 2, code: `o2o-${randomBytes(3).toString('hex')}` })).parkIdx;
      await seedO2o(s.server.sc, parkIdx);
      desk = (await s.userWith(['property_manager'])).client;
      buyer = (await s.userWith(['enterprise_user'])).client;
      other = (await s.userWith(['enterprise_user'])).client;
      services = ((await buyer.req('GET', '/api/o2o/catalogue')).body as { services: Svc[] }).services;
    }, 120_000);
    afterAll(async () => {
      await s?.server.stop();
    });

    it('catalogue by audience; order at the catalogue price; bad input and wrong audience refused', async () => {
      expect(services.length).toBe(10);
      const neighbour = ((await buyer.req('GET', '/api/o2o/catalogue?audience=neighbour')).body as { services: Svc[] }).services;
      expect(neighbour.length).toBeGreaterThan(0);
      expect(neighbour.every((x) => x.audiences.includes('neighbour'))).toBe(true);
      expect((await buyer.req('GET', '/api/o2o/catalogue?audience=martian')).status).toBe(400);
      const print = services.find((x) => x.name === '文印装订')!;
      const r = await buyer.req('POST', '/api/o2o/orders', { serviceId: print.id, qty: 40, audience: 'staff' });
      expect(r.status).toBe(201);
      expect((r.body as Ord).totalFen).toBe(40 * print.priceFen);
      expect((r.body as Ord).status).toBe('placed');
      expect((await buyer.req('POST', '/api/o2o/orders', { serviceId: print.id, qty: 0, audience: 'staff' })).status).toBe(400);
      expect((await buyer.req('POST', '/api/o2o/orders', { serviceId: print.id, qty: 1, audience: 'staff', totalFen: 1 })).status).toBe(400);
      expect((await buyer.req('POST', '/api/o2o/orders', { serviceId: 999_999, qty: 1, audience: 'staff' })).status).toBe(404);
      const clean = services.find((x) => x.name === '办公室深度保洁')!;
      const wrong = await buyer.req('POST', '/api/o2o/orders', { serviceId: clean.id, qty: 1, audience: 'neighbour' });
      expect(wrong.status).toBe(422);
      // A user without an enterprise cannot order for a company.
      expect((await buyer.req('POST', '/api/o2o/orders', { serviceId: clean.id, qty: 1, audience: 'company' })).status).toBe(422);
      expect(await count("audit_log WHERE action = 'o2o.order.create' AND outcome = 'failure'")).toBeGreaterThanOrEqual(3);
    });

    it('payment is idempotent by key: repeats and concurrent repeats pay once; a reused key is refused', async () => {
      const svc = services.find((x) => x.name === '快递上门取件')!;
      const o = (await buyer.req('POST', '/api/o2o/orders', { serviceId: svc.id, qty: 2, audience: 'staff' })).body as Ord;
      const k = key();
      const all = await Promise.all(Array.from({ length: 6 }, () => buyer.req('POST', `/api/o2o/orders/${o.id}/pay`, { key: k, method: 'wechat' })));
      expect(all.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(all.filter((r) => (r.body as Ord).replayed === false).length).toBe(1);
      expect(all.every((r) => (r.body as Ord).status === 'paid')).toBe(true);
      expect(await count(`audit_log WHERE action = 'o2o.order.pay' AND outcome = 'success' AND object = 'o2o_order:${o.id}'`)).toBe(1);
      // A new key on a paid order: refused (not paid twice).
      const twice = await buyer.req('POST', `/api/o2o/orders/${o.id}/pay`, { key: key(), method: 'wechat' });
      expect(twice.status).toBe(409);
      expect(twice.text).toContain('paid');
      // The key for another order (another request): refused.
      const o2 = (await buyer.req('POST', '/api/o2o/orders', { serviceId: svc.id, qty: 1, audience: 'staff' })).body as Ord;
      expect((await buyer.req('POST', `/api/o2o/orders/${o2.id}/pay`, { key: k, method: 'wechat' })).status).toBe(409);
      expect((await buyer.req('POST', `/api/o2o/orders/${o2.id}/pay`, { key: 'short', method: 'wechat' })).status).toBe(400);
      // Another user's order is not revealed; the desk cannot pay for the buyer.
      expect((await other.req('POST', `/api/o2o/orders/${o2.id}/pay`, { key: key(), method: 'wechat' })).status).toBe(404);
      expect((await desk.req('POST', `/api/o2o/orders/${o2.id}/pay`, { key: key(), method: 'wechat' })).status).toBe(403);
      expect(((await other.req('GET', '/api/o2o/orders')).body as { orders: Ord[] }).orders.length).toBe(0);
    });

    it('the desk accepts and fulfils, the buyer rates once; settlement per merchant with commission', async () => {
      const svc = services.find((x) => x.name === '衣物干洗')!;
      const o = (await buyer.req('POST', '/api/o2o/orders', { serviceId: svc.id, qty: 3, audience: 'staff' })).body as Ord;
      expect((await desk.req('POST', `/api/o2o/orders/${o.id}/status`, { action: 'accept' })).status).toBe(409);
      await buyer.req('POST', `/api/o2o/orders/${o.id}/pay`, { key: key(), method: 'alipay' });
      expect((await buyer.req('POST', `/api/o2o/orders/${o.id}/status`, { action: 'accept' })).status).toBe(403);
      expect((await buyer.req('POST', `/api/o2o/orders/${o.id}/rate`, { rating: 5 })).status).toBe(409);
      expect((await desk.req('POST', `/api/o2o/orders/${o.id}/status`, { action: 'accept' })).status).toBe(200);
      expect((await buyer.req('POST', `/api/o2o/orders/${o.id}/status`, { action: 'cancel' })).status).toBe(409);
      expect(((await desk.req('POST', `/api/o2o/orders/${o.id}/status`, { action: 'fulfil' })).body as Ord).status).toBe('fulfilled');
      expect((await buyer.req('POST', `/api/o2o/orders/${o.id}/rate`, { rating: 6 })).status).toBe(400);
      expect((await desk.req('POST', `/api/o2o/orders/${o.id}/rate`, { rating: 4 })).status).toBe(403);
      expect(((await buyer.req('POST', `/api/o2o/orders/${o.id}/rate`, { rating: 4, comment: '干净' })).body as Ord).rating).toBe(4);
      expect((await buyer.req('POST', `/api/o2o/orders/${o.id}/rate`, { rating: 1 })).status).toBe(409);
      const from = new Date(s.clock.now() - 60_000).toISOString();
      const to = new Date(s.clock.now() + 60_000).toISOString();
      expect((await buyer.req('GET', `/api/o2o/settlement?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`)).status).toBe(403);
      const rep = (await desk.req('GET', `/api/o2o/settlement?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`)).body as { rows: { merchantId: number; orders: number; grossFen: number; commissionFen: number; payableFen: number; rating: number | null }[] };
      const row = rep.rows.find((r) => r.merchantId === svc.merchantId)!;
      expect(row).toMatchObject({ orders: 1, grossFen: 3 * svc.priceFen, commissionFen: Math.floor(3 * svc.priceFen * 0.08), rating: 4 });
      expect(row.payableFen).toBe(row.grossFen - row.commissionFen);
      expect((await desk.req('GET', `/api/o2o/settlement?from=${encodeURIComponent(to)}&to=${encodeURIComponent(from)}`)).status).toBe(400);
    });

    it('seeds merchants, services and two weeks of orders once', async () => {
      const n = await count('o2o_order');
      await seedO2o(s.server.sc, parkIdx);
      expect(await count('o2o_merchant')).toBe(4);
      expect(await count('o2o_service')).toBe(10);
      expect(await count('o2o_order')).toBe(n);
    });
  });
}
