import { loadConfig } from '../config.ts';
import { openDb, migrate } from '../db/index.ts';
import { UsageError, numberFlag, type Args } from './args.ts';
import type { Command } from './commands.ts';
import { DEFAULT_PARK_CODE, parkChecksum, seedPark, type SeedProgress } from '../seed/index.ts';

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

/** `twin seed`: generate the deterministic sample park (replacing one with the same code). */
export const seedCommand: Command = {
  summary: 'generate the deterministic sample science park (replaces a park with the same code)',
  usage: `twin seed [--seed N] [--scale S] [--code CODE] [--checksum]
  --seed N      PRNG seed, a whole number (default TWIN_SEED or 20261125)
  --scale S     park size: 1 = ~28 buildings / 4,000 rooms, 0.1 tiny, 20 for benchmarks (0.05-100)
  --code CODE   park code, a-z 0-9 and - (default ${DEFAULT_PARK_CODE})
  --checksum    print the SHA-256 checksum of the park's data afterwards`,
  async run(args: Args) {
    const config = loadConfig();
    const seed = numberFlag(args, 'seed', config.seed, 0, 2 ** 31 - 1);
    if (!Number.isInteger(seed)) throw new UsageError(`--seed must be a whole number, got ${seed}`);
    const scale = numberFlag(args, 'scale', config.scale, 0.05, 100);
    const codeFlag = args.flags.code;
    if (codeFlag === true) throw new UsageError('--code needs a value');
    const code = codeFlag ?? DEFAULT_PARK_CODE;
    if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(code)) throw new UsageError(`--code must be 2-63 characters of a-z, 0-9 and -, got ${JSON.stringify(code)}`);
    if (args.positional.length > 0) throw new UsageError(`unexpected argument ${args.positional[0]}`);
    const db = await openDb(config.db);
    try {
      await migrate(db);
      const t0 = Date.now();
      const r = await seedPark(db, { seed, scale, code, onProgress: progressPrinter((l) => console.log(l)) });
      const c = r.counts;
      console.log(
        `seed: ${r.replaced ? 'replaced' : 'created'} park ${r.code} (seed ${seed}, scale ${scale}, as of ${r.asOf}) on ${db.backend} in ${((Date.now() - t0) / 1000).toFixed(1)} s: ` +
          `${c.buildings} buildings, ${c.floors} floors, ${c.rooms} rooms, ${c.equipment} equipment, ${c.enterprises} enterprises, ` +
          `${c.pipeSegments} pipe segments, ${c.objects} twin objects`,
      );
      if (args.flags.checksum) console.log(`checksum ${await parkChecksum(db, code)}`);
    } finally {
      await db.close();
    }
  },
};
