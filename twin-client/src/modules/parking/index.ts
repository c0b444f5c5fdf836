/**
 * Monthly parking cards (issue 19, P2): the `/service/parking` view (car parks with vehicles in
 * now, cards, application, approval and payment) and the car-park section of a car park's room
 * panel in the 3D twin (occupancy, cards, apply). Occupancy is live in 3D on the occupancy layer
 * (the simulator's barrier gates count vehicles through the normal ingest path).
 */
import { lazy } from 'react';
import type { ClientModule } from '../types.ts';

const LotSection = lazy(() => import('./LotSection.tsx').then((m) => ({ default: m.LotSection })));

/** Parking (server module `parking`). */
export const parkingClientModule: ClientModule = {
  name: 'parking',
  views: [
    { path: '/service/parking', nav: { zh: '停车月卡', en: 'Parking cards' }, all: ['parking:read'], order: 64, component: lazy(() => import('./ParkingPage.tsx')) },
  ],
  sections: [
    // No panel title: the section renders its own heading, and nothing for rooms that are not car parks.
    { id: 'parking.lot', kinds: ['room'], all: ['parking:read'], order: 47, component: LotSection },
  ],
};
