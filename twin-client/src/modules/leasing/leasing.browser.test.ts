/**
 * The leasing journey in headless Chromium against the real server (seeded park, real tiles), as
 * the investment role (issue 18 must-show 1 and 2):
 *  - creates a prospect with the records kit's form (/leasing/prospects);
 *  - takes an opportunity to the visit stage and, from the vacant unit's panel in the 3D twin,
 *    holds the unit for it (proposal): the panel says held, and the unit turns reserved-yellow in
 *    the twin's lease colours by the stream's push, without a reload;
 *  - signs it: a lease exists, the unit is no longer vacant, and the twin recolours it leased;
 *  - creates a guest link on /leasing and opens it in a fresh context (no account) at 390 px.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { collectProblems, ensureClientBuilt, launchBrowser, screenshotStats } from '../../../../test/browser.ts';
import { startSceneServer, waitReady, type SceneServer } from '../../../../test/scene-harness.ts';
import { hashPassword } from '../../../../twin-server/src/auth/password.ts';
import { notificationsModule } from '../../../../twin-server/src/kit/notifications/module.ts';
import { leasingModule } from '../../../../twin-server/src/modules/leasing/index.ts';

describe.skipIf(inject('chromiumMissing') !== null || inject('pgMissing') !== null)('leasing journey in the browser', () => {
  let s: SceneServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: ReturnType<typeof collectProblems>;
  let unit: { idx: number; building: number; floor: number; code: string };
  let prospectId = 0;
  let opp = { id: 0, version: 0 };
  const api = (method: string, path: string, body?: unknown) => page.evaluate(async ([m, p, b]) => {
    const csrf = decodeURIComponent(document.cookie.split('; ').find((c) => c.startsWith('twin_csrf='))?.slice(10) ?? '');
    const r = await fetch(p as string, { method: m as string, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: b === undefined ? null : JSON.stringify(b) });
    return { status: r.status, body: await r.json().catch(() => null) as unknown };
  }, [method, path, body] as const);
  const texel = (idx: number) => page.evaluate((i) => (window as unknown as { __twin: { texel(i: number): number[] } }).__twin.texel(i).slice(0, 3), idx);
  const statusOf = async (idx: number) => (await s.testDb.db.query<{ lease_status: string }>('SELECT lease_status FROM room WHERE idx = $1', [idx])).rows[0]!.lease_status;

  beforeAll(async () => {
    ensureClientBuilt();
    s = await startSceneServer('postgres', { modules: [notificationsModule(), leasingModule] });
    const r = await s.testDb.db.query<{ idx: number; building: number; floor: number; code: string }>(
      `SELECT r.idx, r.building_idx AS building, r.floor_idx AS floor, r.code FROM room r JOIN building b ON b.idx = r.building_idx JOIN park p ON p.idx = b.park_idx
       WHERE p.code = $1 AND r.leasable AND r.lease_status = 'vacant' ORDER BY r.idx LIMIT 1`, [s.park]);
    unit = r.rows[0]!;
    const username = `inv-${randomBytes(3).toString('hex')}`;
    const password = `Pw-${randomBytes(6).toString('hex')}-X1`;
    await s.testDb.db.query(`INSERT INTO app_user (username, display_name, password_hash, roles, must_change_password, password_changed_at, created_at)
      VALUES ($1, '招商小王', $2, '{investment}', false, now(), now())`, [username, await hashPassword(password)]);
    const res = await fetch(`${s.server.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: s.server.url }, body: JSON.stringify({ username, password }) });
    if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    const host = new URL(s.server.url).hostname;
    await context.addCookies(res.headers.getSetCookie().map((c) => {
      const pair = c.split(';')[0]!;
      const eq = pair.indexOf('=');
      return { name: pair.slice(0, eq), value: decodeURIComponent(pair.slice(eq + 1)), domain: host, path: '/' };
    }));
    page = await context.newPage();
    problems = collectProblems(page);
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('creates a prospect with the form and an opportunity at the visit stage', async () => {
    await page.goto(`${s.server.url}/leasing/prospects?park=${s.park}&new=1`);
    const form = page.locator('[data-form="create"]');
    await form.waitFor({ timeout: 60_000 });
    await form.locator('[data-field="company"] input').fill('浏览器测试生物科技有限公司');
    await form.locator('[data-field="contact"] input').fill('赵博士');
    await form.locator('[data-field="source"] select').selectOption('event');
    await form.locator('[data-field="industry"] select').selectOption('biomed');
    await form.locator('[data-field="needArea"] input').fill('500');
    await form.locator('[data-kit="submit"]').click();
    const d = page.locator('.kit-detail[data-state="active"]');
    await d.waitFor({ timeout: 30_000 });
    prospectId = Number(await d.getAttribute('data-record'));
    expect(prospectId).toBeGreaterThan(0);
    const o = await api('POST', '/api/leasing/opportunities', { data: { title: '浏览器测试 入驻', prospectId, area: 500 } });
    expect(o.status).toBe(201);
    opp = o.body as { id: number; version: number };
    const v = await api('POST', `/api/leasing/opportunities/${opp.id}/transitions/visit`, { version: opp.version, note: '现场带看' });
    expect(v.status).toBe(200);
    await screenshotStats(page, 'leasing-1-prospect');
  }, 240_000);

  it('holds the vacant unit from its panel in the 3D twin: shown held, reserved colour pushed live', async () => {
    await page.goto(`${s.server.url}/?park=${s.park}&b=${unit.building}&f=${unit.floor}&o=${unit.idx}&layer=lease`);
    await waitReady(page);
    await page.evaluate(() => (window as unknown as { __twin: { setLayer(l: string): void } }).__twin.setLayer('lease'));
    const section = page.locator(`[data-unit-leasing="${unit.idx}"]`);
    await section.waitFor({ timeout: 60_000 });
    expect(await section.locator('[data-lease-status]').getAttribute('data-lease-status')).toBe('vacant');
    expect(await texel(unit.idx)).toEqual([46, 204, 113]);
    await section.locator('[data-hold-select]').selectOption(String(opp.id));
    await section.locator('[data-hold]').click();
    await expect.poll(() => section.locator('[data-held]').getAttribute('data-held'), { timeout: 20_000 }).toBe(String(opp.id));
    expect(await section.innerText()).toContain('已被商机预留');
    await expect.poll(() => texel(unit.idx), { timeout: 20_000 }).toEqual([241, 196, 15]);
    expect(await statusOf(unit.idx)).toBe('reserved');
    await screenshotStats(page, 'leasing-2-held-in-3d');
  }, 300_000);

  it('signs: a lease exists, the unit is no longer vacant and the twin shows it leased', async () => {
    const cur = (await api('GET', `/api/leasing/opportunities/${opp.id}`)).body as { record: { version: number } };
    expect((await api('POST', `/api/leasing/opportunities/${opp.id}/transitions/negotiate`, { version: cur.record.version })).status).toBe(200);
    const sign = await api('POST', `/api/leasing/opportunities/${opp.id}/transitions/sign`, { version: cur.record.version + 1, data: { creditCode: '91330100MA2BR0WS1X', leaseStart: '2027-01-01', leaseYears: 3 } });
    expect(sign.status, JSON.stringify(sign.body)).toBe(200);
    const lease = await s.testDb.db.query<{ name: string }>(`SELECT o.name FROM lease l JOIN twin_object o ON o.idx = l.enterprise_idx WHERE l.room_idx = $1 AND l.status = 'active'`, [unit.idx]);
    expect(lease.rows.map((r) => r.name)).toEqual(['浏览器测试生物科技有限公司']);
    expect(await statusOf(unit.idx)).toBe('leased');
    await expect.poll(() => texel(unit.idx), { timeout: 20_000 }).toEqual([52, 120, 220]);
    await screenshotStats(page, 'leasing-3-signed');
  }, 120_000);

  it('creates a guest link on /leasing and opens it with no account at 390 px', async () => {
    await page.goto(`${s.server.url}/leasing?park=${s.park}`);
    await page.locator('[data-funnel]').waitFor({ timeout: 60_000 });
    const other = await s.testDb.db.query<{ idx: number }>(`SELECT idx FROM room WHERE leasable AND lease_status = 'vacant' ORDER BY idx LIMIT 2`);
    const units = [unit.idx, ...other.rows.map((r) => r.idx)];
    const links = page.locator('[data-guest-links]');
    await links.locator('input').nth(0).fill('为浏览器测试精选');
    await links.locator('input').nth(1).fill(units.join(','));
    await screenshotStats(page, 'leasing-4-pipeline');
    await links.locator('button', { hasText: '生成链接' }).click();
    const a = page.locator('[data-guest-url]');
    await a.waitFor({ timeout: 20_000 });
    const url = await a.getAttribute('href');
    const guest = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
    const g = await guest.newPage();
    const resp = await g.goto(url!);
    expect(resp!.status()).toBe(200);
    expect(await g.locator('[data-unit]').count()).toBe(units.length);
    const text = await g.locator('body').innerText();
    expect(text).not.toContain('浏览器测试生物科技有限公司');
    expect(text).toContain('已出租');
    expect(await g.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshotStats(g, 'leasing-5-guest-390');
    await guest.close();
    expect(problems.errors).toEqual([]);
  }, 120_000);
});
