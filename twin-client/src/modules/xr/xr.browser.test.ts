/**
 * Issue 17, must-show 1 and 2: the twin in an emulated headset (iwer's Meta Quest 3, injected
 * into the page by the test only) in headless Chromium over the real server, PostgreSQL+PostGIS
 * and tiles. VR: the park drawn into the XR framebuffer, finer tiles as the headset walks up to a
 * building, a controller select on a room opening its panel with the API's values. AR: a
 * hit-test on the floor places the park from a surveyed marker; the pipes lie below the floor at
 * the depths PostGIS holds.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { collectProblems, ensureClientBuilt, launchBrowser } from '../../../../test/browser.ts';
import { startSceneServer, twinEval, type SceneServer } from '../../../../test/scene-harness.ts';
import { labelsModule } from '../../../../twin-server/src/modules/labels/index.ts';
import { installFloorEnvironment, lookQuat, openXrPage, pullTrigger, setController, setHeadset, xrEval, yawTowards } from '../../../../test/xr-harness.ts';

const MQTT = process.env.TWIN_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

describe.skipIf(inject('chromiumMissing') !== null || inject('pgMissing') !== null || inject('mqttMissing') !== null)('the twin in an emulated XR headset', () => {
  let s: SceneServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: ReturnType<typeof collectProblems>;
  let room: { idx: number; building: number };
  const api = async <T>(path: string): Promise<T> =>
    (await (await fetch(s.server.url + path, { headers: { Cookie: s.cookies.map((c) => `${c.name}=${c.value}`).join('; ') } })).json()) as T;
  const tilesSettled = () => page.waitForFunction(() => {
    const t = (window as unknown as { __twin?: { ready(): boolean } }).__twin;
    return Boolean(t?.ready());
  }, undefined, { timeout: 120_000, polling: 250 });

  beforeAll(async () => {
    ensureClientBuilt();
    s = await startSceneServer('postgres', { mqttUrl: MQTT, modules: [labelsModule] });
    const r = await s.testDb.db.query<{ idx: number; building: number }>(
      `SELECT r.idx, r.building_idx AS building FROM room r JOIN floor f ON f.idx = r.floor_idx
       WHERE r.area > 30 AND f.level = 1 ORDER BY r.area DESC, r.idx LIMIT 1`);
    room = r.rows[0]!;
    browser = await launchBrowser();
    ({ context, page } = await openXrPage(browser, s, '/xr'));
    problems = collectProblems(page);
    await tilesSettled();
  }, 300_000);
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await s?.stop();
  });

  it('1. VR: the park in the XR framebuffer, finer tiles near a building, a room picked by the controller opens its panel', async () => {
    // Far from the building (400 m out, 120 m up) looking at it: its interior is not loaded.
    const bb = (await twinEval(page, (t, b: number) => t.boundsOf(b), room.building))!;
    const centre = [(bb[0]! + bb[3]!) / 2, bb[1]!, (bb[2]! + bb[5]!) / 2];
    const far = [centre[0]! + 400, 120, centre[2]! + 400];
    await setHeadset(page, far, lookQuat(yawTowards(far, centre), -0.28));
    expect(await xrEval(page, (x) => x.enter('immersive-vr'))).toBeNull();
    expect(await xrEval(page, (x) => x.state().mode)).toBe('immersive-vr');
    await tilesSettled();
    // The tiles renderer computes its screen-space error for the XR camera at the per-eye size.
    const cams = await xrEval(page, (x) => x.tilesCameras());
    expect(cams.xr).toBe(true);
    const res = await xrEval(page, (x) => x.state().resolution);
    expect(res[0]).toBeGreaterThan(100);
    expect(cams.resolution).toEqual(res);
    const px = await xrEval(page, (x) => x.xrPixels());
    expect(px.width).toBeGreaterThan(100);
    expect(px.distinct).toBeGreaterThan(20);
    expect(px.lumaStd).toBeGreaterThan(3);
    expect(px.nonBackground).toBeGreaterThan(0.02);
    await page.screenshot({ path: 'test-results/xr-1-vr-far.png' });
    const farContent = new Set(await twinEval(page, (t) => t.loadedContent()));
    expect(await twinEval(page, (t, i: number) => t.boundsOf(i), room.idx)).toBeNull();

    // Walk up to the building (inside it, on its ground floor): its interior tiles load.
    const near = [centre[0]!, bb[1]! + 1.6, centre[2]!];
    await setHeadset(page, near, lookQuat(0, -0.2));
    await expect.poll(() => twinEval(page, (t, i: number) => t.boundsOf(i) !== null, room.idx), { timeout: 120_000, interval: 500 }).toBe(true);
    await tilesSettled();
    const nearContent = await twinEval(page, (t) => t.loadedContent());
    expect(nearContent.filter((c) => !farContent.has(c)).length).toBeGreaterThan(0);
    await page.screenshot({ path: 'test-results/xr-1-vr-near.png' });

    // The controller 1.2 m above a spot of the room's floor, pointing down; trigger = select.
    const rb = (await twinEval(page, (t, i: number) => t.boundsOf(i), room.idx))!;
    let picked = 0;
    for (const [fx, fz] of [[0.3, 0.3], [0.7, 0.3], [0.3, 0.7], [0.7, 0.7], [0.5, 0.2]] as const) {
      const spot = [rb[0]! + (rb[3]! - rb[0]!) * fx, rb[1]! + 1.2, rb[2]! + (rb[5]! - rb[2]!) * fz];
      await setHeadset(page, [spot[0]!, spot[1]! + 0.4, spot[2]! + 0.5], lookQuat(0, -0.6));
      await setController(page, spot, [-Math.SQRT1_2, 0, 0, Math.SQRT1_2]);
      await page.waitForTimeout(300);
      await pullTrigger(page);
      await expect.poll(() => xrEval(page, (x) => x.state().selected), { timeout: 10_000 }).toBeGreaterThan(0);
      picked = await xrEval(page, (x) => x.state().selected);
      if (picked === room.idx) break;
    }
    expect(picked).toBe(room.idx);
    // The in-world panel and the page's panel show what the API says about the room.
    const details = await api<{ name: string; attributes: Record<string, unknown> }>(`/api/twin/objects/${room.idx}`);
    await expect.poll(() => xrEval(page, (x) => x.panel()?.idx ?? 0), { timeout: 30_000 }).toBe(room.idx);
    const panel = (await xrEval(page, (x) => x.panel()))!;
    expect(panel.title).toBe(details.name);
    const rows = new Map(panel.rows);
    for (const k of ['code', 'area']) expect(rows.get(k)).toBe(String(details.attributes[k]));
    const dom = page.locator(`.object-panel[data-idx="${room.idx}"]`);
    await dom.locator('tr[data-attr="area"]').waitFor({ timeout: 30_000 });
    expect(await dom.locator('tr[data-attr="area"] td').textContent()).toBe(String(details.attributes.area));
    const px2 = await xrEval(page, (x) => x.xrPixels());
    expect(px2.distinct).toBeGreaterThan(20);
    await page.screenshot({ path: 'test-results/xr-1-vr-panel.png' });
    await xrEval(page, (x) => x.exit());
    await expect.poll(() => xrEval(page, (x) => x.state().presenting)).toBe(false);
    expect(problems.errors).toEqual([]);
    expect(problems.external).toEqual([]);
  }, 600_000);

  it('2. AR: placed from a marker by hit-test; the pipes lie below the floor at their PostGIS depths', async () => {
    await xrEval(page, (x) => x.exit());
    await expect.poll(() => xrEval(page, (x) => x.state().presenting)).toBe(false);
    await installFloorEnvironment(page);
    // The marker: a label on the ground at the start node of a water pipe, its arrow at 40 degrees.
    const seg = (await s.testDb.db.query<{ idx: number; node: number; zmin: number; zmax: number; depth: number; dia: number }>(
      `SELECT s.idx, s.from_node AS node, ST_ZMin(s.geom) AS zmin, ST_ZMax(s.geom) AS zmax, s.depth, s.diameter_mm AS dia
       FROM pipe_segment s WHERE s.network = 'water' ORDER BY ST_Length(s.geom::geography) DESC, s.idx LIMIT 1`)).rows[0]!;
    // The headset 1.5 m up, 2 m from the marker spot, looking at the floor ahead.
    const yaw = -0.9;
    await setHeadset(page, [0.4, 1.5, 0.3], lookQuat(yaw, -0.6));
    expect(await xrEval(page, (x) => x.enter('immersive-ar'))).toBeNull();
    expect(await xrEval(page, (x) => x.state().mode)).toBe('immersive-ar');
    // The networks load in AR; the marker's surveyed point is the node's position in the park frame.
    await expect.poll(() => twinEval(page, (t, i: number) => t.boundsOf(i) !== null, seg.node), { timeout: 120_000, interval: 500 }).toBe(true);
    const nb = (await twinEval(page, (t, i: number) => t.boundsOf(i), seg.node))!;
    const survey: [number, number, number] = [(nb[0]! + nb[3]!) / 2, 0, (nb[2]! + nb[5]!) / 2];
    await page.evaluate(({ survey }) => (window as unknown as { __xr: { setMarker(p: number[], y: number): void } }).__xr.setMarker(survey, 0.7), { survey });
    await expect.poll(() => xrEval(page, (x) => x.state().lastHit), { timeout: 30_000 }).not.toBeNull();
    const hit = (await xrEval(page, (x) => x.state().lastHit))!;
    expect(hit[1]).toBeCloseTo(0, 5); // on the floor plane
    // Tap: the controller's select places the park (the reticle marks the marker's spot).
    await setController(page, [0.5, 1.2, 0.1], lookQuat(yaw, -0.8));
    await pullTrigger(page);
    await expect.poll(() => xrEval(page, (x) => x.state().placed), { timeout: 10_000 }).toBe(true);
    // The marker's park point is where the hit was, in the room.
    const o = await xrEval(page, (x) => x.origin());
    const inv = await page.evaluate(({ o, p }) => {
      // column-major 4x4 inverse of a rigid transform applied to p
      const R = [[o[0]!, o[4]!, o[8]!], [o[1]!, o[5]!, o[9]!], [o[2]!, o[6]!, o[10]!]];
      const t = [o[12]!, o[13]!, o[14]!];
      const d = [p[0]! - t[0]!, p[1]! - t[1]!, p[2]! - t[2]!];
      return [0, 1, 2].map((i) => R[0]![i]! * d[0]! + R[1]![i]! * d[1]! + R[2]![i]! * d[2]!);
    }, { o, p: survey });
    expect(Math.hypot(inv[0]! - hit[0]!, inv[1]! - hit[1]!, inv[2]! - hit[2]!)).toBeLessThan(0.01);
    await tilesSettled();
    // The pipe, read back from the scene in the room's frame: below the floor, its centreline at
    // the PostGIS elevation and its crown at the recorded cover depth.
    await expect.poll(() => xrEval(page, (x, i: number) => x.referenceBoundsOf(i) !== null, seg.idx), { timeout: 60_000 }).toBe(true);
    const rb = (await xrEval(page, (x, i: number) => x.referenceBoundsOf(i), seg.idx))!;
    const r = seg.dia / 2000;
    expect(rb[4]!).toBeLessThan(0);
    expect(rb[1]!).toBeCloseTo(seg.zmin - r, 1);
    expect(rb[4]!).toBeCloseTo(seg.zmax + r, 1);
    expect(-rb[4]!).toBeCloseTo(seg.depth, 0);
    const px = await xrEval(page, (x) => x.xrPixels());
    expect(px.distinct).toBeGreaterThan(5);
    await page.screenshot({ path: 'test-results/xr-2-ar-placed.png' });
    await xrEval(page, (x) => x.exit());
    expect(problems.errors).toEqual([]);
  }, 600_000);
});
