/**
 * Investment queries and routes on both backends over the seeded sample park: every filter's
 * result equals a count written independently in SQL, the suitability rule holds, the panel's
 * floor plan and neighbours match the rooms and leases, bad input is a 400 that names the
 * problem, and enterprise users are refused.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../db/testing.ts';
import type { Queryable } from '../../db/index.ts';
import { seedPark, asOfDate } from '../../seed/index.ts';
import { startAuthServer, type AuthTestServer, type HttpClient } from '../../auth/testing.ts';
import { healthModule } from '../health.ts';
import type { ErrorBody } from '../../http/errors.ts';
import { investModule } from './index.ts';
import {
  ADJACENT_M, INDUSTRIES, SUITABLE_BY_USE, availabilityWindow, compareQuerySchema, findPark, searchUnits, unitDetail,
  unitsQuerySchema, type InvestPark, type UnitsQuery,
} from './queries.ts';
import type { UnitRow } from '@park-twin/layers';

const SEED = 7;
const CODE = 'invest-test';
const q = (extra: Record<string, string> = {}): UnitsQuery => unitsQuerySchema.parse({ park: CODE, ...extra });

it('the query schema rejects bad input with messages naming the parameter', () => {
  const bad: Record<string, string>[] = [
    {}, { park: 'Bad Park' }, { park: CODE, minArea: 'abc' }, { park: CODE, minArea: '500', maxArea: '100' },
    { park: CODE, minRent: '-1' }, { park: CODE, minLevel: '2.5' }, { park: CODE, within: '37' }, { park: CODE, within: '-1' },
    { park: CODE, industry: 'mining' }, { park: CODE, sort: 'price; DROP TABLE room' }, { park: CODE, asOf: '2025-02-30' },
    { park: CODE, asOf: 'yesterday' }, { park: CODE, limit: '0' }, { park: CODE, building: "A1' OR 1=1" },
  ];
  for (const b of bad) expect(unitsQuerySchema.safeParse(b).success, JSON.stringify(b)).toBe(false);
  const r = unitsQuerySchema.safeParse({ park: CODE, minArea: '500', maxArea: '100' });
  expect(r.error?.issues[0]?.message).toBe('minArea must not exceed maxArea');
  expect(unitsQuerySchema.parse({ park: CODE })).toMatchObject({ within: 6, sort: 'code', limit: 2000 });
  expect(compareQuerySchema.safeParse({ park: CODE, units: '1,2,3,4' }).error?.issues[0]?.message).toBe('compare takes at most 3 units');
  expect(compareQuerySchema.parse({ park: CODE, units: '5,5,6' }).units).toEqual([5, 6]);
});

it('every leasable use suits at least one industry, and only known ones', () => {
  for (const use of ['office', 'lab', 'workshop', 'retail', 'showroom']) {
    expect(SUITABLE_BY_USE[use]!.length, use).toBeGreaterThan(0);
    for (const i of SUITABLE_BY_USE[use]!) expect(INDUSTRIES).toContain(i);
  }
});

/** Available units written the other way round: from the lease table, not from the CASE. */
const DIRECT_AVAILABLE = `
  SELECT count(*)::int AS n FROM room r JOIN building b ON b.idx = r.building_idx JOIN floor f ON f.idx = r.floor_idx
  WHERE b.park_idx = $1 AND r.leasable AND (r.lease_status = 'vacant'
    OR (r.lease_status IN ('leased', 'expiring') AND EXISTS (
      SELECT 1 FROM lease l WHERE l.room_idx = r.idx AND l.status = 'active' AND l.end_date <= $2::date)))`;

const count = async (db: Queryable, sql: string, params: unknown[]) => (await db.query<{ n: number }>(sql, params)).rows[0]!.n;

