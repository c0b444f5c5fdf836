/**
 * Issue 16 must-show 1 in headless Chromium against the real server (PostgreSQL + PostGIS, the
 * seeded sample park, real ffmpeg): a security operator opens a camera's panel in the twin and its
 * live video plays (the element's time advances, its pixels are not blank; the screenshot shows
 * the camera's code burned in); a camera whose source is down shows the fallback message; and the
 * video wall view plays a 4-grid.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS, collectProblems, ensureClientBuilt, launchBrowser, pngStats } from '../../../../test/browser.ts';
import { startSceneServer, waitReady, type SceneServer } from '../../../../test/scene-harness.ts';
import { hashPassword } from '../../../../twin-server/src/auth/password.ts';
import { videoModule, videoRuntime } from '../../../../twin-server/src/modules/video/index.ts';

const MQTT = process.env.TWIN_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

describe.skipIf(inject('chromiumMissing') !== null || inject('pgMissing') !== null || inject('mqttMissing') !== null)('live video in the browser (security operator)', () => {
  let s: SceneServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let camera: { idx: number; code: string };
  let dead: number;
  let cookies: { name: string; value: string }[];

  beforeAll(async () => {
    ensureClientBuilt();
    s = await startSceneServer('postgres', { mqttUrl: MQTT, modules: [videoModule({ settings: { maxTranscodes: 6, segmentS: 1 } })] });
    const db = s.testDb.db;
    const parkIdx = (await db.query<{ idx: number }>('SELECT idx FROM park WHERE code = $1', [s.park])).rows[0]!.idx;
    await videoModule().seed!(s.server.sc, { parkIdx });
    const cams = (await db.query<{ idx: number; code: string }>(
      "SELECT e.idx, e.code FROM camera c JOIN equipment e ON e.idx = c.idx WHERE e.park_idx = $1 AND c.coverage = 'main_gate' ORDER BY e.idx LIMIT 2", [parkIdx])).rows;
    camera = cams[0]!;
    dead = cams[1]!.idx;
    await db.query("UPDATE video_source SET source_kind = 'rtsp', url = 'rtsp://127.0.0.1:9/dead' WHERE camera_idx = $1", [dead]);

    const username = `sec-${randomBytes(3).toString('hex')}`;
    const password = `Pw-${randomBytes(6).toString('hex')}-X1`;
    await db.query(
      `INSERT INTO app_user (username, display_name, password_hash, roles, must_change_password, password_changed_at, created_at)
       VALUES ($1, $1, $2, $3, false, now(), now())`, [username, await hashPassword(password), ['security_operator']]);
    const res = await fetch(`${s.server.url}/api/auth/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Origin: s.server.url }, body: JSON.stringify({ username, password }),
    });
    expect(res.status).toBe(200);
    cookies = res.headers.getSetCookie().map((c) => {
      const pair = c.split(';')[0]!;
      const eq = pair.indexOf('=');
      return { name: pair.slice(0, eq), value: decodeURIComponent(pair.slice(eq + 1)) };
    });
    browser = await launchBrowser(['--autoplay-policy=no-user-gesture-required']);
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await s?.stop();
  });

  const open = async (pathAndQuery: string) => {
    context = await browser.newContext({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
    const u = new URL(s.server.url);
    await context.addCookies(cookies.map((c) => ({ ...c, domain: u.hostname, path: '/' })));
    page = await context.newPage();
    await page.goto(`${s.server.url}${pathAndQuery}`);
  };

  it('the camera panel plays live video: time advances and the picture is not blank', async () => {
    await open(`/?park=${s.park}&o=${camera.idx}`);
    const problems = collectProblems(page);
    await waitReady(page);
    const sel = `section[data-section="video.live"] video[data-camera="${camera.idx}"]`;
    await page.waitForSelector(sel, { timeout: 30_000 });
    await page.waitForFunction((q) => {
      const v = document.querySelector<HTMLVideoElement>(q);
      return Boolean(v && v.readyState >= 2 && v.currentTime > 0.5);
    }, sel, { timeout: 60_000, polling: 200 });
    const t1 = await page.$eval(sel, (v) => (v as HTMLVideoElement).currentTime);
    await page.waitForTimeout(2500);
    const t2 = await page.$eval(sel, (v) => (v as HTMLVideoElement).currentTime);
    console.log(`[video] camera ${camera.idx} ${camera.code}: currentTime ${t1.toFixed(2)} -> ${t2.toFixed(2)}`);
    expect(t2 - t1).toBeGreaterThan(1);
    expect(await page.$eval(sel, (v) => [(v as HTMLVideoElement).videoWidth, (v as HTMLVideoElement).videoHeight])).toEqual([320, 180]);

    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const png = await page.locator(sel).screenshot({ path: path.join(ARTIFACTS, 'video-panel.png') });
    const stats = await pngStats(page, png);
    console.log(`[video] panel video pixels: distinct ${stats.distinct}, luma std ${stats.lumaStd.toFixed(1)}`);
    expect(stats.distinct).toBeGreaterThan(50);
    expect(stats.lumaStd).toBeGreaterThan(20);
    await page.screenshot({ path: path.join(ARTIFACTS, 'video-panel-page.png') });
    expect(await page.locator('section[data-section="video.live"] h3').textContent()).toBe('实时视频');

    // Replay: the recording of the last seconds plays from its start.
    await page.locator('section[data-section="video.live"] button[data-action="video.replay"]').click();
    const rsel = 'section[data-section="video.live"] .video-player[data-mode="replay"] video';
    await page.waitForFunction((q) => {
      const v = document.querySelector<HTMLVideoElement>(q);
      return Boolean(v && v.readyState >= 2 && v.currentTime > 0.5);
    }, rsel, { timeout: 60_000, polling: 200 });
    const r1 = await page.$eval(rsel, (v) => (v as HTMLVideoElement).currentTime);
    await page.waitForTimeout(1500);
    const r2 = await page.$eval(rsel, (v) => (v as HTMLVideoElement).currentTime);
    console.log(`[video] replay currentTime ${r1.toFixed(2)} -> ${r2.toFixed(2)}`);
    expect(r2).toBeGreaterThan(r1);
    expect(await page.locator('section[data-section="video.live"] h3').textContent()).toMatch(/^录像回放/);
    await page.locator('section[data-section="video.live"] .video-player').screenshot({ path: path.join(ARTIFACTS, 'video-replay.png') });
    await page.locator('section[data-section="video.live"] button[data-action="video.live"]').click();
    await page.waitForSelector('section[data-section="video.live"] .video-player[data-mode="live"][data-state="playing"]', { timeout: 30_000 });

    expect(problems.external).toEqual([]);
    expect(problems.errors.filter((e) => /Content Security Policy|hls/i.test(e))).toEqual([]);

    // Closing the page stops watching: the server's transcoder goes away.
    await context.close();
    const g = videoRuntime(s.server.sc)!.gateway;
    const until = Date.now() + 40_000;
    while (g.status().some((t) => t.camera === camera.idx) && Date.now() < until) await new Promise((r) => setTimeout(r, 500));
    expect(g.status().filter((t) => t.camera === camera.idx)).toEqual([]);
  }, 240_000);

  it('an object seen by a camera shows that camera playing in its panel (the pictures of an alarm there)', async () => {
    // An outdoor device some simulated camera sees (the server test checks the geometry itself).
    const db = s.testDb.db;
    const candidates = (await db.query<{ idx: number }>(
      "SELECT e.idx FROM equipment e WHERE e.park_idx = (SELECT idx FROM park WHERE code = $1) AND e.type <> 'camera' AND e.floor_idx IS NULL ORDER BY e.idx LIMIT 200", [s.park])).rows;
    const cookie = cookies.map((c) => `${c.name}=${encodeURIComponent(c.value)}`).join('; ');
    let target: { idx: number; camera: number } | null = null;
    for (const c of candidates) {
      const r = await fetch(`${s.server.url}/api/video/cameras/seeing?idx=${c.idx}&limit=3`, { headers: { Cookie: cookie } });
      const body = (await r.json()) as { cameras: { idx: number; source: string | null }[] };
      const cam = body.cameras.find((x) => x.source === 'simulated');
      if (cam) {
        target = { idx: c.idx, camera: cam.idx };
        break;
      }
    }
    expect(target, 'an outdoor device seen by a camera').not.toBeNull();
    await open(`/?park=${s.park}&o=${target!.idx}`);
    const sel = `section[data-section="video.seeing"] video[data-camera="${target!.camera}"]`;
    await page.waitForSelector(sel, { timeout: 60_000 });
    await page.waitForFunction((q) => {
      const v = document.querySelector<HTMLVideoElement>(q);
      return Boolean(v && v.readyState >= 2 && v.currentTime > 0.5);
    }, sel, { timeout: 60_000, polling: 200 });
    expect(await page.locator('section[data-section="video.seeing"] h3').textContent()).toBe('可见此处的摄像机');
    await page.screenshot({ path: path.join(ARTIFACTS, 'video-seeing.png') });
    await context.close();
  }, 180_000);

  it('a camera whose source is down shows the fallback message in the panel', async () => {
    await open(`/?park=${s.park}&o=${dead}`);
    await page.waitForSelector(`section[data-section="video.live"] [data-error="down"]`, { timeout: 60_000 });
    expect(await page.locator('section[data-section="video.live"] [data-error="down"] span').textContent()).toBe('摄像机视频源离线');
    await context.close();
  }, 120_000);

  it('the video wall plays a 4-grid', async () => {
    await open(`/video?park=${s.park}&grid=4`);
    await page.waitForSelector('.video-grid[data-grid="4"]', { timeout: 30_000 });
    expect(await page.locator('.video-tile').count()).toBe(4);
    await page.waitForFunction(() => {
      const vs = [...document.querySelectorAll<HTMLVideoElement>('.video-grid video')];
      return vs.filter((v) => v.readyState >= 2 && v.currentTime > 0.5).length >= 3;
    }, undefined, { timeout: 90_000, polling: 500 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'video-wall.png') });
    // The G5 coverage check: one row per category, places without a camera counted.
    await page.locator('button[data-action="video.coverage"]').click();
    await page.waitForSelector('table.video-coverage tr[data-category="lift_car"]', { timeout: 30_000 });
    expect(await page.locator('table.video-coverage tbody tr').count()).toBe(11);
    const rows = await page.$$eval('table.video-coverage tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent).join(' | ')));
    console.log(`[video] coverage of the sample park:\n${rows.join('\n')}`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'video-coverage.png') });
    await context.close();
  }, 180_000);
});
