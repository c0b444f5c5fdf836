/**
 * `npm run bench -- lists` (issue 19 must-show 5): every module's list endpoint under 200
 * concurrent signed-in users on a freshly seeded sample park (first-start seed, every module's
 * sample data), on PostgreSQL + PostGIS (PGlite with `--backend pglite`).
 *
 * A "list endpoint" is any GET route without path parameters whose 200 answer is an array or an
 * object holding an array (read from the server's own OpenAPI document, so a new module's list is
 * measured without editing this file). Users: property managers, enterprise users (bound to a
 * tenant of the park) and maintenance staff, each with its own session; each endpoint is driven by
 * `--users` virtual users at once (the users whose role may call it, round robin), each sending
 * `--rounds` requests one after the other. Printed per endpoint: p50, p95, p99, max (ms), req/s
 * and the non-2xx count. Routes that need a query parameter the bench does not know (400) are
 * listed as skipped.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Bench } from './types.ts';
import { numberFlag, type Args } from '../twin-server/src/cli/args.ts';
import { loadConfig } from '../twin-server/src/config.ts';
import { openPglite } from '../twin-server/src/db/pglite.ts';
import { benchAdminUrl, createScratchDatabase } from '../twin-server/src/db/scratch.ts';
import type { Db } from '../twin-server/src/db/index.ts';
import { createLogger } from '../twin-server/src/log.ts';
import { startServer } from '../twin-server/src/server.ts';
import { allModules } from '../twin-server/src/modules/index.ts';
import { authModule } from '../twin-server/src/auth/module.ts';
import { hashPassword } from '../twin-server/src/auth/password.ts';

/** Modules left out: they need tiles, a broker, ffmpeg or a simulator, and have no list under load here. */
const LEFT_OUT = new Set(['tiles', 'live', 'video']);
/** GET routes that are not lists of records even when they answer an array. */
const NOT_LISTS = /\/(meta|export|assignable|openapi\.json|docs|health|version|template)$|^\/api\/(auth\/|modules$|tiles)/;

interface Session { role: string; cookie: string }
interface Row { path: string; role: string; n: number; p50: number; p95: number; p99: number; max: number; rps: number; errors: number }

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

/** Does the 200 answer of this operation hold an array (top level or one property)? */
function answersList(op: Record<string, unknown>, doc: Record<string, unknown>): boolean {
  const resolve = (s: Record<string, unknown> | undefined): Record<string, unknown> | undefined => {
    if (!s) return undefined;
    const ref = s.$ref as string | undefined;
    if (!ref) return s;
    return ref.split('/').slice(1).reduce<Record<string, unknown> | undefined>((o, k) => o?.[k] as Record<string, unknown> | undefined, doc);
  };
  const ok = (op.responses as Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }> | undefined)?.['200'];
  const schema = resolve(ok?.content?.['application/json']?.schema);
  if (!schema) return false;
  if (schema.type === 'array') return true;
  const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  return Object.values(props).some((p) => resolve(p)?.type === 'array');
}

