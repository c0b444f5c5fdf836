/**
 * `twin bench xr`: the frame time of the twin in an emulated headset (iwer's Meta Quest 3 in
 * headless Chromium, SwiftShader) beside the same view in the normal canvas, as a ratio, from
 * ABBA windows in one run. The view: the whole park from 600 m out and 250 m up. Frame time is the
 * twin's own (FrameDriver: flush + render + gl.finish), so the XR figure includes drawing both
 * eyes into the XR framebuffer. SwiftShader is a CPU rasterizer: the ratio, not the absolute
 * figures, says what XR costs; real headsets budget 13.9 ms (72 Hz) or 11.1 ms (90 Hz).
 */
import type { Args } from '../twin-server/src/cli/args.ts';
import { numberFlag } from '../twin-server/src/cli/args.ts';
import type { Bench } from './types.ts';
import { benchAdminUrl, createScratchDatabase } from '../twin-server/src/db/scratch.ts';
import { ensureClientBuilt, launchBrowser } from '../test/browser.ts';
import { startSceneServer, twinEval } from '../test/scene-harness.ts';
import { labelsModule } from '../twin-server/src/modules/labels/index.ts';
import { lookQuat, openXrPage, setHeadset, xrEval, yawTowards } from '../test/xr-harness.ts';

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export const xrBench: Bench = {
  summary: 'XR frame time (emulated headset, SwiftShader) vs the same view in the normal canvas, ratio',
  async run(args: Args) {
    const windowMs = numberFlag(args, 'window', 4000, 500, 60_000);
    const pairs = numberFlag(args, 'pairs', 2, 1, 10);
    ensureClientBuilt();
    const scratch = await createScratchDatabase(benchAdminUrl(), 'twin_bench_xr');
    const s = await startSceneServer('postgres', { testDb: { db: scratch.db, backend: 'postgres', url: scratch.url, drop: scratch.drop }, modules: [labelsModule] });
    const browser = await launchBrowser();
    try {
      const { page } = await openXrPage(browser, s, '/xr', { width: 960, height: 540 });
      const ready = () => page.waitForFunction(() => Boolean((window as unknown as { __twin?: { ready(): boolean } }).__twin?.ready()), undefined, { timeout: 180_000, polling: 250 });
      await ready();
      const target = [0, 0, 0];
      const eye = [600, 250, 600];
      const quat = lookQuat(yawTowards(eye, target), -Math.atan2(250, Math.hypot(600, 600)));
      await setHeadset(page, eye, quat);
      const canvasWindow = async () => {
        await twinEval(page, (t, a: { eye: number[]; target: number[] }) => t.setCamera(a.eye as [number, number, number], a.target as [number, number, number]), { eye, target });
        await ready();
        return twinEval(page, (t, ms: number) => t.measure(ms, 0), windowMs);
      };
      const xrWindow = async () => {
        const err = await xrEval(page, (x) => x.enter('immersive-vr'));
        if (err) throw new Error(`XR session refused: ${err}`);
        await ready();
        const r = await twinEval(page, (t, ms: number) => t.measure(ms, 0), windowMs);
        const res = await xrEval(page, (x) => x.state().resolution);
        await xrEval(page, (x) => x.exit());
        await page.waitForFunction(() => !(window as unknown as { __xr: { state(): { presenting: boolean } } }).__xr.state().presenting);
        return { ...r, res };
      };
      const canvas: number[] = [];
      const xr: number[] = [];
      let info = { drawCanvas: 0, drawXr: 0, res: [0, 0] as number[] };
      for (let i = 0; i < pairs; i++) {
        // ABBA: canvas, XR, XR, canvas.
        const a = await canvasWindow();
        const b = await xrWindow();
        const b2 = await xrWindow();
        const a2 = await canvasWindow();
        canvas.push(a.medianMs, a2.medianMs);
        xr.push(b.medianMs, b2.medianMs);
        info = { drawCanvas: a.drawCalls, drawXr: b.drawCalls, res: b.res };
      }
      const c = median(canvas);
      const x = median(xr);
      const lines = [
        `Emulated Meta Quest 3 (iwer) in headless Chromium, SwiftShader, page 960x540; ${pairs} ABBA pairs of ${windowMs} ms windows. Command: \`npm run bench -- xr [--window MS] [--pairs N]\`\n`,
        '| view | median frame ms | draw calls | render size |',
        '| --- | ---: | ---: | --- |',
        `| normal canvas | ${c.toFixed(2)} | ${info.drawCanvas} | 960x540 |`,
        `| XR session (both eyes) | ${x.toFixed(2)} | ${info.drawXr} | ${info.res[0]}x${info.res[1]} per eye |`,
        '',
        `XR / canvas frame time: **${(x / c).toFixed(2)}x** (windows: canvas ${canvas.map((v) => v.toFixed(2)).join(', ')}; XR ${xr.map((v) => v.toFixed(2)).join(', ')})`,
      ];
      for (const l of lines) console.log(l);
      return lines;
    } finally {
      await browser.close();
      await s.stop();
    }
  },
};
