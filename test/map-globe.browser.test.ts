/**
 * The development map (/map, deck.gl) and the globe (/globe, CesiumJS) in headless Chromium against
 * the real server (auth, map GeoJSON, 3D Tiles built by the tiler from the fixture park). Every
 * request is recorded and any request to a host other than localhost is refused and fails the test:
 * both views must work offline.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { collectProblems, ensureClientBuilt, launchBrowser, pixelAt, pngStats, screenshotStats, ARTIFACTS } from './browser.ts';
import { startAuthServer, type AuthTestServer } from '../twin-server/src/auth/testing.ts';
import { healthModule } from '../twin-server/src/modules/health.ts';
import { mapModule } from '../twin-server/src/modules/map/index.ts';
import { tilesModule } from '../twin-server/src/modules/tiles.ts';
import { authModule } from '../twin-server/src/auth/module.ts';
import { FIXTURE_ORIGIN, FIXTURE_PARK_CODE, insertMapFixture } from '../twin-server/src/modules/map/fixture.ts';
import { buildTileset } from '../twin-server/src/tiler/index.ts';

// What the pages expose on window (twin-client/src/map/MapPage.tsx, twin-client/src/globe/globe.ts).
declare global {
  interface Window {
    twinMapStatus?: { state: string; counts?: Record<string, number>; renderedLoaded: number; layers?: string[] };
    twinMapProject?: (lon: number, lat: number, z: number) => [number, number] | null;
    twinGlobeStatus?: { state: string; tileset: string; imagery: boolean; footprints: number; error?: string };
    twinGlobeProject?: (lon: number, lat: number, height: number) => [number, number] | null;
  }
}

const { lon: X, lat: Y } = FIXTURE_ORIGIN;
const LOCAL = new Set(['localhost', '127.0.0.1', '[::1]']);
type Rgb = [number, number, number];
const dist = (a: Rgb, b: Rgb) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** A page that records every request and HTTP failure, with non-local requests refused. */
async function openPage(ctx: BrowserContext) {
  const page = await ctx.newPage();
  const problems = collectProblems(page);
  const requests: string[] = [];
  const failed: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('response', (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
  });
  // Offline: anything that would leave this machine is aborted (and was recorded above).
  await page.route((u) => !LOCAL.has(u.hostname) && !['data:', 'blob:'].includes(u.protocol), (r) => r.abort('internetdisconnected'));
  return { page, problems, requests, failed };
}

/**
 * Console errors other than the browser's own "Failed to load resource" lines; those are checked
 * through the recorded responses instead (the favicon probe is not one of the page's requests).
 */
const realErrors = (errors: string[]) => errors.filter((e) => !/^Failed to load resource: the server responded with a status of 404/.test(e));

