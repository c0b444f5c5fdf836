/**
 * Read queries behind the 3D scene's drill-down: the park hierarchy by idx, one object's details,
 * its children and a short history. Parameterized SQL only; the same statements on both backends.
 */
import type { Queryable } from '../../db/index.ts';
import type { ParkIndex } from '@park-twin/layers';

/** Kind-specific detail columns, selected per kind from this allowlist (never from input). */
const DETAIL_SQL: Record<string, string> = {
  park: `SELECT code, city, timezone, ST_X(origin) AS lon, ST_Y(origin) AS lat, ST_Z(origin) AS h FROM park WHERE idx = $1`,
  building: `SELECT code, use, height, floors_above, floors_below, year, park_idx AS parent FROM building WHERE idx = $1`,
  floor: `SELECT level, elevation, height, building_idx AS parent,
    (SELECT count(*)::int FROM room r WHERE r.floor_idx = floor.idx) AS rooms FROM floor WHERE idx = $1`,
  room: `SELECT r.code, r.use, r.area, r.leasable, r.lease_status, r.rent, r.capacity, r.floor_idx AS parent,
    f.level AS floor_level, l.enterprise_idx, e.name AS enterprise_name, e.name_en AS enterprise_name_en,
    l.start_date AS lease_start, l.end_date AS lease_end
    FROM room r JOIN floor f ON f.idx = r.floor_idx
    LEFT JOIN lease l ON l.room_idx = r.idx AND l.status = 'active'
    LEFT JOIN twin_object e ON e.idx = l.enterprise_idx
    WHERE r.idx = $1`,
  equipment: `SELECT code, type, model, manufacturer, status, install_date, last_maintained, maintenance_interval_days,
    rated_power_kw, heading, ST_X(position) AS lon, ST_Y(position) AS lat, ST_Z(position) AS z,
    COALESCE(room_idx, floor_idx, building_idx, park_idx) AS parent FROM equipment WHERE idx = $1`,
  zone: `SELECT code, zone_type, planned_use, plot_ratio, park_idx AS parent FROM zone WHERE idx = $1`,
  enterprise: `SELECT credit_code, industry, registered_capital, staff, founded, is_leading, high_tech, park_idx AS parent
    FROM enterprise WHERE idx = $1`,
  pipe_node: `SELECT code, network, node_type, valve_open, park_idx AS parent FROM pipe_node WHERE idx = $1`,
  pipe_segment: `SELECT code, network, diameter_mm, depth, material, install_year, from_node, to_node, park_idx AS parent
    FROM pipe_segment WHERE idx = $1`,
};

// One row per object with its parent in the drill-down tree (equipment hangs off the most
// specific place it has), so the client can hide "everything on floors above" by walking up.
// `owner` is the enterprise holding the active lease of a room (or of the room equipment is in);
// an enterprise (a child of the park, so the breadcrumb names it) owns itself.
const INDEX_SQL = `
  SELECT o.idx, o.kind, o.name, o.name_en, x.parent, x.level, x.lease, x.owner
  FROM (
    SELECT idx, park_idx AS parent, NULL::int AS level, NULL::text AS lease, NULL::int AS owner FROM building WHERE park_idx = $1
    UNION ALL SELECT f.idx, f.building_idx, f.level::int, NULL, NULL FROM floor f JOIN building b ON b.idx = f.building_idx WHERE b.park_idx = $1
    UNION ALL SELECT r.idx, r.floor_idx, f.level::int, r.lease_status, l.enterprise_idx FROM room r JOIN floor f ON f.idx = r.floor_idx
      JOIN building b ON b.idx = r.building_idx LEFT JOIN lease l ON l.room_idx = r.idx AND l.status = 'active' WHERE b.park_idx = $1
    UNION ALL SELECT e.idx, COALESCE(e.room_idx, e.floor_idx, e.building_idx, e.park_idx), f.level::int, NULL, l.enterprise_idx
      FROM equipment e LEFT JOIN floor f ON f.idx = e.floor_idx
      LEFT JOIN lease l ON l.room_idx = e.room_idx AND l.status = 'active' WHERE e.park_idx = $1
    UNION ALL SELECT idx, park_idx, NULL, NULL, NULL FROM zone WHERE park_idx = $1
    UNION ALL SELECT idx, park_idx, NULL, NULL, NULL FROM pipe_node WHERE park_idx = $1
    UNION ALL SELECT idx, park_idx, NULL, NULL, NULL FROM pipe_segment WHERE park_idx = $1
    UNION ALL SELECT idx, park_idx, NULL, NULL, idx FROM enterprise WHERE park_idx = $1
  ) x JOIN twin_object o ON o.idx = x.idx
  ORDER BY o.idx`;

