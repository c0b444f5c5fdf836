/**
 * Meal cards in headless Chromium against the real server (PostgreSQL): a card holder on a 390 px
 * phone sees the balance of their card and tops it up; the canteen cashier (property manager at
 * 1280 px) finds the card by the holder's name, a charge above the balance is refused in Chinese
 * (nothing charged), a meal is charged at a canteen; the holder sees the new balance and the
 * ledger; English on request. Balances are checked against the ledger in the database.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { collectProblems, ensureClientBuilt, launchBrowser, screenshotStats } from '../../../../test/browser.ts';
import { startSceneServer, type SceneServer } from '../../../../test/scene-harness.ts';
import { hashPassword } from '../../../../twin-server/src/auth/password.ts';
import { HttpClient } from '../../../../twin-server/src/auth/testing.ts';
import { notificationsModule } from '../../../../twin-server/src/kit/notifications/module.ts';
import { cateringModule } from '../../../../twin-server/src/modules/catering/index.ts';
import { ledgerMismatches } from '../../../../twin-server/src/modules/catering/ledger.ts';
import { seedCatering } from '../../../../twin-server/src/modules/catering/seed.ts';
import { seedCateringPartTwo } from '../../../../twin-server/src/modules/catering/seed2.ts';
import { faceTopic } from '../../../../twin-server/src/modules/catering/face.ts';
import { liveRuntimeOf } from '../../../../twin-server/src/modules/live.ts';
import mqtt from 'mqtt';

interface Person { id: string; name: string; username: string; password: string; context: BrowserContext; page: Page; problems: ReturnType<typeof collectProblems>; failed: string[] }
const HAN = /\p{Script=Han}/u;

describe.skipIf(inject('chromiumMissing') !== null || inject('pgMissing') !== null)('meal cards in the browser', () => {
  let s: SceneServer;
  let browser: Browser;
  let holder: Person;
  let cashier: Person;
  let cardId = 0;

  async function person(roles: string[], name: string, viewport: { width: number; height: number }): Promise<Person> {
    const username = `u-${randomBytes(3).toString('hex')}`;
    const password = `Pw-${randomBytes(6).toString('hex')}-X1`;
    const r = await s.testDb.db.query<{ id: string }>(
      `INSERT INTO app_user (username, display_name, password_hash, roles, must_change_password, password_changed_at, created_at)
       VALUES ($1, $2, $3, $4, false, now(), now()) RETURNING id`, [username, name, await hashPassword(password), roles]);
    const res = await fetch(`${s.server.url}/api/auth/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Origin: s.server.url }, body: JSON.stringify({ username, password }),
    });
    if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
    const host = new URL(s.server.url).hostname;
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1, ...(viewport.width < 500 ? { isMobile: true, hasTouch: true } : {}) });
    await context.addCookies(res.headers.getSetCookie().map((c) => {
      const pair = c.split(';')[0]!;
      const eq = pair.indexOf('=');
      return { name: pair.slice(0, eq), value: decodeURIComponent(pair.slice(eq + 1)), domain: host, path: '/' };
    }));
    const page = await context.newPage();
    const failed: string[] = [];
    page.on('response', (res) => { if (res.status() >= 400) failed.push(`${res.status()} ${res.request().method()} ${new URL(res.url()).pathname}`); });
    return { id: r.rows[0]!.id, name, username, password, context, page, problems: collectProblems(page), failed };
  }
  const balance = async () => Number((await s.testDb.db.query<{ b: string }>('SELECT balance_fen AS b FROM meal_card WHERE id = $1', [cardId])).rows[0]!.b);

  beforeAll(async () => {
    ensureClientBuilt();
    s = await startSceneServer('postgres', { modules: [notificationsModule(), cateringModule] });
    browser = await launchBrowser();
    holder = await person(['enterprise_user'], '王芳', { width: 390, height: 844 });
    cashier = await person(['property_manager'], '食堂收银员', { width: 1280, height: 800 });
    // The card is issued and given this month's subsidy (20 yuan) by card management, through the API.
    const api = new HttpClient(s.server.url, { origin: s.server.url });
    await api.login(cashier.username, cashier.password);
    const issued = await api.req('POST', '/api/catering/cards', { key: `bt-${randomBytes(6).toString('hex')}`, holderName: '王芳', holderUserId: holder.id, activate: true });
    cardId = (issued.body as { card: { id: number } }).card.id;
    await api.req('POST', `/api/catering/cards/${cardId}/ops`, { key: `bt-${randomBytes(6).toString('hex')}`, op: 'subsidy', amountFen: 2_000 });
    // The park's sample menus, a day of orders, face terminals and food safety records.
    await api.req('POST', `/api/catering/cards/${cardId}/face`, { identity: 'face-wangfang' });
    const parkIdx = (await s.testDb.db.query<{ idx: number }>('SELECT idx FROM park WHERE code = $1', [s.park])).rows[0]!.idx;
    // The small test park may have no canteen: an office becomes one, and a camera watches its kitchen.
    if ((await s.testDb.db.query("SELECT 1 FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1 AND r.use = 'canteen'", [parkIdx])).rows.length === 0) {
      const room = (await s.testDb.db.query<{ idx: number; floor_idx: number; building_idx: number }>(
        "SELECT r.idx, r.floor_idx, r.building_idx FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1 AND r.use = 'office' ORDER BY r.idx LIMIT 1", [parkIdx])).rows[0]!;
      await s.testDb.db.query("UPDATE room SET use = 'canteen' WHERE idx = $1", [room.idx]);
      const cam = (await s.testDb.db.query<{ idx: number }>('SELECT c.idx FROM camera c JOIN equipment e ON e.idx = c.idx WHERE e.park_idx = $1 ORDER BY c.idx LIMIT 1', [parkIdx])).rows[0]!;
      await s.testDb.db.query("UPDATE camera SET coverage = 'canteen' WHERE idx = $1", [cam.idx]);
      await s.testDb.db.query('UPDATE equipment SET room_idx = $2, floor_idx = $3, building_idx = $4 WHERE idx = $1', [cam.idx, room.idx, room.floor_idx, room.building_idx]);
    }
    await seedCatering(s.server.sc, parkIdx);
    await seedCateringPartTwo(s.server.sc, parkIdx);
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('the holder sees the card on a phone and tops it up', async () => {
    const p = holder.page;
    await p.goto(`${s.server.url}/service/catering?park=${s.park}`);
    const detail = p.locator(`[data-card-detail="${cardId}"]`);
    await detail.waitFor({ timeout: 60_000 });
    expect(await p.locator('[data-catering="balance"]').innerText()).toBe('¥20.00');
    // A holder may not charge or grant subsidies: those buttons are not there.
    expect(await p.locator('[data-catering-op="charge"], [data-catering-op="subsidy"]').count()).toBe(0);
    await p.fill('[data-catering="amount"]', '30.00');
    await p.locator('[data-catering-op="topup"]').click();
    await p.locator('[data-catering-result="ok"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => p.locator('[data-catering="balance"]').innerText()).toBe('¥50.00');
    expect(await balance()).toBe(5_000);
    expect(await p.locator('.catering-ledger tr[data-kind="topup"]').innerText()).toContain('充值');
    expect(await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await screenshotStats(p, 'catering-1-holder-phone');
  }, 240_000);

  it('the cashier finds the card; a charge above the balance is refused in Chinese, a meal is charged', async () => {
    const p = cashier.page;
    await p.goto(`${s.server.url}/service/catering?park=${s.park}`);
    await p.fill('[data-catering="search"]', '王芳');
    await p.locator(`[data-card="${cardId}"]`).click({ timeout: 60_000 });
    await p.locator(`[data-card-detail="${cardId}"]`).waitFor();
    await p.fill('[data-catering="amount"]', '60.00');
    await p.locator('[data-catering-op="charge"]').click();
    const refused = p.locator('[data-catering-result="refused"]');
    await refused.waitFor({ timeout: 30_000 });
    expect(await refused.innerText()).toBe('余额不足，未扣款');
    expect(await balance()).toBe(5_000);
    await p.fill('[data-catering="amount"]', '12.50');
    await p.locator('[data-catering-op="charge"]').click();
    await p.locator('[data-catering-result="ok"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => p.locator('[data-catering="balance"]').innerText()).toBe('¥37.50');
    expect(await balance()).toBe(3_750);
    expect(await ledgerMismatches(s.testDb.db)).toEqual([]);
    await screenshotStats(p, 'catering-2-cashier');
  }, 180_000);

  it('the holder sees the meal in the ledger; English on request', async () => {
    const p = holder.page;
    await p.reload();
    await p.locator(`[data-card-detail="${cardId}"][data-balance="3750"]`).waitFor({ timeout: 30_000 });
    expect(await p.locator('.catering-ledger tr[data-kind="charge"]').innerText()).toContain('-¥12.50');
    await p.locator('.lang-switch').click();
    await expect.poll(() => p.locator('[data-catering-op="topup"]').innerText()).toBe('Top up');
    expect(await p.locator('.catering-page h4, .catering-form button, .catering-actions button, .catering-page label, .catering-ledger td:nth-child(2)').allInnerTexts().then((t) => t.join('\n'))).not.toMatch(HAN);
    const failed = [holder, cashier].flatMap((w) => w.failed);
    // The refused charge is the only failed call of this module.
    expect(failed.filter((f) => f.includes('/api/catering/'))).toEqual([`409 POST /api/catering/cards/${cardId}/ops`]);
    for (const who of [holder, cashier]) expect(who.problems.errors.length, who.name).toBe(who.failed.length);
    for (const who of [holder, cashier]) expect(who.problems.external, who.name).toEqual([]);
  }, 120_000);

  let pickupCode = '';
  let canteenIdx = 0;
  it('the holder orders on a phone, pays from the card and gets a pickup QR code', async () => {
    const p = holder.page;
    await p.locator('.lang-switch').click();
    await p.goto(`${s.server.url}/service/catering?park=${s.park}&tab=order`);
    await expect.poll(() => p.locator('[data-catering-tabbtn="order"]').innerText(), { timeout: 60_000 }).toBe('点餐');
    await p.locator('[data-order="canteen"] option').first().waitFor({ state: 'attached', timeout: 30_000 });
    canteenIdx = Number(await p.locator('[data-order="canteen"]').inputValue());
    const dish = async (name: string) => (await s.testDb.db.query<{ id: number; price_fen: number }>('SELECT id, price_fen FROM catering_dish WHERE canteen_idx = $1 AND name = $2', [canteenIdx, name])).rows[0]!;
    const [egg, rice] = [await dish('番茄炒蛋'), await dish('米饭')];
    await p.locator(`[data-add="${egg.id}"]`).click({ timeout: 30_000 });
    await p.locator(`[data-add="${rice.id}"]`).click();
    const total = egg.price_fen + rice.price_fen;
    expect(await p.locator('[data-order="total"]').innerText()).toBe(`¥${(total / 100).toFixed(2)}`);
    const before = await balance();
    // A double tap sends one key: one order, one charge.
    await p.locator('[data-order="pay"]').dblclick();
    await p.locator('[data-order-result="ok"]').waitFor({ timeout: 30_000 });
    expect(await p.locator('[data-order-result="ok"]').innerText()).toBe('下单成功，凭二维码取餐');
    expect(await balance()).toBe(before - total);
    expect((await s.testDb.db.query('SELECT 1 FROM catering_order WHERE card_id = $1', [cardId])).rows.length).toBe(1);
    const qr = p.locator('[data-order-qr]').first();
    await qr.waitFor({ timeout: 30_000 });
    await expect.poll(() => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    pickupCode = await p.locator('.pickup-code[data-pickup-code]').first().innerText();
    expect(pickupCode).toMatch(/^\d{8}$/);
    await qr.scrollIntoViewIfNeeded();
    const box = (await qr.boundingBox())!;
    const stats = await screenshotStats(p, 'catering-4-order-phone', { x: Math.round(box.x), y: Math.round(box.y), width: Math.round(box.width), height: Math.round(box.height) });
    // A QR code: black modules on white.
    expect(stats.lumaStd).toBeGreaterThan(80);
    expect(await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(await p.locator('.catering-order button, .catering-order h4, .catering-order label').allInnerTexts().then((t) => t.join(''))).not.toMatch(/[A-Za-z]{3,}/);
  }, 180_000);

  it('the counter hands the meal over once; a second pickup is refused; a face checkout over MQTT charges once', async () => {
    const p = cashier.page;
    await p.goto(`${s.server.url}/service/catering?park=${s.park}&tab=counter`);
    await p.locator('[data-counter="canteen"] option').first().waitFor({ state: 'attached', timeout: 60_000 });
    await p.locator('[data-counter="canteen"]').selectOption(String(canteenIdx));
    await p.fill('[data-counter="code"]', pickupCode);
    await p.press('[data-counter="code"]', 'Enter');
    await p.locator('[data-counter-result="ok"]').waitFor({ timeout: 30_000 });
    expect(await p.locator('[data-counter-result="ok"]').innerText()).toContain('取餐成功');
    expect(await p.locator('[data-counter-result="ok"]').innerText()).toContain('番茄炒蛋×1');
    await p.fill('[data-counter="code"]', pickupCode);
    await p.press('[data-counter="code"]', 'Enter');
    await p.locator('[data-counter-result="refused"]').waitFor({ timeout: 30_000 });
    expect(await p.locator('[data-counter-result="refused"]').innerText()).toMatch(/^该订单已取餐，不能重复取餐（取餐时间 \d\d:\d\d）$/);
    expect((await s.testDb.db.query<{ status: string }>('SELECT status FROM catering_order WHERE pickup_code = $1', [pickupCode])).rows[0]!.status).toBe('picked_up');
    // A terminal at this canteen publishes a checkout (and again, a redelivery): charged once.
    const terminal = (await s.testDb.db.query<{ code: string }>('SELECT code FROM catering_terminal WHERE canteen_idx = $1', [canteenIdx])).rows[0]!.code;
    const before = await balance();
    const c = await mqtt.connectAsync(liveRuntimeOf(s.server.sc)!.brokerUrl, { clientId: `bt-term-${randomBytes(3).toString('hex')}`, log: () => {} });
    const ev = JSON.stringify({ id: 'bt-face-0001', identity: 'face-wangfang', amountFen: 1_100 });
    await c.publishAsync(faceTopic(s.park, terminal), ev, { qos: 1 });
    await c.publishAsync(faceTopic(s.park, terminal), ev, { qos: 1 });
    await c.endAsync();
    await expect.poll(() => balance(), { timeout: 15_000 }).toBe(before - 1_100);
    await p.reload();
    await p.locator('[data-counter="canteen"]').selectOption(String(canteenIdx));
    const row = p.locator('[data-face="bt-face-0001"]');
    await row.waitFor({ timeout: 30_000 });
    expect(await row.getAttribute('data-outcome')).toBe('charged');
    expect(await balance()).toBe(before - 1_100);
    expect(await ledgerMismatches(s.testDb.db)).toEqual([]);
    await screenshotStats(p, 'catering-5-counter');
  }, 180_000);

  it('food safety on a phone: kitchen cameras, pesticide tests, samples due for disposal', async () => {
    const p = holder.page;
    await p.goto(`${s.server.url}/service/catering?park=${s.park}&tab=safety&canteen=${canteenIdx}`);
    await p.locator('[data-test]').first().waitFor({ timeout: 60_000 });
    expect(await p.locator('[data-safety="due"]').innerText()).toMatch(/\d+ 待处理留样/);
    expect(await p.locator('[data-sample][data-state="due"]').count()).toBeGreaterThanOrEqual(1);
    const cams = await s.testDb.db.query("SELECT 1 FROM camera c JOIN equipment e ON e.idx = c.idx WHERE c.coverage = 'canteen' AND e.room_idx = $1", [canteenIdx]);
    expect(cams.rows.length).toBeGreaterThanOrEqual(1);
    expect(await p.locator('[data-kitchen-camera]').count()).toBe(cams.rows.length);
    await p.locator('[data-safety="trace-dish"]').selectOption({ label: '番茄炒蛋' });
    await p.locator('[data-safety="trace"] [data-batch]').first().waitFor({ timeout: 30_000 });
    expect(await p.locator('[data-safety="trace"]').innerText()).toContain('绿源农产品有限公司');
    expect(await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    const stats = await screenshotStats(p, 'catering-6-safety-phone');
    expect(stats.lumaStd).toBeGreaterThan(5);
  }, 120_000);
});
