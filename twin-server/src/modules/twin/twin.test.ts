import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachBackend } from '../../db/testing.ts';
import { startTestServer, type TestServer } from '../../testing/server.ts';
import { insertFixturePark, type FixturePark } from '../../tiler/fixture.ts';
import { headerGuard, TEST_USER_HEADER } from '../../testing/headerGuard.ts';
import { twinModule } from './index.ts';
import type { ObjectDetails, ParkIndex } from './queries.ts';

/** Stand-in identities (the real guard is tested with the auth platform): picked by a header. */
function twinUsers(enterpriseIdx: () => number) {
  return headerGuard({
    viewer: { permissions: ['twin:read', 'park:read'] },
    plain: { permissions: ['twin:read'] },
    tenant: { permissions: ['twin:read', 'park:read'], enterpriseIdx },
  });
}

describeEachBackend('twin drill-down routes', ({ testDb }) => {
  let srv: TestServer;
  let park: FixturePark;
  let enterpriseIdx = 0;
  let leasedRoom = 0;
  let otherRoom = 0;
  const get = async <T>(path: string, user = 'viewer'): Promise<{ status: number; body: T }> => {
    const r = await fetch(srv.url + path, { headers: user ? { [TEST_USER_HEADER]: user } : {} });
    return { status: r.status, body: (await r.json()) as T };
  };

  beforeAll(async () => {
    const db = testDb().db;
    park = await insertFixturePark(db, { grid: 2, floors: 3, roomsPerSide: 2 });
    const rooms = await db.query<{ idx: number }>(`SELECT idx FROM room WHERE leasable ORDER BY idx`);
    leasedRoom = rooms.rows[0]!.idx;
    otherRoom = rooms.rows[1]!.idx;
    enterpriseIdx = (await db.query<{ idx: number }>(`INSERT INTO twin_object (kind, name, name_en) VALUES ('enterprise', '智算科技', 'AI Compute') RETURNING idx`)).rows[0]!.idx;
    await db.query(`INSERT INTO enterprise (idx, park_idx, credit_code, industry, registered_capital, staff) VALUES ($1, $2, '91330100MA2XXXXX0A', 'ai', 1000, 42)`, [enterpriseIdx, park.parkIdx]);
    await db.query(`INSERT INTO lease (room_idx, enterprise_idx, start_date, end_date, rent, status) VALUES ($1, $2, '2025-01-01', '2028-01-01', 88, 'active')`, [leasedRoom, enterpriseIdx]);
    await db.query(`UPDATE room SET lease_status = 'leased' WHERE idx = $1`, [leasedRoom]);
    await db.query(`INSERT INTO telemetry (ts, device, seq, idx, layer, value, status, payload)
      SELECT now() - make_interval(mins => m), 'occ-1', m, $1, 1, m % 7, 0, '{}'::jsonb FROM generate_series(1, 90) AS m`, [leasedRoom]);
    srv = await startTestServer(testDb().backend, { testDb: testDb(), modules: [twinUsers(() => enterpriseIdx), twinModule] });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('refuses without a login and without twin:read', async () => {
    expect((await get('/api/twin/parks', '')).status).toBe(401);
    expect((await get('/api/twin/parks', 'nobody')).status).toBe(403);
  });

  it('lists the park with the origin its tiles are built around', async () => {
    const r = await get<{ parks: ParkIndex['park'][] }>('/api/twin/parks');
    expect(r.status).toBe(200);
    expect(r.body.parks).toHaveLength(1);
    expect(r.body.parks[0]!.code).toBe(park.code);
    expect(r.body.parks[0]!.origin.lon).toBeCloseTo(120.0865, 6);
  });

  it('returns the hierarchy: every floor under its building, every room under a floor with its level', async () => {
    const r = await get<ParkIndex>(`/api/twin/parks/${park.code}/index`);
    expect(r.status).toBe(200);
    const ix = r.body;
    const at = (i: number) => ({ kind: ix.kind[i], parent: ix.parent[i], level: ix.level[i] });
    const pos = new Map(ix.idx.map((v, i) => [v, i]));
    expect(ix.kind.filter((k) => k === 'building')).toHaveLength(park.counts.buildings);
    expect(ix.kind.filter((k) => k === 'room')).toHaveLength(park.counts.rooms);
    for (let i = 0; i < ix.idx.length; i++) {
      const o = at(i);
      if (o.kind === 'room') {
        const f = at(pos.get(o.parent!)!);
        expect(f.kind).toBe('floor');
        expect(f.level).toBe(o.level);
        expect(at(pos.get(f.parent!)!).kind).toBe('building');
      }
    }
    expect(ix.lease[pos.get(leasedRoom)!]).toBe('leased');
    expect((await get(`/api/twin/parks/no-such-park/index`)).status).toBe(404);
    expect((await get(`/api/twin/parks/DROP%20TABLE/index`)).status).toBe(400);
  });

  it('gives a room its attributes, tenant and breadcrumb path park > building > floor', async () => {
    const r = await get<ObjectDetails>(`/api/twin/objects/${leasedRoom}`);
    expect(r.status).toBe(200);
    expect(r.body.kind).toBe('room');
    expect(r.body.attributes.lease_status).toBe('leased');
    expect(r.body.attributes.enterprise_name).toBe('智算科技');
    expect(r.body.path.map((c) => c.kind)).toEqual(['park', 'building', 'floor']);
    expect(r.body.path[0]!.idx).toBe(park.parkIdx);
  });

  it('lists children of a building with its floors first, in level order', async () => {
    const b = park.buildings[0]!.idx;
    const r = await get<{ children: Array<{ kind: string; level: number }> }>(`/api/twin/objects/${b}/children`);
    const floors = r.body.children.filter((c) => c.kind === 'floor');
    expect(floors.map((c) => c.level)).toEqual([1, 2, 3]);
    // Floors come first; anything else (equipment placed on the building itself) after them.
    expect(r.body.children.slice(0, 3)).toEqual(floors);
  });

  it('returns a bucketed history of at most 60 points', async () => {
    const r = await get<{ points: Array<{ avg: number; max: number }> }>(`/api/twin/objects/${leasedRoom}/history?layer=occupancy&hours=2`);
    expect(r.status).toBe(200);
    expect(r.body.points.length).toBeGreaterThan(10);
    expect(r.body.points.length).toBeLessThanOrEqual(61);
    expect(Math.max(...r.body.points.map((p) => p.max))).toBe(6);
    expect((await get(`/api/twin/objects/${leasedRoom}/history?layer=weather`)).status).toBe(400);
  });

  it('refuses a layer\'s history without that layer\'s permission (twin:read alone reads no occupancy or economy)', async () => {
    expect((await get(`/api/twin/objects/${leasedRoom}/history?layer=occupancy&hours=2`, 'plain')).status).toBe(403);
    expect((await get(`/api/twin/objects/${leasedRoom}/history?layer=economy&hours=2`, 'viewer')).status).toBe(403);
  });

  it('rejects malformed and unknown idx with 400 / 404', async () => {
    expect((await get('/api/twin/objects/abc')).status).toBe(400);
    expect((await get('/api/twin/objects/-3')).status).toBe(400);
    expect((await get('/api/twin/objects/99999999')).status).toBe(404);
  });

  it("gives an enterprise user the whole tree, but names and lease status only of its own rooms and equipment", async () => {
    const db = testDb().db;
    const rival = (await db.query<{ idx: number }>(`INSERT INTO twin_object (kind, name) VALUES ('enterprise', '对手公司') RETURNING idx`)).rows[0]!.idx;
    await db.query(`INSERT INTO enterprise (idx, park_idx, credit_code, industry, registered_capital, staff) VALUES ($1, $2, '91330100MA2YYYYY0B', 'ai', 10, 3)`, [rival, park.parkIdx]);
    const rivalRoom = (await db.query<{ idx: number }>(`SELECT idx FROM room WHERE leasable AND idx NOT IN ($1, $2) ORDER BY idx LIMIT 1`, [leasedRoom, otherRoom])).rows[0]!.idx;
    await db.query(`INSERT INTO lease (room_idx, enterprise_idx, start_date, end_date, rent, status) VALUES ($1, $2, '2025-01-01', '2026-12-31', 70, 'active')`, [rivalRoom, rival]);
    await db.query(`UPDATE room SET lease_status = 'expiring' WHERE idx = $1`, [rivalRoom]);
    const equipmentIn = async (room: number) => (await db.query<{ idx: number }>('SELECT idx FROM equipment WHERE room_idx = $1 ORDER BY idx LIMIT 1', [room])).rows[0]!.idx;
    const [ownEq, rivalEq] = [await equipmentIn(leasedRoom), await equipmentIn(rivalRoom)];

    const staff = (await get<ParkIndex>(`/api/twin/parks/${park.code}/index`)).body;
    const r = await get<ParkIndex>(`/api/twin/parks/${park.code}/index`, 'tenant');
    expect(r.status).toBe(200);
    const tenant = r.body;
    // The tree itself (what the scene needs to draw, hide floors and drill) is the same.
    for (const col of ['idx', 'kind', 'parent', 'level'] as const) expect(tenant[col]).toEqual(staff[col]);
    const pos = new Map(staff.idx.map((v, i) => [v, i]));
    const row = (ix: ParkIndex, idx: number) => ({ name: ix.name[pos.get(idx)!], nameEn: ix.nameEn[pos.get(idx)!], lease: ix.lease[pos.get(idx)!] });
    expect(row(tenant, leasedRoom)).toEqual(row(staff, leasedRoom));
    expect(row(tenant, leasedRoom).lease).toBe('leased');
    expect(row(tenant, ownEq)).toEqual(row(staff, ownEq));
    // The rival's room and equipment, and rooms nobody rents: no name, no lease status.
    expect(row(staff, rivalRoom)).toMatchObject({ lease: 'expiring', name: expect.stringMatching(/.+/) });
    for (const idx of [rivalRoom, rivalEq, otherRoom]) expect(row(tenant, idx)).toEqual({ name: '', nameEn: null, lease: null });
    expect(JSON.stringify(tenant)).not.toContain('expiring');
    expect(JSON.stringify(tenant)).not.toContain(JSON.stringify(row(staff, rivalRoom).name));
    // Buildings and floors keep their names (wayfinding, nobody's secret).
    const b = park.buildings[0]!.idx;
    expect(row(tenant, b)).toEqual(row(staff, b));
  });

  it('lets an enterprise user open its leased room but not a neighbour', async () => {
    expect((await get(`/api/twin/objects/${leasedRoom}`, 'tenant')).status).toBe(200);
    expect((await get(`/api/twin/objects/${otherRoom}`, 'tenant')).status).toBe(403);
    expect((await get(`/api/twin/objects/${otherRoom}/history?layer=occupancy`, 'tenant')).status).toBe(403);
  });
});

describe('twin module registration', () => {
  it('declares twin:read on every route', () => {
    const routes = twinModule.routes!({} as never);
    expect(routes.length).toBeGreaterThanOrEqual(5);
    for (const r of routes) expect(r.permission).toBe('twin:read');
  });
});
