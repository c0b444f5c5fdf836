/**
 * Meeting venue booking (issue 19, P2 service centre). Bookable rooms (capacity, equipment,
 * opening hours) are twin rooms; a calendar per room and day; booking is conflict-free under
 * concurrency (an exclusion constraint decides races: exactly one of two users booking one slot
 * at once wins, the other gets a 409 naming the slot); check-in from CHECK_IN_MINUTES before the
 * start; a module job releases bookings nobody checked in for (no-shows). The room panel shows
 * whether a room is free or booked now (GET /api/booking/rooms/:idx), and twins are told of every
 * change on the stream (`booking.rooms`).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { TwinModule } from '../types.ts';
import type { ServerContext } from '../../context.ts';
import type { TwinContext } from '../../http/route.ts';
import type { Principal } from '../../auth/types.ts';
import { authService } from '../../auth/index.ts';
import { withStatus } from '../../http/openapi.ts';
import { bodyOf, paramsOf, queryOf } from '../../http/input.ts';
import { notify } from '../../kit/notifications/service.ts';
import { liveRuntimeOf } from '../live.ts';
import { bookingsIn, CHECK_IN_MINUTES, EQUIPMENT, getBooking, insertBooking, listRooms, releaseNoShows, toBooking, type Viewer } from './service.ts';
import { seedBooking } from './seed.ts';

const MINUTE = 60_000;
const iso = z.string().datetime({ offset: true });
const idxParams = z.object({ idx: z.coerce.number<string>().int().min(1).max(0x7fffffff) });
const idParams = z.object({ id: z.coerce.number<string>().int().min(1).max(0x7fffffff) });
const roomsQuery = z.object({
  park: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/).optional(),
  minCapacity: z.coerce.number<string>().int().min(1).max(1000).optional(),
  equipment: z.string().regex(/^[a-z_]+(,[a-z_]+)*$/).optional(),
  /** One room (the room panel asks for any room: an empty list, not a 404, for a room that is not bookable). */
  room: z.coerce.number<string>().int().min(1).max(0x7fffffff).optional(),
});
const windowQuery = z.object({ from: iso, to: iso });
const mineQuery = z.object({ limit: z.coerce.number<string>().int().min(1).max(200).default(50) });
const createBody = z.object({
  roomIdx: z.number().int().min(1),
  title: z.string().trim().min(1).max(100),
  attendees: z.number().int().min(1).max(1000).default(1),
  startsAt: iso,
  endsAt: iso,
}).strict();

const booking = z.object({
  id: z.number(), roomIdx: z.number(), title: z.string().nullable(), attendees: z.number(), bookedByName: z.string().nullable(), mine: z.boolean(),
  enterpriseIdx: z.number().nullable(), startsAt: z.string(), endsAt: z.string(), status: z.enum(['booked', 'checked_in', 'cancelled', 'released']), checkedInAt: z.string().nullable(),
});
const roomNow = z.object({
  idx: z.number(), code: z.string(), name: z.string(), nameEn: z.string().nullable(), building: z.string(), buildingEn: z.string().nullable(), level: z.number(),
  capacity: z.number(), equipment: z.array(z.string()),
  /** 'booked' while a live booking covers now (checked in or not yet), else 'free'. */
  now: z.enum(['free', 'booked']),
  current: booking.nullable(),
  next: booking.nullable(),
});

/** The stream message telling twins that rooms' bookings changed. */
export interface BookingRoomsMessage { type: 'booking.rooms'; rooms: number[] }

const viewer = (p: Principal): Viewer => ({ id: p.id, enterpriseIdx: p.enterpriseIdx ?? null, manager: p.permissions.has('booking:manage' as never) });

function pushRooms(sc: ServerContext, rooms: readonly number[]): void {
  if (rooms.length === 0) return;
  const m: BookingRoomsMessage = { type: 'booking.rooms', rooms: [...new Set(rooms)] };
  setTimeout(() => liveRuntimeOf(sc)?.stream?.broadcast(m, 'booking:read' as never), 10);
}

async function roomsNow(sc: ServerContext, parkIdx: number | null, v: Viewer, now: Date, room: number | null = null) {
  const rooms = await listRooms(sc.db, parkIdx, room);
  const ahead = await bookingsIn(sc.db, rooms.map((r) => r.idx), now, new Date(now.getTime() + 24 * 60 * MINUTE), v);
  return rooms.map((r) => {
    const mine = ahead.filter((b) => b.roomIdx === r.idx);
    const current = mine.find((b) => Date.parse(b.startsAt) <= now.getTime()) ?? null;
    const next = mine.find((b) => Date.parse(b.startsAt) > now.getTime()) ?? null;
    return { ...r, now: current ? 'booked' as const : 'free' as const, current, next };
  });
}

