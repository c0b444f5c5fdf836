/**
 * SQL of the records kit on the generic `kit_*` tables: scoped reads, keyset-paginated lists,
 * versioned writes. Parameterized SQL only; field names in SQL come from the definition (checked
 * at start), never from the request.
 */
import type { Queryable } from '../../db/index.ts';
import type { Principal } from '../../auth/types.ts';
import type { EntityDef, StoredRecord } from './define.ts';

interface Row {
  id: number; entity: string; state: string; version: number; object_idx: number | null; object_name: string | null;
  enterprise_idx: number | null; title: string; data: Record<string, unknown> | string; assignees: string[];
  created_by: string | null; created_by_name: string | null; created_at: Date; updated_at: Date; state_since: Date;
  due_at: Date | null; escalated_at: Date | null;
}

const SELECT = `SELECT r.id, r.entity, r.state, r.version, r.object_idx, o.name AS object_name, r.enterprise_idx, r.title, r.data,
  r.assignees, r.created_by, r.created_by_name, r.created_at, r.updated_at, r.state_since, r.due_at, r.escalated_at
  FROM kit_record r LEFT JOIN twin_object o ON o.idx = r.object_idx`;

/** Row to API shape. */
export function toRecord(r: Row): StoredRecord {
  return {
    id: Number(r.id), entity: r.entity, state: r.state, version: r.version, objectIdx: r.object_idx, objectName: r.object_name,
    enterpriseIdx: r.enterprise_idx, title: r.title, data: typeof r.data === 'string' ? JSON.parse(r.data) as Record<string, unknown> : r.data,
    assignees: r.assignees ?? [], createdBy: r.created_by, createdByName: r.created_by_name,
    createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(), stateSince: r.state_since.toISOString(),
    dueAt: r.due_at?.toISOString() ?? null, escalatedAt: r.escalated_at?.toISOString() ?? null,
  };
}

/** The enterprise a principal is confined to, or null for park staff. */
export function scopeOf(def: EntityDef, p: Principal): number | null {
  return def.enterpriseScoped && p.enterpriseIdx !== undefined ? p.enterpriseIdx : null;
}

/** One record, or null when it does not exist or is outside the principal's enterprise. */
export async function getRecord(q: Queryable, def: EntityDef, id: number, p: Principal, forUpdate = false): Promise<StoredRecord | null> {
  const scope = scopeOf(def, p);
  const r = await q.query<Row>(
    `${SELECT} WHERE r.entity = $1 AND r.id = $2 AND ($3::int IS NULL OR r.enterprise_idx = $3)${forUpdate ? ' FOR UPDATE OF r' : ''}`,
    [def.entity, id, scope],
  );
  return r.rows[0] ? toRecord(r.rows[0]) : null;
}

/** Sort keys of the list (typed columns only, so keyset pagination stays exact). */
export const SORTS = { id: 'r.id', updatedAt: 'r.updated_at', state: 'r.state' } as const;
export type SortKey = keyof typeof SORTS;

/** List options, already validated by the route's query schema. */
export interface ListOptions {
  readonly q?: string;
  readonly state?: readonly string[];
  readonly objectIdx?: number;
  readonly assignee?: string;
  readonly createdBy?: string;
  readonly fields?: Readonly<Record<string, string>>;
  readonly sort: SortKey;
  readonly dir: 'asc' | 'desc';
  readonly limit: number;
  readonly cursor?: readonly [string | number, number];
}

/** Encodes the position after a row for the next page. */
export function encodeCursor(sort: SortKey, r: StoredRecord): string {
  const v = sort === 'id' ? r.id : sort === 'updatedAt' ? r.updatedAt : r.state;
  return Buffer.from(JSON.stringify([v, r.id])).toString('base64url');
}

