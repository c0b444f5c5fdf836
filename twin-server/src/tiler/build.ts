/**
 * The tiler: PostGIS -> OGC 3D Tiles 1.1 under `<tilesetDir>/<park code>/`.
 *
 *   tileset.json  buildings: quadtree leaves (merged shells) -> building detail -> interior -> equipment
 *   infra.json    hidden networks: pipes and cables as tubes, with their nodes
 *   *.glb         contents, named by a hash of their bytes (immutable, cacheable forever)
 *
 * Full builds stream leaf by leaf (a bounded batch of buildings at a time). Incremental builds
 * read the change table written by triggers (migration 020) and regenerate only the buildings,
 * leaves and layers that changed; unchanged contents keep their file names and are not rewritten.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { enuFrame } from './enu.ts';
import { quadtree, boundingSquare, leafFor, type Rect } from './subdivide.ts';
import {
  equipmentContent, infraContent, interiorContent, overviewContent, prepareBuilding, shellContent,
  type Bounds, type Content, type PreparedBuilding, type Project,
} from './content.ts';
import {
  latestChangeId, loadBuildings, loadInfrastructure, loadInteriors, loadPark, loadSiteEquipment,
  missingSpatialIndexes, pendingChanges, type EquipmentRow, type ParkRow,
} from './source.ts';
import { decodeEwkb, decodePoint } from './source.ts';

/** Tuning of the spatial split. */
export interface TilerLimits {
  /** Buildings per overview leaf. */
  readonly maxBuildingsPerTile: number;
  /** Triangles per overview leaf (estimated from footprint sizes). */
  readonly maxTrianglesPerTile: number;
  /** Pipe segments + nodes per infrastructure tile. */
  readonly maxInfraPerTile: number;
}

export const DEFAULT_LIMITS: TilerLimits = { maxBuildingsPerTile: 32, maxTrianglesPerTile: 60_000, maxInfraPerTile: 2_000 };

/** Options of one build. */
export interface BuildOptions {
  /** Folder of this park's tileset (usually config.tilesetDir/<code>). */
  readonly outDir: string;
  readonly park: string;
  /** Ignore the saved state and rebuild everything (files with unchanged bytes are still kept). */
  readonly full?: boolean;
  readonly limits?: Partial<TilerLimits>;
  readonly log?: Logger;
}

/** What a build did. */
export interface BuildResult {
  readonly park: string;
  readonly mode: 'full' | 'incremental' | 'none';
  readonly version: number;
  /** True when tileset.json (and so the version) changed. */
  readonly changed: boolean;
  /** Files written in this run (relative to outDir), including tileset.json / infra.json. */
  readonly written: string[];
  readonly removed: string[];
  readonly features: number;
  readonly triangles: number;
  readonly buildingsRetiled: number;
  readonly ms: number;
  readonly warnings: string[];
}

type Json = Record<string, unknown>;

interface TileJson {
  boundingVolume: { box: number[] };
  geometricError: number;
  refine?: 'ADD' | 'REPLACE';
  content?: { uri: string };
  children?: TileJson[];
  transform?: number[];
}

interface BuildingState {
  leaf: string;
  centroid: [number, number];
  tile: TileJson;
  bounds: Bounds;
  files: string[];
}

interface LeafState {
  key: string;
  rect: Rect;
  buildings: number[];
  overview?: { uri: string; bounds: Bounds };
  site?: { uri: string; bounds: Bounds };
}

interface TilerState {
  format: 3;
  parkUuid: string;
  origin: [number, number, number];
  version: number;
  changeId: number;
  leaves: LeafState[];
  buildings: Record<string, BuildingState>;
  infra: { tileset: Json | null; files: string[] };
  /** Files of the current publication. */
  publishedFiles: string[];
  /** Files of the publication before it, kept one generation so clients mid-load do not 404. */
  previousFiles: string[];
  tilesetHash: string;
  infraHash: string;
  /** The version at which infra.json last changed (its own tilesetVersion). */
  infraVersion: number;
}

const STATE_FILE = '.tiler-state.json';

