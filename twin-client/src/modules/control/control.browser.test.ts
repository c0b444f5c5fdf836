/**
 * Remote control in headless Chromium against the real server, PostgreSQL, mosquitto and the
 * simulator's command responder (issue 15, must-show 2), as a maintenance engineer:
 * - the room is too hot (its env sensor over the room limit: the room's equipment colour is the
 *   alarm colour); the engineer sends a setpoint from the fan coil's panel; the simulator applies
 *   it, the new readings come back over the stream and the room's texel and its pixels on screen
 *   change to the normal colour; the panel shows the setpoint and "done";
 * - a risky command (a lift recall) asks for a second confirmation; cancelled, nothing reaches the
 *   broker;
 * - a device that does not answer: the panel shows the timeout;
 * - the same section in English. Screenshots: test-results/control-*.png.
 */
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { encodeState, LAYER_IDS, STATUS } from '@park-twin/layers';
import { collectProblems, ensureClientBuilt, launchBrowser, pixelAt, screenshotStats } from '../../../../test/browser.ts';
import { lookDownAt, startSceneServer, twinEval, waitReady, type SceneServer } from '../../../../test/scene-harness.ts';
import { hashPassword } from '../../../../twin-server/src/auth/password.ts';
import { liveRuntimeOf } from '../../../../twin-server/src/modules/live.ts';
import { controlModule } from '../../../../twin-server/src/modules/control/index.ts';
import { startCommandResponder, type CommandResponder } from '../../../../twin-server/src/sim/commands.ts';
import { createLogger } from '../../../../twin-server/src/log.ts';

const MQTT = process.env.TWIN_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const dist = (a: number[], b: number[]) => Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);

