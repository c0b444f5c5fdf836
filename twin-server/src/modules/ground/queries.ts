/**
 * Ground context of a park from PostGIS (issue 20): the areas the scene lays on the ground (park
 * boundary, planning blocks, green, parking, plaza, water), named roads, and building label
 * anchors, all in the park's local east-north metres (the tiles' frame). The sample-park seed
 * derives the road grid and a pond from the planning blocks, deterministically.
 */
import type { Db, Queryable } from '../../db/types.ts';
import { enuFrame } from '../../tiler/enu.ts';

/** An area on the ground: rings as flat [x0, y0, x1, y1, ...] in local metres (outer first). */
export interface GroundArea {
  kind: 'boundary' | 'block' | 'green' | 'parking' | 'plaza' | 'water' | 'reserve';
  code: string;
  name: string;
  nameEn: string | null;
  rings: number[][];
}

/** A named road: centre line (flat x, y pairs) and carriageway width. */
export interface GroundRoad {
  code: string;
  name: string;
  nameEn: string | null;
  line: number[];
  width: number;
}

/** Where a building's name label sits: above the footprint's centre, at the roof. */
export interface GroundLabel {
  idx: number;
  name: string;
  nameEn: string | null;
  x: number;
  y: number;
  height: number;
}

/** Everything the ground layer draws for a park. */
export interface Ground {
  park: string;
  areas: GroundArea[];
  roads: GroundRoad[];
  labels: GroundLabel[];
}

interface ParkRow { idx: number; lon: number; lat: number; h: number }

async function parkByCode(db: Queryable, code: string): Promise<ParkRow | null> {
  const r = await db.query<ParkRow>(
    'SELECT idx, ST_X(origin) AS lon, ST_Y(origin) AS lat, ST_Z(origin) AS h FROM park WHERE code = $1', [code],
  );
  return r.rows[0] ?? null;
}

async function parkByIdx(db: Queryable, idx: number): Promise<ParkRow | null> {
  const r = await db.query<ParkRow>(
    'SELECT idx, ST_X(origin) AS lon, ST_Y(origin) AS lat, ST_Z(origin) AS h FROM park WHERE idx = $1', [idx],
  );
  return r.rows[0] ?? null;
}

/** lon/lat -> local metres and back, for one park (planar, < 1 mm over a few km). */
function frameOf(p: ParkRow) {
  const project = enuFrame(p.lon, p.lat, p.h).projector();
  // Inverse by two fixed-point steps (the projector is almost linear over a park).
  const [ex] = project(p.lon + 0.001, p.lat);
  const [, ny] = project(p.lon, p.lat + 0.001);
  const mLon = ex! / 0.001;
  const mLat = ny! / 0.001;
  const unproject = (x: number, y: number): [number, number] => {
    let lon = p.lon + x / mLon;
    let lat = p.lat + y / mLat;
    for (let i = 0; i < 2; i++) {
      const [px, py] = project(lon, lat);
      lon += (x - px) / mLon;
      lat += (y - py) / mLat;
    }
    return [lon, lat];
  };
  return { project, unproject };
}

const r1 = (v: number) => Math.round(v * 100) / 100;

/** Flattens GeoJSON polygon rings (lon/lat) into local flat rings. */
function localRings(coords: number[][][], project: (lon: number, lat: number) => [number, number]): number[][] {
  return coords.map((ring) => ring.slice(0, -1).flatMap(([lon, lat]) => project(lon!, lat!).map(r1)));
}

