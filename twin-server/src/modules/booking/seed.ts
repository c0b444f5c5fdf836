/**
 * Sample meeting rooms and bookings for the first start: every room of use 'meeting' in the park
 * becomes bookable (capacity from its area, equipment by its position in idx order); bookings are
 * laid out around the seeding time (some in use now and checked in, some later today and
 * tomorrow, one past no-show released), so a new user sees booked and free rooms at once.
 * Deterministic layout; idempotent (nothing when the park's rooms are already bookable).
 */
import type { ServerContext } from '../../context.ts';
import { EQUIPMENT } from './service.ts';

const TITLES = ['项目周例会', '客户方案评审', '招聘面试', '季度经营分析会', '产品发布彩排', '技术分享会', '董事会筹备会', '供应商洽谈'];
const HOUR = 3_600_000;

export async function seedBooking(sc: ServerContext, parkIdx: number): Promise<void> {
  const now = Date.now();
  await sc.db.transaction(async (tx) => {
    const rooms = (await tx.query<{ idx: number; area: number }>(
      `SELECT r.idx, r.area::float8 AS area FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1 AND r.use = 'meeting' ORDER BY r.idx`, [parkIdx])).rows;
    if (rooms.length === 0) return;
    const had = await tx.query('SELECT 1 FROM booking_room WHERE room_idx = ANY($1::int[]) LIMIT 1', [rooms.map((r) => r.idx)]);
    if (had.rows.length > 0) return;
    for (const [i, r] of rooms.entries()) {
      const capacity = Math.max(4, Math.min(60, Math.round(r.area / 2.5)));
      const equipment = EQUIPMENT.filter((_, k) => k === 0 || k === 3 || (i + k) % 3 === 0);
      await tx.query('INSERT INTO booking_room (room_idx, capacity, equipment, open_from, open_until) VALUES ($1, $2, $3, 0, 24)', [r.idx, capacity, equipment]);
    }
    const hour = Math.floor(now / HOUR) * HOUR;
    const ents = (await tx.query<{ ent: number; name: string }>(
      `SELECT DISTINCT l.enterprise_idx AS ent, o.name FROM lease l JOIN twin_object o ON o.idx = l.enterprise_idx JOIN room r ON r.idx = l.room_idx JOIN building b ON b.idx = r.building_idx
       WHERE b.park_idx = $1 AND l.status = 'active' ORDER BY l.enterprise_idx LIMIT 8`, [parkIdx])).rows;
    for (const [i, r] of rooms.entries()) {
      const ent = ents.length ? ents[i % ents.length]! : null;
      // Every other room is in use now; all get later bookings; every third had a no-show this morning.
      const slots: { from: number; hours: number; status: string }[] = [];
      if (i % 2 === 0) slots.push({ from: hour - HOUR, hours: 2, status: 'checked_in' });
      slots.push({ from: hour + 2 * HOUR, hours: 1, status: 'booked' }, { from: hour + 26 * HOUR, hours: 2, status: 'booked' });
      if (i % 3 === 0) slots.push({ from: hour - 5 * HOUR, hours: 1, status: 'released' });
      for (const [k, s] of slots.entries()) {
        await tx.query(
          `INSERT INTO booking (room_idx, title, attendees, booked_by, booked_by_name, enterprise_idx, starts_at, ends_at, status, checked_in_at, closed_at, created_at)
           VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, $8, $9, $10, $11)`,
          [r.idx, TITLES[(i + k) % TITLES.length], 4 + ((i + k) % 5), ent?.name ?? '园区运营中心', ent?.ent ?? null, new Date(s.from), new Date(s.from + s.hours * HOUR), s.status,
            s.status === 'checked_in' ? new Date(s.from + 5 * 60_000) : null, s.status === 'released' ? new Date(s.from + 16 * 60_000) : null, new Date(s.from - 24 * HOUR)]);
      }
    }
  });
}