async function run(db: Db, backend: string, scale: number, users: number, rounds: number): Promise<string[]> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-bench-lists-'));
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', TWIN_DATA_DIR: tmp, TWIN_SEED_ON_START: '1', TWIN_SIMULATOR: '0', TWIN_SCALE: String(scale) }, tmp);
  const password = `Bench-${randomBytes(6).toString('hex')}-Pw1`;
  const auth = authModule({ dataKey: randomBytes(32), print: () => {}, sweepIntervalMs: null,
    settings: { adminPassword: password, rateApiPerMinute: 100_000_000, rateLoginPerMinute: 1_000_000 } });
  const modules = allModules().filter((m) => !LEFT_OUT.has(m.name)).map((m) => (m.name === 'auth' ? auth : m));
  const t0 = performance.now();
  const s = await startServer(config, { db, log: createLogger('silent'), modules });
  console.log(`${backend}: server up with the seeded park (scale ${scale}) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  try {
    const hash = await hashPassword(password);
    const ent = (await db.query<{ ent: number }>("SELECT enterprise_idx AS ent FROM lease WHERE status = 'active' ORDER BY enterprise_idx LIMIT 20")).rows.map((r) => r.ent);
    const roles = ['property_manager', 'property_manager', 'property_manager', 'enterprise_user', 'enterprise_user', 'maintenance', 'investment', 'security_operator', 'leadership_viewer'];
    const made: { username: string; role: string }[] = [];
    for (let i = 0; i < users; i++) {
      const role = roles[i % roles.length]!;
      const username = `bench-${i}-${randomBytes(2).toString('hex')}`;
      await db.query(`INSERT INTO app_user (username, display_name, password_hash, roles, enterprise_idx, must_change_password, password_changed_at, created_at)
        VALUES ($1, $2, $3, $4, $5, false, now(), now())`, [username, `压测用户${i}`, hash, [role], role === 'enterprise_user' && ent.length ? ent[i % ent.length] : null]);
      made.push({ username, role });
    }
    // Sign everyone in (a few at a time: each login runs the password hash).
    const sessions: Session[] = [];
    for (let i = 0; i < made.length; i += 8) {
      sessions.push(...await Promise.all(made.slice(i, i + 8).map(async (u) => {
        const r = await fetch(`${s.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: s.url }, body: JSON.stringify({ username: u.username, password }) });
        if (r.status !== 200) throw new Error(`login ${r.status}: ${await r.text()}`);
        return { role: u.role, cookie: r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ') };
      })));
    }
    const get = async (p: string, cookie: string) => {
      const r = await fetch(s.url + p, { headers: { Cookie: cookie, Accept: 'application/json' } });
      await r.arrayBuffer();
      return r.status;
    };
    const docRes = await fetch(`${s.url}/api/openapi.json`, { headers: { Cookie: sessions[0]!.cookie } });
    const doc = await docRes.json() as Record<string, unknown>;
    const ops = doc.paths as Record<string, Record<string, Record<string, unknown>>>;
    const paths = Object.entries(ops)
      .filter(([p, o]) => o.get && !p.includes('{') && !NOT_LISTS.test(p) && answersList(o.get, doc))
      .map(([p]) => p).sort();
    // Required query parameters the bench knows how to fill: a time window (the last 7 days) and the park.
    const now = Date.now();
    const known: Record<string, string> = { from: new Date(now - 7 * 86_400_000).toISOString(), to: new Date(now).toISOString(), park: 'sample-park' };
    const withQuery = (p: string) => {
      const params = ((ops[p]!.get!.parameters ?? []) as { name: string; in: string; required?: boolean }[]).filter((x) => x.in === 'query');
      const q = new URLSearchParams();
      for (const x of params) if ((x.required || x.name === 'park') && known[x.name]) q.set(x.name, known[x.name]!);
      return q.size ? `${p}?${q}` : p;
    };
    const rows: Row[] = [];
    const skipped: string[] = [];
    for (const p of paths) {
      const url = withQuery(p);
      // Who may call it: one probe per role; the answer must be 200 for someone.
      const allowed: Session[] = [];
      let status = 0;
      for (const role of new Set(sessions.map((x) => x.role))) {
        const one = sessions.find((x) => x.role === role)!;
        status = await get(url, one.cookie);
        if (status === 200) allowed.push(...sessions.filter((x) => x.role === role));
      }
      if (allowed.length === 0) {
        skipped.push(`${p} (${status})`);
        continue;
      }
      const times: number[] = [];
      let errors = 0;
      const start = performance.now();
      await Promise.all(Array.from({ length: users }, async (_, v) => {
        const me = allowed[v % allowed.length]!;
        for (let k = 0; k < rounds; k++) {
          const t = performance.now();
          const st = await get(url, me.cookie);
          times.push(performance.now() - t);
          if (st !== 200) errors++;
        }
      }));
      const wall = (performance.now() - start) / 1000;
      times.sort((a, b) => a - b);
      const row: Row = { path: url, role: [...new Set(allowed.map((a) => a.role))].join(', '), n: times.length, p50: quantile(times, 0.5), p95: quantile(times, 0.95), p99: quantile(times, 0.99), max: times[times.length - 1]!, rps: times.length / wall, errors };
      rows.push(row);
      console.log(`| ${row.path} | ${row.role} | ${row.n} | ${row.p50.toFixed(0)} | ${row.p95.toFixed(0)} | ${row.p99.toFixed(0)} | ${row.max.toFixed(0)} | ${row.rps.toFixed(0)} | ${row.errors} |`);
    }
    const out = [
      `${backend}, sample park at scale ${scale} (first-start seed with every module's sample data), ${users} concurrent signed-in users per endpoint, ${rounds} requests each in sequence,`,
      `one server process, node ${process.version}, ${os.cpus().length} cores. Command: \`npm run bench -- lists [--users N] [--rounds R] [--scale S] [--backend pglite]\`\n`,
      '| list endpoint | roles | requests | p50 ms | p95 ms | p99 ms | max ms | req/s | non-200 |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows.map((r) => `| ${r.path} | ${r.role} | ${r.n} | ${r.p50.toFixed(0)} | ${r.p95.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.max.toFixed(0)} | ${r.rps.toFixed(0)} | ${r.errors} |`),
      '',
      `Worst p99: ${rows.length ? `${Math.max(...rows.map((r) => r.p99)).toFixed(0)} ms (${rows.reduce((a, b) => (b.p99 > a.p99 ? b : a)).path})` : '-'}.`,
      ...(skipped.length ? [`Skipped (no role of the bench got a 200 without more parameters): ${skipped.join(', ')}.`] : []),
    ];
    console.log(out.slice(4 + rows.length).join('\n'));
    return out;
  } finally {
    await s.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The lists bench (`--users 200 --rounds 3 --scale 0.3 --backend postgres|pglite`). */
export const listsBench: Bench = {
  summary: 'every module\'s list endpoint at N concurrent users on a seeded park: p50/p95/p99 per endpoint',
  async run(args: Args) {
    const users = numberFlag(args, 'users', 200, 1, 2000);
    const rounds = numberFlag(args, 'rounds', 3, 1, 100);
    const scale = numberFlag(args, 'scale', 0.3, 0.05, 5);
    const backend = args.flags.backend === 'pglite' ? 'pglite' : 'postgres';
    console.log('| list endpoint | roles | requests | p50 ms | p95 ms | p99 ms | max ms | req/s | non-200 |');
    if (backend === 'pglite') {
      const db = await openPglite({ dataDir: 'memory://' });
      try {
        return await run(db, 'PGlite (embedded)', scale, users, rounds);
      } finally {
        await db.close();
      }
    }
    const pg = await createScratchDatabase(benchAdminUrl(), 'twin_bench_lists', { migrate: false, max: 20 });
    try {
      return await run(pg.db, 'PostgreSQL + PostGIS', scale, users, rounds);
    } finally {
      await pg.drop();
    }
  },
};
