/**
 * Development-map data (standard P3) as RFC 7946 GeoJSON: planning blocks, buildings with their
 * dominant tenant industry and occupancy, leading enterprises with trailing 12-month output, and
 * an occupancy heat-map point set. Every query keeps the features whose geometry intersects the
 * bbox (ST_Intersects, exact; `&&` alone compares float4 boxes and lets near misses through), on
 * GiST-indexed columns, and runs unchanged on PostgreSQL 15 + PostGIS 3.3 and PGlite (PostGIS 3.6).
 */
import { z } from 'zod';
import type { Queryable } from '../../db/index.ts';
import { PARK_CODE } from '../../http/params.ts';

/** Longitude/latitude box: [minLon, minLat, maxLon, maxLat]. */
export type Bbox = readonly [number, number, number, number];

/** The whole world, used when a request gives no bbox. */
export const WORLD: Bbox = [-180, -90, 180, 90];
/** Features per response unless `limit` says otherwise. */
export const DEFAULT_LIMIT = 5000;
/** Hard cap on `limit`, so one request cannot ask the database for everything. */
export const MAX_LIMIT = 20000;

const lon = z.number().min(-180, 'longitude must be >= -180').max(180, 'longitude must be <= 180');
const lat = z.number().min(-90, 'latitude must be >= -90').max(90, 'latitude must be <= 90');

/** `bbox=minLon,minLat,maxLon,maxLat` (the antimeridian is not crossed: min must not exceed max). */
export const bboxParam = z
  .string()
  .regex(/^\s*[^,]+(,[^,]+){3}\s*$/, 'bbox must be minLon,minLat,maxLon,maxLat')
  .transform((s) => s.split(',').map((v) => (v.trim() === '' ? Number.NaN : Number(v))))
  .pipe(z.tuple([lon, lat, lon, lat]))
  .refine(([a, b, c, d]) => a <= c && b <= d, 'bbox minimum must not exceed its maximum');

const flag = z.enum(['1', '0', 'true', 'false']).transform((v) => v === '1' || v === 'true');

/** Query string of every map endpoint. Unknown keys (cache busters) are ignored. */
export const mapQuerySchema = z.object({
  bbox: bboxParam.optional(),
  /** Park code; all parks when absent. */
  park: z.string().regex(PARK_CODE, 'park must be a park code').optional(),
  limit: z.coerce.number().int('limit must be a whole number').min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT),
  /** Enterprises endpoint only: include every located tenant, not just the leading ones. */
  all: flag.default(false),
});

/** A validated map query. */
export interface MapQuery {
  readonly bbox?: Bbox | undefined;
  readonly park?: string | undefined;
  readonly limit: number;
  readonly all?: boolean;
  /**
   * Set for enterprise-scoped callers: they see only their own enterprise's figures. Lease figures
   * (building occupancy, tenants, industry, heat points) then count only the rooms that enterprise
   * actively leases, so nothing reveals another tenant's rooms or their lease status.
   */
  readonly enterpriseIdx?: number | undefined;
}

/** One RFC 7946 feature. */
export interface Feature<P> {
  readonly type: 'Feature';
  readonly id: number;
  readonly geometry: { type: string; coordinates: unknown };
  readonly properties: P;
}

/** An RFC 7946 FeatureCollection; `truncated` (a foreign member) says the limit cut it short. */
export interface FeatureCollection<P> {
  readonly type: 'FeatureCollection';
  readonly features: Feature<P>[];
  readonly truncated: boolean;
}

/** Properties of a park outline. */
export interface ParkProps {
  readonly code: string;
  readonly name: string;
  readonly nameEn: string | null;
  readonly city: string;
  /** [lon, lat, ellipsoidal height] of the ENU origin the tiles are built in. */
  readonly origin: [number, number, number];
}

/** Properties of a planning block. */
export interface BlockProps {
  readonly code: string;
  readonly name: string;
  readonly nameEn: string | null;
  readonly plannedUse: string | null;
  readonly plotRatio: number | null;
  /** Block area in m² (on the spheroid). */
  readonly areaM2: number;
}

/** Properties of a building on the map. */
export interface BuildingProps {
  readonly code: string;
  readonly name: string;
  readonly nameEn: string | null;
  readonly use: string;
  readonly height: number;
  readonly floors: number;
  /** Industry of the tenants holding the most actively leased area, null with no tenant. */
  readonly industry: string | null;
  readonly tenants: number;
  readonly leasableArea: number;
  readonly leasedArea: number;
  /** leasedArea / leasableArea in [0, 1]; null when nothing in the building is leasable. */
  readonly occupancy: number | null;
}

