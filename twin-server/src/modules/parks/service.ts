/**
 * Parks as data: create, edit and delete a park (name, code, origin, boundary), shared by the
 * `twin park` CLI and the parks module's routes. A boundary is given as a GeoJSON Polygon, or
 * derived from footprints (a file's, or the park's own buildings): their convex hull plus a margin.
 * The origin (the tiles' east-north-up frame) defaults to the boundary's centroid at height 0.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Db, Queryable } from '../../db/types.ts';

/** A park as the API and the CLI show it. */
export interface ParkInfo {
  idx: number;
  code: string;
  name: string;
  nameEn: string | null;
  city: string;
  timezone: string;
  origin: { lon: number; lat: number; height: number };
  /** GeoJSON Polygon (WGS 84). */
  boundary: { type: 'Polygon'; coordinates: number[][][] };
  /** Boundary area in m². */
  area: number;
  buildings: number;
}

/** A refused park operation: the HTTP status to answer and a message saying what to fix. */
export class ParkError extends Error {
  override name = 'ParkError';
  constructor(readonly status: 400 | 404 | 409 | 422, message: string) {
    super(message);
  }
}

/** Where a boundary comes from. */
export type BoundarySource =
  | { readonly polygon: unknown }
  /** Any GeoJSON (FeatureCollection, Feature or geometry) holding Polygons or MultiPolygons: their hull plus `margin` metres. */
  | { readonly footprints: unknown; readonly margin?: number }
  /** The park's own buildings (after an import): their hull plus `margin` metres. */
  | { readonly fromBuildings: true; readonly margin?: number };

/** Fields of a new park. */
export interface NewPark {
  readonly code: string;
  readonly name: string;
  readonly nameEn?: string | null;
  readonly city?: string;
  readonly timezone?: string;
  /** Default: the boundary's centroid at height 0. */
  readonly origin?: { lon: number; lat: number; height?: number };
  /** Default (with an origin): a 500 m square around the origin, to be redrawn or derived after an import. */
  readonly boundary?: BoundarySource;
}

/** Fields to change; absent ones stay. */
export interface ParkPatch {
  readonly name?: string;
  readonly nameEn?: string | null;
  readonly city?: string;
  readonly timezone?: string;
  readonly origin?: { lon: number; lat: number; height?: number };
  readonly boundary?: BoundarySource;
}

/** Park codes: the schema's CHECK (lower-case letters, digits and "-", 2-63 characters). */
export const PARK_CODE_RE = /^[a-z0-9][a-z0-9-]{1,62}$/;
const DEFAULT_MARGIN = 30;
const MAX_AREA_M2 = 1_000_000_000; // 1,000 km²
const MIN_AREA_M2 = 100;
/** An origin this far from the boundary is almost certainly a typo (or swapped coordinates). */
const MAX_ORIGIN_KM = 20;

const PARK_SQL = `
SELECT p.idx, p.code, o.name, o.name_en AS "nameEn", p.city, p.timezone,
  ST_X(p.origin) AS lon, ST_Y(p.origin) AS lat, ST_Z(p.origin) AS height,
  ST_AsGeoJSON(p.boundary, 7) AS boundary, ST_Area(p.boundary::geography) AS area,
  (SELECT count(*)::int FROM building b WHERE b.park_idx = p.idx) AS buildings
FROM park p JOIN twin_object o ON o.idx = p.idx`;

interface ParkRowSql { idx: number; code: string; name: string; nameEn: string | null; city: string; timezone: string; lon: number; lat: number; height: number; boundary: string; area: number; buildings: number }

const toInfo = (r: ParkRowSql): ParkInfo => ({
  idx: r.idx, code: r.code, name: r.name, nameEn: r.nameEn, city: r.city, timezone: r.timezone,
  origin: { lon: r.lon, lat: r.lat, height: r.height }, boundary: JSON.parse(r.boundary) as ParkInfo['boundary'],
  area: Math.round(r.area), buildings: r.buildings,
});

/** Every park, by code. */
export async function listParkInfos(db: Queryable): Promise<ParkInfo[]> {
  return (await db.query<ParkRowSql>(`${PARK_SQL} ORDER BY p.code`)).rows.map(toInfo);
}

