/**
 * A small, hand-checked park for the map tests (DB, HTTP and browser): figures are chosen so the
 * expected industries, occupancy rates and 12-month outputs can be worked out by hand (see the
 * comments), independent of the sample-park seed generator.
 */
import type { Db, Tx } from '../../db/index.ts';

/** idx of the fixture objects, for assertions. */
export interface MapFixture {
  readonly park: number;
  readonly otherPark: number;
  readonly blocks: { research: number; industrial: number; green: number };
  readonly plaza: number;
  readonly buildings: { b1: number; b2: number; b3: number; other: number };
  readonly enterprises: { ai: number; bio: number; soft: number; energy: number; gone: number; fin: number };
}

/** Park "map-fixture": origin and outline, lon/lat degrees. */
export const FIXTURE_ORIGIN = { lon: 120.7, lat: 31.3, height: 8 } as const;
export const FIXTURE_PARK_CODE = 'map-fixture';

type Rect = readonly [number, number, number, number];

/** Inserts the fixture in one transaction and returns the idx of its objects. */
export async function insertMapFixture(db: Db): Promise<MapFixture> {
  return db.transaction(async (tx) => {
    const obj = async (kind: string, name: string, nameEn?: string): Promise<number> =>
      (await tx.query<{ idx: number }>('INSERT INTO twin_object (kind, name, name_en) VALUES ($1, $2, $3) RETURNING idx',
        [kind, name, nameEn ?? null])).rows[0]!.idx;
    const env = (r: Rect) => [r[0], r[1], r[2], r[3]];

    const park = async (code: string, name: string, nameEn: string, lon: number, lat: number, outline: Rect) => {
      const idx = await obj('park', name, nameEn);
      await tx.query(
        `INSERT INTO park (idx, code, city, origin, boundary)
         VALUES ($1, $2, '苏州', ST_SetSRID(ST_MakePoint($3, $4, 8), 4326), ST_MakeEnvelope($5, $6, $7, $8, 4326))`,
        [idx, code, lon, lat, ...env(outline)],
      );
      return idx;
    };
    const zone = async (parkIdx: number, code: string, name: string, type: string, use: string | null, ratio: number | null, r: Rect) => {
      const idx = await obj('zone', name, `Zone ${code}`);
      await tx.query(
        `INSERT INTO zone (idx, park_idx, code, zone_type, planned_use, plot_ratio, boundary)
         VALUES ($1, $2, $3, $4, $5, $6, ST_MakeEnvelope($7, $8, $9, $10, 4326))`,
        [idx, parkIdx, code, type, use, ratio, ...env(r)],
      );
      return idx;
    };
    const building = async (parkIdx: number, code: string, use: string, height: number, floors: number, r: Rect) => {
      const idx = await obj('building', `${code}号楼`, `Building ${code}`);
      await tx.query(
        `INSERT INTO building (idx, park_idx, code, footprint, height, floors_above, use)
         VALUES ($1, $2, $3, ST_MakeEnvelope($4, $5, $6, $7, 4326), $8, $9, $10)`,
        [idx, parkIdx, code, ...env(r), height, floors, use],
      );
      const floorIdx: number[] = [];
      for (let level = 1; level <= floors; level++) {
        const f = await obj('floor', `${code}-${level}F`);
        await tx.query(
          `INSERT INTO floor (idx, building_idx, level, elevation, height, footprint)
           VALUES ($1, $2, $3, $4, 4, ST_MakeEnvelope($5, $6, $7, $8, 4326))`,
          [f, idx, level, (level - 1) * 4, ...env(r)],
        );
        floorIdx.push(f);
      }
      return { idx, floorIdx };
    };
    const room = async (b: { idx: number; floorIdx: number[] }, level: number, code: string, area: number,
      status: 'vacant' | 'leased' | 'expiring' | 'not_leasable', r: Rect) => {
      const idx = await obj('room', code);
      const leasable = status !== 'not_leasable';
      await tx.query(
        `INSERT INTO room (idx, floor_idx, building_idx, code, footprint, area, use, leasable, lease_status, rent)
         VALUES ($1, $2, $3, $4, ST_MakeEnvelope($5, $6, $7, $8, 4326), $9, $10, $11, $12, $13)`,
        [idx, b.floorIdx[level - 1], b.idx, code, ...env(r), area, leasable ? 'office' : 'plant', leasable, status,
          leasable ? 80 : null],
      );
      return idx;
    };
    const enterprise = async (parkIdx: number, name: string, nameEn: string, code: string, industry: string, leading: boolean, staff: number) => {
      const idx = await obj('enterprise', name, nameEn);
      await tx.query(
        `INSERT INTO enterprise (idx, park_idx, credit_code, industry, registered_capital, staff, is_leading, high_tech)
         VALUES ($1, $2, $3, $4, 1000, $5, $6, $6)`,
        [idx, parkIdx, code, industry, staff, leading],
      );
      return idx;
    };
    const lease = (roomIdx: number, ent: number, status: 'active' | 'ended') =>
      tx.query(
        `INSERT INTO lease (room_idx, enterprise_idx, start_date, end_date, rent, status)
         VALUES ($1, $2, '2024-01-01', $3, 80, $4)`,
        [roomIdx, ent, status === 'active' ? '2028-01-01' : '2025-01-01', status],
      );
    // Monthly output: month i (0 = first) has output base + step * i.
    const monthly = (tx2: Tx, ent: number, first: string, count: number, base: number, step: number) =>
      tx2.query(
        `INSERT INTO enterprise_monthly (enterprise_idx, month, output_value, revenue, tax, rd_spend, energy_kwh, staff)
         SELECT $1, ($2::date + make_interval(months => i))::date, $4 + $5 * i, 1, 1, 1, 1, 10
           FROM generate_series(0, $3 - 1) AS i`,
        [ent, first, count, base, step],
      );

    const { lon: x, lat: y } = FIXTURE_ORIGIN;
    const p = await park(FIXTURE_PARK_CODE, '示例科技园', 'Fixture Science Park', x, y, [x - 0.005, y - 0.003, x + 0.005, y + 0.003]);
    const research = await zone(p, 'A1', 'A1 研发地块', 'block', 'research', 2.5, [x - 0.004, y - 0.002, x, y + 0.002]);
    const industrial = await zone(p, 'A2', 'A2 产业地块', 'block', 'industrial', 1.8, [x, y - 0.002, x + 0.004, y + 0.002]);
    const green = await zone(p, 'G1', 'G1 绿地', 'block', 'green', 0.1, [x - 0.004, y - 0.0025, x + 0.004, y - 0.002]);
    const plaza = await zone(p, 'P1', '中心广场', 'plaza', null, null, [x - 0.0005, y + 0.002, x + 0.0005, y + 0.0025]);

    // Building 1 (west): AI leases 500 + 500 m², software 300 m², 200 m² vacant: industry ai, occupancy 1300/1500.
    const b1 = await building(p, '1', 'office', 60, 3, [x - 0.003, y - 0.001, x - 0.002, y - 0.0004]);
    const west1: Rect = [x - 0.003, y - 0.001, x - 0.0025, y - 0.0004];
    const east1: Rect = [x - 0.0025, y - 0.001, x - 0.002, y - 0.0004];
    const r101 = await room(b1, 1, '1-101', 500, 'leased', west1);
    const r201 = await room(b1, 2, '1-201', 500, 'leased', west1);
    const r301 = await room(b1, 3, '1-301', 300, 'leased', east1);
    await room(b1, 3, '1-302', 200, 'vacant', west1);
    // Building 2 (east): biomed 800 m² and new energy 800 m² (tie: 'biomed' first by name), 400 m² vacant:
    // occupancy 1600/2000 (the 'expiring' unit still counts as leased).
    const b2 = await building(p, '2', 'research', 30, 3, [x + 0.001, y - 0.001, x + 0.002, y - 0.0002]);
    const fp2: Rect = [x + 0.001, y - 0.001, x + 0.002, y - 0.0002];
    const r2a = await room(b2, 1, '2-101', 800, 'leased', fp2);
    const r2b = await room(b2, 2, '2-201', 800, 'expiring', fp2);
    await room(b2, 3, '2-301', 400, 'vacant', fp2);
    // Building 3: a plant building with nothing leasable: no industry, no occupancy.
    const b3 = await building(p, '3', 'industrial', 15, 1, [x + 0.0025, y + 0.0005, x + 0.0035, y + 0.0012]);
    await room(b3, 1, '3-101', 600, 'not_leasable', [x + 0.0025, y + 0.0005, x + 0.0035, y + 0.0012]);

    const ai = await enterprise(p, '智算科技', 'AI Compute Co', '91320500MA1AAAAA01', 'ai', true, 300);
    const soft = await enterprise(p, '云软件', 'Cloud Software', '91320500MA1AAAAA02', 'software', false, 40);
    const bio = await enterprise(p, '生物医药', 'Biomed Co', '91320500MA1AAAAA03', 'biomed', true, 120);
    const energy = await enterprise(p, '新能源', 'New Energy Co', '91320500MA1AAAAA04', 'new_energy', false, 60);
    const gone = await enterprise(p, '已迁出', 'Moved Out Co', '91320500MA1AAAAA05', 'fintech', true, 10);
    await lease(r101, ai, 'active');
    await lease(r201, ai, 'active');
    await lease(r301, soft, 'active');
    await lease(r2a, bio, 'active');
    await lease(r2b, energy, 'active');
    await lease(r2b, gone, 'ended');
    // Park latest month is 2026-10. AI: 14 months from 2025-09, 100 + i: the last 12 (i = 2..13) sum to 1290.
    await monthly(tx, ai, '2025-09-01', 14, 100, 1);
    // Biomed: only the last 6 months, 50 each: 300 over 6 months.
    await monthly(tx, bio, '2026-05-01', 6, 50, 0);
    await monthly(tx, soft, '2025-09-01', 14, 10, 0);
    await monthly(tx, gone, '2025-09-01', 14, 999, 0);

    // A second park far away (Shanghai), whose own latest month is 2026-06.
    const op = await park('other-park', '另一园区', 'Other Park', 121.5, 31.2, [121.495, 31.197, 121.505, 31.203]);
    const other = await building(op, '9', 'office', 20, 1, [121.499, 31.199, 121.5, 31.2]);
    const ro = await room(other, 1, '9-101', 100, 'leased', [121.499, 31.199, 121.5, 31.2]);
    await zone(op, 'B1', 'B1 地块', 'block', 'commercial', 3, [121.498, 31.198, 121.501, 31.201]);
    const fin = await enterprise(op, '金融科技', 'Fintech Co', '91310000MA1AAAAA06', 'fintech', true, 80);
    await lease(ro, fin, 'active');
    // 2025-07 .. 2026-06, 10 each: 120 over the park's own 12 months.
    await monthly(tx, fin, '2025-07-01', 12, 10, 0);

    return {
      park: p, otherPark: op, blocks: { research, industrial, green }, plaza,
      buildings: { b1: b1.idx, b2: b2.idx, b3: b3.idx, other: other.idx },
      enterprises: { ai, bio, soft, energy, gone, fin },
    };
  });
}
