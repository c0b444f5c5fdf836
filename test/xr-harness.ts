/**
 * Test-only helpers for the XR browser tests and the XR bench: a page with the Immersive Web
 * Emulation Runtime (iwer, an emulated Meta Quest 3) injected before the app loads, a floor-plane
 * synthetic environment for AR hit-tests, and poses for the emulated headset and controllers.
 * Never imported by the app.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Euler, Quaternion } from 'three';
import type { SceneServer } from './scene-harness.ts';
import type { XrTestHook } from '../twin-client/src/modules/xr/testHook.ts';

const require = createRequire(import.meta.url);
const IWER_UMD = fs.readFileSync(require.resolve('iwer/build/iwer.js'), 'utf8');

/**
 * Opens a view logged in as the scene server's viewer (or with `opts.cookies`, another user's
 * session), with the emulated XR device installed; `opts.geolocation` grants and emulates a GPS fix.
 */
export async function openXrPage(
  browser: Browser, s: SceneServer, path: string, size = { width: 960, height: 540 },
  opts: { cookies?: ReadonlyArray<{ name: string; value: string }>; geolocation?: { latitude: number; longitude: number; accuracy: number }; compassAlpha?: number } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: size, deviceScaleFactor: 1,
    // The orientation sensors must be granted too: a permissions list leaves out what it does not name.
    ...(opts.geolocation ? { geolocation: opts.geolocation, permissions: ['geolocation', 'accelerometer', 'gyroscope', 'magnetometer'] } : {}),
  });
  const u = new URL(s.server.url);
  await context.addCookies((opts.cookies ?? s.cookies).map((c) => ({ ...c, domain: u.hostname, path: '/' })));
  const page = await context.newPage();
  await page.addInitScript({ content: IWER_UMD });
  await page.addInitScript(() => {
    const IWER = (globalThis as unknown as { IWER: { XRDevice: new (cfg: unknown, opts?: unknown) => { installRuntime(o?: unknown): void; stereoEnabled: boolean }; metaQuest3: unknown } }).IWER;
    const d = new IWER.XRDevice(IWER.metaQuest3);
    d.installRuntime({ forceInstall: true });
    (window as unknown as { __iwer: unknown }).__iwer = d;
  });
  await page.goto(`${s.server.url}${path}${path.includes('?') ? '&' : '?'}park=${s.park}`);
  if (opts.compassAlpha !== undefined) await setCompass(context, page, opts.compassAlpha);
  return { context, page };
}

/** Runs fn(window.__xr, arg) in the page. */
export function xrEval<T>(page: Page, fn: (x: XrTestHook, arg: never) => T, arg?: unknown): Promise<T> {
  return page.evaluate(({ src, arg }) => new Function('x', 'arg', `return (${src})(x, arg)`)((window as unknown as { __xr: XrTestHook }).__xr, arg), { src: fn.toString(), arg }) as Promise<T>;
}

/** A quaternion [x,y,z,w] for a yaw (about +Y) and pitch (about the local X; negative looks down). */
export function lookQuat(yaw: number, pitch: number): [number, number, number, number] {
  const q = new Quaternion().setFromEuler(new Euler(pitch, yaw, 0, 'YXZ'));
  return [q.x, q.y, q.z, q.w];
}

/** The yaw that makes -Z point from `from` to `to` (x,z). */
export function yawTowards(from: readonly number[], to: readonly number[]): number {
  return Math.atan2(-(to[0]! - from[0]!), -(to[2]! - from[2]!));
}

/** Places the emulated headset (reference space). */
export async function setHeadset(page: Page, pos: readonly number[], quat: readonly number[]): Promise<void> {
  await page.evaluate(({ pos, quat }) => {
    const d = (window as unknown as { __iwer: { position: { set(x: number, y: number, z: number): void }; quaternion: { set(x: number, y: number, z: number, w: number): void } } }).__iwer;
    d.position.set(pos[0]!, pos[1]!, pos[2]!);
    d.quaternion.set(quat[0]!, quat[1]!, quat[2]!, quat[3]!);
  }, { pos, quat });
}

/** Places the right controller (reference space). */
export async function setController(page: Page, pos: readonly number[], quat: readonly number[]): Promise<void> {
  await page.evaluate(({ pos, quat }) => {
    const c = (window as unknown as { __iwer: { controllers: { right: { position: { set(x: number, y: number, z: number): void }; quaternion: { set(x: number, y: number, z: number, w: number): void } } } } }).__iwer.controllers.right;
    c.position.set(pos[0]!, pos[1]!, pos[2]!);
    c.quaternion.set(quat[0]!, quat[1]!, quat[2]!, quat[3]!);
  }, { pos, quat });
}

/** Pulls and releases the right controller's trigger (a WebXR `select`), a few frames apart. */
export async function pullTrigger(page: Page): Promise<void> {
  const set = (v: number) => page.evaluate((v) => {
    (window as unknown as { __iwer: { controllers: { right: { updateButtonValue(id: string, v: number): void } } } }).__iwer.controllers.right.updateButtonValue('trigger', v);
  }, v);
  await set(1);
  await page.waitForTimeout(400);
  await set(0);
}

/**
 * Installs a synthetic environment whose only surface is a level floor at y = 0 of the reference
 * space: AR hit-tests return where a ray meets it (the emulator's own environments load assets
 * from the network, this one needs none).
 */
export async function installFloorEnvironment(page: Page): Promise<void> {
  await page.evaluate(() => {
    class FloorSem {
      environmentCanvas = document.createElement('canvas');
      trackedPlanes = new Set();
      trackedMeshes = new Set();
      render(): void {}
      computeHitTestResults(m: Float32Array): Float32Array[] {
        const o = [m[12]!, m[13]!, m[14]!];
        const d = [-m[8]!, -m[9]!, -m[10]!];
        if (d[1]! >= -1e-6) return [];
        const t = -o[1]! / d[1]!;
        return [new Float32Array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, o[0]! + d[0]! * t, 0, o[2]! + d[2]! * t, 1])];
      }
    }
    (window as unknown as { __iwer: { installSEM(c: unknown): void } }).__iwer.installSEM(FloorSem);
  });
}

/**
 * Emulates the phone's absolute orientation sensor (Chromium's sensor override over CDP), held
 * upright (beta 90) and turned `alpha` degrees counter-clockwise from north: the page gets
 * `deviceorientationabsolute` events; the back camera's compass heading is 360 - alpha.
 */
export async function setCompass(context: BrowserContext, page: Page, alpha: number): Promise<void> {
  const cdp = await context.newCDPSession(page);
  // Intrinsic Z (alpha) then X (beta = 90 degrees): q = qz * qx.
  const ha = (alpha * Math.PI) / 360;
  const hb = Math.PI / 4;
  const [z, w1] = [Math.sin(ha), Math.cos(ha)];
  const [x, w2] = [Math.sin(hb), Math.cos(hb)];
  const quaternion = { x: w1 * x, y: z * x, z: z * w2, w: w1 * w2 };
  for (const type of ['absolute-orientation', 'relative-orientation']) {
    await cdp.send('Emulation.setSensorOverrideEnabled', { enabled: true, type } as never);
    await cdp.send('Emulation.setSensorOverrideReadings', { type, reading: { quaternion } } as never);
  }
}
