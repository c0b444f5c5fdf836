/**
 * Issue 13 must-show 4, on both backends, through a real server (HTTP, the auth platform, the
 * audit chain): property tests (fast-check) of the records kit's workflow and list.
 *  - no transition fires without its permission (403, state unchanged), and the server agrees
 *    with a model of the workflow on every random sequence of (role, transition);
 *  - every transition attempt writes exactly one audit row (success, denied or failure);
 *  - two users firing at once on the same version: exactly one 200 and one 409;
 *  - list pagination returns every record exactly once while records are inserted between pages.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { healthModule } from '../../modules/health.ts';
import { startAuthServer, type AuthTestServer, type HttpClient } from '../../auth/testing.ts';
import { insertFixturePark } from '../../tiler/fixture.ts';
import { verifyAudit } from '../../auth/audit.ts';
import { entityModule, probeEntity } from './testing.ts';
import type { StoredRecord } from './define.ts';

const ROLES = ['maintenance', 'security_operator', 'property_manager', 'leadership_viewer'] as const;
type Role = (typeof ROLES)[number];
/** Which role holds which transition's permission (from auth/roles.ts). */
const HOLDS: Record<string, readonly Role[]> = {
  start: ['maintenance', 'property_manager'], // equipment:write
  finish: ['maintenance', 'security_operator'], // equipment:control
  cancel: ['security_operator'], // alarm:control
  reopen: ['maintenance', 'property_manager'], // equipment:write
};
const MODEL: Record<string, { from: string[]; to: string }> = {
  start: { from: ['open'], to: 'working' }, finish: { from: ['working'], to: 'done' },
  cancel: { from: ['open', 'working'], to: 'cancelled' }, reopen: { from: ['done'], to: 'open' },
};
const NAMES = Object.keys(MODEL);

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`records kit workflow properties [${backend}]`, () => {
    let s: AuthTestServer;
    const users = {} as Record<Role, HttpClient>;
    let room = 0;
    const def = probeEntity();

    const audits = async (id: number) =>
      (await s.server.sc.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log WHERE object = $1', [`probe:${id}`])).rows[0]!.n;
    const create = async (c: HttpClient, subject: string, reopenable = true) => {
      const r = await c.req('POST', '/api/probes', { objectIdx: room, data: { subject, priority: 'low', reopenable } });
      expect(r.status, r.text).toBe(201);
      return r.body as StoredRecord;
    };

    beforeAll(async () => {
      s = await startAuthServer(backend, { modules: [healthModule, entityModule(def)] });
      await insertFixturePark(s.server.sc.db, { grid: 1, floors: 1, roomsPerSide: 1, code: 'kit-prop' });
      room = (await s.server.sc.db.query<{ idx: number }>('SELECT idx FROM room ORDER BY idx LIMIT 1')).rows[0]!.idx;
      for (const r of ROLES) users[r] = (await s.userWith([r])).client;
    }, 120_000);
    afterAll(async () => {
      await s?.server.stop();
    });

    it('no transition fires without its permission; the server follows the workflow model; one audit row per attempt', async () => {
      let fired = 0;
      let refused = 0;
      await fc.assert(fc.asyncProperty(
        fc.boolean(),
        fc.array(fc.record({ role: fc.constantFrom(...ROLES), name: fc.constantFrom(...NAMES), stale: fc.boolean() }), { minLength: 1, maxLength: 8 }),
        async (reopenable, steps) => {
          const rec = await create(users.property_manager, `prop ${reopenable}`, reopenable);
          let state = 'open';
          let version = rec.version;
          for (const st of steps) {
            const before = await audits(rec.id);
            const sent = st.stale && version > 1 ? version - 1 : version;
            const r = await users[st.role].req('POST', `/api/probes/${rec.id}/transitions/${st.name}`, { version: sent, note: 'p' });
            expect(await audits(rec.id), `${st.role} ${st.name}: exactly one audit row`).toBe(before + 1);
            const permitted = HOLDS[st.name]!.includes(st.role);
            const possible = MODEL[st.name]!.from.includes(state) && !(st.name === 'reopen' && !reopenable);
            if (sent !== version) {
              expect(r.status, r.text).toBe(409); // stale version first: nothing else is looked at
            } else if (!permitted) {
              expect(r.status, `${st.role} must not ${st.name}: ${r.text}`).toBe(403);
            } else if (!possible) {
              expect(r.status, r.text).toBe(409);
            } else {
              expect(r.status, r.text).toBe(200);
              state = MODEL[st.name]!.to;
              version++;
            }
            if (r.status === 200) fired++;
            else refused++;
            const cur = (await users.leadership_viewer.req('GET', `/api/probes/${rec.id}`)).body as { record: StoredRecord; transitions: { transition: string }[] };
            expect(cur.record.state).toBe(state);
            expect(cur.record.version).toBe(version);
            expect(cur.transitions.length).toBe(version - 1);
          }
        },
      ), { numRuns: 12 });
      expect(fired).toBeGreaterThan(0);
      expect(refused).toBeGreaterThan(0);
      const rows = await s.server.sc.db.query<{ outcome: string; n: number }>(
        `SELECT outcome, count(*)::int AS n FROM audit_log WHERE action LIKE 'probe.transition.%' GROUP BY outcome`);
      const by = Object.fromEntries(rows.rows.map((r) => [r.outcome, r.n]));
      expect(by.success).toBe(fired);
      expect((by.denied ?? 0) + (by.failure ?? 0)).toBe(refused);
      expect((await verifyAudit(s.server.sc.db)).ok).toBe(true);
    }, 300_000);

    it('two users firing at once on the same version: one 200, one 409', async () => {
      await fc.assert(fc.asyncProperty(
        fc.constantFrom<[Role, Role, string, string]>(
          ['maintenance', 'property_manager', 'start', 'start'],
          ['maintenance', 'security_operator', 'start', 'cancel'],
          ['property_manager', 'security_operator', 'start', 'cancel'],
          ['maintenance', 'maintenance', 'start', 'start'],
        ),
        async ([a, b, ta, tb]) => {
          const rec = await create(users.property_manager, 'race');
          const before = await audits(rec.id);
          const [ra, rb] = await Promise.all([
            users[a].req('POST', `/api/probes/${rec.id}/transitions/${ta}`, { version: rec.version }),
            users[b].req('POST', `/api/probes/${rec.id}/transitions/${tb}`, { version: rec.version }),
          ]);
          expect([ra.status, rb.status].sort(), `${ra.text} / ${rb.text}`).toEqual([200, 409]);
          const loser = ra.status === 409 ? ra : rb;
          expect(loser.text).toMatch(/changed by someone else/);
          const cur = (await users.leadership_viewer.req('GET', `/api/probes/${rec.id}`)).body as { record: StoredRecord; transitions: unknown[] };
          expect(cur.record.version).toBe(rec.version + 1);
          expect(cur.transitions.length).toBe(1);
          expect(await audits(rec.id)).toBe(before + 2);
        },
      ), { numRuns: 8 });
    }, 300_000);

    it('list pagination returns every record exactly once under concurrent inserts', async () => {
      await fc.assert(fc.asyncProperty(
        fc.integer({ min: 1, max: 7 }),
        fc.constantFrom('id', 'updatedAt', 'state'),
        fc.constantFrom('asc', 'desc'),
        fc.integer({ min: 0, max: 3 }),
        async (limit, sort, dir, insertsPerPage) => {
          const tag = `pg${Math.random().toString(36).slice(2, 8)}`;
          const existing = new Set<number>();
          for (let i = 0; i < 9; i++) existing.add((await create(users.property_manager, `${tag} ${i}`)).id);
          const seen: number[] = [];
          let cursor: string | null = null;
          let pages = 0;
          do {
            const qs = new URLSearchParams({ q: tag, limit: String(limit), sort, dir, ...(cursor ? { cursor } : {}) });
            // Inserts race with the page request.
            const [page] = await Promise.all([
              users.maintenance.req('GET', `/api/probes?${qs}`),
              // (during the first six pages only: an ascending list would otherwise never end)
              ...Array.from({ length: pages < 6 ? insertsPerPage : 0 }, (_, k) => create(users.property_manager, `${tag} new ${pages}-${k}`)),
            ]);
            expect(page.status, page.text).toBe(200);
            const body = page.body as { items: StoredRecord[]; nextCursor: string | null };
            expect(body.items.length).toBeLessThanOrEqual(limit);
            seen.push(...body.items.map((r) => r.id));
            cursor = body.nextCursor;
            pages++;
            expect(pages).toBeLessThan(200);
          } while (cursor);
          expect(new Set(seen).size, 'no record twice').toBe(seen.length);
          for (const id of existing) expect(seen, `record ${id} listed`).toContain(id);
        },
      ), { numRuns: 10 });
    }, 300_000);
  });
}
