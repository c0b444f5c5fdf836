/**
 * The service centre's journeys (issue 19, P2) on one server and browser: renovation, then
 * monthly parking cards.
 *
 * The renovation journey in headless Chromium against the real server (seeded park, real tiles),
 * each step as the role that does it (issue 19, P2 service centre):
 *  - a tenant (enterprise user) on a 390 px phone opens its room in the 3D twin, takes the room
 *    panel's "装修申请" action and files the generated form;
 *  - the property manager approves it with a 5,000-yuan deposit and records the deposit as paid;
 *  - the tenant starts the works and asks for the inspection;
 *  - a maintenance inspector passes it on site; the manager refunds the deposit and it closes;
 *    the tenant's bell carries the refund. Screens in Chinese (no English labels), pixels checked;
 *    English on request.
 *
 * The parking journey: the car park's occupancy is live in 3D (the car-park simulator publishes
 * the vehicle count over MQTT into the normal ingest; the twin's occupancy layer repaints the car
 * park and its panel shows the count); a tenant applies for a monthly card on a 390 px phone
 * (the service page: a tenant cannot open a car park that is not its own in the twin); the manager approves it and records the payment (a double click records
 * one payment); the expiry job's reminder reaches the tenant's bell and opens the card.
 *
 * The enterprise-services journey: a tenant on a phone takes its room's "企业服务" action in the
 * 3D twin and files a finance request, which is routed to the partner bank's desk; the
 * enterprise-service officer assigns it, accepts and resolves it; the tenant is notified,
 * confirms and rates it.
 */
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ensureClientBuilt, launchBrowser, screenshotStats } from '../../../../test/browser.ts';
import { signedInPerson, type Person } from '../../../../test/people.ts';
import { startSceneServer, waitReady, type SceneServer } from '../../../../test/scene-harness.ts';
import { notificationsModule } from '../../../../twin-server/src/kit/notifications/module.ts';
import { renovationModule } from '../../../../twin-server/src/modules/renovation/index.ts';
import { expiryJob, parkingModule } from '../../../../twin-server/src/modules/parking/index.ts';
import { seedParking } from '../../../../twin-server/src/modules/parking/seed.ts';
import { liveRuntimeOf } from '../../../../twin-server/src/modules/live.ts';
import { startParkingSim, vehiclesAt } from '../../../../twin-server/src/sim/parking.ts';
import { createLogger } from '../../../../twin-server/src/log.ts';
import { enterpriseServicesModule } from '../../../../twin-server/src/modules/enterprise-services/index.ts';


