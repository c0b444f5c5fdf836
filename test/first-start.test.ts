import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './browser.ts';
import { openPglite } from '../twin-server/src/db/pglite.ts';

/** Starts `twin serve` on the embedded default and resolves with its URL and output so far. */
function serve(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  // One process (tsx as a loader, not the tsx wrapper), so SIGTERM reaches the server's handlers.
  const child = spawn(process.execPath, ['--import', 'tsx', 'twin-server/src/main.ts', 'serve'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: '', MQTT_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /Park Twin is running: (http:\/\/\S+)/.exec(out);
      if (m) {
        clearInterval(timer);
        resolve({ child, url: m[1]!, output: () => out });
      }
    }, 200);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`twin serve exited with ${code}:\n${out}`));
    });
  });
}

/** Sends SIGTERM and resolves with the exit code, or the output when the exit was not clean. */
function stop(run: { child: ChildProcess; output: () => string }): Promise<string> {
  const { child } = run;
  return new Promise((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      if (code !== 0) {
        fs.mkdirSync(path.join(ROOT, 'test-results'), { recursive: true });
        fs.writeFileSync(path.join(ROOT, 'test-results/first-start-failed-stop.log'), run.output());
      }
      resolve(code === 0 ? 'exit 0' : `exit ${code} signal ${signal} (output in test-results/first-start-failed-stop.log)`);
    };
    if (child.exitCode !== null) return done(child.exitCode, child.signalCode);
    child.once('exit', done);
    child.kill('SIGTERM');
  });
}

// Issue 2, must-show 1: the embedded default comes up with PostGIS and the sample park, and a
// second start reuses the data folder instead of seeding again.
describe('first start on the embedded default', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-first-start-'));
  const env = {
    PORT: '0',
    HOST: '127.0.0.1',
    TWIN_DATA_DIR: path.join(dir, 'data'),
    TWIN_TILESET_DIR: path.join(dir, 'tilesets'),
    TWIN_MQTT_PORT: String(20000 + Math.floor(Math.random() * 20000)),
    TWIN_LOG_LEVEL: 'info',
  };
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('seeds the sample park once, serves health, and reuses the folder on the second start', async () => {
    const first = await serve(env);
    const h1 = (await (await fetch(`${first.url}/api/health`)).json()) as Record<string, unknown>;
    expect(h1).toEqual({ status: 'ok' }); // versions and counts are for system:read only (issue 14)
    expect(first.output()).toMatch(/seeding the sample park/);
    expect(first.output()).toMatch(/seed: rooms \d+\/\d+/); // progress is shown
    // How to log in: the one-time passwords go to a 0600 file (stdout is a pipe here, i.e. a log), never the log.
    const pwFile = path.join(env.TWIN_DATA_DIR, 'initial-admin-passwords.txt');
    expect(first.output()).toContain(pwFile);
    expect(fs.readFileSync(pwFile, 'utf8')).toMatch(/Initial passwords[\s\S]*sysadmin\s+\S{20}/);
    expect(await stop(first)).toBe('exit 0');

    // The park is really in the data folder.
    const db = await openPglite({ dataDir: env.TWIN_DATA_DIR });
    const counts = await db.query<{ b: number; r: number; e: number; parks: number; postgis: string }>(
      `SELECT (SELECT count(*) FROM building)::int AS b, (SELECT count(*) FROM room)::int AS r, (SELECT count(*) FROM equipment)::int AS e,
         (SELECT count(*) FROM park)::int AS parks, postgis_lib_version() AS postgis`,
    );
    await db.close();
    expect(counts.rows[0]!.parks).toBe(1);
    expect(counts.rows[0]!.postgis).toMatch(/^3\.\d/);
    expect(counts.rows[0]!.b).toBeGreaterThanOrEqual(20);
    expect(counts.rows[0]!.r).toBeGreaterThanOrEqual(3000);
    expect(counts.rows[0]!.e).toBeGreaterThanOrEqual(10000);

    const second = await serve(env);
    const h2 = (await (await fetch(`${second.url}/api/health`)).json()) as Record<string, unknown>;
    expect(h2).toEqual({ status: 'ok' });
    expect(second.output()).not.toMatch(/seeding the sample park/);
    expect(second.output()).not.toMatch(/migration applied/);
    expect(second.output()).not.toMatch(/initial-admin-passwords/);
    expect(await stop(second)).toBe('exit 0');
  }, 600_000);
});
