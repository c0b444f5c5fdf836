import type { TwinModule } from './types.ts';
import { healthModule } from './health.ts';

/**
 * Every server module, in initialize order. Adding a module is one import and one entry here.
 */
export function allModules(): TwinModule[] {
  return [healthModule];
}
