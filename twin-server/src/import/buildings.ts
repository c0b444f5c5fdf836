/**
 * `importBuildings`: GeoJSON footprints -> building rows, with generated floors and leasable
 * units. Everything is checked first (structure in TS, geometry and the park in PostGIS) and the
 * whole file is rejected with every problem listed, or written in one transaction.
 */
import type { Db, Queryable } from '../db/types.ts';
import { parseBuildingCollection, type BuildingCandidate, type BuildingUse, type FieldMapping, type FootprintShape } from './geojson.ts';
import { planCells } from './layout.ts';
import { ImportError, ProblemList, formatProblem, groupProblems, type ImportProblem, type ProblemGroup } from './problems.ts';

/** How a building's floors and units are produced. */
export interface ImportOptions {
  /** Target park; may be omitted when the database holds exactly one park. */
  readonly parkCode?: string;
  /** 'auto': levels 1..n with the footprint, plus basements. */
  readonly floors: 'auto' | 'none';
  /** 'auto': each above-ground floor split into units along a corridor (needs floors 'auto'). */
  readonly units: 'auto' | 'none';
  /** Update buildings whose code already exists in the park (their floors and units are rebuilt). */
  readonly replace?: boolean;
  /** Check everything and count what would be created, write nothing. */
  readonly dryRun?: boolean;
  readonly onProgress?: (p: ImportProgress) => void;
  /** Largest accepted text input in bytes (default LIMITS.maxBytes). */
  readonly maxBytes?: number;
  /** Which file property holds height, floors, name and code (default: those names; `h` counts as height). */
  readonly mapping?: FieldMapping;
  /** Unknown properties: kept as the building's attributes (default) or ignored, with a warning either way. */
  readonly unknown?: 'keep' | 'ignore';
  /**
   * Import the valid features and skip the others (listed in the report's `skipped`) instead of
   * refusing the file. Problems with the whole file (not JSON, no park, a bad mapping) still refuse it.
   */
  readonly skipInvalid?: boolean;
  /**
   * Records the import in the audit trail: inside the write transaction on success (both commit
   * or neither), in a transaction of its own on rejection. Not called for dry runs.
   */
  readonly audit?: (q: Queryable, outcome: 'success' | 'failure', detail: Record<string, unknown>) => Promise<unknown>;
}

/** Progress of a long import: features checked, then buildings written. */
export interface ImportProgress {
  readonly phase: 'validated' | 'written';
  readonly done: number;
  readonly total: number;
}

/** One imported building in the report. */
export interface ImportedBuilding {
  readonly feature: number;
  readonly code: string;
  /** Null in a dry run for a new building. */
  readonly idx: number | null;
  readonly name: string;
  readonly height: number;
  readonly floorsAbove: number;
  readonly floorsBelow: number;
  readonly units: number;
  readonly replaced: boolean;
}

/** What an import did (or, in a dry run, would do). */
export interface ImportReport {
  readonly park: { readonly idx: number; readonly code: string };
  readonly dryRun: boolean;
  readonly features: number;
  /** Rows created per kind; `room` counts units and corridors. */
  readonly created: { building: number; floor: number; room: number };
  /** Leasable units among the created rooms. */
  readonly units: number;
  /** Buildings updated in place under `replace`, and the rows removed with their old floors. */
  readonly replaced: { building: number; floor: number; room: number; equipment: number; lease: number };
  readonly warnings: readonly ImportProblem[];
  /** Warnings grouped by kind, most frequent first. */
  readonly warningGroups: readonly ProblemGroup[];
  /** Under `skipInvalid`: features left out, their problems (capped) grouped by kind, most frequent first. */
  readonly skipped: { readonly features: number; readonly groups: readonly ProblemGroup[]; readonly problems: readonly ImportProblem[]; readonly omitted: number };
  readonly buildings: readonly ImportedBuilding[];
}

