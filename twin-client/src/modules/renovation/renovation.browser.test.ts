/**
 * The renovation journey in headless Chromium against the real server (seeded park, real tiles),
 * each step as the role that does it (issue 19, P2 service centre):
 *  - a tenant (enterprise user) on a 390 px phone opens its room in the 3D twin, takes the room
 *    panel's "装修申请" action and files the generated form;
 *  - the property manager approves it with a 5,000-yuan deposit and records the deposit as paid;
 *  - the tenant starts the works and asks for the inspection;
 *  - a maintenance inspector passes it on site; the manager refunds the deposit and it closes;
 *    the tenant's bell carries the refund. Screens in Chinese (no English labels), pixels checked;
 *    English on request.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { collectProblems, ensureClientBuilt, launchBrowser, screenshotStats } from '../../../../test/browser.ts';
import { startSceneServer, waitReady, type SceneServer } from '../../../../test/scene-harness.ts';
import { hashPassword } from '../../../../twin-server/src/auth/password.ts';
import { notificationsModule } from '../../../../twin-server/src/kit/notifications/module.ts';
import { renovationModule } from '../../../../twin-server/src/modules/renovation/index.ts';

interface Person { id: string; name: string; context: BrowserContext; page: Page; problems: ReturnType<typeof collectProblems> }

describe.skipIf(inject('chromiumMissing') !== null || inject('pgMissing') !== null)('renovation journey in the browser', () => {
  let s: SceneServer;
  let browser: Browser;
  let room: { idx: number; building: number; floor: number; name: string; enterprise: number };
  let tenant: Person;
  let manager: Person;
  let inspector: Person;
  let id = 0;

  /** Creates a user with roles, signs it in and opens a browser context with its session. */
  async function person(roles: string[], name: string, viewport: { width: number; height: number }, enterprise: number | null = null): Promise<Person> {
    const username = `u-${randomBytes(3).toString('hex')}`;
    const password = `Pw-${randomBytes(6).toString('hex')}-X1`;
    const r = await s.testDb.db.query<{ id: string }>(
      `INSERT INTO app_user (username, display_name, password_hash, roles, enterprise_idx, must_change_password, password_changed_at, created_at)
       VALUES ($1, $2, $3, $4, $5, false, now(), now()) RETURNING id`, [username, name, await hashPassword(password), roles, enterprise]);
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
    return { id: r.rows[0]!.id, name, context, page, problems: collectProblems(page) };
  }
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
    s = await startSceneServer('postgres', { modules: [notificationsModule(), renovationModule] });
    const r = await s.testDb.db.query<{ idx: number; building: number; floor: number; name: string; enterprise: number }>(
      `SELECT r.idx, r.building_idx AS building, r.floor_idx AS floor, o.name, l.enterprise_idx AS enterprise
       FROM lease l JOIN room r ON r.idx = l.room_idx JOIN twin_object o ON o.idx = r.idx JOIN building b ON b.idx = r.building_idx
       JOIN park p ON p.idx = b.park_idx WHERE p.code = $1 AND l.status = 'active' ORDER BY r.idx LIMIT 1`, [s.park]);
    room = r.rows[0]!;
    browser = await launchBrowser();
    tenant = await person(['enterprise_user'], '甲公司行政', { width: 390, height: 844 }, room.enterprise);
    manager = await person(['property_manager'], '物业王经理', { width: 1280, height: 800 });
    inspector = await person(['maintenance'], '验收张工', { width: 390, height: 844 });
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
});
