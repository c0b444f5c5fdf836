import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../db/testing.ts';
import { startTestServer, type TestServer } from '../testing/server.ts';
import type { TwinModule } from './types.ts';
import type { Permission, Principal } from '../auth/types.ts';
import { importModule } from './import.ts';
import type { ImportReport } from '../import/buildings.ts';
import type { ImportProblem } from '../import/problems.ts';
import { GOOD_FILE, countRows, createTestPark, goodCollection } from '../import/fixtures/park.ts';

/**
 * A guard with two fixed bearer tokens, standing in for the auth platform's login so this file
 * tests the import route itself: "writer" holds park:write, "reader" only park:read.
 */
const tokenGuard: TwinModule = {
  name: 'token-guard',
  guard: () => ({
    async resolvePrincipal(ctx) {
      const token = /^Bearer (\w+)$/.exec(ctx.get('Authorization'))?.[1];
      const perms: Record<string, Permission[]> = { writer: ['park:read', 'park:write'], reader: ['park:read'] };
      const p = token ? perms[token] : undefined;
      const principal: Principal | null = p
        ? { kind: 'user', id: token!, name: token!, roles: [], permissions: new Set(p), sessionId: `s-${token}` }
        : null;
      return { principal, presented: token !== undefined };
    },
    async onDenied() {},
  }),
};

interface Rejection { error: { status: number; message: string; problems: ImportProblem[] } }

describeEachBackend('POST /api/import/buildings', ({ backend }) => {
  let s: TestServer;
  const good = fs.readFileSync(GOOD_FILE, 'utf8');
  const post = (body: string, token?: string, query = '') =>
    fetch(`${s.url}/api/import/buildings${query}`, {
      method: 'POST', body,
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    });
  const audit = async () => (await s.testDb.db.query<{ outcome: string; actor_name: string | null }>(
    "SELECT outcome, actor_name FROM audit_log WHERE action = 'import.buildings' ORDER BY seq")).rows;

  beforeAll(async () => {
    s = await startTestServer(backend, { modules: [tokenGuard, importModule] });
    await createTestPark(s.testDb.db, 'route-park');
  });
  afterAll(() => s?.stop());

  it('refuses an unauthenticated call with 401 and writes nothing', async () => {
    const before = await countRows(s.testDb.db);
    const r = await post(good);
    expect(r.status).toBe(401);
    expect(await countRows(s.testDb.db)).toEqual(before);
  });

  it('refuses a caller without park:write with 403 and writes nothing', async () => {
    const before = await countRows(s.testDb.db);
    expect((await post(good, 'reader')).status).toBe(403);
    expect(await countRows(s.testDb.db)).toEqual(before);
  });

  it('answers bad GeoJSON with 422 and the full problem list, writes nothing, audits the rejection', async () => {
    const before = await countRows(s.testDb.db);
    const c = goodCollection();
    c.features[0]!.properties.use = 'ofice';
    c.features[3]!.geometry = { type: 'LineString', coordinates: [[120.11, 30.276], [120.111, 30.277]] };
    const r = await post(JSON.stringify(c), 'writer');
    expect(r.status).toBe(422);
    const body = (await r.json()) as Rejection;
    expect(body.error.message).toMatch(/nothing was written: 2 problems/);
    expect(body.error.problems.map((p) => `${p.ref} ${p.field}: ${p.message}`)).toEqual([
      expect.stringMatching(/^features\[0\] \(id "a1", code "A1".*use: "ofice" is not a building use; did you mean "office"/),
      expect.stringMatching(/^features\[3\] \(code "M1".*geometry: is a LineString/),
    ]);
    expect(await countRows(s.testDb.db)).toEqual(before);
    expect((await audit()).at(-1)).toEqual({ outcome: 'failure', actor_name: 'writer' });
  });

  it('rejects bad options with 400 and an oversized body with 413', async () => {
    const before = await countRows(s.testDb.db);
    const bad = await post(good, 'writer', '?floors=maybe');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Rejection).error.message).toMatch(/floors/);
    const big = goodCollection();
    (big as unknown as Record<string, unknown>).padding = 'x'.repeat(1_100_000);
    const r = await post(JSON.stringify(big), 'writer');
    expect(r.status).toBe(413);
    expect(await countRows(s.testDb.db)).toEqual(before);
  });

  it('imports a good file: a dry run first, then for real, and audits the import', async () => {
    const before = await countRows(s.testDb.db);
    const dry = await post(good, 'writer', '?dryRun=true');
    expect(dry.status).toBe(200);
    const d = (await dry.json()) as ImportReport;
    expect(d).toMatchObject({ dryRun: true, park: { code: 'route-park' }, created: { building: 5 } });
    expect(await countRows(s.testDb.db)).toEqual(before);

    const r = await post(good, 'writer', '?park=route-park');
    expect(r.status).toBe(200);
    const rep = (await r.json()) as ImportReport;
    expect(rep.created).toEqual(d.created);
    const after = await countRows(s.testDb.db);
    expect(after.building - before.building).toBe(5);
    expect(after.room - before.room).toBe(rep.created.room);
    expect(rep.buildings.map((b) => b.code)).toEqual(['A1', 'A2', 'C1', 'M1', 'P1']);
    expect((await audit()).at(-1)).toEqual({ outcome: 'success', actor_name: 'writer' });

    // The same file again is a conflict on every code, unless replace=true.
    const again = await post(good, 'writer');
    expect(again.status).toBe(422);
    expect(((await again.json()) as Rejection).error.problems).toHaveLength(5);
    const rep2 = await post(good, 'writer', '?replace=true');
    expect(rep2.status).toBe(200);
    expect(((await rep2.json()) as ImportReport).replaced.building).toBe(5);
    expect((await countRows(s.testDb.db)).building).toBe(after.building);
  });
});
