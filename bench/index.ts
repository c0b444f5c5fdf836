/**
 * Benchmarks, soak drivers and their helpers live here, outside the production folders: `twin
 * bench` loads this table by a computed path, so nothing under twin-server/src or twin-client/src
 * imports a benchmark. Each area registers its own with one line.
 */
import type { Bench } from './types.ts';

export type { Bench } from './types.ts';

/** Benchmarks by name, loaded when run. */
export const BENCHES: Record<string, () => Promise<Bench>> = {
  import: async () => (await import('./import.ts')).importBench,
  tiler: async () => (await import('./tiler.ts')).tilerBench,
  auth: async () => (await import('./auth.ts')).authBench,
  map: async () => (await import('./map.ts')).mapBench,
  invest: async () => (await import('./invest.ts')).investBench,
  stream: async () => (await import('./stream.ts')).streamBench,
  scene: async () => (await import('./scene.ts')).sceneBench,
  wall: async () => (await import('./wall-soak.ts')).wallSoak,
  alarms: async () => (await import('./alarms.ts')).alarmsBench,
  video: async () => (await import('./video.ts')).videoBench,
  lists: async () => (await import('./lists.ts')).listsBench,
  kpi: async () => (await import('./kpi.ts')).kpiBench,
  xr: async () => (await import('./xr.ts')).xrBench,
};
