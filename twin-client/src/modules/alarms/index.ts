/**
 * The alarm console (issue 15): the `/alarms` view (live list with filters, acknowledge, comment,
 * assign, shelve, clear, fly to the object; counts per severity; sound and banner for new critical
 * alarms) and `/alarms/rules` (the configurable alarm rules), for the security operator,
 * maintenance and (read-only) leadership; the object panel's open alarms of the object; and the
 * alarm dock on the twin view and the command wall (counts per severity, live list, fly to).
 * Server module `alarms`.
 */
import { lazy } from 'react';
import type { ClientModule } from '../types.ts';
import { alarmsI18n } from './i18n.ts';

/** Alarms (server module `alarms`). */
export const alarmsClientModule: ClientModule = {
  name: 'alarms',
  i18n: alarmsI18n,
  views: [
    { path: '/alarms', nav: { zh: '告警台', en: 'Alarms' }, all: ['alarm:read'], order: 15, component: lazy(() => import('./AlarmConsole.tsx')) },
    { path: '/alarms/rules', nav: { zh: '告警规则', en: 'Alarm rules' }, all: ['alarm:read'], order: 16, component: lazy(() => import('./RulesPage.tsx')) },
  ],
  docks: [
    // Compact live list with the counts per severity on the twin and the wall; a click flies to the object.
    { id: 'alarms.dock', hosts: ['twin', 'wall'], all: ['alarm:read'], order: 10, component: lazy(() => import('./AlarmDock.tsx')) },
  ],
  sections: [
    { id: 'alarms.object', kinds: '*', title: { zh: '告警', en: 'Alarms' }, all: ['alarm:read'], order: 5, component: lazy(() => import('./ObjectAlarms.tsx')) },
  ],
};
