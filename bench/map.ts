/**
 * `twin bench map`: the development map's GeoJSON queries on the seeded sample park, the whole
 * park against a quarter of it (the bbox filter), side by side in one run on an in-memory PGlite.
 */
import type { Bench } from './types.ts';
import { numberFlag, type Args } from '../twin-server/src/cli/args.ts';
import { openPglite } from '../twin-server/src/db/pglite.ts';
import { migrate } from '../twin-server/src/db/index.ts';
import { seedPark } from '../twin-server/src/seed/index.ts';
import {
  blockFeatures, buildingFeatures, enterpriseFeatures, occupancyHeatFeatures, type Bbox, type FeatureCollection, type MapQuery,
} from '../twin-server/src/modules/map/queries.ts';
import type { Queryable } from '../twin-server/src/db/index.ts';

type Query = (db: Queryable, q: MapQuery) => Promise<FeatureCollection<unknown>>;
const QUERIES: [string, Query][] = [
  ['blocks', blockFeatures], ['buildings', buildingFeatures], ['enterprises', enterpriseFeatures], ['occupancy', occupancyHeatFeatures],
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs `fn` `n` times and returns the median wall time in ms and the last result. */
export async function timed<T>(n: number, fn: () => Promise<T>): Promise<{ ms: number; last: T }> {
  const times: number[] = [];
  let last: T | undefined;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    last = await fn();
    times.push(performance.now() - t0);
  }
  return { ms: median(times), last: last as T };
}

/** The map bench (`--scale S`, default 1). */
export const mapBench: Bench = {
  summary: 'map GeoJSON endpoints: whole park vs a quarter bbox (PGlite, sample park)',
  async run(args: Args) {
    const scale = numberFlag(args, 'scale', 1, 0.05, 20);
    const db = await openPglite({ dataDir: 'memory://' });
    try {
      await migrate(db);
      const park = 'sample-park';
      await seedPark(db, { seed: 20261125, scale, code: park });
      const b = (await db.query<{ x0: number; y0: number; x1: number; y1: number }>(
        'SELECT ST_XMin(boundary) x0, ST_YMin(boundary) y0, ST_XMax(boundary) x1, ST_YMax(boundary) y1 FROM park WHERE code = $1', [park])).rows[0]!;
      const quarter: Bbox = [b.x0, b.y0, (b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2];
      const lines = [
        `Sample park at scale ${scale} (seed 20261125), PGlite in memory, median of 7 runs after a warm-up. `
          + `Command: \`npm run bench -- map [--scale S]\`\n`,
        '| endpoint | whole park ms | features | bytes | SW quarter ms | features | quarter / whole time |',
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ];
      for (const [name, fn] of QUERIES) {
        const whole = { park, limit: 20000 };
        const part = { ...whole, bbox: quarter };
        await fn(db, whole);
        await fn(db, part);
        const w = await timed(7, () => fn(db, whole));
        const p = await timed(7, () => fn(db, part));
        const bytes = JSON.stringify(w.last).length;
        const row = `| ${name} | ${w.ms.toFixed(1)} | ${w.last.features.length} | ${bytes} | ${p.ms.toFixed(1)} | ${p.last.features.length} | ${(p.ms / w.ms).toFixed(2)}x |`;
        console.log(row);
        lines.push(row);
      }
      return lines;
    } finally {
      await db.close();
    }
  },
};
