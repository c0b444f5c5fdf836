/**
 * Meeting venue booking (issue 19, P2): the `/service/booking` view (rooms list with booking,
 * one's own bookings) and the room panel's booking section (free or booked now, today's
 * bookings, the booking form) for bookable meeting rooms in the 3D twin. The twin's "会议室 /
 * Meeting rooms" layer colours them free or booked now (scene/controller.ts, pushed on the stream).
 */
import { lazy } from 'react';
import type { ClientModule } from '../types.ts';

const RoomBooking = lazy(() => import('./RoomBooking.tsx').then((m) => ({ default: m.RoomBooking })));

/** Booking (server module `booking`). */
export const bookingClientModule: ClientModule = {
  name: 'booking',
  views: [
    { path: '/service/booking', nav: { zh: '会议室预订', en: 'Meeting rooms' }, all: ['booking:read'], order: 61, component: lazy(() => import('./BookingPage.tsx')) },
  ],
  sections: [
    // No panel title: the section renders its own heading, and nothing for rooms that are not meeting rooms.
    { id: 'booking.room', kinds: ['room'], all: ['booking:read'], order: 45, component: RoomBooking },
  ],
};
