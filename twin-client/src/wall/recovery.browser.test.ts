/**
 * The command wall recovers by itself (issue 7: "it recovers by itself from server restarts and
 * network cuts"). A paired wall device in kiosk mode, in headless Chromium against the real
 * server, PostgreSQL and mosquitto: (a) the browser loses the network for a while, (b) the server
 * is stopped and a new one started on the same port over the same database. Each time the live
 * indicator leaves "live" during the outage and comes back by itself, the KPI boards follow the
 * API again (a head count published over MQTT after the outage shows up on the wall), the twin is
 * drawn throughout (pixel checks), and the page throws nothing.
 */
import net from 'node:net';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { WallKpis } from '@park-twin/layers/wall.ts';
import { collectProblems, ensureClientBuilt, launchBrowser, screenshotStats } from '../../../test/browser.ts';
import { wallModule } from '../../../twin-server/src/modules/wall/index.ts';
import { randomToken, sha256 } from '../../../twin-server/src/auth/crypto.ts';
import { DEVICE_TOKEN_PREFIX } from '../../../twin-server/src/auth/service.ts';
import { startSceneServer, waitReady, type SceneServer } from '../../../test/scene-harness.ts';

const MQTT = process.env.TWIN_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const SIZE = { width: 1920, height: 1080 };

/**
 * A TCP relay to the server whose link can go silent, as a dead switch or a pulled cable far away
 * does: while cut, no byte passes either way and new connections are accepted but get no answer;
 * nothing is closed or refused, so the browser sees no error. Once healed, everything held goes
 * through in order (TCP retransmitting once the link is back).
 */
