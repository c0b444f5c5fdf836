/**
 * Test helpers of the work-orders module (its own tests, the end-to-end and browser tests, the
 * route contract): crews on duty around the clock at a given place, an order on an object, a
 * transition as the crew or the dispatcher.
 */
import type { Queryable } from '../../db/index.ts';
import type { HttpClient } from '../../auth/testing.ts';

/** Inserts a crew of `trade` based at (lon, lat), on duty every day all day, with `members`; returns its id. */
export async function insertCrew(db: Queryable, c: { code: string; trade: string; lon: number; lat: number; members?: readonly string[]; zh?: string; en?: string }): Promise<number> {
  const r = await db.query<{ id: number }>(
    `INSERT INTO wo_crew (code, name, trade, base) VALUES ($1, $2::jsonb, $3, ST_SetSRID(ST_MakePoint($4, $5), 4326)) RETURNING id`,
    [c.code, JSON.stringify({ zh: c.zh ?? `${c.code} 班组`, en: c.en ?? `${c.code} crew` }), c.trade, c.lon, c.lat]);
  const id = Number(r.rows[0]!.id);
  for (let d = 1; d <= 7; d++) await db.query('INSERT INTO wo_roster (crew_id, weekday, start_minute, end_minute) VALUES ($1, $2, 0, 1440)', [id, d]);
  for (const u of c.members ?? []) await db.query('INSERT INTO wo_crew_member (crew_id, user_id) VALUES ($1, $2)', [id, u]);
  return id;
}

/** The (lon, lat) of an object (equipment position or room centroid). */
export async function lonLatOf(db: Queryable, idx: number): Promise<{ lon: number; lat: number }> {
  const r = await db.query<{ lon: number; lat: number }>(
    `SELECT ST_X(g) AS lon, ST_Y(g) AS lat FROM (SELECT COALESCE((SELECT ST_Force2D(position) FROM equipment WHERE idx = $1),
       (SELECT ST_Centroid(ST_Force2D(footprint)) FROM room WHERE idx = $1)) AS g) x`, [idx]);
  return { lon: Number(r.rows[0]!.lon), lat: Number(r.rows[0]!.lat) };
}

/** A valid hand-made order's fields. */
export const SAMPLE_ORDER = { title: '风机盘管异响', titleEn: 'Fan coil noise', priority: 'normal', trade: 'hvac', description: '运行时有异响' } as const;

/** Creates an order by hand on `objectIdx` as `client`; throws unless it was created. */
export async function newOrder(client: HttpClient, objectIdx: number): Promise<{ id: number; version: number; state: string; data: Record<string, unknown> }> {
  const r = await client.req('POST', '/api/workorders', { objectIdx, data: SAMPLE_ORDER });
  if (r.status !== 201) throw new Error(`work order not created: ${r.status} ${r.text}`);
  return r.body as { id: number; version: number; state: string; data: Record<string, unknown> };
}

/** Fires a transition with the record's current version (read first). */
export async function fire(client: HttpClient, id: number, name: string, data?: Record<string, unknown>): Promise<{ status: number; text: string; body: unknown }> {
  const cur = await client.req('GET', `/api/workorders/${id}`);
  const version = (cur.body as { record?: { version: number } }).record?.version ?? 1;
  return client.req('POST', `/api/workorders/${id}/transitions/${name}`, { version, ...(data ? { data } : {}) });
}