/** The ground of a park by code; null when there is no such park. */
export async function parkGround(db: Queryable, code: string): Promise<Ground | null> {
  const park = await parkByCode(db, code);
  if (!park) return null;
  const { project } = frameOf(park);
  const areas: GroundArea[] = [];
  const boundary = await db.query<{ g: string; name: string; name_en: string | null }>(
    `SELECT ST_AsGeoJSON(p.boundary) AS g, o.name, o.name_en FROM park p JOIN twin_object o ON o.idx = p.idx WHERE p.idx = $1`, [park.idx],
  );
  for (const b of boundary.rows) {
    areas.push({ kind: 'boundary', code: 'BOUNDARY', name: b.name, nameEn: b.name_en, rings: localRings(JSON.parse(b.g).coordinates, project) });
  }
  // Zones: planning blocks (reserve blocks apart), green, parking, plaza; the perimeter is the boundary.
  const zones = await db.query<{ code: string; zone_type: string; planned_use: string | null; g: string; name: string; name_en: string | null }>(
    `SELECT z.code, z.zone_type, z.planned_use, ST_AsGeoJSON(z.boundary) AS g, o.name, o.name_en
     FROM zone z JOIN twin_object o ON o.idx = z.idx
     WHERE z.park_idx = $1 AND z.zone_type IN ('block', 'green', 'parking', 'plaza')
     ORDER BY z.code`, [park.idx],
  );
  for (const z of zones.rows) {
    const kind = z.zone_type === 'block' ? (z.planned_use === 'reserve' ? 'reserve' : z.planned_use === 'green' ? 'green' : 'block') : z.zone_type as GroundArea['kind'];
    areas.push({ kind, code: z.code, name: z.name, nameEn: z.name_en, rings: localRings(JSON.parse(z.g).coordinates, project) });
  }
  const feats = await db.query<{ kind: string; code: string; name: string; name_en: string | null; g: string; width_m: number | null }>(
    'SELECT kind, code, name, name_en, ST_AsGeoJSON(geom) AS g, width_m FROM ground_feature WHERE park_idx = $1 ORDER BY kind, code', [park.idx],
  );
  const roads: GroundRoad[] = [];
  for (const f of feats.rows) {
    const g = JSON.parse(f.g) as { coordinates: unknown };
    if (f.kind === 'water') areas.push({ kind: 'water', code: f.code, name: f.name, nameEn: f.name_en, rings: localRings(g.coordinates as number[][][], project) });
    else roads.push({ code: f.code, name: f.name, nameEn: f.name_en, width: f.width_m ?? 8, line: (g.coordinates as number[][]).flatMap(([lon, lat]) => project(lon!, lat!).map(r1)) });
  }
  const labels = await db.query<{ idx: number; name: string; name_en: string | null; lon: number; lat: number; height: number }>(
    `SELECT b.idx, o.name, o.name_en, ST_X(ST_PointOnSurface(b.footprint)) AS lon, ST_Y(ST_PointOnSurface(b.footprint)) AS lat, b.height
     FROM building b JOIN twin_object o ON o.idx = b.idx WHERE b.park_idx = $1 ORDER BY b.idx`, [park.idx],
  );
  return {
    park: code,
    areas,
    roads,
    labels: labels.rows.map((l) => {
      const [x, y] = project(l.lon, l.lat);
      return { idx: l.idx, name: l.name, nameEn: l.name_en, x: r1(x), y: r1(y), height: l.height };
    }),
  };
}

/** Chinese ordinals for road names (经一路, 纬二路 ...). */
const CN = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十', '十一', '十二', '十三', '十四', '十五', '十六', '十七', '十八', '十九', '二十'];
const ordinal = (i: number): string => CN[i] ?? String(i + 1);
const enOrdinal = (i: number): string => {
  const n = i + 1;
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
  return `${n}${s}`;
};

/** Sorted distinct values (within 0.5 m). */
function distinct(vs: number[]): number[] {
  const s = [...vs].sort((a, b) => a - b);
  const out: number[] = [];
  for (const v of s) if (!out.length || v - out[out.length - 1]! > 0.5) out.push(v);
  return out;
}

/**
 * Road centre lines between grid columns: `lo` are the blocks' low edges, `hi` their high edges
 * (both sorted); the road width is the gap between neighbouring blocks (24 m when there is one column).
 */
function gridLines(lo: number[], hi: number[]): { at: number[]; width: number } {
  const width = lo.length > 1 ? Math.max(4, lo[1]! - hi[0]!) : 24;
  const at = [lo[0]! - width / 2];
  for (let i = 0; i + 1 < lo.length; i++) at.push((hi[i]! + lo[i + 1]!) / 2);
  at.push(hi[hi.length - 1]! + width / 2);
  return { at, width };
}

/**
 * Writes the park's road grid (named centre lines between the planning blocks) and a pond beside
 * the central plaza as ground_feature rows. Deterministic (only from the stored blocks), idempotent
 * (existing codes are kept). Returns the number of rows written.
 */