/** Decodes a cursor, or null when it is not one of ours. */
export function decodeCursor(sort: SortKey, s: string): [string | number, number] | null {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(v) || v.length !== 2 || !Number.isSafeInteger(v[1])) return null;
    if (sort === 'id' && !Number.isSafeInteger(v[0])) return null;
    if (sort === 'updatedAt' && (typeof v[0] !== 'string' || Number.isNaN(Date.parse(v[0])))) return null;
    if (sort === 'state' && typeof v[0] !== 'string') return null;
    return [v[0] as string | number, v[1] as number];
  } catch {
    return null;
  }
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** A page of records in (sort, id) order, scoped to the principal's enterprise. */
export async function listRecords(q: Queryable, def: EntityDef, p: Principal, o: ListOptions): Promise<{ items: StoredRecord[]; nextCursor: string | null }> {
  const where = ['r.entity = $1'];
  const params: unknown[] = [def.entity];
  const add = (sql: (n: string) => string, v: unknown) => {
    params.push(v);
    where.push(sql(`$${params.length}`));
  };
  const scope = scopeOf(def, p);
  if (scope !== null) add((n) => `r.enterprise_idx = ${n}`, scope);
  if (o.q) add((n) => `r.search LIKE ${n} ESCAPE '\\'`, `%${likeEscape(o.q.toLowerCase())}%`);
  if (o.state && o.state.length > 0) add((n) => `r.state = ANY(${n}::text[])`, o.state);
  if (o.objectIdx !== undefined) add((n) => `r.object_idx = ${n}`, o.objectIdx);
  if (o.assignee) add((n) => `${n} = ANY(r.assignees)`, o.assignee);
  if (o.createdBy) add((n) => `r.created_by = ${n}`, o.createdBy);
  for (const [f, v] of Object.entries(o.fields ?? {})) {
    if (!(def.filters ?? []).includes(f)) continue;
    params.push(f);
    const fn = `$${params.length}`;
    add((n) => `r.data->>${fn} = ${n}`, v);
  }
  const col = SORTS[o.sort];
  const cmp = o.dir === 'desc' ? '<' : '>';
  if (o.cursor && o.sort === 'id') add((n) => `r.id ${cmp} ${n}`, o.cursor[1]);
  else if (o.cursor) {
    params.push(o.sort === 'updatedAt' ? new Date(o.cursor[0]) : o.cursor[0]);
    const a = `$${params.length}`;
    add((n) => `(${col}, r.id) ${cmp} (${a}, ${n})`, o.cursor[1]);
  }
  params.push(o.limit + 1);
  const order = o.sort === 'id' ? `r.id ${o.dir}` : `${col} ${o.dir}, r.id ${o.dir}`;
  const r = await q.query<Row>(`${SELECT} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT $${params.length}`, params);
  const items = r.rows.slice(0, o.limit).map(toRecord);
  return { items, nextCursor: r.rows.length > o.limit ? encodeCursor(o.sort, items.at(-1)!) : null };
}

/** The lower-cased search text of a record's data. */
export function searchText(def: EntityDef, data: Record<string, unknown>): string {
  return def.search.map((f) => (data[f] == null ? '' : String(data[f]))).join(' \u0001 ').toLowerCase().slice(0, 8000);
}

/** Comments, attachments and the transition history of one record, oldest first. */
export async function recordActivity(q: Queryable, id: number): Promise<{
  comments: { id: number; authorName: string | null; body: string; at: string }[];
  attachments: { id: number; name: string; contentType: string; size: number; byName: string | null; at: string }[];
  transitions: { id: number; transition: string; from: string; to: string; byName: string | null; note: string | null; at: string }[];
}> {
  const [c, a, t] = await Promise.all([
    q.query<{ id: number; author_name: string | null; body: string; at: Date }>('SELECT id, author_name, body, at FROM kit_comment WHERE record_id = $1 ORDER BY id', [id]),
    q.query<{ id: number; name: string; content_type: string; size: number; by_name: string | null; at: Date }>(
      'SELECT id, name, content_type, size, by_name, at FROM kit_attachment WHERE record_id = $1 ORDER BY id', [id]),
    q.query<{ id: number; transition: string; from_state: string; to_state: string; by_name: string | null; note: string | null; at: Date }>(
      'SELECT id, transition, from_state, to_state, by_name, note, at FROM kit_transition WHERE record_id = $1 ORDER BY id', [id]),
  ]);
  return {
    comments: c.rows.map((x) => ({ id: Number(x.id), authorName: x.author_name, body: x.body, at: x.at.toISOString() })),
    attachments: a.rows.map((x) => ({ id: Number(x.id), name: x.name, contentType: x.content_type, size: x.size, byName: x.by_name, at: x.at.toISOString() })),
    transitions: t.rows.map((x) => ({ id: Number(x.id), transition: x.transition, from: x.from_state, to: x.to_state, byName: x.by_name, note: x.note, at: x.at.toISOString() })),
  };
}

/** SLA deadline of entering `state` at `at`, or null when the state has no timer. */
export function dueAt(def: EntityDef, state: string, at: Date): Date | null {
  const sla = def.workflow.states[state]?.sla;
  return sla ? new Date(at.getTime() + sla.withinMinutes * 60_000) : null;
}
