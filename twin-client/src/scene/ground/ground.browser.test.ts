/**
 * Issue 20 must-show 3: the overview of the twin by day and by night at 1920x1080 shows ground,
 * roads, green space, water and labels (building and road names), from the park's PostGIS rows
 * (ground module), in headless Chromium against the real server and database. Pixels are sorted
 * into colour classes (road grey, green, water, warm street-light pools); the same check run on
 * the scene without the ground (the old dark void) must fail.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, collectProblems, ensureClientBuilt, launchBrowser } from '../../../../test/browser.ts';
import { openTwin, startSceneServer, type SceneServer } from '../../../../test/scene-harness.ts';
import { groundModule } from '../../../../twin-server/src/modules/ground/index.ts';
import { seedGround } from '../../../../twin-server/src/modules/ground/queries.ts';
import type { GroundTestHook } from './GroundLayer.tsx';
import { GROUND_COLOURS } from './geometry.ts';

type Hooked = Window & { __ground: GroundTestHook };
const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];

/** Shares of the frame in each colour class, and glyph pixels inside the shown labels. */
interface Classes { road: number; green: number; water: number; warm: number; voidShare: number; glyphs: number; labels: Array<{ text: string; kind: string }> }

async function classify(page: Page, name: string, mode: 'day' | 'night'): Promise<Classes> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const png = await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
  const labels = await page.evaluate(() => (window as unknown as Hooked).__ground.labels());
  const ref = { road: rgb(GROUND_COLOURS.road[mode]), green: rgb(GROUND_COLOURS.green[mode]), water: rgb(GROUND_COLOURS.water[mode]) };
  return page.evaluate(async ({ b64, ref, labels }) => {
    const bmp = await createImageBitmap(await (await fetch(`data:image/png;base64,${b64}`)).blob());
    const c = new OffscreenCanvas(bmp.width, bmp.height);
    const g = c.getContext('2d')!;
    g.drawImage(bmp, 0, 0);
    const d = g.getImageData(0, 0, bmp.width, bmp.height).data;
    const near = (i: number, t: number[], tol: number) => Math.abs(d[i]! - t[0]!) <= tol && Math.abs(d[i + 1]! - t[1]!) <= tol && Math.abs(d[i + 2]! - t[2]!) <= tol;
    let road = 0, green = 0, water = 0, warm = 0, voids = 0;
    const n = d.length / 4;
    for (let i = 0; i < d.length; i += 4) {
      if (near(i, ref.road, 6)) road++;
      else if (near(i, ref.green, 8)) green++;
      else if (near(i, ref.water, 8)) water++;
      if (d[i]! > 90 && d[i]! - d[i + 2]! > 45 && d[i + 1]! - d[i + 2]! > 15 && d[i]! >= d[i + 1]!) warm++;
      if (near(i, [7, 13, 24], 5) || near(i, [12, 22, 38], 5)) voids++;
    }
    // Glyphs: inside each label's box, pixels far brighter or darker than the box's median luma.
    let glyphs = 0;
    for (const l of labels) {
      const ls: number[] = [];
      for (let y = Math.max(0, Math.floor(l.y)); y < Math.min(bmp.height, l.y + l.h); y++) {
        for (let x = Math.max(0, Math.floor(l.x)); x < Math.min(bmp.width, l.x + l.w); x++) {
          const i = (y * bmp.width + x) * 4;
          ls.push(0.2126 * d[i]! + 0.7152 * d[i + 1]! + 0.0722 * d[i + 2]!);
        }
      }
      const med = [...ls].sort((a, b) => a - b)[ls.length >> 1] ?? 0;
      glyphs += ls.filter((v) => Math.abs(v - med) > 80).length;
    }
    return { road: road / n, green: green / n, water: water / n, warm: warm / n, voidShare: voids / n, glyphs, labels: labels.map((l) => ({ text: l.text, kind: l.kind })) };
  }, { b64: png.toString('base64'), ref, labels });
}

/** The must-show predicate: ground, roads, green space and labels are on screen. */
const showsPlace = (c: Classes) =>
  c.road > 0.01 && c.green > 0.003 && c.voidShare < 0.2 && c.glyphs > 200
  && c.labels.some((l) => l.kind === 'building') && c.labels.some((l) => l.kind === 'road');

