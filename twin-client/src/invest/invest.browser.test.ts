/**
 * Must-show 2 of issue 7 in headless Chromium against the real server, PostgreSQL + PostGIS with
 * the seeded park and real tiles: filtering by area changes both the list (its rows are exactly
 * the API's answer) and the lit units in 3D (a unit lit before and filtered out after changes
 * colour on screen); list and scene stay in step (hover, click); a fourth compared unit is
 * refused; and the share link reopens the same units, selection, comparison and camera.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { UnitsResult } from '@park-twin/layers';
import { collectProblems, ensureClientBuilt, launchBrowser, pixelAt, screenshotStats } from '../../../test/browser.ts';
import { investModule } from '../../../twin-server/src/modules/invest/index.ts';
import { lookDownAt, openView, startSceneServer, twinEval, waitReady, type SceneServer } from '../../../test/scene-harness.ts';
import { FLAG } from '../scene/featureState.ts';
import { LEASE_COLOURS } from '../scene/controller.ts';

const hook = twinEval;

const dist = (a: number[], b: number[]) => Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);
const rowIdx = (page: Page) => page.locator('.invest-side > .unit-list tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-idx'))));
/** Waits until the list shows the answer to `query` (the filters as API parameters). */
const listFor = (page: Page, query: string) => page.locator(`.invest-view[data-loaded="${query}"]`).waitFor({ timeout: 60_000 });