/** Runs the no-show release once (the module job; exported for tests). */
export async function releaseJob(sc: ServerContext): Promise<number> {
  const auth = authService(sc);
  const now = auth.now();
  const released = await sc.db.transaction(async (tx) => {
    const rows = await releaseNoShows(tx, now);
    for (const b of rows) {
      await auth.auditIn(tx, { action: 'booking.release', outcome: 'success', actor: { kind: 'system', name: 'no-show release' }, object: `booking:${b.id}`, detail: { room: b.room_idx } });
      if (b.booked_by) {
        await notify(sc, { to: [b.booked_by], kind: 'booking.released', link: `/service/booking?booking=${b.id}`,
          title: { zh: `会议室预订未签到，已释放：${b.title}`, en: `Meeting room released (no check-in): ${b.title}` } }, tx);
      }
    }
    return rows;
  });
  pushRooms(sc, released.map((b) => b.room_idx));
  return released.length;
}

/** The booking module. */
export const bookingModule: TwinModule = {
  name: 'booking',
  migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
  permissions: [
    { permission: 'booking:read', summary: 'See meeting rooms, their calendars and whether they are free now', roles: ['property_manager', 'enterprise_user', 'investment', 'maintenance', 'leadership_viewer', 'security_operator'] },
    { permission: 'booking:book', summary: 'Book a meeting room; check in or cancel one\'s own booking', roles: ['enterprise_user', 'property_manager', 'investment'] },
    { permission: 'booking:manage', summary: 'Check in or cancel anyone\'s booking', roles: ['property_manager'] },
  ],
  routes: (sc) => {
    const auth = () => authService(sc);
    const parkIdxOf = async (ctx: TwinContext, code: string | undefined) => {
      if (!code) return null;
      const r = await sc.db.query<{ idx: number }>('SELECT idx FROM park WHERE code = $1', [code]);
      return r.rows[0]?.idx ?? ctx.throw(404, `no park ${code}`);
    };
    const actor = (p: Principal) => ({ kind: p.kind, id: p.id, name: p.name });
    /** Loads a booking for a change by its booker (or a manager); refusals audited. */
    const change = async (ctx: TwinContext, id: number, action: 'check_in' | 'cancel') => {
      const p = ctx.state.principal!;
      const v = viewer(p);
      const now = auth().now();
      type Out = { status: number; message: string } | { row: Awaited<ReturnType<typeof getBooking>> };
      const out: Out = await sc.db.transaction(async (tx): Promise<Out> => {
        const b = await getBooking(tx, id, true);
        const refuse = async (status: number, message: string, outcome: 'denied' | 'failure') => {
          await auth().auditIn(tx, { action: `booking.${action}`, outcome, actor: actor(p), object: `booking:${id}`, source: ctx.ip, detail: { status, reason: message } });
          return { status, message };
        };
        // Another enterprise's booking is not revealed to a tenant.
        if (!b || (!v.manager && v.enterpriseIdx !== null && b.enterprise_idx !== v.enterpriseIdx && b.booked_by !== p.id)) return refuse(404, `no booking ${id}`, 'failure');
        if (!v.manager && b.booked_by !== p.id) return refuse(403, 'only the person who booked (or property management) may do this', 'denied');
        if (b.status !== 'booked' && !(action === 'cancel' && b.status === 'checked_in' && now < b.ends_at)) return refuse(409, `the booking is ${b.status}`, 'failure');
        if (action === 'check_in') {
          if (now.getTime() < b.starts_at.getTime() - CHECK_IN_MINUTES * MINUTE) return refuse(409, `check-in opens ${CHECK_IN_MINUTES} minutes before the start`, 'failure');
          if (now >= b.ends_at) return refuse(409, 'the booking is over', 'failure');
        } else if (now >= b.ends_at) return refuse(409, 'the booking is over', 'failure');
        const r = await tx.query<NonNullable<Awaited<ReturnType<typeof getBooking>>>>(
          action === 'check_in'
            ? `UPDATE booking SET status = 'checked_in', checked_in_at = $2 WHERE id = $1 RETURNING *`
            : `UPDATE booking SET status = 'cancelled', closed_at = $2 WHERE id = $1 RETURNING *`, [id, now]);
        await auth().auditIn(tx, { action: `booking.${action}`, outcome: 'success', actor: actor(p), object: `booking:${id}`, source: ctx.ip, detail: { room: b.room_idx } });
        return { row: r.rows[0]! };
      });
      if ('status' in out) return ctx.throw(out.status, out.message);
      pushRooms(sc, [out.row!.room_idx]);
      ctx.body = toBooking(out.row!, v);
    };
    return [
      {
        method: 'GET', path: '/api/booking/rooms', permission: 'booking:read', query: roomsQuery, response: z.object({ rooms: z.array(roomNow), at: z.string() }), errors: [404],
        summary: 'Bookable meeting rooms (capacity, equipment) with whether each is free or booked now and its next booking; filter by park, capacity, equipment or one room',
        async handler(ctx) {
          const q = queryOf(ctx, roomsQuery);
          const now = auth().now();
          const want = q.equipment ? q.equipment.split(',') : [];
          const rooms = (await roomsNow(sc, await parkIdxOf(ctx, q.park), viewer(ctx.state.principal!), now, q.room ?? null))
            .filter((r) => (q.minCapacity ? r.capacity >= q.minCapacity : true) && want.every((e) => r.equipment.includes(e)));
          ctx.body = { rooms, at: now.toISOString() };
        },
      },
      {
        method: 'GET', path: '/api/booking/rooms/:idx', permission: 'booking:read', params: idxParams, response: roomNow, errors: [404],
        summary: 'One meeting room now (the room panel\'s section): free or booked, the current and next booking',
        async handler(ctx) {
          const { idx } = paramsOf(ctx, idxParams);
          const r = await roomsNow(sc, null, viewer(ctx.state.principal!), auth().now(), idx);
          if (!r[0]) return ctx.throw(404, `room ${idx} is not a bookable meeting room`);
          ctx.body = r[0];
        },
      },
      {
        method: 'GET', path: '/api/booking/rooms/:idx/calendar', permission: 'booking:read', params: idxParams, query: windowQuery,
        response: z.object({ bookings: z.array(booking) }), errors: [404],
        summary: 'A room\'s live bookings overlapping [from, to) (at most 31 days)',
        async handler(ctx) {
          const { idx } = paramsOf(ctx, idxParams);
          const q = queryOf(ctx, windowQuery);
          const from = new Date(q.from);
          const to = new Date(q.to);
          if (to <= from || to.getTime() - from.getTime() > 31 * 24 * 60 * MINUTE) ctx.throw(400, 'to must be after from, at most 31 days');
          if ((await listRooms(sc.db, null, idx)).length === 0) return ctx.throw(404, `room ${idx} is not a bookable meeting room`);
          ctx.body = { bookings: await bookingsIn(sc.db, [idx], from, to, viewer(ctx.state.principal!)) };
        },
      },
      {
        method: 'GET', path: '/api/booking/bookings', permission: 'booking:read', query: mineQuery, response: z.object({ bookings: z.array(booking) }),
        summary: 'The caller\'s own bookings, newest start first (all states)',
        async handler(ctx) {
          const p = ctx.state.principal!;
          const { limit } = queryOf(ctx, mineQuery);
          const r = await sc.db.query<Parameters<typeof toBooking>[0]>(
            `SELECT id, room_idx, title, attendees, booked_by, booked_by_name, enterprise_idx, starts_at, ends_at, status, checked_in_at FROM booking
             WHERE booked_by = $1 ORDER BY starts_at DESC, id DESC LIMIT $2`, [p.id, limit]);
          ctx.body = { bookings: r.rows.map((b) => toBooking(b, viewer(p))) };
        },
      },
      {
        method: 'POST', path: '/api/booking/bookings', permission: 'booking:book', body: createBody, response: withStatus(201, booking.extend({})), errors: [404, 409, 422],
        summary: 'Book a room for [startsAt, endsAt) (5-minute steps, at most 8 hours, within opening hours, not in the past, attendees within capacity); a slot already taken: 409',
        async handler(ctx) {
          const b = bodyOf(ctx, createBody);
          const p = ctx.state.principal!;
          const now = auth().now();
          const start = new Date(b.startsAt);
          const end = new Date(b.endsAt);
          const room = (await sc.db.query<{ capacity: number; open_from: number; open_until: number; tz: string }>(
            `SELECT br.capacity, br.open_from, br.open_until, pk.timezone AS tz FROM booking_room br JOIN room r ON r.idx = br.room_idx JOIN building bu ON bu.idx = r.building_idx
             JOIN park pk ON pk.idx = bu.park_idx WHERE br.room_idx = $1 AND br.bookable`, [b.roomIdx])).rows[0];
          if (!room) return ctx.throw(404, `room ${b.roomIdx} is not a bookable meeting room`);
          const problems: string[] = [];
          if (start.getTime() % (5 * MINUTE) !== 0 || end.getTime() % (5 * MINUTE) !== 0) problems.push('start and end must be on 5-minute steps');
          if (end <= start) problems.push('the end must be after the start');
          if (end.getTime() - start.getTime() > 8 * 60 * MINUTE) problems.push('at most 8 hours');
          if (end.getTime() <= now.getTime()) problems.push('the slot is in the past');
          if (b.attendees > room.capacity) problems.push(`the room seats ${room.capacity}`);
          const hour = (d: Date) => Number(new Intl.DateTimeFormat('en-GB', { hour: 'numeric', minute: 'numeric', hourCycle: 'h23', timeZone: room.tz }).format(d).replace(':', '.'));
          const day = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: room.tz }).format(d);
          // An end at local midnight is 24:00 of the start's day (ICU writes it as 00:00 or 24:00, by version).
          const endsAtMidnight = hour(end) === 0 || hour(end) === 24;
          const endHour = endsAtMidnight ? 24 : hour(end);
          const sameDay = day(start) === day(endsAtMidnight ? new Date(end.getTime() - 1) : end);
          if (!sameDay) problems.push('a booking ends on the day it starts (book the next day separately)');
          else if (hour(start) < room.open_from || endHour > room.open_until) problems.push(`the room is open ${room.open_from}:00–${room.open_until}:00`);
          if (problems.length) return ctx.throw(422, problems.join('; '));
          const result = await sc.db.transaction(async (tx) => {
            const r = await insertBooking(tx, { roomIdx: b.roomIdx, title: b.title, attendees: b.attendees, startsAt: start, endsAt: end, bookedBy: p.id, bookedByName: p.name, enterpriseIdx: p.enterpriseIdx ?? null, now });
            await auth().auditIn(tx, { action: 'booking.create', outcome: r.ok ? 'success' : 'failure', actor: actor(p), object: r.ok ? `booking:${r.row.id}` : `room:${b.roomIdx}`, source: ctx.ip,
              detail: { room: b.roomIdx, startsAt: start.toISOString(), endsAt: end.toISOString(), ...(r.ok ? {} : { conflict: r.conflict?.id ?? null }) } });
            return r;
          });
          if (!result.ok) {
            const c = result.conflict;
            return ctx.throw(409, c ? `the room is already booked from ${c.startsAt} to ${c.endsAt}` : 'the room is already booked for that time');
          }
          pushRooms(sc, [b.roomIdx]);
          ctx.status = 201;
          ctx.body = toBooking(result.row, viewer(p));
        },
      },
      {
        method: 'POST', path: '/api/booking/bookings/:id/check-in', permission: 'booking:book', params: idParams, response: booking, errors: [404, 409],
        summary: `Check in (from ${CHECK_IN_MINUTES} minutes before the start until the end); by the booker or property management`,
        async handler(ctx) {
          await change(ctx, paramsOf(ctx, idParams).id, 'check_in');
        },
      },
      {
        method: 'POST', path: '/api/booking/bookings/:id/cancel', permission: 'booking:book', params: idParams, response: booking, errors: [404, 409],
        summary: 'Cancel a booking (frees the slot at once); by the booker or property management',
        async handler(ctx) {
          await change(ctx, paramsOf(ctx, idParams).id, 'cancel');
        },
      },
      {
        method: 'GET', path: '/api/booking/equipment', permission: 'booking:read', response: z.object({ equipment: z.array(z.string()) }),
        summary: 'The equipment kinds a room may have',
        async handler(ctx) {
          ctx.body = { equipment: [...EQUIPMENT] };
        },
      },
    ];
  },
  jobs: (sc) => [{ name: 'no-show-release', everyMs: 60_000, run: async () => { await releaseJob(sc); } }],
  seed: (sc, park) => seedBooking(sc, park.parkIdx),
};