// Geometric errors (metres). Each level must be larger than everything below it.
const ERR_EQUIPMENT = 0;
const ERR_INTERIOR = 1.5;

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

function unionBounds(list: readonly (Bounds | undefined)[]): Bounds {
  const out: Bounds = [Infinity, Infinity, Infinity, -Infinity, -Infinity, -Infinity];
  for (const b of list) {
    if (!b) continue;
    for (let k = 0; k < 3; k++) {
      out[k] = Math.min(out[k]!, b[k]!);
      out[k + 3] = Math.max(out[k + 3]!, b[k + 3]!);
    }
  }
  if (!Number.isFinite(out[0])) return [-1, -1, -1, 1, 1, 1];
  return out;
}

/** A 3D Tiles `box` (centre + half axes) around bounds, padded a little so contents sit inside. */
export function boxOf(b: Bounds, pad = 0.05): number[] {
  const c = [(b[0] + b[3]) / 2, (b[1] + b[4]) / 2, (b[2] + b[5]) / 2];
  const h = [(b[3] - b[0]) / 2 + pad, (b[4] - b[1]) / 2 + pad, (b[5] - b[2]) / 2 + pad];
  const r = (v: number) => Math.round(v * 1000) / 1000;
  return [r(c[0]!), r(c[1]!), r(c[2]!), r(h[0]!), 0, 0, 0, r(h[1]!), 0, 0, 0, r(h[2]!)];
}

function boundsOfBox(box: readonly number[]): Bounds {
  return [box[0]! - box[3]!, box[1]! - box[7]!, box[2]! - box[11]!, box[0]! + box[3]!, box[1]! + box[7]!, box[2]! + box[11]!];
}

// Content files already in each output folder, read once per build (one readdir instead of a stat per file).
const existing = new Map<string, Set<string>>();

/** Writes a content file named by its hash, unless a file with that name (so those bytes) exists. */
async function writeContent(outDir: string, prefix: string, c: Content, written: string[]): Promise<string> {
  const name = `${prefix}-${sha(c.glb).slice(0, 20)}.glb`;
  let have = existing.get(outDir);
  if (!have) {
    have = new Set(await fs.readdir(outDir));
    existing.set(outDir, have);
  }
  if (!have.has(name)) {
    // Write then rename, so a crash never leaves a truncated file under a valid content name.
    const file = path.join(outDir, name);
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, c.glb);
    await fs.rename(tmp, file);
    have.add(name);
    written.push(name);
  }
  return name;
}

async function writeIfChanged(outDir: string, name: string, text: string, written: string[]): Promise<void> {
  const file = path.join(outDir, name);
  const old = await fs.readFile(file, 'utf8').catch(() => null);
  if (old === text) return;
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, text);
  await fs.rename(tmp, file);
  written.push(name);
}

async function readState(outDir: string): Promise<TilerState | null> {
  try {
    const s = JSON.parse(await fs.readFile(path.join(outDir, STATE_FILE), 'utf8')) as TilerState;
    return s.format === 3 ? s : null;
  } catch {
    return null;
  }
}

