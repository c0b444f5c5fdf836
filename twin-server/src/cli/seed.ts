import { loadConfig, type Config } from '../config.ts';
import { openDb, migrate, type Db } from '../db/index.ts';
import { createLogger, type Logger } from '../log.ts';
import { UsageError, numberFlag, type Args } from './args.ts';
import type { Command } from './command.ts';
import { DEFAULT_PARK_CODE, parkChecksum, seedPark, type SeedResult } from '../seed/index.ts';
import { allModules } from '../modules/index.ts';
import { runModuleSeeds, selectModules } from '../modules/kit.ts';
import { progressPrinter } from '../modules/sample.ts';
import type { TwinModule } from '../modules/types.ts';

export { progressPrinter };

/**
 * What `twin seed` does, minus argument parsing: migrates (core and the enabled modules' own
 * migrations), writes the park, then runs each enabled module's seed hook on it.
 */
export async function seedWithModules(
  db: Db,
  config: Config,
  opts: { seed: number; scale: number; code: string; log?: Logger; modules?: readonly TwinModule[]; print?: (line: string) => void },
): Promise<{ park: SeedResult; modules: string[] }> {
  const modules = selectModules(opts.modules ?? allModules(), config.modules);
  await migrate(db, { modules });
  const park = await seedPark(db, { seed: opts.seed, scale: opts.scale, code: opts.code, onProgress: progressPrinter(opts.print ?? (() => {})) });
  const ran = await runModuleSeeds({ config, db, log: opts.log ?? createLogger(config.logLevel) }, modules, park.parkIdx);
  return { park, modules: ran };
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
      const t0 = Date.now();
      const { park: r, modules } = await seedWithModules(db, config, { seed, scale, code, print: (l) => console.log(l) });
      const c = r.counts;
      console.log(
        `seed: ${r.replaced ? 'replaced' : 'created'} park ${r.code} (seed ${seed}, scale ${scale}, as of ${r.asOf}) on ${db.backend} in ${((Date.now() - t0) / 1000).toFixed(1)} s: ` +
          `${c.buildings} buildings, ${c.floors} floors, ${c.rooms} rooms, ${c.equipment} equipment, ${c.enterprises} enterprises, ` +
          `${c.pipeSegments} pipe segments, ${c.objects} twin objects`,
      );
      if (modules.length > 0) console.log(`seed: module sample data: ${modules.join(', ')}`);
      if (args.flags.checksum) console.log(`checksum ${await parkChecksum(db, code)}`);
    } finally {
      await db.close();
    }
  },
};
