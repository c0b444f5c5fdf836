/**
 * Must-show 3 of issue 7 (maintenance, standard G3) in headless Chromium against the real server,
 * PostgreSQL + PostGIS with the seeded sample park, the real tiler and mosquitto: x-ray shows a
 * pipe the normal view does not (pixels at its screen position), and a trace from a valve
 * highlights in the state texture exactly the segments PostGIS returns downstream (the API and an
 * independent SQL query in this test), with a pixel check on a highlighted segment; plus the
 * section box (cuts a pipe outside it) and the work orders of equipment.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { NETWORK_COLOURS } from '@park-twin/layers';
import { collectProblems, ensureClientBuilt, launchBrowser, pixelAt, screenshotStats } from '../../../test/browser.ts';
import { opsModule } from '../../../twin-server/src/modules/ops/index.ts';
import { openView, startSceneServer, waitReady, watchTiles, type SceneServer } from '../../../test/scene-harness.ts';
import type { TwinTestHook } from '../scene/testHook.ts';
import { FLAG } from '../scene/featureState.ts';
import type { OpsTestHook } from './testHook.ts';
import { TRACE_RGB } from './xray.ts';

const MQTT = process.env.TWIN_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

type Hooked = Window & { __twin: TwinTestHook; __ops: OpsTestHook };
const dist = (a: readonly number[], b: readonly number[]) => Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);

/** Downstream segments of `node` by node reachability (a different formulation from the module's). */
const INDEPENDENT_DOWNSTREAM = `
  WITH RECURSIVE passable(node) AS (
    SELECT $1::int
    UNION
    SELECT s.to_node FROM passable p JOIN pipe_segment s ON s.from_node = p.node
      JOIN pipe_node n ON n.idx = s.to_node
     WHERE n.valve_open IS DISTINCT FROM false
  )
  SELECT DISTINCT s.idx FROM passable p JOIN pipe_segment s ON s.from_node = p.node ORDER BY s.idx`;

