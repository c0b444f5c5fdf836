/**
 * What a label sheet holds: the objects of one room, floor, building or a park's pipe nodes, with
 * the uuid their QR code carries. Parameterized SQL; at most MAX_LABELS rows.
 */
import type { Queryable } from '../../db/types.ts';

/** The most labels one sheet prints (a floor of a large building fits). */
export const MAX_LABELS = 600;

/** One label: the object, its code (equipment / room / node) and its uuid. */
export interface LabelRow {
  idx: number;
  uuid: string;
  kind: string;
  code: string;
  name: string;
}

/** Where a sheet is for: exactly one of these. */
export type SheetScope = { room: number } | { floor: number } | { building: number } | { park: string; nodes: true };

const COLS = `o.idx, o.uuid::text AS uuid, o.kind, o.name`;

/** The labels of a scope (the container itself first, then its equipment by code); null when the container does not exist. */
export async function sheetLabels(db: Queryable, scope: SheetScope): Promise<{ title: string; labels: LabelRow[] } | null> {
  if ('park' in scope) {
    const p = await db.query<{ idx: number; name: string }>('SELECT p.idx, o.name FROM park p JOIN twin_object o ON o.idx = p.idx WHERE p.code = $1', [scope.park]);
    const park = p.rows[0];
    if (!park) return null;
    const r = await db.query<LabelRow>(
      `SELECT ${COLS}, n.code FROM pipe_node n JOIN twin_object o ON o.idx = n.idx WHERE n.park_idx = $1 ORDER BY n.network, n.code LIMIT ${MAX_LABELS}`, [park.idx]);
    return { title: park.name, labels: r.rows };
  }
  const [kind, idx, column] = 'room' in scope ? ['room', scope.room, 'room_idx'] as const
    : 'floor' in scope ? ['floor', scope.floor, 'floor_idx'] as const : ['building', scope.building, 'building_idx'] as const;
  const own = await db.query<LabelRow>(
    `SELECT ${COLS}, COALESCE(r.code, b.code, f.level::text, '') AS code FROM twin_object o
     LEFT JOIN room r ON r.idx = o.idx LEFT JOIN building b ON b.idx = o.idx LEFT JOIN floor f ON f.idx = o.idx
     WHERE o.idx = $1 AND o.kind = $2`, [idx, kind]);
  const head = own.rows[0];
  if (!head) return null;
  const eq = await db.query<LabelRow>(
    `SELECT ${COLS}, e.code FROM equipment e JOIN twin_object o ON o.idx = e.idx WHERE e.${column} = $1 ORDER BY e.code LIMIT ${MAX_LABELS - 1}`, [idx]);
  return { title: head.name, labels: kind === 'room' ? [head, ...eq.rows] : eq.rows };
}

/** The object a uuid names. */
export async function objectByUuid(db: Queryable, uuid: string): Promise<{ idx: number; kind: string; name: string; building: number | null; floor: number | null } | null> {
  const r = await db.query<{ idx: number; kind: string; name: string; building: number | null; floor: number | null }>(
    `SELECT o.idx, o.kind, o.name, COALESCE(e.building_idx, r.building_idx) AS building, COALESCE(e.floor_idx, r.floor_idx) AS floor
     FROM twin_object o LEFT JOIN equipment e ON e.idx = o.idx LEFT JOIN room r ON r.idx = o.idx WHERE o.uuid = $1::uuid`, [uuid]);
  return r.rows[0] ?? null;
}

/** The uuid and code of one object (for a single label). */
export async function labelOf(db: Queryable, idx: number): Promise<LabelRow | null> {
  const r = await db.query<LabelRow>(
    `SELECT ${COLS}, COALESCE(e.code, r.code, n.code, s.code, b.code, '') AS code FROM twin_object o
     LEFT JOIN equipment e ON e.idx = o.idx LEFT JOIN room r ON r.idx = o.idx LEFT JOIN pipe_node n ON n.idx = o.idx
     LEFT JOIN pipe_segment s ON s.idx = o.idx LEFT JOIN building b ON b.idx = o.idx
     WHERE o.idx = $1`, [idx]);
  return r.rows[0] ?? null;
}