/** Properties of an enterprise point. */
export interface EnterpriseProps {
  readonly name: string;
  readonly nameEn: string | null;
  readonly industry: string;
  readonly staff: number;
  readonly leading: boolean;
  readonly highTech: boolean;
  readonly buildingIdx: number;
  readonly buildingCode: string;
  /** Output value over the park's latest 12 reported months, 10k CNY. */
  readonly output12m: number;
  /** How many of those 12 months the enterprise reported. */
  readonly months: number;
}

/** Properties of a heat-map point: leasable rooms merged on a ~5 m grid (floors stack). */
export interface HeatProps {
  readonly leasedArea: number;
  readonly leasableArea: number;
  readonly rooms: number;
}

interface GeomRow {
  idx: number;
  geom: string;
}

function collect<R extends GeomRow, P>(rows: R[], limit: number, props: (r: R) => P): FeatureCollection<P> {
  const truncated = rows.length > limit;
  return {
    type: 'FeatureCollection',
    truncated,
    features: rows.slice(0, limit).map((r) => ({
      type: 'Feature',
      id: r.idx,
      geometry: JSON.parse(r.geom) as Feature<P>['geometry'],
      properties: props(r),
    })),
  };
}

// True for every room when the enterprise parameter is NULL (staff), else only for the rooms that
// enterprise actively leases.
const OWN_ROOM = (room: string, param: string) =>
  `(${param}::integer IS NULL OR EXISTS (SELECT 1 FROM lease ol WHERE ol.room_idx = ${room}.idx AND ol.status = 'active' AND ol.enterprise_idx = ${param}))`;

// Shared parameters $1-$6: envelope, park code, limit + 1 (one extra row detects truncation).
const baseParams = (q: MapQuery) => [...(q.bbox ?? WORLD), q.park ?? null, q.limit + 1];
const ENV = 'ST_MakeEnvelope($1, $2, $3, $4, 4326)';
// RFC 7946 wants exterior rings counter-clockwise; 7 decimals is about 1 cm.
const polygonJson = (col: string) => `ST_AsGeoJSON(ST_ForcePolygonCCW(${col}), 7)`;

/** Park outlines with their tile origin, for framing the map and the globe. */
export async function parkFeatures(db: Queryable, q: MapQuery): Promise<FeatureCollection<ParkProps>> {
  const r = await db.query<GeomRow & { code: string; name: string; name_en: string | null; city: string; origin: string }>(
    `SELECT p.idx, p.code, o.name, o.name_en, p.city, ${polygonJson('p.boundary')} AS geom,
            ST_AsGeoJSON(p.origin, 7) AS origin
       FROM park p JOIN twin_object o ON o.idx = p.idx
      WHERE ST_Intersects(p.boundary, ${ENV}) AND ($5::text IS NULL OR p.code = $5)
      ORDER BY p.idx LIMIT $6`,
    baseParams(q),
  );
  return collect(r.rows, q.limit, (x) => ({
    code: x.code,
    name: x.name,
    nameEn: x.name_en,
    city: x.city,
    origin: (JSON.parse(x.origin) as { coordinates: [number, number, number] }).coordinates,
  }));
}

/** Planning blocks (zones of type 'block') with planned use and plot ratio. */
export async function blockFeatures(db: Queryable, q: MapQuery): Promise<FeatureCollection<BlockProps>> {
  const r = await db.query<GeomRow & { code: string; name: string; name_en: string | null; planned_use: string | null;
    plot_ratio: number | null; area_m2: number }>(
    `SELECT z.idx, z.code, o.name, o.name_en, z.planned_use, z.plot_ratio,
            ST_Area(z.boundary::geography) AS area_m2, ${polygonJson('z.boundary')} AS geom
       FROM zone z JOIN twin_object o ON o.idx = z.idx JOIN park p ON p.idx = z.park_idx
      WHERE z.zone_type = 'block' AND ST_Intersects(z.boundary, ${ENV}) AND ($5::text IS NULL OR p.code = $5)
      ORDER BY z.idx LIMIT $6`,
    baseParams(q),
  );
  return collect(r.rows, q.limit, (x) => ({
    code: x.code,
    name: x.name,
    nameEn: x.name_en,
    plannedUse: x.planned_use,
    plotRatio: x.plot_ratio,
    areaM2: Math.round(x.area_m2),
  }));
}

