/**
 * The alarm console journey in headless Chromium against the real server (PostgreSQL, seeded
 * park, real tiles), as the security operator (issue 15): the console is open when an equipment
 * fault arrives through the ingest pipeline; the new critical alarm appears without a reload with
 * the banner and the header count, in Chinese; the operator acknowledges it; "fly to" opens the
 * twin at the object with its panel. Then the same console in English. Screenshots are written to
 * test-results/ (alarms-*.png).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { collectProblems, ensureClientBuilt, launchBrowser, screenshotStats } from '../../../../test/browser.ts';
import { startSceneServer, waitReady, type SceneServer } from '../../../../test/scene-harness.ts';
import { hashPassword } from '../../../../twin-server/src/auth/password.ts';
import { notificationsModule } from '../../../../twin-server/src/kit/notifications/module.ts';
import { alarmsModule } from '../../../../twin-server/src/modules/alarms/index.ts';
import { alarmsRuntimeOf } from '../../../../twin-server/src/modules/alarms/runtime.ts';

describe.skipIf(inject('chromiumMissing') !== null || inject('pgMissing') !== null)('alarm console journey in the browser', () => {
  let s: SceneServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: ReturnType<typeof collectProblems>;
  let eq: { idx: number; code: string; building: number; floor: number; name: string };

  /** A reading through the server's ingest pipeline, as MQTT hands it in. */
  const reading = async (payload: Record<string, unknown>) => {
    const live = alarmsRuntimeOf(s.server.sc)!.live;
    const r = live.ingest.handle({ park: s.park, layer: 'equipment', device: eq.code }, payload, 'mqtt');
    expect(r.ok, JSON.stringify(r)).toBe(true);
    await live.writer.drain();
  };

  beforeAll(async () => {
    ensureClientBuilt();
    s = await startSceneServer('postgres', { modules: [notificationsModule(), alarmsModule()] });
    eq = (await s.testDb.db.query<{ idx: number; code: string; building: number; floor: number; name: string }>(
      `SELECT e.idx, e.code, e.building_idx AS building, e.floor_idx AS floor, o.name FROM equipment e JOIN twin_object o ON o.idx = e.idx
       JOIN park p ON p.idx = e.park_idx WHERE p.code = $1 AND e.type <> 'env_sensor' AND e.floor_idx IS NOT NULL ORDER BY e.idx LIMIT 1`, [s.park])).rows[0]!;
    const username = `op-${randomBytes(3).toString('hex')}`;
    const password = `Pw-${randomBytes(6).toString('hex')}-X1`;
    await s.testDb.db.query(
      `INSERT INTO app_user (username, display_name, password_hash, roles, must_change_password, password_changed_at, created_at)
       VALUES ($1, '值班员张三', $2, $3, false, now(), now())`, [username, await hashPassword(password), ['security_operator']]);
    const res = await fetch(`${s.server.url}/api/auth/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Origin: s.server.url }, body: JSON.stringify({ username, password }),
    });
    expect(res.status).toBe(200);
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1400, height: 860 }, deviceScaleFactor: 1 });
    const host = new URL(s.server.url).hostname;
    await context.addCookies(res.headers.getSetCookie().map((c) => {
      const pair = c.split(';')[0]!;
      const eqi = pair.indexOf('=');
      return { name: pair.slice(0, eqi), value: decodeURIComponent(pair.slice(eqi + 1)), domain: host, path: '/' };
    }));
    page = await context.newPage();
    problems = collectProblems(page);
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  let id = 0;

  it('a new critical alarm arrives live with the banner and the count, in Chinese; the operator acknowledges it', async () => {
    await page.goto(`${s.server.url}/alarms?park=${s.park}`);
    await page.locator('[data-view="alarms"] .alarm-list tbody tr').first().waitFor({ timeout: 60_000 });
    const before = Number(await page.locator('[data-severity-count="3"] strong').innerText().catch(() => '0')) || 0;
    // Let the page's socket open before the alarm is raised.
    await page.waitForTimeout(1500);
    await reading({ status: 'fault', fault: 'compressor trip' });
    const row = page.locator(`.alarm-list tr[data-idx="${eq.idx}"][data-severity="3"]`);
    await row.waitFor({ timeout: 30_000 });
    id = Number(await row.getAttribute('data-alarm'));
    expect(await row.getAttribute('data-state')).toBe('raised');
    const rowText = await row.innerText();
    expect(rowText).toContain(eq.name);
    expect(rowText).toContain('紧急');
    expect(rowText).toContain('设备故障');
    expect(rowText).toContain('未确认');
    await expect.poll(() => page.locator('[data-severity-count="3"] strong').innerText()).toBe(String(before + 1));
    const banner = page.locator(`[data-banner="${id}"]`);
    await banner.waitFor({ timeout: 10_000 });
    expect(await banner.innerText()).toContain('新的紧急告警');
    // No English on the Chinese screen (object names are data, the device's fault text is data).
    const text = await page.locator('.alarm-console').innerText();
    expect(text).not.toMatch(/Acknowledge|Critical|Unacknowledged|Alarm console|Severity|Sound|Loading/);
    await screenshotStats(page, 'alarms-1-new-critical-zh');

    await row.click();
    await page.locator(`[data-alarm-detail="${id}"][data-state="raised"]`).waitFor({ timeout: 10_000 });
    await page.locator('[data-input="comment"]').fill('已通知运维到场');
    await page.locator('[data-action="acknowledge"]').click();
    await page.locator(`[data-alarm-detail="${id}"][data-state="acknowledged"]`).waitFor({ timeout: 15_000 });
    expect(await page.locator(`[data-alarm-detail="${id}"]`).innerText()).toContain('已通知运维到场');
    await expect.poll(() => row.getAttribute('data-state')).toBe('acknowledged');
    const stored = await s.testDb.db.query<{ state: string; acknowledged_by: string }>('SELECT state, acknowledged_by FROM alarm WHERE id = $1', [id]);
    expect(stored.rows[0]).toEqual({ state: 'acknowledged', acknowledged_by: '值班员张三' });
    const audit = await s.testDb.db.query("SELECT 1 FROM audit_log WHERE action = 'alarm.acknowledge' AND outcome = 'success' AND object = $1", [`alarm:${id}`]);
    expect(audit.rows).toHaveLength(1);
    await screenshotStats(page, 'alarms-2-acknowledged-zh');
  }, 240_000);

  it('"fly to" opens the twin at the object with its panel and the object\'s alarms in it', async () => {
    await page.locator(`[data-fly-detail="${eq.idx}"]`).click();
    await page.waitForURL((u) => u.pathname === '/' && u.searchParams.get('o') === String(eq.idx), { timeout: 15_000 });
    await waitReady(page);
    const panel = page.locator(`.object-panel[data-idx="${eq.idx}"]`);
    await panel.waitFor({ timeout: 60_000 });
    expect(await panel.innerText()).toContain(eq.name);
    // The panel's alarms section lists the object's open alarm, acknowledged.
    const inPanel = panel.locator(`[data-section="alarms.object"] li[data-alarm="${id}"][data-state="acknowledged"]`);
    await inPanel.waitFor({ timeout: 30_000 });
    expect(await inPanel.innerText()).toContain('设备故障');
    const url = new URL(page.url());
    expect(url.searchParams.get('b')).toBe(String(eq.building));
    await screenshotStats(page, 'alarms-3-fly-to-object');
  }, 240_000);

  it('the console in English: labels from message keys, the alarm text from its rule template', async () => {
    await page.goto(`${s.server.url}/alarms?park=${s.park}&lang=en&state=all`);
    const row = page.locator(`.alarm-list tr[data-alarm="${id}"]`);
    await row.waitFor({ timeout: 60_000 });
    const text = await row.innerText();
    expect(text).toContain('Critical');
    expect(text).toContain('Equipment fault');
    expect(text).toContain('Acknowledged');
    expect(await page.locator('.alarm-head h1').innerText()).toBe('Alarm console');
    await screenshotStats(page, 'alarms-4-console-en');
    // Back to Chinese for whoever opens the app next in this context.
    await page.goto(`${s.server.url}/alarms?park=${s.park}&lang=zh-CN`);
    expect(problems.errors.filter((e) => !/WebGL|GPU|favicon/i.test(e))).toEqual([]);
    expect(problems.external).toEqual([]);
  }, 240_000);
});
