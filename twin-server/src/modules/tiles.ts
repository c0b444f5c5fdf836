/**
 * The tiles module: keeps every park's 3D Tiles current (builds on start when missing or stale,
 * re-tiles on its own when the data changes) and serves them.
 *
 *   GET /tiles/:park/:file            tileset.json, infra.json and content GLBs (tiles:read)
 *   GET /api/tiles/:park/version      current tileset version and URLs (tiles:read)
 *   POST /api/tiles/:park/rebuild     re-tile now, incrementally or fully (tiles:admin)
 */
import path from 'node:path';
import { z } from 'zod';
import type { TwinModule } from './types.ts';
import type { ServerContext } from '../context.ts';
import { serveDir } from '../http/static.ts';
import { TilerWatcher, buildTileset, emitTilesetChanged, tilesetInfo } from '../tiler/index.ts';
import { PARK_CODE } from '../http/params.ts';
import { bodyOf, paramsOf } from '../http/input.ts';

const PARK = PARK_CODE;
// Content files carry a 20-hex content hash: cache them for a year; tileset JSON must revalidate.
const HASHED = /-[0-9a-f]{20}\.glb$/;
const FILE = /^(tileset|infra)\.json$|^[a-z0-9-]+-[0-9a-f]{20}\.glb$/;

const rebuildBody = z.object({ full: z.boolean().optional() }).strict();
const parkParams = z.object({ park: z.string().regex(PARK, 'invalid park code') });
const fileParams = parkParams.extend({ file: z.string().max(100) });
const versionSchema = z.object({ park: z.string(), version: z.number().int(), builtAt: z.string(), tileset: z.string(), infra: z.string().nullable() });
const rebuildSchema = z.object({
  park: z.string(), mode: z.string(), version: z.number().int(), changed: z.boolean(), written: z.number().int(), removed: z.number().int(),
  ms: z.number().int(), warnings: z.array(z.string()),
});

/** Builds the tiles module; `watch: false` skips the background re-tiler (tests that drive builds themselves). */
export function tilesModule(opts: { watch?: boolean; debounceMs?: number; pollMs?: number } = {}): TwinModule {
  let watcher: TilerWatcher | undefined;
  return {
    name: 'tiles',
    async initialize(sc: ServerContext) {
      if (opts.watch === false) return;
      watcher = new TilerWatcher(sc, { debounceMs: opts.debounceMs, pollMs: opts.pollMs });
      await watcher.start();
    },
    async finalize() {
      await watcher?.stop();
    },
    routes: (sc) => {
      const serve = serveDir(() => sc.config.tilesetDir, { prefix: '/tiles', immutable: HASHED });
      return [
        {
          method: 'GET',
          path: '/tiles/:park/:file',
          permission: 'tiles:read',
          summary: '3D Tiles of a park: tileset.json, infra.json (JSON) and content-hashed GLBs',
          params: fileParams, produces: 'model/gltf-binary', errors: [404],
          async handler(ctx) {
            const { file } = paramsOf(ctx, fileParams);
            if (!FILE.test(file)) ctx.throw(404, 'no such tile file');
            await serve(ctx, async () => {
              ctx.throw(404, 'no such tile file');
            });
            if (ctx.status === 200 && ctx.body !== null && file.endsWith('.json')) ctx.set('Access-Control-Expose-Headers', 'ETag');
          },
        },
        {
          method: 'GET',
          path: '/api/tiles/:park/version',
          permission: 'tiles:read',
          summary: 'Current tileset version of a park (bumped whenever tileset.json changes)',
          params: parkParams, response: versionSchema, errors: [404],
          async handler(ctx) {
            const { park } = paramsOf(ctx, parkParams);
            const info = await tilesetInfo(sc.db, sc.config.tilesetDir, park);
            if (!info) ctx.throw(404, `no tileset for park ${park}`);
            ctx.set('Cache-Control', 'no-cache');
            ctx.body = info;
          },
        },
        {
          method: 'POST',
          path: '/api/tiles/:park/rebuild',
          permission: 'tiles:admin',
          summary: 'Re-tile a park now (incremental unless full is true)',
          body: rebuildBody, params: parkParams, response: rebuildSchema, errors: [404],
          async handler(ctx) {
            const { park } = paramsOf(ctx, parkParams);
            const { full } = bodyOf(ctx, rebuildBody);
            const exists = await sc.db.query('SELECT 1 FROM park WHERE code = $1', [park]);
            if (exists.rows.length === 0) ctx.throw(404, `no park ${park}`);
            const r = await buildTileset(sc.db, { outDir: path.join(sc.config.tilesetDir, park), park, full: full ?? false, log: sc.log });
            if (r.changed) {
              const info = await tilesetInfo(sc.db, sc.config.tilesetDir, park);
              emitTilesetChanged(sc, { park, version: r.version, tileset: `/tiles/${park}/tileset.json`, infra: info?.infra ?? null, written: r.written, mode: r.mode });
            }
            ctx.body = { park, mode: r.mode, version: r.version, changed: r.changed, written: r.written.length, removed: r.removed.length, ms: Math.round(r.ms), warnings: r.warnings };
          },
        },
      ];
    },
  };
}
