/**
 * Security linkage in headless Chromium against the real server, PostgreSQL, mosquitto and the
 * simulator's command responder (issue 15, must-show 3), as a security operator:
 * - a perimeter camera reports an intrusion over MQTT; the sample plan "perimeter intrusion" starts
 *   and the operator's page shows it step by step: fly to and cameras done (the cameras that see the
 *   spot listed), the lock step waiting for the operator; confirmed, the zone's access points are
 *   locked by remote command (each door's answer shown), then public address, displays and a
 *   security work order (its code shown);
 * - the command wall (`/linkage/board`, 3840x1080) shows the same steps changing as they run: the
 *   lock step's badge turns from the waiting orange to the done green on screen;
 * - a second intrusion: the operator cancels the lock step: no lock command reaches the broker and
 *   the run goes on without it;
 * - the page in English and on a 390 px phone. Screenshots: test-results/linkage-*.png.
 */
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { collectProblems, ensureClientBuilt, launchBrowser, pngStats, screenshotStats } from '../../../../test/browser.ts';
import { startSceneServer, type SceneServer } from '../../../../test/scene-harness.ts';
import { hashPassword } from '../../../../twin-server/src/auth/password.ts';
import { notificationsModule } from '../../../../twin-server/src/kit/notifications/module.ts';
import { alarmsModule } from '../../../../twin-server/src/modules/alarms/index.ts';
import { workordersModule } from '../../../../twin-server/src/modules/workorders/index.ts';
import { videoModule } from '../../../../twin-server/src/modules/video/index.ts';
import { controlModule } from '../../../../twin-server/src/modules/control/index.ts';
import { linkageModule } from '../../../../twin-server/src/modules/linkage/index.ts';
import { startCommandResponder, type CommandResponder } from '../../../../twin-server/src/sim/commands.ts';
import { createLogger } from '../../../../twin-server/src/log.ts';

const MQTT = process.env.TWIN_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

