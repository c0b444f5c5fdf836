/**
 * Investment queries (standard G1, visual investment attraction): which leasable units are free
 * now or soon, filtered the way a leasing agent asks ("300-600 m², under 100 CNY, floors 3-8,
 * suits biomed"), one unit's floor plan and neighbours, and a side-by-side comparison.
 *
 * Availability is read from the lease data against a reference date (`asOf`): a unit is
 * `vacant` when its lease_status says so, `soon` when its active lease ends on or before
 * asOf + `within` months. The default asOf is the month after the park's latest monthly economic
 * figures (the date the data describes; in the sample park the seed's as-of month), or today
 * when the park has none. Parameterized SQL only; the same statements on PGlite and PostgreSQL.
 */
import { z } from 'zod';
import type { Queryable } from '../../db/index.ts';
import { enuFrame } from '../../tiler/enu.ts';
import { polygonRings, type Project } from '../../tiler/content.ts';
import { PARK_CODE } from '../../http/params.ts';
import {
  INDUSTRIES, MAX_COMPARE, type Availability, type AvailabilityWindow, type Industry, type LocalRings, type ParkIndex,
  type UnitDetail, type UnitRow, type UnitsResult,
} from '@park-twin/layers';

export { INDUSTRIES, MAX_COMPARE };

/**
 * The industries a unit suits by its use (room.use of leasable rooms): labs for wet and hardware
 * R&D, offices for knowledge work, workshops for production, shop fronts for trade. A unit also
 * suits the industries of the tenants right next to it (see ADJACENT_M): clusters attract.
 */
export const SUITABLE_BY_USE: Readonly<Record<string, readonly Industry[]>> = {
  office: ['software', 'ai', 'fintech', 'digital_media', 'e_commerce', 'services', 'ic_design'],
  lab: ['biomed', 'ic_design', 'ai', 'new_energy'],
  workshop: ['smart_manufacturing', 'new_energy'],
  retail: ['e_commerce', 'services'],
  showroom: ['digital_media', 'e_commerce', 'smart_manufacturing', 'new_energy'],
};

/** Rooms on the same floor this close (metres, outline to outline) are adjacent: next door or across the corridor. */
export const ADJACENT_M = 3;
/** Degrees that span more than ADJACENT_M in both directions at any park latitude below 60°. */
const NEAR_DEG = 0.00006;

/** `sort` values and the ORDER BY each stands for (an allowlist: input never reaches SQL text). */
const SORTS = {
  code: (a: UnitRow, b: UnitRow) => cmp(a.buildingCode, b.buildingCode) || a.level - b.level || cmp(a.code, b.code),
  area: (a: UnitRow, b: UnitRow) => a.area - b.area,
  '-area': (a: UnitRow, b: UnitRow) => b.area - a.area,
  rent: (a: UnitRow, b: UnitRow) => a.rent - b.rent,
  '-rent': (a: UnitRow, b: UnitRow) => b.rent - a.rent,
  level: (a: UnitRow, b: UnitRow) => a.level - b.level,
  '-level': (a: UnitRow, b: UnitRow) => b.level - a.level,
  available: (a: UnitRow, b: UnitRow) => cmp(a.availableFrom, b.availableFrom),
} as const;
export type SortKey = keyof typeof SORTS;

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Units per response unless `limit` says otherwise; the largest sample park has a few thousand candidates. */
export const DEFAULT_LIMIT = 2000;
export const MAX_LIMIT = 5000;

const num = (what: string) => z.coerce.number({ message: `${what} must be a number` }).finite(`${what} must be a number`);
const int = (what: string) => z.coerce.number({ message: `${what} must be a whole number` }).int(`${what} must be a whole number`);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'asOf must be a date YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'asOf must be a real date');
const parkCode = z.string({ message: 'park is required (a park code)' }).regex(PARK_CODE, 'park must be a park code');

/** What every investment route shares: the park and the reference date. */
const availabilityShape = {
  park: parkCode,
  /** Months after asOf within which an ending lease counts as soon vacant (0 = vacant units only). */
  within: int('within').min(0, 'within must be 0-36 months').max(36, 'within must be 0-36 months').default(6),
  asOf: isoDate.optional(),
};

