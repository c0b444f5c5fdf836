import type { TwinModule } from './types.ts';
import { DEFAULT_PARK_CODE, seedIfNoPark } from '../seed/index.ts';
import { progressPrinter } from '../cli/seed.ts';

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
    sc.log.info({ ...res.counts, asOf: res.asOf, parkIdx: res.parkIdx }, 'sample park seeded');
  },
};
