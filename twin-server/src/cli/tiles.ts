import path from 'node:path';
import { loadConfig } from '../config.ts';
import { openDb, migrate } from '../db/index.ts';
import { createLogger } from '../log.ts';
import { buildTileset, listParks } from '../tiler/index.ts';
import { UsageError, type Args } from './args.ts';
import type { Command } from './command.ts';

/** `twin tiles build [--park CODE] [--full]`: build or update 3D Tiles under TWIN_TILESET_DIR/<park>/. */
export const tilesCommand: Command = {
  summary: 'build 3D Tiles 1.1 from PostGIS (incremental unless --full)',
  usage: 'twin tiles build [--park CODE] [--full]   (output: $TWIN_TILESET_DIR/<park>/tileset.json, infra.json)',
  async run(args: Args) {
    if (args.positional[0] !== 'build') throw new UsageError('expected the subcommand "build"');
    const park = args.flags.park;
    if (park === true) throw new UsageError('--park needs a park code');
    const config = loadConfig();
    const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
    const db = await openDb(config.db);
    try {
      await migrate(db);
      const parks = park ? [park] : await listParks(db);
      if (parks.length === 0) {
        console.log('no parks in the database: run `twin seed` first');
        return 1;
      }
      for (const p of parks) {
        const r = await buildTileset(db, { outDir: path.join(config.tilesetDir, p), park: p, full: args.flags.full === true, log });
        for (const w of r.warnings) console.warn(`warning: ${w}`);
        if (r.mode === 'none') {
          console.log(`${p}: up to date, version ${r.version} (${Math.round(r.ms)} ms) -> ${path.join(config.tilesetDir, p)}`);
          continue;
        }
        console.log(
          `${p}: ${r.mode} build, version ${r.version}${r.changed ? ' (changed)' : ''}, ${r.written.length} files written, ` +
            `${r.removed.length} removed, ${r.features} features, ${r.triangles} triangles, ${Math.round(r.ms)} ms -> ${path.join(config.tilesetDir, p)}`,
        );
      }
    } finally {
      await db.close();
    }
  },
};
