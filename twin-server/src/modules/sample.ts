import type { ServerContext } from '../context.ts';
import type { TwinModule } from './types.ts';
import { DEFAULT_PARK_CODE, seedIfNoPark, type SeedProgress } from '../seed/index.ts';

/** Prints `seed: rooms 3120/4200` lines, at most one per stage per 10 % step. */
export function progressPrinter(print: (line: string) => void): (p: SeedProgress) => void {
  let stage = '';
  let step = -1;
  return (p) => {
    const s = p.total > 0 ? Math.floor((p.done / p.total) * 10) : 10;
    if (p.stage === stage && s === step) return;
    stage = p.stage;
    step = s;
    print(`seed: ${p.stage} ${p.done}/${p.total}`);
  };
}

const seededOn = new WeakMap<ServerContext, number>();

/**
 * The park this server's start just seeded (so the host runs the modules' seed hooks on it), or
 * undefined when the start found a park already there.
 */
export function sampleParkSeeded(sc: ServerContext): number | undefined {
  return seededOn.get(sc);
}

/**
 * Seeds the sample park on the first start (TWIN_SEED_ON_START, on by default) so `npm start`
 * on a fresh machine comes up with a park; a database that has any park is left alone.
 */
export const sampleParkModule: TwinModule = {
  name: 'sample-park',
  async initialize(sc) {
    if (!sc.config.seedOnStart) return;
    const r = await sc.db.query<{ n: number }>('SELECT count(*)::int AS n FROM park');
    if ((r.rows[0]?.n ?? 0) > 0) return;
    const { seed, scale } = sc.config;
    sc.log.info({ seed, scale, code: DEFAULT_PARK_CODE }, 'no park yet: seeding the sample park');
    const print = progressPrinter((line) => {
      sc.log.info(line);
      if (process.stdout.isTTY) console.log(line);
    });
    const res = await seedIfNoPark(sc.db, { seed, scale, code: DEFAULT_PARK_CODE, onProgress: print });
    if (!res) return; // another server seeded first
    seededOn.set(sc, res.parkIdx);
    sc.log.info({ ...res.counts, asOf: res.asOf, parkIdx: res.parkIdx }, 'sample park seeded');
  },
};