/** Builds one building's subtree: detail shell -> interior -> equipment. */
async function buildBuilding(
  outDir: string,
  pb: PreparedBuilding,
  interior: { floors: Parameters<typeof shellContent>[1]; rooms: Parameters<typeof interiorContent>[2]; equipment: EquipmentRow[] },
  project: Project,
  written: string[],
  stats: { features: number; triangles: number },
): Promise<BuildingState> {
  const shell = shellContent(pb, interior.floors, project);
  const inner = interiorContent(pb, interior.floors, interior.rooms, project);
  const equip = equipmentContent(interior.equipment, project, () => pb.row.code);
  const files: string[] = [];
  const shellUri = await writeContent(outDir, `b${pb.row.idx}-shell`, shell, written);
  files.push(shellUri);
  stats.features += shell.features;
  stats.triangles += shell.triangles;
  const maxFloor = Math.max(3, ...interior.floors.map((f) => f.height));
  const tile: TileJson = {
    boundingVolume: { box: [] },
    geometricError: Math.max(ERR_INTERIOR + 1, maxFloor),
    refine: 'REPLACE',
    content: { uri: shellUri },
  };
  const all: Bounds[] = [shell.bounds];
  if (inner) {
    const uri = await writeContent(outDir, `b${pb.row.idx}-interior`, inner, written);
    files.push(uri);
    stats.features += inner.features;
    stats.triangles += inner.triangles;
    const it: TileJson = { boundingVolume: { box: [] }, geometricError: ERR_INTERIOR, refine: 'ADD', content: { uri } };
    const ib: Bounds[] = [inner.bounds];
    if (equip) {
      const eu = await writeContent(outDir, `b${pb.row.idx}-equipment`, equip, written);
      files.push(eu);
      stats.features += equip.features;
      stats.triangles += equip.triangles;
      it.children = [{ boundingVolume: { box: boxOf(equip.bounds) }, geometricError: ERR_EQUIPMENT, content: { uri: eu } }];
      ib.push(equip.bounds);
    }
    it.boundingVolume.box = boxOf(unionBounds(ib), 0.1);
    all.push(...ib);
    tile.children = [it];
  } else if (equip) {
    const eu = await writeContent(outDir, `b${pb.row.idx}-equipment`, equip, written);
    files.push(eu);
    stats.features += equip.features;
    tile.children = [{ boundingVolume: { box: boxOf(equip.bounds) }, geometricError: ERR_EQUIPMENT, content: { uri: eu } }];
    all.push(equip.bounds);
  }
  const bounds = unionBounds(all);
  tile.boundingVolume.box = boxOf(bounds, 0.2);
  return { leaf: '', centroid: pb.centroid, tile, bounds, files };
}

/** Assembles tileset.json from the state: quadtree of leaves, each leaf's buildings below it. */
function assembleTileset(state: TilerState, transform: number[]): { json: Json; files: string[] } {
  const files: string[] = [];
  const leafTiles = new Map<string, { tile: TileJson; bounds: Bounds }>();
  for (const leaf of state.leaves) {
    const children: TileJson[] = [];
    const bounds: Bounds[] = [];
    for (const idx of leaf.buildings) {
      const b = state.buildings[idx];
      if (!b) continue;
      children.push(b.tile);
      bounds.push(b.bounds);
      files.push(...b.files);
    }
    if (leaf.site) {
      children.push({ boundingVolume: { box: boxOf(leaf.site.bounds) }, geometricError: ERR_EQUIPMENT, content: { uri: leaf.site.uri } });
      bounds.push(leaf.site.bounds);
      files.push(leaf.site.uri);
    }
    if (leaf.overview) {
      bounds.push(leaf.overview.bounds);
      files.push(leaf.overview.uri);
    }
    if (children.length === 0 && !leaf.overview) continue;
    const childErr = Math.max(0, ...children.map((c) => c.geometricError));
    const tile: TileJson = {
      boundingVolume: { box: boxOf(unionBounds(bounds), 0.5) },
      geometricError: Math.max(8, childErr * 2),
      refine: 'REPLACE',
      ...(leaf.overview ? { content: { uri: leaf.overview.uri } } : {}),
      children,
    };
    leafTiles.set(leaf.key, { tile, bounds: unionBounds(bounds) });
  }
  // Build the internal nodes of the quadtree from the leaf keys ("r013" -> parent "r01").
  const nodes = new Map<string, { tile: TileJson; bounds: Bounds }>(leafTiles);
  const keys = [...leafTiles.keys()].sort((a, b) => b.length - a.length);
  const pending = new Map<string, string[]>();
  for (const k of keys) {
    for (let p = k; p.length > 1; p = p.slice(0, -1)) {
      const parent = p.slice(0, -1);
      const list = pending.get(parent) ?? [];
      if (!list.includes(p)) list.push(p);
      pending.set(parent, list);
    }
  }
  const make = (key: string): { tile: TileJson; bounds: Bounds } | undefined => {
    const got = nodes.get(key);
    if (got) return got;
    const kids = (pending.get(key) ?? []).sort().map(make).filter((x): x is { tile: TileJson; bounds: Bounds } => !!x);
    if (kids.length === 0) return undefined;
    if (kids.length === 1) return kids[0];
    const bounds = unionBounds(kids.map((k) => k.bounds));
    const node = {
      tile: {
        boundingVolume: { box: boxOf(bounds, 1) },
        geometricError: Math.max(...kids.map((k) => k.tile.geometricError)) * 2,
        refine: 'REPLACE' as const,
        children: kids.map((k) => k.tile),
      },
      bounds,
    };
    nodes.set(key, node);
    return node;
  };
  const root = make('r') ?? { tile: { boundingVolume: { box: boxOf([-1, -1, -1, 1, 1, 1]) }, geometricError: 0 }, bounds: [-1, -1, -1, 1, 1, 1] as Bounds };
  // Wrap in a root that carries the ENU -> ECEF transform and a park-sized error.
  const size = Math.max(root.bounds[3] - root.bounds[0], root.bounds[4] - root.bounds[1]);
  const rootTile: TileJson = {
    transform,
    boundingVolume: { box: boxOf(root.bounds, 2) },
    geometricError: Math.max(root.tile.geometricError * 2, size / 4),
    refine: 'REPLACE',
    children: [root.tile],
  };
  return { json: { root: rootTile }, files };
}

