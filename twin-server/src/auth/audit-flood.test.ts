/**
 * Issue 14 item 6 (must show 4): one address hammering /ws upgrades (and 401 routes) must not
 * flood the audit trail. The first refusals are written as they happen, the rest of the
 * minute is folded into one `access.denied.repeated` row per source with the count, and past
 * 30 refusals a minute the upgrade is answered 429 without even being authenticated.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allModules } from '../modules/index.ts';
import { REFUSALS_SUMMARY_ACTION } from './audit.ts';
import { startAuthServer, type AuthTestServer } from './testing.ts';

const PER_MINUTE = 10; // TWIN_AUDIT_REFUSALS_PER_MINUTE's default
const HAMMER_MS = 30_000;
const PARALLEL = 4;

/** One raw upgrade request without a credential; resolves with the HTTP status it got. */
function upgradeOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, path: '/ws', agent: false,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': randomBytes(16).toString('base64'), Origin: `http://127.0.0.1:${port}` },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      resolve(101);
    });
    req.on('error', reject);
    req.end();
  });
}

interface Row { seq: number; action: string; object: string | null; source: string | null; detail: string }

describe('audit flood control (one source hammering refusals)', () => {
  let s: AuthTestServer;
  let port = 0;
  const rowsAfter = async (seq: number) => (await s.server.sc.db.query<Row>(
    "SELECT seq, action, object, source, detail FROM audit_log WHERE seq > $1 AND action LIKE 'access.denied%' ORDER BY seq", [seq])).rows;
  const headSeq = async () => (await s.server.sc.db.query<{ n: number }>('SELECT coalesce(max(seq), 0)::int AS n FROM audit_log')).rows[0]!.n;

  beforeAll(async () => {
    s = await startAuthServer('pglite', { modules: allModules(), settings: { auditRefusalsPerMinute: PER_MINUTE } });
    port = Number(new URL(s.server.url).port);
  }, 180_000);
  afterAll(async () => {
    await s?.server.stop();
  });

  it('writes a bounded number of rows for 30 s of unauthenticated WebSocket upgrades, the first refusal included', async () => {
    const before = await headSeq();
    // The first refusal is on record at once, with its reason.
    expect(await upgradeOnce(port)).toBe(401);
    const first = await rowsAfter(before);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ action: 'access.denied', object: 'WS /ws', source: '127.0.0.1' });
    expect(JSON.parse(first[0]!.detail)).toMatchObject({ reason: 'no-credential' });

    const statuses = new Map<number, number>([[401, 1]]);
    const end = Date.now() + HAMMER_MS;
    await Promise.all(Array.from({ length: PARALLEL }, async () => {
      while (Date.now() < end) {
        const code = await upgradeOnce(port);
        statuses.set(code, (statuses.get(code) ?? 0) + 1);
      }
    }));
    const attempts = [...statuses.values()].reduce((a, b) => a + b, 0);
    const during = await rowsAfter(before);
    // The window ends (here: the test flushes it as shutdown or the 10 s timer would after the minute).
    await s.auth.refusals.flush(true);
    const all = await rowsAfter(before);
    const single = all.filter((r) => r.action === 'access.denied');
    const summaries = all.filter((r) => r.action === REFUSALS_SUMMARY_ACTION);
    const folded = summaries.reduce((n, r) => n + (JSON.parse(r.detail) as { count: number }).count, 0);
    console.log(`[must show 4] ${HAMMER_MS / 1000} s of /ws upgrades from 127.0.0.1: ${attempts} attempts `
      + `(${[...statuses].map(([c, n]) => `${n} x ${c}`).join(', ')}, ${(attempts / (HAMMER_MS / 1000)).toFixed(0)}/s); `
      + `audit rows: ${during.length} during the flood, ${all.length} in all (${single.length} refusals as they happened + ${summaries.length} summary counting ${folded})`);
    expect(attempts).toBeGreaterThan(200);
    expect(statuses.get(101) ?? 0).toBe(0);
    expect(statuses.get(429) ?? 0).toBeGreaterThan(0); // the limiter answered without authenticating
    expect(statuses.get(401)!).toBeLessThanOrEqual(30 + PARALLEL);
    expect(single).toHaveLength(PER_MINUTE);
    expect(summaries).toHaveLength(1);
    expect(all.length).toBeLessThanOrEqual(PER_MINUTE + 1);
    expect(single[0]!.seq).toBe(first[0]!.seq);
    // Nothing is lost in count: every refusal is either its own row or in the summary.
    expect(single.length + folded).toBe(attempts);
    const d = JSON.parse(summaries[0]!.detail) as { kinds: Record<string, number>; windowSeconds: number };
    expect(summaries[0]).toMatchObject({ source: '127.0.0.1', object: 'WS /ws' });
    expect(d.windowSeconds).toBe(60);
    expect(Object.keys(d.kinds).some((k) => k.includes('rate-limited'))).toBe(true);
  }, 120_000);

  it('folds a flood of 401s on HTTP routes the same way', async () => {
    const before = await headSeq();
    const n = 300;
    let done = 0;
    await Promise.all(Array.from({ length: 10 }, async () => {
      while (done < n) {
        done++;
        const r = await fetch(`${s.server.url}/api/users`);
        expect(r.status).toBe(401);
        await r.arrayBuffer();
      }
    }));
    await s.auth.refusals.flush(true);
    const all = await rowsAfter(before);
    const single = all.filter((r) => r.action === 'access.denied');
    const summaries = all.filter((r) => r.action === REFUSALS_SUMMARY_ACTION);
    const folded = summaries.reduce((k, r) => k + (JSON.parse(r.detail) as { count: number }).count, 0);
    console.log(`[must show 4] ${done} anonymous GET /api/users: ${all.length} audit rows (${single.length} + ${summaries.length} summary counting ${folded})`);
    expect(single).toHaveLength(PER_MINUTE);
    expect(summaries).toHaveLength(1);
    expect(single.length + folded).toBe(done);
    expect(single[0]!.object).toBe('GET /api/users');
  });

  it('starts a new window after a minute: the next refusal is written again', async () => {
    const before = await headSeq();
    s.clock.advanceMinutes(2);
    expect((await fetch(`${s.server.url}/api/users`)).status).toBe(401);
    expect(await rowsAfter(before)).toHaveLength(1);
  });
});
