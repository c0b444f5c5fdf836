/**
 * Meeting venue booking on both backends (issue 19 must-show 3): users racing for one slot at
 * once (exactly one wins, every round, and the room then shows booked now), overlaps and
 * adjacency, validation, check-in window, no-show release by the module job (slot free again,
 * audited, booker notified), cancel by the booker only, tenants not seeing others' titles.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { healthModule } from '../health.ts';
import { startAuthServer, type AuthTestServer, type HttpClient } from '../../auth/testing.ts';
import { insertFixturePark } from '../../tiler/fixture.ts';
import { notificationsModule } from '../../kit/notifications/module.ts';
import { leaseRoomTo } from '../../kit/records/testing.ts';
import { bookingModule, releaseJob } from './index.ts';
import { seedBooking } from './seed.ts';

const HOUR = 3_600_000;

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`booking module [${backend}]`, () => {
    let s: AuthTestServer;
    let rooms: number[] = [];
    let users: { client: HttpClient; id: string }[] = [];
    let entA = 0;
    let entB = 0;
    let manager: HttpClient;
    let base = 0;
    const db = () => s.server.sc.db;
    const slot = (h: number, hours = 1) => ({ startsAt: new Date(base + h * HOUR).toISOString(), endsAt: new Date(base + (h + hours) * HOUR).toISOString() });
    const book = (c: HttpClient, room: number, h: number, hours = 1, extra: Record<string, unknown> = {}) =>
      c.req('POST', '/api/booking/bookings', { roomIdx: room, title: '周例会', attendees: 4, ...slot(h, hours), ...extra });

    beforeAll(async () => {
      // Sessions outlive the clock moves of the check-in and no-show steps.
      s = await startAuthServer(backend, { modules: [healthModule, notificationsModule(), bookingModule], settings: { sessionIdleMinutes: 240 } });
      const park = await insertFixturePark(db(), { grid: 2, floors: 2, roomsPerSide: 3, code: 'booking' });
      const all = (await db().query<{ idx: number }>('SELECT idx FROM room ORDER BY idx')).rows.map((r) => r.idx);
      rooms = all.slice(0, 3);
      await leaseRoomTo(db(), park.parkIdx, all[5]!, '甲公司', '91310000MA1FL0001A');
      await leaseRoomTo(db(), park.parkIdx, all[6]!, '乙公司', '91310000MA1FL0002B');
      for (const r of rooms) await db().query("INSERT INTO booking_room (room_idx, capacity, equipment, open_from, open_until) VALUES ($1, 8, '{projector,whiteboard}', 0, 24)", [r]);
      const ents = (await db().query<{ idx: number }>('SELECT idx FROM enterprise ORDER BY idx LIMIT 2')).rows;
      entA = ents[0]!.idx;
      entB = ents[1]!.idx;
      users = [];
      for (let i = 0; i < 8; i++) users.push(await s.userWith(['enterprise_user'], i % 2 === 0 ? entA : entB));
      manager = (await s.userWith(['property_manager'])).client;
      base = Math.ceil(s.clock.t / HOUR) * HOUR + HOUR;
    }, 120_000);
    afterAll(async () => {
      await s?.server.stop();
    });

    it('two users booking the same slot at once: exactly one succeeds, and the room shows booked', async () => {
      const [a, b] = await Promise.all([book(users[0]!.client, rooms[0]!, 0), book(users[1]!.client, rooms[0]!, 0)]);
      expect([a.status, b.status].sort()).toEqual([201, 409]);
      const lost = a.status === 409 ? a : b;
      expect(lost.text).toContain('already booked');
      // Eight at once, five rounds on fresh slots: one winner each time.
      for (let round = 1; round <= 5; round++) {
        const res = await Promise.all(users.map((u) => book(u.client, rooms[0]!, round * 2, 1)));
        expect(res.filter((r) => r.status === 201).length).toBe(1);
        expect(res.filter((r) => r.status === 409).length).toBe(7);
      }
      const live = await db().query<{ n: number }>("SELECT count(*)::int AS n FROM booking WHERE room_idx = $1 AND status IN ('booked', 'checked_in')", [rooms[0]]);
      expect(live.rows[0]!.n).toBe(6);
      // Before the slot the room is free now with the booking next; at its start it is booked now.
      const before = (await users[2]!.client.req('GET', `/api/booking/rooms/${rooms[0]}`)).body as { now: string; next: { startsAt: string } | null };
      expect(before.now).toBe('free');
      expect(before.next?.startsAt).toBe(slot(0).startsAt);
      s.clock.advanceMinutes((base - s.clock.t) / 60_000 + 10);
      const during = (await users[3]!.client.req('GET', `/api/booking/rooms/${rooms[0]}`)).body as { now: string; current: { title: string | null } | null };
      expect(during.now).toBe('booked');
      const list = (await manager.req('GET', '/api/booking/rooms')).body as { rooms: { idx: number; now: string }[] };
      expect(list.rooms.find((r) => r.idx === rooms[0])!.now).toBe('booked');
      expect(list.rooms.find((r) => r.idx === rooms[1])!.now).toBe('free');
      const audit = await db().query<{ outcome: string; n: number }>("SELECT outcome, count(*)::int AS n FROM audit_log WHERE action = 'booking.create' GROUP BY outcome ORDER BY outcome");
      expect(audit.rows).toEqual([{ outcome: 'failure', n: 36 }, { outcome: 'success', n: 6 }]);
    });

    it('refuses overlaps, allows back-to-back slots, and checks the request', async () => {
      const u = users[0]!.client;
      // Hours of a local day two days ahead (park time, UTC+8): 19:00-23:00 never crosses midnight,
      // whatever the time the test runs.
      const d = ((Math.floor((base + 8 * HOUR) / (24 * HOUR)) + 2) * 24 * HOUR - 8 * HOUR - base) / HOUR;
      expect((await book(u, rooms[1]!, d + 20, 2)).status).toBe(201);
      expect((await book(u, rooms[1]!, d + 21, 2)).status).toBe(409);
      expect((await book(u, rooms[1]!, d + 19, 1.5)).status).toBe(409);
      expect((await book(u, rooms[1]!, d + 22, 1)).status).toBe(201);
      expect((await book(u, rooms[1]!, d + 19, 1)).status).toBe(201);
      expect((await book(u, rooms[2]!, d + 20, 2)).status).toBe(201);
      const past = await u.req('POST', '/api/booking/bookings', { roomIdx: rooms[1], title: 'x', startsAt: new Date(base - 5 * HOUR).toISOString(), endsAt: new Date(base - 4 * HOUR).toISOString() });
      expect([past.status, past.text.includes('past')]).toEqual([422, true]);
      expect((await book(u, rooms[1]!, 30, 1, { attendees: 9 })).status).toBe(422);
      expect((await book(u, rooms[1]!, 30, 9)).status).toBe(422);
      const odd = await u.req('POST', '/api/booking/bookings', { roomIdx: rooms[1], title: 'x', startsAt: new Date(base + 30 * HOUR + 60_000).toISOString(), endsAt: new Date(base + 31 * HOUR).toISOString() });
      expect(odd.status).toBe(422);
      expect((await u.req('POST', '/api/booking/bookings', { roomIdx: rooms[1], title: '', ...slot(40) })).status).toBe(400);
      expect((await u.req('POST', '/api/booking/bookings', { roomIdx: 999_999, title: 'x', ...slot(40) })).status).toBe(404);
      const viewer = (await s.userWith(['leadership_viewer'])).client;
      expect((await book(viewer, rooms[1]!, 40)).status).toBe(403);
      // The room panel's question for any room: that room only, or nothing (no 404 for ordinary rooms).
      const one = (await viewer.req('GET', `/api/booking/rooms?room=${rooms[1]}`)).body as { rooms: { idx: number }[] };
      expect(one.rooms.map((r) => r.idx)).toEqual([rooms[1]]);
      expect(((await viewer.req('GET', '/api/booking/rooms?room=999999')).body as { rooms: unknown[] }).rooms).toEqual([]);
    });

    it('checks in within the window, releases no-shows (slot free again, booker told), cancels for the booker only', async () => {
      const owner = users[0]!;
      const other = users[1]!;
      const start = Math.ceil(s.clock.t / 300_000) * 300_000 + 20 * 60_000;
      const at = { startsAt: new Date(start).toISOString(), endsAt: new Date(start + HOUR).toISOString() };
      const mk = (room: number) => owner.client.req('POST', '/api/booking/bookings', { roomIdx: room, title: '周例会', attendees: 4, ...at });
      const early = (await mk(rooms[2]!)).body as { id: number };
      const noShow = (await mk(rooms[1]!)).body as { id: number };
      expect((await owner.client.req('POST', `/api/booking/bookings/${early.id}/check-in`)).status).toBe(409);
      // Tenants of another enterprise see neither the title nor may they touch it.
      const seen = (await other.client.req('GET', `/api/booking/rooms/${rooms[2]}/calendar?from=${encodeURIComponent(at.startsAt)}&to=${encodeURIComponent(at.endsAt)}`)).body as { bookings: { id: number; title: string | null }[] };
      expect(seen.bookings.find((b) => b.id === early.id)!.title).toBeNull();
      expect((await other.client.req('POST', `/api/booking/bookings/${early.id}/cancel`)).status).toBe(404);
      s.clock.advanceMinutes((start - s.clock.t) / 60_000 - 10);
      const ci = await owner.client.req('POST', `/api/booking/bookings/${early.id}/check-in`);
      expect([ci.status, (ci.body as { status: string }).status]).toEqual([200, 'checked_in']);
      s.clock.advanceMinutes(10 + 14);
      await releaseJob(s.server.sc);
      expect((await db().query<{ status: string }>('SELECT status FROM booking WHERE id = $1', [noShow.id])).rows[0]!.status).toBe('booked');
      s.clock.advanceMinutes(2);
      expect(await releaseJob(s.server.sc)).toBeGreaterThanOrEqual(1);
      const st = await db().query<{ id: number; status: string }>('SELECT id, status FROM booking WHERE id = ANY($1::int[]) ORDER BY id', [[early.id, noShow.id]]);
      expect(st.rows.map((r) => r.status)).toEqual(['checked_in', 'released']);
      expect(((await owner.client.req('GET', `/api/booking/rooms/${rooms[1]}`)).body as { now: string }).now).toBe('free');
      expect(((await owner.client.req('GET', `/api/booking/rooms/${rooms[2]}`)).body as { now: string }).now).toBe('booked');
      // Told once about this booking (the first test's slot-0 booking may also have been a no-show of theirs).
      const n = await db().query("SELECT 1 FROM kit_notification WHERE user_id = $1 AND kind = 'booking.released' AND link = $2", [owner.id, `/service/booking?booking=${noShow.id}`]);
      expect(n.rows.length).toBe(1);
      expect((await db().query("SELECT 1 FROM audit_log WHERE action = 'booking.release' AND object = $1", [`booking:${noShow.id}`])).rows.length).toBe(1);
      // The released slot can be booked again (from its next 5-minute step on).
      const again = await other.client.req('POST', '/api/booking/bookings', { roomIdx: rooms[1], title: '临时会议', startsAt: new Date(start + 30 * 60_000).toISOString(), endsAt: at.endsAt });
      expect(again.status).toBe(201);
      const id = (again.body as { id: number }).id;
      expect((await owner.client.req('POST', `/api/booking/bookings/${id}/cancel`)).status).toBe(404);
      expect((await other.client.req('POST', `/api/booking/bookings/${id}/cancel`)).status).toBe(200);
      expect((await other.client.req('POST', `/api/booking/bookings/${id}/cancel`)).status).toBe(409);
      const mine = (await other.client.req('GET', '/api/booking/bookings')).body as { bookings: { id: number; status: string }[] };
      expect(mine.bookings.find((b) => b.id === id)!.status).toBe('cancelled');
    });

    it('seeds meeting rooms with booked and free rooms, once', async () => {
      const park = await insertFixturePark(db(), { grid: 1, floors: 1, roomsPerSide: 2, code: 'booking-seed' });
      const r = (await db().query<{ idx: number }>('SELECT r.idx FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1 ORDER BY r.idx LIMIT 3', [park.parkIdx])).rows;
      await db().query("UPDATE room SET use = 'meeting' WHERE idx = ANY($1::int[])", [r.map((x) => x.idx)]);
      await seedBooking(s.server.sc, park.parkIdx);
      const count = async () => (await db().query<{ n: number }>('SELECT count(*)::int AS n FROM booking WHERE room_idx = ANY($1::int[])', [r.map((x) => x.idx)])).rows[0]!.n;
      const n = await count();
      expect(n).toBeGreaterThan(5);
      await seedBooking(s.server.sc, park.parkIdx);
      expect(await count()).toBe(n);
    });
  });
}