/**
 * Buildings with their dominant tenant industry (most actively leased area; ties by industry
 * name so the answer is stable) and occupancy = leased / leasable area, where leased means the
 * unit's lease status is 'leased' or 'expiring'. For an enterprise-scoped caller every lease
 * figure counts only the rooms it actively leases (another building shows no tenant and 0 m²).
 */
export async function buildingFeatures(db: Queryable, q: MapQuery): Promise<FeatureCollection<BuildingProps>> {
  const r = await db.query<GeomRow & { code: string; name: string; name_en: string | null; use: string; height: number;
    floors_above: number; industry: string | null; tenants: number | null; leasable: number | null; leased: number | null }>(
    // MATERIALIZED: computed once for the whole set instead of once per building in a nested loop.
    `WITH b AS MATERIALIZED (
       SELECT b.idx, b.code, b.use, b.height, b.floors_above, b.footprint
         FROM building b JOIN park p ON p.idx = b.park_idx
        WHERE ST_Intersects(b.footprint, ${ENV}) AND ($5::text IS NULL OR p.code = $5)
        ORDER BY b.idx LIMIT $6
     ), area AS MATERIALIZED (
       SELECT r.building_idx, sum(r.area) AS leasable,
              coalesce(sum(r.area) FILTER (WHERE r.lease_status IN ('leased', 'expiring')), 0) AS leased
         FROM room r JOIN b ON b.idx = r.building_idx
        WHERE r.leasable AND ${OWN_ROOM('r', '$7')} GROUP BY r.building_idx
     ), by_industry AS MATERIALIZED (
       SELECT r.building_idx, e.industry, sum(r.area) AS area
         FROM lease l JOIN room r ON r.idx = l.room_idx JOIN b ON b.idx = r.building_idx
         JOIN enterprise e ON e.idx = l.enterprise_idx
        WHERE l.status = 'active' AND ($7::integer IS NULL OR l.enterprise_idx = $7) GROUP BY r.building_idx, e.industry
     ), dominant AS MATERIALIZED (
       SELECT DISTINCT ON (building_idx) building_idx, industry
         FROM by_industry ORDER BY building_idx, area DESC, industry
     ), tenants AS MATERIALIZED (
       SELECT r.building_idx, count(DISTINCT l.enterprise_idx)::int AS n
         FROM lease l JOIN room r ON r.idx = l.room_idx JOIN b ON b.idx = r.building_idx
        WHERE l.status = 'active' AND ($7::integer IS NULL OR l.enterprise_idx = $7) GROUP BY r.building_idx
     )
     SELECT b.idx, b.code, o.name, o.name_en, b.use, b.height, b.floors_above, d.industry, t.n AS tenants,
            a.leasable, a.leased, ${polygonJson('b.footprint')} AS geom
       FROM b JOIN twin_object o ON o.idx = b.idx
       LEFT JOIN area a ON a.building_idx = b.idx
       LEFT JOIN dominant d ON d.building_idx = b.idx
       LEFT JOIN tenants t ON t.building_idx = b.idx
      ORDER BY b.idx`,
    [...baseParams(q), q.enterpriseIdx ?? null],
  );
  return collect(r.rows, q.limit, (x) => {
    const leasable = Number(x.leasable ?? 0);
    const leased = Number(x.leased ?? 0);
    return {
      code: x.code,
      name: x.name,
      nameEn: x.name_en,
      use: x.use,
      height: x.height,
      floors: x.floors_above,
      industry: x.industry,
      tenants: x.tenants ?? 0,
      leasableArea: Math.round(leasable),
      leasedArea: Math.round(leased),
      occupancy: leasable > 0 ? leased / leasable : null,
    };
  });
}

/**
 * Enterprises as points at the centroid of the building of their main unit (the largest room
 * they actively lease; enterprises without an active lease have no place on the map), with
 * output value summed over the 12 months ending at the park's latest reported month.
 */
