/**
 * Guard patrol and access control in headless Chromium against the real server, PostgreSQL and
 * mosquitto (issue 15, G5 items 3 and 4), as a security operator on `/patrol`:
 * - a round starts by its schedule; a guard's reader scans the first checkpoint over MQTT: its chip
 *   turns green on screen; the second is not scanned: after its due time and grace it turns red and
 *   the alarm console lists a "missed patrol checkpoint" alarm in Chinese;
 * - an access point reports a forced door over MQTT: listed with its alarm; the operator issues a
 *   visitor pass for later today in the form; a swipe with it now is refused (outside its window);
 *   a biometric terminal's watch-list hit is listed;
 * - the page in English and on a 390 px phone. Screenshots: test-results/patrol-*.png.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { collectProblems, ensureClientBuilt, launchBrowser, pngStats, screenshotStats } from '../../../../test/browser.ts';
import { startSceneServer, type SceneServer } from '../../../../test/scene-harness.ts';
import { hashPassword } from '../../../../twin-server/src/auth/password.ts';
import { notificationsModule } from '../../../../twin-server/src/kit/notifications/module.ts';
import { alarmsModule } from '../../../../twin-server/src/modules/alarms/index.ts';
import { patrolModule } from '../../../../twin-server/src/modules/patrol/index.ts';
import { seedPatrol } from '../../../../twin-server/src/modules/patrol/seed.ts';

const MQTT = process.env.TWIN_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

describe.skipIf(inject('chromiumMissing') !== null || inject('pgMissing') !== null || inject('mqttMissing') !== null)('guard patrol and access control in the browser', () => {
  let s: SceneServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: ReturnType<typeof collectProblems>;
  let dev: MqttClient;
  let cookies: Array<{ name: string; value: string; domain: string; path: string }>;
  let aps: Array<{ idx: number; code: string }>;
  let bio: { idx: number; code: string };
  const tag = (n: number) => `T${n}-${s.park}`.slice(0, 60);

  const send = (device: string, kind: string, body: Record<string, unknown>) =>
    dev.publishAsync(`park/${s.park}/events/${device}/${kind}`, JSON.stringify({ id: randomUUID(), ts: Date.now(), ...body }), { qos: 1 });
  /** Mean colour of an element on a fresh screenshot. */
  const colourOf = async (selector: string, name: string) => {
    const box = (await page.locator(selector).first().boundingBox())!;
    const png = await page.screenshot({ path: `test-results/${name}.png` });
    return (await pngStats(page, png, { x: Math.round(box.x), y: Math.round(box.y), width: Math.max(1, Math.round(box.width)), height: Math.max(1, Math.round(box.height)) })).mean;
  };

  /** A route whose round starts in 3 s: checkpoints due 60, 70 and 600 s after its start, 5 s of grace. */
  const startRoute = async () => {
    const db = s.testDb.db;
    const park = Number((await db.query<{ idx: number }>('SELECT idx FROM park WHERE code = $1', [s.park])).rows[0]!.idx);
    const r = await db.query<{ id: number }>(`INSERT INTO patrol_route (park_idx, code, name, created_by) VALUES ($1, 'test', '{"zh":"测试巡更","en":"Test round"}', 'test') RETURNING id`, [park]);
    const route = Number(r.rows[0]!.id);
    for (const [n, due] of [60, 70, 600].entries()) await db.query('INSERT INTO patrol_checkpoint (route_id, n, tag, idx, due_s) VALUES ($1, $2, $3, $4, $5)', [route, n, tag(n + 1), aps[n]!.idx, due]);
    const offset = (Math.floor((Date.now() % 86_400_000) / 1000) + 3) % 86_400;
    await db.query('INSERT INTO patrol_schedule (route_id, every_s, offset_s, grace_s) VALUES ($1, 3600, $2, 5)', [route, offset]);
  };

  beforeAll(async () => {
    ensureClientBuilt();
    s = await startSceneServer('postgres', { mqttUrl: MQTT, modules: [notificationsModule(), alarmsModule(), patrolModule({ tickMs: 1000 })] });
    const db = s.testDb.db;
    const park = Number((await db.query<{ idx: number }>('SELECT idx FROM park WHERE code = $1', [s.park])).rows[0]!.idx);
    await seedPatrol(db, park, Date.now());
    await db.query('UPDATE patrol_schedule SET enabled = false');
    aps = (await db.query<{ idx: number; code: string }>('SELECT e.idx, e.code FROM equipment e JOIN access_point ap ON ap.idx = e.idx WHERE e.park_idx = $1 AND NOT ap.biometric ORDER BY e.idx LIMIT 3', [park])).rows;
    bio = (await db.query<{ idx: number; code: string }>('SELECT e.idx, e.code FROM equipment e JOIN access_point ap ON ap.idx = e.idx WHERE e.park_idx = $1 AND e.idx <> ALL($2::int[]) ORDER BY e.idx LIMIT 1', [park, aps.map((a) => a.idx)])).rows[0]!;
    await db.query('UPDATE access_point SET biometric = true WHERE idx = $1', [bio.idx]);
    dev = await mqtt.connectAsync(MQTT, { clientId: `dev-${randomBytes(3).toString('hex')}`, log: () => {} });

    const username = `sec-${randomBytes(3).toString('hex')}`;
    const password = `Pw-${randomBytes(6).toString('hex')}-X1`;
    await db.query(`INSERT INTO app_user (username, display_name, password_hash, roles, must_change_password, password_changed_at, created_at)
      VALUES ($1, '值班员周七', $2, $3, false, now(), now())`, [username, await hashPassword(password), ['security_operator']]);
    const res = await fetch(`${s.server.url}/api/auth/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Origin: s.server.url }, body: JSON.stringify({ username, password }),
    });
    expect(res.status).toBe(200);
    const host = new URL(s.server.url).hostname;
    cookies = res.headers.getSetCookie().map((c) => {
      const pair = c.split(';')[0]!;
      const i = pair.indexOf('=');
      return { name: pair.slice(0, i), value: decodeURIComponent(pair.slice(i + 1)), domain: host, path: '/' };
    });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    await context.addCookies(cookies);
    page = await context.newPage();
    problems = collectProblems(page);
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await dev?.endAsync();
    await s?.stop();
  });

  it('a round: the scanned checkpoint turns green, the one not scanned in time turns red and raises a missed-checkpoint alarm', async () => {
    await page.goto(`${s.server.url}/patrol?park=${s.park}`);
    await page.locator('[data-view="patrol"] [data-patrol="rounds"]').waitFor({ timeout: 120_000 });
    await startRoute();
    const round = page.locator('.patrol-round').filter({ has: page.locator(`[data-visit="${tag(1)}"]`) });
    await round.waitFor({ timeout: 60_000 });
    expect(await round.getAttribute('data-round-state')).toBe('open');
    await send('GUARD-PDA-01', 'patrol', { tag: tag(1) });
    const v1 = `.patrol-round [data-visit="${tag(1)}"][data-visit-state="visited"]`;
    await page.locator(v1).waitFor({ timeout: 30_000 });
    const green = await colourOf(v1, 'patrol-1-visited');
    expect(green[1]).toBeGreaterThan(green[0] + 30);
    // The second checkpoint is not scanned: 70 s + 5 s grace after the start it is missed.
    const v2 = `.patrol-round [data-visit="${tag(2)}"][data-visit-state="missed"]`;
    await page.locator(v2).waitFor({ timeout: 120_000 });
    const red = await colourOf(v2, 'patrol-2-missed');
    expect(red[0]).toBeGreaterThan(red[1] + 60);
    const text = await page.locator('[data-patrol="rounds"]').innerText();
    expect(text).toContain('测试巡更');
    expect(text).toContain('漏检');
    expect(text).toContain('已巡');
    expect(text).not.toMatch(/Missed|Visited|Test round/);
    const alarm = await s.testDb.db.query<{ kind: string; idx: number }>("SELECT kind, idx FROM alarm WHERE kind = 'patrol_missed' AND state <> 'cleared'");
    expect(alarm.rows).toEqual([{ kind: 'patrol_missed', idx: aps[1]!.idx }]);
    // The alarm console names it in Chinese from the alarm's rule.
    await page.goto(`${s.server.url}/alarms?park=${s.park}`);
    await page.locator('td').filter({ hasText: '巡更漏检' }).first().waitFor({ timeout: 60_000 });
    expect(await page.locator('body').innerText()).toContain(tag(2));
    await page.screenshot({ path: 'test-results/patrol-3-alarm-console.png' });
    expect(problems.errors).toEqual([]);
  }, 300_000);

  it('access control: a forced door is listed with its alarm; a pass issued for later is refused now; a watch-list hit is listed', async () => {
    await page.goto(`${s.server.url}/patrol?park=${s.park}`);
    await page.locator('[data-patrol="access"]').waitFor({ timeout: 60_000 });
    await send(aps[0]!.code, 'access', { event: 'forced_open' });
    const forced = page.locator('[data-patrol="access"] tr[data-event="forced_open"][data-outcome="alarm"]');
    await forced.waitFor({ timeout: 30_000 });
    expect(await forced.innerText()).toContain('强行开门');
    expect(await forced.innerText()).toContain('已告警');
    // Issue a pass valid from two to four hours from now.
    const [from, to] = await page.evaluate(() => {
      const local = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
      return [local(new Date(Date.now() + 2 * 3_600_000)), local(new Date(Date.now() + 4 * 3_600_000))];
    });
    const form = page.locator('form[data-form="pass"]');
    await form.locator('input[name="visitor"]').fill('测试访客');
    await form.locator('input[name="host"]').fill('智谷科技');
    await form.locator('input[name="from"]').fill(from);
    await form.locator('input[name="to"]').fill(to);
    await form.locator('button[data-action="patrol.issue"]').click();
    await form.locator('[data-pass-msg="ok"]').waitFor({ timeout: 20_000 });
    const code = (await s.testDb.db.query<{ code: string }>("SELECT code FROM visitor_pass WHERE visitor = '测试访客'")).rows[0]!.code;
    await page.locator(`[data-pass="${code}"][data-pass-status="not_yet"]`).waitFor({ timeout: 20_000 });
    await send(aps[1]!.code, 'access', { event: 'granted', pass: code });
    const refused = page.locator('[data-patrol="access"] tr[data-outcome="refused"]').filter({ hasText: code });
    await refused.waitFor({ timeout: 30_000 });
    const row = await refused.innerText();
    expect(row).toContain('不在通行证有效期内');
    expect(row).toContain('测试访客');
    await send(bio.code, 'watchlist', { entry: 'WL-001', score: 0.91 });
    await page.locator('[data-patrol="watch"] tr[data-hit]').first().waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-patrol="watch"]').innerText()).toContain('91%');
    const stats = await screenshotStats(page, 'patrol-4-access');
    expect(stats.distinct).toBeGreaterThan(30);
    const stored = await s.testDb.db.query<{ event: string; outcome: string }>('SELECT event, outcome FROM access_event ORDER BY at');
    expect(stored.rows).toEqual([{ event: 'forced_open', outcome: 'alarm' }, { event: 'granted', outcome: 'refused' }]);
    expect(problems.errors).toEqual([]);
  }, 300_000);

  it('the page in English and on a 390 px phone', async () => {
    await page.goto(`${s.server.url}/patrol?park=${s.park}&lang=en`);
    await page.locator('[data-patrol="rounds"] .patrol-round').first().waitFor({ timeout: 60_000 });
    const en = await page.locator('[data-view="patrol"]').innerText();
    expect(en).toContain('Patrol and access control');
    expect(en).toContain('Forced open');
    expect(en).toContain('Missed');
    expect(en).not.toMatch(/巡更与门禁|强行开门|漏检|已巡/);
    await screenshotStats(page, 'patrol-5-en');
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
    await phone.addCookies(cookies);
    const p = await phone.newPage();
    await p.goto(`${s.server.url}/patrol?park=${s.park}&lang=zh-CN`);
    await p.locator('[data-patrol="rounds"] .patrol-round').first().waitFor({ timeout: 150_000 });
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(392);
    const stats = await screenshotStats(p, 'patrol-6-phone');
    expect(stats.distinct).toBeGreaterThan(10);
    await phone.close();
    await page.goto(`${s.server.url}/patrol?park=${s.park}&lang=zh-CN`);
  }, 300_000);
});