describe.skipIf(inject('chromiumMissing') !== null || inject('pgMissing') !== null)('renovation journey in the browser', () => {
  let s: SceneServer;
  let browser: Browser;
  let room: { idx: number; building: number; floor: number; name: string; enterprise: number };
  let tenant: Person;
  let manager: Person;
  let inspector: Person;
  let id = 0;
  let lot: { idx: number; building: number; floor: number; capacity: number };
  let driver: Person;
  let cardId = 0;
  let officer: Person;
  let founder: Person;

  /** A user with roles, signed in, with a browser context of its own (test/people.ts). */
  const person = (roles: string[], name: string, viewport: { width: number; height: number }, enterprise: number | null = null): Promise<Person> =>
    signedInPerson(s, browser, roles, name, { viewport, enterprise });
  const detail = (p: Page, state: string) => p.locator(`.kit-detail[data-record="${id}"][data-state="${state}"]`).waitFor({ timeout: 30_000 });
  const fire = async (p: Page, name: string, state: string) => {
    await p.locator(`[data-transition="${name}"]`).click();
    await detail(p, state);
  };
  /** A screen with something on it: many colours and contrast (a blank or one-colour page fails). */
  const looksFilled = async (p: Page, name: string) => {
    const st = await screenshotStats(p, name);
    expect(st.distinct, name).toBeGreaterThan(12);
    expect(st.lumaStd, name).toBeGreaterThan(12);
  };

  beforeAll(async () => {
    ensureClientBuilt();
    s = await startSceneServer('postgres', { modules: [notificationsModule(), renovationModule, parkingModule, enterpriseServicesModule] });
    const parkIdx = (await s.testDb.db.query<{ idx: number }>('SELECT idx FROM park WHERE code = $1', [s.park])).rows[0]!.idx;
    await seedParking(s.server.sc, parkIdx);
    lot = (await s.testDb.db.query<{ idx: number; building: number; floor: number; capacity: number }>(
      `SELECT l.idx, r.building_idx AS building, r.floor_idx AS floor, l.capacity FROM parking_lot l JOIN room r ON r.idx = l.idx
       WHERE l.park_idx = $1 ORDER BY l.idx LIMIT 1`, [parkIdx])).rows[0]!;
    const r = await s.testDb.db.query<{ idx: number; building: number; floor: number; name: string; enterprise: number }>(
      `SELECT r.idx, r.building_idx AS building, r.floor_idx AS floor, o.name, l.enterprise_idx AS enterprise
       FROM lease l JOIN room r ON r.idx = l.room_idx JOIN twin_object o ON o.idx = r.idx JOIN building b ON b.idx = r.building_idx
       JOIN park p ON p.idx = b.park_idx WHERE p.code = $1 AND l.status = 'active' ORDER BY r.idx LIMIT 1`, [s.park]);
    room = r.rows[0]!;
    browser = await launchBrowser();
    tenant = await person(['enterprise_user'], '甲公司行政', { width: 390, height: 844 }, room.enterprise);
    manager = await person(['property_manager'], '物业王经理', { width: 1280, height: 800 });
    inspector = await person(['maintenance'], '验收张工', { width: 390, height: 844 });
    driver = await person(['enterprise_user'], '甲公司车管', { width: 390, height: 844 }, room.enterprise);
    officer = await person(['investment'], '企业服务刘专员', { width: 1280, height: 800 });
    founder = await person(['enterprise_user'], '甲公司财务', { width: 390, height: 844 }, room.enterprise);
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('the tenant applies from its room in the 3D twin on a phone', async () => {
    const p = tenant.page;
    await p.goto(`${s.server.url}/?park=${s.park}&b=${room.building}&f=${room.floor}&o=${room.idx}`);
    await waitReady(p);
    const action = p.locator('[data-action="renovation.apply"]');
    await action.waitFor({ timeout: 60_000 });
    expect(await action.innerText()).toBe('装修申请');
    await action.click();
    await p.waitForURL(/\/service\/renovations\?.*new=1/);
    const form = p.locator('[data-form="create"]');
    await form.waitFor();
    expect(await p.locator('[data-kit="object"]').innerText()).toContain(room.name);
    await form.locator('[data-kit="submit"]').click();
    await expect.poll(() => form.locator('.kit-field-error').count()).toBeGreaterThan(0);
    expect(await form.locator('.kit-field-error').first().innerText()).toBe('必填');
    await form.locator('[data-field="title"] input').fill('新增两间洽谈室');
    await form.locator('[data-field="scope"] textarea').fill('开放办公区新增两间玻璃隔断洽谈室');
    await form.locator('[data-field="contractor"] input').fill('华建装饰工程有限公司');
    await form.locator('[data-field="contractorPhone"] input').fill('021-5555 0101');
    await form.locator('[data-field="startDate"] input').fill('2030-03-01');
    await form.locator('[data-field="endDate"] input').fill('2030-03-20');
    await form.locator('[data-kit="submit"]').click();
    const d = p.locator('.kit-detail[data-state="submitted"]');
    await d.waitFor({ timeout: 30_000 });
    id = Number(await d.getAttribute('data-record'));
    expect(id).toBeGreaterThan(0);
    expect(await p.locator('[data-kit="state"]').innerText()).toBe('待审批');
    const text = await d.innerText();
    expect(text).toContain('华建装饰工程有限公司');
    expect(text).not.toMatch(/Submitted|Works|Contractor|Scope/);
    // The phone page does not scroll sideways.
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await looksFilled(p, 'renovation-1-tenant-phone');
  }, 240_000);

  it('the property manager approves it with a deposit and records the deposit as paid', async () => {
    const p = manager.page;
    await p.goto(`${s.server.url}/service/renovations?park=${s.park}`);
    const row = p.locator(`.kit-table tr[data-record="${id}"]`);
    await row.waitFor({ timeout: 30_000 });
    expect(await row.innerText()).toContain('待审批');
    await row.click();
    await detail(p, 'submitted');
    await p.locator('[data-transition="approve"]').click();
    const form = p.locator('[data-form="transition-approve"]');
    await form.locator('[data-field="depositYuan"] input').fill('5000');
    await form.locator('[data-kit="submit"]').click();
    await detail(p, 'approved');
    expect(await p.locator('[data-kit="state"]').innerText()).toBe('已批准，待交押金');
    expect(await p.locator('.kit-facts').innerText()).toContain('5000');
    await fire(p, 'pay_deposit', 'deposit_paid');
    await looksFilled(p, 'renovation-2-manager');
  }, 120_000);

  it('the tenant starts the works and asks for the inspection', async () => {
    const p = tenant.page;
    await expect.poll(() => p.locator('[data-kit="unread"]').count(), { timeout: 30_000 }).toBe(1);
    await p.goto(`${s.server.url}/service/renovations?park=${s.park}&id=${id}`);
    await detail(p, 'deposit_paid');
    await fire(p, 'start', 'in_progress');
    await fire(p, 'request_inspection', 'inspection');
    expect(await p.locator('[data-kit="state"]').innerText()).toBe('待验收');
  }, 120_000);

  it('the inspector passes it on site, the manager refunds the deposit, the tenant is told', async () => {
    const ip = inspector.page;
    await ip.goto(`${s.server.url}/service/renovations?park=${s.park}&id=${id}`);
    await detail(ip, 'inspection');
    await ip.locator('[data-transition="pass"]').click();
    const form = ip.locator('[data-form="transition-pass"]');
    await form.locator('[data-field="inspectionNote"] textarea').fill('隔断与消防喷淋验收合格');
    await form.locator('[data-kit="submit"]').click();
    await detail(ip, 'completed');
    expect(await ip.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await looksFilled(ip, 'renovation-3-inspector-phone');

    const mp = manager.page;
    await mp.goto(`${s.server.url}/service/renovations?park=${s.park}&id=${id}`);
    await detail(mp, 'completed');
    await fire(mp, 'refund_deposit', 'closed');

    const p = tenant.page;
    // Unread: the approval (not opened) and the refund.
    await expect.poll(() => p.locator('[data-kit="unread"]').innerText(), { timeout: 30_000 }).toBe('2');
    await p.locator('[data-kit="bell"]').click();
    const note = p.locator('[data-notification="renovation.closed"] a').first();
    expect(await note.innerText()).toContain('装修押金已退还');
    await note.click();
    await detail(p, 'closed');
    expect(await p.locator('[data-kit="state"]').innerText()).toBe('已完结');
    expect(await p.locator('.kit-history li').count()).toBe(6);
    await looksFilled(p, 'renovation-4-tenant-closed');
    await p.locator('.lang-switch').click();
    await expect.poll(() => p.locator('[data-kit="state"]').innerText()).toBe('Closed');
    for (const who of [tenant, manager, inspector]) expect(who.problems.errors, who.name).toEqual([]);
    for (const who of [tenant, manager, inspector]) expect(who.problems.external, who.name).toEqual([]);
  }, 180_000);

  const texel = (p: Page, idx: number) => p.evaluate((i) => (window as unknown as { __twin: { texel(i: number): number[] } }).__twin.texel(i).slice(0, 3), idx);
  it('parking: the car park\'s occupancy arrives over MQTT and is live in 3D and in its panel', async () => {
    const p = manager.page;
    await p.goto(`${s.server.url}/?park=${s.park}&b=${lot.building}&f=${lot.floor}&o=${lot.idx}&layer=occupancy`);
    await waitReady(p);
    const section = p.locator(`[data-parking-lot="${lot.idx}"]`);
    await section.waitFor({ timeout: 60_000 });
    expect(await section.locator('[data-parking="occupied"]').innerText()).toBe('—');
    const before = await texel(p, lot.idx);
    // A car park big enough for the layer's top colour (60 and more) at this share.
    await s.testDb.db.query('UPDATE parking_lot SET capacity = 120 WHERE idx = $1', [lot.idx]);
    lot.capacity = 120;
    // The simulator's car-park part, on the server's own broker: one round of counts.
    const client = await mqtt.connectAsync(liveRuntimeOf(s.server.sc)!.serverMqttUrl, { clientId: `parking-sim-${randomBytes(3).toString('hex')}`, log: () => {} });
    const sim = startParkingSim({ db: s.testDb.db, client, log: createLogger('silent'), presence: () => 0.9, rand: () => 0.5, everyMs: 3_600_000 });
    try {
      expect(await sim.tick()).toBeGreaterThan(0);
    } finally {
      sim.close();
      await client.endAsync();
    }
    const cars = vehiclesAt(lot.capacity, 0.9, () => 0.5);
    expect(cars).toBeGreaterThan(60);
    // The occupancy layer's top colour (60 and more) on the car park's texel in the GPU feature-state texture.
    await expect.poll(() => texel(p, lot.idx), { timeout: 30_000 }).toEqual([90, 210, 230]);
    expect(before).not.toEqual([90, 210, 230]);
    // The panel re-reads the stored reading within 10 s.
    await expect.poll(() => section.locator('[data-parking="occupied"]').innerText(), { timeout: 30_000 }).toBe(String(cars));
    expect(await section.innerText()).toContain('在场车辆');
    // The panel (right) is drawn: many colours and contrast in it.
    const box = (await section.boundingBox())!;
    const st = await screenshotStats(p, 'parking-1-twin-occupancy', { x: Math.floor(box.x), y: Math.floor(box.y), width: Math.floor(box.width), height: Math.min(200, Math.floor(box.height)) });
    expect(st.distinct).toBeGreaterThan(8);
    expect(st.lumaStd).toBeGreaterThan(10);
  }, 240_000);

  it('parking: a tenant applies for a monthly card on a phone', async () => {
    const p = driver.page;
    await p.goto(`${s.server.url}/service/parking?park=${s.park}&lot=${lot.idx}`);
    const page = p.locator('.parking-page');
    const form = page.locator('[data-parking="apply"]');
    await form.waitFor({ timeout: 60_000 });
    // The car park with the vehicles in it now (the reading of the previous step).
    await expect.poll(() => page.locator(`[data-lot="${lot.idx}"] [data-parking="occupied"]`).innerText(), { timeout: 15_000 }).toBe(String(vehiclesAt(lot.capacity, 0.9, () => 0.5)));
    await form.locator('[data-parking="plate-input"]').fill('沪X12');
    await form.locator('[data-parking="holder-input"]').fill('周杰');
    await form.locator('[data-parking="submit"]').click();
    expect(await form.locator('[data-parking="apply-msg"]').innerText()).toContain('请填写正确的车牌号');
    await form.locator('[data-parking="plate-input"]').fill('沪A88888');
    await form.locator('[data-parking="months-input"]').selectOption('3');
    await form.locator('[data-parking="submit"]').click();
    await expect.poll(() => form.locator('[data-parking="apply-msg"]').innerText(), { timeout: 15_000 }).toBe('申请已提交，等待物业审批');
    const line = page.locator('.parking-card', { hasText: '沪A88888' }).first();
    await line.waitFor({ timeout: 15_000 });
    cardId = Number(await line.getAttribute('data-card'));
    expect(await line.locator('[data-parking="status"]').innerText()).toBe('待审批');
    // Only its own enterprise's cards (the sample cards of other companies are not listed).
    const listed = await page.locator('.parking-cards > .parking-card').evaluateAll((els) => els.map((e) => e.getAttribute('data-card')));
    const own = await s.testDb.db.query<{ id: number }>('SELECT id FROM parking_card WHERE enterprise_idx = $1', [room.enterprise]);
    expect(new Set(listed.map(Number))).toEqual(new Set(own.rows.map((r) => r.id)));
    expect(await page.innerText()).not.toMatch(/Pending|Apply|Vehicles/);
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await looksFilled(p, 'parking-2-tenant-phone');
  }, 240_000);

  it('parking: the manager approves it and records the payment once, even on a double click', async () => {
    const p = manager.page;
    await p.goto(`${s.server.url}/service/parking?park=${s.park}&lot=${lot.idx}`);
    const line = p.locator(`.parking-page .parking-card[data-card="${cardId}"]`).first();
    await line.waitFor({ timeout: 30_000 });
    await line.locator('[data-parking-action="approve"]').click();
    await expect.poll(() => line.getAttribute('data-status'), { timeout: 15_000 }).toBe('approved');
    await line.locator('[data-parking="pay-months"]').selectOption('3');
    expect(await line.locator('[data-parking-action="pay"]').innerText()).toBe('登记缴费 ¥900.00');
    await line.locator('[data-parking-action="pay"]').dblclick();
    await expect.poll(() => line.getAttribute('data-status'), { timeout: 15_000 }).toBe('active');
    const pays = await s.testDb.db.query<{ amount_fen: number }>('SELECT amount_fen FROM parking_payment WHERE card_id = $1', [cardId]);
    expect(pays.rows.map((r) => Number(r.amount_fen))).toEqual([90_000]);
    expect(await line.locator('[data-parking="valid"]').innerText()).toMatch(/^\d{4}-\d{2}-\d{2} – \d{4}-\d{2}-\d{2}$/);
    await looksFilled(p, 'parking-3-manager');
  }, 120_000);

  it('parking: the expiry reminder reaches the tenant, opens the card; English on request', async () => {
    const p = driver.page;
    await s.testDb.db.query("UPDATE parking_card SET starts_on = (now() AT TIME ZONE 'Asia/Shanghai')::date - 57, ends_on = (now() AT TIME ZONE 'Asia/Shanghai')::date + 3 WHERE id = $1", [cardId]);
    // Before: the approval (one unread).
    await expect.poll(() => p.locator('[data-kit="unread"]').innerText(), { timeout: 30_000 }).toBe('1');
    expect((await expiryJob(s.server.sc)).reminded).toBeGreaterThanOrEqual(1);
    await expect.poll(() => p.locator('[data-kit="unread"]').innerText(), { timeout: 30_000 }).toBe('2');
    await p.locator('[data-kit="bell"]').click();
    const note = p.locator('[data-notification="parking.expiring"] a').first();
    expect(await note.innerText()).toContain('月卡即将到期');
    await note.click();
    const one = p.locator(`[data-parking-card="${cardId}"]`);
    await one.waitFor({ timeout: 30_000 });
    expect(await one.locator('[data-parking="status"]').innerText()).toBe('有效');
    expect(await one.innerText()).toContain('¥900.00');
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await looksFilled(p, 'parking-4-tenant-card');
    await p.locator('.lang-switch').click();
    await expect.poll(() => one.locator('[data-parking="status"]').innerText()).toBe('Active');
    for (const who of [driver, manager]) expect(who.problems.errors, who.name).toEqual([]);
  }, 120_000);

  it('enterprise services: a tenant files a finance request from its room in 3D on a phone; it is routed to the bank desk', async () => {
    const p = founder.page;
    await p.goto(`${s.server.url}/?park=${s.park}&b=${room.building}&f=${room.floor}&o=${room.idx}`);
    await waitReady(p);
    const action = p.locator('[data-action="enterprise-services.request"]');
    await action.waitFor({ timeout: 60_000 });
    expect(await action.innerText()).toBe('企业服务');
    await action.click();
    await p.waitForURL(/\/service\/enterprise\?.*new=1/);
    const form = p.locator('[data-form="create"]');
    await form.waitFor();
    await form.locator('[data-field="title"] input').fill('科技贷款 300 万元');
    await form.locator('[data-field="category"] select').selectOption('finance');
    await form.locator('[data-field="description"] textarea').fill('用于新产线设备采购');
    await form.locator('[data-kit="submit"]').click();
    const d = p.locator('.kit-detail[data-state="routed"]');
    await d.waitFor({ timeout: 30_000 });
    id = Number(await d.getAttribute('data-record'));
    expect(await p.locator('[data-kit="state"]').innerText()).toBe('已分派至承办部门');
    // The routing is written into the record: shown after a reload of the record.
    await p.goto(`${s.server.url}/service/enterprise?park=${s.park}&id=${id}`);
    await detail(p, 'routed');
    expect(await p.locator('.kit-facts').innerText()).toContain('园区合作银行（金融服务站）');
    expect(await p.locator('.kit-detail').innerText()).not.toMatch(/Routed|Category|Department/);
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await looksFilled(p, 'services-1-tenant-phone');
  }, 240_000);

  it('enterprise services: the officer accepts and resolves it; the tenant confirms and rates it', async () => {
    const o = officer.page;
    await o.goto(`${s.server.url}/service/enterprise?park=${s.park}&id=${id}`);
    await detail(o, 'routed');
    await o.locator('[data-kit="assign-select"]').selectOption(officer.id);
    await expect.poll(() => o.locator('[data-kit="assignees"]').innerText(), { timeout: 15_000 }).toContain('企业服务刘专员');
    await fire(o, 'accept', 'accepted');
    await o.locator('[data-transition="resolve"]').click();
    const form = o.locator('[data-form="transition-resolve"]');
    await form.locator('[data-field="resolution"] textarea').fill('已对接合作银行，授信 300 万元');
    await form.locator('[data-kit="submit"]').click();
    await detail(o, 'resolved');
    await looksFilled(o, 'services-2-officer');

    const p = founder.page;
    // Accepted and resolved: two notifications.
    await expect.poll(() => p.locator('[data-kit="unread"]').innerText(), { timeout: 30_000 }).toBe('2');
    await p.locator('[data-kit="bell"]').click();
    const note = p.locator('[data-notification="service.resolved"] a').first();
    expect(await note.innerText()).toContain('您的服务需求已办结');
    await note.click();
    await detail(p, 'resolved');
    await p.locator('[data-transition="confirm"]').click();
    const rate = p.locator('[data-form="transition-confirm"]');
    await rate.locator('[data-field="rating"] select').selectOption('5');
    await rate.locator('[data-kit="submit"]').click();
    await detail(p, 'closed');
    expect(await p.locator('[data-kit="state"]').innerText()).toBe('已完结');
    await looksFilled(p, 'services-3-tenant-closed');
    await p.locator('.lang-switch').click();
    await expect.poll(() => p.locator('[data-kit="state"]').innerText()).toBe('Closed');
    for (const who of [founder, officer]) expect(who.problems.errors, who.name).toEqual([]);
  }, 180_000);
});