describe.skipIf(inject('chromiumMissing') !== null || inject('pgMissing') !== null)('the twin as a place: ground, roads, green, labels, day and night', () => {
  let s: SceneServer;
  let browser: Browser;

  beforeAll(async () => {
    ensureClientBuilt();
    s = await startSceneServer('postgres', { scale: 0.3, modules: [groundModule] });
    const parkIdx = (await s.testDb.db.query<{ idx: number }>('SELECT idx FROM park WHERE code = $1', [s.park])).rows[0]!.idx;
    await seedGround(s.testDb.db, parkIdx);
    browser = await launchBrowser();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  const open = async (query: string) => {
    const { context, page } = await openTwin(browser, s, query, { width: 1920, height: 1080 });
    const problems = collectProblems(page);
    await page.waitForFunction(() => (window as unknown as Hooked).__ground?.ready() && (window as unknown as Hooked).__ground.labels().length > 3, null, { timeout: 120_000 });
    return { context, page, problems };
  };
  const settle = (page: Page) => page.waitForFunction(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true)))));

  it('overview by day and by night at 1920x1080: ground, roads, green, water and labels; the void fails the same check', async () => {
    const { context, page, problems } = await open('night=0');
    try {
      const counts = await page.evaluate(() => (window as unknown as Hooked).__ground.counts());
      expect(counts.roads).toBeGreaterThanOrEqual(4);
      expect(counts.lights).toBeGreaterThan(10);
      // The ground lies under the buildings: each building's label anchor (PostGIS footprint) is
      // inside the drawn building's bounds (scene frame: +X west, +Z north).
      const ground = (await (await fetch(`${s.server.url}/api/ground/${s.park}`, { headers: { Cookie: s.cookies.map((c) => `${c.name}=${c.value}`).join('; ') } })).json()) as { labels: Array<{ idx: number; x: number; y: number }> };
      for (const l of ground.labels.slice(0, 4)) {
        const b = await page.evaluate((idx) => (window as unknown as { __twin: { boundsOf(i: number): number[] | null } }).__twin.boundsOf(idx), l.idx);
        if (!b) continue;
        expect(-l.x, `building ${l.idx} x`).toBeGreaterThan(b[0]! - 1);
        expect(-l.x).toBeLessThan(b[3]! + 1);
        expect(l.y, `building ${l.idx} z`).toBeGreaterThan(b[2]! - 1);
        expect(l.y).toBeLessThan(b[5]! + 1);
      }
      await settle(page);
      const day = await classify(page, 'ground-day-1920', 'day');
      expect(day.road, 'road grey share').toBeGreaterThan(0.01);
      expect(day.green, 'green share').toBeGreaterThan(0.003);
      expect(day.water, 'water share').toBeGreaterThan(0.0005);
      expect(day.labels.some((l) => /经.路|纬.路/.test(l.text)), 'a road name in Chinese').toBe(true);
      expect(showsPlace(day)).toBe(true);

      await page.evaluate(() => (window as unknown as Hooked).__ground.set({ night: true }));
      await page.waitForFunction(() => document.querySelector('.scene-labels.night') !== null);
      await settle(page);
      const night = await classify(page, 'ground-night-1920', 'night');
      expect(night.road, 'night road share').toBeGreaterThan(0.01);
      expect(night.green, 'night green share').toBeGreaterThan(0.002);
      expect(night.warm, 'street-light pools and lit windows').toBeGreaterThan(0.002);
      expect(night.warm).toBeGreaterThan(day.warm + 0.002);
      expect(showsPlace(night)).toBe(true);
      // The night toggle in the UI is pressed; the viewpoint button speaks Chinese.
      expect(await page.getAttribute('.scene-mode [data-mode="night"]', 'aria-pressed')).toBe('true');
      expect((await page.textContent('.scene-mode [data-action="save-view"]'))?.trim()).toBe('保存视角');

      // Negative control: the same check on the scene without ground and labels (the old void) fails.
      await page.evaluate(() => (window as unknown as Hooked).__ground.set({ night: false, ground: false, labels: false }));
      await settle(page);
      const voidScene = await classify(page, 'ground-void-1920', 'day');
      expect(showsPlace(voidScene)).toBe(false);
      expect(voidScene.road + voidScene.green).toBeLessThan(0.005);
      expect(problems.errors).toEqual([]);
      expect(problems.external).toEqual([]);
    } finally {
      await context.close();
    }
  }, 400_000);

  it('English labels after the language switch (no Chinese road names left)', async () => {
    const { context, page } = await open('night=1&lang=en');
    try {
      await page.waitForFunction(() => (window as unknown as Hooked).__ground.labels().some((l) => /Road/.test(l.text)), null, { timeout: 60_000 });
      const labels = await page.evaluate(() => (window as unknown as Hooked).__ground.labels());
      expect(labels.some((l) => /^(Jing|Wei) \d+(st|nd|rd|th) Road$/.test(l.text))).toBe(true);
      expect(labels.filter((l) => l.kind === 'road').every((l) => !/[\u4e00-\u9fff]/.test(l.text))).toBe(true);

      // Saved viewpoints: save the overview, go close to a building, click the saved view: the
      // camera flies back and the screen shows the overview again (pixels), and after a reload
      // the viewpoint is still offered.
      type Cam = { __twin: { camera(): { pos: number[] } | null; frameObject(i: number, f?: number): void; ready(): boolean } };
      await page.click('.scene-mode [data-action="save-view"]');
      await page.waitForSelector('.scene-mode [data-viewpoint="1"]');
      expect((await page.textContent('.scene-mode [data-viewpoint="1"]'))?.trim()).toBe('View 1');
      const saved = await page.evaluate(() => (window as unknown as Cam).__twin.camera()!.pos);
      await settle(page);
      const overview = await page.screenshot({ path: path.join(ARTIFACTS, 'viewpoint-saved.png'), timeout: 120_000 });
      const idx = (await s.testDb.db.query<{ idx: number }>('SELECT b.idx FROM building b JOIN park p ON p.idx = b.park_idx WHERE p.code = $1 ORDER BY b.idx LIMIT 1', [s.park])).rows[0]!.idx;
      await page.evaluate((i) => (window as unknown as Cam).__twin.frameObject(i, 1.2), idx);
      await page.waitForFunction(() => (window as unknown as Cam).__twin.ready(), null, { timeout: 120_000 });
      await settle(page);
      const moved = await page.screenshot({ path: path.join(ARTIFACTS, 'viewpoint-moved.png'), timeout: 120_000 });
      await page.click('.scene-mode [data-viewpoint="1"]');
      await page.waitForFunction((p) => {
        const c = (window as unknown as Cam).__twin.camera();
        return c !== null && Math.hypot(c.pos[0]! - p[0]!, c.pos[1]! - p[1]!, c.pos[2]! - p[2]!) < 0.5;
      }, saved, { timeout: 30_000 });
      await page.waitForFunction(() => (window as unknown as Cam).__twin.ready(), null, { timeout: 120_000 });
      await settle(page);
      const back = await page.screenshot({ path: path.join(ARTIFACTS, 'viewpoint-back.png'), timeout: 120_000 });
      const diff = (a: Buffer, b: Buffer) => page.evaluate(async ({ a, b }) => {
        const px = async (b64: string) => {
          const bmp = await createImageBitmap(await (await fetch(`data:image/png;base64,${b64}`)).blob());
          const c = new OffscreenCanvas(bmp.width, bmp.height);
          const g = c.getContext('2d')!;
          g.drawImage(bmp, 0, 0);
          return g.getImageData(0, 0, bmp.width, bmp.height).data;
        };
        const [x, y] = [await px(a), await px(b)];
        let sum = 0;
        for (let i = 0; i < x.length; i += 4) sum += Math.abs(x[i]! - y[i]!) + Math.abs(x[i + 1]! - y[i + 1]!) + Math.abs(x[i + 2]! - y[i + 2]!);
        return sum / (x.length / 4) / 3;
      }, { a: a.toString('base64'), b: b.toString('base64') });
      const movedDiff = await diff(overview, moved);
      const backDiff = await diff(overview, back);
      expect(movedDiff, 'the close-up differs from the overview').toBeGreaterThan(8);
      expect(backDiff, 'back at the saved view: the overview again').toBeLessThan(movedDiff / 4);
      await page.reload();
      await page.waitForSelector('.scene-mode [data-viewpoint="1"]', { timeout: 120_000 });
    } finally {
      await context.close();
    }
  }, 300_000);
});
