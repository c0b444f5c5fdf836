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
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { labelsModule } from '../../../../twin-server/src/modules/labels/index.ts';
import { notificationsModule } from '../../../../twin-server/src/kit/notifications/module.ts';
import { workordersModule } from '../../../../twin-server/src/modules/workorders/index.ts';
import { fire, insertCrew, lonLatOf, newOrder } from '../../../../twin-server/src/modules/workorders/testing.ts';
import { hashPassword } from '../../../../twin-server/src/auth/password.ts';
import { HttpClient } from '../../../../twin-server/src/auth/testing.ts';
import { installFloorEnvironment, lookQuat, openXrPage, pullTrigger, setCompass, setController, setHeadset, xrEval, yawTowards } from '../../../../test/xr-harness.ts';

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
    s = await startSceneServer('postgres', { mqttUrl: MQTT, modules: [labelsModule, notificationsModule(), workordersModule()] });
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
  /** A user with `roles`, logged in through the API (client and session cookies). */
  const user = async (roles: string[], name: string) => {
    const username = `u-${randomBytes(3).toString('hex')}`;
    const password = `Pw-${randomBytes(6).toString('hex')}-X1`;
    const r = await s.testDb.db.query<{ id: string }>(
      `INSERT INTO app_user (username, display_name, password_hash, roles, must_change_password, password_changed_at, created_at)
       VALUES ($1, $2, $3, $4, false, now(), now()) RETURNING id`, [username, name, await hashPassword(password), roles]);
    const client = new HttpClient(s.server.url, { origin: s.server.url });
    const res = await fetch(`${s.server.url}/api/auth/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Origin: s.server.url }, body: JSON.stringify({ username, password }),
    });
    expect(res.status).toBe(200);
    const cookies = res.headers.getSetCookie().map((c) => {
      const pair = c.split(';')[0]!;
      const eq = pair.indexOf('=');
      return { name: pair.slice(0, eq), value: decodeURIComponent(pair.slice(eq + 1)) };
    });
    expect((await client.req('POST', '/api/auth/login', { username, password })).status).toBe(200);
    return { id: r.rows[0]!.id, name, client, cookies };
  };

  it('3. guided repair on site: placed by GPS and compass, the order\'s step beside its equipment, ticked with the controller, done in the API; dig window; the phone card', async () => {
    await xrEval(page, (x) => x.exit());
    const db = s.testDb.db;
    // A unit with a knowledge-base procedure, on the lowest floor above ground (GPS puts the user's
    // floor at ground level); its order dispatched to a crew member's crew and started.
    const eq = (await db.query<{ idx: number; name: string }>(
      `SELECT e.idx, o.name FROM equipment e JOIN twin_object o ON o.idx = e.idx JOIN floor f ON f.idx = e.floor_idx JOIN park p ON p.idx = e.park_idx
       WHERE p.code = $1 AND e.position IS NOT NULL AND EXISTS (SELECT 1 FROM wo_kb k WHERE k.equipment_type = e.type AND k.fault = 'equipment_fault')
       ORDER BY (f.level < 1), f.level, e.idx LIMIT 1`, [s.park])).rows[0]!;
    expect(eq).toBeDefined();
    const crew = await user(['maintenance'], '暖通李师傅');
    const pm = await user(['property_manager'], '物业陈主管');
    const at = await lonLatOf(db, eq.idx);
    const crewId = await insertCrew(db, { code: `xr-${randomBytes(2).toString('hex')}`, trade: 'hvac', lon: at.lon, lat: at.lat, members: [crew.id] });
    const order = await newOrder(pm.client, eq.idx);
    for (const [c, t, d] of [[pm.client, 'dispatch', { crew: crewId }], [crew.client, 'accept'], [crew.client, 'start']] as const) {
      const r = await fire(c, order.id, t, d);
      expect(r.status, r.text).toBe(200);
    }
    const extra = async () => (await crew.client.req('GET', `/api/workorders/${order.id}/extra`)).body as { procedure: { steps: Array<{ done: boolean; byName: string | null; at: string | null }> } };
    expect((await extra()).procedure.steps.length).toBeGreaterThan(2);

    // The crew member's headset: GPS 3.5 m north of the unit, the compass facing south (alpha 180: heading 180).
    const { context: c2, page: p2 } = await openXrPage(browser, s, `/xr?wo=${order.id}`, { width: 960, height: 540 }, {
      cookies: crew.cookies, geolocation: { latitude: at.lat + 3.5 / 110_850, longitude: at.lon, accuracy: 4 },
    });
    const probs = collectProblems(p2);
    try {
      await p2.waitForFunction(() => Boolean((window as unknown as { __twin?: { ready(): boolean } }).__twin?.ready()), undefined, { timeout: 120_000, polling: 250 });
      await expect.poll(() => xrEval(p2, (x) => x.repair().id), { timeout: 30_000 }).toBe(order.id);
      expect(await xrEval(p2, (x) => x.repair().objectIdx)).toBe(eq.idx);
      await installFloorEnvironment(p2);
      // The compass is read while an AR session runs (the sensor override is in before the page listens).
      await setCompass(c2, p2, 180);
      await setHeadset(p2, [0, 1.6, 0], lookQuat(0, -0.25));
      expect(await xrEval(p2, (x) => x.enter('immersive-ar'))).toBeNull();
      await expect.poll(() => xrEval(p2, (x) => x.heading()), { timeout: 10_000 }).not.toBeNull();
      expect(await xrEval(p2, (x) => x.heading())).toBeCloseTo(180, 3);
      expect(await xrEval(p2, (x) => x.placeByGeo())).toBeNull();
      expect(await xrEval(p2, (x) => x.placedBy())).toBe('geo');
      // GPS placement against the tiles: the unit drawn 3.5 m straight ahead (-Z) of the user's feet.
      await expect.poll(() => xrEval(p2, (x, i: number) => x.referenceBoundsOf(i) !== null, eq.idx), { timeout: 120_000, interval: 500 }).toBe(true);
      const eb = (await xrEval(p2, (x, i: number) => x.referenceBoundsOf(i), eq.idx))!;
      expect(Math.abs((eb[0]! + eb[3]!) / 2)).toBeLessThan(0.75);
      expect((eb[2]! + eb[5]!) / 2).toBeGreaterThan(-3.5 - 0.75);
      expect((eb[2]! + eb[5]!) / 2).toBeLessThan(-3.5 + 0.75);

      // The step panel stands beside the unit; the controller aims at its done button and pulls the trigger.
      await expect.poll(() => xrEval(p2, (x) => x.repair().anchored), { timeout: 60_000, interval: 500 }).toBe(true);
      expect(await xrEval(p2, (x) => x.repair().current)).toBe(0);
      const b = (await xrEval(p2, (x) => x.repairButton('done')))!;
      const from = [b[0]! * 0.5, (b[1]! + 1.3) / 2, b[2]! * 0.5 + 0.3];
      const yaw = yawTowards(from, b);
      const pitch = Math.atan2(b[1]! - from[1]!, Math.hypot(b[0]! - from[0]!, b[2]! - from[2]!));
      await setController(p2, from, lookQuat(yaw, pitch));
      await p2.waitForTimeout(300);
      await pullTrigger(p2);
      await expect.poll(async () => (await extra()).procedure.steps[0]!.done, { timeout: 15_000 }).toBe(true);
      expect((await extra()).procedure.steps[0]!.byName).toBe('暖通李师傅');
      await expect.poll(() => xrEval(p2, (x) => x.repair().current)).toBe(1);
      const audit = await db.query<{ outcome: string; actor_kind: string }>(
        "SELECT outcome, actor_kind FROM audit_log WHERE object = $1 AND action = 'workorder.step' ORDER BY seq", [`workorder:${order.id}`]);
      expect(audit.rows.map((r) => `${r.outcome}/${r.actor_kind}`)).toEqual(['success/user']);
      const px = await xrEval(p2, (x) => x.xrPixels());
      expect(px.width).toBeGreaterThan(100);
      expect(px.distinct).toBeGreaterThan(5);
      expect(px.nonBackground).toBeGreaterThan(0.01);
      await p2.screenshot({ path: 'test-results/xr-3-repair-ar.png' });
      const fb = await xrEval(p2, (x) => x.xrSnapshot());
      fs.writeFileSync('test-results/xr-3-repair-framebuffer.png', Buffer.from(fb.split(',')[1]!, 'base64'));

      // Dig window: the ground cut inside 4 m of the user, kept outside.
      await xrEval(p2, (x) => x.setDig(4));
      await expect.poll(() => xrEval(p2, (x) => x.dig([])?.radius ?? 0)).toBe(4);
      const d0 = (await xrEval(p2, (x) => x.dig([])))!;
      const c = d0.centre;
      const ring = (r: number) => [0, 1, 2, 3, 4, 5].map((k) => [c[0]! + r * Math.cos(k), 0, c[2]! + r * Math.sin(k)]);
      const d = (await xrEval(p2, (x, pts: number[][]) => x.dig(pts), [...ring(0.5), ...ring(3.8), ...ring(4.3), ...ring(30)]))!;
      expect(d.localClipping).toBe(true);
      expect(d.cut).toEqual([...Array(12).fill(true), ...Array(12).fill(false)]);
      // The centre is the user's feet (reference origin) in the park frame.
      const o = await xrEval(p2, (x) => x.origin());
      expect(Math.hypot(c[0]! - o[12]!, c[2]! - o[14]!)).toBeLessThan(0.06);
      await p2.screenshot({ path: 'test-results/xr-3-dig.png' });
      await xrEval(p2, (x) => x.exit());

      // The phone without a headset: the same guide as a card; the next step ticked by a tap.
      await p2.setViewportSize({ width: 390, height: 844 });
      const card = p2.locator('.xr-repair');
      await card.locator('[data-repair-btn="done"]').waitFor();
      expect(await card.getAttribute('data-step')).toBe('1');
      await card.locator('[data-repair-btn="done"]').click();
      await expect.poll(async () => (await extra()).procedure.steps[1]!.done, { timeout: 15_000 }).toBe(true);
      await expect.poll(() => card.getAttribute('data-step')).toBe('2');
      const box = (await card.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(390);
      expect(box.y + box.height).toBeLessThanOrEqual(844);
      // The sheet sits above the session chip (its buttons not covered).
      const chip = await p2.locator('[data-testid="user-menu"]').boundingBox();
      if (chip) expect(box.y + box.height).toBeLessThanOrEqual(chip.y + 0.5);
      expect(await p2.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await p2.screenshot({ path: 'test-results/xr-3-repair-phone.png' });

      // A retried tick changes nothing; a viewer may not tick; a step past the end is refused.
      const before = (await extra()).procedure.steps[0]!;
      expect((await crew.client.req('POST', `/api/workorders/${order.id}/steps/0`, { done: true })).status).toBe(200);
      expect((await extra()).procedure.steps[0]).toEqual(before);
      expect((await pm.client.req('POST', `/api/workorders/${order.id}/steps/2`, { done: true })).status).toBe(403);
      expect((await extra()).procedure.steps[2]!.done).toBe(false);
      expect(probs.errors).toEqual([]);
      expect(probs.external).toEqual([]);
    } finally {
      await c2.close();
    }
  }, 600_000);
});
