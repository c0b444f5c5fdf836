/**
 * Issue 16 in headless Chromium against the real server (PostgreSQL + PostGIS, the seeded sample
 * park, real ffmpeg, the alarms and wall modules):
 * - must-show 1: a security operator opens a camera's panel in the twin and its live video plays
 *   (the element's time advances, its pixels are not blank) and the name burned into the picture
 *   is this camera's: the frame's name line matches a reference render of "CAM <idx> <code>"
 *   made with the same bundled font, and does not match another camera's name;
 * - a camera whose source is down shows the fallback message;
 * - must-show 4: an alarm raised on an object, opened from the alarm console ("fly to"), shows
 *   the nearest camera that sees it playing beside the scene, and its replay starts before the
 *   alarm time;
 * - camera frustums drawn in 3D with a toggle (magenta pixels appear and go);
 * - the video wall (`/video`) plays a 4-grid, and the command wall (`/wall?video=4`) too.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS, collectProblems, ensureClientBuilt, launchBrowser, pngStats } from '../../../../test/browser.ts';
import { startSceneServer, waitReady, type SceneServer } from '../../../../test/scene-harness.ts';
import { hashPassword } from '../../../../twin-server/src/auth/password.ts';
import { videoModule, videoRuntime } from '../../../../twin-server/src/modules/video/index.ts';
import { labelFilter } from '../../../../twin-server/src/modules/video/gateway.ts';
import { notificationsModule } from '../../../../twin-server/src/kit/notifications/module.ts';
import { alarmsModule } from '../../../../twin-server/src/modules/alarms/index.ts';
import { wallModule } from '../../../../twin-server/src/modules/wall/index.ts';

const run = promisify(execFile);
const SIM = { w: 320, h: 180 };

/** The luma of a reference render of a simulated camera's name line (ffmpeg, the same drawtext and bundled font, on black). */
async function referenceLabel(text: string): Promise<Uint8Array> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-label-'));
  try {
    const file = path.join(dir, 'label.txt');
    fs.writeFileSync(file, text);
    const out = await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `color=c=black:s=${SIM.w}x${SIM.h}:r=1`, '-vf', labelFilter(SIM.h, file),
      '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { encoding: 'buffer', maxBuffer: 1 << 20 });
    return new Uint8Array(out.stdout as unknown as Buffer);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * How far a frame's name line is from a reference: both binarized (white text on the black box),
 * compared over the reference's text box (1 px margin) in windows one character wide; the worst
 * window's share of differing pixels (0 = identical). A single wrong character scores several
 * times higher than the right name blurred by the H.264 encoding.
 */
function labelDistance(frame: ArrayLike<number>, ref: Uint8Array, w = SIM.w): number {
  let x0 = w;
  let x1 = 0;
  let y0 = SIM.h;
  let y1 = 0;
  for (let y = 0; y < SIM.h / 3; y++) {
    for (let x = 0; x < w; x++) {
      if (ref[y * w + x]! > 128) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  if (x1 <= x0) throw new Error('empty reference');
  const win = 9;
  let worst = 0;
  for (let wx = x0 - 1; wx <= x1 + 1 - win; wx += 3) {
    let diff = 0;
    let n = 0;
    for (let y = y0 - 1; y <= y1 + 1; y++) {
      for (let x = wx; x < wx + win; x++) {
        n++;
        if ((frame[y * w + x]! > 128) !== (ref[y * w + x]! > 128)) diff++;
      }
    }
    worst = Math.max(worst, diff / n);
  }
  return worst;
}

const MQTT = process.env.TWIN_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

describe.skipIf(inject('chromiumMissing') !== null || inject('pgMissing') !== null || inject('mqttMissing') !== null)('live video in the browser (security operator)', () => {
  let s: SceneServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let camera: { idx: number; code: string };
  let dead: number;
  let deadCode: string;
  let cookies: { name: string; value: string }[];

  beforeAll(async () => {
    ensureClientBuilt();
    s = await startSceneServer('postgres', {
      mqttUrl: MQTT, modules: [notificationsModule(), alarmsModule(), wallModule, videoModule({ settings: { maxTranscodes: 8, segmentS: 1 } })],
    });
    const db = s.testDb.db;
    const parkIdx = (await db.query<{ idx: number }>('SELECT idx FROM park WHERE code = $1', [s.park])).rows[0]!.idx;
    await videoModule().seed!(s.server.sc, { parkIdx });
    const cams = (await db.query<{ idx: number; code: string }>(
      "SELECT e.idx, e.code FROM camera c JOIN equipment e ON e.idx = c.idx WHERE e.park_idx = $1 AND c.coverage = 'main_gate' ORDER BY e.idx LIMIT 2", [parkIdx])).rows;
    camera = cams[0]!;
    dead = cams[1]!.idx;
    deadCode = cams[1]!.code;
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

    // The burned-in name is this camera's: the frame at its own size (320x180) against reference renders.
    const frame = await page.$eval(sel, (v) => {
      const video = v as HTMLVideoElement;
      const c = document.createElement('canvas');
      c.width = video.videoWidth;
      c.height = video.videoHeight;
      const g = c.getContext('2d')!;
      g.drawImage(video, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      const luma: number[] = [];
      for (let i = 0; i < d.length; i += 4) luma.push(Math.round(0.299 * d[i]! + 0.587 * d[i + 1]! + 0.114 * d[i + 2]!));
      return luma;
    });
    const own = labelDistance(frame, await referenceLabel(`CAM ${camera.idx} ${camera.code}`));
    const other = labelDistance(frame, await referenceLabel(`CAM ${dead} ${deadCode}`));
    const shifted = labelDistance(frame, await referenceLabel(`CAM ${camera.idx + 1} ${camera.code}`));
    console.log(`[video] burned-in name vs reference: own ${own.toFixed(3)}, another camera's ${other.toFixed(3)}, idx+1 ${shifted.toFixed(3)}`);
    expect(own).toBeLessThan(0.1);
    expect(other).toBeGreaterThan(Math.max(0.15, 3 * own));
    expect(shifted).toBeGreaterThan(Math.max(0.15, 3 * own));

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
  /** An outdoor device some simulated camera sees, and that camera (the nearest). */
  async function seenDevice(skip: number[] = []): Promise<{ idx: number; camera: number; code: string }> {
    const db = s.testDb.db;
    const candidates = (await db.query<{ idx: number }>(
      "SELECT e.idx FROM equipment e WHERE e.park_idx = (SELECT idx FROM park WHERE code = $1) AND e.type <> 'camera' AND e.floor_idx IS NULL ORDER BY e.idx LIMIT 300", [s.park])).rows;
    const cookie = cookies.map((c) => `${c.name}=${encodeURIComponent(c.value)}`).join('; ');
    for (const c of candidates) {
      if (skip.includes(c.idx)) continue;
      const r = await fetch(`${s.server.url}/api/video/cameras/seeing?idx=${c.idx}&limit=3`, { headers: { Cookie: cookie } });
      const body = (await r.json()) as { cameras: { idx: number; code: string; source: string | null }[] };
      const cam = body.cameras.find((x) => x.source !== null);
      if (cam?.source === 'simulated') return { idx: c.idx, camera: cam.idx, code: cam.code };
    }
    throw new Error('no outdoor device seen by a simulated camera');
  }

  it('an alarm opened from the alarm console shows the nearest camera that sees it, and replays from before the alarm', async () => {
    const db = s.testDb.db;
    const target = await seenDevice();
    // The camera is recorded before the alarm (flagged for rolling recording: kept running with nobody watching).
    await db.query('UPDATE video_source SET record = true WHERE camera_idx = $1', [target.camera]);
    const rec = videoRuntime(s.server.sc)!.recorder!;
    const until = Date.now() + 60_000;
    while (((await rec.segments(target.camera, 0, Date.now()))[0]?.startMs ?? Infinity) > Date.now() - 14_000) {
      if (Date.now() > until) throw new Error('the flagged camera was not recorded');
      await new Promise((r) => setTimeout(r, 500));
    }
    const raised = new Date();
    const alarmId = Number((await db.query<{ id: string }>(
      "INSERT INTO alarm (idx, layer, kind, severity, message, raised_at) VALUES ($1, 1, 'equipment_fault', 2, 'video linkage test', $2) RETURNING id", [target.idx, raised])).rows[0]!.id);

    await open(`/alarms?park=${s.park}&state=all`);
    const row = page.locator(`.alarm-list tr[data-alarm="${alarmId}"]`);
    await row.waitFor({ timeout: 60_000 });
    await row.locator(`[data-fly="${target.idx}"]`).click();
    await page.waitForURL((u) => u.pathname === '/' && u.searchParams.get('o') === String(target.idx), { timeout: 15_000 });
    const section = page.locator(`section[data-section="video.seeing"] .video-seeing[data-alarm="${alarmId}"]`);
    await section.waitFor({ timeout: 90_000 });
    expect(await page.locator('section[data-section="video.seeing"] h3').textContent()).toBe('告警联动：可见告警处的摄像机');
    expect((await section.getAttribute('data-cameras'))!.split(',')[0]).toBe(String(target.camera));
    // The nearest camera plays live beside the scene.
    const live = `section[data-section="video.seeing"] .video-player[data-mode="live"] video[data-camera="${target.camera}"]`;
    await page.waitForFunction((q) => {
      const v = document.querySelector<HTMLVideoElement>(q);
      return Boolean(v && v.readyState >= 2 && v.currentTime > 0.5);
    }, live, { timeout: 60_000, polling: 200 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'video-alarm-live.png') });

    // Replay from before the alarm: the recording starts before the alarm time and plays.
    await page.locator('section[data-section="video.seeing"] button[data-action="video.alarm-replay"]').click();
    const rp = 'section[data-section="video.seeing"] .video-player[data-mode="replay"]';
    await page.waitForSelector(`${rp}[data-starts-at]`, { timeout: 30_000 });
    const startsAt = Date.parse((await page.locator(rp).getAttribute('data-starts-at'))!);
    await page.waitForFunction((q) => {
      const v = document.querySelector<HTMLVideoElement>(q);
      return Boolean(v && v.readyState >= 2 && v.currentTime > 0.5);
    }, `${rp} video`, { timeout: 60_000, polling: 200 });
    const r1 = await page.$eval(`${rp} video`, (v) => (v as HTMLVideoElement).currentTime);
    await page.waitForTimeout(1500);
    const r2 = await page.$eval(`${rp} video`, (v) => (v as HTMLVideoElement).currentTime);
    console.log(`[video] alarm ${alarmId} at ${raised.toISOString()} on ${target.idx}: camera ${target.code}, replay starts ${(raised.getTime() - startsAt) / 1000} s before, currentTime ${r1.toFixed(2)} -> ${r2.toFixed(2)}`);
    expect(startsAt).toBeLessThan(raised.getTime());
    expect(raised.getTime() - startsAt).toBeGreaterThanOrEqual(8000);
    expect(r2).toBeGreaterThan(r1);
    expect(await page.locator('section[data-section="video.seeing"] .video-alarm-time').textContent()).toContain('正在回放告警前 10 秒');
    await page.screenshot({ path: path.join(ARTIFACTS, 'video-alarm-replay.png') });
    await db.query('UPDATE video_source SET record = false WHERE camera_idx = $1', [target.camera]);
    await context.close();
  }, 240_000);

  it('camera frustums are drawn in 3D with a toggle', async () => {
    const target = await seenDevice();
    await open(`/?park=${s.park}&layer=none`);
    await waitReady(page);
    const toggle = page.locator('button[data-action="video.frustums"]');
    await toggle.waitFor({ timeout: 30_000 });
    expect(await toggle.textContent()).toContain('摄像机视野');
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    // Look at the camera that sees the device, from a little way off.
    await page.evaluate((idx) => (window as unknown as { __twin: { frameObject(i: number, f: number): void } }).__twin.frameObject(idx, 120), target.camera);
    await waitReady(page);
    const magenta = () => page.evaluate(() => {
      const src = document.querySelector('canvas')!;
      const c = document.createElement('canvas');
      c.width = src.width;
      c.height = src.height;
      const g = c.getContext('2d')!;
      g.drawImage(src, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i]! > 150 && d[i + 2]! > 130 && d[i + 1]! < 110 && d[i]! - d[i + 1]! > 100) n++;
      return n;
    });
    const before = await magenta();
    await toggle.click();
    await page.waitForFunction(() => Number(document.querySelector('button[data-action="video.frustums"]')?.getAttribute('data-frustums')) > 0, undefined, { timeout: 30_000 });
    await page.waitForTimeout(800);
    const on = await magenta();
    const drawn = Number(await toggle.getAttribute('data-frustums'));
    await page.screenshot({ path: path.join(ARTIFACTS, 'video-frustums.png') });
    await toggle.click();
    await page.waitForTimeout(800);
    const off = await magenta();
    console.log(`[video] frustums: ${drawn} cameras drawn; magenta pixels off ${before} -> on ${on} -> off ${off}`);
    expect(drawn).toBeGreaterThan(10);
    expect(on - before).toBeGreaterThan(300);
    expect(off).toBeLessThan(on / 10);
    // Remembered: the next visit starts with the toggle as it was left (off).
    await context.close();
  }, 180_000);

  it('the command wall shows a 4-grid of live cameras over the twin', async () => {
    // As the leadership viewer (the wall's read permissions include security:read).
    context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1 });
    const u = new URL(s.server.url);
    await context.addCookies(s.cookies.map((c) => ({ ...c, domain: u.hostname, path: '/' })));
    page = await context.newPage();
    await page.goto(`${s.server.url}/wall?park=${s.park}&video=4&tour=0`);
    await page.waitForSelector('.wall-video[data-wall-video="4"]', { timeout: 60_000 });
    expect(await page.locator('.wall-video-tile').count()).toBe(4);
    await page.waitForFunction(() => {
      const vs = [...document.querySelectorAll<HTMLVideoElement>('.wall-video video')];
      return vs.filter((v) => v.readyState >= 2 && v.currentTime > 0.5).length >= 3;
    }, undefined, { timeout: 150_000, polling: 500 }).catch(async (e: unknown) => {
      // Say what each tile shows, and what the gateway runs, before failing.
      const tiles = await page.locator('.video-player').evaluateAll((els) => els.map((el) => ({
        camera: el.getAttribute('data-video'), state: el.getAttribute('data-state'), error: el.querySelector('[data-error]')?.getAttribute('data-error') ?? null,
        title: el.querySelector('[data-error]')?.getAttribute('title') ?? null, t: (el.querySelector('video') as HTMLVideoElement | null)?.currentTime ?? null,
      })));
      console.log('[video] wall tiles at timeout', JSON.stringify(tiles), JSON.stringify(videoRuntime(s.server.sc)?.gateway.status()));
      await page.screenshot({ path: path.join(ARTIFACTS, 'video-wall-command-timeout.png') });
      throw e;
    });
    const png = await page.locator('.wall-video').screenshot({ path: path.join(ARTIFACTS, 'video-wall-command.png') });
    const stats = await pngStats(page, png);
    console.log(`[video] command wall grid: distinct ${stats.distinct}, luma std ${stats.lumaStd.toFixed(1)}`);
    expect(stats.distinct).toBeGreaterThan(200);
    await page.screenshot({ path: path.join(ARTIFACTS, 'video-wall-command-page.png') });
    await context.close();
  }, 240_000);
});
