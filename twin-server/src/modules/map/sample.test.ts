import { beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../db/testing.ts';
import { seedPark } from '../../seed/index.ts';
import { blockFeatures, buildingFeatures, enterpriseFeatures, occupancyHeatFeatures, type Bbox, type FeatureCollection } from './queries.ts';

/** Bounding box of nested GeoJSON coordinates. */
function boxOf(c: unknown, b: number[] = [Infinity, Infinity, -Infinity, -Infinity]): number[] {
  if (Array.isArray(c) && typeof c[0] === 'number') {
    const [x, y] = c as number[];
    return [Math.min(b[0]!, x!), Math.min(b[1]!, y!), Math.max(b[2]!, x!), Math.max(b[3]!, y!)];
  }
  return Array.isArray(c) ? c.reduce((acc: number[], v) => boxOf(v, acc), b) : b;
}
const f0 = (fc: FeatureCollection<unknown>) => fc.features[0]!.geometry;
const intersects = (a: number[], b: Bbox) => a[0]! <= b[2] && a[2]! >= b[0] && a[1]! <= b[3] && a[3]! >= b[1];

// The generated sample park, with the figures recomputed here in plain JS from raw rows: the map's
// SQL must agree with a second, independent implementation on data it was not written against.
describeEachBackend('map queries on the seeded sample park', ({ db }) => {
  const park = 'sample-park';
  const q = { park, limit: 20000 };
  beforeAll(async () => {
    await seedPark(db(), { seed: 20261125, scale: 0.1, code: park });
  }, 120_000);

  it('building industry and occupancy match a recomputation from rooms and leases', async () => {
    const fc = await buildingFeatures(db(), q);
    const rooms = (await db().query<{ building_idx: number; area: number; lease_status: string; leasable: boolean }>(
      'SELECT building_idx, area, lease_status, leasable FROM room')).rows;
    const leases = (await db().query<{ building_idx: number; area: number; industry: string }>(
      `SELECT r.building_idx, r.area, e.industry FROM lease l JOIN room r ON r.idx = l.room_idx
         JOIN enterprise e ON e.idx = l.enterprise_idx WHERE l.status = 'active'`)).rows;
    const nBuildings = (await db().query<{ n: number }>('SELECT count(*)::int AS n FROM building')).rows[0]!.n;
    expect(fc.features.length).toBe(nBuildings);
    expect(fc.features.some((f) => f.properties.industry !== null)).toBe(true);
    for (const f of fc.features) {
      const mine = rooms.filter((r) => r.building_idx === f.id && r.leasable);
      const leasable = mine.reduce((s, r) => s + r.area, 0);
      const leased = mine.filter((r) => r.lease_status === 'leased' || r.lease_status === 'expiring').reduce((s, r) => s + r.area, 0);
      if (leasable === 0) expect(f.properties.occupancy).toBeNull();
      else expect(f.properties.occupancy!).toBeCloseTo(leased / leasable, 3);
      const byIndustry = new Map<string, number>();
      for (const l of leases.filter((x) => x.building_idx === f.id)) byIndustry.set(l.industry, (byIndustry.get(l.industry) ?? 0) + l.area);
      const best = [...byIndustry].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
      expect(f.properties.industry, `building ${f.properties.code}`).toBe(best?.[0] ?? null);
    }
  });

  it('leading enterprises and their 12-month output match the monthly rows', async () => {
    const fc = await enterpriseFeatures(db(), q);
    const leading = (await db().query<{ idx: number }>(
      `SELECT e.idx FROM enterprise e WHERE e.is_leading
          AND EXISTS (SELECT 1 FROM lease l WHERE l.enterprise_idx = e.idx AND l.status = 'active')`)).rows.map((r) => r.idx);
    expect(fc.features.map((f) => f.id).sort((a, b) => a - b)).toEqual(leading.sort((a, b) => a - b));
    expect(fc.features.length).toBeGreaterThan(0);
    const monthly = (await db().query<{ enterprise_idx: number; month: string; output_value: number }>(
      "SELECT enterprise_idx, to_char(month, 'YYYY-MM') AS month, output_value FROM enterprise_monthly")).rows;
    const key = (ym: string) => Number(ym.slice(0, 4)) * 12 + Number(ym.slice(5, 7)) - 1;
    const latest = Math.max(...monthly.map((m) => key(m.month)));
    for (const f of fc.features) {
      const sum = monthly.filter((m) => m.enterprise_idx === f.id && key(m.month) > latest - 12).reduce((s, m) => s + m.output_value, 0);
      expect(f.properties.output12m).toBeCloseTo(sum, 2);
    }
    // Largest first.
    const outs = fc.features.map((f) => f.properties.output12m);
    expect([...outs].sort((a, b) => b - a)).toEqual(outs);
  });

  it('heat points carry every leased square metre once, and a bbox keeps only what it touches', async () => {
    const heat = await occupancyHeatFeatures(db(), q);
    const leased = (await db().query<{ a: number }>(
      "SELECT coalesce(sum(area), 0) AS a FROM room WHERE leasable AND lease_status IN ('leased', 'expiring')")).rows[0]!.a;
    const total = heat.features.reduce((s, f) => s + f.properties.leasedArea, 0);
    expect(Math.abs(total - leased)).toBeLessThanOrEqual(heat.features.length); // per-point rounding only

    const buildings = await buildingFeatures(db(), q);
    const whole = boxOf(buildings.features.map((f) => f.geometry.coordinates));
    const west: Bbox = [whole[0]!, whole[1]!, whole[0]! + (whole[2]! - whole[0]!) / 3, whole[3]!];
    const inside = (p: number[]) => p[0]! > west[0] && p[0]! < west[2] && p[1]! > west[1] && p[1]! < west[3];
    const vertices = (c: unknown): number[][] => (Array.isArray(c) && typeof c[0] === 'number' ? [c as number[]] : (c as unknown[]).flatMap(vertices));
    for (const [fn, name] of [[blockFeatures, 'blocks'], [buildingFeatures, 'buildings'], [occupancyHeatFeatures, 'heat'], [enterpriseFeatures, 'enterprises']] as const) {
      const full = (await fn(db(), q)) as FeatureCollection<unknown>;
      const part = (await fn(db(), { ...q, bbox: west })) as FeatureCollection<unknown>;
      const ids = new Set(part.features.map((f) => f.id));
      // Everything returned touches the box; everything with a vertex strictly inside it is returned.
      for (const f of part.features) expect(intersects(boxOf(f.geometry.coordinates), west), `${name} ${f.id}`).toBe(true);
      for (const f of full.features) {
        if (vertices(f.geometry.coordinates).some(inside)) expect(ids.has(f.id), `${name} ${f.id}`).toBe(true);
      }
      if (f0(full).type === 'Point') {
        // Points: exactly those inside the box (boundary included).
        expect(part.features.map((f) => f.id), name).toEqual(full.features.filter((f) => intersects(boxOf(f.geometry.coordinates), west)).map((f) => f.id));
      }
      if (name === 'buildings' || name === 'heat') expect(part.features.length, name).toBeLessThan(full.features.length);
      if (name !== 'enterprises') expect(part.features.length, name).toBeGreaterThan(0);
    }
  });
});