export async function seedGround(db: Db, parkIdx: number): Promise<number> {
  const park = await parkByIdx(db, parkIdx);
  if (!park) return 0;
  const { project, unproject } = frameOf(park);
  const blocks = await db.query<{ code: string; x0: number; y0: number; x1: number; y1: number }>(
    `SELECT code, ST_XMin(boundary) AS x0, ST_YMin(boundary) AS y0, ST_XMax(boundary) AS x1, ST_YMax(boundary) AS y1
     FROM zone WHERE park_idx = $1 AND zone_type = 'block' ORDER BY code`, [parkIdx],
  );
  if (blocks.rows.length === 0) return 0;
  const rects = blocks.rows.map((b) => {
    const [x0, y0] = project(b.x0, b.y0);
    const [x1, y1] = project(b.x1, b.y1);
    return { code: b.code, x0, y0, x1, y1 };
  });
  const cols = gridLines(distinct(rects.map((r) => r.x0)), distinct(rects.map((r) => r.x1)));
  const rows = gridLines(distinct(rects.map((r) => r.y0)), distinct(rects.map((r) => r.y1)));
  const xMin = cols.at[0]!;
  const xMax = cols.at[cols.at.length - 1]!;
  const yMin = rows.at[0]!;
  const yMax = rows.at[rows.at.length - 1]!;
  const feats: Array<{ kind: 'road' | 'water'; code: string; name: string; nameEn: string; wkt: string; width: number | null }> = [];
  const pt = (x: number, y: number) => unproject(x, y).map((v) => v.toFixed(9)).join(' ');
  cols.at.forEach((x, i) => feats.push({
    kind: 'road', code: `ROAD-J${i + 1}`, name: `经${ordinal(i)}路`, nameEn: `Jing ${enOrdinal(i)} Road`,
    wkt: `LINESTRING(${pt(x, yMin - cols.width / 2)}, ${pt(x, yMax + cols.width / 2)})`, width: cols.width,
  }));
  rows.at.forEach((y, i) => feats.push({
    kind: 'road', code: `ROAD-W${i + 1}`, name: `纬${ordinal(i)}路`, nameEn: `Wei ${enOrdinal(i)} Road`,
    wkt: `LINESTRING(${pt(xMin - rows.width / 2, y)}, ${pt(xMax + rows.width / 2, y)})`, width: rows.width,
  }));
  // A pond north of the central plaza, inside its block (the "waterside" greens flank it).
  const plaza = await db.query<{ code: string; x0: number; y0: number; x1: number; y1: number }>(
    `SELECT code, ST_XMin(boundary) AS x0, ST_YMin(boundary) AS y0, ST_XMax(boundary) AS x1, ST_YMax(boundary) AS y1
     FROM zone WHERE park_idx = $1 AND zone_type = 'plaza' ORDER BY code LIMIT 1`, [parkIdx],
  );
  const pz = plaza.rows[0];
  if (pz) {
    const [px0, py0] = project(pz.x0, pz.y0);
    const [px1, py1] = project(pz.x1, pz.y1);
    const blk = rects.find((r) => r.x0 <= px0 && r.x1 >= px1 && r.y0 <= py0 && r.y1 >= py1);
    const top = blk ? blk.y1 - 8 : py1 + 40;
    if (top - (py1 + 6) > 8) {
      const [a, b, c, d] = [px0 + 4, py1 + 6, px1 - 4, top];
      // An octagon-ish pond: corners cut by a quarter of the shorter side.
      const k = Math.min(c - a, d - b) / 4;
      const ring = [[a + k, b], [c - k, b], [c, b + k], [c, d - k], [c - k, d], [a + k, d], [a, d - k], [a, b + k], [a + k, b]];
      feats.push({ kind: 'water', code: 'POND-1', name: '中央景观湖', nameEn: 'Central pond', wkt: `POLYGON((${ring.map(([x, y]) => pt(x!, y!)).join(', ')}))`, width: null });
    }
  }
  let written = 0;
  for (const f of feats) {
    const r = await db.query(
      `INSERT INTO ground_feature (park_idx, kind, code, name, name_en, geom, width_m)
       VALUES ($1, $2, $3, $4, $5, ST_GeomFromText($6, 4326), $7) ON CONFLICT (park_idx, code) DO NOTHING`,
      [parkIdx, f.kind, f.code, f.name, f.nameEn, f.wkt, f.width],
    );
    written += r.rowCount ?? 0;
  }
  return written;
}