/** One park, or null. */
export async function getParkInfo(db: Queryable, code: string): Promise<ParkInfo | null> {
  const r = await db.query<ParkRowSql>(`${PARK_SQL} WHERE p.code = $1`, [code]);
  return r.rows[0] ? toInfo(r.rows[0]) : null;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Polygons (as GeoJSON text) found in any GeoJSON value: FeatureCollection, Feature or geometry. */
function polygonsIn(v: unknown, out: string[] = []): string[] {
  if (!isObj(v)) return out;
  if (v.type === 'FeatureCollection' && Array.isArray(v.features)) for (const f of v.features) polygonsIn(f, out);
  else if (v.type === 'Feature') polygonsIn(v.geometry, out);
  else if (v.type === 'GeometryCollection' && Array.isArray(v.geometries)) for (const g of v.geometries) polygonsIn(g, out);
  else if ((v.type === 'Polygon' || v.type === 'MultiPolygon') && Array.isArray(v.coordinates)) out.push(JSON.stringify({ type: v.type, coordinates: v.coordinates }));
  return out;
}

function checkOrigin(o: { lon: number; lat: number; height?: number }): void {
  if (![o.lon, o.lat, o.height ?? 0].every(Number.isFinite)) throw new ParkError(400, 'origin: lon, lat and height must be numbers');
  if (Math.abs(o.lon) > 180 || Math.abs(o.lat) > 90) {
    throw new ParkError(422, `origin: [${o.lon}, ${o.lat}] is outside longitude -180..180 / latitude -90..90 (WGS 84 degrees, longitude first)`);
  }
  if ((o.height ?? 0) < -500 || (o.height ?? 0) > 9000) throw new ParkError(422, `origin: height ${o.height} m is outside -500..9000 m (ellipsoidal height of the park's ground)`);
}

/**
 * Resolves a boundary source to a checked polygon as GeoJSON text. Footprints and buildings give
 * the convex hull of their outlines grown by `margin` metres.
 */
async function resolveBoundary(db: Queryable, src: BoundarySource, parkIdx: number | null): Promise<string> {
  let sql: string;
  let params: unknown[];
  if ('polygon' in src) {
    const p = src.polygon;
    if (!isObj(p) || p.type !== 'Polygon' || !Array.isArray(p.coordinates)) {
      throw new ParkError(400, 'boundary: must be a GeoJSON Polygon {"type": "Polygon", "coordinates": [[[lon, lat], ...]]}');
    }
    sql = 'SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4326) AS g';
    params = [JSON.stringify({ type: 'Polygon', coordinates: p.coordinates })];
  } else {
    const margin = src.margin ?? DEFAULT_MARGIN;
    if (!Number.isFinite(margin) || margin < 0 || margin > 5000) throw new ParkError(400, 'boundary margin: must be 0-5000 m');
    if ('footprints' in src) {
      const polys = polygonsIn(src.footprints);
      if (polys.length === 0) throw new ParkError(422, 'boundary: the footprints hold no Polygon or MultiPolygon to derive a boundary from');
      sql = `SELECT ST_Buffer(ST_ConvexHull(ST_Collect(ST_SetSRID(ST_GeomFromGeoJSON(t.gj), 4326)))::geography, $2)::geometry AS g
             FROM unnest($1::text[]) AS t(gj)`;
      params = [polys, margin];
    } else {
      if (parkIdx === null) throw new ParkError(422, 'boundary: a new park has no buildings to derive a boundary from; give a polygon or footprints');
      sql = `SELECT ST_Buffer(ST_ConvexHull(ST_Collect(footprint))::geography, $2)::geometry AS g FROM building WHERE park_idx = $1
             HAVING count(*) > 0`;
      params = [parkIdx, margin];
    }
  }
  let row: { gj: string; valid: string; area: number; inrange: boolean; kind: string } | undefined;
  try {
    row = (await db.query<{ gj: string; valid: string; area: number; inrange: boolean; kind: string }>(
      `WITH b AS (${sql}), c AS (SELECT ST_Force2D(CASE WHEN ST_GeometryType(g) = 'ST_MultiPolygon' AND ST_NumGeometries(g) = 1 THEN ST_GeometryN(g, 1) ELSE g END) AS g FROM b)
       SELECT ST_AsGeoJSON(g, 7) AS gj, ST_IsValidReason(g) AS valid, ST_GeometryType(g) AS kind,
         CASE WHEN ST_IsValid(g) THEN ST_Area(g::geography) END AS area,
         ST_XMin(g) >= -180 AND ST_XMax(g) <= 180 AND ST_YMin(g) >= -90 AND ST_YMax(g) <= 90 AS inrange
       FROM c`, params)).rows[0];
  } catch (e) {
    throw new ParkError(422, `boundary: PostGIS cannot read it (${(e as Error).message})`);
  }
  if (!row) throw new ParkError(422, 'boundary: the park has no buildings yet to derive a boundary from; import footprints first or draw it');
  if (row.kind !== 'ST_Polygon') throw new ParkError(422, `boundary: must come out as one polygon, got ${row.kind.replace('ST_', '')}`);
  if (!row.inrange) throw new ParkError(422, 'boundary: coordinates are outside longitude -180..180 / latitude -90..90; GeoJSON is WGS 84 [longitude, latitude]');
  if (row.valid !== 'Valid Geometry') throw new ParkError(422, `boundary: invalid polygon: ${row.valid}; the outline must not cross itself`);
  if (row.area < MIN_AREA_M2 || row.area > MAX_AREA_M2) {
    throw new ParkError(422, `boundary: encloses ${Math.round(row.area)} m²; a park is ${MIN_AREA_M2} m² to ${MAX_AREA_M2 / 1e6} km²`);
  }
  return row.gj;
}

/** Refuses an origin far from the boundary (a typo or swapped coordinates would put the tiles' frame elsewhere). */
async function checkOriginNear(db: Queryable, origin: { lon: number; lat: number }, boundary: string): Promise<void> {
  const r = await db.query<{ d: number }>(
    'SELECT ST_Distance(ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, ST_SetSRID(ST_GeomFromGeoJSON($3), 4326)::geography) AS d',
    [origin.lon, origin.lat, boundary]);
  const km = r.rows[0]!.d / 1000;
  if (km > MAX_ORIGIN_KM) throw new ParkError(422, `origin: lies ${km.toFixed(1)} km from the boundary; put it inside the park (it is the tiles' local frame)`);
}

function checkName(name: string | undefined, field: string): void {
  if (name !== undefined && (name.trim().length < 1 || name.length > 200)) throw new ParkError(400, `${field}: must be 1-200 characters`);
}

/** Creates a park; 409 when the code is taken. */
export async function createPark(db: Db, p: NewPark): Promise<ParkInfo> {
  if (!PARK_CODE_RE.test(p.code)) throw new ParkError(400, `code: ${JSON.stringify(p.code)} must be 2-63 lower-case letters, digits or "-", starting with a letter or digit`);
  checkName(p.name, 'name');
  if (p.nameEn) checkName(p.nameEn, 'nameEn');
  if (p.origin) checkOrigin(p.origin);
  if (!p.boundary && !p.origin) throw new ParkError(400, 'give a boundary (polygon or footprints) or an origin');
  return db.transaction(async (tx) => {
    const taken = await tx.query('SELECT 1 FROM park WHERE code = $1', [p.code]);
    if (taken.rows.length > 0) throw new ParkError(409, `code: a park "${p.code}" already exists`);
    let boundary: string;
    if (p.boundary) boundary = await resolveBoundary(tx, p.boundary, null);
    else {
      const sq = await tx.query<{ gj: string }>(
        'SELECT ST_AsGeoJSON(ST_Envelope(ST_Buffer(ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, 250)::geometry), 7) AS gj',
        [p.origin!.lon, p.origin!.lat]);
      boundary = sq.rows[0]!.gj;
    }
    let origin = p.origin;
    if (!origin) {
      const c = await tx.query<{ lon: number; lat: number }>(
        'SELECT ST_X(c) AS lon, ST_Y(c) AS lat FROM (SELECT ST_PointOnSurface(ST_SetSRID(ST_GeomFromGeoJSON($1), 4326)) AS c) x', [boundary]);
      // Rounded to about a centimetre: a stable frame that a person can read back.
      origin = { lon: Math.round(c.rows[0]!.lon * 1e7) / 1e7, lat: Math.round(c.rows[0]!.lat * 1e7) / 1e7, height: 0 };
    }
    await checkOriginNear(tx, origin, boundary);
    const o = await tx.query<{ idx: number }>("INSERT INTO twin_object (kind, name, name_en) VALUES ('park', $1, $2) RETURNING idx", [p.name.trim(), p.nameEn?.trim() || null]);
    const idx = o.rows[0]!.idx;
    await tx.query(
      `INSERT INTO park (idx, code, city, origin, boundary, timezone)
       VALUES ($1, $2, $3, ST_SetSRID(ST_MakePoint($4, $5, $6), 4326), ST_ForcePolygonCCW(ST_SetSRID(ST_GeomFromGeoJSON($7), 4326)), $8)`,
      [idx, p.code, p.city?.trim() || '', origin.lon, origin.lat, origin.height ?? 0, boundary, p.timezone ?? 'Asia/Shanghai']);
    return (await getParkInfo(tx, p.code))!;
  });
}

/** Changes a park; a new origin re-tiles it (the tiles' frame moves). 404 for an unknown code. */
export async function updatePark(db: Db, code: string, patch: ParkPatch): Promise<{ park: ParkInfo; retile: boolean }> {
  checkName(patch.name, 'name');
  if (patch.nameEn) checkName(patch.nameEn, 'nameEn');
  if (patch.origin) checkOrigin(patch.origin);
  return db.transaction(async (tx) => {
    const cur = await getParkInfo(tx, code);
    if (!cur) throw new ParkError(404, `no park "${code}"`);
    const boundary = patch.boundary ? await resolveBoundary(tx, patch.boundary, cur.idx) : JSON.stringify(cur.boundary);
    const origin = patch.origin ?? cur.origin;
    if (patch.origin || patch.boundary) await checkOriginNear(tx, origin, boundary);
    if (patch.name !== undefined || patch.nameEn !== undefined) {
      await tx.query('UPDATE twin_object SET name = coalesce($2, name), name_en = CASE WHEN $4 THEN $3 ELSE name_en END WHERE idx = $1',
        [cur.idx, patch.name?.trim() ?? null, patch.nameEn?.trim() || null, patch.nameEn !== undefined]);
    }
    await tx.query(
      `UPDATE park SET city = coalesce($2, city), timezone = coalesce($3, timezone),
         origin = ST_SetSRID(ST_MakePoint($4, $5, $6), 4326), boundary = ST_ForcePolygonCCW(ST_SetSRID(ST_GeomFromGeoJSON($7), 4326))
       WHERE idx = $1`,
      [cur.idx, patch.city?.trim() ?? null, patch.timezone ?? null, origin.lon, origin.lat, origin.height ?? 0, boundary]);
    const moved = patch.origin !== undefined && (origin.lon !== cur.origin.lon || origin.lat !== cur.origin.lat || (origin.height ?? 0) !== cur.origin.height);
    // The tiler notices a moved origin and builds in full; a change row wakes the watcher.
    if (moved) await tx.query("INSERT INTO tile_change (park_idx, layer) VALUES ($1, 'layout')", [cur.idx]);
    return { park: (await getParkInfo(tx, code))!, retile: moved };
  });
}

const ROOMS_OF_PARK = 'SELECT r.idx FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1';
const FLOORS_OF_PARK = 'SELECT f.idx FROM floor f JOIN building b ON b.idx = f.building_idx WHERE b.park_idx = $1';

/**
 * Deletes a park and everything it owns (leaves first, as `twin seed` replaces a park) in one
 * transaction, then its tile folder. 404 for an unknown code; 409 when other records still
 * point at it and the database refuses (nothing is deleted then).
 */
export async function deletePark(db: Db, code: string, tilesetDir: string): Promise<{ idx: number; buildings: number }> {
  const info = await db.transaction(async (tx) => {
    const cur = await getParkInfo(tx, code);
    if (!cur) throw new ParkError(404, `no park "${code}"`);
    const steps = [
      `DELETE FROM lease WHERE room_idx IN (${ROOMS_OF_PARK}) OR enterprise_idx IN (SELECT idx FROM enterprise WHERE park_idx = $1)`,
      'DELETE FROM twin_object WHERE idx IN (SELECT idx FROM equipment WHERE park_idx = $1)',
      'DELETE FROM twin_object WHERE idx IN (SELECT idx FROM pipe_segment WHERE park_idx = $1)',
      'DELETE FROM twin_object WHERE idx IN (SELECT idx FROM pipe_node WHERE park_idx = $1)',
      `DELETE FROM twin_object WHERE idx IN (${ROOMS_OF_PARK})`,
      `DELETE FROM twin_object WHERE idx IN (${FLOORS_OF_PARK})`,
      'DELETE FROM twin_object WHERE idx IN (SELECT idx FROM enterprise WHERE park_idx = $1)',
      'DELETE FROM twin_object WHERE idx IN (SELECT idx FROM building WHERE park_idx = $1)',
      'DELETE FROM twin_object WHERE idx IN (SELECT idx FROM zone WHERE park_idx = $1)',
      'DELETE FROM tile_change WHERE park_idx = $1',
      'DELETE FROM park WHERE idx = $1',
      'DELETE FROM twin_object WHERE idx = $1',
    ];
    try {
      for (const sql of steps) await tx.query(sql, [cur.idx]);
    } catch (e) {
      if ((e as { code?: string }).code === '23503') {
        throw new ParkError(409, `park "${code}" still has records that point at it (${(e as { table?: string }).table ?? 'another table'}); remove them first`);
      }
      throw e;
    }
    return cur;
  });
  // The tiles go with it (the folder holds nothing else); a later park with this code starts afresh.
  if (PARK_CODE_RE.test(code)) await fs.rm(path.join(tilesetDir, code), { recursive: true, force: true });
  return { idx: info.idx, buildings: info.buildings };
}
