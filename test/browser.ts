/**
 * Headless Chromium for browser tests (Debian's /usr/bin/chromium through playwright-core,
 * WebGL through SwiftShader), plus pixel checks: a blank page must fail.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CHROMIUM_PATH = process.env.TWIN_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = path.join(ROOT, 'test-results');

/** Chromium's flags on this machine (headless, SwiftShader WebGL, no background traffic). */
export const BROWSER_FLAGS: readonly string[] = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist',
];

/** Launches Chromium with the flags this machine needs (plus `extraArgs`, e.g. a bench's own). */
export function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...BROWSER_FLAGS, ...extraArgs], headless: true });
}

/** Console errors and failed requests collected from a page, for "no console errors" checks. */
export function collectProblems(page: Page): { errors: string[]; external: string[] } {
  const out = { errors: [] as string[], external: [] as string[] };
  page.on('console', (m) => {
    if (m.type() === 'error') out.errors.push(m.text());
  });
  page.on('pageerror', (e) => out.errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (!['localhost', '127.0.0.1', '[::1]'].includes(u.hostname) && !['data:', 'blob:'].includes(u.protocol)) {
      out.external.push(r.url());
    }
  });
  return out;
}

/** Statistics of an RGBA region of a PNG screenshot, computed in the page (no image library needed). */
export interface PixelStats {
  readonly mean: [number, number, number];
  /** Distinct colours after quantizing to 5 bits per channel. */
  readonly distinct: number;
  /** Standard deviation of luminance. */
  readonly lumaStd: number;
}

/**
 * Takes a screenshot (saved under test-results/<name>.png) and returns pixel statistics of the
 * given region (default: whole viewport), decoded in the page itself.
 */
export async function screenshotStats(
  page: Page,
  name: string,
  region?: { x: number; y: number; width: number; height: number },
): Promise<PixelStats> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const png = await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
  return pngStats(page, png, region);
}

/** Decodes a PNG in the browser and measures a region of it. */
export async function pngStats(
  page: Page,
  png: Buffer,
  region?: { x: number; y: number; width: number; height: number },
): Promise<PixelStats> {
  return page.evaluate(
    async ({ b64, region }) => {
      const blob = await (await fetch(`data:image/png;base64,${b64}`)).blob();
      const bmp = await createImageBitmap(blob);
      const r = region ?? { x: 0, y: 0, width: bmp.width, height: bmp.height };
      const c = new OffscreenCanvas(r.width, r.height);
      const g = c.getContext('2d')!;
      g.drawImage(bmp, -r.x, -r.y);
      const d = g.getImageData(0, 0, r.width, r.height).data;
      let sr = 0, sg = 0, sb = 0, sl = 0, sl2 = 0;
      const set = new Set<number>();
      const n = d.length / 4;
      for (let i = 0; i < d.length; i += 4) {
        const R = d[i]!, G = d[i + 1]!, B = d[i + 2]!;
        sr += R; sg += G; sb += B;
        const l = 0.2126 * R + 0.7152 * G + 0.0722 * B;
        sl += l; sl2 += l * l;
        set.add(((R >> 3) << 10) | ((G >> 3) << 5) | (B >> 3));
      }
      const ml = sl / n;
      return {
        mean: [sr / n, sg / n, sb / n] as [number, number, number],
        distinct: set.size,
        lumaStd: Math.sqrt(Math.max(0, sl2 / n - ml * ml)),
      };
    },
    { b64: png.toString('base64'), region },
  );
}

/** Reads one pixel [r,g,b] of a PNG screenshot at viewport coordinates. */
export async function pixelAt(page: Page, png: Buffer, x: number, y: number): Promise<[number, number, number]> {
  const s = await pngStats(page, png, { x: Math.round(x) - 1, y: Math.round(y) - 1, width: 3, height: 3 });
  return s.mean.map((v) => Math.round(v)) as [number, number, number];
}

/**
 * Builds the client bundle if it is missing or older than its sources. Runs under a lock file so
 * parallel test files do not build twice.
 */
export function ensureClientBuilt(): string {
  const dist = path.join(ROOT, 'twin-client/dist');
  const stamp = path.join(dist, 'index.html');
  const lock = path.join(ROOT, 'node_modules/.twin-client-build.lock');
  execFileSync('flock', [lock, 'node', path.join(ROOT, 'scripts/build-if-stale.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (!fs.existsSync(stamp)) throw new Error('client build did not produce twin-client/dist/index.html');
  return dist;
}
