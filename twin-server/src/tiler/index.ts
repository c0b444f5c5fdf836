/**
 * The tiler's public surface. Other server code uses:
 *
 *   buildTileset(db, { outDir, park })   build or incrementally update one park's tileset
 *   onTilesetChanged(sc, cb)             be told when a park's tileset version changes (in-process)
 *   tilesetInfo(db, park)                the current version and URLs of a park's tilesets
 *   TilerWatcher                         re-tiles on its own when the change table moves (the tiles module runs one)
 */
import path from 'node:path';
import fs from 'node:fs/promises';
import type { ServerContext } from '../context.ts';
import type { Db } from '../db/index.ts';
import { buildTileset, type BuildResult } from './build.ts';
import { listParks } from './source.ts';

export { buildTileset, DEFAULT_LIMITS, type BuildOptions, type BuildResult, type TilerLimits } from './build.ts';
export { insertFixturePark, type FixturePark, type FixtureOptions } from './fixture.ts';
export { missingSpatialIndexes, listParks } from './source.ts';

/** What subscribers hear after a build that changed a park's tileset. */
export interface TilesetChanged {
  readonly park: string;
  /** The new `asset.tilesetVersion` (also GET /api/tiles/:park/version). */
  readonly version: number;
  /** URL path of the buildings tileset, e.g. /tiles/demo/tileset.json. */
  readonly tileset: string;
  /** URL path of the infrastructure tileset, when the park has networks. */
  readonly infra: string | null;
  /** Files written by the build (content GLBs and tileset JSONs), relative to the park folder. */
  readonly written: readonly string[];
  readonly mode: BuildResult['mode'];
}

type Listener = (ev: TilesetChanged) => void;
const listeners = new WeakMap<ServerContext, Set<Listener>>();

/**
 * Subscribes to tileset changes of this server (the stream hub forwards them to clients so they
 * reload tileset.json). Returns the unsubscribe function. Listener errors are logged, not thrown.
 */
export function onTilesetChanged(sc: ServerContext, cb: Listener): () => void {
  let set = listeners.get(sc);
  if (!set) {
    set = new Set();
    listeners.set(sc, set);
  }
  set.add(cb);
  return () => {
    set.delete(cb);
  };
}

/** Tells every subscriber of `sc` about a change. */
export function emitTilesetChanged(sc: ServerContext, ev: TilesetChanged): void {
  for (const cb of listeners.get(sc) ?? []) {
    try {
      cb(ev);
    } catch (err) {
      sc.log.error({ err, park: ev.park }, 'tileset listener failed');
    }
  }
}

/**
 * The published version of a park's tilesets, or null when never built, or while its first build
 * is still writing (the version row commits after tileset.json is written), or when the tileset
 * folder lost its tileset.json (a wiped folder: nothing a client could load).
 */
export async function tilesetInfo(
  db: Db,
  tilesetDir: string,
  park: string,
): Promise<{ park: string; version: number; builtAt: Date; tileset: string; infra: string | null } | null> {
  const r = await db.query<{ version: number; built_at: Date }>(
    'SELECT s.version, s.built_at FROM tileset_state s JOIN park p ON p.idx = s.park_idx WHERE p.code = $1',
    [park],
  );
  const row = r.rows[0];
  if (!row) return null;
  const hasTileset = await fs.access(path.join(tilesetDir, park, 'tileset.json')).then(() => true, () => false);
  if (!hasTileset) return null;
  const hasInfra = await fs.access(path.join(tilesetDir, park, 'infra.json')).then(() => true, () => false);
  return {
    park,
    version: row.version,
    builtAt: row.built_at,
    tileset: `/tiles/${park}/tileset.json`,
    infra: hasInfra ? `/tiles/${park}/infra.json` : null,
  };
}

/**
 * Keeps every park's tileset current: builds what is missing or stale, then re-tiles (debounced)
 * whenever the change table moves, signalled by NOTIFY twin_tiles and, as a fallback, polling.
 * Builds run one at a time; changes arriving during a build trigger one more pass.
 */
export class TilerWatcher {
  private timer: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private lastSeen = -1;
  private stopped = false;

  constructor(
    private readonly sc: ServerContext,
    private readonly opts: { debounceMs?: number; pollMs?: number } = {},
  ) {}

  /** Builds stale tilesets now, then starts watching. */
  async start(): Promise<void> {
    await this.runOnce();
    this.unlisten = await this.sc.db.listen('twin_tiles', () => this.schedule());
    const pollMs = this.opts.pollMs ?? 5000;
    this.poll = setInterval(() => {
      this.sc.db
        .query<{ id: number }>('SELECT coalesce(max(id), 0)::int8 AS id FROM tile_change')
        .then((r) => {
          if (r.rows[0]!.id !== this.lastSeen && r.rows[0]!.id > 0) this.schedule();
        })
        .catch(() => {});
    }, pollMs);
    this.poll.unref();
  }

  /** Asks for a build soon (debounced, so a burst of edits becomes one re-tile). */
  schedule(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.kick(), this.opts.debounceMs ?? 300);
    this.timer.unref();
  }

  /** Runs a pass now (or after the running one) and resolves when the tilesets are current. */
  async kick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.runOnce();
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runOnce(): Promise<void> {
    const { db, config, log } = this.sc;
    try {
      const before = await db.query<{ id: number }>('SELECT coalesce(max(id), 0)::int8 AS id FROM tile_change');
      for (const park of await listParks(db)) {
        if (this.stopped) return;
        const r = await buildTileset(db, { outDir: path.join(config.tilesetDir, park), park, log });
        if (r.mode !== 'none') {
          log.info({ park, mode: r.mode, version: r.version, written: r.written.length, ms: Math.round(r.ms) }, 'tiles built');
        }
        if (r.changed) {
          emitTilesetChanged(this.sc, {
            park,
            version: r.version,
            tileset: `/tiles/${park}/tileset.json`,
            infra: (await fs.access(path.join(config.tilesetDir, park, 'infra.json')).then(() => true, () => false)) ? `/tiles/${park}/infra.json` : null,
            written: r.written,
            mode: r.mode,
          });
        }
      }
      this.lastSeen = before.rows[0]!.id;
    } catch (err) {
      log.error({ err }, 'tiling failed');
    }
  }

  /** Stops watching and waits for a running build. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.poll);
    await this.unlisten?.();
    await this.running;
  }
}