export async function enterpriseFeatures(db: Queryable, q: MapQuery): Promise<FeatureCollection<EnterpriseProps>> {
  const r = await db.query<GeomRow & { name: string; name_en: string | null; industry: string; staff: number;
    is_leading: boolean; high_tech: boolean; building_idx: number; building_code: string; output_12m: number; months: number }>(
    `WITH latest AS (
       SELECT e.park_idx, max(m.month) AS month
         FROM enterprise_monthly m JOIN enterprise e ON e.idx = m.enterprise_idx GROUP BY e.park_idx
     ), out12 AS (
       SELECT m.enterprise_idx, sum(m.output_value) AS output_12m, count(*)::int AS months
         FROM enterprise_monthly m JOIN enterprise e ON e.idx = m.enterprise_idx
         JOIN latest ON latest.park_idx = e.park_idx
        WHERE m.month > latest.month - interval '12 months' AND m.month <= latest.month
        GROUP BY m.enterprise_idx
     ), main AS (
       SELECT DISTINCT ON (l.enterprise_idx) l.enterprise_idx, r.building_idx
         FROM lease l JOIN room r ON r.idx = l.room_idx
        WHERE l.status = 'active'
        ORDER BY l.enterprise_idx, r.area DESC, r.idx
     )
     SELECT e.idx, o.name, o.name_en, e.industry, e.staff, e.is_leading, e.high_tech,
            b.idx AS building_idx, b.code AS building_code,
            coalesce(out12.output_12m, 0) AS output_12m, coalesce(out12.months, 0) AS months,
            ST_AsGeoJSON(ST_Centroid(b.footprint), 7) AS geom
       FROM enterprise e JOIN twin_object o ON o.idx = e.idx
       JOIN main ON main.enterprise_idx = e.idx
       JOIN building b ON b.idx = main.building_idx
       JOIN park p ON p.idx = e.park_idx
       LEFT JOIN out12 ON out12.enterprise_idx = e.idx
      -- The point decides; '&&' on the footprint (which contains its centroid's box) is for the index.
      WHERE b.footprint && ${ENV} AND ST_Intersects(ST_Centroid(b.footprint), ${ENV}) AND ($5::text IS NULL OR p.code = $5)
        AND ($7::boolean OR e.is_leading) AND ($8::integer IS NULL OR e.idx = $8)
      ORDER BY output_12m DESC, e.idx LIMIT $6`,
    [...baseParams(q), q.all ?? false, q.enterpriseIdx ?? null],
  );
  return collect(r.rows, q.limit, (x) => ({
    name: x.name,
    nameEn: x.name_en,
    industry: x.industry,
    staff: x.staff,
    leading: x.is_leading,
    highTech: x.high_tech,
    buildingIdx: x.building_idx,
    buildingCode: x.building_code,
    output12m: Number(x.output_12m),
    months: x.months,
  }));
}

/**
 * Occupancy heat-map points: leasable rooms snapped to a ~5 m grid at their centroid, so the
 * floors of a tower stack into one weighted point. Weight the map by `leasedArea`. The bbox
 * filters the points themselves. An enterprise-scoped caller gets only the rooms it actively
 * leases: a point (and its id, the smallest room idx) must not reveal another room's lease status.
 */
export async function occupancyHeatFeatures(db: Queryable, q: MapQuery): Promise<FeatureCollection<HeatProps>> {
  const r = await db.query<GeomRow & { leased: number; leasable: number; rooms: number }>(
    `SELECT min(r.idx) AS idx, g.geom, sum(r.area) AS leasable, count(*)::int AS rooms,
            coalesce(sum(r.area) FILTER (WHERE r.lease_status IN ('leased', 'expiring')), 0) AS leased
       FROM room r JOIN building b ON b.idx = r.building_idx JOIN park p ON p.idx = b.park_idx,
            LATERAL (SELECT ST_SnapToGrid(ST_Centroid(r.footprint), 0.00005) AS pt) c,
            LATERAL (SELECT ST_AsGeoJSON(c.pt, 7) AS geom) g
      -- The point decides (so the floors stacked on one point stay together); the footprint test on a
      -- slightly grown box only lets the GiST index narrow the rooms (a centroid lies in its footprint's box).
      WHERE r.leasable AND ST_Intersects(c.pt, ${ENV}) AND r.footprint && ST_Expand(${ENV}, 0.0001)
        AND ($5::text IS NULL OR p.code = $5) AND ${OWN_ROOM('r', '$7')}
      GROUP BY g.geom ORDER BY min(r.idx) LIMIT $6`,
    [...baseParams(q), q.enterpriseIdx ?? null],
  );
  return collect(r.rows, q.limit, (x) => ({
    leasedArea: Math.round(Number(x.leased)),
    leasableArea: Math.round(Number(x.leasable)),
    rooms: x.rooms,
  }));
}