describe.skipIf(inject('chromiumMissing') !== null || inject('pgMissing') !== null || inject('mqttMissing') !== null)('maintenance view /ops in the browser', () => {
  let s: SceneServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: ReturnType<typeof collectProblems>;
  let pipe: { idx: number; network: string };
  let valve: { idx: number; downstream: number[] };
  let segments: number[];
  const cookie = () => s.cookies.map((c) => `${c.name}=${c.value}`).join('; ');

  const waitOps = async () => {
    await waitReady(page);
    await page.waitForFunction(() => {
      const o = (window as unknown as Hooked).__ops;
      return Boolean(o && o.networks() && (!o.xray() || o.infraReady()));
    }, undefined, { timeout: 120_000, polling: 250 });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  };

  /** Puts the camera above the middle of `idx`, looking down at it; returns its screen position. */
  const lookDownAt = async (idx: number) => {
    const b = await page.evaluate((i) => (window as unknown as Hooked).__twin.boundsOf(i), idx);
    expect(b, `bounds of ${idx}`).not.toBeNull();
    const c = [(b![0]! + b![3]!) / 2, b![4]!, (b![2]! + b![5]!) / 2] as [number, number, number];
    await page.evaluate((c) => (window as unknown as Hooked).__twin.setCamera([c[0], c[1] + 22, c[2] + 10], c), c);
    await waitOps();
    const at = await page.evaluate((i) => (window as unknown as Hooked).__twin.screenPositionOf(i, 'top'), idx);
    expect(at, `screen position of ${idx}`).not.toBeNull();
    return at!;
  };

  beforeAll(async () => {
    ensureClientBuilt();
    s = await startSceneServer('postgres', { mqttUrl: MQTT, modules: [opsModule] });
    const db = s.testDb.db;
    // The longest water trunk segment: it runs along a road, with nothing above it but the ground.
    const p = await db.query<{ idx: number; network: string }>(
      `SELECT idx, network FROM pipe_segment WHERE network = 'water'
       ORDER BY diameter_mm DESC, ST_Length(geom::geography) DESC, idx LIMIT 1`);
    pipe = p.rows[0]!;
    // An open water valve feeding a branch of some size.
    const valves = await db.query<{ idx: number }>("SELECT idx FROM pipe_node WHERE network = 'water' AND node_type = 'valve' AND valve_open ORDER BY idx");
    for (const v of valves.rows) {
      const d = await db.query<{ idx: number }>(INDEPENDENT_DOWNSTREAM, [v.idx]);
      if (d.rows.length >= 4 && d.rows.length <= 80) {
        valve = { idx: v.idx, downstream: d.rows.map((r) => r.idx) };
        break;
      }
    }
    if (!valve) throw new Error('seeded park has no water valve with a downstream branch');
    segments = (await db.query<{ idx: number }>('SELECT idx FROM pipe_segment ORDER BY idx')).rows.map((r) => r.idx);
    browser = await launchBrowser();
  }, 240_000);
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await s?.stop();
  });

  it('3a. x-ray shows a pipe that the normal view does not, in its network colour', async () => {
    ({ context, page } = await openView(browser, s, '/ops', 'xray=1'));
    problems = collectProblems(page);
    await page.reload();
    await waitOps();
    // The whole park in x-ray: ghosted buildings over coloured networks, not a blank page.
    const whole = await screenshotStats(page, 'ops-0-xray-park');
    expect(whole.distinct).toBeGreaterThan(40);
    expect(whole.lumaStd).toBeGreaterThan(4);
    const at = await lookDownAt(pipe.idx);
    const xray = await pixelAt(page, await page.screenshot({ path: 'test-results/ops-1-xray.png' }), at.x, at.y);

    await page.locator('input[data-action="xray"]').click();
    await page.waitForFunction(() => !(window as unknown as Hooked).__ops.xray());
    await waitOps();
    const normal = await pixelAt(page, await page.screenshot({ path: 'test-results/ops-1-normal.png' }), at.x, at.y);

    console.log(`[ops] pipe ${pipe.idx} at (${Math.round(at.x)}, ${Math.round(at.y)}): x-ray ${xray}, normal ${normal}`);
    const water = NETWORK_COLOURS.water;
    expect(dist(xray, normal), `x-ray ${xray} vs normal ${normal}`).toBeGreaterThan(40);
    // The x-ray pixel is the water network's blue; the normal one is the dark ground.
    expect(xray[2]).toBeGreaterThan(xray[0] + 40);
    expect(xray[2]).toBeGreaterThan(xray[1]);
    expect(dist(xray, water)).toBeLessThan(dist(normal, water));
    expect(Math.max(...normal)).toBeLessThan(70);
    // The pipe is not pickable while hidden, and is once x-ray is back on.
    expect(await page.evaluate(({ x, y }) => (window as unknown as Hooked).__twin.idxAt(x, y), at)).not.toBe(pipe.idx);
    await page.locator('input[data-action="xray"]').click();
    await waitOps();
    expect(await page.evaluate(({ x, y }) => (window as unknown as Hooked).__twin.idxAt(x, y), at)).toBe(pipe.idx);
    // A click on it opens its attributes, as PostGIS holds them.
    await page.mouse.click(at.x, at.y);
    const panel = page.locator(`.ops-pipe-panel[data-idx="${pipe.idx}"][data-kind="pipe_segment"]`);
    await panel.locator('tr[data-attr="material"]').waitFor({ timeout: 30_000 });
    const row = (await s.testDb.db.query<{ code: string; diameter_mm: number; install_year: number; from_code: string }>(
      `SELECT s.code, s.diameter_mm, s.install_year, n.code AS from_code FROM pipe_segment s JOIN pipe_node n ON n.idx = s.from_node WHERE s.idx = $1`,
      [pipe.idx])).rows[0]!;
    const cell = (k: string) => panel.locator(`tr[data-attr="${k}"] td`).textContent();
    expect([await cell('code'), await cell('diameter_mm'), await cell('install_year')]).toEqual([row.code, String(row.diameter_mm), String(row.install_year)]);
    expect(await cell('from')).toContain(row.from_code);
    expect(problems.errors).toEqual([]);
    expect(problems.external).toEqual([]);
  }, 300_000);

  it('3b. a trace from a valve highlights exactly the segments PostGIS returns downstream', async () => {
    await page.evaluate((v) => (window as unknown as Hooked).__twin.setDrill({ building: 0, floor: 0, selected: v }), valve.idx);
    await page.locator(`.ops-pipe-panel[data-idx="${valve.idx}"][data-kind="pipe_node"] button[data-trace="downstream"]`).click();
    await page.waitForFunction(() => (window as unknown as Hooked).__ops.trace() !== null, undefined, { timeout: 30_000 });

    const api = await (await fetch(`${s.server.url}/api/ops/trace?node=${valve.idx}&direction=downstream`, { headers: { Cookie: cookie() } })).json() as { segments: number[] };
    const lit = await page.evaluate(({ ids, white, coloured }) => ids.filter((i) => {
      const tx = (window as unknown as Hooked).__twin.texel(i);
      return tx[0] === white[0] && tx[1] === white[1] && tx[2] === white[2] && (tx[3]! & coloured) !== 0;
    }), { ids: segments, white: [...TRACE_RGB], coloured: FLAG.coloured });
    expect(lit).toEqual(api.segments);
    expect(lit).toEqual(valve.downstream);
    expect(lit.length).toBeGreaterThanOrEqual(4);
    expect(await page.locator('.ops-trace .trace-result').textContent()).toContain(String(lit.length));

    // What a person sees: the longest highlighted segment is white, and its network colour once cleared.
    const len = await s.testDb.db.query<{ idx: number }>(
      'SELECT idx FROM pipe_segment WHERE idx = ANY($1::int[]) ORDER BY ST_Length(geom::geography) DESC, idx LIMIT 1', [lit]);
    const seg = len.rows[0]!.idx;
    const at = await lookDownAt(seg);
    const traced = await pixelAt(page, await page.screenshot({ path: 'test-results/ops-2-trace.png' }), at.x, at.y);
    await page.locator('.ops-trace button[data-action="clear-trace"]').click();
    await page.waitForFunction(() => (window as unknown as Hooked).__ops.trace() === null);
    await waitOps();
    const cleared = await pixelAt(page, await page.screenshot({ path: 'test-results/ops-2-cleared.png' }), at.x, at.y);
    console.log(`[ops] trace from valve ${valve.idx}: ${lit.length} segments lit = API = SQL; segment ${seg} traced ${traced}, cleared ${cleared}`);
    expect(Math.min(...traced), `traced ${traced}`).toBeGreaterThan(120);
    expect(Math.max(...traced) - Math.min(...traced)).toBeLessThan(70);
    expect(dist(traced, cleared), `traced ${traced} vs cleared ${cleared}`).toBeGreaterThan(60);
    expect(cleared[2]).toBeGreaterThan(cleared[0] + 40);
    expect(problems.errors).toEqual([]);
  }, 300_000);

  it('3c. a section box around a building: it fits the drawn building, and cuts away a pipe outside it until cleared', async () => {
    // The building farthest from the trunk main, so the main lies outside its box.
    const far = await s.testDb.db.query<{ idx: number }>(
      `SELECT b.idx FROM building b, pipe_segment s WHERE s.idx = $1 ORDER BY ST_Distance(b.footprint::geography, s.geom::geography) DESC, b.idx LIMIT 1`, [pipe.idx]);
    const building = far.rows[0]!.idx;
    const at = await lookDownAt(pipe.idx);
    const before = await pixelAt(page, await page.screenshot(), at.x, at.y);

    await page.locator('select[data-action="section-building"]').selectOption(String(building));
    await page.waitForFunction(() => (window as unknown as Hooked).__ops.section() !== null, undefined, { timeout: 30_000 });
    await waitOps(); // the camera flies to the building
    const sec = (await page.evaluate(() => (window as unknown as Hooked).__ops.section()))!;
    const drawn = await page.evaluate((b) => (window as unknown as Hooked).__twin.boundsOf(b), building);
    expect(drawn).not.toBeNull();
    // The box from PostGIS and the building as the tiles draw it agree (same frame, same size).
    for (let k = 0; k < 6; k++) expect(Math.abs(sec.base[k]! - drawn![k]!), `bound ${k}: ${sec.base} vs ${drawn}`).toBeLessThan(0.6);
    const inside = await screenshotStats(page, 'ops-3-section-building');
    expect(inside.distinct).toBeGreaterThan(20);
    expect(new URL(page.url()).searchParams.get('sec')).toBe(String(building));

    await lookDownAt(pipe.idx);
    const cut = await pixelAt(page, await page.screenshot({ path: 'test-results/ops-3-section-cut.png' }), at.x, at.y);
    expect(dist(before, cut), `before ${before} vs cut ${cut}`).toBeGreaterThan(40);
    expect(Math.max(...cut)).toBeLessThan(70);
    expect(await page.evaluate(({ x, y }) => (window as unknown as Hooked).__twin.idxAt(x, y), at)).not.toBe(pipe.idx);

    await page.locator('.ops-section-panel button').click();
    await page.waitForFunction(() => (window as unknown as Hooked).__ops.section() === null);
    await waitOps();
    const back = await pixelAt(page, await page.screenshot(), at.x, at.y);
    console.log(`[ops] section around building ${building}: pipe pixel before ${before}, cut ${cut}, after clearing ${back}`);
    expect(dist(back, before), `back ${back} vs before ${before}`).toBeLessThan(25);
  }, 300_000);

  it('3d. equipment with open work orders lists them in its panel, as the API gives them', async () => {
    const e = await s.testDb.db.query<{ idx: number }>(
      `SELECT equipment_idx AS idx FROM work_order WHERE status IN ('open', 'assigned', 'in_progress', 'on_hold')
       GROUP BY equipment_idx ORDER BY count(*) DESC, equipment_idx LIMIT 1`);
    const eq = e.rows[0]!.idx;
    const api = await (await fetch(`${s.server.url}/api/ops/equipment/${eq}/work-orders`, { headers: { Cookie: cookie() } })).json() as { workOrders: { code: string }[] };
    expect(api.workOrders.length).toBeGreaterThan(0);
    await page.evaluate((i) => (window as unknown as Hooked).__twin.setDrill({ building: 0, floor: 0, selected: i }), eq);
    await page.locator(`.ops-work-orders[data-idx="${eq}"][data-count="${api.workOrders.length}"]`).waitFor({ timeout: 30_000 });
    const codes = await page.locator('.ops-work-orders li').evaluateAll((els) => els.map((el) => el.getAttribute('data-code')));
    expect(codes).toEqual(api.workOrders.map((w) => w.code));
    await page.locator('.object-panel').screenshot({ path: 'test-results/ops-4-work-orders.png' });
    // zh-CN by default; the language switch turns the view's own strings English.
    expect(await page.locator('.ops-work-orders h3').textContent()).toBe('未完成工单');
    await page.locator('.lang-switch').click();
    await page.waitForFunction(() => document.querySelector('.ops-work-orders h3')?.textContent === 'Open work orders');
    expect(await page.locator('label.ops-switch').textContent()).toContain('X-ray');
    await page.locator('.lang-switch').click();
    expect(problems.errors).toEqual([]);
  }, 120_000);

  it('3e. a re-tile reaches the networks in place: nothing reloads, the pipe stays drawn', async () => {
    expect(await page.evaluate(() => (window as unknown as Hooked).__ops.xray())).toBe(true);
    const at = await lookDownAt(pipe.idx);
    const before = await pixelAt(page, await page.screenshot(), at.x, at.y);
    const loadedBefore = await page.evaluate(() => (window as unknown as Hooked).__ops.infraLoaded());
    const updBefore = await page.evaluate(() => (window as unknown as Hooked).__ops.infraUpdates());
    expect(loadedBefore.length).toBeGreaterThan(0);
    const { served, changed, stop } = watchTiles(s);
    try {
      // A building grows: the park tileset gets a new version, the networks do not change.
      const b = (await s.testDb.db.query<{ idx: number }>('SELECT idx FROM building ORDER BY idx LIMIT 1')).rows[0]!.idx;
      await s.testDb.db.query('UPDATE building SET height = height + 6 WHERE idx = $1', [b]);
      const ev = await changed;
      const want = `/tiles/${s.park}/infra.json?v=${ev.version}`;
      await expect.poll(() => page.evaluate(() => (window as unknown as Hooked).__ops.infraUpdates().version), { timeout: 30_000 }).toBe(want);
      await waitOps();
      const upd = await page.evaluate(() => (window as unknown as Hooked).__ops.infraUpdates());
      console.log(`[ops] re-tile v${ev.version}: networks ${JSON.stringify(upd)}; served ${served.join(', ')}`);
      // Patched in place: not remounted, no network tile loaded or parsed again, none requested.
      expect(upd).toMatchObject({ patched: updBefore.patched + 1, reloaded: updBefore.reloaded, contentChanged: updBefore.contentChanged, loads: updBefore.loads });
      expect(served.filter((f) => f.startsWith('infra'))).toEqual([`infra.json?v=${ev.version}`]);
      expect((await page.evaluate(() => (window as unknown as Hooked).__ops.infraLoaded())).sort()).toEqual([...loadedBefore].sort());
      // Still drawn where it was.
      const after = await pixelAt(page, await page.screenshot({ path: 'test-results/ops-5-after-retile.png' }), at.x, at.y);
      expect(dist(after, before), `before ${before} vs after ${after}`).toBeLessThan(25);
      expect(await page.evaluate(({ x, y }) => (window as unknown as Hooked).__twin.idxAt(x, y), at)).toBe(pipe.idx);
      expect(problems.errors).toEqual([]);
    } finally {
      stop();
    }
  }, 300_000);
});
