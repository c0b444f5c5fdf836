import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../db/testing.ts';
import { startTestServer, type TestServer } from '../../testing/server.ts';
import type { TwinModule } from '../types.ts';
import type { Permission, Principal } from '../../auth/types.ts';
import { seedPark } from '../../seed/index.ts';
import { groundModule } from './index.ts';
import { seedGround, type Ground } from './queries.ts';

/** Bearer "viewer" holds twin:read; "nobody" holds nothing. */
const tokenGuard: TwinModule = {
  name: 'token-guard',
  guard: () => ({
    async resolvePrincipal(ctx) {
      const token = /^Bearer (\w+)$/.exec(ctx.get('Authorization'))?.[1];
      const perms: Record<string, Permission[]> = { viewer: ['twin:read'], nobody: [] };
      const p = token ? perms[token] : undefined;
      const principal: Principal | null = p ? { kind: 'user', id: token!, name: token!, roles: [], permissions: new Set(p), sessionId: `s-${token}` } : null;
      return { principal, presented: token !== undefined };
    },
    async onDenied() {},
  }),
};

describeEachBackend('ground: roads, green, water and labels from PostGIS', ({ backend }) => {
  let s: TestServer;
  let parkIdx = 0;
  const get = async (url: string, token?: string) => {
    const r = await fetch(`${s.url}${url}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    return { status: r.status, body: (await r.json()) as Ground & { error?: { message: string } } };
  };

  beforeAll(async () => {
    s = await startTestServer(backend, { modules: [tokenGuard, groundModule] });
    await seedPark(s.sc.db, { seed: 7, scale: 0.3, code: 'ground-a' });
    parkIdx = (await s.sc.db.query<{ idx: number }>("SELECT idx FROM park WHERE code = 'ground-a'")).rows[0]!.idx;
  }, 180_000);
  afterAll(() => s?.stop());

  it('the seed writes a named road grid between the blocks and a pond, deterministically and once', async () => {
    const n = await seedGround(s.sc.db, parkIdx);
    expect(n).toBeGreaterThanOrEqual(5);
    expect(await seedGround(s.sc.db, parkIdx)).toBe(0); // idempotent
    const rows = (await s.sc.db.query<{ code: string; name: string; kind: string; wkt: string }>(
      'SELECT code, name, kind, ST_AsText(geom) AS wkt FROM ground_feature WHERE park_idx = $1 ORDER BY code', [parkIdx],
    )).rows;
    expect(rows.find((r) => r.code === 'ROAD-J1')?.name).toBe('经一路');
    expect(rows.find((r) => r.code === 'ROAD-W1')?.name).toBe('纬一路');
    expect(rows.some((r) => r.kind === 'water')).toBe(true);
    // Same input, same rows: delete and seed again.
    await s.sc.db.query('DELETE FROM ground_feature WHERE park_idx = $1', [parkIdx]);
    await seedGround(s.sc.db, parkIdx);
    const again = (await s.sc.db.query<{ code: string; name: string; kind: string; wkt: string }>(
      'SELECT code, name, kind, ST_AsText(geom) AS wkt FROM ground_feature WHERE park_idx = $1 ORDER BY code', [parkIdx],
    )).rows;
    expect(again).toEqual(rows);
    // Roads run between blocks: no centre line crosses a block's interior (1 m inside its edge).
    const crossing = await s.sc.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ground_feature g JOIN zone z ON z.park_idx = g.park_idx AND z.zone_type = 'block'
       WHERE g.park_idx = $1 AND g.kind = 'road' AND ST_Intersects(g.geom, ST_Buffer(z.boundary, -0.00001))`, [parkIdx],
    );
    expect(crossing.rows[0]!.n).toBe(0);
    // The pond lies inside the park and touches no building.
    const wet = await s.sc.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ground_feature g JOIN building b ON ST_Intersects(g.geom, b.footprint) WHERE g.park_idx = $1 AND g.kind = 'water'`, [parkIdx],
    );
    expect(wet.rows[0]!.n).toBe(0);
  });

  it('GET /api/ground/:code answers areas, roads and labels in local metres; 404, 401 and 403 otherwise', async () => {
    const r = await get('/api/ground/ground-a', 'viewer');
    expect(r.status).toBe(200);
    const kinds = new Set(r.body.areas.map((a) => a.kind));
    for (const k of ['boundary', 'block', 'green', 'parking', 'plaza', 'water']) expect(kinds.has(k as never), k).toBe(true);
    expect(r.body.roads.length).toBeGreaterThanOrEqual(4);
    const nBuildings = (await s.sc.db.query<{ n: number }>('SELECT count(*)::int AS n FROM building WHERE park_idx = $1', [parkIdx])).rows[0]!.n;
    expect(r.body.labels).toHaveLength(nBuildings);
    // Local metres: the park spans hundreds of metres around the origin, not degrees.
    const xs = r.body.roads.flatMap((road) => road.line.filter((_, i) => i % 2 === 0));
    expect(Math.max(...xs) - Math.min(...xs)).toBeGreaterThan(100);
    expect(Math.max(...xs.map(Math.abs))).toBeLessThan(5000);
    expect((await get('/api/ground/no-such-park', 'viewer')).status).toBe(404);
    expect((await get('/api/ground/ground-a')).status).toBe(401);
    expect((await get('/api/ground/ground-a', 'nobody')).status).toBe(403);
  });
});
