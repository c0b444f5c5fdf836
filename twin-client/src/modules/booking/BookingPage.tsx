/**
 * /service/booking: the park's meeting rooms as a list (free or booked now, capacity, equipment,
 * the next booking; filter by capacity), each bookable from the list, and the caller's bookings
 * with check-in and cancel. "Show in 3D" opens the twin at the room with the meeting-room layer.
 */
import { useCallback, useEffect, useState } from 'react';
import { kitFetch } from '../../kit/api.ts';
import { twinHref } from '../../app/links.tsx';
import { BookForm, BookingLine, EQUIPMENT, useL, type Booking, type MeetingRoom } from './shared.tsx';
import './booking.css';

/** The view. */
export default function BookingPage() {
  const { en, l, time } = useL();
  const [rooms, setRooms] = useState<MeetingRoom[] | null>(null);
  const [mine, setMine] = useState<Booking[]>([]);
  const [open, setOpen] = useState<number | null>(null);
  const [minCap, setMinCap] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const park = new URLSearchParams(location.search).get('park');
  const load = useCallback(() => {
    const q = new URLSearchParams();
    if (park) q.set('park', park);
    if (minCap) q.set('minCapacity', String(minCap));
    kitFetch<{ rooms: MeetingRoom[] }>('GET', `/api/booking/rooms?${q}`).then((r) => setRooms(r.rooms), (e: Error) => setError(e.message));
    kitFetch<{ bookings: Booking[] }>('GET', '/api/booking/bookings?limit=30').then((r) => setMine(r.bookings), () => setMine([]));
  }, [park, minCap]);
  useEffect(load, [load]);
  return (
    <div className="booking-page" data-view="booking">
      <section className="panel">
        <h3>{l('rooms')}</h3>
        <div className="booking-filter">
          <label>{l('minCap')} <select value={minCap} onChange={(e) => setMinCap(Number(e.target.value))} data-booking-filter="capacity">
            {[0, 6, 10, 20, 40].map((n) => <option key={n} value={n}>{n ? `${n}${l('people')}` : l('any')}</option>)}
          </select></label>
        </div>
        {error && <p className="booking-msg booking-error" role="alert">{error}</p>}
        {rooms === null ? <p className="muted">{l('loading')}</p> : (
          <ul className="booking-rooms">
            {rooms.map((r) => (
              <li key={r.idx} data-room={r.idx} data-now={r.now}>
                <div className="room-head">
                  <strong>{en && r.nameEn ? r.nameEn : r.name}</strong>
                  <span className="muted">{en && r.buildingEn ? r.buildingEn : r.building} · {r.level}F</span>
                  <span className="booking-now" data-now={r.now}>{l(r.now)}</span>
                  <button type="button" onClick={() => setOpen(open === r.idx ? null : r.idx)} data-booking-open={r.idx}>{l('book')}</button>
                </div>
                <div className="booking-equip">
                  {l('capacity')} {r.capacity}{l('people')} · {r.equipment.map((e) => EQUIPMENT[e]?.[en] ?? e).join(' / ')}
                  {r.next && <> · {l('next')}{time(r.next.startsAt)}–{time(r.next.endsAt)}</>}
                  {' '}<a href={twinHref(r.idx, { layer: 'booking' })}>{l('showIn3d')}</a>
                </div>
                {open === r.idx && <BookForm room={r} onBooked={load} />}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="panel">
        <h3>{l('mine')}</h3>
        <ul className="booking-list" data-booking-mine>
          {mine.length === 0 ? <li className="muted">{l('none')}</li> : mine.map((b) => <BookingLine key={b.id} b={b} onChange={load} withDay />)}
        </ul>
      </section>
    </div>
  );
}
