/**
 * The twin scene in headless Chromium (SwiftShader) against the real server, the real PostgreSQL
 * + PostGIS with the seeded sample park, real tiles from the tiler and live data through the real
 * mosquitto. Must-show 1-4 of issue 6.
 */
import mqtt from 'mqtt';
import WebSocket from 'ws';
import { FRAME, decodeFrame, frameRecord } from '@park-twin/layers';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { collectProblems, ensureClientBuilt, launchBrowser, pixelAt, screenshotStats } from '../../../test/browser.ts';
import { openTwin, startSceneServer, waitReady, watchTiles, type SceneServer } from '../../../test/scene-harness.ts';
import type { TwinTestHook } from './testHook.ts';
import { FLAG } from './featureState.ts';

const MQTT = process.env.TWIN_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

type Hooked = Window & { __twin: TwinTestHook };
const hook = <T>(page: Page, fn: (t: TwinTestHook, arg: never) => T, arg?: unknown): Promise<T> =>
  page.evaluate(({ src, arg }) => new Function('t', 'arg', `return (${src})(t, arg)`)((window as unknown as Hooked).__twin, arg), { src: fn.toString(), arg }) as Promise<T>;

const dist = (a: number[], b: number[]) => Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);

describe.skipIf(inject('chromiumMissing') !== null || inject('pgMissing') !== null || inject('mqttMissing') !== null)('twin scene in the browser', () => {
  let s: SceneServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: ReturnType<typeof collectProblems>;
  /** A top-floor room with an occupancy sensor, its floor and building. */
  let room: { idx: number; floor: number; building: number; device: string; name: string; level: number };
  let twoFloorBuilding: { idx: number; low: number; high: number };
  const cookie = () => s.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const api = async <T>(path: string): Promise<T> => (await (await fetch(s.server.url + path, { headers: { Cookie: cookie() } })).json()) as T;

  beforeAll(async () => {
    ensureClientBuilt();
    s = await startSceneServer('postgres', { mqttUrl: MQTT });
    const db = s.testDb.db;
    const r = await db.query<{ idx: number; floor: number; building: number; code: string; name: string; level: number }>(
      `SELECT r.idx, r.floor_idx AS floor, r.building_idx AS building, e.code, o.name, f.level
       FROM room r JOIN floor f ON f.idx = r.floor_idx JOIN twin_object o ON o.idx = r.idx
       JOIN equipment e ON e.room_idx = r.idx AND e.type = 'occupancy_sensor'
       WHERE r.capacity > 0 AND r.area > 30 AND f.level = (SELECT max(level) FROM floor f2 WHERE f2.building_idx = r.building_idx)
       ORDER BY r.area DESC, r.idx LIMIT 1`,
    );
    const row = r.rows[0];
    if (!row) throw new Error('seeded park has no top-floor room with an occupancy sensor');
    room = { idx: row.idx, floor: row.floor, building: row.building, device: row.code, name: row.name, level: row.level };
    const b = await db.query<{ idx: number; low: number; high: number }>(
      `SELECT b.idx, (SELECT idx FROM floor WHERE building_idx = b.idx AND level = 1) AS low,
              (SELECT idx FROM floor WHERE building_idx = b.idx ORDER BY level DESC LIMIT 1) AS high
       FROM building b WHERE b.floors_above >= 3 ORDER BY b.height DESC, b.idx LIMIT 1`,
    );
    twoFloorBuilding = b.rows[0]!;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('1. shows the park: not blank, buildings differ from the sky, no console errors, nothing external', async () => {
    ({ context, page } = await openTwin(browser, s, '', { width: 1280, height: 720 }));
    problems = collectProblems(page);
    await page.reload();
    await waitReady(page);
    const whole = await screenshotStats(page, 'scene-1-park');
    expect(whole.distinct).toBeGreaterThan(40);
    expect(whole.lumaStd).toBeGreaterThan(4);
    const roof = await hook(page, (t, b: number) => t.screenPositionOf(b, 'top'), twoFloorBuilding.idx);
    expect(roof).not.toBeNull();
    const png = await page.screenshot();
    const building = await pixelAt(page, png, roof!.x, roof!.y);
    const sky = await pixelAt(page, png, 640, 70); // top of the canvas: background above the horizon
    expect(dist(building, sky)).toBeGreaterThan(60);
    expect(problems.errors).toEqual([]);
    expect(problems.external).toEqual([]);
  }, 240_000);

  it('2. clicking a known room opens its panel with the data the API gives', async () => {
    await page.goto(`${s.server.url}/?park=${s.park}&b=${room.building}&f=${room.floor}`);
    await waitReady(page);
    expect(await hook(page, (t) => t.drill())).toEqual({ building: room.building, floor: room.floor, selected: 0 });
    // Frame the building; up close its interior (rooms) replaces the shell.
    await hook(page, (t, idx: number) => t.frameObject(idx, 1.2), room.building);
    await waitReady(page);
    await expect.poll(() => hook(page, (t, idx: number) => t.boundsOf(idx) !== null, room.idx), { timeout: 60_000 }).toBe(true);
    // Camera straight above the room (slightly south so orbit controls have a direction).
    await hook(page, (t, idx: number) => {
      const b = t.boundsOf(idx)!;
      const c = [(b[0]! + b[3]!) / 2, b[1]!, (b[2]! + b[5]!) / 2];
      t.setCamera([c[0]!, c[1]! + 45, c[2]! + 2], [c[0]!, c[1]!, c[2]!]);
    }, room.idx);
    await waitReady(page);
    // A spot on the room's floor that no ceiling device covers (sensors hang at its centre).
    const at = await hook(page, (t, idx: number) => t.gridOf(idx).find((p) => t.idxAt(p.x, p.y) === idx) ?? null, room.idx);
    expect(at).not.toBeNull();
    await page.mouse.click(at!.x, at!.y);
    await expect.poll(() => hook(page, (t) => t.drill().selected), { timeout: 30_000 }).toBe(room.idx);
    const panel = page.locator(`.object-panel[data-idx="${room.idx}"]`);
    await panel.locator('tr[data-attr="area"]').waitFor({ timeout: 30_000 });
    const details = await api<{ name: string; attributes: { code: string; area: number; lease_status: string } }>(`/api/twin/objects/${room.idx}`);
    expect(details.name).toBe(room.name);
    await expect.poll(() => panel.locator('.object-name').textContent()).toBe(details.name);
    expect(await panel.locator('tr[data-attr="code"] td').textContent()).toBe(details.attributes.code);
    expect(await panel.locator('tr[data-attr="area"] td').textContent()).toBe(String(details.attributes.area));
    expect(problems.errors).toEqual([]);
  }, 240_000);

  it('3. one MQTT message for the room recolours it on screen within 2 s without any tile request', async () => {
    await hook(page, (t) => t.setLayer('occupancy'));
    // Close the panel so it cannot cover the room, keep the camera.
    await page.locator('.object-panel button.icon').click();
    // SwiftShader composites every browser frame on the CPU: on this shared 2-core machine under
    // load a 1280x720 page gets a frame only every 0.5-3 s although drawing the scene takes ~1 ms
    // (measured below). A smaller page keeps the browser's frame cadence, not the twin, from
    // deciding the latency; the 2 s bound is unchanged.
    await page.setViewportSize({ width: 640, height: 360 });
    await waitReady(page);
    const at = (await hook(page, (t, idx: number) => t.gridOf(idx).find((p) => t.idxAt(p.x, p.y) === idx) ?? null, room.idx))!;
    expect(at).not.toBeNull();
    const before = await pixelAt(page, await page.screenshot({ path: 'test-results/scene-3-before.png' }), at.x, at.y);
    const tileRequests: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/tiles/')) tileRequests.push(r.url());
    });
    // In the page, every animation frame checks the room's state texel and, once it changed (the
    // pixel cannot change before), reads that pixel of the drawn canvas, noting the wall clock when
    // it shows the alarm colour: publish -> pixel, without the test's polling delay.
    await page.evaluate(({ x, y, base, idx }) => {
      const c = document.querySelector('canvas')!;
      const r = c.getBoundingClientRect();
      const sx = Math.floor(((x - r.left) * c.width) / r.width);
      const sy = Math.floor(((y - r.top) * c.height) / r.height);
      const g = document.createElement('canvas').getContext('2d', { willReadFrequently: true })!;
      const w = window as unknown as { __pixelAt?: { t: number; texel: number; rgb: number[] }; __twin: TwinTestHook };
      const seen = { t: 0, texel: 0, rgb: [] as number[] };
      w.__pixelAt = seen;
      const look = () => {
        if (!seen.texel) {
          if (w.__twin.texel(idx)[0] === 230) seen.texel = Date.now();
          else return requestAnimationFrame(look);
        }
        g.clearRect(0, 0, 1, 1);
        g.drawImage(c, sx, sy, 1, 1, 0, 0, 1, 1);
        const [pr, pg, pb] = g.getImageData(0, 0, 1, 1).data;
        if (Math.hypot(pr! - base[0]!, pg! - base[1]!, pb! - base[2]!) > 40 && pr! > pg! + 40) {
          seen.t = Date.now();
          seen.rgb = [pr!, pg!, pb!];
        } else requestAnimationFrame(look);
      };
      requestAnimationFrame(look);
    }, { x: at.x, y: at.y, base: before, idx: room.idx });
    // A second subscriber, in Node with the viewer's session: when the delta left the server.
    const probe = new WebSocket(s.server.url.replace(/^http/, 'ws') + '/ws', { headers: { Cookie: cookie(), Origin: s.server.url } });
    let tSocket = 0;
    probe.on('message', (data, binary) => {
      if (!binary || tSocket) return;
      const f = decodeFrame(new Uint8Array(data as Buffer));
      if (f.kind === FRAME.delta && Array.from({ length: f.count }, (_, i) => frameRecord(f, i)).some((r) => r.idx === room.idx)) tSocket = Date.now();
    });
    await new Promise<void>((resolve, reject) => { probe.once('open', () => resolve()); probe.once('error', reject); });
    probe.send(JSON.stringify({ type: 'hello', version: 1 }));
    probe.send(JSON.stringify({ type: 'subscribe', layers: ['occupancy'] }));
    const framesBefore = (await hook(page, (t) => t.stats())).frames;
    await page.waitForTimeout(1000);
    const idleFrames = (await hook(page, (t) => t.stats())).frames - framesBefore;
    const u = new URL(MQTT);
    const pub = await mqtt.connectAsync({ host: u.hostname, port: Number(u.port || 1883), clientId: `scene-test-${process.pid}`, clean: true });
    try {
      // Far over capacity: the occupancy layer paints alarms red. The clock starts as the message leaves.
      const t0 = Date.now();
      await pub.publishAsync(`park/${s.park}/occupancy/${room.device}`, JSON.stringify({ count: 5000, seq: 1 }), { qos: 1 });
      await page.waitForFunction(() => ((window as unknown as { __pixelAt: { t: number } }).__pixelAt.t > 0), undefined, { polling: 100, timeout: 30_000 });
      const seen = await page.evaluate(() => (window as unknown as { __pixelAt: { t: number; texel: number; rgb: number[] } }).__pixelAt);
      const elapsed = seen.t - t0;
      // The screenshot (what a person sees) must show the same colour.
      const after = await pixelAt(page, await page.screenshot({ path: 'test-results/scene-3-after.png' }), at.x, at.y);
      // What drawing one frame of this view costs (render + gl.finish) and how often the browser draws, for the log.
      const frameCost = await page.evaluate(() => (window as unknown as Hooked).__twin.measure(1500, 0));
      console.log(`[scene] room ${room.idx} pixel ${before} -> ${after} (canvas ${seen.rgb}), on screen ${elapsed} ms after the MQTT publish `
        + `(delta on a Node socket after ${tSocket - t0} ms, state texel after ${seen.texel - t0} ms; ${idleFrames} frames drawn in the idle second before; `
        + `drawing a frame of this view costs ${frameCost.meanMs.toFixed(1)} ms, the browser gave ${frameCost.frames} frames in 1.5 s of continuous rendering)`);
      expect(dist(after, before)).toBeGreaterThan(40);
      expect(after[0]).toBeGreaterThan(after[1] + 40); // red dominates: the alarm colour
      expect(elapsed).toBeGreaterThanOrEqual(0);
      expect(elapsed).toBeLessThanOrEqual(2000);
      expect((await hook(page, (t, idx: number) => t.texel(idx), room.idx)).slice(0, 3)).toEqual([230, 40, 40]);
      expect(tileRequests).toEqual([]);
    } finally {
      await pub.endAsync();
      probe.close();
      await page.setViewportSize({ width: 1280, height: 720 });
    }
  }, 240_000);

  it('4. picking a lower floor hides the floors above (texture flags and pixels); Escape restores', async () => {
    const b = twoFloorBuilding;
    await page.goto(`${s.server.url}/?park=${s.park}&b=${b.idx}`);
    await waitReady(page);
    await hook(page, (t, idx: number) => t.frameObject(idx, 1.6), b.idx);
    await waitReady(page);
    const cam = (await hook(page, (t) => t.camera()))!;
    const restoreCamera = async () => {
      await hook(page, (t, c: typeof cam) => t.setCamera(c.pos, c.target), cam);
      await waitReady(page);
    };
    const roof = (await hook(page, (t, idx: number) => t.screenPositionOf(idx, 'top'), b.idx))!;
    expect(roof).not.toBeNull();
    const whole = await pixelAt(page, await page.screenshot({ path: 'test-results/scene-4-building.png' }), roof.x, roof.y);

    // The floor list is the UI for it: click floor 1.
    await page.locator(`.floor-list button[data-floor="${b.low}"]`).click();
    await waitReady(page);
    expect(await hook(page, (t) => t.drill())).toEqual({ building: b.idx, floor: b.low, selected: 0 });
    const flags = (idx: number) => hook(page, (t, i: number) => t.texel(i)[3]!, idx);
    expect((await flags(b.high)) & FLAG.hidden).toBe(FLAG.hidden);
    expect((await flags(b.idx)) & FLAG.hidden).toBe(FLAG.hidden);
    expect((await flags(b.low)) & FLAG.hidden).toBe(0);
    // Same camera as before the cut: what was the roof is now empty space or the ground far below.
    await restoreCamera();
    const cut = await pixelAt(page, await page.screenshot({ path: 'test-results/scene-4-floor1.png' }), roof.x, roof.y);
    expect(dist(cut, whole)).toBeGreaterThan(40);

    await page.keyboard.press('Escape');
    await waitReady(page);
    expect(await hook(page, (t) => t.drill())).toEqual({ building: b.idx, floor: 0, selected: 0 });
    expect((await flags(b.high)) & FLAG.hidden).toBe(0);
    await restoreCamera();
    const restored = await pixelAt(page, await page.screenshot({ path: 'test-results/scene-4-restored.png' }), roof.x, roof.y);
    expect(dist(restored, whole)).toBeLessThan(25);
    expect(problems.errors).toEqual([]);
    await context.close();
  }, 240_000);
  it('5. a re-tile reaches the open twin over the stream and only the changed tiles are downloaded', async () => {
    const b = twoFloorBuilding.idx;
    ({ context, page } = await openTwin(browser, s));
    const problems5 = collectProblems(page);
    // From far enough that the building is drawn as a shell (up close its interior replaces it).
    const near = (await hook(page, (t, idx: number) => t.boundsOf(idx), b))!;
    await hook(page, (t, c: number[]) => t.setCamera([c[0]! + 450, 380, c[1]! + 450], [c[0]!, 0, c[1]!]), [(near[0]! + near[3]!) / 2, (near[2]! + near[5]!) / 2]);
    await waitReady(page);
    const loadedBefore = await hook(page, (t) => t.loadedContent());
    const boundsBefore = (await hook(page, (t, idx: number) => t.boundsOf(idx), b))!;
    const pngBefore = await page.screenshot({ path: 'test-results/scene-5-before.png' });

    // What reaches the server from now on (the network, not the browser cache) and what the tiler writes.
    const { served, changed, stop } = watchTiles(s);
    try {
      // The server's watcher notices the edit (NOTIFY), re-tiles and tells the stream.
      await s.testDb.db.query('UPDATE building SET height = height + 12 WHERE idx = $1', [b]);
      const ev = await changed;
      await expect.poll(() => hook(page, (t) => t.tileUpdates()), { timeout: 30_000 }).toMatchObject({ patched: 1 });
      await waitReady(page);
      const upd = await hook(page, (t) => t.tileUpdates());
      expect(upd).toMatchObject({ notices: 1, patched: 1, reloaded: 0, version: `/tiles/${s.park}/tileset.json?v=${ev.version}` });

      // Exactly the rewritten content files that were in view, each once, and the new tileset.json.
      const stem = (f: string) => f.replace(/-[0-9a-f]{20}\.glb$/, '');
      const inView = new Set(loadedBefore.map(stem));
      const expected = ev.written.filter((f) => f.endsWith('.glb') && inView.has(stem(f))).sort();
      const glbs = served.filter((f) => f.endsWith('.glb')).sort();
      console.log(`[scene] re-tile v${ev.version}: tiler wrote ${ev.written.join(', ')}; ${loadedBefore.length} tiles loaded before; served ${served.join(', ')}`);
      expect(expected.length).toBeGreaterThan(0);
      expect(glbs).toEqual(expected);
      expect(glbs.filter((f) => loadedBefore.includes(f))).toEqual([]); // no unchanged hash again
      expect(served.filter((f) => f.startsWith('tileset.json'))).toEqual([`tileset.json?v=${ev.version}`]);

      // The building is taller on screen: its drawn geometry's top rose by the 12 m, and where its
      // new roof is drawn the picture changed.
      const boundsAfter = (await hook(page, (t, idx: number) => t.boundsOf(idx), b))!;
      expect(boundsAfter[4]! - boundsBefore[4]!).toBeCloseTo(12, 0);
      expect(boundsAfter[1]).toBeCloseTo(boundsBefore[1]!, 1);
      const roof = (await hook(page, (t, idx: number) => t.screenPositionOf(idx, 'top'), b))!;
      const pngAfter = await page.screenshot({ path: 'test-results/scene-5-after.png' });
      const [was, now] = [await pixelAt(page, pngBefore, roof.x, roof.y), await pixelAt(page, pngAfter, roof.x, roof.y)];
      console.log(`[scene] building ${b} top ${boundsBefore[4]!.toFixed(1)} -> ${boundsAfter[4]!.toFixed(1)} m; pixel at its new roof ${was} -> ${now}`);
      expect(dist(now, was)).toBeGreaterThan(30);
      expect(problems5.errors).toEqual([]);
    } finally {
      stop();
      await context.close();
    }
  }, 240_000);
});
