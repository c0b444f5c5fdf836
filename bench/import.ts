/**
 * `twin bench import`: how the cost of a building import splits between checking, writing the
 * buildings, generating floors and generating units, measured side by side on one database.
 */
import type { Args } from '../twin-server/src/cli/args.ts';
import { numberFlag } from '../twin-server/src/cli/args.ts';
import type { Bench } from './types.ts';
import { migrate } from '../twin-server/src/db/migrate.ts';
import { openPglite } from '../twin-server/src/db/pglite.ts';
import { importBuildings, type ImportOptions } from '../twin-server/src/import/buildings.ts';
import { metresPerDegree } from '../twin-server/src/import/layout.ts';

/** A grid of n office footprints (about 50 x 18 m, turned a little each) around lon 120.1, lat 30.28. */
export function syntheticBuildings(n: number): unknown {
  const { kx, ky } = metresPerDegree(30.28);
  const side = Math.ceil(Math.sqrt(n));
  const features = Array.from({ length: n }, (_, i) => {
    const cx = 120.1 + ((i % side) * 80) / kx;
    const cy = 30.28 + (Math.floor(i / side) * 50) / ky;
    const a = ((i * 7) % 30) * (Math.PI / 180);
    const ring = [[-25, -9], [25, -9], [25, 9], [-25, 9], [-25, -9]].map(([x, y]) =>
      [cx + (x! * Math.cos(a) - y! * Math.sin(a)) / kx, cy + (x! * Math.sin(a) + y! * Math.cos(a)) / ky]);
    return { type: 'Feature', properties: { code: `S${i + 1}`, floors: 4 + (i % 9), use: 'office' }, geometry: { type: 'Polygon', coordinates: [ring] } };
  });
  return { type: 'FeatureCollection', features };
}

/** The benchmark registered as `import`. */
export const importBench: Bench = {
  summary: 'GeoJSON building import on embedded PGlite: check only vs buildings vs +floors vs +units',
  async run(args: Args): Promise<string[]> {
    const n = Math.round(500 * numberFlag(args, 'scale', 1, 0.05, 100));
    const db = await openPglite({ dataDir: 'memory://' });
    try {
      await migrate(db);
      const text = JSON.stringify(syntheticBuildings(n));
      const side = Math.ceil(Math.sqrt(n));
      const variants: [string, Omit<ImportOptions, 'parkCode'>][] = [
        ['warm-up (not counted)', { floors: 'auto', units: 'auto', dryRun: true }],
        ['check only (dry run, no floors)', { floors: 'none', units: 'none', dryRun: true }],
        ['check + unit layout (dry run)', { floors: 'auto', units: 'auto', dryRun: true }],
        ['buildings', { floors: 'none', units: 'none' }],
        ['buildings + floors', { floors: 'auto', units: 'none' }],
        ['buildings + floors + units', { floors: 'auto', units: 'auto' }],
      ];
      const rows: { name: string; ms: number; rows: number }[] = [];
      for (const [k, [name, opts]] of variants.entries()) {
        // One park per variant, so every run imports into an empty park.
        const code = `bench-${k}`;
        const o = await db.query<{ idx: number }>("INSERT INTO twin_object (kind, name) VALUES ('park', $1) RETURNING idx", [code]);
        await db.query(`INSERT INTO park (idx, code, city, origin, boundary) VALUES ($1, $2, 'Hangzhou',
          ST_SetSRID(ST_MakePoint(120.09, 30.27, 0), 4326), ST_MakeEnvelope(120.09, 30.27, $3, $4, 4326))`,
        [o.rows[0]!.idx, code, 120.1 + (side * 80 + 100) / 96000, 30.28 + (side * 50 + 100) / 110800]);
        const t0 = performance.now();
        const r = await importBuildings(db, text, { ...opts, parkCode: code });
        const ms = performance.now() - t0;
        rows.push({ name, ms, rows: r.dryRun ? 0 : r.created.building + r.created.floor + r.created.room });
        console.log(`  ${name}: ${ms.toFixed(0)} ms`);
      }
      rows.shift();
      const base = rows.find((r) => r.name === 'buildings')!.ms;
      return [
        `${n} footprints, ${rows.at(-1)!.rows} rows with floors and units (PGlite in memory). Command: \`npm run bench -- import [--scale S]\`\n`,
        '| variant | ms | per building | vs buildings only | rows/s |',
        '| --- | ---: | ---: | ---: | ---: |',
        ...rows.map((r) => `| ${r.name} | ${r.ms.toFixed(0)} | ${(r.ms / n).toFixed(2)} ms | ${(r.ms / base).toFixed(2)}x | ${r.rows ? Math.round(r.rows / (r.ms / 1000)) : '-'} |`),
      ];
    } finally {
      await db.close();
    }
  },
};
