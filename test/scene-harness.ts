/**
 * Node-side harness for the scene's browser tests and the scene bench: a real twin-server (auth,
 * tiler, live data over the given MQTT broker, twin routes) over a real database holding the
 * seeded sample park, a logged-in read-only viewer, and a Chromium page on the twin view.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Backend } from '../twin-server/src/db/types.ts';
import { createTestDb, type TestDb } from '../twin-server/src/db/testing.ts';
import { startTestServer, type TestServer } from '../twin-server/src/testing/server.ts';
import { healthModule } from '../twin-server/src/modules/health.ts';
import { authModule } from '../twin-server/src/auth/module.ts';
import { hashPassword } from '../twin-server/src/auth/password.ts';
import { tilesModule } from '../twin-server/src/modules/tiles.ts';
import { createLiveModule } from '../twin-server/src/modules/live.ts';
import { twinModule } from '../twin-server/src/modules/twin/index.ts';
import type { TwinModule } from '../twin-server/src/modules/types.ts';
import { seedPark } from '../twin-server/src/seed/index.ts';
import { onTilesetChanged, type TilesetChanged } from '../twin-server/src/tiler/index.ts';
import type { TwinTestHook } from '../twin-client/src/scene/testHook.ts';

/** A running server with the seeded park and a viewer session. */
export interface SceneServer {
  /** The running server (a new object after `restart()`). */
  readonly server: TestServer;
  readonly testDb: TestDb;
  readonly park: string;
  /** Session cookies of a leadership_viewer (read-only everything). */
  readonly cookies: { name: string; value: string }[];
  stop(): Promise<void>;
  /**
   * Stops the server (not the database, the tileset folder or the broker) and starts a new one on
   * the same port, as an operator's restart does; `downMs` is how long nothing listens.
   */
  restart(downMs?: number): Promise<void>;
}

/** Starts the full stack over a fresh database with the sample park at `scale`. */
export async function startSceneServer(
  backend: Backend,
  opts: {
    mqttUrl?: string; scale?: number; testDb?: TestDb;
    /** Extra modules after the twin module (a view's own routes). */ modules?: TwinModule[];
    /** The built client to serve (default twin-client/dist); a long soak serves a copy so rebuilds do not pull chunks from under it. */ clientDir?: string;
  } = {},
): Promise<SceneServer> {
  const testDb = opts.testDb ?? (await createTestDb(backend));
  const park = `scene-${randomBytes(3).toString('hex')}`;
  await seedPark(testDb.db, { seed: 7, scale: opts.scale ?? 0.1, code: park });
  const adminPassword = `Adm-${randomBytes(6).toString('hex')}-Z9`;
  // Fresh module instances per start (they hold runtime state); a restart keeps port and folders.
  const boot = (env: Record<string, string> = {}) => startTestServer(backend, {
    testDb,
    ...(opts.clientDir ? { clientDir: opts.clientDir } : {}),
    env: { ...(opts.mqttUrl ? { MQTT_URL: opts.mqttUrl } : {}), ...env },
    modules: [
      healthModule,
      authModule({ dataKey: randomBytes(32), sweepIntervalMs: null, print: () => {}, settings: { adminPassword, rateApiPerMinute: 1_000_000 } }),
      tilesModule({ pollMs: 60_000 }),
      createLiveModule(opts.mqttUrl ? {} : { embeddedPort: 0 }),
      twinModule,
      ...(opts.modules ?? []),
    ],
  });
  let server = await boot();
  const first = server;
  const firstDir = path.dirname(first.sc.config.tilesetDir);
  const username = `viewer-${randomBytes(3).toString('hex')}`;
  const password = `Pw-${randomBytes(6).toString('hex')}-X1`;
  await testDb.db.query(
    `INSERT INTO app_user (username, display_name, password_hash, roles, must_change_password, password_changed_at, created_at)
     VALUES ($1, $1, $2, $3, false, now(), now())`,
    [username, await hashPassword(password), ['leadership_viewer']],
  );
  const res = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Origin: server.url }, body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`viewer login failed: ${res.status} ${await res.text()}`);
  const cookies = res.headers.getSetCookie().map((c) => {
    const pair = c.split(';')[0]!;
    const eq = pair.indexOf('=');
    return { name: pair.slice(0, eq), value: decodeURIComponent(pair.slice(eq + 1)) };
  });
  return {
    get server() {
      return server;
    },
    testDb, park, cookies,
    async stop() {
      await server.stop();
      // The first server's folders (still in use after a restart) go with it.
      if (server !== first) fs.rmSync(firstDir, { recursive: true, force: true });
      await testDb.drop();
    },
    async restart(downMs = 0) {
      // close() only for the first: stop() would delete the tileset folder the next one serves.
      if (server === first) await server.close();
      else await server.stop();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      server = await boot({ PORT: String(server.port), TWIN_TILESET_DIR: first.sc.config.tilesetDir, TWIN_DATA_DIR: path.join(firstDir, 'data') });
    },
  };
}

