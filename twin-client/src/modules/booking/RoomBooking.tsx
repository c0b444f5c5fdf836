/**
 * The room panel's booking section (a bookable meeting room in the 3D twin): free or booked now,
 * today's bookings, and the booking form. Nothing for rooms that are not meeting rooms (404).
 */
import { useCallback, useEffect, useState } from 'react';
import { kitFetch } from '../../kit/api.ts';
import type { SectionProps } from '../types.ts';
import { BookForm, BookingLine, EQUIPMENT, useL, type Booking, type MeetingRoom } from './shared.tsx';
import './booking.css';

/** The section. */
export function RoomBooking({ obj }: SectionProps) {
  const { en, l } = useL();
  const [room, setRoom] = useState<MeetingRoom | null | false>(null);
  const [today, setToday] = useState<Booking[]>([]);
  const load = useCallback(() => {
    // Asked as a list filter: a room that is not a meeting room is an empty list, not a failed request.
    kitFetch<{ rooms: MeetingRoom[] }>('GET', `/api/booking/rooms?room=${obj.idx}`).then((r) => {
      setRoom(r.rooms[0] ?? false);
      if (!r.rooms[0]) return;
      const from = new Date();
      from.setHours(0, 0, 0, 0);
      const to = new Date(from.getTime() + 2 * 86_400_000);
      kitFetch<{ bookings: Booking[] }>('GET', `/api/booking/rooms/${obj.idx}/calendar?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`)
        .then((c) => setToday(c.bookings), () => setToday([]));
    }, () => setRoom(false));
  }, [obj.idx]);
  useEffect(load, [load]);
  if (room === false) return null;
  if (room === null) return <p className="muted">{l('loading')}</p>;
  return (
    <div className="room-booking" data-room-booking={obj.idx} data-now={room.now}>
      <h4>{l('rooms')}</h4>
      <p>
        <span className="booking-now" data-now={room.now}>{l(room.now)}</span>{' '}
        {l('capacity')} {room.capacity}{l('people')} · <span className="booking-equip">{room.equipment.map((e) => EQUIPMENT[e]?.[en] ?? e).join(' / ')}</span>
      </p>
      <ul className="booking-list">
        {today.length === 0 ? <li className="muted">{l('none')}</li> : today.map((b) => <BookingLine key={b.id} b={b} onChange={load} withDay />)}
      </ul>
      <BookForm room={room} onBooked={load} />
    </div>
  );
}
