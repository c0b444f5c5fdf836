/**
 * Start-up faults (issue 21): `twin serve` with a busy MQTT port, a busy HTTP port, an unreachable
 * database, an unreachable broker, or too little disk says which in one line and exits 1 (before,
 * a busy MQTT port logged EADDRINUSE and the process hung without serving). Real processes.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createScratchDatabase, type ScratchDb } from '../db/scratch.ts';
import { freePort } from '../ingest/outage-testing.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/twin.mjs');
const PG = process.env.TWIN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-startup-'));
const holders: net.Server[] = [];
let scratch: ScratchDb | undefined;
afterAll(async () => {
  for (const h of holders) h.close();
  await scratch?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A port held by another listener. */
async function busyPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  holders.push(srv);
  return (srv.address() as net.AddressInfo).port;
}

/** Runs `twin serve` until it exits (at most `ms`); its exit code, output and time taken. */
function serve(env: Record<string, string>, ms = 90_000): Promise<{ code: number | null; out: string; seconds: number }> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['DATABASE_URL', 'MQTT_URL', 'TWIN_TLS', 'TWIN_TLS_CERT', 'TWIN_TLS_KEY']) delete base[k];
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: { ...base, HOST: '127.0.0.1', TWIN_SEED_ON_START: '0', TWIN_SIMULATOR: '0', TWIN_LOG_LEVEL: 'warn', TWIN_ADMIN_PASSWORD: '', TWIN_TILESET_DIR: path.join(tmp, 'tiles'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, seconds: (Date.now() - t0) / 1000 });
    });
  });
}

const line = (out: string) => out.split('\n').find((l) => l.startsWith('twin serve: cannot start')) ?? `(no fault line) ${out.slice(-500)}`;

describe('twin serve start-up faults: named, exit 1', () => {
  it('a busy MQTT port, a busy HTTP port, too little disk [embedded]', async () => {
    const mqttBusy = await busyPort();
    const r1 = await serve({ PORT: String(await freePort()), TWIN_MQTT_PORT: String(mqttBusy), TWIN_DATA_DIR: path.join(tmp, 'd1') });
    console.log(`[startup] busy MQTT port: exit ${r1.code} after ${r1.seconds.toFixed(1)} s: ${line(r1.out)}`);
    expect(r1.code).toBe(1);
    expect(line(r1.out)).toBe(`twin serve: cannot start: embedded MQTT broker (TWIN_MQTT_PORT, TWIN_MQTT_HOST): 127.0.0.1:${mqttBusy} is already in use by another process`);

    const httpBusy = await busyPort();
    const r2 = await serve({ PORT: String(httpBusy), TWIN_MQTT_PORT: String(await freePort()), TWIN_DATA_DIR: path.join(tmp, 'd1') });
    console.log(`[startup] busy HTTP port: exit ${r2.code} after ${r2.seconds.toFixed(1)} s: ${line(r2.out)}`);
    expect(r2.code).toBe(1);
    expect(line(r2.out)).toBe(`twin serve: cannot start: HTTP port (PORT, HOST): 127.0.0.1:${httpBusy} is already in use by another process`);

    const r3 = await serve({ PORT: String(await freePort()), TWIN_MQTT_PORT: String(await freePort()), TWIN_DATA_DIR: path.join(tmp, 'd1'), TWIN_MIN_FREE_MB: '1000000000' });
    console.log(`[startup] disk: exit ${r3.code} after ${r3.seconds.toFixed(1)} s: ${line(r3.out)}`);
    expect(r3.code).toBe(1);
    expect(line(r3.out)).toMatch(/^twin serve: cannot start: disk full: \d+ MB free under .*, at least 1000000000 MB needed \(TWIN_MIN_FREE_MB\)$/);
  }, 240_000);

  it.skipIf(inject('pgMissing') !== null)('an unreachable database, an unreachable broker [postgres]', async () => {
    const closed = await freePort();
    const r1 = await serve({ PORT: String(await freePort()), DATABASE_URL: `postgres://twin:secret@127.0.0.1:${closed}/twin`, MQTT_URL: `mqtt://127.0.0.1:${await freePort()}` });
    console.log(`[startup] database down: exit ${r1.code} after ${r1.seconds.toFixed(1)} s: ${line(r1.out)}`);
    expect(r1.code).toBe(1);
    expect(line(r1.out)).toMatch(new RegExp(`^twin serve: cannot start: database \\(DATABASE_URL\\) postgres://twin:\\*\\*\\*@127\\.0\\.0\\.1:${closed}/twin is unreachable: `));
    expect(r1.out).not.toContain('secret');

    scratch = await createScratchDatabase(PG, 'twin_test');
    const noBroker = await freePort();
    const r2 = await serve({ PORT: String(await freePort()), DATABASE_URL: scratch.url, MQTT_URL: `mqtt://twin-server:pw@127.0.0.1:${noBroker}` });
    console.log(`[startup] broker down: exit ${r2.code} after ${r2.seconds.toFixed(1)} s: ${line(r2.out)}`);
    expect(r2.code).toBe(1);
    expect(line(r2.out)).toMatch(new RegExp(`^twin serve: cannot start: MQTT broker \\(MQTT_URL\\) mqtt://twin-server:\\*\\*\\*@127\\.0\\.0\\.1:${noBroker} did not accept the connection within 10 s`));
  }, 240_000);
});