/** Kinds whose names and lease status belong to the enterprise renting them (an enterprise's name to itself). */
const TENANT_KINDS = new Set(['room', 'equipment', 'enterprise']);

/** The park hierarchy as parallel columns; the wire type lives in layers/ (shared with the client). */
export type { ParkIndex };

/** Parks visible in the scene, with the origin their tiles are built around. */
export async function listParks(db: Queryable): Promise<ParkIndex['park'][]> {
  const r = await db.query<{ idx: number; code: string; name: string; name_en: string | null; lon: number; lat: number; h: number }>(
    `SELECT p.idx, p.code, o.name, o.name_en, ST_X(p.origin) AS lon, ST_Y(p.origin) AS lat, ST_Z(p.origin) AS h
     FROM park p JOIN twin_object o ON o.idx = p.idx ORDER BY p.idx`,
  );
  return r.rows.map((p) => ({ idx: p.idx, code: p.code, name: p.name, nameEn: p.name_en, origin: { lon: p.lon, lat: p.lat, h: p.h } }));
}

/**
 * The hierarchy of the park with `code`, or null when there is no such park. With `enterpriseIdx`
 * (an enterprise user) every object keeps its place in the tree (idx, kind, parent, level: the
 * scene needs them to draw and drill, and the geometry is the same for everyone), but rooms and
 * equipment not rented by that enterprise come without name (empty) and lease status (null).
 */
export async function parkIndex(db: Queryable, code: string, scope: { enterpriseIdx?: number } = {}): Promise<ParkIndex | null> {
  const park = (await listParks(db)).find((p) => p.code === code);
  if (!park) return null;
  const r = await db.query<{ idx: number; kind: string; name: string; name_en: string | null; parent: number; level: number | null; lease: string | null; owner: number | null }>(
    INDEX_SQL, [park.idx],
  );
  const out: ParkIndex = { park, idx: [], kind: [], parent: [], level: [], name: [], nameEn: [], lease: [] };
  for (const row of r.rows) {
    const hidden = scope.enterpriseIdx !== undefined && TENANT_KINDS.has(row.kind) && row.owner !== scope.enterpriseIdx;
    out.idx.push(row.idx);
    out.kind.push(row.kind);
    out.parent.push(row.parent);
    out.level.push(row.level ?? 0);
    out.name.push(hidden ? '' : row.name);
    out.nameEn.push(hidden ? null : row.name_en);
    out.lease.push(hidden ? null : row.lease);
  }
  return out;
}

/** One ancestor in the breadcrumb trail. */
export interface Crumb {
  idx: number;
  kind: string;
  name: string;
  nameEn: string | null;
}

/** Details of one twin object. */
export interface ObjectDetails extends Crumb {
  uuid: string;
  /** Kind-specific attributes (column name -> value). */
  attributes: Record<string, unknown>;
  /** Ancestors from the park down to the parent. */
  path: Crumb[];
}

/** The registry row of `idx`, or null. */
export async function objectKind(db: Queryable, idx: number): Promise<{ kind: string } | null> {
  const r = await db.query<{ kind: string }>('SELECT kind FROM twin_object WHERE idx = $1', [idx]);
  return r.rows[0] ?? null;
}

/** Details of `idx` with its breadcrumb path, or null when it does not exist. */
export async function objectDetails(db: Queryable, idx: number): Promise<ObjectDetails | null> {
  const o = await db.query<{ idx: number; uuid: string; kind: string; name: string; name_en: string | null }>(
    'SELECT idx, uuid::text AS uuid, kind, name, name_en FROM twin_object WHERE idx = $1', [idx],
  );
  const row = o.rows[0];
  if (!row) return null;
  const sql = DETAIL_SQL[row.kind];
  const attrs: Record<string, unknown> = sql ? ((await db.query(sql, [idx])).rows[0] ?? {}) : {};
  const path: Crumb[] = [];
  let parent = typeof attrs.parent === 'number' ? attrs.parent : null;
  delete attrs.parent;
  // Walk up at most a handful of levels (equipment -> room -> floor -> building -> park).
  for (let i = 0; i < 6 && parent !== null; i++) {
    const p = await objectDetailsShallow(db, parent);
    if (!p) break;
    path.unshift(p.crumb);
    parent = p.parent;
  }
  return { idx: row.idx, uuid: row.uuid, kind: row.kind, name: row.name, nameEn: row.name_en, attributes: attrs, path };
}

