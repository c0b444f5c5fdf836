/**
 * Issue 14, item 1, embedded setup: `twin serve` (PGlite + the in-process broker) is killed with
 * SIGKILL during a QoS 1 stream (once; TWIN_TEST_KILLS=n for more) and started again on the same
 * data folder and ports. The
 * device sends again what was not acknowledged; afterwards every message it published is stored
 * exactly once (published = acknowledged = stored, no duplicate). Before, aedes acknowledged a
 * message before the node had stored it, and a crash lost those.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { openPglite } from '../db/pglite.ts';
import { insertLiveFixture } from '../stream/testing.ts';
import { Device, freePort } from './outage-testing.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/twin.mjs');

/** `twin serve` on the embedded database and broker, resolved once it listens. */
const startTimes: number[] = [];

function serve(env: Record<string, string>): Promise<ChildProcess> {
  const t0 = Date.now();
  const base = { ...process.env };
  delete base.DATABASE_URL;
  delete base.MQTT_URL;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve'], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 90_000);
    const on = (d: Buffer) => {
      out += d.toString();
      if (/Park Twin is running/.test(out)) {
        clearTimeout(timer);
        startTimes.push(Date.now() - t0);
        child.stdout!.off('data', on);
        child.stderr!.off('data', on);
        child.stdout!.resume();
        child.stderr!.resume();
        resolve(child);
      }
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? sig}) before it listened:\n${out}`));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

describe('QoS 1 stream through kill -9 of the server [pglite + embedded broker]', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-crash-'));
  const dataDir = path.join(tmp, 'data');
  let server: ChildProcess | undefined;
  let dev: Device | undefined;
  afterAll(async () => {
    await dev?.close();
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGKILL');
      await exited(server);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  // Each restart costs a server start (a few seconds on a quiet machine): one by default.
  const KILLS = Math.max(1, Number(process.env.TWIN_TEST_KILLS ?? 1));

  it(`stores every message once after ${KILLS} SIGKILL${KILLS > 1 ? 's' : ''} and restart${KILLS > 1 ? 's' : ''}`, async () => {
    const park = `kp${randomBytes(3).toString('hex')}`;
    const seeded = await openPglite({ dataDir, loadDataDir: new Blob([fs.readFileSync(inject('pgliteTemplate'))]) });
    await insertLiveFixture(seeded, park);
    await seeded.close();
    const [httpPort, mqttPort] = [await freePort(), await freePort()];
    const env = {
      PORT: String(httpPort), HOST: '127.0.0.1', TWIN_MQTT_PORT: String(mqttPort), TWIN_DATA_DIR: dataDir,
      TWIN_TILESET_DIR: path.join(tmp, 'tiles'), TWIN_SEED_ON_START: '0', TWIN_SIMULATOR: '0', TWIN_LOG_LEVEL: 'error', TWIN_ADMIN_PASSWORD: '',
    };
    server = await serve(env);
    dev = await Device.connect(`mqtt://127.0.0.1:${mqttPort}`, `park/${park}/energy/PM-0`, `dev-${randomBytes(3).toString('hex')}`);

    const N = 150 + 250 * KILLS;
    const kills: number[] = [];
    let crashes = 0;
    let restarting: Promise<void> = Promise.resolve();
    const crash = () => {
      const victim = server!;
      victim.kill('SIGKILL');
      restarting = exited(victim).then(async () => {
        kills.push(Date.now());
        server = await serve(env);
      });
    };
    await dev.stream(N, 100, async (i) => {
      if (i % 250 === 150 && crashes < KILLS) {
        crashes++;
        await restarting;
        crash();
      }
    });
    await restarting;
    await dev.allAcked(60_000);
    const acked = dev.acked;
    await dev.close();
    dev = undefined;
    server!.kill('SIGTERM');
    await exited(server!);
    const db = await openPglite({ dataDir });
    try {
      const r = await db.query<{ rows: number; distinct: number }>(
        'SELECT count(*)::int AS rows, count(DISTINCT seq)::int AS distinct FROM telemetry WHERE device = $1', [`${park}/PM-0`]);
      console.log(`[embedded, kill -9 x${kills.length}] published ${N}, acknowledged ${acked}, stored ${r.rows[0]!.rows} (${r.rows[0]!.distinct} distinct); server starts took ${startTimes.map((t) => (t / 1000).toFixed(1)).join(', ')} s`);
      expect(kills).toHaveLength(KILLS);
      expect(acked).toBe(N);
      expect(r.rows[0]).toEqual({ rows: N, distinct: N });
    } finally {
      await db.close();
    }
  }, 240_000); // server starts take most of it: 3-5 s each on a quiet machine, 20 s on a loaded one
});
