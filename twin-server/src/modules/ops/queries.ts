/**
 * Read queries of the maintenance view (standard G3): network traces over the pipe topology,
 * pipe and node attributes, and the work orders of one piece of equipment. Parameterized SQL
 * only; the same statements on PGlite and PostgreSQL.
 */
import type { Queryable } from '../../db/index.ts';
import type { NetworkObject, ParkNetworks, PipeEnd, SectionBoxJson, TraceDirection, TraceResult, WorkOrder } from '@park-twin/layers';
import { enuFrame } from '../../tiler/enu.ts';

// The two directions differ only in which end of a segment is "here" and which is "next"
// (column names from this table, never from input). A segment is followed only when it leaves a
// node the trace may pass: the start node itself (whatever its state: "what does this valve
// feed?") or any node that is not a closed valve. The segment into a closed valve is part of the
// result (it is charged up to the valve); nothing beyond it is. UNION (not UNION ALL) drops rows
// already found, so loops in the network end the recursion.
const ENDS: Record<TraceDirection, readonly [here: string, next: string]> = {
  downstream: ['from_node', 'to_node'],
  upstream: ['to_node', 'from_node'],
};

function traceSql([here, next]: readonly [string, string]): string {
  return `
    WITH RECURSIVE start AS (SELECT idx, network, park_idx FROM pipe_node WHERE idx = $1),
    walk(seg, node) AS (
      SELECT s.idx, s.${next} FROM start JOIN pipe_segment s
        ON s.${here} = start.idx AND s.network = start.network AND s.park_idx = start.park_idx
      UNION
      SELECT s.idx, s.${next} FROM walk w
        JOIN pipe_node n ON n.idx = w.node AND n.valve_open IS NOT FALSE
        JOIN pipe_segment s ON s.${here} = w.node
        JOIN start ON s.network = start.network AND s.park_idx = start.park_idx
    )
    SELECT DISTINCT w.seg, w.node, (n.valve_open IS FALSE AND w.node <> $1) AS barrier
    FROM walk w JOIN pipe_node n ON n.idx = w.node`;
}

const TRACE_SQL: Record<TraceDirection, string> = { downstream: traceSql(ENDS.downstream), upstream: traceSql(ENDS.upstream) };

/**
 * Traces the network from `node` downstream (along from_node -> to_node, the flow direction) or
 * upstream, stopping at closed valves. Null when `node` is not a pipe node.
 */
export async function traceNetwork(db: Queryable, node: number, direction: TraceDirection): Promise<TraceResult | null> {
  const start = await db.query<{ network: string }>('SELECT network FROM pipe_node WHERE idx = $1', [node]);
  const network = start.rows[0]?.network;
  if (!network) return null;
  const r = await db.query<{ seg: number; node: number; barrier: boolean }>(TRACE_SQL[direction], [node]);
  const segments = new Set<number>();
  const nodes = new Set<number>();
  const barriers = new Set<number>();
  for (const row of r.rows) {
    segments.add(row.seg);
    if (row.node !== node) nodes.add(row.node);
    if (row.barrier) barriers.add(row.node);
  }
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
  return { node, network, direction, segments: sorted(segments), nodes: sorted(nodes), barriers: sorted(barriers) };
}

const END_SQL = `SELECT n.idx, n.code, o.name, o.name_en, n.node_type, n.valve_open
  FROM pipe_node n JOIN twin_object o ON o.idx = n.idx WHERE n.idx = $1`;

async function pipeEnd(db: Queryable, idx: number): Promise<PipeEnd> {
  const r = await db.query<{ idx: number; code: string; name: string; name_en: string | null; node_type: string; valve_open: boolean | null }>(END_SQL, [idx]);
  const e = r.rows[0]!;
  return { idx: e.idx, code: e.code, name: e.name, nameEn: e.name_en, nodeType: e.node_type, valveOpen: e.valve_open };
}