/** Builds the infrastructure tileset (pipes, cables, nodes), split spatially with a cap per tile. */
async function buildInfra(
  db: Db,
  outDir: string,
  park: ParkRow,
  project: Project,
  transform: number[],
  limits: TilerLimits,
  written: string[],
  stats: { features: number; triangles: number },
): Promise<{ tileset: Json | null; files: string[] }> {
  const { segments, nodes } = await loadInfrastructure(db, park.idx);
  if (segments.length + nodes.length === 0) return { tileset: null, files: [] };
  const pos = new Map<number, [number, number]>();
  const items = [
    ...segments.map((s) => {
      const line = decodeEwkb(s.geom)[0]!;
      const mid = line[Math.floor(line.length / 2)]!;
      const p = project(mid[0]!, mid[1]!);
      pos.set(s.idx, p);
      return { id: s.idx, x: p[0], y: p[1], weight: 1 };
    }),
    ...nodes.map((n) => {
      const pt = decodePoint(n.position);
      const p = project(pt[0], pt[1]);
      pos.set(n.idx, p);
      return { id: n.idx, x: p[0], y: p[1], weight: 1 };
    }),
  ];
  const leaves = quadtree(items, boundingSquare(pos.values(), 5), { maxItems: limits.maxInfraPerTile, maxWeight: Infinity });
  const segById = new Map(segments.map((s) => [s.idx, s]));
  const nodeById = new Map(nodes.map((n) => [n.idx, n]));
  const children: TileJson[] = [];
  const files: string[] = [];
  const all: Bounds[] = [];
  for (const leaf of leaves) {
    const c = infraContent(
      leaf.items.map((i) => segById.get(i)).filter((x) => x !== undefined),
      leaf.items.map((i) => nodeById.get(i)).filter((x) => x !== undefined),
      project,
    );
    if (!c) continue;
    const uri = await writeContent(outDir, `infra-${leaf.key}`, c, written);
    files.push(uri);
    stats.features += c.features;
    stats.triangles += c.triangles;
    children.push({ boundingVolume: { box: boxOf(c.bounds, 0.2) }, geometricError: 0, content: { uri } });
    all.push(c.bounds);
  }
  const b = unionBounds(all);
  const size = Math.max(b[3] - b[0], b[4] - b[1]);
  return {
    files,
    tileset: {
      root: { transform, boundingVolume: { box: boxOf(b, 1) }, geometricError: Math.max(10, size / 8), refine: 'ADD', children },
    },
  };
}

function tilesetDoc(park: ParkRow, version: number, body: Json, kind: 'buildings' | 'infrastructure', geometricError: number): Json {
  return {
    asset: { version: '1.1', tilesetVersion: String(version), generator: 'park-twin tiler' },
    properties: {},
    extras: { park: park.code, parkIdx: park.idx, kind, origin: { lon: park.lon, lat: park.lat, height: park.h } },
    geometricError,
    ...body,
  };
}

