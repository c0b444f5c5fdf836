/**
 * Issue 17, must-show 3: an equipment label made by the project (its QR PNG, the same code the
 * printable sheet draws) is turned into a camera stream with ffmpeg and fed to Chromium's fake
 * camera; the 390 px phone page `/scan` decodes it with ZXing and opens the twin on that
 * equipment with its panel, showing the API's values.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ARTIFACTS, collectProblems, ensureClientBuilt, launchBrowser, screenshotStats } from '../../../../test/browser.ts';
import { startSceneServer, type SceneServer } from '../../../../test/scene-harness.ts';
import { labelsModule } from '../../../../twin-server/src/modules/labels/index.ts';
import { labelPng } from '../../../../twin-server/src/modules/labels/sheet.ts';

const MQTT = process.env.TWIN_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const ffmpegMissing = (() => {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'ffmpeg not found';
  }
})();

describe.skipIf(inject('chromiumMissing') !== null || inject('pgMissing') !== null || inject('mqttMissing') !== null || ffmpegMissing !== null)('scanning an equipment label with the phone camera', () => {
  let s: SceneServer;
  let browser: Browser;
  let dir: string;
  let eq: { idx: number; uuid: string; name: string; code: string };

  beforeAll(async () => {
    ensureClientBuilt();
    s = await startSceneServer('postgres', { mqttUrl: MQTT, modules: [labelsModule] });
    eq = (await s.testDb.db.query<{ idx: number; uuid: string; name: string; code: string }>(
      `SELECT e.idx, o.uuid::text AS uuid, o.name, e.code FROM equipment e JOIN twin_object o ON o.idx = e.idx
       WHERE e.room_idx IS NOT NULL ORDER BY e.idx LIMIT 1`)).rows[0]!;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-scan-'));
    // The label as the printer makes it, held in front of the camera: white surround, 640x480.
    fs.writeFileSync(path.join(dir, 'label.png'), await labelPng(s.server.url, eq.uuid, 6));
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-loop', '1', '-i', path.join(dir, 'label.png'),
      '-vf', 'pad=640:480:(ow-iw)/2:(oh-ih)/2:white,format=yuv420p', '-frames:v', '20', '-r', '10', '-f', 'yuv4mpegpipe', path.join(dir, 'label.y4m')]);
    browser = await launchBrowser(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${path.join(dir, 'label.y4m')}`]);
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('3. the label seen by the camera opens that equipment\'s panel on a 390 px page', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
    const u = new URL(s.server.url);
    await context.addCookies(s.cookies.map((c) => ({ ...c, domain: u.hostname, path: '/' })));
    await context.grantPermissions(['camera'], { origin: s.server.url });
    const page = await context.newPage();
    const problems = collectProblems(page);
    await page.goto(`${s.server.url}/scan?park=${s.park}`);
    await page.locator('.scan-view').waitFor();
    // Decoded, resolved and navigated: the twin with the equipment selected.
    await page.waitForURL((url) => url.pathname === '/' && url.searchParams.get('o') === String(eq.idx), { timeout: 120_000 });
    const panel = page.locator(`.object-panel[data-idx="${eq.idx}"]`);
    await panel.locator('.object-name').waitFor({ timeout: 120_000 });
    await expect.poll(() => panel.locator('.object-name').textContent(), { timeout: 60_000 }).toBe(eq.name);
    await panel.locator('tr[data-attr="code"]').waitFor({ timeout: 30_000 });
    expect(await panel.locator('tr[data-attr="code"] td').textContent()).toBe(eq.code);
    // The panel fits the phone's width.
    const box = (await panel.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(391);
    const stats = await screenshotStats(page, 'xr-3-scan-opened');
    expect(stats.distinct).toBeGreaterThan(20);
    expect(fs.existsSync(path.join(ARTIFACTS, 'xr-3-scan-opened.png'))).toBe(true);
    expect(problems.external).toEqual([]);
    await context.close();
  }, 300_000);
});
