/**
 * Time machine (issue 20): the time slider on the twin replays past live-layer colours from the
 * server's minute and hour roll-ups. Server module `timemachine`. The bar itself is placed by the
 * twin view (TimeMachineBar); this registration brings its strings and the module switch.
 */
import type { ClientModule } from '../types.ts';
import { timemachineI18n } from './i18n.ts';

export const timemachineClientModule: ClientModule = {
  name: 'timemachine',
  i18n: timemachineI18n,
};
