/**
 * `twin bench auth`: what the security platform costs, side by side in one run on an in-memory
 * PGlite: a public request vs the same server's guarded requests (session cookie, bearer device
 * token, refused), a login (argon2id), and audit append / chain verification rates.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { loadConfig } from '../twin-server/src/config.ts';
import { openPglite } from '../twin-server/src/db/pglite.ts';
import { migrate } from '../twin-server/src/db/migrate.ts';
import { createLogger } from '../twin-server/src/log.ts';
import { startServer } from '../twin-server/src/server.ts';
import { healthModule } from '../twin-server/src/modules/health.ts';
import { numberFlag, type Args } from '../twin-server/src/cli/args.ts';
import type { Bench } from './types.ts';
import { authModule } from '../twin-server/src/auth/module.ts';
import { authService } from '../twin-server/src/auth/index.ts';
import { appendAudit, verifyAudit } from '../twin-server/src/auth/audit.ts';
import { hashPassword } from '../twin-server/src/auth/password.ts';

async function timeIt(n: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(20, n); i++) await fn(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return (performance.now() - t0) / n;
}

export const authBench: Bench = {
  summary: 'guard overhead per request, login cost, audit append and verify rates',
  async run(args: Args) {
    const n = numberFlag(args, 'requests', 500, 10, 100_000);
    const rows = numberFlag(args, 'rows', 5000, 100, 1_000_000);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-bench-auth-'));
    const db = await openPglite({ dataDir: 'memory://' });
    await migrate(db);
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', TWIN_DATA_DIR: tmp, TWIN_SEED_ON_START: '0', TWIN_SIMULATOR: '0' }, tmp);
    const password = 'Bench-Pass-2026';
    const s = await startServer(config, {
      db, log: createLogger('silent'),
      modules: [healthModule, authModule({ dataKey: randomBytes(32), print: () => {}, sweepIntervalMs: null,
        settings: { adminPassword: password, rateApiPerMinute: 100_000_000, rateLoginPerMinute: 100_000 } })],
    });
    try {
      const auth = authService(s.sc);
      await db.query(`INSERT INTO app_user (username, display_name, password_hash, roles, must_change_password, password_changed_at, created_at)
        VALUES ('bench', 'bench', $1, '{leadership_viewer}', false, now(), now())`, [await hashPassword(password)]);
      const login = async () => {
        const r = await fetch(`${s.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ username: 'bench', password }) });
        if (r.status !== 200) throw new Error(`login ${r.status}`);
        return r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      };
      const cookie = await login();
      const dev = await db.transaction((tx) => auth.createDevice(tx, 'bench wall', 'wall', 'bench'));
      const get = (p: string, headers: Record<string, string> = {}) => async () => {
        const r = await fetch(s.url + p, { headers });
        await r.arrayBuffer();
      };
      const pub = await timeIt(n, get('/api/health'));
      const sess = await timeIt(n, get('/api/auth/me', { Cookie: cookie }));
      const bearer = await timeIt(n, get('/api/auth/me', { Authorization: `Bearer ${dev.token}` }));
      const refused = await timeIt(Math.min(n, 200), get('/api/auth/me', { Cookie: 'twin_session=forged' }));
      const loginMs = await timeIt(10, login);
      await db.exec('ALTER TABLE audit_log DISABLE TRIGGER USER');
      await db.exec('DELETE FROM audit_log');
      await db.exec('ALTER TABLE audit_log ENABLE TRIGGER USER');
      const t0 = performance.now();
      for (let i = 0; i < rows; i++) {
        await db.transaction((tx) => appendAudit(tx, { action: 'bench.event', outcome: 'success', object: `o${i}`, detail: { i } }, new Date()));
      }
      const appendMs = (performance.now() - t0) / rows;
      const t1 = performance.now();
      const v = await verifyAudit(db);
      const verifyMs = performance.now() - t1;
      if (!v.ok || v.rows !== rows) throw new Error('verification failed in the bench');
      const line = (label: string, ms: number) => `| ${label} | ${ms.toFixed(2)} | ${(ms / pub).toFixed(2)}x |`;
      const out = [
        `In-memory PGlite, ${n} sequential requests per variant over loopback HTTP, node ${process.version}, ${os.cpus().length} cores.`,
        '',
        '| request | ms each | vs public |',
        '| --- | ---: | ---: |',
        line('GET /api/health (public, no guard)', pub),
        line('GET /api/auth/me, session cookie', sess),
        line('GET /api/auth/me, bearer device token', bearer),
        line('refused (forged cookie, audited)', refused),
        line('POST /api/auth/login (argon2id 19 MiB, t=2)', loginMs),
        '',
        `Audit: ${rows} appends at ${appendMs.toFixed(2)} ms each (${Math.round(1000 / appendMs)}/s, one transaction each); ` +
          `verifying the chain took ${verifyMs.toFixed(0)} ms (${Math.round(rows / (verifyMs / 1000))} rows/s).`,
      ];
      for (const l of out) console.log(l);
      return out;
    } finally {
      await s.close();
      await db.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
};