describeEachBackend('investment queries', ({ db }) => {
  let park: InvestPark;
  let cutoff = '';
  beforeAll(async () => {
    await seedPark(db(), { seed: SEED, scale: 0.1, code: CODE });
    park = (await findPark(db(), CODE))!;
    cutoff = (await availabilityWindow(db(), park.idx, 6)).cutoff;
  }, 180_000);

  it('the reference date is the month the data describes, and within moves the cut-off by months', async () => {
    const w = await availabilityWindow(db(), park.idx, 6);
    expect(w.asOf).toBe(`${asOfDate(SEED).slice(0, 7)}-01`);
    const [y, m] = w.asOf.split('-').map(Number) as [number, number];
    const six = new Date(Date.UTC(y, m - 1 + 6, 1)).toISOString().slice(0, 10);
    expect(w.cutoff).toBe(six);
    expect(await availabilityWindow(db(), park.idx, 0, '2026-01-31')).toEqual({ asOf: '2026-01-31', within: 0, cutoff: '2026-01-31' });
    expect((await availabilityWindow(db(), park.idx, 1, '2026-01-31')).cutoff).toBe('2026-02-28');
  });

  it('without filters: exactly the vacant units and those whose active lease ends by the cut-off', async () => {
    const r = await searchUnits(db(), park, q());
    expect(r.total).toBe(await count(db(), DIRECT_AVAILABLE, [park.idx, cutoff]));
    expect(r.total).toBeGreaterThan(20);
    expect(r.units.length).toBe(r.total);
    expect(new Set(r.units.map((u) => u.availability))).toEqual(new Set(['vacant', 'soon']));
    // Every unit the seed marked expiring (ends within 90 days) is soon vacant at six months.
    const expiring = await db().query<{ idx: number }>(
      `SELECT r.idx FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1 AND r.lease_status = 'expiring'`, [park.idx]);
    expect(expiring.rows.length).toBeGreaterThan(0);
    const soon = new Set(r.units.filter((u) => u.availability === 'soon').map((u) => u.idx));
    for (const e of expiring.rows) expect(soon.has(e.idx), `expiring room ${e.idx}`).toBe(true);
    for (const u of r.units) {
      if (u.availability === 'vacant') expect([u.leaseEnd, u.availableFrom]).toEqual([null, r.asOf]);
      else expect(u.leaseEnd! <= r.cutoff && u.availableFrom > u.leaseEnd!).toBe(true);
    }
    // within=0: vacant units only.
    const vacant = await searchUnits(db(), park, q({ within: '0' }));
    expect(vacant.total).toBe(await count(db(),
      `SELECT count(*)::int AS n FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1 AND r.lease_status = 'vacant'`, [park.idx]));
    expect(vacant.total).toBeLessThan(r.total);
  });

  it('units a proposal holds are listed apart as held (not offered, not counted), with the same filters', async () => {
    const before = await searchUnits(db(), park, q());
    const [a, b] = before.units.filter((u) => u.availability === 'vacant');
    await db().query(`UPDATE room SET lease_status = 'reserved' WHERE idx = ANY($1::int[])`, [[a!.idx, b!.idx]]);
    try {
      const r = await searchUnits(db(), park, q());
      expect(r.total).toBe(before.total - 2);
      expect(r.units.some((u) => u.idx === a!.idx || u.idx === b!.idx)).toBe(false);
      const direct = await db().query<{ idx: number }>(
        `SELECT r.idx FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1 AND r.leasable AND r.lease_status = 'reserved' ORDER BY r.idx`, [park.idx]);
      expect(r.held.map((u) => u.idx).sort((x, y) => x - y)).toEqual(direct.rows.map((x) => x.idx));
      expect(r.held.every((u) => u.availability === 'reserved')).toBe(true);
      // The filters apply to held units too.
      const only = await searchUnits(db(), park, q({ minArea: String(a!.area), maxArea: String(a!.area), building: a!.buildingCode }));
      expect(only.held.map((u) => u.idx)).toContain(a!.idx);
      expect(only.held.every((u) => u.area === a!.area && u.buildingCode === a!.buildingCode)).toBe(true);
    } finally {
      await db().query(`UPDATE room SET lease_status = 'vacant' WHERE idx = ANY($1::int[])`, [[a!.idx, b!.idx]]);
    }
  });

  it('area, rent, floor and building filters keep exactly the units a direct count finds', async () => {
    const all = (await searchUnits(db(), park, q())).units;
    const areas = all.map((u) => u.area).sort((a, b) => a - b);
    const [lo, hi] = [areas[Math.floor(areas.length / 4)]!, areas[Math.floor((areas.length * 3) / 4)]!];
    const byArea = await searchUnits(db(), park, q({ minArea: String(lo), maxArea: String(hi) }));
    expect(byArea.total).toBe(await count(db(), `${DIRECT_AVAILABLE} AND r.area >= $3 AND r.area <= $4`, [park.idx, cutoff, lo, hi]));
    expect(byArea.total).toBeGreaterThan(0);
    expect(byArea.total).toBeLessThan(all.length);
    for (const u of byArea.units) expect(u.area >= lo && u.area <= hi).toBe(true);

    const rents = all.map((u) => u.rent).sort((a, b) => a - b);
    const maxRent = rents[Math.floor(rents.length / 2)]!;
    const byRent = await searchUnits(db(), park, q({ maxRent: String(maxRent) }));
    expect(byRent.total).toBe(await count(db(), `${DIRECT_AVAILABLE} AND r.rent <= $3`, [park.idx, cutoff, maxRent]));

    const byLevel = await searchUnits(db(), park, q({ minLevel: '2', maxLevel: '4' }));
    expect(byLevel.total).toBe(await count(db(), `${DIRECT_AVAILABLE} AND f.level BETWEEN 2 AND 4`, [park.idx, cutoff]));
    for (const u of byLevel.units) expect(u.level >= 2 && u.level <= 4).toBe(true);

    const code = all[0]!.buildingCode;
    const choices = (await searchUnits(db(), park, q())).buildings.map((b) => b.code);
    expect(choices).toContain(code);
    expect(choices.length).toBe(await count(db(),
      'SELECT count(DISTINCT r.building_idx)::int AS n FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1 AND r.leasable', [park.idx]));
    const byBuilding = await searchUnits(db(), park, q({ building: code }));
    expect(byBuilding.total).toBe(await count(db(), `${DIRECT_AVAILABLE} AND b.code = $3`, [park.idx, cutoff, code]));
    expect(byBuilding.units.every((u) => u.buildingCode === code)).toBe(true);

    // Filters combine with AND.
    const both = await searchUnits(db(), park, q({ minArea: String(lo), maxArea: String(hi), maxRent: String(maxRent) }));
    expect(both.units.map((u) => u.idx).sort()).toEqual(byArea.units.filter((u) => u.rent <= maxRent).map((u) => u.idx).sort());
  });

  it('suitable industry: by the unit\'s use or an adjacent tenant of that industry, as PostGIS finds it', async () => {
    for (const industry of ['biomed', 'smart_manufacturing', 'fintech'] as const) {
      const uses = Object.entries(SUITABLE_BY_USE).filter(([, inds]) => inds.includes(industry)).map(([use]) => use);
      const r = await searchUnits(db(), park, q({ industry }));
      const direct = await count(db(), `${DIRECT_AVAILABLE} AND (r.use = ANY($3::text[]) OR EXISTS (
          SELECT 1 FROM room n JOIN lease l ON l.room_idx = n.idx AND l.status = 'active' JOIN enterprise e ON e.idx = l.enterprise_idx
          WHERE n.floor_idx = r.floor_idx AND n.idx <> r.idx AND e.industry = $4
            AND ST_Distance(n.footprint::geography, r.footprint::geography) <= ${ADJACENT_M}))`, [park.idx, cutoff, uses, industry]);
      expect(r.total, industry).toBe(direct);
      for (const u of r.units) expect(uses.includes(u.use) || u.neighbourIndustries.includes(industry)).toBe(true);
    }
    // Some unit suits an industry only through its neighbours (the cluster part of the rule is live).
    const all = (await searchUnits(db(), park, q())).units;
    expect(all.some((u) => u.neighbourIndustries.some((i) => !SUITABLE_BY_USE[u.use]!.includes(i)))).toBe(true);
  });

  it('sorts by the allowlisted keys and says when the limit cut the list', async () => {
    const isSorted = (us: UnitRow[], f: (u: UnitRow) => number) => us.every((u, i) => i === 0 || f(us[i - 1]!) <= f(u));
    expect(isSorted((await searchUnits(db(), park, q({ sort: 'area' }))).units, (u) => u.area)).toBe(true);
    expect(isSorted((await searchUnits(db(), park, q({ sort: '-rent' }))).units, (u) => -u.rent)).toBe(true);
    expect(isSorted((await searchUnits(db(), park, q({ sort: 'level' }))).units, (u) => u.level)).toBe(true);
    const cut = await searchUnits(db(), park, q({ limit: '5' }));
    expect(cut.units).toHaveLength(5);
    expect(cut.truncated).toBe(true);
    expect(cut.total).toBeGreaterThan(5);
  });

  it('the unit panel: floor plan of the unit\'s floor in metres, and the tenants on that floor', async () => {
    const unit = (await searchUnits(db(), park, q({ sort: '-area' }))).units[0]!;
    const d = (await unitDetail(db(), park, unit.idx, await availabilityWindow(db(), park.idx, 6), true))!;
    expect(d.unit).toEqual(unit);
    const rooms = await db().query<{ idx: number }>('SELECT idx FROM room WHERE floor_idx = $1', [unit.floorIdx]);
    expect(d.floorPlan.rooms.map((r) => r.idx).sort()).toEqual(rooms.rows.map((r) => r.idx).sort());
    expect(d.floorPlan.outline[0]!.length).toBeGreaterThanOrEqual(4);
    const storey = await db().query<{ elevation: number; height: number }>(
      'SELECT f.elevation, f.height FROM floor f WHERE f.idx = $1', [unit.floorIdx]);
    expect(d.floorPlan.height).toBeCloseTo(storey.rows[0]!.height, 4);
    // The sample park's buildings stand on the datum, so the slab top is the floor's own elevation.
    expect(d.floorPlan.elevation).toBeCloseTo(storey.rows[0]!.elevation, 4);
    // The unit's outline, projected to metres, has its recorded area (shoelace).
    const ring = d.floorPlan.rooms.find((r) => r.idx === unit.idx)!.rings[0]!;
    const area = Math.abs(ring.slice(0, -1).reduce((s, p, i) => s + p[0] * ring[i + 1]![1] - ring[i + 1]![0] * p[1], 0)) / 2;
    expect(area).toBeGreaterThan(unit.area * 0.9);
    expect(area).toBeLessThan(unit.area * 1.1);
    const tenants = await db().query<{ industry: string }>(
      `SELECT DISTINCT e.industry FROM room n JOIN lease l ON l.room_idx = n.idx AND l.status = 'active'
       JOIN enterprise e ON e.idx = l.enterprise_idx WHERE n.floor_idx = $1 AND n.idx <> $2`, [unit.floorIdx, unit.idx]);
    expect([...new Set(d.neighbours.map((n) => n.industry))].sort()).toEqual(tenants.rows.map((t) => t.industry).sort());
    expect(d.neighbours.filter((n) => n.adjacent).map((n) => n.industry).sort()).toEqual([...new Set(unit.neighbourIndustries)].sort().filter(
      (i) => d.neighbours.some((n) => n.adjacent && n.industry === i)));
    for (const n of d.neighbours) expect(n.name).toBeTruthy();
    const anonymous = (await unitDetail(db(), park, unit.idx, await availabilityWindow(db(), park.idx, 6), false))!;
    expect(anonymous.neighbours.every((n) => n.name === null)).toBe(true);
    // Not a leasable unit of this park: a corridor, or nothing.
    const corridor = await db().query<{ idx: number }>("SELECT idx FROM room WHERE use = 'corridor' LIMIT 1");
    expect(await unitDetail(db(), park, corridor.rows[0]!.idx, d, true)).toBeNull();
  });
});

