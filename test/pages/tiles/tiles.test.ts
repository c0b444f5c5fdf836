/**
 * The park tileset in real browsers: 3DTilesRendererJS (three) and CesiumJS in headless Chromium,
 * served by a real twin-server (auth, tiles module) over a fixture park in PGlite.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { build } from 'esbuild';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, collectProblems, screenshotStats, ROOT } from '../../browser.ts';
import { startAuthServer, type AuthTestServer } from '../../../twin-server/src/auth/testing.ts';
import { healthModule } from '../../../twin-server/src/modules/health.ts';
import { tilesModule } from '../../../twin-server/src/modules/tiles.ts';
import { insertFixturePark, onTilesetChanged, type FixturePark } from '../../../twin-server/src/tiler/index.ts';
import { enuFrame } from '../../../twin-server/src/tiler/enu.ts';

const CESIUM = path.join(ROOT, 'node_modules/cesium/Build/Cesium');
const MIME: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.html': 'text/html', '.png': 'image/png', '.jpg': 'image/jpeg', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.xml': 'application/xml' };

describe.skipIf(inject('chromiumMissing') !== null)('park tileset in the browser', () => {
  let s: AuthTestServer;
  let fx: FixturePark;
  let browser: Browser;
  let context: BrowserContext;
  let bundle: string;
  let deckBundle: string;

  beforeAll(async () => {
    s = await startAuthServer('pglite', { modules: [healthModule, { name: 'auth' }, tilesModule({ debounceMs: 50, pollMs: 250 })] });
    const built = new Promise<void>((resolve) => onTilesetChanged(s.server.sc, () => resolve()));
    fx = await insertFixturePark(s.server.sc.db, { code: 'browser-park', grid: 2, floors: 2, roomsPerSide: 2 });
    await built;
    const viewer = (await s.userWith(['leadership_viewer'])).client;
    const bundleOf = async (page: string) =>
      (await build({ entryPoints: [path.join(import.meta.dirname, page)], bundle: true, format: 'esm', write: false, logLevel: 'silent', target: 'es2022' })).outputFiles[0]!.text;
    [bundle, deckBundle] = await Promise.all([bundleOf('three-page.ts'), bundleOf('deck-page.ts')]);
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 960, height: 640 } });
    await context.addCookies([...viewer.cookies].map(([name, value]) => ({ name, value, url: s.server.url })));
    await context.route('**/__tiles-test/**', (route) => {
      const u = new URL(route.request().url());
      if (u.pathname.endsWith('/three.html')) {
        return route.fulfill({ contentType: 'text/html', body: '<!doctype html><html><head><meta charset="utf-8"></head><body><script type="module" src="/__tiles-test/three.js"></script></body></html>' });
      }
      if (u.pathname.endsWith('/three.js')) return route.fulfill({ contentType: 'text/javascript', body: bundle });
      if (u.pathname.endsWith('/deck.html')) {
        return route.fulfill({ contentType: 'text/html', body: '<!doctype html><html><head><meta charset="utf-8"></head><body><script type="module" src="/__tiles-test/deck.js"></script></body></html>' });
      }
      if (u.pathname.endsWith('/deck.js')) return route.fulfill({ contentType: 'text/javascript', body: deckBundle });
      if (u.pathname.endsWith('/cesium.html')) return route.fulfill({ contentType: 'text/html', body: fs.readFileSync(path.join(import.meta.dirname, 'cesium.html'), 'utf8') });
      return route.fulfill({ status: 404, body: '' });
    });
    // CesiumJS comes from node_modules, served as if it were part of the app: nothing from the network.
    await context.route('**/__cesium/**', (route) => {
      const rel = decodeURIComponent(new URL(route.request().url()).pathname.replace(/^\/__cesium\//, ''));
      const file = path.resolve(CESIUM, rel);
      if (!file.startsWith(CESIUM + path.sep) || !fs.existsSync(file)) return route.fulfill({ status: 404, body: '' });
      return route.fulfill({ contentType: MIME[path.extname(file)] ?? 'application/octet-stream', body: fs.readFileSync(file) });
    });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await s?.server.stop();
  });

  const openThree = async (errorTarget = 6): Promise<{ page: Page; problems: ReturnType<typeof collectProblems> }> => {
    const page = await context.newPage();
    const problems = collectProblems(page);
    await page.goto(`${s.server.url}/__tiles-test/three.html?tileset=/tiles/${fx.code}/tileset.json&errorTarget=${errorTarget}`);
    await page.waitForFunction(() => window.tilesTest !== undefined);
    return { page, problems };
  };

  it('shows the park with 3DTilesRendererJS: the overview is drawn, not blank', async () => {
    // A coarse error target keeps this view at the merged overview level.
    const { page, problems } = await openThree(40);
    await page.evaluate(() => window.tilesTest.look([-150, -170, 120], [0, 0, 0]));
    const loaded = await page.evaluate(() => window.tilesTest.waitLoaded());
    expect(loaded).toBeGreaterThan(0);
    const stats = await screenshotStats(page, 'tiles-three-overview');
    // Flat-shaded walls and roofs in several colours over the clear colour (a blank canvas has 1 colour, std 0).
    expect(stats.distinct).toBeGreaterThanOrEqual(5);
    expect(stats.lumaStd).toBeGreaterThan(8);
    // What is drawn where a building stands is that building (its idx), not the clear colour.
    const b = (await s.server.sc.db.query<{ idx: number; lon: number; lat: number; height: number }>(
      'SELECT idx, ST_X(ST_Centroid(footprint)) AS lon, ST_Y(ST_Centroid(footprint)) AS lat, height FROM building WHERE idx = $1', [fx.buildings[0]!.idx])).rows[0]!;
    const park = (await s.server.sc.db.query<{ lon: number; lat: number; h: number }>(
      'SELECT ST_X(origin) AS lon, ST_Y(origin) AS lat, ST_Z(origin) AS h FROM park WHERE idx = $1', [fx.parkIdx])).rows[0]!;
    const [bx, by] = enuFrame(park.lon, park.lat, park.h).projector()(b.lon, b.lat);
    const hit = await page.evaluate(([x, y, z]) => window.tilesTest.pickWorld(x, y, z), [bx, by, b.height] as const);
    expect(hit?.idx).toBe(b.idx);
    expect(hit?.props).toMatchObject({ kind: 'building', idx: b.idx });
    expect(hit?.uri).toMatch(/^overview-/);
    expect(await page.evaluate(() => window.tilesTest.errors)).toEqual([]);
    expect(problems.errors).toEqual([]);
    expect(problems.external).toEqual([]);
    await page.close();
  }, 180_000);

  it('picks a rendered room and returns its idx and metadata, equal to PostGIS (no tenant data)', async () => {
    const db = s.server.sc.db;
    const park = (await db.query<{ lon: number; lat: number; h: number }>(
      'SELECT ST_X(origin) AS lon, ST_Y(origin) AS lat, ST_Z(origin) AS h FROM park WHERE idx = $1', [fx.parkIdx])).rows[0]!;
    const room = (await db.query<{ idx: number; area: number; use: string; level: number; elevation: number; bcode: string; lon: number; lat: number }>(
      `SELECT r.idx, r.area, r.use, f.level, f.elevation, b.code AS bcode,
         ST_X(ST_Centroid(r.footprint)) AS lon, ST_Y(ST_Centroid(r.footprint)) AS lat
       FROM room r JOIN floor f ON f.idx = r.floor_idx JOIN building b ON b.idx = r.building_idx
       WHERE b.park_idx = $1 AND f.level = 2 AND r.use <> 'corridor' ORDER BY r.idx LIMIT 1`, [fx.parkIdx])).rows[0]!;
    const [x, y] = enuFrame(park.lon, park.lat, park.h).projector()(room.lon, room.lat);
    const z = room.elevation + 0.03;
    const { page, problems } = await openThree();
    await page.evaluate(([x, y, z]) => window.tilesTest.look([x, y - 8, z + 30], [x, y, z]), [x, y, z] as const);
    await page.evaluate(() => window.tilesTest.waitLoaded());
    await screenshotStats(page, 'tiles-three-room');
    // Aim a little off the room centre, away from the fan coil unit hanging there.
    const picked = await page.evaluate(([x, y, z]) => window.tilesTest.pickWorld(x + 2, y + 1.5, z), [x, y, z] as const);
    expect(picked, 'something pickable at the screen centre').not.toBeNull();
    expect(picked!.idx).toBe(room.idx);
    expect(picked!.uri).toMatch(/-interior-/);
    expect(picked!.props).toMatchObject({ idx: room.idx, kind: 'room', use: room.use, floor: room.level, building: room.bcode });
    // Names and lease status are not in the tiles (docs/tiles.md): the scene takes them from the API by idx.
    for (const k of ['name', 'uuid', 'code', 'lease_status']) expect(picked!.props![k] ?? '', k).toBe('');
    expect(picked!.props!.area as number).toBeCloseTo(room.area, 2);
    expect(problems.errors).toEqual([]);
    await page.close();
  });

  it("loads the same tileset in deck.gl's Tile3DLayer, offline and without errors, and draws it", async () => {
    // The same page without a tileset (a 404): what "nothing drawn" looks like.
    const empty = await context.newPage();
    await empty.goto(`${s.server.url}/__tiles-test/deck.html?tileset=/tiles/missing-park/tileset.json`);
    await empty.waitForFunction(() => (window.deckTest?.errors.length ?? 0) > 0, undefined, { timeout: 60_000 });
    const blank = await screenshotStats(empty, 'tiles-deck-blank');
    await empty.close();
    const page = await context.newPage();
    const problems = collectProblems(page);
    await page.goto(`${s.server.url}/__tiles-test/deck.html?tileset=/tiles/${fx.code}/tileset.json`);
    await page.waitForFunction(() => window.deckTest?.settled || (window.deckTest?.errors.length ?? 0) > 0, undefined, { timeout: 120_000 });
    // A few more frames so the last tiles are drawn, not only loaded.
    await page.waitForTimeout(1500);
    const t = await page.evaluate(() => window.deckTest);
    expect(t.errors).toEqual([]);
    expect(t.tilesLoaded).toBeGreaterThan(0);
    expect(t.contents.some((c) => c.endsWith('.glb'))).toBe(true);
    const stats = await screenshotStats(page, 'tiles-deck');
    // Buildings in several shades over the background (the page without a tileset is one flat colour).
    expect(blank.distinct).toBeLessThanOrEqual(2);
    expect(stats.distinct).toBeGreaterThanOrEqual(5);
    expect(stats.lumaStd).toBeGreaterThan(blank.lumaStd + 5);
    expect(problems.errors).toEqual([]);
    expect(problems.external).toEqual([]);
    await page.close();
  }, 180_000);

  it('loads the same tileset in CesiumJS until allTilesLoaded, offline and without errors', async () => {
    const page = await context.newPage();
    const problems = collectProblems(page);
    await page.goto(`${s.server.url}/__tiles-test/cesium.html?tileset=/tiles/${fx.code}/tileset.json`);
    await page.waitForFunction(() => (window as unknown as { cesiumTest: { allTilesLoaded: boolean; errors: string[] } }).cesiumTest.allTilesLoaded
      || (window as unknown as { cesiumTest: { errors: string[] } }).cesiumTest.errors.length > 0, undefined, { timeout: 120_000 });
    const t = await page.evaluate(() => (window as unknown as { cesiumTest: { errors: string[]; features: number; allTilesLoaded: boolean } }).cesiumTest);
    expect(t.errors).toEqual([]);
    expect(t.allTilesLoaded).toBe(true);
    expect(t.features).toBeGreaterThan(0);
    const stats = await screenshotStats(page, 'tiles-cesium');
    expect(stats.distinct).toBeGreaterThan(8);
    expect(problems.errors).toEqual([]);
    expect(problems.external).toEqual([]);
    await page.close();
  }, 180_000);
});