describe.skipIf(inject('chromiumMissing') !== null || inject('pgMissing') !== null || inject('mqttMissing') !== null)('remote control in the browser', () => {
  let s: SceneServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: ReturnType<typeof collectProblems>;
  let responder: CommandResponder;
  let spy: MqttClient;
  const seen: Array<{ topic: string; body: Record<string, unknown> }> = [];
  let fcu: { idx: number; code: string; room: number; floor: number; building: number; env: string };
  let lift: { idx: number; code: string; floor: number; building: number };
  let deaf: { idx: number; code: string; floor: number; building: number };
  let seq = 0;

  beforeAll(async () => {
    ensureClientBuilt();
    s = await startSceneServer('postgres', { mqttUrl: MQTT, modules: [controlModule({ timeoutMs: 3000 })] });
    const db = s.testDb.db;
    // A top-floor room with a fan coil and an env sensor (visible from above).
    fcu = (await db.query<typeof fcu>(
      `SELECT f.idx, f.code, f.room_idx AS room, f.floor_idx AS floor, f.building_idx AS building, s.code AS env
       FROM equipment f JOIN park p ON p.idx = f.park_idx JOIN room r ON r.idx = f.room_idx JOIN floor fl ON fl.idx = f.floor_idx
       JOIN equipment s ON s.room_idx = f.room_idx AND s.type = 'env_sensor'
       WHERE p.code = $1 AND f.type = 'fan_coil' AND fl.level = (SELECT max(level) FROM floor x WHERE x.building_idx = f.building_idx)
       ORDER BY r.area DESC, f.idx LIMIT 1`, [s.park])).rows[0]!;
    lift = (await db.query<typeof lift>(`SELECT e.idx, e.code, e.floor_idx AS floor, e.building_idx AS building FROM equipment e JOIN park p ON p.idx = e.park_idx
      WHERE p.code = $1 AND e.type = 'elevator' ORDER BY e.idx LIMIT 1`, [s.park])).rows[0]!;
    deaf = (await db.query<typeof deaf>(`SELECT e.idx, e.code, e.floor_idx AS floor, e.building_idx AS building FROM equipment e JOIN park p ON p.idx = e.park_idx
      WHERE p.code = $1 AND e.type = 'fan_coil' AND e.room_idx <> $2 ORDER BY e.idx LIMIT 1`, [s.park, fcu.room])).rows[0]!;
    responder = await startCommandResponder({ db, log: createLogger('silent'), url: MQTT, deaf: (p, c) => p === s.park && c === deaf.code, delayMs: 100 });
    spy = await mqtt.connectAsync(MQTT, { clientId: `spy-${randomBytes(3).toString('hex')}`, log: () => {} });
    spy.on('message', (topic, payload) => seen.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown> }));
    await spy.subscribeAsync(`park/${s.park}/cmd/#`, { qos: 1 });

    const username = `tech-${randomBytes(3).toString('hex')}`;
    const password = `Pw-${randomBytes(6).toString('hex')}-X1`;
    await db.query(`INSERT INTO app_user (username, display_name, password_hash, roles, must_change_password, password_changed_at, created_at)
      VALUES ($1, '运维王五', $2, $3, false, now(), now())`, [username, await hashPassword(password), ['maintenance']]);
    const res = await fetch(`${s.server.url}/api/auth/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Origin: s.server.url }, body: JSON.stringify({ username, password }),
    });
    expect(res.status).toBe(200);
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
    const host = new URL(s.server.url).hostname;
    await context.addCookies(res.headers.getSetCookie().map((c) => {
      const pair = c.split(';')[0]!;
      const i = pair.indexOf('=');
      return { name: pair.slice(0, i), value: decodeURIComponent(pair.slice(i + 1)), domain: host, path: '/' };
    }));
    page = await context.newPage();
    problems = collectProblems(page);
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await spy?.endAsync();
    await responder?.close();
    await s?.stop();
  });

  it('a setpoint from the fan coil\'s panel: the simulator applies it, the stream brings the new state, the room\'s colour changes on screen', async () => {
    // The room is too hot: its env sensor reports 37 °C (over the 35 °C room limit).
    const live = liveRuntimeOf(s.server.sc)!;
    expect(live.ingest.handle({ park: s.park, layer: 'equipment', device: fcu.env }, { status: 'normal', temperature: 37, seq: ++seq, ts: Date.now() }, 'mqtt').ok).toBe(true);
    await live.writer.drain();
    await page.goto(`${s.server.url}/?park=${s.park}&b=${fcu.building}&f=${fcu.floor}&o=${fcu.idx}&layer=equipment`);
    await waitReady(page);
    const panel = page.locator(`.object-panel[data-idx="${fcu.idx}"]`);
    const section = panel.locator('[data-section="control.device"]');
    await section.locator('[data-command="setpoint"]').waitFor({ timeout: 60_000 });
    const at = await lookDownAt(page, fcu.room, fcu.building);
    expect(at).not.toBeNull();
    const alarmRgb = [...encodeState(LAYER_IDS.equipment, 1, STATUS.alarm)].slice(0, 3);
    const normalRgb = [...encodeState(LAYER_IDS.equipment, 0, STATUS.normal)].slice(0, 3);
    await expect.poll(() => twinEval(page, (t, idx: number) => t.texel(idx).slice(0, 3), fcu.room), { timeout: 20_000 }).toEqual(alarmRgb);
    const before = await pixelAt(page, await page.screenshot({ path: 'test-results/control-1-room-hot.png' }), at!.x, at!.y);

    expect(await section.innerText()).toContain('远程控制');
    await section.locator('input[data-input="setpoint"]').fill('21.5');
    await section.locator('button[data-action="control.setpoint"]').click();
    // The panel follows the command: sent, then done by the device, with the new setpoint reported.
    await section.locator('.control-latest[data-command-state="succeeded"]').waitFor({ timeout: 20_000 });
    await section.locator('.control-state [data-setpoint="21.5"]').waitFor({ timeout: 10_000 });
    const req = seen.find((m) => m.topic === `park/${s.park}/cmd/${fcu.code}/req`);
    expect(req?.body).toMatchObject({ action: 'setpoint', value: 21.5, id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    // The room's colour: the texel, then the pixels on screen.
    await expect.poll(() => twinEval(page, (t, idx: number) => t.texel(idx).slice(0, 3), fcu.room), { timeout: 20_000 }).toEqual(normalRgb);
    await page.waitForTimeout(500);
    const png = await page.screenshot({ path: 'test-results/control-2-room-cooled.png' });
    const after = await pixelAt(page, png, at!.x, at!.y);
    expect(dist(before, after)).toBeGreaterThan(40);
    expect(dist(after, normalRgb)).toBeLessThan(dist(after, alarmRgb));
    const text = await section.innerText();
    expect(text).toContain('设备已执行');
    expect(text).toContain('21.5');
    expect(text).not.toMatch(/Setpoint|Send|Running|Done|Remote control/);
    expect(problems.errors).toEqual([]);
  }, 300_000);

  it('a risky command asks for a second confirmation; cancelled, nothing reaches the broker', async () => {
    await page.goto(`${s.server.url}/?park=${s.park}&b=${lift.building}&f=${lift.floor}&o=${lift.idx}`);
    const section = page.locator(`.object-panel[data-idx="${lift.idx}"] [data-section="control.device"]`);
    await section.locator('button[data-action="control.recall"]').waitFor({ timeout: 120_000 });
    expect(await section.locator('button[data-action="control.recall"]').innerText()).toContain('高风险');
    const published = seen.length;
    await section.locator('button[data-action="control.recall"]').click();
    const dialog = section.locator('.control-confirm');
    await dialog.waitFor({ timeout: 10_000 });
    expect(await dialog.innerText()).toContain('二次确认');
    const id = await dialog.getAttribute('data-confirm');
    await screenshotStats(page, 'control-3-confirm-zh');
    await page.waitForTimeout(1000);
    expect(seen.filter((m) => m.body.id === id)).toEqual([]);
    await dialog.locator('button[data-action="control.cancel"]').click();
    await section.locator(`.control-latest[data-command-id="${id}"][data-command-state="cancelled"]`).waitFor({ timeout: 10_000 });
    expect(await section.locator('.control-latest').innerText()).toContain('已取消（未下发）');
    await page.waitForTimeout(500);
    expect(seen.length).toBe(published);
    const row = await s.testDb.db.query<{ state: string; sent_at: Date | null }>('SELECT state, sent_at FROM device_command WHERE id = $1', [id]);
    expect(row.rows[0]).toEqual({ state: 'cancelled', sent_at: null });
  }, 300_000);

  it('a device that does not answer: the panel shows the timeout; the section in English', async () => {
    await page.goto(`${s.server.url}/?park=${s.park}&b=${deaf.building}&f=${deaf.floor}&o=${deaf.idx}`);
    const section = page.locator(`.object-panel[data-idx="${deaf.idx}"] [data-section="control.device"]`);
    await section.locator('button[data-action="control.stop"]').waitFor({ timeout: 120_000 });
    await section.locator('button[data-action="control.stop"]').click();
    await section.locator('.control-latest[data-command-state="sent"]').waitFor({ timeout: 10_000 });
    await section.locator('.control-latest[data-command-state="timeout"]').waitFor({ timeout: 20_000 });
    expect(await section.locator('.control-latest').innerText()).toContain('设备未应答（超时）');
    await screenshotStats(page, 'control-4-timeout-zh');
    await page.goto(`${s.server.url}/?park=${s.park}&b=${fcu.building}&f=${fcu.floor}&o=${fcu.idx}&lang=en`);
    const en = page.locator(`.object-panel[data-idx="${fcu.idx}"] [data-section="control.device"]`);
    await en.locator('.control-latest[data-command-state="succeeded"]').waitFor({ timeout: 120_000 });
    const text = await en.innerText();
    expect(text).toContain('Done by the device');
    expect(text).toContain('Room setpoint');
    expect(text).not.toMatch(/设备已执行|室温设定|下发|远程控制/);
    await screenshotStats(page, 'control-5-en');
    await page.goto(`${s.server.url}/?park=${s.park}&lang=zh-CN`);
  }, 300_000);
});