/** Room use, asking rent (CNY/m²/month) and people per m² for units of each building use. */
const UNIT_PROFILE: Partial<Record<BuildingUse, { use: string; rent: number; m2PerPerson: number }>> = {
  office: { use: 'office', rent: 95, m2PerPerson: 10 },
  mixed: { use: 'office', rent: 90, m2PerPerson: 10 },
  incubator: { use: 'office', rent: 60, m2PerPerson: 8 },
  research: { use: 'lab', rent: 85, m2PerPerson: 15 },
  industrial: { use: 'workshop', rent: 40, m2PerPerson: 25 },
  commercial: { use: 'retail', rent: 160, m2PerPerson: 8 },
  data_center: { use: 'data_center', rent: 120, m2PerPerson: 50 },
};
/** Clipped pieces smaller than these are left unallocated rather than becoming rooms (m²). */
const MIN_UNIT_AREA = 10;
const MIN_CORRIDOR_AREA = 2;
/** Footprints smaller than this are almost certainly a unit or coordinate mistake (m²). */
const MIN_FOOTPRINT_AREA = 10;
const CHECK_CHUNK = 500;
const CLIP_CHUNK = 200;
const WRITE_ROWS = 5000;

interface Park { idx: number; code: string }
interface FloorPlan { level: number; elevation: number; height: number }
interface RoomPlan { level: number; code: string; name: string; nameEn: string; geom: string; area: number; use: string; leasable: boolean; rent: number | null; capacity: number | null }
interface Planned { c: BuildingCandidate; code: string; name: string; existing: number | undefined; floors: FloorPlan[]; rooms: RoomPlan[]; units: number }

const levelLabel = (level: number) => (level > 0 ? `${level}F` : `B${-level}`);
const clip200 = (s: string) => (s.length > 200 ? s.slice(0, 200) : s);

/** Finds the target park, or records why it cannot. */
async function resolvePark(db: Queryable, code: string | undefined, problems: ProblemList): Promise<Park | undefined> {
  const all = await db.query<Park>('SELECT idx, code FROM park ORDER BY code LIMIT 21');
  const list = all.rows.map((p) => p.code).slice(0, 20).join(', ') + (all.rows.length > 20 ? ', ...' : '');
  if (all.rows.length === 0) {
    problems.error(null, 'park', undefined, 'the database has no park yet; run `twin seed` for the sample park or create one first');
    return undefined;
  }
  if (code !== undefined) {
    const r = await db.query<Park>('SELECT idx, code FROM park WHERE code = $1', [code]);
    if (r.rows[0]) return r.rows[0];
    problems.error(null, 'park', undefined, `no park with code ${JSON.stringify(code)}; parks: ${list}`);
    return undefined;
  }
  if (all.rows.length === 1) return all.rows[0];
  problems.error(null, 'park', undefined, `the database has several parks (${list}); choose one with --park CODE (HTTP: ?park=CODE)`);
  return undefined;
}

interface CheckRow { i: number; reason: string; area: number | null; touches: boolean | null; inside: boolean | null; dist: number | null; flipped: boolean | null; outside: number | null }

const CHECK_SQL = `
WITH f AS (
  SELECT t.i::int AS i, ST_SetSRID(ST_GeomFromGeoJSON(t.gj), 4326) AS g
  FROM unnest($1::text[]) WITH ORDINALITY AS t(gj, i)
), v AS (
  SELECT f.i, f.g, ST_IsValidReason(f.g) AS reason, p.boundary
  FROM f LEFT JOIN (SELECT boundary FROM park WHERE idx = $2) p ON true
), s AS (
  SELECT v.*, v.reason = 'Valid Geometry' AS ok FROM v
), m AS (
  SELECT s.*,
    CASE WHEN ok THEN ST_Area(g::geography) END AS area,
    CASE WHEN ok THEN ST_Intersects(g, boundary) END AS touches,
    CASE WHEN ok THEN ST_CoveredBy(g, boundary) END AS inside
  FROM s
)
SELECT i, reason, area, touches, inside,
  CASE WHEN touches = false THEN ST_Distance(g::geography, boundary::geography) END AS dist,
  CASE WHEN touches = false THEN ST_Intersects(ST_FlipCoordinates(g), boundary) END AS flipped,
  CASE WHEN touches AND NOT inside THEN ST_Area(ST_Difference(g, boundary)::geography) END AS outside
FROM m ORDER BY i`;