describe.skipIf(inject('chromiumMissing') !== null || inject('pgMissing') !== null || inject('mqttMissing') !== null)('security linkage in the browser', () => {
  let s: SceneServer;
  let browser: Browser;
  let context: BrowserContext;
  let wall: BrowserContext;
  let page: Page;
  let board: Page;
  let problems: ReturnType<typeof collectProblems>;
  let responder: CommandResponder;
  let spy: MqttClient;
  const seen: Array<{ topic: string; body: Record<string, unknown> }> = [];
  let cams: Array<{ idx: number; code: string }>;
  let gates: string[];
  let seq = 0;
  let cookies: Array<{ name: string; value: string; domain: string; path: string }>;

  /** A perimeter camera reports an intrusion over the broker (as the simulator does). */
  const intrusion = async (code: string) => {
    await spy.publishAsync(`park/${s.park}/security/${code}`, JSON.stringify({ event: 'intrusion', seq: ++seq, ts: Date.now() }), { qos: 1 });
  };

  beforeAll(async () => {
    ensureClientBuilt();
    s = await startSceneServer('postgres', {
      mqttUrl: MQTT,
      modules: [notificationsModule(), videoModule(), alarmsModule(), workordersModule(), controlModule({ timeoutMs: 5000 }), linkageModule()],
    });
    const db = s.testDb.db;
    cams = (await db.query<{ idx: number; code: string }>(`SELECT e.idx, e.code FROM camera c JOIN equipment e ON e.idx = c.idx JOIN park p ON p.idx = e.park_idx
      WHERE p.code = $1 AND c.coverage = 'perimeter' ORDER BY e.idx LIMIT 2`, [s.park])).rows;
    expect(cams).toHaveLength(2);
    gates = (await db.query<{ code: string }>(`SELECT e.code FROM access_point ap JOIN equipment e ON e.idx = ap.idx JOIN zone z ON z.idx = ap.zone_idx JOIN park p ON p.idx = e.park_idx
      WHERE p.code = $1 AND z.zone_type = 'perimeter' ORDER BY e.idx`, [s.park])).rows.map((r) => r.code);
    expect(gates.length).toBeGreaterThan(0);
    responder = await startCommandResponder({ db, log: createLogger('silent'), url: MQTT, delayMs: 100 });
    spy = await mqtt.connectAsync(MQTT, { clientId: `spy-${randomBytes(3).toString('hex')}`, log: () => {} });
    spy.on('message', (topic, payload) => seen.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown> }));
    await spy.subscribeAsync(`park/${s.park}/cmd/+/req`, { qos: 1 });

    const username = `sec-${randomBytes(3).toString('hex')}`;
    const password = `Pw-${randomBytes(6).toString('hex')}-X1`;
    await db.query(`INSERT INTO app_user (username, display_name, password_hash, roles, must_change_password, password_changed_at, created_at)
      VALUES ($1, '值班员赵六', $2, $3, false, now(), now())`, [username, await hashPassword(password), ['security_operator']]);
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
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    await context.addCookies(cookies);
    page = await context.newPage();
    problems = collectProblems(page);
    wall = await browser.newContext({ viewport: { width: 3840, height: 1080 }, deviceScaleFactor: 1 });
    await wall.addCookies(cookies);
    board = await wall.newPage();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await spy?.endAsync();
    await responder?.close();
    await s?.stop();
  });

  /** Mean colour of an element's box on a fresh screenshot. */
  const colourOf = async (p: Page, selector: string, name: string) => {
    const box = (await p.locator(selector).first().boundingBox())!;
    const png = await p.screenshot({ path: `test-results/${name}.png` });
    return (await pngStats(p, png, { x: Math.round(box.x), y: Math.round(box.y), width: Math.max(1, Math.round(box.width)), height: Math.max(1, Math.round(box.height)) })).mean;
  };

  it('an intrusion over MQTT runs the plan step by step on the operator\'s page and on the wall; the lock step runs as commands once confirmed', async () => {
    await page.goto(`${s.server.url}/linkage?park=${s.park}`);
    await page.locator('[data-view="linkage"]').waitFor({ timeout: 120_000 });
    await board.goto(`${s.server.url}/linkage/board?park=${s.park}`);
    await board.locator('[data-view="linkage-board"]').waitFor({ timeout: 120_000 });
    const lockedBefore = seen.filter((m) => m.body.action === 'lock').length;

    await intrusion(cams[0]!.code);
    const card = page.locator('.linkage-run[data-run-state="running"]').first();
    await card.waitFor({ timeout: 60_000 });
    const runId = await card.getAttribute('data-run');
    const run = page.locator(`.linkage-run[data-run="${runId}"]`);
    // Fly to and cameras ran by themselves; the lock step waits for the operator; nothing locked yet.
    await run.locator('[data-step="2"][data-step-state="awaiting_confirmation"]').waitFor({ timeout: 30_000 });
    expect(await run.locator('[data-step="0"]').getAttribute('data-step-state')).toBe('done');
    expect(await run.locator('[data-step="1"]').getAttribute('data-step-state')).toBe('done');
    await run.locator('[data-step="1"] .linkage-cameras li[data-camera]').first().waitFor({ timeout: 20_000 });
    expect(await run.locator('[data-step="1"] .linkage-cameras li').count()).toBeGreaterThan(0);
    for (const n of [3, 4, 5]) expect(await run.locator(`[data-step="${n}"]`).getAttribute('data-step-state')).toBe('pending');
    const text = await run.innerText();
    expect(text).toContain('周界入侵处置');
    expect(text).toContain('锁闭本区域门禁');
    expect(text).toContain('待确认');
    expect(text).not.toMatch(/Perimeter|Pending|Done|Awaiting|Lock the/);
    expect(seen.filter((m) => m.body.action === 'lock').length).toBe(lockedBefore);
    await page.screenshot({ path: 'test-results/linkage-1-waiting.png' });

    // The wall shows the same run with the waiting step (orange badge on screen).
    const wallStep = `.linkage-run[data-run="${runId}"] [data-step="2"]`;
    await board.locator(`${wallStep}[data-step-state="awaiting_confirmation"]`).waitFor({ timeout: 30_000 });
    const waitingRgb = await colourOf(board, `${wallStep} .step-badge`, 'linkage-2-wall-waiting');
    expect(waitingRgb[0]).toBeGreaterThan(waitingRgb[1] + 20);
    const wallStats = await screenshotStats(board, 'linkage-2-wall-full');
    expect(wallStats.distinct).toBeGreaterThan(20);

    // The operator confirms: the zone's access points are locked by command, each answered.
    await run.locator('[data-step="2"] button[data-action="linkage.confirm"]').click();
    await run.locator('[data-step="2"][data-step-state="done"]').waitFor({ timeout: 30_000 });
    const locked = seen.filter((m) => m.body.action === 'lock').slice(lockedBefore).map((m) => m.topic.split('/')[3]).sort();
    expect(locked).toEqual([...gates].sort());
    for (const g of gates) expect(responder.state(s.park, g)?.access).toBe('locked');
    const lockText = await run.locator('[data-step="2"]').innerText();
    expect(lockText).toContain(`${gates.length}/${gates.length} 台已执行`);
    for (const g of gates) expect(lockText).toContain(g);
    // Then PA, displays and the security work order: the run is done, the work order's code shown.
    await page.locator(`.linkage-run[data-run="${runId}"][data-run-state="done"]`).waitFor({ timeout: 60_000 });
    expect(await run.locator('[data-step]').evaluateAll((els) => els.map((e) => e.getAttribute('data-step-state')))).toEqual(['done', 'done', 'done', 'done', 'done', 'done']);
    const wo = await s.testDb.db.query<{ code: string; source_ref: string }>(`SELECT code, source_ref FROM wo_order WHERE source = 'linkage' AND source_ref = $1`, [`run:${runId}`]);
    expect(wo.rows).toHaveLength(1);
    expect(await run.locator('[data-step="5"] .step-wo').innerText()).toContain(wo.rows[0]!.code);
    expect(seen.some((m) => m.topic === `park/${s.park}/cmd/pa/req`)).toBe(true);
    expect(seen.some((m) => m.topic === `park/${s.park}/cmd/signage/req`)).toBe(true);
    await page.screenshot({ path: 'test-results/linkage-3-done.png' });

    // The wall followed: the lock step's badge is green now.
    await board.locator(`${wallStep}[data-step-state="done"]`).waitFor({ timeout: 30_000 });
    const doneRgb = await colourOf(board, `${wallStep} .step-badge`, 'linkage-4-wall-done');
    expect(doneRgb[1]).toBeGreaterThan(doneRgb[0] + 20);
    expect(await board.locator(`.linkage-run[data-run="${runId}"]`).innerText()).toContain('已完成');
    expect(problems.errors).toEqual([]);
  }, 300_000);

  it('cancelling the waiting lock step: no lock command reaches the broker, the run goes on without it', async () => {
    const lockedBefore = seen.filter((m) => m.body.action === 'lock').length;
    await intrusion(cams[1]!.code);
    const card = page.locator('.linkage-run[data-run-state="running"]').first();
    await card.waitFor({ timeout: 60_000 });
    const runId = await card.getAttribute('data-run');
    const run = page.locator(`.linkage-run[data-run="${runId}"]`);
    await run.locator('[data-step="2"][data-step-state="awaiting_confirmation"]').waitFor({ timeout: 30_000 });
    await run.locator('[data-step="2"] .step-actions button[data-action="linkage.cancelStep"]').click();
    await run.locator('[data-step="2"][data-step-state="cancelled"]').waitFor({ timeout: 20_000 });
    await page.locator(`.linkage-run[data-run="${runId}"][data-run-state="done"]`).waitFor({ timeout: 60_000 });
    expect(await run.locator('[data-step="3"]').getAttribute('data-step-state')).toBe('done');
    expect(await run.locator('[data-step="2"]').innerText()).toContain('已取消');
    await page.waitForTimeout(1000);
    expect(seen.filter((m) => m.body.action === 'lock').length).toBe(lockedBefore);
    const step = await s.testDb.db.query<{ state: string; commands: string[]; cancelled_by: string }>('SELECT state, commands, cancelled_by FROM linkage_step WHERE run_id = $1 AND n = 2', [Number(runId)]);
    expect(step.rows[0]).toMatchObject({ state: 'cancelled', commands: [], cancelled_by: expect.stringMatching(/^sec-/) });
    await board.locator(`.linkage-run[data-run="${runId}"] [data-step="2"][data-step-state="cancelled"]`).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: 'test-results/linkage-5-cancelled.png' });
  }, 300_000);

  it('the page in English and on a 390 px phone', async () => {
    await page.goto(`${s.server.url}/linkage?park=${s.park}&lang=en`);
    await page.locator('.linkage-run[data-run-state="done"]').first().waitFor({ timeout: 60_000 });
    const en = await page.locator('[data-view="linkage"]').innerText();
    expect(en).toContain('Perimeter intrusion response');
    expect(en).toContain('Done');
    expect(en).not.toMatch(/周界入侵处置|已完成|待执行/);
    await screenshotStats(page, 'linkage-6-en');
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
    await phone.addCookies(cookies);
    const p = await phone.newPage();
    await p.goto(`${s.server.url}/linkage?park=${s.park}&lang=zh-CN`);
    await p.locator('.linkage-run').first().waitFor({ timeout: 60_000 });
    const width = await p.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(392);
    const stats = await screenshotStats(p, 'linkage-7-phone');
    expect(stats.distinct).toBeGreaterThan(10);
    await phone.close();
    await page.goto(`${s.server.url}/linkage?park=${s.park}&lang=zh-CN`);
  }, 300_000);
});