async function silentLink(port: number) {
  let cut = false;
  let held: Array<() => void> = [];
  const sockets = new Set<net.Socket>();
  const pass = (fn: () => void) => (cut ? held.push(fn) : fn());
  const server = net.createServer((c) => {
    const u = net.connect(port, '127.0.0.1');
    for (const [a, b] of [[c, u], [u, c]] as const) {
      sockets.add(a);
      a.on('data', (d) => pass(() => b.write(d)));
      a.on('end', () => pass(() => b.end()));
      a.on('close', () => sockets.delete(a));
      a.on('error', () => pass(() => b.destroy()));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: () => {
      cut = true;
    },
    heal: () => {
      cut = false;
      const h = held;
      held = [];
      for (const fn of h) fn();
    },
    close: () => {
      for (const x of sockets) x.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Console lines a browser prints for requests that failed while the server was unreachable (expected during an outage). */
const NETWORK_NOISE = /Failed to load resource|ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_NETWORK_CHANGED|WebSocket connection to .* failed/;

describe.skipIf(inject('chromiumMissing') !== null || inject('pgMissing') !== null || inject('mqttMissing') !== null)('command wall recovery', () => {
  let s: SceneServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: ReturnType<typeof collectProblems>;
  let pub: mqtt.MqttClient;
  let sensors: string[] = [];
  let seq = 0;
  const statuses: string[] = [];
  const cookie = () => s.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const kpis = async () => (await (await fetch(`${s.server.url}/api/wall/kpis?park=${s.park}`, { headers: { Cookie: cookie() } })).json()) as WallKpis;
  const status = () => page.locator('.live-indicator').getAttribute('data-status');
  const shownPeople = async () => Number(await page.locator('[data-kpi="people.onSite"]').getAttribute('data-value'));

  /** Publishes a head count for every sensor (each `n`) and returns the park total the API must reach. */
  const publishCounts = async (n: number) => {
    seq++;
    for (const code of sensors) await pub.publishAsync(`park/${s.park}/occupancy/${code}`, JSON.stringify({ count: n, seq }), { qos: 1 });
    return n * sensors.length;
  };

  /** The twin area is drawn (not blank, not a crash screen): pixel statistics of its region. */
  const twinDrawn = async (name: string) => {
    expect(await page.locator('.wall-twin canvas').count()).toBe(1);
    expect(await page.locator('[data-problem]').count()).toBe(0);
    const box = (await page.locator('.wall-twin').boundingBox())!;
    const st = await screenshotStats(page, name, { x: Math.round(box.x), y: Math.round(box.y), width: Math.round(box.width), height: Math.round(box.height) });
    expect(st.distinct).toBeGreaterThan(40);
    expect(st.lumaStd).toBeGreaterThan(4);
    return st;
  };

  /** After an outage: live again, KPIs fresh, and a new head count published now reaches the board. */
  const followsAgain = async (n: number) => {
    await expect.poll(status, { timeout: 90_000, interval: 250 }).toBe('live');
    await page.locator('[data-stale]').waitFor({ state: 'detached', timeout: 60_000 });
    const want = await publishCounts(n);
    await expect.poll(async () => (await kpis()).people.onSite, { timeout: 30_000 }).toBe(want);
    await expect.poll(shownPeople, { timeout: 30_000 }).toBe(want);
    expect(await page.locator('[data-kpi="people.onSite"]').textContent()).toContain(String(want));
  };

  const uncaught = () => problems.errors.filter((e) => !NETWORK_NOISE.test(e));

  /** Opens the wall at `url` as the page under test and records every status its indicator takes. */
  const openWall = async (url: string) => {
    page = await context.newPage();
    page.setDefaultTimeout(120_000);
    problems = collectProblems(page);
    await page.goto(url);
    await waitReady(page);
    // Every status the indicator takes, as the page sees it (a short outage could be missed by polling).
    await page.exposeFunction('__wallStatus', (v: string) => void statuses.push(v));
    await page.evaluate(() => {
      (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
      const el = document.querySelector('.live-indicator')!;
      new MutationObserver(() => void (window as unknown as { __wallStatus(v: string): void }).__wallStatus(el.getAttribute('data-status') ?? ''))
        .observe(el, { attributes: true, attributeFilter: ['data-status'] });
    });
  };

  beforeAll(async () => {
    ensureClientBuilt();
    s = await startSceneServer('postgres', { mqttUrl: MQTT, modules: [wallModule] });
    const db = s.testDb.db;
    sensors = (await db.query<{ code: string }>(
      `SELECT e.code FROM equipment e JOIN park p ON p.idx = e.park_idx WHERE p.code = $1 AND e.type = 'occupancy_sensor' ORDER BY e.idx LIMIT 3`, [s.park])).rows.map((r) => r.code);
    expect(sensors.length).toBe(3);
    const u = new URL(MQTT);
    pub = await mqtt.connectAsync({ host: u.hostname, port: Number(u.port || 1883), clientId: `wall-recovery-${process.pid}`, clean: true });
    // A paired wall device, as walls run (soak.ts does the same).
    const token = `${DEVICE_TOKEN_PREFIX}${randomToken(32)}`;
    await db.query(`INSERT INTO auth_device (name, kind, token_hash, created_at, created_by) VALUES ('recovery wall', 'wall', $1, now(), 'test')`, [sha256(token)]);
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: SIZE, deviceScaleFactor: 1 });
    await openWall(`${s.server.url}/wall?park=${s.park}&kiosk=1&tour=0&refresh=5&lang=en#device=${token}`);
  }, 240_000);
  afterAll(async () => {
    await pub?.endAsync();
    await context?.close();
    await browser?.close();
    await s?.stop();
  });

  it('opens as a paired wall device, live, with the boards following the API', async () => {
    expect(await status()).toBe('live');
    await page.locator('[data-kpi="people.onSite"]').waitFor({ timeout: 60_000 });
    await followsAgain(4);
    await twinDrawn('wall-recovery-1-start');
    expect(uncaught()).toEqual([]);
  }, 300_000);

  it('recovers by itself from a network cut', async () => {
    statuses.length = 0;
    const before = await shownPeople();
    await context.setOffline(true);
    try {
      // The wall notices: the indicator leaves "live", the boards say they are stale and keep their numbers.
      await expect.poll(status, { timeout: 60_000, interval: 250 }).not.toBe('live');
      await page.locator('[data-stale]').waitFor({ timeout: 60_000 });
      expect(await shownPeople()).toBe(before);
      // Data changes while the wall is cut off.
      await publishCounts(6);
      await page.waitForTimeout(5_000);
      await twinDrawn('wall-recovery-2-offline');
    } finally {
      await context.setOffline(false);
    }
    await followsAgain(7);
    expect(statuses.some((v) => v !== 'live')).toBe(true);
    expect(statuses.at(-1)).toBe('live');
    await twinDrawn('wall-recovery-3-after-cut');
    console.log(`[wall recovery] network cut: indicator ${statuses.join(' -> ')}`);
    expect(uncaught()).toEqual([]);
  }, 300_000);

  it('recovers by itself from a server restart on the same port', async () => {
    statuses.length = 0;
    const before = await shownPeople();
    const url = s.server.url;
    // Nothing listens for 8 s (longer than one KPI period), then a new server starts.
    const restarted = s.restart(8_000);
    await expect.poll(status, { timeout: 30_000, interval: 250 }).not.toBe('live');
    await page.locator('[data-stale]').waitFor({ timeout: 30_000 });
    expect(await shownPeople()).toBe(before);
    await twinDrawn('wall-recovery-4-server-down');
    await restarted;
    expect(s.server.url).toBe(url);
    await followsAgain(9);
    expect(statuses.some((v) => v !== 'live')).toBe(true);
    expect(statuses.at(-1)).toBe('live');
    await twinDrawn('wall-recovery-5-after-restart');
    console.log(`[wall recovery] server restart: indicator ${statuses.join(' -> ')}`);
    // The wall did not reload itself: the same document carried on.
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    expect(uncaught()).toEqual([]);
    const noise = problems.errors.length;
    console.log(`[wall recovery] ${noise} console lines about failed requests during the outages (expected), 0 others`);
  }, 300_000);

  it('recovers by itself from a silent cut (nothing closed, nothing refused, nothing answered)', async () => {
    // The wall, paired already (the session cookie is the browser's), now reaches the server through a link that can go dead.
    const link = await silentLink(Number(new URL(s.server.url).port));
    try {
      await page.close();
      await openWall(`http://127.0.0.1:${link.port}/wall?park=${s.park}&kiosk=1&tour=0&refresh=5&lang=en`);
      await followsAgain(10);
      statuses.length = 0;
      const before = await shownPeople();
      link.cut();
      // Nothing tells the browser: the wall finds out itself (unanswered ping, KPI request timing out).
      await expect.poll(status, { timeout: 60_000, interval: 250 }).not.toBe('live');
      await page.locator('[data-stale]').waitFor({ timeout: 60_000 });
      expect(await shownPeople()).toBe(before);
      await publishCounts(11);
      await twinDrawn('wall-recovery-6-silent-cut');
      link.heal();
      await followsAgain(12);
      expect(statuses.some((v) => v !== 'live')).toBe(true);
      expect(statuses.at(-1)).toBe('live');
      await twinDrawn('wall-recovery-7-after-silent-cut');
      console.log(`[wall recovery] silent cut: indicator ${statuses.join(' -> ')}`);
      expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
      expect(uncaught()).toEqual([]);
    } finally {
      link.heal();
      await page.close();
      await link.close();
    }
  }, 300_000);
});