/**
 * From now on: the tile files the server serves for the park (paths under `/tiles/<park>/`, the
 * network, not the browser cache) and the park's next re-tile. `stop()` ends the recording.
 */
export function watchTiles(s: SceneServer): { served: string[]; changed: Promise<TilesetChanged>; stop(): void } {
  const served: string[] = [];
  const prefix = `/tiles/${s.park}/`;
  const server = s.server;
  const onRequest = (req: { url?: string }) => {
    if (req.url?.startsWith(prefix)) served.push(req.url.slice(prefix.length));
  };
  server.server.on('request', onRequest);
  let off = (): void => {};
  const changed = new Promise<TilesetChanged>((resolve) => {
    off = onTilesetChanged(server.sc, (e) => {
      if (e.park !== s.park) return;
      off();
      resolve(e);
    });
  });
  return { served, changed, stop: () => {
    server.server.off('request', onRequest);
    off();
  } };
}

/** Opens the twin view logged in as the viewer and waits until the park's tiles are loaded. */
export async function openTwin(browser: Browser, s: SceneServer, query = '', size = { width: 1280, height: 720 }): Promise<{ context: BrowserContext; page: Page }> {
  return openView(browser, s, '/', query, size);
}

/** Opens any twin view (`/`, `/invest`, ...) of the seeded park logged in as the viewer, and waits until it is ready. */
export async function openView(
  browser: Browser, s: SceneServer, path: string, query = '', size = { width: 1280, height: 720 },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: size, deviceScaleFactor: 1 });
  const u = new URL(s.server.url);
  await context.addCookies(s.cookies.map((c) => ({ ...c, domain: u.hostname, path: '/' })));
  const page = await context.newPage();
  await page.goto(`${s.server.url}${path}?park=${s.park}${query ? `&${query}` : ''}`);
  await waitReady(page);
  return { context, page };
}

/** Waits until the tiles are loaded and the live socket is live (or throws after `ms`). */
export async function waitReady(page: Page, ms = 120_000): Promise<void> {
  // Twice, a moment apart: right after a camera jump the next tile requests are not queued yet.
  for (let i = 0; i < 2; i++) {
    await page.waitForFunction(() => {
      const t = (window as unknown as { __twin?: TwinTestHook }).__twin;
      return Boolean(t && t.ready() && t.liveStatus() === 'live');
    }, undefined, { timeout: ms, polling: 250 });
    await page.waitForTimeout(400);
  }
  // Let the frame after the last tile land.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/**
 * Runs `fn(window.__twin, arg)` in the page and returns its result; `fn` is sent as source, so it
 * may use only its arguments (the test hook and one serializable value).
 */
export function twinEval<T>(page: Page, fn: (t: TwinTestHook, arg: never) => T, arg?: unknown): Promise<T> {
  return page.evaluate(
    ({ src, arg }) => new Function('t', 'arg', `return (${src})(t, arg)`)((window as unknown as { __twin: TwinTestHook }).__twin, arg),
    { src: fn.toString(), arg },
  ) as Promise<T>;
}

/**
 * Puts the camera straight above a room (framing its building first, so the interior loads) and
 * returns a page point on the room's floor that a click would pick, or null when none is found.
 */
export async function lookDownAt(page: Page, room: number, building: number): Promise<{ x: number; y: number } | null> {
  await twinEval(page, (t, idx: number) => t.frameObject(idx, 1.2), building);
  await waitReady(page);
  await page.waitForFunction((idx) => (window as unknown as { __twin: TwinTestHook }).__twin.boundsOf(idx) !== null, room, { timeout: 60_000, polling: 250 });
  await twinEval(page, (t, idx: number) => {
    const b = t.boundsOf(idx)!;
    const c = [(b[0]! + b[3]!) / 2, b[1]!, (b[2]! + b[5]!) / 2];
    // Slightly off the vertical so orbit controls keep a heading.
    t.setCamera([c[0]!, c[1]! + 45, c[2]! + 2], [c[0]!, c[1]!, c[2]!]);
  }, room);
  await waitReady(page);
  // A spot of the floor that no ceiling device covers (sensors hang at the room's centre).
  return twinEval(page, (t, idx: number) => t.gridOf(idx).find((p) => t.idxAt(p.x, p.y) === idx) ?? null, room);
}