describe.skipIf(inject('chromiumMissing') !== null || inject('pgMissing') !== null)('investment view in the browser', () => {
  let s: SceneServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: ReturnType<typeof collectProblems>;
  const cookie = () => s.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const api = async <T>(path: string): Promise<T> => (await (await fetch(s.server.url + path, { headers: { Cookie: cookie() } })).json()) as T;
  /** The smallest available unit on a top floor (seen from above through its dimmed roof). */
  let unit: { idx: number; area: number; building: number };

  beforeAll(async () => {
    ensureClientBuilt();
    s = await startSceneServer('postgres', { modules: [investModule] });
    const all = await api<UnitsResult>(`/api/invest/units?park=${s.park}`);
    // A top-floor unit with no other available unit above or below it: once it is dimmed, its
    // screen spot shows no lit unit through it.
    const available = all.units.map((x) => x.idx);
    const r = await s.testDb.db.query<{ idx: number }>(
      `SELECT r.idx FROM room r JOIN floor f ON f.idx = r.floor_idx
       WHERE r.idx = ANY($1::int[]) AND r.area > 40 AND f.level = (SELECT max(level) FROM floor f2 WHERE f2.building_idx = r.building_idx)
         AND NOT EXISTS (SELECT 1 FROM room n WHERE n.building_idx = r.building_idx AND n.idx <> r.idx AND n.idx = ANY($1::int[])
           AND ST_Intersects(n.footprint, ST_Buffer(r.footprint, -0.00001)))
       ORDER BY r.area, r.idx LIMIT 1`, [available]);
    const u = all.units.find((x) => x.idx === r.rows[0]?.idx);
    if (!u) throw new Error('seeded park has no available top-floor unit without available units below it');
    unit = { idx: u.idx, area: u.area, building: u.buildingIdx };
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('lists exactly the API\'s units and lights them in 3D; hover and click stay in step with the list', async () => {
    ({ context, page } = await openView(browser, s, '/invest', '', { width: 1400, height: 800 }));
    problems = collectProblems(page);
    await listFor(page, '');
    const expected = await api<UnitsResult>(`/api/invest/units?park=${s.park}`);
    expect(await rowIdx(page)).toEqual(expected.units.map((u) => u.idx));
    const whole = await screenshotStats(page, 'invest-1-park');
    expect(whole.distinct).toBeGreaterThan(40);

    // From afar (only the buildings' shells drawn) the buildings holding lit units stand out solid
    // in the building hue, the others stay dimmed: a prospect sees where the units are.
    // Held units (a proposal's) are lit too, in the reserved colour: their buildings are tinted as well.
    const holding = [...new Set([...expected.units, ...(expected.held ?? [])].map((u) => u.buildingIdx))];
    const without = (await s.testDb.db.query<{ idx: number }>(
      'SELECT b.idx FROM building b JOIN park p ON p.idx = b.park_idx WHERE p.code = $1 AND NOT (b.idx = ANY($2::int[])) ORDER BY b.idx', [s.park, holding])).rows.map((r) => r.idx);
    expect(holding.length).toBeGreaterThan(0);
    expect(without.length).toBeGreaterThan(0);
    await hook(page, (t) => t.frameAll());
    const overview = (await hook(page, (t) => t.camera()))!;
    const far = overview.pos.map((v, i) => overview.target[i]! + (v - overview.target[i]!) * 2.5);
    await hook(page, (t, c: { pos: [number, number, number]; target: [number, number, number] }) => t.setCamera(c.pos, c.target), { pos: far, target: overview.target });
    await waitReady(page);
    const farShot = await page.screenshot({ path: 'test-results/invest-1-far.png' });
    const luma = (c: number[]) => 0.2126 * c[0]! + 0.7152 * c[1]! + 0.0722 * c[2]!;
    /**
     * Mean colour of a building on screen at the grid points over it where a click would hit it
     * (`hit`), or where nothing pickable is (a dimmed building, or the ground beside it).
     */
    const spots = new Map<number, { x: number; y: number }>();
    const colourOf = async (b: number, hit: boolean) => {
      const pts = await hook(page, (t, a: { idx: number; hit: boolean }) => t.gridOf(a.idx).filter((p) => t.idxAt(p.x, p.y) === (a.hit ? a.idx : 0)), { idx: b, hit });
      if (pts.length === 0) return null;
      spots.set(b, pts[Math.floor(pts.length / 2)]!);
      const px = await Promise.all(pts.map((p) => pixelAt(page, farShot, p.x, p.y)));
      return [0, 1, 2].map((i) => px.reduce((sum, c) => sum + c[i]!, 0) / px.length);
    };
    for (const b of holding) expect((await hook(page, (t, i: number) => t.texel(i), b))[3]! & (FLAG.faded | FLAG.coloured)).toBe(FLAG.coloured);
    const shown = (await Promise.all(holding.map((b) => colourOf(b, true)))).filter((c) => c !== null);
    const dimmed = (await Promise.all(without.map((b) => colourOf(b, false)))).filter((c) => c !== null);
    const fmt = (cs: number[][]) => cs.map((c) => c.map((v) => v.toFixed(0)).join(',')).join(' ');
    console.log(`[invest] from afar: buildings with units ${fmt(shown)}; without ${fmt(dimmed)}`);
    // Every building with units is hit by a click somewhere (drawn solid, not dimmed) and shows the building hue there.
    expect(shown.length).toBe(holding.length);
    expect(dimmed.length).toBeGreaterThan(0);
    for (const c of shown) {
      expect(c[2]!).toBeGreaterThan(c[0]! + 40); // cyan: blue over red
      expect(luma(c)).toBeGreaterThan(Math.max(...dimmed.map(luma)) + 40);
    }
    // A click on such a building flies in to it (its interior and lit units load there).
    const target = holding[0]!;
    const box = (await hook(page, (t, i: number) => t.boundsOf(i), target))!;
    const mid = [(box[0]! + box[3]!) / 2, (box[1]! + box[4]!) / 2, (box[2]! + box[5]!) / 2];
    const away = async () => dist((await hook(page, (t) => t.camera()))!.pos, mid);
    const farAway = await away();
    await page.mouse.click(spots.get(target)!.x, spots.get(target)!.y);
    await expect.poll(away, { timeout: 20_000 }).toBeLessThan(farAway * 0.5);
    expect(await page.locator('.unit-panel').count()).toBe(0); // a building is not a unit: nothing selected

    const texel = (idx: number) => hook(page, (t, i: number) => t.texel(i), idx);
    const lit = await texel(unit.idx);
    expect(lit.slice(0, 3)).toEqual([...(expected.units.find((u) => u.idx === unit.idx)!.availability === 'vacant' ? LEASE_COLOURS.vacant! : LEASE_COLOURS.expiring!)]);
    expect(lit[3]! & FLAG.faded).toBe(0);
    // A room that is not on the list is dimmed.
    const other = await s.testDb.db.query<{ idx: number }>("SELECT idx FROM room WHERE use = 'corridor' AND building_idx = $1 LIMIT 1", [unit.building]);
    expect((await texel(other.rows[0]!.idx))[3]! & FLAG.faded).toBe(FLAG.faded);

    // Hovering the row lights the unit's hover flag in the state texture.
    await page.locator(`.unit-list tr[data-idx="${unit.idx}"]`).hover();
    await expect.poll(async () => (await texel(unit.idx))[3]! & FLAG.hover).toBe(FLAG.hover);
    await page.mouse.move(2, 2);
    await expect.poll(async () => (await texel(unit.idx))[3]! & FLAG.hover).toBe(0);

    const at = await lookDownAt(page, unit.idx, unit.building);
    expect(at).not.toBeNull();

    // Hovering the unit in 3D marks its row; a click selects the row and opens the unit's panel.
    await page.mouse.move(at!.x, at!.y);
    await page.locator(`.unit-list tr.hover[data-idx="${unit.idx}"]`).waitFor({ timeout: 30_000 });
    await page.mouse.click(at!.x, at!.y);
    await page.locator(`.unit-list tr.selected[data-idx="${unit.idx}"]`).waitFor({ timeout: 30_000 });
    await page.locator(`.unit-panel[data-idx="${unit.idx}"] tr[data-attr="area"]`).waitFor({ timeout: 30_000 });
    expect(await page.locator('.unit-panel .floor-plan path.plan-unit').count()).toBe(1);
    await page.locator('.unit-panel button.icon').click();
    await page.mouse.move(2, 2);
    await expect.poll(async () => (await texel(unit.idx))[3]! & (FLAG.selected | FLAG.hover)).toBe(0);
    await waitReady(page);
    expect(problems.errors).toEqual([]);
  }, 300_000);

  it('filtering by area changes the list and the lit units: the excluded unit changes colour on screen', async () => {
    const at = (await hook(page, (t, idx: number) => t.gridOf(idx).find((p) => t.idxAt(p.x, p.y) === idx) ?? null, unit.idx))!;
    const before = await pixelAt(page, await page.screenshot({ path: 'test-results/invest-2-before.png' }), at.x, at.y);
    const rowsBefore = await rowIdx(page);
    expect(rowsBefore).toContain(unit.idx);

    // Exclude the unit by area from below, or from above when it is among the largest.
    const larger = (await api<UnitsResult>(`/api/invest/units?park=${s.park}&minArea=${Math.floor(unit.area) + 1}`)).total > 0;
    const [key, bound] = larger ? ['minArea', Math.floor(unit.area) + 1] as const : ['maxArea', Math.ceil(unit.area) - 1] as const;
    await page.locator(`input[name="${key}"]`).fill(String(bound));
    await listFor(page, `${key}=${bound}`);
    const expected = await api<UnitsResult>(`/api/invest/units?park=${s.park}&${key}=${bound}`);
    const rowsAfter = await rowIdx(page);
    expect(rowsAfter).toEqual(expected.units.map((u) => u.idx));
    expect(rowsAfter).not.toContain(unit.idx);
    expect(rowsAfter.length).toBeGreaterThan(0);
    expect(rowsAfter.length).toBeLessThan(rowsBefore.length);
    expect(await page.locator('.invest-view').getAttribute('data-total')).toBe(String(expected.total));

    const texel = await hook(page, (t, i: number) => t.texel(i), unit.idx);
    expect(texel[3]! & (FLAG.faded | FLAG.coloured)).toBe(FLAG.faded);
    // Units still on the list stay lit.
    for (const u of expected.units.slice(0, 5)) expect((await hook(page, (t, i: number) => t.texel(i), u.idx))[3]! & FLAG.faded).toBe(0);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const after = await pixelAt(page, await page.screenshot({ path: 'test-results/invest-2-after.png' }), at.x, at.y);
    console.log(`[invest] unit ${unit.idx} (${unit.area} m²) pixel ${before} -> ${after} after ${key}=${bound}; rows ${rowsBefore.length} -> ${rowsAfter.length}`);
    expect(dist(after, before)).toBeGreaterThan(40);
    // Before: the vacant/soon hue (green or orange dominates blue); after: dimmed.
    expect(Math.max(before[0], before[1])).toBeGreaterThan(before[2] + 20);
    expect(after[0] + after[1] + after[2]).toBeLessThan(before[0] + before[1] + before[2]);
    expect(problems.errors).toEqual([]);
  }, 300_000);

  it('compares up to three units (a fourth is refused) and the share link reopens the same view', async () => {
    const rows = await rowIdx(page);
    const [sel, a, b, c] = rows;
    await page.locator(`.unit-list tr[data-idx="${sel}"]`).click();
    await page.locator(`.unit-panel[data-idx="${sel}"] tr[data-attr="area"]`).waitFor({ timeout: 30_000 });
    // The camera flew to the unit: its floor's tiles are loaded and it is on screen.
    await expect.poll(async () => {
      await waitReady(page);
      return hook(page, (t, i: number) => t.screenPositionOf(i), sel);
    }, { timeout: 60_000 }).not.toBeNull();
    for (const idx of [sel, a, b]) await page.locator(`.unit-list tr[data-idx="${idx}"] button.cmp`).click();
    await page.locator(`.compare-tray[data-units="${sel},${a},${b}"] .compare-table th[data-idx="${b}"]`).waitFor({ timeout: 30_000 });
    await page.locator(`.unit-list tr[data-idx="${c}"] button.cmp`).click();
    await expect.poll(() => page.locator('.compare-tray .notice').textContent()).toBe('最多对比 3 个单元，请先移出一个');
    expect(await page.locator('.compare-tray').getAttribute('data-units')).toBe(`${sel},${a},${b}`);
    expect(await page.locator('.compare-table tr[data-attr="area"] td').count()).toBe(3);

    await page.locator('.share-button').click();
    const url = await page.locator('.share-url').inputValue();
    expect(url).toMatch(/\/invest\?/);
    const cam = (await hook(page, (t) => t.camera()))!;
    await screenshotStats(page, 'invest-3-shared');

    // The prospect opens the link in a new page.
    const prospect = await context.newPage();
    const prospectProblems = collectProblems(prospect);
    await prospect.goto(url);
    await waitReady(prospect);
    const shared = new URL(url).searchParams;
    await listFor(prospect, [...shared].filter(([k]) => k === 'minArea' || k === 'maxArea').map(([k, v]) => `${k}=${v}`).join('&'));
    expect(await rowIdx(prospect)).toEqual(rows);
    await prospect.locator(`.unit-list tr.selected[data-idx="${sel}"]`).waitFor({ timeout: 30_000 });
    await prospect.locator(`.unit-panel[data-idx="${sel}"] tr[data-attr="area"]`).waitFor({ timeout: 30_000 });
    await prospect.locator(`.compare-tray[data-units="${sel},${a},${b}"] .compare-table th[data-idx="${b}"]`).waitFor({ timeout: 30_000 });
    const cam2 = (await hook(prospect, (t) => t.camera()))!;
    console.log(`[invest] camera ${cam.pos.map((v) => v.toFixed(2))} -> ${cam2.pos.map((v) => v.toFixed(2))}`);
    expect(dist(cam2.pos, cam.pos)).toBeLessThan(0.05);
    expect(dist(cam2.target, cam.target)).toBeLessThan(0.05);
    expect((await hook(prospect, (t, i: number) => t.texel(i), sel!))[3]! & FLAG.selected).toBe(FLAG.selected);
    const shot = await screenshotStats(prospect, 'invest-4-reopened');
    expect(shot.distinct).toBeGreaterThan(40);
    // The English switch relabels the view.
    await prospect.locator('.lang-switch').click();
    await expect.poll(() => prospect.locator('.invest-side h2').textContent()).toBe('Find a unit');
    expect(await prospect.locator('.unit-panel tr[data-attr="area"] th').textContent()).toBe('Area');
    expect(prospectProblems.errors).toEqual([]);
    expect(prospectProblems.external).toEqual([]);
    await context.close();
  }, 300_000);
});
