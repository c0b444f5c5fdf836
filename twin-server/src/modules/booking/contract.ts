/** Route-contract cases of the booking module (one per route; collected by twin-server/src/http/openapi.test.ts). */
import { q, type ContractCases, type Fixture } from '../../http/contract.ts';

const HOUR = 3_600_000;
let slot = 0;
/** The fixture's room made a bookable meeting room (once), open all day. */
async function room(f: Fixture): Promise<number> {
  await f.s.server.sc.db.query("INSERT INTO booking_room (room_idx, capacity, equipment, open_from, open_until) VALUES ($1, 10, '{projector}', 0, 24) ON CONFLICT DO NOTHING", [f.ids.room]);
  return f.ids.room;
}
/** A fresh future slot (whole hours from tomorrow on). */
function nextSlot(f: Fixture) {
  const t = Math.ceil(f.s.clock.t / HOUR) * HOUR + (24 + slot++) * HOUR;
  return { startsAt: new Date(t).toISOString(), endsAt: new Date(t + HOUR).toISOString() };
}
async function booked(f: Fixture): Promise<{ client: Awaited<ReturnType<Fixture['as']>>; id: number }> {
  const client = await f.as('booking:book');
  const r = await client.req('POST', '/api/booking/bookings', { roomIdx: await room(f), title: '例会', attendees: 2, ...nextSlot(f) });
  return { client, id: (r.body as { id: number }).id };
}

export const CONTRACT: ContractCases = {
  'GET /api/booking/rooms': async (f) => (await room(f), { client: await f.as('booking:read'), path: `/api/booking/rooms${q({ minCapacity: 2 })}` }),
  'GET /api/booking/rooms/:idx': async (f) => ({ client: await f.as('booking:read'), path: `/api/booking/rooms/${await room(f)}` }),
  'GET /api/booking/rooms/:idx/calendar': async (f) => {
    const s = nextSlot(f);
    return { client: await f.as('booking:read'), path: `/api/booking/rooms/${await room(f)}/calendar${q({ from: s.startsAt, to: s.endsAt })}` };
  },
  'GET /api/booking/bookings': async (f) => ({ client: (await booked(f)).client, path: '/api/booking/bookings' }),
  'POST /api/booking/bookings': async (f) => ({ client: await f.as('booking:book'), path: '/api/booking/bookings', body: { roomIdx: await room(f), title: '评审会', attendees: 3, ...nextSlot(f) } }),
  'POST /api/booking/bookings/:id/check-in': async (f) => {
    // Check-in opens 15 minutes before the start: a slot starting in 10 minutes.
    const client = await f.as('booking:book');
    const t = Math.ceil((f.s.clock.t + 10 * 60_000) / 300_000) * 300_000;
    await f.s.server.sc.db.query("UPDATE booking SET status = 'cancelled' WHERE room_idx = $1 AND starts_at < $2 AND ends_at > $3", [await room(f), new Date(t + 5 * 60_000), new Date(t)]);
    const r = await client.req('POST', '/api/booking/bookings', { roomIdx: await room(f), title: '签到', attendees: 2, startsAt: new Date(t).toISOString(), endsAt: new Date(t + 5 * 60_000).toISOString() });
    return { client, path: `/api/booking/bookings/${(r.body as { id: number }).id}/check-in` };
  },
  'POST /api/booking/bookings/:id/cancel': async (f) => {
    const b = await booked(f);
    return { client: b.client, path: `/api/booking/bookings/${b.id}/cancel` };
  },
  'GET /api/booking/equipment': async (f) => ({ client: await f.as('booking:read'), path: '/api/booking/equipment' }),
};
