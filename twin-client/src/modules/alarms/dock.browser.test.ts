/**
 * The alarm dock (issue 15: "a dock on the twin and the wall"), contributed through the module
 * kit's dock slot, in headless Chromium against the real server (PostgreSQL, seeded park, real
 * tiles), as the leadership viewer (alarm:read):
 *  - the twin at 1920x1080: counts per severity, a new critical alarm arrives live (no reload),
 *    a click drills the twin to the object with its panel open; English labels on request;
 *  - the command wall at 1920x1080 and 3840x1080: the dock sits inside the twin area, shows the
 *    same counts, and a click focuses the object.
 * Screenshots: test-results/alarm-dock-*.png.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { collectProblems, ensureClientBuilt, launchBrowser, screenshotStats } from '../../../../test/browser.ts';
import { openView, startSceneServer, waitReady, type SceneServer } from '../../../../test/scene-harness.ts';
import { notificationsModule } from '../../../../twin-server/src/kit/notifications/module.ts';
import { alarmsModule } from '../../../../twin-server/src/modules/alarms/index.ts';
import { alarmsRuntimeOf } from '../../../../twin-server/src/modules/alarms/runtime.ts';
import { wallModule } from '../../../../twin-server/src/modules/wall/index.ts';
import { LAYERS } from '@park-twin/layers';

type Eq = { idx: number; code: string; building: number; floor: number; name: string };

describe.skipIf(inject('chromiumMissing') !== null || inject('pgMissing') !== null)('alarm dock on the twin and the wall', () => {
  let s: SceneServer;
  let browser: Browser;
  let eqs: Eq[];

  /** A fault reading through the server's ingest pipeline (a critical equipment fault by the default rule). */
  const fault = async (e: Eq) => {
    const live = alarmsRuntimeOf(s.server.sc)!.live;
    const r = live.ingest.handle({ park: s.park, layer: 'equipment', device: e.code }, { status: 'fault', fault: 'belt broken' }, 'mqtt');
    expect(r.ok, JSON.stringify(r)).toBe(true);
    await live.writer.drain();
    // Also from beforeAll (no expect.poll there): wait until the rule stored its alarm.
    await alarmsRuntimeOf(s.server.sc)!.settled();
    const t0 = Date.now();
    while ((await s.testDb.db.query("SELECT 1 FROM alarm WHERE idx = $1 AND state <> 'cleared' AND rule_id IS NOT NULL", [e.idx])).rows.length !== 1) {
      if (Date.now() - t0 > 30_000) throw new Error(`no open alarm on ${e.idx}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const openCounts = async () => (await s.testDb.db.query<{ severity: number; n: number }>(
    "SELECT severity, count(*)::int AS n FROM alarm WHERE state <> 'cleared' AND (shelved_until IS NULL OR shelved_until < now()) GROUP BY severity")).rows;
  const dockCount = (p: Page, sev: number) => p.locator(`[data-dock="alarms.dock"] [data-dock-count="${sev}"] strong`).innerText();
  /** The dock's box lies inside `container`'s box, and holds pixels (not a blank rectangle). */
  const dockInside = async (p: Page, container: string, name: string) => {
    const dock = await p.locator('[data-dock="alarms.dock"]').boundingBox();
    const box = await p.locator(container).boundingBox();
    expect(dock && box).toBeTruthy();
    expect(dock!.x).toBeGreaterThanOrEqual(box!.x - 0.5);
    expect(dock!.y).toBeGreaterThanOrEqual(box!.y - 0.5);
    expect(dock!.x + dock!.width).toBeLessThanOrEqual(box!.x + box!.width + 0.5);
    expect(dock!.y + dock!.height).toBeLessThanOrEqual(box!.y + box!.height + 0.5);
    const px = await screenshotStats(p, name, { x: Math.round(dock!.x), y: Math.round(dock!.y), width: Math.round(dock!.width), height: Math.round(dock!.height) });
    expect(px.distinct, name).toBeGreaterThan(6);
    expect(px.lumaStd, name).toBeGreaterThan(8);
  };

  beforeAll(async () => {
    ensureClientBuilt();
    // The wall module serves /wall (its KPIs); without it the view is not offered.
    s = await startSceneServer('postgres', { modules: [notificationsModule(), alarmsModule(), wallModule] });
    eqs = (await s.testDb.db.query<Eq>(
      `SELECT e.idx, e.code, e.building_idx AS building, e.floor_idx AS floor, o.name FROM equipment e JOIN twin_object o ON o.idx = e.idx
       JOIN park p ON p.idx = e.park_idx WHERE p.code = $1 AND e.type NOT IN ('env_sensor', 'camera') AND e.floor_idx IS NOT NULL ORDER BY e.idx LIMIT 3`, [s.park])).rows;
    expect(eqs).toHaveLength(3);
    await fault(eqs[0]!);
    browser = await launchBrowser();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  let twin: { context: BrowserContext; page: Page };

  it('on the twin (1920x1080): counts per severity, a new alarm arrives live, a click drills to the object with its panel', async () => {
    twin = await openView(browser, s, '/', '', { width: 1920, height: 1080 });
    const page = twin.page;
    page.setDefaultTimeout(120_000);
    const problems = collectProblems(page);
    const dock = page.locator('[data-dock="alarms.dock"]');
    await dock.locator(`li[data-idx="${eqs[0]!.idx}"]`).waitFor({ timeout: 60_000 });
    const crit = (await openCounts()).find((c) => c.severity === 3)?.n ?? 0;
    expect(await dockCount(page, 3)).toBe(String(crit));
    const text = await dock.innerText();
    expect(text).toContain('实时告警');
    expect(text).toContain('紧急');
    expect(text).toContain('设备故障');
    expect(text).not.toMatch(/Live alarms|Critical|Equipment fault|Major|Minor/);
    // Live: a new alarm while the page is open.
    await fault(eqs[1]!);
    await dock.locator(`li[data-idx="${eqs[1]!.idx}"][data-severity="3"]`).waitFor({ timeout: 30_000 });
    await expect.poll(() => dockCount(page, 3), { timeout: 15_000 }).toBe(String(crit + 1));
    await dockInside(page, '.twin-view', 'alarm-dock-1-twin-1920');
    // Click: the twin drills to the object's building and floor with its panel open.
    await dock.locator(`li[data-idx="${eqs[1]!.idx}"] button`).click();
    await page.waitForURL((u) => u.searchParams.get('o') === String(eqs[1]!.idx), { timeout: 15_000 });
    const url = new URL(page.url());
    expect([url.searchParams.get('b'), url.searchParams.get('f')]).toEqual([String(eqs[1]!.building), String(eqs[1]!.floor)]);
    await page.locator(`.object-panel[data-idx="${eqs[1]!.idx}"]`).waitFor({ timeout: 60_000 });
    await waitReady(page);
    // The dock moves left of the panel: they do not overlap.
    const d = (await dock.boundingBox())!;
    const panel = (await page.locator('.object-panel').boundingBox())!;
    expect(d.x + d.width).toBeLessThanOrEqual(panel.x + 0.5);
    await screenshotStats(page, 'alarm-dock-2-twin-flown-1920');
    expect(problems.errors.filter((e) => !/WebGL|GPU|favicon/i.test(e))).toEqual([]);
    expect(problems.external).toEqual([]);
  }, 300_000);

  it('in English: the same dock with English labels', async () => {
    const page = twin.page;
    await page.goto(`${s.server.url}/?park=${s.park}&lang=en`);
    const dock = page.locator('[data-dock="alarms.dock"]');
    await dock.locator(`li[data-idx="${eqs[1]!.idx}"]`).waitFor({ timeout: 120_000 });
    const text = await dock.innerText();
    expect(text).toContain('Live alarms');
    expect(text).toContain('Critical');
    expect(text).toContain('Equipment fault');
    await screenshotStats(page, 'alarm-dock-3-twin-en-1920');
    await page.goto(`${s.server.url}/?park=${s.park}&lang=zh-CN`);
    await twin.context.close();
  }, 300_000);

  it('on the wall (1920x1080, then 3840x1080): inside the twin area, the counts, a click focuses the object', async () => {
    await fault(eqs[2]!);
    // The dock does not wait for the tiles: open the wall without waiting for them (slow under SwiftShader).
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1 });
    const host = new URL(s.server.url).hostname;
    await context.addCookies(s.cookies.map((c) => ({ ...c, domain: host, path: '/' })));
    const page = await context.newPage();
    await page.goto(`${s.server.url}/wall?park=${s.park}&kiosk=1&tour=0&focus=2`);
    page.setDefaultTimeout(120_000);
    const problems = collectProblems(page);
    const dock = page.locator('[data-dock="alarms.dock"]');
    const shown = await page.locator('.wall').waitFor({ timeout: 120_000 }).then(() => true, () => false);
    if (!shown) {
      await screenshotStats(page, 'alarm-dock-4-wall-missing');
      console.log('WALL MISSING', page.url(), problems.errors, (await page.content()).slice(0, 3000));
    }
    expect(shown).toBe(true);
    await screenshotStats(page, 'alarm-dock-4-wall-1920-open');
    await dock.waitFor({ timeout: 60_000 });
    for (const e of eqs) await dock.locator(`li[data-idx="${e.idx}"]`).waitFor({ timeout: 60_000 });
    const crit = (await openCounts()).find((c) => c.severity === 3)?.n ?? 0;
    expect(await dockCount(page, 3)).toBe(String(crit));
    await dockInside(page, '.wall-twin', 'alarm-dock-4-wall-1920');
    await page.setViewportSize({ width: 3840, height: 1080 });
    await expect.poll(() => page.locator('.wall').getAttribute('data-layout'), { timeout: 30_000 }).toBe('32:9');
    await dockInside(page, '.wall-twin', 'alarm-dock-5-wall-3840');
    // Readable on a wall: the dock's text is at least 14 px at 1080 px high.
    const fontPx = await dock.locator('li button').first().evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(fontPx).toBeGreaterThanOrEqual(14);
    // Wait for any focus from loading to end (focus=2 s), then a click on the dock focuses its object.
    await expect.poll(() => page.locator('.wall').getAttribute('data-focus'), { timeout: 60_000 }).toBe('0');
    // The focus lasts 3 s (the shortest the wall allows): record every value the wall takes, so a
    // slow poll on a loaded machine cannot miss it.
    await page.evaluate(() => {
      const wall = document.querySelector('.wall')!;
      const seen: string[] = [];
      (window as unknown as { __focusSeen: string[] }).__focusSeen = seen;
      new MutationObserver(() => seen.push(wall.getAttribute('data-focus') ?? '')).observe(wall, { attributes: true, attributeFilter: ['data-focus'] });
    });
    await dock.locator(`li[data-idx="${eqs[0]!.idx}"] button`).click();
    await expect.poll(() => page.evaluate(() => (window as unknown as { __focusSeen: string[] }).__focusSeen), { timeout: 30_000 }).toContain(String(eqs[0]!.idx));
    await screenshotStats(page, 'alarm-dock-6-wall-3840-focus');
    expect(problems.errors.filter((e) => !/WebGL|GPU|favicon/i.test(e))).toEqual([]);
    expect(problems.external).toEqual([]);
    await context.close();
  }, 400_000);
  it('the wall ticker and the console show alarm texts in the UI language: no English sentence on the Chinese screen, English after the switch', async () => {
    // An over-temperature alarm with parameters (the default rule: above 85 °C), and an old row
    // with no rule and no parameters whose stored message is English.
    const live = alarmsRuntimeOf(s.server.sc)!.live;
    expect(live.ingest.handle({ park: s.park, layer: 'equipment', device: eqs[2]!.code }, { temperature: 95.5 }, 'mqtt').ok).toBe(true);
    await live.writer.drain();
    await expect.poll(async () => {
      await alarmsRuntimeOf(s.server.sc)!.settled();
      return (await s.testDb.db.query("SELECT params FROM alarm WHERE idx = $1 AND kind = 'over_temperature' AND state <> 'cleared' AND rule_id IS NOT NULL", [eqs[2]!.idx])).rows.length;
    }, { timeout: 30_000 }).toBe(1);
    const layer = LAYERS.find((l) => l.name === 'equipment')!.id;
    const legacy = (await s.testDb.db.query<{ id: number }>(
      "INSERT INTO alarm (idx, layer, kind, severity, message, raised_at) VALUES ($1, $2, 'over_temperature', 2, 'legacy sensor reports overheating', now()) RETURNING id",
      [eqs[1]!.idx, layer])).rows[0]!.id;
    /** Alarm sentences with Latin letters and no Chinese character (object names are data and not checked). */
    const latinOnly = (texts: string[]) => texts.filter((x) => /[A-Za-z]{2}/.test(x) && !/[\u3400-\u9fff]/.test(x));
    const tickerTexts = (p: Page) => p.locator('.wall-ticker li.ticker-item').evaluateAll((els) => els.map((el) =>
      [...el.querySelectorAll('.kind, .msg')].map((x) => (x as HTMLElement).innerText.trim()).join(' ')));
    const item = (p: Page, e: Eq, kind: string) => p.locator(`.wall-ticker li.ticker-item[data-idx="${e.idx}"][data-kind="${kind}"]`);

    const context = await browser.newContext({ viewport: { width: 3840, height: 1080 }, deviceScaleFactor: 1 });
    const host = new URL(s.server.url).hostname;
    await context.addCookies(s.cookies.map((c) => ({ ...c, domain: host, path: '/' })));
    const page = await context.newPage();
    page.setDefaultTimeout(120_000);
    const problems = collectProblems(page);
    await page.goto(`${s.server.url}/wall?park=${s.park}&kiosk=1&tour=0&lang=zh-CN`);
    // zh-CN: the rule's Chinese template with the stored values; the old row shows its kind's label, not its English message.
    await expect.poll(() => item(page, eqs[2]!, 'over_temperature').innerText(), { timeout: 120_000 }).toContain('温度 95.5 °C，高于 85 °C');
    await expect.poll(() => item(page, eqs[1]!, 'over_temperature').innerText(), { timeout: 60_000 }).toContain('温度过高');
    expect(await item(page, eqs[1]!, 'over_temperature').innerText()).not.toContain('legacy');
    expect(await item(page, eqs[0]!, 'equipment_fault').innerText()).toContain('设备故障');
    const zhTicker = await tickerTexts(page);
    expect(zhTicker.length).toBeGreaterThanOrEqual(4);
    expect(latinOnly(zhTicker)).toEqual([]);
    const box = (await page.locator('.wall-ticker').boundingBox())!;
    const px = await screenshotStats(page, 'alarm-dock-7-wall-ticker-zh', { x: Math.round(box.x), y: Math.round(box.y), width: Math.round(box.width), height: Math.round(box.height) });
    expect(px.distinct).toBeGreaterThan(6);

    // The console (zh-CN, every state): the message column has no English sentence either.
    await page.setViewportSize({ width: 1600, height: 1000 });
    await page.goto(`${s.server.url}/alarms?park=${s.park}&state=all&lang=zh-CN`);
    const legacyRow = page.locator(`.alarm-list tr[data-alarm="${legacy}"]`);
    await legacyRow.waitFor({ timeout: 60_000 });
    const cells = await page.locator('.alarm-list tbody tr td:nth-child(3), .alarm-list tbody tr td:nth-child(4)').allInnerTexts();
    expect(cells.join(' ')).toContain('温度 95.5 °C，高于 85 °C');
    expect(latinOnly(cells)).toEqual([]);
    expect(await legacyRow.innerText()).not.toContain('legacy');
    await screenshotStats(page, 'alarm-dock-8-console-zh-texts');

    // English: the same alarms in English (the rule's English template; the old row's stored message).
    await page.setViewportSize({ width: 3840, height: 1080 });
    await page.goto(`${s.server.url}/wall?park=${s.park}&kiosk=1&tour=0&lang=en`);
    await expect.poll(() => item(page, eqs[2]!, 'over_temperature').innerText(), { timeout: 120_000 }).toContain('95.5 °C > 85 °C');
    expect(await item(page, eqs[1]!, 'over_temperature').innerText()).toContain('legacy sensor reports overheating');
    expect(await item(page, eqs[0]!, 'equipment_fault').innerText()).toContain('Equipment fault');
    const enTicker = (await tickerTexts(page)).join(' ');
    expect(enTicker).not.toMatch(/[\u3400-\u9fff]/);
    await screenshotStats(page, 'alarm-dock-9-wall-ticker-en', { x: Math.round(box.x), y: Math.round(box.y), width: Math.round(box.width), height: Math.round(box.height) });
    await page.goto(`${s.server.url}/alarms?park=${s.park}&state=all&lang=en`);
    await page.locator(`.alarm-list tr[data-alarm="${legacy}"]`).waitFor({ timeout: 60_000 });
    expect(await page.locator('.alarm-list tbody').innerText()).toContain('95.5 °C > 85 °C');
    await page.goto(`${s.server.url}/alarms?park=${s.park}&lang=zh-CN`);
    expect(problems.errors.filter((e) => !/WebGL|GPU|favicon/i.test(e))).toEqual([]);
    expect(problems.external).toEqual([]);
    await context.close();
  }, 400_000);
});