/** A pipe segment's or node's attributes; null when `idx` is neither. */
export async function networkObject(db: Queryable, idx: number): Promise<NetworkObject | null> {
  const s = await db.query<{
    code: string; name: string; name_en: string | null; network: string; diameter_mm: number; depth: number; material: string;
    install_year: number | null; from_node: number; to_node: number; length_m: number; z0: number; z1: number;
  }>(
    `SELECT s.code, o.name, o.name_en, s.network, s.diameter_mm, s.depth, s.material, s.install_year, s.from_node, s.to_node,
       ST_Length(s.geom::geography) AS length_m, ST_Z(ST_StartPoint(s.geom)) AS z0, ST_Z(ST_EndPoint(s.geom)) AS z1
     FROM pipe_segment s JOIN twin_object o ON o.idx = s.idx WHERE s.idx = $1`, [idx]);
  const seg = s.rows[0];
  if (seg) {
    return {
      kind: 'pipe_segment', idx, code: seg.code, name: seg.name, nameEn: seg.name_en, network: seg.network,
      diameterMm: seg.diameter_mm, depth: seg.depth, material: seg.material, installYear: seg.install_year,
      lengthM: Math.round(seg.length_m * 100) / 100, centreDepth: [-seg.z0, -seg.z1],
      from: await pipeEnd(db, seg.from_node), to: await pipeEnd(db, seg.to_node),
    };
  }
  const n = await db.query<{
    code: string; name: string; name_en: string | null; network: string; node_type: string; valve_open: boolean | null;
    z: number; building_idx: number | null; outgoing: number[] | null; incoming: number[] | null;
  }>(
    `SELECT n.code, o.name, o.name_en, n.network, n.node_type, n.valve_open, ST_Z(n.position) AS z, n.building_idx,
       (SELECT array_agg(idx ORDER BY idx) FROM pipe_segment WHERE from_node = n.idx) AS outgoing,
       (SELECT array_agg(idx ORDER BY idx) FROM pipe_segment WHERE to_node = n.idx) AS incoming
     FROM pipe_node n JOIN twin_object o ON o.idx = n.idx WHERE n.idx = $1`, [idx]);
  const node = n.rows[0];
  if (!node) return null;
  return {
    kind: 'pipe_node', idx, code: node.code, name: node.name, nameEn: node.name_en, network: node.network,
    nodeType: node.node_type, valveOpen: node.valve_open, depth: -node.z, building: node.building_idx,
    outgoing: node.outgoing ?? [], incoming: node.incoming ?? [],
  };
}

/** Work-order statuses that count as open (not done, not cancelled). */
export const OPEN_STATUSES = ['open', 'assigned', 'in_progress', 'on_hold'] as const;

// The work-orders module's open orders (records kit + wo_order) in this route's shape, so the panel
// lists the orders made since that module exists next to the seeded rows of work_order.
const WORKORDERS_UNION = `UNION ALL
     SELECT w.code, r.title, r.data->>'titleEn', CASE w.source WHEN 'preventive' THEN 'preventive' ELSE 'repair' END, w.priority,
       CASE r.state WHEN 'created' THEN 'open' WHEN 'dispatched' THEN 'assigned' WHEN 'accepted' THEN 'assigned' ELSE r.state END,
       c.name->>'zh', to_char(r.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), to_char(r.due_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')
     FROM kit_record r JOIN wo_order w ON w.record_id = r.id LEFT JOIN wo_crew c ON c.id = w.crew_id
     WHERE r.entity = 'workorder' AND r.object_idx = $1 AND r.state IN ('created', 'dispatched', 'accepted', 'in_progress', 'on_hold', 'done')`;

/** Whether the work-orders module's tables exist (it may be switched off). */
async function hasWorkordersModule(db: Queryable): Promise<boolean> {
  const r = await db.query<{ t: string | null }>("SELECT to_regclass('wo_order')::text AS t");
  return r.rows[0]?.t != null;
}

/**
 * Open work orders of one piece of equipment, most urgent first. Null when `idx` is not
 * equipment (so the route can answer 404 rather than an empty list).
 */
export async function openWorkOrders(db: Queryable, idx: number): Promise<WorkOrder[] | null> {
  const e = await db.query('SELECT 1 FROM equipment WHERE idx = $1', [idx]);
  if (e.rows.length === 0) return null;
  const r = await db.query<{
    code: string; title: string; title_en: string | null; order_type: string; priority: string; status: string;
    assignee: string | null; opened_on: string; due_on: string | null;
  }>(
    // The union is wrapped: ORDER BY of a UNION takes output column names only, not expressions.
    `SELECT * FROM (
     SELECT code, title, title_en, order_type, priority, status, assignee,
       to_char(opened_on, 'YYYY-MM-DD') AS opened_on, to_char(due_on, 'YYYY-MM-DD') AS due_on
     FROM work_order WHERE equipment_idx = $1 AND status = ANY($2::text[])
     ${await hasWorkordersModule(db) ? WORKORDERS_UNION : ''}
     ) o ORDER BY array_position(ARRAY['urgent', 'high', 'normal', 'low'], priority), opened_on, code`,
    [idx, OPEN_STATUSES],
  );
  return r.rows.map((w) => ({
    code: w.code, title: w.title, titleEn: w.title_en, type: w.order_type, priority: w.priority, status: w.status,
    assignee: w.assignee, openedOn: w.opened_on, dueOn: w.due_on,
  }));
}

