/**
 * The O2O journey (issue 19, L2) in headless Chromium against PostgreSQL: a tenant's staff member on
 * a 390 px phone finds a service in the catalogue, orders two, pays with a double tap (charged
 * once); the property desk on a laptop accepts and fulfils it; the buyer rates it; the settlement
 * report counts it. zh-CN screens (no Latin-only labels), pixels checked, then the English switch.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ensureClientBuilt, launchBrowser, screenshotStats } from '../../../../test/browser.ts';
import { signedInPerson, type Person } from '../../../../test/people.ts';
import { startSceneServer, type SceneServer } from '../../../../test/scene-harness.ts';
import { notificationsModule } from '../../../../twin-server/src/kit/notifications/module.ts';
import { o2oModule } from '../../../../twin-server/src/modules/o2o/index.ts';
import { seedO2o } from '../../../../twin-server/src/modules/o2o/seed.ts';

const HAN = /\p{Script=Han}/u;

describe.skipIf(inject('chromiumMissing') !== null || inject('pgMissing') !== null)('O2O services in the browser', () => {
  let s: SceneServer;
  let browser: Browser;
  let buyer: Person;
  let desk: Person;
  let service: { id: number; name: string; fen: number };
  let orderId = 0;

  beforeAll(async () => {
    ensureClientBuilt();
    s = await startSceneServer('postgres', { modules: [notificationsModule(), o2oModule] });
    const parkIdx = (await s.testDb.db.query<{ idx: number }>('SELECT idx FROM park WHERE code = $1', [s.park])).rows[0]!.idx;
    await seedO2o(s.server.sc, parkIdx);
    service = (await s.testDb.db.query<{ id: number; name: string; fen: number }>(
      "SELECT id, name, price_fen AS fen FROM o2o_service WHERE 'staff' = ANY(audiences) ORDER BY id LIMIT 1")).rows[0]!;
    const ent = (await s.testDb.db.query<{ ent: number }>("SELECT enterprise_idx AS ent FROM lease WHERE status = 'active' ORDER BY 1 LIMIT 1")).rows[0]!.ent;
    browser = await launchBrowser();
    buyer = await signedInPerson(s, browser, ['enterprise_user'], '甲公司员工小周', { viewport: { width: 390, height: 844 }, enterprise: ent });
    desk = await signedInPerson(s, browser, ['property_manager'], '物业服务台', { viewport: { width: 1280, height: 800 } });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('a staff member orders a service on a phone and pays once with a double tap', async () => {
    const p = buyer.page;
    await p.goto(`${s.server.url}/service/o2o`);
    const item = p.locator(`[data-service="${service.id}"]`);
    await item.waitFor({ timeout: 60_000 });
    expect(await p.locator('[data-service]').count()).toBeGreaterThan(3);
    expect(await item.innerText()).toContain(service.name);
    // A phone page: nothing wider than the screen, Chinese labels, not a blank screen.
    expect(await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    const text = await p.locator('[data-view="o2o"]').innerText();
    expect(text).toMatch(HAN);
    expect(text).not.toMatch(/\b(Order|Catalogue|Pay|Qty)\b/);
    const shot = await screenshotStats(p, 'o2o-1-catalogue-phone');
    expect(shot.distinct).toBeGreaterThan(20);
    expect(shot.lumaStd).toBeGreaterThan(8);

    await p.locator(`[data-o2o-qty="${service.id}"]`).fill('2');
    await p.locator(`[data-o2o-for="${service.id}"]`).selectOption('staff');
    await p.locator(`[data-o2o-order="${service.id}"]`).click();
    await expect.poll(() => p.locator('[data-o2o-result]').getAttribute('data-o2o-result'), { timeout: 30_000 }).toBe('ok');
    expect(await p.locator('[data-o2o-result]').innerText()).toContain('下单成功');
    const row = (await s.testDb.db.query<{ id: number; total: number; status: string }>(
      'SELECT id, total_fen AS total, status FROM o2o_order WHERE buyer_id = $1', [buyer.id])).rows;
    expect(row).toHaveLength(1);
    expect(row[0]!.total).toBe(service.fen * 2);
    expect(row[0]!.status).toBe('placed');
    orderId = row[0]!.id;

    // My orders: a double tap on "pay" sends one idempotency key twice.
    const pay = p.locator(`[data-o2o-pay="${orderId}"]`);
    await pay.waitFor({ timeout: 30_000 });
    await pay.dblclick();
    await expect.poll(() => p.locator(`[data-o2o-order-id="${orderId}"]`).getAttribute('data-status'), { timeout: 30_000 }).toBe('paid');
    expect(await p.locator(`[data-o2o-status="${orderId}"]`).innerText()).toBe('已支付，待接单');
    const paid = await s.testDb.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'o2o.order.pay' AND outcome = 'success' AND object = $1", [`o2o_order:${orderId}`]);
    expect(paid.rows[0]!.n).toBe(1);
    await screenshotStats(p, 'o2o-2-paid-phone');
  }, 180_000);

  it('the service desk accepts and fulfils it, the buyer rates it, and the settlement counts it', async () => {
    const d = desk.page;
    await d.goto(`${s.server.url}/service/o2o`);
    await d.locator('[data-o2o-tab="desk"]').click();
    await d.locator(`[data-o2o-accept="${orderId}"]`).click();
    await d.locator(`[data-o2o-fulfil="${orderId}"]`).click();
    await expect.poll(() => d.locator(`[data-o2o-order-id="${orderId}"]`).getAttribute('data-status'), { timeout: 30_000 }).toBe('fulfilled');
    // The desk sees who ordered (the buyer as the order recorded it).
    const buyerName = (await s.testDb.db.query<{ n: string }>('SELECT buyer_name AS n FROM o2o_order WHERE id = $1', [orderId])).rows[0]!.n;
    expect([buyer.name, buyer.username]).toContain(buyerName);
    expect(await d.locator(`[data-o2o-order-id="${orderId}"]`).innerText()).toContain(buyerName);

    const p = buyer.page;
    await p.reload();
    await p.locator('[data-o2o-tab="mine"]').click();
    await p.locator(`[data-o2o-star="${orderId}-4"]`).click();
    await expect.poll(async () => (await s.testDb.db.query<{ r: number | null }>('SELECT rating AS r FROM o2o_order WHERE id = $1', [orderId])).rows[0]!.r, { timeout: 30_000 }).toBe(4);
    expect(await p.locator('[data-o2o-result]').innerText()).toContain('感谢评价');
    // Rated once: the stars are gone.
    await expect.poll(() => p.locator(`[data-o2o-star="${orderId}-4"]`).count(), { timeout: 15_000 }).toBe(0);

    await d.locator('[data-o2o-tab="settle"]').click();
    const merchant = (await s.testDb.db.query<{ m: number }>('SELECT merchant_id AS m FROM o2o_order WHERE id = $1', [orderId])).rows[0]!.m;
    const settleRow = d.locator(`[data-o2o="settlement"] tr[data-merchant="${merchant}"]`);
    await settleRow.waitFor({ timeout: 30_000 });
    const cells = await settleRow.locator('td').allInnerTexts();
    expect(Number(cells[2])).toBeGreaterThanOrEqual(1);
    const shot = await screenshotStats(d, 'o2o-3-settlement-desk');
    expect(shot.distinct).toBeGreaterThan(20);

    // The English switch: English labels, no Chinese tab names.
    await d.goto(`${s.server.url}/service/o2o?lang=en`);
    await d.locator('[data-o2o-tab="catalogue"]').waitFor({ timeout: 30_000 });
    expect(await d.locator('.o2o-tabs').innerText()).toContain('Catalogue');
    expect(await d.locator('.o2o-tabs').innerText()).not.toMatch(HAN);
    expect(buyer.problems.errors.filter((e) => !/favicon/i.test(e))).toEqual([]);
    expect(desk.problems.errors.filter((e) => !/favicon/i.test(e))).toEqual([]);
    expect(buyer.problems.external).toEqual([]);
  }, 180_000);
});
