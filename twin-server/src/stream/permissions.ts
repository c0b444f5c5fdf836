import { ACTIONS, MODULES, type Permission } from '../auth/types.ts';

/** Every permission there is (tests and the bench use an all-permissions principal). */
export const PERMISSIONS_ALL: readonly Permission[] = MODULES.flatMap((m) => ACTIONS.map((a) => `${m}:${a}` as Permission));
