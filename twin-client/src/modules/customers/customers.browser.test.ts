/**
 * The customer registry in headless Chromium against the real server (seeded park, real tiles),
 * as investment staff (issue 18, G2): /customers lists the park's enterprises, people and visitors
 * (zh-CN); a search narrows to one enterprise; its name opens the profile with labelled fields,
 * tags and advice; "在孪生中查看" opens the enterprise in the twin, whose breadcrumb names it and
 * whose panel shows labelled fields (no raw keys) and the profile summary; the profile at 390 px
 * (no horizontal overflow) and at the wall's 3840x1080 (list and profile side by side); English.
 * Every screenshot is measured: a blank page fails.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { collectProblems, ensureClientBuilt, launchBrowser, screenshotStats } from '../../../../test/browser.ts';
import { startSceneServer, waitReady, type SceneServer } from '../../../../test/scene-harness.ts';
import { hashPassword } from '../../../../twin-server/src/auth/password.ts';
import { customersModule } from '../../../../twin-server/src/modules/customers/index.ts';
import { seedCustomers } from '../../../../twin-server/src/modules/customers/seed.ts';
import { economyModule } from '../../../../twin-server/src/modules/economy/index.ts';

const RAW_KEYS = ['credit_code', 'registered_capital', 'is_leading', 'high_tech', 'industry.'];

describe.skipIf(inject('chromiumMissing') !== null || inject('pgMissing') !== null)('customer registry in the browser', () => {
  let s: SceneServer;
  let browser: Browser;
  let cookies: { name: string; value: string; domain: string; path: string }[] = [];
  let context: BrowserContext;
  let page: Page;
  let problems: ReturnType<typeof collectProblems>;
  let ent: { idx: number; name: string };
  /** A screenshot that is not blank: many colours and some contrast. */
  const notBlank = async (p: Page, name: string, region?: { x: number; y: number; width: number; height: number }) => {
    const st = await screenshotStats(p, name, region);
    expect(st.distinct, `${name}: distinct colours`).toBeGreaterThan(40);
    expect(st.lumaStd, `${name}: luminance spread`).toBeGreaterThan(12);
    return st;
  };

  beforeAll(async () => {
    ensureClientBuilt();
    s = await startSceneServer('postgres', { modules: [economyModule, customersModule] });
    // The economy module's start-up work carries the sample history to the last closed month (as on a first start).
    await economyModule.seed!(s.server.sc, { parkIdx: (await s.testDb.db.query<{ idx: number }>('SELECT idx FROM park WHERE code = $1', [s.park])).rows[0]!.idx });
    const parkIdx = (await s.testDb.db.query<{ idx: number }>('SELECT idx FROM park WHERE code = $1', [s.park])).rows[0]!.idx;
    await seedCustomers(s.testDb.db, parkIdx, new Date());
    // An enterprise with active leases and a name unique enough to search for.
    ent = (await s.testDb.db.query<{ idx: number; name: string }>(
      `SELECT e.idx, o.name FROM enterprise e JOIN twin_object o ON o.idx = e.idx
       WHERE e.park_idx = $1 AND EXISTS (SELECT 1 FROM lease l WHERE l.enterprise_idx = e.idx AND l.status = 'active')
       ORDER BY e.idx LIMIT 1`, [parkIdx])).rows[0]!;
    const username = `cust-${randomBytes(3).toString('hex')}`;
    const password = `Pw-${randomBytes(6).toString('hex')}-X1`;
    await s.testDb.db.query(`INSERT INTO app_user (username, display_name, password_hash, roles, must_change_password, password_changed_at, created_at)
      VALUES ($1, '招商小李', $2, '{investment}', false, now(), now())`, [username, await hashPassword(password)]);
    const res = await fetch(`${s.server.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: s.server.url }, body: JSON.stringify({ username, password }) });
    if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
    const host = new URL(s.server.url).hostname;
    cookies = res.headers.getSetCookie().map((c) => {
      const pair = c.split(';')[0]!;
      const eq = pair.indexOf('=');
      return { name: pair.slice(0, eq), value: decodeURIComponent(pair.slice(eq + 1)), domain: host, path: '/' };
    });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    await context.addCookies(cookies);
    page = await context.newPage();
    problems = collectProblems(page);
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('lists the registry, finds an enterprise by name and opens its profile with labelled fields, tags and advice', async () => {
    await page.goto(`${s.server.url}/customers?park=${s.park}`);
    const list = page.locator('[data-results="enterprises"]');
    await list.waitFor({ timeout: 60_000 });
    expect(await list.locator('tbody tr').count()).toBeGreaterThan(3);
    await page.locator('[data-results="people"] tbody tr').first().waitFor();
    await page.locator('[data-results="visitors"] tbody tr').first().waitFor();
    expect(await page.locator('nav.views a[data-path="/customers"]').innerText()).toBe('客户');
    expect(await page.locator('[data-results="people"] h2').innerText()).toContain('人员');
    await notBlank(page, 'customers-1-registry');

    await page.locator('[data-search]').fill(ent.name);
    await expect.poll(async () => page.locator('[data-results="enterprises"] tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-idx')))), { timeout: 20_000 }).toEqual([ent.idx]);
    await page.locator(`[data-results="enterprises"] a[data-enterprise="${ent.idx}"]`).click();
    const prof = page.locator(`.cust-profile[data-profile="${ent.idx}"]`);
    await prof.locator('[data-profile-name]').waitFor({ timeout: 30_000 });
    expect(page.url()).toContain(`e=${ent.idx}`);
    expect(await prof.locator('[data-profile-name]').innerText()).toBe(ent.name);
    expect(await prof.locator('[data-field="creditCode"] th').innerText()).toBe('统一社会信用代码');
    expect(await prof.locator('[data-field="industry"] td').innerText()).not.toMatch(/^[a-z_]+$/);
    expect(await prof.locator('[data-part="units"] a').count()).toBeGreaterThan(0);
    expect(await prof.locator('[data-part="contacts"] li').count()).toBeGreaterThan(0);
    // Figures from the economic database (carried to the last closed month): twelve months charted.
    expect(await prof.locator('[data-chart="output"] rect').count()).toBe(12);
    expect(await prof.locator('[data-field="output12"] td').innerText()).not.toBe('0.0');
    const text = await prof.innerText();
    for (const k of RAW_KEYS) expect(text, k).not.toContain(k);
    // Tags and advice come with their Chinese labels (the API's codes never show).
    const api = await page.evaluate(async (idx) => (await fetch(`/api/customers/enterprises/${idx}`)).json() as Promise<{ tags: string[]; advice: { code: string }[] }>, ent.idx);
    expect(await prof.locator('[data-tag]').count()).toBe(api.tags.length);
    for (const tg of api.tags) expect(text).not.toContain(tg);
    expect(await prof.locator('[data-advice]').count()).toBe(api.advice.length);
    const box = (await prof.boundingBox())!;
    await notBlank(page, 'customers-2-profile', { x: Math.round(box.x), y: Math.round(box.y), width: Math.round(Math.min(box.width, 1280 - box.x)), height: Math.round(Math.min(box.height, 800 - box.y)) });
  }, 240_000);

  it('opens the enterprise in the twin: breadcrumb names it, the panel shows labelled fields and the profile summary', async () => {
    const prof = page.locator(`.cust-profile[data-profile="${ent.idx}"]`);
    await prof.locator(`a[data-link-idx="${ent.idx}"]`).click();
    const panel = page.locator(`.object-panel[data-idx="${ent.idx}"][data-kind="enterprise"]`);
    await panel.waitFor({ timeout: 60_000 });
    await panel.locator('[data-enterprise-summary]').waitFor({ timeout: 30_000 });
    await waitReady(page);
    await expect.poll(() => page.locator(`nav.breadcrumbs button[data-idx="${ent.idx}"]`).innerText(), { timeout: 20_000 }).toBe(ent.name);
    const text = await panel.innerText();
    for (const k of RAW_KEYS) expect(text, k).not.toContain(k);
    expect(text).toContain('统一社会信用代码');
    expect(text).toContain('企业规模');
    await notBlank(page, 'customers-3-twin-enterprise');
    // The panel's link leads back to the profile.
    await panel.locator(`[data-profile-link="${ent.idx}"]`).click();
    await page.locator(`.cust-profile[data-profile="${ent.idx}"] [data-profile-name]`).waitFor({ timeout: 30_000 });
  }, 300_000);

  it('fits a 390 px phone and the 3840x1080 wall; switches to English', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
    await phone.addCookies(cookies);
    const p = await phone.newPage();
    const pp = collectProblems(p);
    await p.goto(`${s.server.url}/customers?park=${s.park}&e=${ent.idx}`);
    await p.locator(`.cust-profile[data-profile="${ent.idx}"] [data-profile-name]`).waitFor({ timeout: 60_000 });
    await p.locator('[data-results="enterprises"]').waitFor({ timeout: 30_000 });
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await p.locator('.cust-page').evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
    // On a phone the profile comes first, the list under it.
    const pb = (await p.locator('.cust-side').boundingBox())!;
    const lb = (await p.locator('.cust-main').boundingBox())!;
    expect(pb.y).toBeLessThan(lb.y);
    await notBlank(p, 'customers-4-phone-390');
    expect(pp.errors).toEqual([]);
    await phone.close();

    const wall = await browser.newContext({ viewport: { width: 3840, height: 1080 }, deviceScaleFactor: 1 });
    await wall.addCookies(cookies);
    const w = await wall.newPage();
    await w.goto(`${s.server.url}/customers?park=${s.park}&e=${ent.idx}`);
    await w.locator(`.cust-profile[data-profile="${ent.idx}"] [data-profile-name]`).waitFor({ timeout: 60_000 });
    await w.locator('[data-results="enterprises"]').waitFor({ timeout: 30_000 });
    expect(await w.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(3840);
    const side = (await w.locator('.cust-side').boundingBox())!;
    const main = (await w.locator('.cust-main').boundingBox())!;
    expect(side.x).toBeGreaterThanOrEqual(main.x + main.width - 1);
    expect(side.width).toBeGreaterThan(1200);
    await notBlank(w, 'customers-5-wall-3840');
    // English: labels switch, no Chinese field label left in the profile.
    await w.locator('.lang-switch').click();
    await expect.poll(() => w.locator('[data-field="creditCode"] th').innerText(), { timeout: 10_000 }).toBe('Unified social credit code');
    expect(await w.locator('[data-results="people"] h2').innerText()).toContain('People');
    const heads = await w.locator('.cust-profile th, .cust-profile h3').allInnerTexts();
    for (const h of heads) expect(h, h).not.toMatch(/[\u4e00-\u9fff]/);
    await wall.close();
    expect(problems.errors).toEqual([]);
  }, 240_000);
});