describe.skipIf(inject('chromiumMissing') !== null)('development map and globe in Chromium', () => {
  let a: AuthTestServer;
  let browser: Browser;
  let ctx: BrowserContext;
  let base: string;

  beforeAll(async () => {
    ensureClientBuilt();
    a = await startAuthServer('pglite', { modules: [healthModule, authModule(), tilesModule({ watch: false }), mapModule] });
    base = a.server.url;
    await insertMapFixture(a.server.sc.db);
    // The fixture park gets real 3D Tiles; 'other-park' deliberately has none (globe fallback).
    await buildTileset(a.server.sc.db, { outDir: path.join(a.server.sc.config.tilesetDir, FIXTURE_PARK_CODE), park: FIXTURE_PARK_CODE });
    const viewer = await a.userWith(['leadership_viewer']);
    browser = await launchBrowser();
    ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    // Log in through the auth API; the session cookie lands in the browser context.
    const r = await ctx.request.post(`${base}/api/auth/login`, { data: { username: viewer.username, password: viewer.password } });
    expect(r.status()).toBe(200);
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await a?.server.stop();
  });

  it('the map draws blocks, buildings by industry, enterprise columns and heat, offline, with tooltips and both languages', async () => {
    const { page, problems, requests, failed } = await openPage(ctx);
    await page.goto(`${base}/map?test=1`);
    await page.waitForFunction(() => ['ready', 'login', 'error', 'empty'].includes(window.twinMapStatus?.state ?? ''), null, { timeout: 120_000 });
    const status = await page.evaluate(() => window.twinMapStatus);
    expect(status?.state).toBe('ready');
    // Exactly what the fixture holds inside the park: 3 blocks (not the plaza), 3 buildings,
    // 2 located leading enterprises, 3 heat points.
    expect(status?.counts).toEqual({ blocks: 3, buildings: 3, enterprises: 2, heat: 3 });

    const shot = await page.screenshot({ path: path.join(ARTIFACTS, 'map.png') });
    const canvas = (await page.locator('canvas').first().boundingBox())!;
    const stats = await pngStats(page, shot, { x: Math.round(canvas.x), y: Math.round(canvas.y), width: Math.round(canvas.width), height: Math.round(canvas.height) });
    expect(stats.distinct).toBeGreaterThan(100);
    expect(stats.lumaStd).toBeGreaterThan(15);

    const project = (lon: number, lat: number, z: number) => page.evaluate(([a, b, c]) => window.twinMapProject!(a!, b!, c!), [lon, lat, z]);
    const b1 = (await project(X - 0.0025, Y - 0.0007, 30))!;
    const research = (await project(X - 0.0035, Y + 0.0015, 0))!;
    const industrial = (await project(X + 0.0015, Y + 0.0017, 0))!;
    const outside = (await project(X, Y + 0.0027, 0))!; // inside the park outline, outside every block
    const px = {
      b1: await pixelAt(page, shot, ...b1), research: await pixelAt(page, shot, ...research),
      industrial: await pixelAt(page, shot, ...industrial), outside: await pixelAt(page, shot, ...outside),
    };
    // Building 1's tenants are mostly AI (cyan); the research block is blue, the industrial one ochre.
    expect(px.b1[2] - px.b1[0], `b1 ${px.b1}`).toBeGreaterThan(80);
    expect(px.b1[1] - px.b1[0], `b1 ${px.b1}`).toBeGreaterThan(60);
    expect(px.research[2] - px.research[0], `research ${px.research}`).toBeGreaterThan(60);
    expect(px.industrial[0] - px.industrial[2], `industrial ${px.industrial}`).toBeGreaterThan(40);
    expect(dist(px.research, px.outside)).toBeGreaterThan(40);
    expect(dist(px.industrial, px.outside)).toBeGreaterThan(40);

    // Hovering building 1 picks it: the tooltip names it and its dominant industry (zh-CN by default).
    await page.mouse.move(...b1);
    const tip = page.locator('.deck-tooltip');
    await expect.poll(async () => (await tip.textContent()) ?? '', { timeout: 20_000 }).toContain('1号楼');
    expect(await tip.textContent()).toContain('人工智能');
    expect(await tip.textContent()).toContain('86.7%');
    await page.mouse.move(5, canvas.y + canvas.height - 5);

    // The legend follows the app's language switch.
    const legend = page.getByTestId('map-legend');
    await expect.poll(() => legend.textContent()).toContain('地块规划');
    await page.locator('.lang-switch').click();
    await expect.poll(() => legend.textContent()).toContain('Block planning');
    expect(await legend.textContent()).toContain('Biomedicine');

    // Switching the buildings layer off uncovers the ground there, and the URL remembers it.
    expect(await page.evaluate(() => window.twinMapStatus?.layers)).toContain('buildings');
    await page.locator('input[data-layer="buildings"]').uncheck();
    await page.waitForFunction(() => window.twinMapStatus?.layers?.includes('buildings') === false, null, { timeout: 60_000 });
    const after = await page.screenshot({ path: path.join(ARTIFACTS, 'map-no-buildings.png') });
    expect(dist(await pixelAt(page, after, ...b1), px.b1)).toBeGreaterThan(40);
    await expect.poll(() => page.evaluate(() => window.location.search)).toContain('layers=blocks%2Centerprises%2Cheat');

    expect(requests.some((u) => u.includes('/api/map/buildings?') && u.includes('bbox='))).toBe(true);
    expect(problems.external).toEqual([]);
    expect(failed).toEqual([]);
    expect(realErrors(problems.errors)).toEqual([]);
    await page.close();
  }, 240_000);

  it('the globe shows the park tileset on the bundled imagery, offline, after the tileset reports all tiles loaded', async () => {
    const { page, problems, requests, failed } = await openPage(ctx);
    await page.goto(`${base}/globe?test=1&park=${FIXTURE_PARK_CODE}`);
    await page.waitForFunction(() => ['ready', 'login', 'error', 'empty'].includes(window.twinGlobeStatus?.state ?? ''), null, { timeout: 180_000 });
    const status = await page.evaluate(() => window.twinGlobeStatus);
    expect(status).toMatchObject({ state: 'ready', tileset: 'ready', imagery: true, footprints: 0 });

    const shot = await page.screenshot({ path: path.join(ARTIFACTS, 'globe.png') });
    const stats = await pngStats(page, shot);
    expect(stats.distinct).toBeGreaterThan(50);
    expect(stats.lumaStd).toBeGreaterThan(8);

    const project = (lon: number, lat: number, h: number) => page.evaluate(([a, b, c]) => window.twinGlobeProject!(a!, b!, c!), [lon, lat, h]);
    // Building 1 (from the tiles), bare ground inside the park outline, and imagery outside the park.
    const b1 = (await project(X - 0.0025, Y - 0.0007, 1))!;
    const bare = (await project(X - 0.001, Y + 0.002, 0))!;
    const land = (await project(X - 0.0065, Y, 0))!;
    for (const p of [b1, bare, land]) {
      expect(p[0]).toBeGreaterThan(0);
      expect(p[0]).toBeLessThan(1280);
      expect(p[1]).toBeGreaterThan(0);
      expect(p[1]).toBeLessThan(800);
    }
    const px = { b1: await pixelAt(page, shot, ...b1), bare: await pixelAt(page, shot, ...bare), land: await pixelAt(page, shot, ...land) };
    expect(dist(px.b1, px.bare), JSON.stringify(px)).toBeGreaterThan(30);
    expect(dist(px.bare, px.land), JSON.stringify(px)).toBeGreaterThan(10);

    // Imagery came from the bundled NaturalEarthII, the model from the park's own tiles.
    expect(requests.some((u) => new URL(u).pathname.startsWith('/cesium/Assets/Textures/NaturalEarthII/'))).toBe(true);
    expect(requests.some((u) => new URL(u).pathname === `/tiles/${FIXTURE_PARK_CODE}/tileset.json`)).toBe(true);
    expect(requests.some((u) => /\/tiles\/map-fixture\/.+\.glb$/.test(new URL(u).pathname))).toBe(true);
    expect(problems.external).toEqual([]);
    expect(failed).toEqual([]);
    expect(realErrors(problems.errors)).toEqual([]);
    await page.close();
  }, 300_000);

  it('without a tileset the globe still shows the park: outline and extruded footprints', async () => {
    const { page, problems, failed } = await openPage(ctx);
    await page.goto(`${base}/globe?test=1&park=other-park&lang=zh-CN`);
    await page.waitForFunction(() => ['ready', 'login', 'error', 'empty'].includes(window.twinGlobeStatus?.state ?? ''), null, { timeout: 180_000 });
    expect(await page.evaluate(() => window.twinGlobeStatus)).toMatchObject({ state: 'ready', tileset: 'missing', imagery: true, footprints: 1 });
    const stats = await screenshotStats(page, 'globe-no-tileset');
    expect(stats.distinct).toBeGreaterThan(30);
    await expect.poll(() => page.getByRole('status').textContent()).toContain('三维模型尚未生成');
    // The one failed request is the probe for the missing tileset.
    expect(failed).toEqual([`404 ${base}/tiles/other-park/tileset.json`]);
    expect(problems.external).toEqual([]);
    expect(realErrors(problems.errors)).toEqual([]);
    await page.close();
  }, 300_000);
});