/** Query string of GET /api/invest/units. Unknown keys are ignored (cache busters, view state). */
export const unitsQuerySchema = z.object({
  ...availabilityShape,
  minArea: num('minArea').min(0).optional(),
  maxArea: num('maxArea').min(0).optional(),
  minRent: num('minRent').min(0).optional(),
  maxRent: num('maxRent').min(0).optional(),
  minLevel: int('minLevel').min(-10).max(200).optional(),
  maxLevel: int('maxLevel').min(-10).max(200).optional(),
  building: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'building must be a building code').optional(),
  industry: z.enum(INDUSTRIES, { message: `industry must be one of ${INDUSTRIES.join(', ')}` }).optional(),
  sort: z.enum(Object.keys(SORTS) as [SortKey, ...SortKey[]], { message: `sort must be one of ${Object.keys(SORTS).join(', ')}` }).default('code'),
  limit: int('limit').min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT),
}).superRefine((q, ctx) => {
  for (const [lo, hi] of [['minArea', 'maxArea'], ['minRent', 'maxRent'], ['minLevel', 'maxLevel']] as const) {
    const a = q[lo];
    const b = q[hi];
    if (a !== undefined && b !== undefined && a > b) ctx.addIssue({ code: 'custom', path: [lo], message: `${lo} must not exceed ${hi}` });
  }
});
export type UnitsQuery = z.infer<typeof unitsQuerySchema>;

/** Query string of GET /api/invest/compare. */
export const compareQuerySchema = z.object({
  ...availabilityShape,
  units: z.string({ message: 'units is required (comma-separated unit idx)' })
    .regex(/^\d{1,10}(,\d{1,10})*$/, 'units must be comma-separated unit idx')
    .transform((s) => [...new Set(s.split(',').map(Number))])
    .refine((a) => a.length <= MAX_COMPARE, `compare takes at most ${MAX_COMPARE} units`),
});

/** Path and query string of GET /api/invest/units/:idx. */
export const unitQuerySchema = z.object({
  ...availabilityShape,
  idx: int('idx').min(1, 'idx must be a positive integer').max(0x7fffffff, 'idx must be a positive integer'),
});


/** A park as the investment routes need it. */
export type InvestPark = ParkIndex['park'];

/** The park with `code`, or null. */
export async function findPark(db: Queryable, code: string): Promise<InvestPark | null> {
  const r = await db.query<{ idx: number; code: string; name: string; name_en: string | null; lon: number; lat: number; h: number }>(
    `SELECT p.idx, p.code, o.name, o.name_en, ST_X(p.origin) AS lon, ST_Y(p.origin) AS lat, ST_Z(p.origin) AS h
     FROM park p JOIN twin_object o ON o.idx = p.idx WHERE p.code = $1`, [code]);
  const p = r.rows[0];
  return p ? { idx: p.idx, code: p.code, name: p.name, nameEn: p.name_en, origin: { lon: p.lon, lat: p.lat, h: p.h } } : null;
}

/** The reference date window: `asOf` as given, else the date the park's data describes (module comment). */
export async function availabilityWindow(db: Queryable, parkIdx: number, within: number, asOf?: string): Promise<AvailabilityWindow> {
  const r = await db.query<{ as_of: string; cutoff: string }>(
    `WITH d AS (
       SELECT COALESCE($2::date, (SELECT (max(m.month) + interval '1 month')::date FROM enterprise_monthly m
         JOIN enterprise e ON e.idx = m.enterprise_idx WHERE e.park_idx = $1), current_date) AS as_of)
     SELECT to_char(as_of, 'YYYY-MM-DD') AS as_of, to_char((as_of + make_interval(months => $3::int))::date, 'YYYY-MM-DD') AS cutoff FROM d`,
    [parkIdx, asOf ?? null, within],
  );
  const row = r.rows[0]!;
  return { asOf: row.as_of, within, cutoff: row.cutoff };
}

/** Filters the SQL applies (the industry filter needs the neighbours and runs afterwards). */
interface SqlFilter {
  parkIdx: number;
  window: AvailabilityWindow;
  /** Only available units (vacant or soon), only held ones (reserved), or every leasable unit. */
  availableOnly: boolean | 'held';
  idx?: readonly number[] | undefined;
  minArea?: number | undefined;
  maxArea?: number | undefined;
  minRent?: number | undefined;
  maxRent?: number | undefined;
  minLevel?: number | undefined;
  maxLevel?: number | undefined;
  building?: string | undefined;
}

