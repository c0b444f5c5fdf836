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
});
