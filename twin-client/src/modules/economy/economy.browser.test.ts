/**
 * Issue 18 must-show 3 in headless Chromium against the real server (PostgreSQL, seeded sample
 * park whose history is carried to the last closed month): an enterprise account files a month
 * by Excel with two bad rows, the page names those rows (and files nothing); the fixed report is
 * filed; park staff approve it on /economy/review; the command wall's output figure (year to
 * date) rises by exactly the filed output within seconds. The filing page is also checked at
 * 390 px and in English.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { collectProblems, ensureClientBuilt, launchBrowser, screenshotStats } from '../../../../test/browser.ts';
import { openView, startSceneServer, type SceneServer } from '../../../../test/scene-harness.ts';
import { hashPassword } from '../../../../twin-server/src/auth/password.ts';
import { economyModule } from '../../../../twin-server/src/modules/economy/index.ts';
import { wallModule } from '../../../../twin-server/src/modules/wall/index.ts';
import { carrySampleForward } from '../../../../twin-server/src/modules/economy/history.ts';
import { closedMonth, reportXlsx, rowOf, SAMPLE_FIGURES } from '../../../../twin-server/src/modules/economy/testing.ts';

const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

describe.skipIf(inject('chromiumMissing') !== null || inject('pgMissing') !== null)('economic filing in the browser', () => {
  let s: SceneServer;
  let browser: Browser;
  let filer: { context: BrowserContext; page: Page };
  let wall: { context: BrowserContext; page: Page };
  let ent = { idx: 0, name: '' };
  let month = '';
  const OUTPUT = 80_000; // 10k CNY: 8 亿元, visible on the wall's 亿元 figure
  const db = () => s.testDb.db;

  async function loginAs(roles: string[], enterpriseIdx: number | null, viewport = { width: 1280, height: 800 }) {
    const username = `u-${randomBytes(3).toString('hex')}`;
    const password = `Pw-${randomBytes(6).toString('hex')}-X1`;
    await db().query(`INSERT INTO app_user (username, display_name, password_hash, roles, enterprise_idx, must_change_password, password_changed_at, created_at)
      VALUES ($1, $1, $2, $3, $4, false, now(), now())`, [username, await hashPassword(password), roles, enterpriseIdx]);
    const res = await fetch(`${s.server.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: s.server.url }, body: JSON.stringify({ username, password }) });
    if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    const host = new URL(s.server.url).hostname;
    await context.addCookies(res.headers.getSetCookie().map((c) => {
      const pair = c.split(';')[0]!;
      const eq = pair.indexOf('=');
      return { name: pair.slice(0, eq), value: decodeURIComponent(pair.slice(eq + 1)), domain: host, path: '/' };
    }));
    return { context, page: await context.newPage() };
  }
  const wallOutput = async () => Number(await wall.page.locator('[data-kpi="economy.outputYtd"]').getAttribute('data-value'));

  beforeAll(async () => {
    ensureClientBuilt();
    s = await startSceneServer('postgres', { modules: [wallModule, economyModule] });
    // What the module's seed hook does for the sample park on a first start.
    const parkIdx = (await db().query<{ idx: number }>('SELECT idx FROM park WHERE code = $1', [s.park])).rows[0]!.idx;
    await db().query('INSERT INTO economy_sample_park (park_idx) VALUES ($1)', [parkIdx]);
    await carrySampleForward(db(), new Date());
    month = closedMonth(Date.now());
    const r = await db().query<{ idx: number; name: string }>(
      `SELECT e.idx, o.name FROM enterprise e JOIN twin_object o ON o.idx = e.idx WHERE e.park_idx = $1
         AND NOT EXISTS (SELECT 1 FROM enterprise_monthly m WHERE m.enterprise_idx = e.idx AND m.month = $2::date) ORDER BY e.idx LIMIT 1`, [parkIdx, `${month}-01`]);
    ent = r.rows[0]!;
    expect(ent, 'the sample park leaves some reports of the last closed month outstanding').toBeDefined();
    browser = await launchBrowser();
    filer = await loginAs(['enterprise_user'], ent.idx);
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('an Excel report with two bad rows: the page names both rows and nothing is filed', async () => {
    const problems = collectProblems(filer.page);
    await filer.page.goto(`${s.server.url}/economy/filing?park=${s.park}`);
    await filer.page.locator('[data-view="economy-filing"]').waitFor({ timeout: 60_000 });
    await filer.page.locator('[data-field="month"]').selectOption(month);
    // The template link downloads a workbook for the chosen month.
    const href = (await filer.page.locator('[data-action="template"]').getAttribute('href'))!;
    expect(href).toContain(`month=${month}`);
    const tpl = await filer.page.evaluate(async (h: string) => { const r = await fetch(h); return { status: r.status, type: r.headers.get('content-type') }; }, href);
    expect(tpl).toEqual({ status: 200, type: XLSX_MIME });
    const bad = await reportXlsx(month, { ...SAMPLE_FIGURES, outputValue: OUTPUT }, { tax: '六十六', staff: -5 });
    await filer.page.locator('[data-field="report"]').setInputFiles({ name: 'report.xlsx', mimeType: XLSX_MIME, buffer: bad });
    const errors = filer.page.locator('[data-error-row]');
    await expect.poll(() => errors.count(), { timeout: 20_000 }).toBe(2);
    expect(await errors.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-error-row'))))).toEqual([rowOf('tax'), rowOf('staff')]);
    const text = await filer.page.locator('.economy-errors').innerText();
    expect(text).toContain(`第 ${rowOf('tax')} 行 · 税收：不是数字（「六十六」）`);
    expect(text).toContain(`第 ${rowOf('staff')} 行 · 从业人员：不能为负数`);
    expect((await db().query('SELECT 1 FROM economy_filing WHERE enterprise_idx = $1', [ent.idx])).rows).toHaveLength(0);
    await screenshotStats(filer.page, 'economy-1-row-errors');
    expect(problems.errors.filter((e) => !e.includes('422'))).toEqual([]);
  }, 240_000);

  it('the fixed report is filed and waits for review', async () => {
    const good = await reportXlsx(month, { ...SAMPLE_FIGURES, outputValue: OUTPUT });
    await filer.page.locator('[data-field="report"]').setInputFiles({ name: 'report.xlsx', mimeType: XLSX_MIME, buffer: good });
    await filer.page.locator('[data-outcome="created"]').waitFor({ timeout: 20_000 });
    await filer.page.locator('tr[data-status="submitted"]').first().waitFor({ timeout: 20_000 });
    expect(await filer.page.locator('[data-error-row]').count()).toBe(0);
    // The enterprise's own figures are not in the economic database before the review.
    expect((await db().query('SELECT 1 FROM enterprise_monthly WHERE enterprise_idx = $1 AND month = $2::date', [ent.idx, `${month}-01`])).rows).toHaveLength(0);
    await screenshotStats(filer.page, 'economy-2-filed');
  }, 120_000);

  it('after the review, the wall\'s output figure rises by the filed output within seconds', async () => {
    wall = await openView(browser, s, '/wall', 'tour=0&refresh=2', { width: 1920, height: 1080 });
    await wall.page.locator('[data-kpi="economy.outputYtd"]').waitFor({ timeout: 60_000 });
    const period = await wall.page.locator('[data-board="economy"] .kpi-detail').innerText();
    expect(period).toContain(`${month.slice(0, 4)}年`);
    const before = await wallOutput();
    const shownBefore = await wall.page.locator('[data-kpi="economy.outputYtd"]').innerText();
    const reviewer = await loginAs(['property_manager'], null);
    await reviewer.page.goto(`${s.server.url}/economy/review?park=${s.park}`);
    const row = reviewer.page.locator(`tr[data-status="submitted"]:has(a[data-link-idx="${ent.idx}"], a[data-enterprise-link="${ent.idx}"])`);
    await row.waitFor({ timeout: 60_000 });
    expect(await row.innerText()).toContain(ent.name);
    await screenshotStats(reviewer.page, 'economy-3-review');
    await row.locator('[data-action="approve"]').click();
    await expect.poll(() => row.count(), { timeout: 20_000 }).toBe(0);
    const t0 = Date.now();
    await expect.poll(wallOutput, { timeout: 15_000, interval: 250 }).toBeCloseTo(before + OUTPUT, 0);
    const took = Date.now() - t0;
    expect(took).toBeLessThan(10_000);
    const shownAfter = await wall.page.locator('[data-kpi="economy.outputYtd"]').innerText();
    expect(Number(shownAfter.replace(/,/g, '')) - Number(shownBefore.replace(/,/g, ''))).toBeCloseTo(OUTPUT / 10_000, 1);
    await screenshotStats(wall.page, 'economy-4-wall-after');
    await reviewer.context.close();
  }, 300_000);

  it('the filing page works at 390 px and in English', async () => {
    const phone = await loginAs(['enterprise_user'], ent.idx, { width: 390, height: 844 });
    await phone.page.goto(`${s.server.url}/economy/filing?park=${s.park}`);
    await phone.page.locator('tr[data-status="approved"]').first().waitFor({ timeout: 60_000 });
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const zh = await phone.page.locator('[data-view="economy-filing"]').innerText();
    expect(zh).toContain('已通过');
    expect(zh).not.toMatch(/\b(Submit|Approved|Month|Upload)\b/);
    await screenshotStats(phone.page, 'economy-5-phone');
    await phone.page.goto(`${s.server.url}/economy/filing?park=${s.park}&lang=en`);
    await phone.page.locator('tr[data-status="approved"]').first().waitFor({ timeout: 60_000 });
    const en = await phone.page.locator('[data-view="economy-filing"]').innerText();
    expect(en).toContain('Approved');
    expect(en).not.toMatch(/[\u4e00-\u9fff]/);
    await screenshotStats(phone.page, 'economy-6-phone-en');
    await phone.context.close();
  }, 180_000);
});