async function bumpVersion(db: Db, parkIdx: number, current: number, changeId: number): Promise<number> {
  const r = await db.query<{ version: number }>(
    `INSERT INTO tileset_state (park_idx, version, change_id, built_at) VALUES ($1, $2, $3, now())
     ON CONFLICT (park_idx) DO UPDATE SET version = greatest(tileset_state.version + 1, EXCLUDED.version),
       change_id = EXCLUDED.change_id, built_at = now()
     RETURNING version`,
    [parkIdx, current + 1, changeId],
  );
  return r.rows[0]!.version;
}

/**
 * Builds or updates the tileset of one park. With a saved state and no `full`, only what the
 * change table names is regenerated; otherwise everything (unchanged bytes keep their files).
 */
export async function buildTileset(db: Db, opts: BuildOptions): Promise<BuildResult> {
  // Builds of one folder run one after another (the watcher and the rebuild route may overlap).
  const key = path.resolve(opts.outDir);
  const prev = locks.get(key) ?? Promise.resolve();
  const run = prev.catch(() => {}).then(() => buildLocked(db, opts));
  const tail = run.catch(() => {});
  locks.set(key, tail);
  void tail.then(() => {
    if (locks.get(key) === tail) locks.delete(key);
  });
  return run;
}

const locks = new Map<string, Promise<unknown>>();

