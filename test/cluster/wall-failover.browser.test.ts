/**
 * Issue 21, hot standby as a wall sees it: a paired command wall (headless Chromium, kiosk mode)
 * opened through HAProxy in front of two twin servers on one PostgreSQL and mosquitto. The node
 * holding the wall's socket goes away; the wall's indicator shows "Reconnecting" (never "Offline"
 * or an error screen), comes back "Live" on the other node, and a head count published afterwards
 * reaches its boards. In-process servers: the node is closed, not killed (the kill -9 case is
 * test/cluster/failover.test.ts, with the same client code).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { collectProblems, ensureClientBuilt, launchBrowser } from '../browser.ts';
import { startSceneServer, waitReady, type SceneServer } from '../scene-harness.ts';
import { startTestServer, type TestServer } from '../../twin-server/src/testing/server.ts';
import { healthModule } from '../../twin-server/src/modules/health.ts';
import { authModule } from '../../twin-server/src/auth/module.ts';
import { tilesModule } from '../../twin-server/src/modules/tiles.ts';
import { createLiveModule, liveRuntimeOf } from '../../twin-server/src/modules/live.ts';
import { twinModule } from '../../twin-server/src/modules/twin/index.ts';
import { wallModule } from '../../twin-server/src/modules/wall/index.ts';
import { randomToken, sha256 } from '../../twin-server/src/auth/crypto.ts';
import { DEVICE_TOKEN_PREFIX } from '../../twin-server/src/auth/service.ts';
import { renderHaproxyConfig } from '../../deploy/haproxy/render.ts';
import { freePort } from './harness.ts';

const MQTT = process.env.TWIN_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

describe.skipIf(inject('chromiumMissing') !== null || inject('pgMissing') !== null || inject('mqttMissing') !== null)('command wall behind HAProxy, one node goes away', () => {
  let a: SceneServer;
  let b: TestServer;
  let haproxy: ChildProcess;
  let browser: Browser;
  let page: Page;
  let front = 0;
  let pub: mqtt.MqttClient;
  let sensors: string[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-wall-ha-'));
  const statuses: string[] = [];

  beforeAll(async () => {
    ensureClientBuilt();
    a = await startSceneServer('postgres', { mqttUrl: MQTT, modules: [wallModule] });
    // Node B: the same modules on the same database, broker and tileset folder.
    b = await startTestServer('postgres', {
      testDb: a.testDb,
      env: { MQTT_URL: MQTT, TWIN_TILESET_DIR: a.server.sc.config.tilesetDir },
      modules: [healthModule, authModule({ dataKey: randomBytes(32), sweepIntervalMs: null, print: () => {}, settings: { rateApiPerMinute: 1_000_000 } }),
        tilesModule({ pollMs: 60_000 }), createLiveModule(), twinModule, wallModule],
    });
    front = await freePort();
    const cfg = path.join(dir, 'haproxy.cfg');
    fs.writeFileSync(cfg, renderHaproxyConfig({
      nodes: [{ name: 'a', host: '127.0.0.1', port: a.server.port }, { name: 'b', host: '127.0.0.1', port: b.port }],
      bind: [`127.0.0.1:${front}`], interMs: 500, maxconn: 2000,
    }));
    haproxy = spawn('/usr/sbin/haproxy', ['-db', '-f', cfg], { stdio: 'ignore' });
    for (let i = 0; ; i++) {
      if ((await fetch(`http://127.0.0.1:${front}/api/health?ready=1`).catch(() => null))?.status === 200) break;
      if (i > 300) throw new Error('HAProxy does not route to a ready node');
      await new Promise((r) => setTimeout(r, 100));
    }

    const db = a.testDb.db;
    sensors = (await db.query<{ code: string }>(
      `SELECT e.code FROM equipment e JOIN park p ON p.idx = e.park_idx WHERE p.code = $1 AND e.type = 'occupancy_sensor' ORDER BY e.idx LIMIT 3`, [a.park])).rows.map((r) => r.code);
    const u = new URL(MQTT);
    pub = await mqtt.connectAsync({ host: u.hostname, port: Number(u.port || 1883), clientId: `wall-ha-${process.pid}`, clean: true });
    const token = `${DEVICE_TOKEN_PREFIX}${randomToken(32)}`;
    await db.query(`INSERT INTO auth_device (name, kind, token_hash, created_at, created_by) VALUES ('ha wall', 'wall', $1, now(), 'test')`, [sha256(token)]);
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
    page = await context.newPage();
    page.setDefaultTimeout(120_000);
    await page.goto(`http://127.0.0.1:${front}/wall?park=${a.park}&kiosk=1&tour=0&refresh=5&lang=en#device=${token}`);
    await waitReady(page);
    await page.exposeFunction('__wallStatus', (v: string) => void statuses.push(v));
    await page.evaluate(() => {
      const el = document.querySelector('.live-indicator')!;
      new MutationObserver(() => void (window as unknown as { __wallStatus(v: string): void }).__wallStatus(el.getAttribute('data-status') ?? ''))
        .observe(el, { attributes: true, attributeFilter: ['data-status'] });
    });
  }, 300_000);
  afterAll(async () => {
    await pub?.endAsync();
    await browser?.close();
    haproxy?.kill('SIGTERM');
    // A closed node's stop() closes it again (a no-op) and removes its folders.
    await b?.stop().catch(() => {});
    await a?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows Reconnecting, then Live on the other node, and follows new data', async () => {
    const problems = collectProblems(page);
    const status = () => page.locator('.live-indicator').getAttribute('data-status');
    await expect.poll(status, { timeout: 60_000 }).toBe('live');
    const subs = (s: TestServer) => liveRuntimeOf(s.sc)?.hub.stats.subscribers ?? 0;
    const onA = subs(a.server) > 0;
    expect(onA || subs(b) > 0).toBe(true);
    const people = async () => Number(await page.locator('[data-kpi="people.onSite"]').getAttribute('data-value'));
    const before = await people();
    statuses.length = 0;
    const t0 = Date.now();
    if (onA) await a.server.close();
    else await b.close();
    await expect.poll(status, { timeout: 30_000, interval: 100 }).toBe('live');
    const back = Date.now() - t0;
    // The survivor's stream reaches the boards: a head count published now is shown.
    let seq = 1000;
    const n = 500;
    for (const code of sensors) await pub.publishAsync(`park/${a.park}/occupancy/${code}`, JSON.stringify({ count: n, seq: ++seq }), { qos: 1 });
    await expect.poll(people, { timeout: 60_000 }).toBeGreaterThan(before + 1000);
    console.log(`[wall failover] node ${onA ? 'a' : 'b'} closed: indicator ${statuses.join(' -> ')}, live again after ${(back / 1000).toFixed(2)} s`);
    expect(statuses).toContain('reconnecting');
    expect(statuses).not.toContain('offline');
    expect(statuses.at(-1)).toBe('live');
    expect(await page.locator('[data-problem]').count()).toBe(0);
    expect(await page.locator('.live-indicator').textContent()).toContain('Live');
    expect(problems.errors.filter((e) => !/Failed to load resource|WebSocket connection to .* failed|ERR_CONNECTION/.test(e))).toEqual([]);
  }, 300_000);
});