// Every leasable room of the park with its availability at the window; optional filters are
// "$n IS NULL OR ..." so one statement serves every combination (no SQL text from input).
const UNITS_SQL = `
  WITH u AS (
    SELECT r.idx, r.code, r.use, r.area, r.rent, r.floor_idx, r.building_idx, r.footprint, f.level, b.code AS building_code,
      l.end_date,
      CASE WHEN r.lease_status = 'vacant' THEN 'vacant'
           WHEN r.lease_status = 'reserved' THEN 'reserved'
           WHEN l.end_date <= $2::date THEN 'soon'
           ELSE 'leased' END AS availability
    FROM room r
    JOIN floor f ON f.idx = r.floor_idx
    JOIN building b ON b.idx = r.building_idx
    LEFT JOIN lease l ON l.room_idx = r.idx AND l.status = 'active'
    WHERE b.park_idx = $1 AND r.leasable
      AND ($4::int[] IS NULL OR r.idx = ANY($4::int[]))
      AND ($5::real IS NULL OR r.area >= $5) AND ($6::real IS NULL OR r.area <= $6)
      AND ($7::numeric IS NULL OR r.rent >= $7) AND ($8::numeric IS NULL OR r.rent <= $8)
      AND ($9::int IS NULL OR f.level >= $9) AND ($10::int IS NULL OR f.level <= $10)
      AND ($11::text IS NULL OR b.code = $11)
  )
  SELECT u.idx, u.code, o.name, o.name_en, u.use, u.area, u.rent::float8 AS rent, u.level, u.floor_idx, u.building_idx,
    u.building_code, bo.name AS building_name, bo.name_en AS building_name_en, u.availability,
    to_char(u.end_date, 'YYYY-MM-DD') AS lease_end,
    to_char(CASE WHEN u.availability = 'vacant' OR u.end_date IS NULL THEN $3::date
                 ELSE greatest($3::date, u.end_date + 1) END, 'YYYY-MM-DD') AS available_from,
    ARRAY(SELECT DISTINCT e.industry FROM room n
          JOIN lease nl ON nl.room_idx = n.idx AND nl.status = 'active'
          JOIN enterprise e ON e.idx = nl.enterprise_idx
          WHERE n.floor_idx = u.floor_idx AND n.idx <> u.idx
            -- A cheap box test first (a superset: ${NEAR_DEG}° is over 4 m here), metres on the few left.
            AND n.footprint && ST_Expand(u.footprint, ${NEAR_DEG})
            AND ST_DWithin(n.footprint::geography, u.footprint::geography, ${ADJACENT_M})
          ORDER BY e.industry) AS neighbour_industries
  FROM u
  JOIN twin_object o ON o.idx = u.idx
  JOIN twin_object bo ON bo.idx = u.building_idx
  WHERE CASE $12::text WHEN 'available' THEN u.availability IN ('vacant', 'soon') WHEN 'held' THEN u.availability = 'reserved' ELSE true END`;

interface UnitSqlRow {
  idx: number; code: string; name: string; name_en: string | null; use: string; area: number; rent: number; level: number;
  floor_idx: number; building_idx: number; building_code: string; building_name: string; building_name_en: string | null;
  availability: Availability; lease_end: string | null; available_from: string; neighbour_industries: Industry[];
}

async function unitRows(db: Queryable, f: SqlFilter): Promise<UnitRow[]> {
  const r = await db.query<UnitSqlRow>(UNITS_SQL, [
    f.parkIdx, f.window.cutoff, f.window.asOf, f.idx ? [...f.idx] : null,
    f.minArea ?? null, f.maxArea ?? null, f.minRent ?? null, f.maxRent ?? null, f.minLevel ?? null, f.maxLevel ?? null,
    f.building ?? null, f.availableOnly === 'held' ? 'held' : f.availableOnly ? 'available' : 'all',
  ]);
  return r.rows.map((x) => {
    const byUse = SUITABLE_BY_USE[x.use] ?? [];
    const suitable = INDUSTRIES.filter((i) => byUse.includes(i) || x.neighbour_industries.includes(i));
    return {
      idx: x.idx, code: x.code, name: x.name, nameEn: x.name_en, use: x.use, area: x.area, rent: x.rent, level: x.level,
      floorIdx: x.floor_idx, buildingIdx: x.building_idx, buildingCode: x.building_code, buildingName: x.building_name,
      buildingNameEn: x.building_name_en, availability: x.availability, leaseEnd: x.lease_end, availableFrom: x.available_from,
      neighbourIndustries: x.neighbour_industries, suitable,
    };
  });
}