async function objectDetailsShallow(db: Queryable, idx: number): Promise<{ crumb: Crumb; parent: number | null } | null> {
  const r = await db.query<{ idx: number; kind: string; name: string; name_en: string | null; parent: number | null }>(
    `SELECT o.idx, o.kind, o.name, o.name_en,
       COALESCE(b.park_idx, f.building_idx, r.floor_idx, COALESCE(e.room_idx, e.floor_idx, e.building_idx, e.park_idx)) AS parent
     FROM twin_object o
     LEFT JOIN building b ON b.idx = o.idx LEFT JOIN floor f ON f.idx = o.idx
     LEFT JOIN room r ON r.idx = o.idx LEFT JOIN equipment e ON e.idx = o.idx
     WHERE o.idx = $1`, [idx],
  );
  const row = r.rows[0];
  return row ? { crumb: { idx: row.idx, kind: row.kind, name: row.name, nameEn: row.name_en }, parent: row.parent } : null;
}

/** Direct children of `idx` in the drill-down tree. */
export async function objectChildren(db: Queryable, idx: number): Promise<Array<Crumb & { level: number | null }>> {
  const r = await db.query<{ idx: number; kind: string; name: string; name_en: string | null; level: number | null }>(
    `SELECT o.idx, o.kind, o.name, o.name_en, c.level FROM (
       SELECT idx, NULL::int AS level FROM building WHERE park_idx = $1
       UNION ALL SELECT idx, level::int FROM floor WHERE building_idx = $1
       UNION ALL SELECT idx, NULL FROM room WHERE floor_idx = $1
       UNION ALL SELECT idx, NULL FROM equipment WHERE COALESCE(room_idx, floor_idx, building_idx, park_idx) = $1
     ) c JOIN twin_object o ON o.idx = c.idx ORDER BY c.level NULLS LAST, o.kind, o.name, o.idx`, [idx],
  );
  return r.rows.map((c) => ({ idx: c.idx, kind: c.kind, name: c.name, nameEn: c.name_en, level: c.level }));
}

/** One bucket of a history series. */
export interface HistoryPoint {
  t: string;
  avg: number;
  max: number;
  status: number;
}

/**
 * Bucketed telemetry of one object and layer over the last `hours` (latest state when there is
 * no history table yet). Buckets are 1/60 of the window, so a chart has at most 60 points.
 */
export async function objectHistory(db: Queryable, idx: number, layer: number, hours: number): Promise<HistoryPoint[]> {
  const bucket = Math.max(60, Math.round((hours * 3600) / 60));
  const r = await db.query<{ t: Date; avg: number; max: number; status: number }>(
    `SELECT to_timestamp(floor(extract(epoch FROM ts) / $4) * $4) AS t, avg(value)::float8 AS avg,
       max(value)::float8 AS max, max(status)::int AS status
     FROM telemetry WHERE idx = $1 AND layer = $2 AND ts > now() - make_interval(hours => $3)
     GROUP BY 1 ORDER BY 1`,
    [idx, layer, hours, bucket],
  );
  return r.rows.map((p) => ({ t: new Date(p.t).toISOString(), avg: p.avg, max: p.max, status: p.status }));
}

/** The enterprise owning `idx` for object-level checks (room or equipment via the active lease). */
export async function owningEnterprise(db: Queryable, idx: number): Promise<{ kind: string; enterpriseIdx: number | null } | null> {
  const r = await db.query<{ kind: string; ent: number | null }>(
    `SELECT o.kind, CASE o.kind
        WHEN 'enterprise' THEN o.idx
        WHEN 'room' THEN (SELECT enterprise_idx FROM lease WHERE room_idx = o.idx AND status = 'active')
        WHEN 'equipment' THEN (SELECT l.enterprise_idx FROM equipment e JOIN lease l ON l.room_idx = e.room_idx AND l.status = 'active'
          WHERE e.idx = o.idx)
      END AS ent
     FROM twin_object o WHERE o.idx = $1`, [idx],
  );
  const row = r.rows[0];
  return row ? { kind: row.kind, enterpriseIdx: row.ent } : null;
}