describeEachBackend('investment routes', ({ backend }) => {
  let s: AuthTestServer;
  let investor: HttpClient;
  let tenant: HttpClient;
  let maintenance: HttpClient;
  beforeAll(async () => {
    s = await startAuthServer(backend, { modules: [healthModule, investModule] });
    await seedPark(s.server.sc.db, { seed: SEED, scale: 0.1, code: CODE });
    const ent = await s.server.sc.db.query<{ idx: number }>('SELECT idx FROM enterprise ORDER BY idx LIMIT 1');
    investor = (await s.userWith(['investment'])).client;
    tenant = (await s.userWith(['enterprise_user'], ent.rows[0]!.idx)).client;
    maintenance = (await s.userWith(['maintenance'])).client;
  }, 180_000);
  afterAll(async () => {
    await s?.server.stop();
  });

  it('serves the filtered list, a unit and a comparison of three', async () => {
    const r = await investor.req('GET', `/api/invest/units?park=${CODE}&minArea=100&sort=-area`);
    expect(r.status).toBe(200);
    const body = r.body as { total: number; units: UnitRow[]; asOf: string };
    expect(body.total).toBeGreaterThan(3);
    expect(body.units.every((u) => u.area >= 100)).toBe(true);
    const three = body.units.slice(0, 3).map((u) => u.idx);
    const d = await investor.req('GET', `/api/invest/units/${three[0]}?park=${CODE}`);
    expect(d.status).toBe(200);
    expect((d.body as { unit: UnitRow }).unit.idx).toBe(three[0]);
    const c = await investor.req('GET', `/api/invest/compare?park=${CODE}&units=${three.join(',')}`);
    expect(c.status).toBe(200);
    expect((c.body as { units: UnitRow[] }).units.map((u) => u.idx)).toEqual(three);
  });

  it('bad input is a 400 naming the problem; unknown park or unit a 404; the server keeps answering', async () => {
    const cases: [string, RegExp][] = [
      [`/api/invest/units?park=${CODE}&minArea=big`, /minArea must be a number/],
      [`/api/invest/units?park=${CODE}&minArea=500&maxArea=100`, /minArea must not exceed maxArea/],
      [`/api/invest/units?park=${CODE}&within=99`, /within must be 0-36 months/],
      [`/api/invest/units?park=${CODE}&industry=mining`, /industry must be one of/],
      [`/api/invest/units?park=${CODE}&sort=rent%20DESC`, /sort must be one of/],
      [`/api/invest/units?park=${CODE}&minArea=1&minArea=2`, /minArea/],
      ['/api/invest/units', /park is required/],
      [`/api/invest/units/abc?park=${CODE}`, /idx must be a whole number/],
      [`/api/invest/compare?park=${CODE}&units=1,2,3,4`, /compare takes at most 3 units/],
      [`/api/invest/compare?park=${CODE}&units=1;2`, /units must be comma-separated/],
    ];
    for (const [path, msg] of cases) {
      const r = await investor.req('GET', path);
      expect(r.status, path).toBe(400);
      expect((r.body as ErrorBody).error.message, path).toMatch(msg);
    }
    expect((await investor.req('GET', '/api/invest/units?park=no-such-park')).status).toBe(404);
    const corridor = await s.server.sc.db.query<{ idx: number }>("SELECT idx FROM room WHERE use = 'corridor' LIMIT 1");
    const r = await investor.req('GET', `/api/invest/units/${corridor.rows[0]!.idx}?park=${CODE}`);
    expect(r.status).toBe(404);
    expect((r.body as ErrorBody).error.message).toMatch(/no leasable unit/);
    expect((await investor.req('GET', `/api/invest/units?park=${CODE}`)).status).toBe(200);
  });

  it('enterprise users and roles without leasing:read are refused', async () => {
    for (const path of [`/api/invest/units?park=${CODE}`, `/api/invest/compare?park=${CODE}&units=1`]) {
      expect((await tenant.req('GET', path)).status, path).toBe(403);
      expect((await maintenance.req('GET', path)).status, path).toBe(403);
    }
  });
});
