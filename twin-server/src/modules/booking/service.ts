/**
 * Meeting venue booking: the SQL. Overlaps are refused by the table's exclusion constraint
 * (booking_no_overlap), so two users racing for one slot cannot both win on any node; a loss is
 * `{ ok: false, conflict }` naming the booking that holds the slot.
 */
import type { Queryable } from '../../db/index.ts';

export const EQUIPMENT = ['projector', 'screen', 'video_conf', 'whiteboard', 'speakers', 'microphone'] as const;
export type Equipment = (typeof EQUIPMENT)[number];
/** Minutes around the start in which a booking may be checked in; after start + this it is released. */
export const CHECK_IN_MINUTES = 15;

export interface RoomRow { idx: number; code: string; name: string; nameEn: string | null; building: string; buildingEn: string | null; level: number; capacity: number; equipment: string[] }
export interface BookingRow {
  id: number; roomIdx: number; title: string | null; attendees: number; bookedByName: string | null; mine: boolean; enterpriseIdx: number | null;
  startsAt: string; endsAt: string; status: 'booked' | 'checked_in' | 'cancelled' | 'released'; checkedInAt: string | null;
}
export interface Viewer { id: string; enterpriseIdx: number | null; manager: boolean }

interface DbBooking { id: number; room_idx: number; title: string; attendees: number; booked_by: string | null; booked_by_name: string; enterprise_idx: number | null; starts_at: Date; ends_at: Date; status: BookingRow['status']; checked_in_at: Date | null }
const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());

/** A booking as `v` may see it: other enterprises' titles and names are hidden from tenants. */
export function toBooking(b: DbBooking, v: Viewer): BookingRow {
  const visible = v.manager || b.booked_by === v.id || (v.enterpriseIdx !== null && b.enterprise_idx === v.enterpriseIdx) || v.enterpriseIdx === null;
  return {
    id: b.id, roomIdx: b.room_idx, title: visible ? b.title : null, attendees: b.attendees, bookedByName: visible ? b.booked_by_name : null, mine: b.booked_by === v.id,
    enterpriseIdx: visible ? b.enterprise_idx : null, startsAt: iso(b.starts_at)!, endsAt: iso(b.ends_at)!, status: b.status, checkedInAt: iso(b.checked_in_at),
  };
}

export const BOOKING_COLS = 'id, room_idx, title, attendees, booked_by, booked_by_name, enterprise_idx, starts_at, ends_at, status, checked_in_at';

/** Bookable rooms of a park (all parks when null), by building, floor, code. */
export async function listRooms(q: Queryable, parkIdx: number | null, room: number | null = null): Promise<RoomRow[]> {
  const r = await q.query<{ idx: number; code: string; name: string; name_en: string | null; building: string; building_en: string | null; level: number; capacity: number; equipment: string[] }>(
    `SELECT r.idx, r.code, o.name, o.name_en, bo.name AS building, bo.name_en AS building_en, f.level::int AS level, br.capacity, br.equipment
     FROM booking_room br JOIN room r ON r.idx = br.room_idx JOIN twin_object o ON o.idx = r.idx JOIN floor f ON f.idx = r.floor_idx
     JOIN building b ON b.idx = r.building_idx JOIN twin_object bo ON bo.idx = b.idx
     WHERE br.bookable AND ($1::int IS NULL OR b.park_idx = $1) AND ($2::int IS NULL OR r.idx = $2) ORDER BY bo.name, f.level, r.code LIMIT 1000`, [parkIdx, room]);
  return r.rows.map((x) => ({ idx: x.idx, code: x.code, name: x.name, nameEn: x.name_en, building: x.building, buildingEn: x.building_en, level: x.level, capacity: x.capacity, equipment: x.equipment }));
}

/** Live bookings overlapping [from, to) of the given rooms, by start. */
export async function bookingsIn(q: Queryable, rooms: readonly number[], from: Date, to: Date, v: Viewer, includeClosed = false): Promise<BookingRow[]> {
  const r = await q.query<DbBooking>(
    `SELECT ${BOOKING_COLS} FROM booking WHERE room_idx = ANY($1::int[]) AND starts_at < $3 AND ends_at > $2
       AND ($4 OR status IN ('booked', 'checked_in')) ORDER BY starts_at, id LIMIT 5000`, [rooms, from, to, includeClosed]);
  return r.rows.map((b) => toBooking(b, v));
}

/** One booking row (for update when `lock`). */
export async function getBooking(q: Queryable, id: number, lock = false): Promise<DbBooking | null> {
  const r = await q.query<DbBooking>(`SELECT ${BOOKING_COLS} FROM booking WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return r.rows[0] ?? null;
}

export interface NewBooking { roomIdx: number; title: string; attendees: number; startsAt: Date; endsAt: Date; bookedBy: string | null; bookedByName: string; enterpriseIdx: number | null; now: Date }

/**
 * Inserts a booking in `tx`. The exclusion constraint decides races: the insert runs inside a
 * savepoint so a conflict leaves the caller's transaction usable (to audit the refusal).
 */
export async function insertBooking(tx: Queryable, b: NewBooking): Promise<{ ok: true; row: DbBooking } | { ok: false; conflict: { id: number; startsAt: string; endsAt: string } | null }> {
  await tx.query('SAVEPOINT booking_insert');
  try {
    const r = await tx.query<DbBooking>(
      `INSERT INTO booking (room_idx, title, attendees, booked_by, booked_by_name, enterprise_idx, starts_at, ends_at, status, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'booked', $9) RETURNING ${BOOKING_COLS}`,
      [b.roomIdx, b.title, b.attendees, b.bookedBy, b.bookedByName, b.enterpriseIdx, b.startsAt, b.endsAt, b.now]);
    await tx.query('RELEASE SAVEPOINT booking_insert');
    return { ok: true, row: r.rows[0]! };
  } catch (err) {
    if ((err as { code?: string }).code !== '23P01') throw err;
    await tx.query('ROLLBACK TO SAVEPOINT booking_insert');
    const c = await tx.query<{ id: number; starts_at: Date; ends_at: Date }>(
      `SELECT id, starts_at, ends_at FROM booking WHERE room_idx = $1 AND status IN ('booked', 'checked_in') AND starts_at < $3 AND ends_at > $2 ORDER BY starts_at LIMIT 1`,
      [b.roomIdx, b.startsAt, b.endsAt]);
    const x = c.rows[0];
    return { ok: false, conflict: x ? { id: x.id, startsAt: iso(x.starts_at)!, endsAt: iso(x.ends_at)! } : null };
  }
}

/** Releases bookings not checked in within CHECK_IN_MINUTES of their start; returns them. */
export async function releaseNoShows(tx: Queryable, now: Date): Promise<{ id: number; room_idx: number; booked_by: string | null; title: string }[]> {
  const r = await tx.query<{ id: number; room_idx: number; booked_by: string | null; title: string }>(
    `UPDATE booking SET status = 'released', closed_at = $1
     WHERE id IN (SELECT id FROM booking WHERE status = 'booked' AND starts_at + make_interval(mins => $2) < $1 ORDER BY id LIMIT 500 FOR UPDATE SKIP LOCKED)
     RETURNING id, room_idx, booked_by, title`, [now, CHECK_IN_MINUTES]);
  return r.rows;
}
