/**
 * Remote control (issue 15, G3 item 2 / G4): the equipment panel's control section (the device's
 * reported control state, its commands from the type's profile with a setpoint input and mode
 * choice, a second confirmation for risky commands, the outcome of each command live: sent,
 * done, refused, timeout). Server module `control`; docs/control.md.
 */
import { lazy } from 'react';
import type { ClientModule } from '../types.ts';
import { controlI18n } from './i18n.ts';

/** Remote control (server module `control`). */
export const controlClientModule: ClientModule = {
  name: 'control',
  i18n: controlI18n,
  sections: [
    { id: 'control.device', kinds: ['equipment'], title: { zh: '远程控制', en: 'Remote control' }, all: ['equipment:read'], order: 3, component: lazy(() => import('./ControlSection.tsx')) },
  ],
};