/** Available units of a park matching the query, sorted and limited. */
export async function searchUnits(db: Queryable, park: InvestPark, q: UnitsQuery): Promise<UnitsResult & { held: UnitRow[] }> {
  const window = await availabilityWindow(db, park.idx, q.within, q.asOf);
  const rows = await unitRows(db, { ...q, parkIdx: park.idx, window, availableOnly: true });
  const heldRows = await unitRows(db, { ...q, parkIdx: park.idx, window, availableOnly: 'held' });
  const suits = (u: UnitRow) => !q.industry || u.suitable.includes(q.industry);
  const matching = rows.filter(suits);
  // Sorted here, not in SQL: text collation differs between the backends, the order must not.
  const order = (a: UnitRow, b: UnitRow) => SORTS[q.sort](a, b) || SORTS.code(a, b);
  const sorted = [...matching].sort(order);
  const held = heldRows.filter(suits).sort(order).slice(0, q.limit);
  const buildings = await db.query<{ code: string; name: string; name_en: string | null }>(
    `SELECT b.code, o.name, o.name_en FROM building b JOIN twin_object o ON o.idx = b.idx
     WHERE b.park_idx = $1 AND EXISTS (SELECT 1 FROM room r WHERE r.building_idx = b.idx AND r.leasable)`, [park.idx]);
  return {
    park: park.code, ...window, total: sorted.length, truncated: sorted.length > q.limit, units: sorted.slice(0, q.limit), held,
    buildings: buildings.rows.map((b) => ({ code: b.code, name: b.name, nameEn: b.name_en })).sort((a, b) => cmp(a.code, b.code)),
  };
}

/** Leasable units by idx (any availability), in the order asked; unknown idx are left out. */
export async function unitsByIdx(db: Queryable, park: InvestPark, idx: readonly number[], window: AvailabilityWindow): Promise<UnitRow[]> {
  if (idx.length === 0) return [];
  const rows = await unitRows(db, { parkIdx: park.idx, window, availableOnly: false, idx });
  const by = new Map(rows.map((u) => [u.idx, u]));
  return idx.flatMap((i) => by.get(i) ?? []);
}

/** Outline rings in park metres to the centimetre. */
function localRings(hex: string, project: Project): LocalRings {
  return polygonRings(hex, project).map((ring) => ring.map(([x, y]) => [Math.round(x * 100) / 100, Math.round(y * 100) / 100]));
}

/** One leasable unit of the park with its floor plan and neighbours, or null when it is not one. */
export async function unitDetail(
  db: Queryable, park: InvestPark, idx: number, window: AvailabilityWindow, withNames: boolean,
): Promise<UnitDetail | null> {
  const [unit] = await unitsByIdx(db, park, [idx], window);
  if (!unit) return null;
  const project = enuFrame(park.origin.lon, park.origin.lat, park.origin.h).projector();
  const floor = await db.query<{ footprint: string; elevation: number; height: number }>(
    `SELECT f.footprint, b.ground_elevation + f.elevation AS elevation, f.height
     FROM floor f JOIN building b ON b.idx = f.building_idx WHERE f.idx = $1`, [unit.floorIdx]);
  const storey = floor.rows[0]!;
  const rooms = await db.query<{ idx: number; code: string; use: string; lease_status: string; footprint: string }>(
    'SELECT idx, code, use, lease_status, footprint FROM room WHERE floor_idx = $1 ORDER BY code', [unit.floorIdx]);
  const neighbours = await db.query<{ idx: number; name: string; name_en: string | null; industry: Industry; units: number; adjacent: boolean }>(
    `SELECT e.idx, o.name, o.name_en, e.industry, count(*)::int AS units,
       bool_or(ST_DWithin(n.footprint::geography, u.footprint::geography, ${ADJACENT_M})) AS adjacent
     FROM room u
     JOIN room n ON n.floor_idx = u.floor_idx AND n.idx <> u.idx
     JOIN lease l ON l.room_idx = n.idx AND l.status = 'active'
     JOIN enterprise e ON e.idx = l.enterprise_idx
     JOIN twin_object o ON o.idx = e.idx
     WHERE u.idx = $1
     GROUP BY e.idx, o.name, o.name_en, e.industry
     ORDER BY bool_or(ST_DWithin(n.footprint::geography, u.footprint::geography, ${ADJACENT_M})) DESC, count(*) DESC, e.idx`,
    [idx],
  );
  return {
    ...window,
    unit,
    floorPlan: {
      outline: localRings(storey.footprint, project),
      elevation: storey.elevation,
      height: storey.height,
      rooms: rooms.rows.map((r) => ({ idx: r.idx, code: r.code, use: r.use, leaseStatus: r.lease_status, rings: localRings(r.footprint, project) })),
    },
    neighbours: neighbours.rows.map((n) => ({
      enterpriseIdx: n.idx, name: withNames ? n.name : null, nameEn: withNames ? n.name_en : null, industry: n.industry,
      units: n.units, adjacent: n.adjacent,
    })),
  };
}