/** The park's networks (null when there is no park `code`). Depth: of the pipe crown / the node centre, metres. */
export async function parkNetworks(db: Queryable, code: string): Promise<ParkNetworks | null> {
  const p = await db.query<{ idx: number }>('SELECT idx FROM park WHERE code = $1', [code]);
  const park = p.rows[0]?.idx;
  if (park === undefined) return null;
  const s = await db.query<{ idx: number; network: string; depth: number }>(
    'SELECT idx, network, depth FROM pipe_segment WHERE park_idx = $1 ORDER BY idx', [park]);
  const n = await db.query<{ idx: number; network: string; node_type: string; valve_open: boolean | null; z: number }>(
    'SELECT idx, network, node_type, valve_open, ST_Z(position) AS z FROM pipe_node WHERE park_idx = $1 ORDER BY idx', [park]);
  return {
    segments: { idx: s.rows.map((r) => r.idx), network: s.rows.map((r) => r.network), depth: s.rows.map((r) => r.depth) },
    nodes: {
      idx: n.rows.map((r) => r.idx), network: n.rows.map((r) => r.network), type: n.rows.map((r) => r.node_type),
      valveOpen: n.rows.map((r) => r.valve_open), depth: n.rows.map((r) => -r.z),
    },
  };
}

/**
 * The box a section around building or floor `idx` starts from: the extent of its outline and its
 * equipment, projected like the tiler projects it, from the lowest slab (or the ground) to the roof,
 * or the floor's own slab to its ceiling. Null when `idx` is neither.
 */
export async function sectionBoxOf(db: Queryable, idx: number): Promise<SectionBoxJson | null> {
  const r = await db.query<{
    kind: 'building' | 'floor'; x0: number; y0: number; x1: number; y1: number; z0: number; z1: number;
    lon: number; lat: number; h: number;
  }>(
    `WITH target AS (
       -- Floor elevations are above the building's ground; slabs are 0.25 m thick (as the tiler draws them).
       SELECT 'building' AS kind, b.park_idx, b.idx AS bidx, NULL::int AS fidx, b.footprint AS outline,
         b.ground_elevation + LEAST(0, (SELECT min(f.elevation) - 0.25 FROM floor f WHERE f.building_idx = b.idx)) AS z0,
         b.ground_elevation + GREATEST(b.height, (SELECT max(f.elevation + f.height) FROM floor f WHERE f.building_idx = b.idx)) AS z1
       FROM building b WHERE b.idx = $1
       UNION ALL
       SELECT 'floor', b.park_idx, b.idx, f.idx, COALESCE(f.footprint, b.footprint), b.ground_elevation + f.elevation - 0.25,
         b.ground_elevation + f.elevation + f.height
       FROM floor f JOIN building b ON b.idx = f.building_idx WHERE f.idx = $1
     )
     -- The extent covers the outline and the object's equipment (cameras on the facade stand outside it).
     SELECT t.kind, ST_XMin(x.ext) AS x0, ST_YMin(x.ext) AS y0, ST_XMax(x.ext) AS x1, ST_YMax(x.ext) AS y1,
       t.z0, t.z1, ST_X(p.origin) AS lon, ST_Y(p.origin) AS lat, ST_Z(p.origin) AS h
     FROM target t JOIN park p ON p.idx = t.park_idx
     CROSS JOIN LATERAL (SELECT ST_Extent(g) AS ext FROM (
       SELECT t.outline AS g
       UNION ALL SELECT e.position FROM equipment e WHERE e.building_idx = t.bidx AND (t.fidx IS NULL OR e.floor_idx = t.fidx)
     ) parts) x`, [idx]);
  const row = r.rows[0];
  if (!row) return null;
  const project = enuFrame(row.lon, row.lat, row.h).projector();
  const corners = [project(row.x0, row.y0), project(row.x1, row.y0), project(row.x0, row.y1), project(row.x1, row.y1)];
  const e = corners.map((c) => c[0]);
  const n = corners.map((c) => c[1]);
  return { idx, kind: row.kind, min: [Math.min(...e), Math.min(...n), row.z0], max: [Math.max(...e), Math.max(...n), row.z1] };
}
