/**
 * Must-show 4 (server side): the embedded default starts with one command, tells how to log in
 * (the three administrators and their one-time passwords) once, and those credentials work.
 * Issue 14 item 8: the passwords never go through the logger. Here stdout is a pipe (as under a
 * service manager that keeps it as the log), so they go to a 0600 file in the data folder and the
 * output names only the file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** Runs `twin serve` on the embedded database until it prints its URL; returns the output so far. */
function serve(dataDir: string): Promise<{ child: ChildProcess; out: string; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['twin-server/src/main.ts', 'serve'], {
      cwd: ROOT,
      // Its own broker port: the default 18830 may be held by another test's server running at the same time.
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', TWIN_MQTT_PORT: String(20000 + Math.floor(Math.random() * 20000)), TWIN_DATA_DIR: dataDir, TWIN_SEED_ON_START: '0', TWIN_SIMULATOR: '0',
        TWIN_LOG_LEVEL: 'warn', TWIN_TILESET_DIR: path.join(dataDir, 'tiles'), DATABASE_URL: '', MQTT_URL: '', TWIN_ADMIN_PASSWORD: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 150_000);
    const on = (d: Buffer) => {
      out += d.toString();
      const m = /Park Twin is running: (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, out, url: m[1]! });
      }
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('embedded first start', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-first-'));
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const c of children) await stop(c);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gives the administrators\' one-time passwords once, outside the log, and they log in (forced to change)', async () => {
    const first = await serve(path.join(dir, 'data'));
    children.push(first.child);
    const file = path.join(dir, 'data', 'initial-admin-passwords.txt');
    expect(first.out).toContain(file);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const text = fs.readFileSync(file, 'utf8');
    const accounts = [...text.matchAll(/^\s+(sysadmin|secadmin|auditor)\s+(\S{20})\s+(\w+)$/gm)].map((m) => ({ user: m[1]!, password: m[2]! }));
    expect(accounts.map((a) => a.user)).toEqual(['sysadmin', 'secadmin', 'auditor']);
    expect(text).toMatch(/must be changed at first login/);
    for (const a of accounts) expect(first.out, 'a password reached the log output').not.toContain(a.password);
    expect(fs.existsSync(path.join(dir, 'data', 'data.key'))).toBe(true);
    const res = await fetch(`${first.url}/api/auth/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'auditor', password: accounts[2]!.password }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ mustChangePassword: true });
    await stop(first.child);

    const second = await serve(path.join(dir, 'data'));
    children.push(second.child);
    expect(second.out).not.toMatch(/sysadmin/);
    await stop(second.child);
  }, 400_000);
});