/** Explains a PostGIS validity reason such as "Self-intersection[120.1 30.2]". */
function validityMessage(reason: string): string {
  const at = /\[([-\d.e]+) ([-\d.e]+)\]/.exec(reason);
  const where = at ? ` near [${at[1]}, ${at[2]}]` : '';
  const what = reason.replace(/\[.*$/, '');
  const hint = /self-intersection/i.test(what) ? 'the outline crosses itself (a bow-tie or a vertex out of order)'
    : /ring self-intersection/i.test(what) ? 'the outline touches itself at a point'
      : /too few points/i.test(what) ? 'the ring has repeated positions and collapses to fewer than 3 distinct corners'
        : /hole/i.test(what) ? 'a courtyard ring lies outside or crosses the outer ring'
          : 'the polygon is not valid';
  return `invalid footprint: ${what}${where}: ${hint}; fix it in your GIS (QGIS "Check Validity" / "Fix Geometries") and export again`;
}

/** PostGIS checks on the candidates: validity, size, and position against the park boundary. */
async function checkInPostgis(db: Queryable, cands: readonly FootprintShape[], park: Park | undefined, problems: ProblemList,
  progress: (done: number) => void): Promise<Set<number>> {
  const ok = new Set<number>();
  for (let s = 0; s < cands.length; s += CHECK_CHUNK) {
    const chunk = cands.slice(s, s + CHECK_CHUNK);
    let rows: CheckRow[];
    try {
      rows = (await db.query<CheckRow>(CHECK_SQL, [chunk.map((c) => c.geojson), park?.idx ?? null])).rows;
    } catch {
      // PostGIS refused the batch; find the feature it cannot read, one by one.
      rows = [];
      for (let k = 0; k < chunk.length; k++) {
        try {
          const r = await db.query<CheckRow>(CHECK_SQL, [[chunk[k]!.geojson], park?.idx ?? null]);
          rows.push({ ...r.rows[0]!, i: k + 1 });
        } catch (e) {
          rows.push({ i: k + 1, reason: `unreadable: ${(e as Error).message}`, area: null, touches: null, inside: null, dist: null, flipped: null, outside: null });
        }
      }
    }
    for (const r of rows) {
      const c = chunk[r.i - 1]!;
      if (r.reason !== 'Valid Geometry') {
        problems.error(c.index, c.ref, 'geometry', r.reason.startsWith('unreadable') ? `PostGIS cannot read the footprint (${r.reason})` : validityMessage(r.reason));
        continue;
      }
      if (r.area !== null && r.area < MIN_FOOTPRINT_AREA) {
        problems.error(c.index, c.ref, 'geometry', `footprint is only ${r.area.toFixed(2)} m², too small for a building (at least ${MIN_FOOTPRINT_AREA} m²); check the coordinates`);
        continue;
      }
      if (park && r.touches === false) {
        const km = (r.dist ?? 0) / 1000;
        const dist = km >= 1 ? `${km.toFixed(1)} km` : `${Math.round(r.dist ?? 0)} m`;
        problems.error(c.index, c.ref, 'geometry', `footprint lies entirely outside park "${park.code}" (${dist} from its boundary)` +
          (r.flipped ? '; longitude and latitude look swapped: GeoJSON positions are [longitude, latitude]' : '; is this the right park and the right coordinate system?'));
        continue;
      }
      if (park && r.inside === false) {
        problems.warn(c.index, c.ref, 'geometry', `footprint crosses the boundary of park "${park.code}" (${Math.round(r.outside ?? 0)} m² outside); imported anyway`);
      }
      ok.add(c.index);
    }
    progress(chunk[chunk.length - 1]!.index + 1);
  }
  return ok;
}

const CLIP_SQL = `
WITH fp AS (
  SELECT t.b, ST_SetSRID(ST_GeomFromGeoJSON(t.gj), 4326) AS g FROM unnest($1::int[], $2::text[]) AS t(b, gj)
), c AS (
  SELECT * FROM unnest($3::int[], $4::int[], $5::boolean[], $6::text[]) AS t(b, j, corridor, gj)
), parts AS (
  SELECT c.b, c.j, c.corridor, d.path, d.geom
  FROM c JOIN fp ON fp.b = c.b
  CROSS JOIN LATERAL ST_Dump(ST_CollectionExtract(ST_Intersection(fp.g, ST_SetSRID(ST_GeomFromGeoJSON(c.gj), 4326)), 3)) AS d
)
SELECT b, j, corridor, ST_ForcePolygonCCW(geom) AS geom, ST_Area(geom::geography) AS area
FROM parts ORDER BY b, j, path`;

interface ClipRow { b: number; j: number; corridor: boolean; geom: string; area: number }

/** Lays out floors and units (clipped in PostGIS) for each building; no writes. */
async function plan(db: Queryable, items: { c: BuildingCandidate; code: string; existing: number | undefined }[], opts: ImportOptions): Promise<Planned[]> {
  const out: Planned[] = items.map(({ c, code, existing }) => {
    const floors: FloorPlan[] = [];
    if (opts.floors === 'auto') {
      for (let l = 1; l <= c.floorsAbove; l++) floors.push({ level: l, elevation: (l - 1) * c.floorHeight, height: c.floorHeight });
      for (let l = 1; l <= c.floorsBelow; l++) floors.push({ level: -l, elevation: -l * c.basementHeight, height: c.basementHeight });
    }
    return { c, code, name: c.name ?? code, existing, floors, rooms: [], units: 0 };
  });
  if (opts.units !== 'auto') return out;
  const withUnits = out.filter((p) => UNIT_PROFILE[p.c.use]);
  for (let s = 0; s < withUnits.length; s += CLIP_CHUNK) {
    const chunk = withUnits.slice(s, s + CLIP_CHUNK);
    const cb: number[] = [], cj: number[] = [], cc: boolean[] = [], cg: string[] = [];
    chunk.forEach((p, b) => {
      const cells = planCells(p.c.rings[0]!);
      let j = 0;
      for (const r of cells.corridor) { cb.push(b); cj.push(j++); cc.push(true); cg.push(JSON.stringify({ type: 'Polygon', coordinates: [r] })); }
      for (const r of cells.units) { cb.push(b); cj.push(j++); cc.push(false); cg.push(JSON.stringify({ type: 'Polygon', coordinates: [r] })); }
    });
    const rows = (await db.query<ClipRow>(CLIP_SQL, [chunk.map((_, b) => b), chunk.map((p) => p.c.geojson), cb, cj, cc, cg])).rows;
    chunk.forEach((p, b) => {
      const mine = rows.filter((r) => r.b === b);
      const corridors = mine.filter((r) => r.corridor && r.area >= MIN_CORRIDOR_AREA);
      const units = mine.filter((r) => !r.corridor && r.area >= MIN_UNIT_AREA);
      const prof = UNIT_PROFILE[p.c.use]!;
      // Two-digit unit numbers (301, 302) unless a floor has more than 99 units.
      const unitCode = (level: number, n: number) => {
        const lv = level > 0 ? String(level) : `B${-level}`;
        return units.length > 99 ? `${lv}-${n}` : `${lv}${String(n).padStart(2, '0')}`;
      };
      const en = p.c.nameEn ?? p.code;
      for (const f of p.floors) {
        if (f.level < 0) continue; // basements hold parking and plant, not leasable units
        corridors.forEach((r, k) => p.rooms.push({
          level: f.level, code: `${f.level}C${corridors.length > 1 ? k + 1 : ''}`,
          name: clip200(`${p.name} ${levelLabel(f.level)} 走廊`), nameEn: clip200(`${en} ${levelLabel(f.level)} corridor`),
          geom: r.geom, area: Math.round(r.area * 10) / 10, use: 'corridor', leasable: false, rent: null, capacity: null,
        }));
        units.forEach((r, k) => {
          const code = unitCode(f.level, k + 1);
          p.rooms.push({
            level: f.level, code, name: clip200(`${p.name} ${code}室`), nameEn: clip200(`${en} unit ${code}`),
            geom: r.geom, area: Math.round(r.area * 10) / 10, use: prof.use, leasable: true, rent: prof.rent,
            capacity: Math.max(1, Math.floor(r.area / prof.m2PerPerson)),
          });
        });
      }
      p.units = p.rooms.filter((r) => r.leasable).length;
    });
  }
  return out;
}

/** Allocates n twin indexes from the shared sequence, in ascending order. */
async function allocIdx(tx: Queryable, n: number): Promise<number[]> {
  if (n === 0) return [];
  const r = await tx.query<{ idx: number }>("SELECT nextval('twin_idx_seq')::int AS idx FROM generate_series(1, $1)", [n]);
  return r.rows.map((x) => x.idx).sort((a, b) => a - b);
}

/** Writes one batch of planned buildings inside the transaction. */
async function writeBatch(tx: Queryable, park: Park, batch: Planned[], ids: Map<Planned, number>): Promise<void> {
  const fresh = batch.filter((p) => p.existing === undefined);
  const floorCount = batch.reduce((n, p) => n + p.floors.length, 0);
  const roomCount = batch.reduce((n, p) => n + p.rooms.length, 0);
  const pool = await allocIdx(tx, fresh.length + floorCount + roomCount);
  let next = 0;
  const objects = { idx: [] as number[], kind: [] as string[], name: [] as string[], nameEn: [] as (string | null)[] };
  const addObject = (kind: string, name: string, nameEn: string | null) => {
    const idx = pool[next++]!;
    objects.idx.push(idx); objects.kind.push(kind); objects.name.push(name); objects.nameEn.push(nameEn);
    return idx;
  };
  for (const p of batch) ids.set(p, p.existing ?? addObject('building', p.name, p.c.nameEn ?? null));

  const updated = batch.filter((p) => p.existing !== undefined);
  for (const p of updated) {
    await tx.query('UPDATE twin_object SET name = $2, name_en = $3 WHERE idx = $1', [p.existing, p.name, p.c.nameEn ?? null]);
    await tx.query(
      `UPDATE building SET footprint = ST_ForcePolygonCCW(ST_SetSRID(ST_GeomFromGeoJSON($2), 4326)), height = $3, floors_above = $4,
         floors_below = $5, use = $6, year = $7, ground_elevation = $8, attributes = $9::jsonb WHERE idx = $1`,
      [p.existing, p.c.geojson, p.c.height, p.c.floorsAbove, p.c.floorsBelow, p.c.use, p.c.year, p.c.groundElevation,
        p.c.attributes ? JSON.stringify(p.c.attributes) : null]);
  }

  const fl = { idx: [] as number[], b: [] as number[], level: [] as number[], elev: [] as number[], h: [] as number[] };
  const floorIdx = new Map<string, number>();
  for (const p of batch) {
    const en = p.c.nameEn ?? p.code;
    for (const f of p.floors) {
      const idx = addObject('floor', clip200(`${p.name} ${levelLabel(f.level)}`), clip200(`${en} ${levelLabel(f.level)}`));
      fl.idx.push(idx); fl.b.push(ids.get(p)!); fl.level.push(f.level); fl.elev.push(f.elevation); fl.h.push(f.height);
      floorIdx.set(`${ids.get(p)}:${f.level}`, idx);
    }
  }
  const rm = { idx: [] as number[], f: [] as number[], b: [] as number[], code: [] as string[], geom: [] as string[], area: [] as number[],
    use: [] as string[], leasable: [] as boolean[], status: [] as string[], rent: [] as (number | null)[], cap: [] as (number | null)[] };
  for (const p of batch) {
    for (const r of p.rooms) {
      rm.idx.push(addObject('room', r.name, r.nameEn)); rm.f.push(floorIdx.get(`${ids.get(p)}:${r.level}`)!); rm.b.push(ids.get(p)!);
      rm.code.push(r.code); rm.geom.push(r.geom); rm.area.push(r.area); rm.use.push(r.use); rm.leasable.push(r.leasable);
      rm.status.push(r.leasable ? 'vacant' : 'not_leasable'); rm.rent.push(r.rent); rm.cap.push(r.capacity);
    }
  }

  await tx.query('INSERT INTO twin_object (idx, kind, name, name_en) SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[])',
    [objects.idx, objects.kind, objects.name, objects.nameEn]);
  if (fresh.length > 0) {
    await tx.query(
      `INSERT INTO building (idx, park_idx, code, footprint, height, floors_above, floors_below, use, year, ground_elevation, attributes)
       SELECT u.idx, $1, u.code, ST_ForcePolygonCCW(ST_SetSRID(ST_GeomFromGeoJSON(u.gj), 4326)), u.h, u.fa, u.fb, u.use, u.year, u.ge, u.attrs::jsonb
       FROM unnest($2::int[], $3::text[], $4::text[], $5::real[], $6::int[], $7::int[], $8::text[], $9::int[], $10::real[], $11::text[])
         AS u(idx, code, gj, h, fa, fb, use, year, ge, attrs)`,
      [park.idx, fresh.map((p) => ids.get(p)!), fresh.map((p) => p.code), fresh.map((p) => p.c.geojson), fresh.map((p) => p.c.height),
        fresh.map((p) => p.c.floorsAbove), fresh.map((p) => p.c.floorsBelow), fresh.map((p) => p.c.use), fresh.map((p) => p.c.year),
        fresh.map((p) => p.c.groundElevation), fresh.map((p) => (p.c.attributes ? JSON.stringify(p.c.attributes) : null))]);
  }
  if (fl.idx.length > 0) {
    await tx.query(
      `INSERT INTO floor (idx, building_idx, level, elevation, height, footprint)
       SELECT u.idx, u.b, u.level, u.elev, u.h, b.footprint
       FROM unnest($1::int[], $2::int[], $3::int[], $4::real[], $5::real[]) AS u(idx, b, level, elev, h) JOIN building b ON b.idx = u.b`,
      [fl.idx, fl.b, fl.level, fl.elev, fl.h]);
  }
  if (rm.idx.length > 0) {
    await tx.query(
      `INSERT INTO room (idx, floor_idx, building_idx, code, footprint, area, use, leasable, lease_status, rent, capacity)
       SELECT u.idx, u.f, u.b, u.code, u.geom::geometry, u.area, u.use, u.leasable, u.status, u.rent, u.cap
       FROM unnest($1::int[], $2::int[], $3::int[], $4::text[], $5::text[], $6::real[], $7::text[], $8::boolean[], $9::text[],
         $10::numeric[], $11::int[]) AS u(idx, f, b, code, geom, area, use, leasable, status, rent, cap)`,
      [rm.idx, rm.f, rm.b, rm.code, rm.geom, rm.area, rm.use, rm.leasable, rm.status, rm.rent, rm.cap]);
  }
}

/**
 * Imports building footprints from a GeoJSON FeatureCollection (text or parsed) into a park.
 * Throws ImportError with every problem found (nothing written), or returns what was created.
 */
export async function importBuildings(db: Db, input: string | unknown, opts: ImportOptions): Promise<ImportReport> {
  try {
    return await run(db, input, opts);
  } catch (e) {
    if (e instanceof ImportError && opts.audit && !opts.dryRun) {
      const audit = opts.audit;
      const detail = { park: opts.parkCode ?? null, problems: e.problems.length + e.omitted, first: e.problems.slice(0, 5).map(formatProblem) };
      await db.transaction((tx) => audit(tx, 'failure', detail));
    }
    throw e;
  }
}

async function run(db: Db, input: string | unknown, opts: ImportOptions): Promise<ImportReport> {
  const problems = new ProblemList();
  if (opts.units === 'auto' && opts.floors !== 'auto') {
    problems.error(null, 'options', 'units', "units 'auto' needs floors 'auto': units are laid out on the generated floors");
  }
  const parsed = parseBuildingCollection(input, problems, opts.maxBytes, { mapping: opts.mapping, unknown: opts.unknown });
  const park = await resolvePark(db, opts.parkCode, problems);
  const total = parsed.featureCount;

  // Codes must be unique within the file.
  const firstByCode = new Map<string, BuildingCandidate>();
  for (const c of parsed.candidates) {
    if (c.code === undefined) continue;
    const prev = firstByCode.get(c.code);
    if (prev) problems.error(c.index, c.ref, 'code', `"${c.code}" is used twice in the file (also by ${prev.ref}); each building needs its own code`);
    else firstByCode.set(c.code, c);
  }
  let checked = 0;
  const sound = await checkInPostgis(db, parsed.shapes, park, problems, (done) => {
    checked = done;
    opts.onProgress?.({ phase: 'validated', done, total });
  });
  const valid = parsed.candidates.filter((c) => sound.has(c.index));

  let existing = new Map<string, number>();
  if (park) {
    existing = await existingCodes(db, park, [...firstByCode.keys()]);
    if (!opts.replace) {
      for (const c of valid) {
        if (c.code !== undefined && existing.has(c.code)) {
          problems.error(c.index, c.ref, 'code', `building "${c.code}" already exists in park "${park.code}"; change the code, or re-run with --replace (HTTP: replace=true) to update it`);
        }
      }
    }
  }
  let valid2 = valid;
  const skipped: ImportReport['skipped'] = { features: 0, groups: [], problems: [], omitted: 0 };
  if (opts.skipInvalid && problems.count > 0 && !problems.errors.some((p) => p.feature === null) && problems.failed.size < total) {
    // Features with problems are left out and reported; the rest go ahead.
    valid2 = valid.filter((c) => !problems.failed.has(c.index));
    Object.assign(skipped, { features: problems.failed.size, groups: groupProblems(problems.errors), problems: [...problems.errors], omitted: problems.omitted });
    problems.errors.length = 0;
    problems.omitted = 0;
  } else if (opts.skipInvalid && problems.count > 0 && problems.failed.size >= total) {
    problems.error(null, 'file', undefined, `every one of the ${total} features has a problem; nothing to import`);
  }
  problems.throwIfAny();
  if (checked < total) opts.onProgress?.({ phase: 'validated', done: total, total });
  const target = park!;

  // Features without a code get the next free "B-0001"-style code; re-importing them adds buildings again.
  const taken = new Set(firstByCode.keys());
  if (valid.some((c) => c.code === undefined)) {
    const all = await db.query<{ code: string }>('SELECT code FROM building WHERE park_idx = $1', [target.idx]);
    for (const r of all.rows) taken.add(r.code);
  }
  let serial = 0;
  const items = valid2.map((c) => {
    let code = c.code;
    if (code === undefined) {
      do code = `B-${String(++serial).padStart(4, '0')}`; while (taken.has(code));
      taken.add(code);
      problems.warn(c.index, c.ref, 'code', `has no code; assigned "${code}" (give codes so that a re-import updates instead of duplicating)`);
    }
    return { c, code, existing: opts.replace ? existing.get(code) : undefined };
  });
  const planned = await plan(db, items, opts);

  const old = planned.filter((p) => p.existing !== undefined).map((p) => p.existing!);
  const replaced = { building: old.length, floor: 0, room: 0, equipment: 0, lease: 0 };
  if (opts.dryRun && old.length > 0 && opts.floors === 'auto') Object.assign(replaced, await countInterior(db, old));
  const ids = new Map<Planned, number>();
  if (!opts.dryRun) {
    await db.transaction(async (tx) => {
      // Re-read under the transaction: a concurrent import may have taken a code since the check.
      const now = await existingCodes(tx, target, planned.map((p) => p.code));
      const clash = planned.filter((p) => now.get(p.code) !== p.existing);
      if (clash.length > 0) {
        throw new ImportError(clash.slice(0, 100).map((p) => ({ feature: p.c.index, ref: p.c.ref, field: 'code',
          message: `building "${p.code}" was created or deleted by someone else during this import; run it again` })));
      }
      if (old.length > 0 && opts.floors === 'auto') {
        Object.assign(replaced, await countInterior(tx, old));
        // Rooms hang off floors (and equipment and leases off those), so this clears the old interior.
        await tx.query('DELETE FROM floor WHERE building_idx = ANY($1::int[])', [old]);
      }
      let batch: Planned[] = [];
      let rows = 0;
      let done = 0;
      const flush = async () => {
        await writeBatch(tx, target, batch, ids);
        done += batch.length;
        opts.onProgress?.({ phase: 'written', done, total: planned.length });
        batch = [];
        rows = 0;
      };
      for (const p of planned) {
        batch.push(p);
        rows += 1 + p.floors.length + p.rooms.length;
        if (rows >= WRITE_ROWS) await flush();
      }
      if (batch.length > 0) await flush();
      await opts.audit?.(tx, 'success', {
        park: target.code, features: parsed.featureCount, created: { building: planned.length - old.length,
          floor: planned.reduce((n, p) => n + p.floors.length, 0), room: planned.reduce((n, p) => n + p.rooms.length, 0) },
        replaced: old.length, codes: planned.slice(0, 50).map((p) => p.code),
      });
    }).catch((e: unknown) => {
      // Two imports racing on PostgreSQL: the loser hits the unique (park, code) index.
      if ((e as { code?: string }).code === '23505') {
        throw new ImportError([{ feature: null, ref: 'file', message: 'another import created some of these building codes at the same time; nothing was written, run it again' }]);
      }
      throw e;
    });
  }
  if (replaced.equipment + replaced.lease > 0) {
    problems.warn(null, 'replace', undefined, `rebuilding the floors of ${old.length} building(s) ${opts.dryRun ? 'would remove' : 'removed'} ${replaced.equipment} equipment record(s) and ${replaced.lease} lease(s) attached to the old floors and rooms`);
  }
  const fresh = planned.filter((p) => p.existing === undefined);
  return {
    park: target,
    dryRun: opts.dryRun === true,
    features: total,
    created: {
      building: fresh.length,
      floor: planned.reduce((n, p) => n + p.floors.length, 0),
      room: planned.reduce((n, p) => n + p.rooms.length, 0),
    },
    units: planned.reduce((n, p) => n + p.units, 0),
    replaced,
    warnings: problems.warnings,
    warningGroups: groupProblems(problems.warnings),
    skipped,
    buildings: planned.map((p) => ({
      feature: p.c.index, code: p.code, idx: ids.get(p) ?? p.existing ?? null, name: p.name, height: p.c.height,
      floorsAbove: p.c.floorsAbove, floorsBelow: p.c.floorsBelow, units: p.units, replaced: p.existing !== undefined,
    })),
  };
}

/** Codes (of `codes`) that already exist in the park, with their building idx. */
async function existingCodes(db: Queryable, park: Park, codes: string[]): Promise<Map<string, number>> {
  if (codes.length === 0) return new Map();
  const r = await db.query<{ code: string; idx: number }>('SELECT code, idx FROM building WHERE park_idx = $1 AND code = ANY($2::text[])', [park.idx, codes]);
  return new Map(r.rows.map((x) => [x.code, x.idx]));
}

/** Floors, rooms, equipment and leases inside the given buildings: what rebuilding their floors removes. */
async function countInterior(db: Queryable, buildings: number[]): Promise<{ floor: number; room: number; equipment: number; lease: number }> {
  const r = await db.query<{ floor: number; room: number; equipment: number; lease: number }>(
    `SELECT (SELECT count(*)::int FROM floor WHERE building_idx = ANY($1::int[])) AS floor,
            (SELECT count(*)::int FROM room WHERE building_idx = ANY($1::int[])) AS room,
            (SELECT count(*)::int FROM equipment WHERE floor_idx IN (SELECT idx FROM floor WHERE building_idx = ANY($1::int[]))) AS equipment,
            (SELECT count(*)::int FROM lease WHERE room_idx IN (SELECT idx FROM room WHERE building_idx = ANY($1::int[]))) AS lease`,
    [buildings]);
  return r.rows[0]!;
}