async function buildLocked(db: Db, opts: BuildOptions): Promise<BuildResult> {
  const t0 = performance.now();
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const park = await loadPark(db, opts.park);
  if (!park) throw new Error(`no park with code ${JSON.stringify(opts.park)}`);
  const outDir = opts.outDir;
  await fs.mkdir(outDir, { recursive: true });
  existing.delete(outDir); // another process (or a person) may have changed the folder since
  const warnings: string[] = [];
  const frame = enuFrame(park.lon, park.lat, park.h);
  const project = frame.projector();
  const transform = frame.transform;
  const written: string[] = [];
  const stats = { features: 0, triangles: 0 };

  let state = opts.full ? null : await readState(outDir);
  if (state && (state.parkUuid !== park.uuid || state.origin.join() !== [park.lon, park.lat, park.h].join())) state = null;
  // Read the change id before the data, so edits made while we build are picked up next time.
  let mode: BuildResult['mode'];
  let buildingsRetiled = 0;
  let changeId: number;
  if (state) {
    const ch = await pendingChanges(db, park.idx, state.changeId);
    changeId = ch.maxId;
    if (ch.maxId === state.changeId) {
      return { park: park.code, mode: 'none', version: state.version, changed: false, written, removed: [], features: 0, triangles: 0, buildingsRetiled: 0, ms: performance.now() - t0, warnings };
    }
    if (ch.layers.has('layout')) {
      state = null; // buildings were added or removed: re-plan the quadtree
    } else {
      mode = 'incremental';
      const s = state;
      const dirtyLeaves = new Set<string>();
      if (ch.buildings.size > 0) {
        const ids = [...ch.buildings];
        const rows = await loadBuildings(db, park.idx, ids);
        const interiors = await loadInteriors(db, ids);
        for (const row of rows) {
          const pb = prepareBuilding(row, project);
          const bs = await buildBuilding(outDir, pb, {
            floors: interiors.floors.filter((f) => f.building_idx === row.idx),
            rooms: interiors.rooms.filter((r) => r.building_idx === row.idx),
            equipment: interiors.equipment.filter((e) => e.building_idx === row.idx),
          }, project, written, stats);
          const old = s.buildings[row.idx];
          const leaf = leafFor(s.leaves, pb.centroid[0], pb.centroid[1])!;
          if (old && old.leaf !== leaf.key) {
            const from = s.leaves.find((l) => l.key === old.leaf);
            if (from) {
              from.buildings = from.buildings.filter((i) => i !== row.idx);
              dirtyLeaves.add(from.key);
            }
          }
          if (!leaf.buildings.includes(row.idx)) leaf.buildings.push(row.idx);
          bs.leaf = leaf.key;
          s.buildings[row.idx] = bs;
          dirtyLeaves.add(leaf.key);
          buildingsRetiled++;
        }
      }
      for (const key of dirtyLeaves) {
        const leaf = s.leaves.find((l) => l.key === key)!;
        const rows = await loadBuildings(db, park.idx, leaf.buildings);
        if (rows.length === 0) {
          delete leaf.overview;
          continue;
        }
        const ov = overviewContent(rows.map((r) => prepareBuilding(r, project)));
        leaf.overview = { uri: await writeContent(outDir, `overview-${leaf.key}`, ov, written), bounds: ov.bounds };
        stats.features += ov.features;
        stats.triangles += ov.triangles;
      }
      if (ch.layers.has('site')) await buildSite(db, outDir, park, s, project, written, stats);
      if (ch.layers.has('infra')) s.infra = await buildInfra(db, outDir, park, project, transform, limits, written, stats);
    }
  } else {
    changeId = await latestChangeId(db);
  }

  if (!state) {
    mode = 'full';
    const missing = await missingSpatialIndexes(db);
    if (missing.length > 0) {
      const msg = `missing spatial (GiST) index on ${missing.join(', ')}: tiling large parks will be slow`;
      warnings.push(msg);
      opts.log?.warn({ missing }, msg);
    }
    const old = await readState(outDir);
    const rows = await loadBuildings(db, park.idx);
    const prepared = rows.map((r) => prepareBuilding(r, project));
    const site = await loadSiteEquipment(db, park.idx);
    const sitePts = site.map((e) => {
      const p = decodePoint(e.position);
      return project(p[0], p[1]);
    });
    const rect = boundingSquare([...prepared.map((p) => p.centroid), ...sitePts], 10);
    const leaves = quadtree(
      prepared.map((p) => ({ id: p.row.idx, x: p.centroid[0], y: p.centroid[1], weight: p.rings.reduce((s, r) => s + r.length, 0) * 4 })),
      rect,
      { maxItems: limits.maxBuildingsPerTile, maxWeight: limits.maxTrianglesPerTile },
    );
    const byIdx = new Map(prepared.map((p) => [p.row.idx, p]));
    state = {
      format: 3,
      parkUuid: park.uuid,
      origin: [park.lon, park.lat, park.h],
      version: old?.parkUuid === park.uuid ? old.version : 0,
      changeId,
      leaves: leaves.map((l) => ({ key: l.key, rect: l.rect, buildings: l.items })),
      buildings: {},
      infra: { tileset: null, files: [] },
      publishedFiles: old?.publishedFiles ?? [],
      previousFiles: old?.previousFiles ?? [],
      tilesetHash: old?.tilesetHash ?? '',
      infraHash: old?.infraHash ?? '',
      infraVersion: old?.infraVersion ?? 0,
    };
    // One bounded batch of buildings at a time (rows are dropped once their files are written),
    // with the next batch's query already running while this one is tessellated.
    const fetch = (i: number) => {
      const leaf = state!.leaves[i];
      if (!leaf) return null;
      const p = loadInteriors(db, leaf.buildings);
      p.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
      return p;
    };
    // Two batches in flight hide the database round trips behind tessellation.
    const ahead = [fetch(0), fetch(1)];
    for (const [i, leaf] of state.leaves.entries()) {
      const interiors = (await ahead.shift())!;
      ahead.push(fetch(i + 2));
      const group = leaf.buildings.map((i) => byIdx.get(i)!);
      for (const pb of group) {
        const bs = await buildBuilding(outDir, pb, {
          floors: interiors.floors.filter((f) => f.building_idx === pb.row.idx),
          rooms: interiors.rooms.filter((r) => r.building_idx === pb.row.idx),
          equipment: interiors.equipment.filter((e) => e.building_idx === pb.row.idx),
        }, project, written, stats);
        bs.leaf = leaf.key;
        state.buildings[pb.row.idx] = bs;
        buildingsRetiled++;
      }
      const ov = overviewContent(group);
      leaf.overview = { uri: await writeContent(outDir, `overview-${leaf.key}`, ov, written), bounds: ov.bounds };
      stats.features += ov.features;
      stats.triangles += ov.triangles;
    }
    await buildSite(db, outDir, park, state, project, written, stats, site);
    state.infra = await buildInfra(db, outDir, park, project, transform, limits, written, stats);
  }

  // Publish: tileset.json and infra.json, a version bump when either changed, then clean up.
  const s = state;
  const { json, files } = assembleTileset(s, transform);
  const rootErr = (json.root as TileJson).geometricError;
  const bodyHash = sha(JSON.stringify(json));
  const infraHash = sha(JSON.stringify(s.infra.tileset));
  let changed = false;
  if (bodyHash !== s.tilesetHash || infraHash !== s.infraHash) {
    s.version = await bumpVersion(db, park.idx, s.version, changeId);
    changed = true;
  } else {
    await db.query(
      `INSERT INTO tileset_state (park_idx, version, change_id) VALUES ($1, $2, $3)
       ON CONFLICT (park_idx) DO UPDATE SET change_id = EXCLUDED.change_id, built_at = now()`,
      [park.idx, s.version, changeId],
    );
  }
  if (infraHash !== s.infraHash) s.infraVersion = s.version;
  s.tilesetHash = bodyHash;
  s.infraHash = infraHash;
  s.changeId = changeId;
  await writeIfChanged(outDir, 'tileset.json', JSON.stringify(tilesetDoc(park, s.version, json, 'buildings', rootErr * 2)), written);
  if (s.infra.tileset) {
    const ie = (s.infra.tileset.root as TileJson).geometricError;
    await writeIfChanged(outDir, 'infra.json', JSON.stringify(tilesetDoc(park, s.infraVersion, s.infra.tileset, 'infrastructure', ie * 2)), written);
  }
  const current = [...new Set([...files, ...s.infra.files])];
  if (changed) {
    s.previousFiles = s.publishedFiles;
    s.publishedFiles = current;
  }
  const removed = await collectGarbage(outDir, new Set([...current, ...s.previousFiles]));
  await writeIfChanged(outDir, STATE_FILE, JSON.stringify(s), []);
  existing.delete(outDir);
  // Consumed changes are no longer needed (the state records where we are).
  await db.query('DELETE FROM tile_change WHERE park_idx = $1 AND id <= $2', [park.idx, changeId]);
  return {
    park: park.code,
    mode: mode!,
    version: s.version,
    changed,
    written,
    removed,
    features: stats.features,
    triangles: stats.triangles,
    buildingsRetiled,
    ms: performance.now() - t0,
    warnings,
  };
}

