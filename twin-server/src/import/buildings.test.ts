import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachBackend } from '../db/testing.ts';
import type { Db } from '../db/types.ts';
import { importBuildings, type ImportOptions, type ImportReport } from './buildings.ts';
import { ImportError, MAX_PROBLEMS, formatProblem, type ImportProblem } from './problems.ts';
import { GOOD_FILE, countRows, createTestPark, goodCollection } from './fixtures/park.ts';
import { syntheticBuildings } from '../../../bench/import.ts';

const AUTO: ImportOptions = { floors: 'auto', units: 'auto' };
type Collection = ReturnType<typeof goodCollection>;

/** Runs an import that must fail; returns its problems after checking nothing was written. */
async function rejected(db: Db, input: unknown, opts: ImportOptions = AUTO): Promise<ImportProblem[]> {
  const before = await countRows(db);
  const err = await importBuildings(db, input, opts).then(
    () => {
      throw new Error('import unexpectedly succeeded');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImportError);
  expect(await countRows(db)).toEqual(before);
  return [...(err as ImportError).problems];
}

/** The sample file with one feature changed. */
function mutate(fn: (c: Collection) => void): Collection {
  const c = goodCollection();
  fn(c);
  return c;
}

const texts = (ps: ImportProblem[]) => ps.map(formatProblem);

describeEachBackend('importBuildings', ({ db }) => {
  it('says to create a park first when the database has none', async () => {
    const ps = await rejected(db(), fs.readFileSync(GOOD_FILE, 'utf8'));
    expect(texts(ps).join('\n')).toMatch(/no park yet; run `twin seed`/);
  });

  describe('bad input', () => {
    beforeAll(async () => {
      await createTestPark(db(), 'test-park');
    });

    it('rejects text that is not JSON, with the line and column', async () => {
      const ps = await rejected(db(), '{"type": "FeatureCollection", "features": [ {"type": "Feature",, } ] }');
      expect(ps).toHaveLength(1);
      expect(texts(ps)[0]).toMatch(/^file: is not valid JSON.*line 1, column \d+/);
    });

    it('rejects a single Feature and explains how to wrap it', async () => {
      const one = goodCollection().features[0];
      const ps = await rejected(db(), one);
      expect(texts(ps)[0]).toMatch(/must be a GeoJSON FeatureCollection, got a single Feature; wrap it/);
    });

    it('rejects an empty collection', async () => {
      const ps = await rejected(db(), { type: 'FeatureCollection', features: [] });
      expect(texts(ps)[0]).toMatch(/collection is empty/);
    });

    it('rejects Point, LineString and multi-part MultiPolygon geometries, naming each feature', async () => {
      const c = mutate((c) => {
        c.features[0]!.geometry = { type: 'Point', coordinates: [120.105, 30.275] };
        c.features[1]!.geometry = { type: 'LineString', coordinates: [[120.105, 30.275], [120.106, 30.276]] };
        const ring = (c.features[2]!.geometry.coordinates as unknown[])[0];
        c.features[2]!.geometry = { type: 'MultiPolygon', coordinates: [[ring], [ring]] };
      });
      const t = texts(await rejected(db(), c));
      expect(t).toHaveLength(3);
      expect(t[0]).toMatch(/^features\[0\] \(id "a1", code "A1", name "A1 研发楼"\) geometry: is a Point .*must be Polygon/);
      expect(t[1]).toMatch(/^features\[1\] \(code "A2".*is a LineString/);
      expect(t[2]).toMatch(/^features\[2\] \(code "C1".*MultiPolygon with 2 parts; .*split it/);
    });

    it('rejects an unclosed ring, too few positions and non-numeric coordinates', async () => {
      const c = mutate((c) => {
        const r0 = (c.features[0]!.geometry.coordinates as number[][][])[0]!;
        r0.pop(); // drop the closing position
        (c.features[1]!.geometry.coordinates as number[][][])[0] = [[120.106, 30.277], [120.1065, 30.277], [120.106, 30.277]];
        (c.features[4]!.geometry.coordinates as unknown[][][])[0]![2] = ['120.11', '30.278'];
      });
      const t = texts(await rejected(db(), c));
      expect(t).toHaveLength(3);
      expect(t[0]).toMatch(/^features\[0\] .*outer ring is not closed: it starts at \[120\.105, 30\.275\].*repeat the first position/);
      expect(t[1]).toMatch(/^features\[1\] .*outer ring has 3 positions; a polygon ring needs at least 4/);
      expect(t[2]).toMatch(/^features\[4\] .*position 2 is \["120\.11","30\.278"\]; .*numbers, not strings/);
    });

    it('asks PostGIS for validity: a self-intersecting footprint is named with the spot', async () => {
      const c = mutate((c) => {
        c.features[3]!.geometry = { type: 'Polygon', coordinates: [[[120.11, 30.276], [120.1104, 30.2763], [120.1104, 30.276], [120.11, 30.2763], [120.11, 30.276]]] };
      });
      const t = texts(await rejected(db(), c));
      expect(t).toHaveLength(1);
      expect(t[0]).toMatch(/^features\[3\] \(code "M1".*invalid footprint: Self-intersection near \[120\.110\d*, 30\.276\d*\]: the outline crosses itself/);
    });

    it('rejects a legacy crs member naming a projected CRS', async () => {
      const c = { ...goodCollection(), crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::3857' } } };
      const t = texts(await rejected(db(), c));
      expect(t[0]).toMatch(/^file crs: the file declares CRS "urn:ogc:def:crs:EPSG::3857"; GeoJSON must be WGS 84 .*EPSG:4326/);
    });

    it('accepts a crs member naming CRS84 or EPSG:4326 (checked by a dry run)', async () => {
      for (const name of ['urn:ogc:def:crs:OGC:1.3:CRS84', 'EPSG:4326']) {
        const r = await importBuildings(db(), { ...goodCollection(), crs: { type: 'name', properties: { name } } }, { ...AUTO, dryRun: true });
        expect(r.created.building).toBe(5);
      }
    });

    it('says coordinates in projected metres are not lon/lat', async () => {
      const c = mutate((c) => {
        (c.features[1]!.geometry.coordinates as number[][][])[0] = [[500000, 3350000], [500050, 3350000], [500050, 3350020], [500000, 3350000]];
      });
      const t = texts(await rejected(db(), c));
      expect(t).toHaveLength(1);
      expect(t[0]).toMatch(/^features\[1\] \(code "A2".*\[500000, 3350000\].*look like projected metres.*reproject to EPSG:4326/);
    });

    it('says once when every feature is in projected metres, and spots swapped lon/lat', async () => {
      const proj = mutate((c) => {
        for (const f of c.features) f.geometry = { type: 'Polygon', coordinates: [[[500000, 3350000], [500050, 3350000], [500050, 3350020], [500000, 3350000]]] };
      });
      const t = texts(await rejected(db(), proj));
      expect(t).toHaveLength(1);
      expect(t[0]).toMatch(/^file coordinates: in all 5 features \(e\.g\. features\[0\] \(id "a1".*projected metres/);
      const swapped = mutate((c) => {
        const g = c.features[2]!.geometry.coordinates as number[][][];
        for (const ring of g) for (const p of ring) p.reverse();
      });
      expect(texts(await rejected(db(), swapped))[0]).toMatch(/^features\[2\] \(code "C1".*longitude and latitude look swapped/);
    });

    it('rejects a feature with neither height nor floors, and non-positive or absurd values', async () => {
      const c = mutate((c) => {
        delete c.features[0]!.properties.floors;
        c.features[1]!.properties.height = -5;
        c.features[2]!.properties.floors = 500;
        c.features[3]!.properties.floors = 2.5;
        c.features[4]!.properties.floors = 0;
      });
      const t = texts(await rejected(db(), c));
      expect(t).toHaveLength(5);
      expect(t[0]).toMatch(/^features\[0\] .*height: missing: give "height" .*or "floors"/);
      expect(t[1]).toMatch(/^features\[1\] .*height: must be positive: -5/);
      expect(t[2]).toMatch(/^features\[2\] .*floors: is implausibly large: 500/);
      expect(t[3]).toMatch(/^features\[3\] .*floors: must be a whole number .*2\.5/);
      expect(t[4]).toMatch(/^features\[4\] .*floors: must be positive: 0/);
    });

    it('rejects a height that does not fit the floors', async () => {
      const c = mutate((c) => {
        c.features[3]!.properties.height = 300; // 2 storeys of 150 m
      });
      expect(texts(await rejected(db(), c))[0]).toMatch(/^features\[3\] .*height 300 m over 2 storeys is 150\.00 m per storey/);
    });

    it('keeps unknown properties as attributes with one warning each and a did-you-mean, instead of refusing the file', async () => {
      const c = mutate((c) => {
        c.features[1]!.properties.hieght = 20;
        c.features[1]!.properties.colour = 'red';
      });
      const r = await importBuildings(db(), c, { ...AUTO, dryRun: true });
      const w = r.warnings.map(formatProblem);
      expect(w).toEqual(expect.arrayContaining([
        expect.stringMatching(/^1 feature \(first features\[1\] \(code "A2", name "A2 实验楼"\)\) properties: unknown property "hieght", kept as an attribute of the building; did you mean "height"\?/),
        expect.stringMatching(/^1 feature .* properties: unknown property "colour", kept as an attribute/),
      ]));
    });

    it('rejects a use outside the schema list with a suggestion', async () => {
      const c = mutate((c) => {
        c.features[0]!.properties.use = 'ofice';
      });
      expect(texts(await rejected(db(), c))[0]).toMatch(/^features\[0\] .*use: "ofice" is not a building use; did you mean "office"\? \(accepted: office, research/);
    });

    it('rejects a code used twice in the file, and a malformed code', async () => {
      const c = mutate((c) => {
        c.features[3]!.properties.code = 'A1';
        c.features[4]!.properties.code = 'P 1';
      });
      const t = texts(await rejected(db(), c));
      expect(t.some((x) => /^features\[3\] .*code: "A1" is used twice in the file \(also by features\[0\]/.test(x))).toBe(true);
      expect(t.some((x) => /^features\[4\] .*code: "P 1" is not a valid building code/.test(x))).toBe(true);
    });

    it('rejects a footprint entirely outside the park, saying how far', async () => {
      const c = mutate((c) => {
        for (const ring of c.features[4]!.geometry.coordinates as number[][][]) for (const p of ring) p[0]! += 0.05;
      });
      const t = texts(await rejected(db(), c));
      expect(t).toHaveLength(1);
      expect(t[0]).toMatch(/^features\[4\] \(code "P1".*lies entirely outside park "test-park" \(3\.\d km from its boundary\)/);
    });

    it('rejects a file over the size limit', async () => {
      const text = fs.readFileSync(GOOD_FILE, 'utf8');
      const t = texts(await rejected(db(), text, { ...AUTO, maxBytes: 1024 }));
      expect(t[0]).toMatch(/^file: 4 KB is over the 1 KB limit; split it/);
    });

    it('lists every problem of a file at once, capped at 100', async () => {
      const c = mutate((c) => {
        c.features[0]!.properties.use = 'lab';
        c.features[2]!.geometry = { type: 'Point', coordinates: [0, 0] };
        // Bad properties do not hide a bad geometry in the same feature.
        c.features[3]!.properties.colour = 'red';
        c.features[3]!.geometry = { type: 'Polygon', coordinates: [[[120.11, 30.276], [120.1104, 30.2763], [120.1104, 30.276], [120.11, 30.2763], [120.11, 30.276]]] };
      });
      const t = texts(await rejected(db(), c));
      expect(t).toHaveLength(3);
      expect(t).toEqual(expect.arrayContaining([
        expect.stringMatching(/^features\[3\] .*Self-intersection/),
      ]));
      const many = { type: 'FeatureCollection', features: Array.from({ length: 150 }, () => ({ type: 'Feature', properties: { height: 10 }, geometry: null })) };
      const err = await importBuildings(db(), many, AUTO).catch((e: unknown) => e as ImportError);
      expect(err).toBeInstanceOf(ImportError);
      expect((err as ImportError).problems).toHaveLength(MAX_PROBLEMS);
      expect((err as ImportError).omitted).toBe(50);
      expect((err as ImportError).message).toMatch(/150 problems[\s\S]*features\[99\] geometry: has no geometry[\s\S]*and 50 more/);
    });

    it("rejects units 'auto' without floors", async () => {
      const t = texts(await rejected(db(), goodCollection(), { floors: 'none', units: 'auto' }));
      expect(t[0]).toMatch(/units 'auto' needs floors 'auto'/);
    });
  });

  let dry: ImportReport;
  it('a dry run reports what would be created and writes nothing', async () => {
    const before = await countRows(db());
    const phases: string[] = [];
    dry = await importBuildings(db(), fs.readFileSync(GOOD_FILE, 'utf8'), { ...AUTO, dryRun: true, onProgress: (p) => phases.push(`${p.phase} ${p.done}/${p.total}`) });
    expect(await countRows(db())).toEqual(before);
    expect(dry.dryRun).toBe(true);
    expect(dry.created.building).toBe(5);
    expect(dry.created.floor).toBe(5 + (6 + 1) + 3 + 2 + (2 + 2));
    expect(dry.units).toBeGreaterThan(20);
    expect(phases).toContain('validated 5/5');
    expect(phases.some((p) => p.startsWith('written'))).toBe(false);
  });

  it('imports buildings with floors and leasable units inside each footprint', async () => {
    const before = await countRows(db());
    const phases: string[] = [];
    const r = await importBuildings(db(), fs.readFileSync(GOOD_FILE, 'utf8'), { ...AUTO, onProgress: (p) => phases.push(`${p.phase} ${p.done}/${p.total}`) });
    const after = await countRows(db());
    expect(after.building - before.building).toBe(5);
    expect(after.floor - before.floor).toBe(r.created.floor);
    expect(after.room - before.room).toBe(r.created.room);
    expect(after.twin_object - before.twin_object).toBe(r.created.building + r.created.floor + r.created.room);
    // The dry run predicted exactly this.
    expect({ ...r.created, units: r.units }).toEqual({ ...dry.created, units: dry.units });
    expect(phases).toContain('written 5/5');

    const b = await db().query<{ code: string; height: number; floors_above: number; floors_below: number; use: string; levels: number[]; elevations: number[] }>(
      `SELECT b.code, b.height, b.floors_above, b.floors_below, b.use,
              array_agg(f.level ORDER BY f.level) AS levels, array_agg(f.elevation ORDER BY f.level) AS elevations
       FROM building b JOIN floor f ON f.building_idx = b.idx GROUP BY b.idx ORDER BY b.code`);
    const byCode = Object.fromEntries(b.rows.map((x) => [x.code, x]));
    expect(byCode.A1).toMatchObject({ height: 19.5, floors_above: 5, floors_below: 0, use: 'office', levels: [1, 2, 3, 4, 5] });
    expect(byCode.A1!.elevations[4]).toBeCloseTo(4 * 3.9, 3);
    expect(byCode.A2).toMatchObject({ height: 24, floors_above: 6, floors_below: 1, levels: [-1, 1, 2, 3, 4, 5, 6] });
    expect(byCode.C1).toMatchObject({ height: 13.5, floors_above: 3 });
    expect(byCode.P1).toMatchObject({ floors_below: 2, levels: [-2, -1, 1, 2] });

    // Units: valid, inside the footprint, not overlapping, vacant with a rent, on above-ground floors only.
    const u = await db().query<{ code: string; n: number; bad: number; outside: number; overlap: number; covered: number; fp: number; minlevel: number }>(
      `SELECT b.code, count(r.idx)::int AS n,
              count(*) FILTER (WHERE NOT ST_IsValid(r.footprint) OR r.rent IS NULL OR r.lease_status <> 'vacant')::int AS bad,
              coalesce(sum(ST_Area(ST_Difference(r.footprint, b.footprint)::geography)), 0) AS outside,
              coalesce(sum(r.area), 0) - coalesce(ST_Area(ST_Union(r.footprint)::geography), 0) AS overlap,
              coalesce(ST_Area(ST_Union(r.footprint)::geography), 0) AS covered,
              ST_Area(b.footprint::geography) AS fp, min(f.level)::int AS minlevel
       FROM building b LEFT JOIN room r ON r.building_idx = b.idx AND r.leasable AND r.floor_idx IN (SELECT idx FROM floor WHERE building_idx = b.idx AND level = 1)
       LEFT JOIN floor f ON f.idx = r.floor_idx
       GROUP BY b.idx ORDER BY b.code`);
    const units = Object.fromEntries(u.rows.map((x) => [x.code, x]));
    for (const code of ['A1', 'A2', 'C1', 'M1']) {
      const x = units[code]!;
      expect(x.n, code).toBeGreaterThan(1);
      expect(x.bad, code).toBe(0);
      expect(x.outside, code).toBeLessThan(0.01);
      expect(Math.abs(x.overlap), code).toBeLessThan(0.06 * x.n + 0.01); // areas are stored to 0.1 m²
    }
    expect(units.P1!.n).toBe(0); // parking: floors, no leasable units
    // A plain rectangle is covered exactly by its units and corridor.
    const a1 = await db().query<{ covered: number; fp: number; corridors: number }>(
      `SELECT ST_Area(ST_Union(r.footprint)::geography) AS covered, ST_Area(b.footprint::geography) AS fp,
              count(*) FILTER (WHERE r.use = 'corridor')::int AS corridors
       FROM building b JOIN floor f ON f.building_idx = b.idx AND f.level = 3 JOIN room r ON r.floor_idx = f.idx
       WHERE b.code = 'A1' GROUP BY b.idx`);
    expect(a1.rows[0]!.corridors).toBe(1);
    expect(a1.rows[0]!.covered / a1.rows[0]!.fp).toBeCloseTo(1, 3);
    // Unit codes follow the Chinese floor+number convention: 301, 302, ...
    const codes = await db().query<{ code: string }>(
      `SELECT r.code FROM room r JOIN building b ON b.idx = r.building_idx JOIN floor f ON f.idx = r.floor_idx
       WHERE b.code = 'A1' AND f.level = 3 AND r.leasable ORDER BY r.code`);
    expect(codes.rows[0]!.code).toBe('301');
    // The courtyard stays open: no unit covers its centre.
    const court = await db().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM room r JOIN building b ON b.idx = r.building_idx
       WHERE b.code = 'C1' AND ST_Intersects(r.footprint, ST_PointOnSurface(ST_MakePolygon(ST_InteriorRingN(b.footprint, 1))))`);
    expect(court.rows[0]!.n).toBe(0);
  });

  it('refuses to re-import existing codes unless replace is set; replace keeps the idx', async () => {
    const ps = await rejected(db(), fs.readFileSync(GOOD_FILE, 'utf8'));
    expect(ps).toHaveLength(5);
    expect(texts(ps)[0]).toMatch(/^features\[0\] .*code: building "A1" already exists in park "test-park"; .*--replace/);

    const idxBefore = await db().query<{ idx: number }>("SELECT idx FROM building WHERE code = 'A1'");
    const before = await countRows(db());
    const c = mutate((c) => {
      c.features[0]!.properties.floors = 7;
    });
    const r = await importBuildings(db(), c, { ...AUTO, replace: true });
    expect(r.replaced.building).toBe(5);
    expect(r.created.building).toBe(0);
    expect(r.replaced.floor).toBe(before.floor);
    const after = await countRows(db());
    expect(after.building).toBe(before.building);
    expect(after.floor).toBe(before.floor + 2);
    const a1 = await db().query<{ idx: number; floors_above: number; n: number }>(
      "SELECT b.idx, b.floors_above, (SELECT count(*)::int FROM floor WHERE building_idx = b.idx) AS n FROM building b WHERE code = 'A1'");
    expect(a1.rows[0]).toEqual({ idx: idxBefore.rows[0]!.idx, floors_above: 7, n: 7 });
  });

  it('needs --park when there are several parks, and checks the boundary of the chosen one', async () => {
    await createTestPark(db(), 'far-park', [121.4, 31.1, 121.5, 31.2]);
    const ps = await rejected(db(), goodCollection());
    expect(texts(ps).join('\n')).toMatch(/several parks \(far-park, test-park\); choose one with --park CODE/);
    const far = texts(await rejected(db(), goodCollection(), { ...AUTO, parkCode: 'far-park' }));
    expect(far).toHaveLength(5);
    expect(far[0]).toMatch(/lies entirely outside park "far-park" \(1\d\d\.\d km/);
    expect(texts(await rejected(db(), goodCollection(), { ...AUTO, parkCode: 'nope' }))[0]).toMatch(/no park with code "nope"; parks: far-park, test-park/);
  });

  it('reports progress on a large file in steps', async () => {
    await createTestPark(db(), 'big-park', [120.09, 30.27, 120.2, 30.35]);
    const seen: string[] = [];
    const r = await importBuildings(db(), JSON.stringify(syntheticBuildings(1200)), {
      floors: 'none', units: 'none', dryRun: true, parkCode: 'big-park', onProgress: (p) => seen.push(`${p.phase} ${p.done}/${p.total}`),
    });
    expect(r.created.building).toBe(1200);
    expect(seen).toEqual(['validated 500/1200', 'validated 1000/1200', 'validated 1200/1200']);
  });

  it('warns (and imports) when a footprint crosses the park boundary; assigns codes when missing', async () => {
    const c = mutate((c) => {
      c.features = [c.features[0]!];
      delete c.features[0]!.properties.code;
      // Move A1 so that it straddles the western edge (lon 120.1).
      for (const ring of c.features[0]!.geometry.coordinates as number[][][]) for (const p of ring) p[0]! -= 0.0052;
    });
    const r = await importBuildings(db(), c, { floors: 'none', units: 'none', parkCode: 'test-park' });
    expect(r.created).toEqual({ building: 1, floor: 0, room: 0 });
    const w = texts([...r.warnings]);
    expect(w.some((x) => /^features\[0\] .*crosses the boundary of park "test-park" \(\d+ m² outside\); imported anyway/.test(x))).toBe(true);
    expect(w.some((x) => /has no code; assigned "B-0001"/.test(x))).toBe(true);
    expect(r.buildings[0]!.code).toBe('B-0001');
  });
});
