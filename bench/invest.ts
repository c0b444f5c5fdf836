/**
 * `twin bench invest`: the investment view's queries on the seeded sample park, side by side in
 * one run on the embedded PGlite and on PostgreSQL + PostGIS (skipped with a note when absent):
 * the unfiltered list, a filtered list (area and industry) and one unit's panel.
 */
import type { Bench } from './types.ts';
import { numberFlag, type Args } from '../twin-server/src/cli/args.ts';
import { openPglite } from '../twin-server/src/db/pglite.ts';
import { migrate, type Db } from '../twin-server/src/db/index.ts';
import { benchAdminUrl, createScratchDatabase } from '../twin-server/src/db/scratch.ts';
import { seedPark } from '../twin-server/src/seed/index.ts';
import { timed } from './map.ts';
import { availabilityWindow, findPark, searchUnits, unitDetail, unitsQuerySchema } from '../twin-server/src/modules/invest/queries.ts';

const PARK = 'sample-park';

/** Median ms of each query on one backend, with the row counts. */
async function measure(db: Db, scale: number): Promise<{ label: string; ms: number; rows: number }[]> {
  await seedPark(db, { seed: 20261125, scale, code: PARK });
  const park = (await findPark(db, PARK))!;
  const all = unitsQuerySchema.parse({ park: PARK });
  const some = unitsQuerySchema.parse({ park: PARK, minArea: '100', maxArea: '300', industry: 'biomed' });
  const window = await availabilityWindow(db, park.idx, all.within);
  const first = (await searchUnits(db, park, all)).units[0]!;
  const out = [];
  for (const [label, run] of [
    ['units, no filter', () => searchUnits(db, park, all)],
    ['units, 100-300 m², biomed', () => searchUnits(db, park, some)],
    ['one unit\'s panel', () => unitDetail(db, park, first.idx, window, true)],
  ] as const) {
    await run(); // warm-up
    const r = await timed(5, run as () => Promise<{ total?: number; floorPlan?: { rooms: unknown[] } }>);
    out.push({ label, ms: r.ms, rows: r.last.total ?? r.last.floorPlan?.rooms.length ?? 0 });
  }
  return out;
}

/** The invest bench (`--scale S`, default 1). */
export const investBench: Bench = {
  summary: 'investment queries: unfiltered vs filtered list and a unit panel (PGlite and PostgreSQL, sample park)',
  async run(args: Args) {
    const scale = numberFlag(args, 'scale', 1, 0.05, 20);
    const lite = await openPglite({ dataDir: 'memory://' });
    let onLite;
    try {
      await migrate(lite);
      onLite = await measure(lite, scale);
    } finally {
      await lite.close();
    }
    let onPg: Awaited<ReturnType<typeof measure>> | null = null;
    try {
      const pg = await createScratchDatabase(benchAdminUrl(), 'twin_bench_invest');
      try {
        onPg = await measure(pg.db, scale);
      } finally {
        await pg.drop();
      }
    } catch (e) {
      console.log(`PostgreSQL skipped: ${(e as Error).message}`);
    }
    const lines = [
      `Sample park at scale ${scale} (seed 20261125), median of 5 runs after a warm-up. Command: \`npm run bench -- invest [--scale S]\`\n`,
      '| query | rows | PGlite ms | PostgreSQL ms | PGlite / PostgreSQL |',
      '| --- | ---: | ---: | ---: | ---: |',
    ];
    onLite.forEach((l, i) => {
      const p = onPg?.[i];
      const row = `| ${l.label} | ${l.rows} | ${l.ms.toFixed(1)} | ${p ? p.ms.toFixed(1) : '-'} | ${p ? `${(l.ms / p.ms).toFixed(2)}x` : '-'} |`;
      console.log(row);
      lines.push(row);
    });
    return lines;
  },
};