async function buildSite(
  db: Db,
  outDir: string,
  park: ParkRow,
  state: TilerState,
  project: Project,
  written: string[],
  stats: { features: number; triangles: number },
  rows?: EquipmentRow[],
): Promise<void> {
  const site = rows ?? (await loadSiteEquipment(db, park.idx));
  const byLeaf = new Map<string, EquipmentRow[]>();
  for (const e of site) {
    const p = decodePoint(e.position);
    const [x, y] = project(p[0], p[1]);
    const leaf = leafFor(state.leaves, x, y);
    if (!leaf) continue;
    const list = byLeaf.get(leaf.key) ?? [];
    list.push(e);
    byLeaf.set(leaf.key, list);
  }
  for (const leaf of state.leaves) {
    const c = equipmentContent(byLeaf.get(leaf.key) ?? [], project, () => undefined);
    if (!c) {
      delete leaf.site;
      continue;
    }
    leaf.site = { uri: await writeContent(outDir, `site-${leaf.key}`, c, written), bounds: c.bounds };
    stats.features += c.features;
    stats.triangles += c.triangles;
  }
}

/** Deletes content files that neither the current nor the previous publication references. */
async function collectGarbage(outDir: string, keep: Set<string>): Promise<string[]> {
  const removed: string[] = [];
  for (const f of await fs.readdir(outDir)) {
    if ((f.endsWith('.glb') || f.endsWith('.tmp')) && !keep.has(f)) {
      await fs.rm(path.join(outDir, f), { force: true });
      removed.push(f);
    }
  }
  return removed;
}

/** Exposed for tests: the bounds a `box` bounding volume encloses. */
export { boundsOfBox };
