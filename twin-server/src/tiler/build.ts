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
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Db, Queryable } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { enuFrame } from './enu.ts';
import { quadtree, boundingSquare, leafFor, type Rect } from './subdivide.ts';
import { equipmentContent, infraContent, overviewContent, prepareBuilding, type Bounds, type PreparedBuilding, type Project } from './content.ts';
import {
  boxOf, buildBuilding, ContentWriter, ERR_EQUIPMENT, runLeafJob, sha, unionBounds,
  type BuildingState, type LeafJob, type LeafResult, type TileJson, type TileStats,
} from './leaf.ts';
import { leafPool } from './pool.ts';
import {
  interiorBytes, latestChangeId, loadBuildings, loadInfrastructure, loadInteriors, loadPark, loadSiteEquipment,
  missingSpatialIndexes, pendingChanges, streamInteriors, type BuildingRow, type EquipmentRows, type InteriorBytes, type ParkRow,
} from './source.ts';
import { concatRows } from './copy.ts';
import { decodeEwkb, decodePoint } from './source.ts';

/** Tuning of the spatial split. */
export interface TilerLimits {
  /** Buildings per overview leaf. */
  readonly maxBuildingsPerTile: number;
  /** Triangles per overview leaf (estimated from footprint sizes). */
  readonly maxTrianglesPerTile: number;
  /** Pipe segments + nodes per infrastructure tile. */
  readonly maxInfraPerTile: number;
  /** Raw interior bytes (floors, rooms, equipment as read) per unit of work of a full build. */
  readonly batchBytes: number;
}

export const DEFAULT_LIMITS: TilerLimits = { maxBuildingsPerTile: 32, maxTrianglesPerTile: 60_000, maxInfraPerTile: 2_000, batchBytes: 2_000_000 };

/** Options of one build. */
export interface BuildOptions {
  /** Folder of this park's tileset (usually config.tilesetDir/<code>). */
  readonly outDir: string;
  readonly park: string;
  /** Ignore the saved state and rebuild everything (files with unchanged bytes are still kept). */
  readonly full?: boolean;
  readonly limits?: Partial<TilerLimits>;
  readonly log?: Logger;
  /**
   * Worker threads for a full build of a park with several leaves (default: one per core, at most
   * 4); 0 tiles in this thread. Output is the same either way.
   */
  readonly workers?: number;
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

function boundsOfBox(box: readonly number[]): Bounds {
  return [box[0]! - box[3]!, box[1]! - box[7]!, box[2]! - box[11]!, box[0]! + box[3]!, box[1]! + box[7]!, box[2]! + box[11]!];
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

/**
 * The geometric error of a tile without content: the horizontal diagonal of its bounds, and at
 * least twice its children's, so errors still shrink downwards. A contentless REPLACE tile that a
 * viewer does not refine draws nothing; with an error from its size it refines whenever it covers
 * more than a few pixels (a 16 px target at 1080p: from under ~29 diagonals away).
 */
export function contentlessError(bounds: Bounds, childErrors: readonly number[]): number {
  const diag = Math.hypot(bounds[3] - bounds[0], bounds[4] - bounds[1]);
  return Math.max(diag, 2 * Math.max(0, ...childErrors));
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
        // No content of its own: the error must make a viewer refine it wherever its children
        // are on screen (from its size), else whole quadrants stay undrawn from afar.
        geometricError: contentlessError(bounds, kids.map((k) => k.tile.geometricError)),
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
  const rootTile: TileJson = {
    transform,
    boundingVolume: { box: boxOf(root.bounds, 2) },
    geometricError: contentlessError(root.bounds, [root.tile.geometricError]),
    refine: 'REPLACE',
    children: [root.tile],
  };
  return { json: { root: rootTile }, files };
}

/** Builds the infrastructure tileset (pipes, cables, nodes), split spatially with a cap per tile. */
async function buildInfra(
  db: Db,
  out: ContentWriter,
  park: ParkRow,
  project: Project,
  transform: number[],
  limits: TilerLimits,
  stats: TileStats,
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
    const uri = out.write(`infra-${leaf.key}`, c);
    files.push(uri);
    stats.features += c.features;
    stats.triangles += c.triangles;
    children.push({ boundingVolume: { box: boxOf(c.bounds, 0.2) }, geometricError: 0, content: { uri } });
    all.push(c.bounds);
  }
  const b = unionBounds(all);
  return {
    files,
    tileset: {
      // The root has no content either: refined whenever the networks are on screen.
      root: { transform, boundingVolume: { box: boxOf(b, 1) }, geometricError: Math.max(10, contentlessError(b, [])), refine: 'ADD', children },
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

/** A building's share of its leaf's triangle cap: an estimate from its footprint's vertices. */
const leafWeight = (pb: PreparedBuilding): number => pb.rings.reduce((s, r) => s + r.length, 0) * 4;

async function bumpVersion(db: Queryable, parkIdx: number, current: number, changeId: number): Promise<number> {
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

/** What the steps of one build share: the park, its frame, the content writer and the counters. */
interface BuildRun {
  readonly db: Db;
  readonly opts: BuildOptions;
  readonly limits: typeof DEFAULT_LIMITS;
  readonly park: ParkRow;
  readonly outDir: string;
  readonly out: ContentWriter;
  readonly project: Project;
  readonly transform: number[];
  readonly stats: TileStats;
  readonly warnings: string[];
}

/**
 * One build, the folder's lock held: an incremental update from the change table when the saved
 * state allows it (`updateFromChanges`), else a full build (`buildFull`), then `publish`.
 */
async function buildLocked(db: Db, opts: BuildOptions): Promise<BuildResult> {
  const t0 = performance.now();
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const park = await loadPark(db, opts.park);
  if (!park) throw new Error(`no park with code ${JSON.stringify(opts.park)}`);
  const outDir = opts.outDir;
  await fs.mkdir(outDir, { recursive: true });
  const warnings: string[] = [];
  const frame = enuFrame(park.lon, park.lat, park.h);
  // The folder's files, read once per build (another process or a person may have changed it since the last one).
  // Only files a finished build published are known complete: anything else in the folder (left
  // by a build that crashed) is written again, by replacement.
  const saved = await readState(outDir);
  const published = new Set([...(saved?.publishedFiles ?? []), ...(saved?.previousFiles ?? [])]);
  const out = new ContentWriter(outDir, new Set((await fs.readdir(outDir)).filter((f) => published.has(f))));
  const b: BuildRun = { db, opts, limits, park, outDir, out, project: frame.projector(), transform: frame.transform, stats: { features: 0, triangles: 0 }, warnings };

  let state = opts.full ? null : saved;
  if (state && (state.parkUuid !== park.uuid || state.origin.join() !== [park.lon, park.lat, park.h].join())) state = null;
  // Files left in the folder by another database (a new or reset data folder, an older backup
  // restored) are not this database's publication: when it has no tileset row for the park, or an
  // older version than the folder's, rebuild in full instead of trusting them (unchanged bytes
  // keep their files, and the database gets its row, so /api/tiles/<park>/version answers).
  if (state && !(await publishedHere(db, park.idx, state.version))) state = null;
  // Read the change id before the data, so edits made while we build are picked up next time.
  let mode: BuildResult['mode'] = 'full';
  let buildingsRetiled = 0;
  let changeId: number;
  if (state) {
    const ch = await pendingChanges(db, park.idx, state.changeId);
    changeId = ch.maxId;
    if (ch.maxId === state.changeId) {
      return { park: park.code, mode: 'none', version: state.version, changed: false, written: out.written, removed: [], features: 0, triangles: 0, buildingsRetiled: 0, ms: performance.now() - t0, warnings };
    }
    const retiled = await updateFromChanges(b, state, ch);
    if (retiled === null) state = null; // re-plan the quadtree: a full build
    else {
      mode = 'incremental';
      buildingsRetiled = retiled;
    }
  } else {
    changeId = await latestChangeId(db);
  }
  if (!state) {
    const full = await buildFull(b, changeId);
    state = full.state;
    buildingsRetiled = full.retiled;
  }
  const { changed, removed } = await publish(b, state, changeId);
  return {
    park: park.code,
    mode,
    version: state.version,
    changed,
    written: out.written,
    removed,
    features: b.stats.features,
    triangles: b.stats.triangles,
    buildingsRetiled,
    ms: performance.now() - t0,
    warnings,
  };
}

/**
 * Whether this database has seen the folder's publication `version` of the park: it has a tileset
 * row at that version or later (another folder of the same park, as tests build, may be ahead).
 */
async function publishedHere(db: Db, parkIdx: number, version: number): Promise<boolean> {
  const r = await db.query<{ version: number }>('SELECT version FROM tileset_state WHERE park_idx = $1', [parkIdx]);
  const v = r.rows[0]?.version;
  return v !== undefined && v >= version;
}

/**
 * Applies the pending changes to the saved state `s`: changed buildings, and buildings added or
 * removed, are re-tiled in the leaf their centroid falls in, with those leaves' overviews and the
 * site and infrastructure layers when they changed. Returns how many buildings were re-tiled, or
 * null when a new building fits no leaf or a leaf would break its caps (the quadtree must be
 * re-planned: the caller does a full build and drops `s`).
 */
async function updateFromChanges(b: BuildRun, s: TilerState, ch: Awaited<ReturnType<typeof pendingChanges>>): Promise<number | null> {
  const { db, park, out, project, transform, limits, stats } = b;
  let buildingsRetiled = 0;
  // Changed buildings, and buildings added or removed ('layout'): each goes to the leaf its
  // centroid falls in; the quadtree is re-planned only when a leaf would break its caps.
  const ids = [...new Set([...ch.buildings, ...ch.layout])];
  const rows = ids.length > 0 ? await loadBuildings(db, park.idx, ids) : [];
  const present = new Set(rows.map((r) => r.idx));
  const placed = rows.map((row) => {
    const pb = prepareBuilding(row, project);
    return { pb, leaf: leafFor(s.leaves, pb.centroid[0], pb.centroid[1]) };
  });
  const dirtyLeaves = new Set<string>();
  const leafOf = (key: string) => s.leaves.find((l) => l.key === key);
  for (const idx of ch.layout) {
    const old = s.buildings[idx];
    if (present.has(idx) || !old) continue;
    const from = leafOf(old.leaf);
    if (from) {
      from.buildings = from.buildings.filter((i) => i !== idx);
      dirtyLeaves.add(from.key);
    }
    delete s.buildings[idx];
  }
  for (const { pb, leaf } of placed) {
    if (!leaf) continue;
    const old = s.buildings[pb.row.idx];
    const from = old && old.leaf !== leaf.key ? leafOf(old.leaf) : undefined;
    if (from) {
      from.buildings = from.buildings.filter((i) => i !== pb.row.idx);
      dirtyLeaves.add(from.key);
    }
    if (!leaf.buildings.includes(pb.row.idx)) leaf.buildings.push(pb.row.idx);
    dirtyLeaves.add(leaf.key);
  }
  const leafRows = new Map<string, PreparedBuilding[]>();
  for (const key of dirtyLeaves) leafRows.set(key, (await loadBuildings(db, park.idx, leafOf(key)!.buildings)).map((r) => prepareBuilding(r, project)));
  const overfull = [...leafRows.values()].some((list) =>
    list.length > 1 && (list.length > limits.maxBuildingsPerTile || list.reduce((w, pb) => w + leafWeight(pb), 0) > limits.maxTrianglesPerTile));
  // A new building fits no leaf, or a leaf overflows: the quadtree must be re-planned.
  if (placed.some((p) => !p.leaf) || overfull) return null;
  if (placed.length > 0) {
    const interiors = await loadInteriors(db, [...present]);
    const equipmentOf = interiors.equipment.byBuilding();
    const roomsOf = interiors.rooms.byBuilding();
    for (const { pb, leaf } of placed) {
      const bs = buildBuilding(out, pb, {
        floors: interiors.floors.filter((f) => f.building_idx === pb.row.idx),
        rooms: interiors.rooms,
        roomSel: roomsOf.get(pb.row.idx) ?? [],
        equipment: interiors.equipment,
        equipmentSel: equipmentOf.get(pb.row.idx) ?? [],
      }, project, stats);
      bs.leaf = leaf!.key;
      s.buildings[pb.row.idx] = bs;
      buildingsRetiled++;
    }
  }
  for (const [key, list] of leafRows) {
    const leaf = leafOf(key)!;
    if (list.length === 0) {
      delete leaf.overview;
      continue;
    }
    const ov = overviewContent(list);
    leaf.overview = { uri: out.write(`overview-${leaf.key}`, ov), bounds: ov.bounds };
    stats.features += ov.features;
    stats.triangles += ov.triangles;
  }
  if (ch.layers.has('site')) await buildSite(db, out, park, s, project, stats);
  if (ch.layers.has('infra')) s.infra = await buildInfra(db, out, park, project, transform, limits, stats);
  return buildingsRetiled;
}

/**
 * A full build: plans the quadtree over every building (and outdoor equipment), tiles all leaves
 * on the worker pool while the site and infrastructure layers are built here, and returns the new
 * state (version and published files carried over from the folder's last one) and how many
 * buildings were tiled.
 */
async function buildFull(b: BuildRun, changeId: number): Promise<{ state: TilerState; retiled: number }> {
  const { db, opts, park, out, outDir, project, transform, limits, stats, warnings } = b;
  let buildingsRetiled = 0;
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
  const sitePts: Array<[number, number]> = [];
  for (let i = 0; i < site.count; i++) {
    const p = site.position(i);
    sitePts.push(project(p[0], p[1]));
  }
  const rect = boundingSquare([...prepared.map((p) => p.centroid), ...sitePts], 10);
  const leaves = quadtree(
    prepared.map((p) => ({ id: p.row.idx, x: p.centroid[0], y: p.centroid[1], weight: leafWeight(p) })),
    rect,
    { maxItems: limits.maxBuildingsPerTile, maxWeight: limits.maxTrianglesPerTile },
  );
  const state: TilerState = {
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
  const st = state;
  // Outdoor equipment and networks are tiled here while the workers finish the last batches.
  const results = await tileAll(db, park.idx, state.leaves, rows, out, [park.lon, park.lat, park.h], limits.batchBytes, opts.workers, async () => {
    await buildSite(db, out, park, st, project, stats, site);
    st.infra = await buildInfra(db, out, park, project, transform, limits, stats);
  });
  // Later results replace earlier ones (a building read again after a straggling row).
  const built = new Map<number, [BuildingState, TileStats]>();
  const overviews = new Map<string, [{ uri: string; bounds: Bounds }, TileStats]>();
  for (const r of results) {
    for (const [idx, bs, s] of r.buildings) built.set(idx, [bs, s]);
    for (const [key, ov, s] of r.overviews) overviews.set(key, [ov, s]);
  }
  for (const leaf of state.leaves) {
    for (const idx of leaf.buildings) {
      const [bs, s] = built.get(idx)!;
      bs.leaf = leaf.key;
      state.buildings[idx] = bs;
      buildingsRetiled++;
      stats.features += s.features;
      stats.triangles += s.triangles;
    }
    const ov = overviews.get(leaf.key);
    if (ov) {
      leaf.overview = ov[0];
      stats.features += ov[1].features;
      stats.triangles += ov[1].triangles;
    }
  }
  return { state, retiled: buildingsRetiled };
}

/**
 * Publishes state `s`: writes tileset.json and infra.json, bumps the version when either changed,
 * collects files no longer referenced (keeping the previous generation), saves the state and
 * drops the consumed change rows.
 */
async function publish(b: BuildRun, s: TilerState, changeId: number): Promise<{ changed: boolean; removed: string[] }> {
  const { db, park, out, outDir, transform } = b;
  const written = out.written;
  const { json, files } = assembleTileset(s, transform);
  const rootErr = (json.root as TileJson).geometricError;
  const bodyHash = sha(JSON.stringify(json));
  const infraHash = sha(JSON.stringify(s.infra.tileset));
  const changed = bodyHash !== s.tilesetHash || infraHash !== s.infraHash;
  // The version row is what GET /api/tiles/:park/version answers: it is bumped in a transaction
  // that commits only once tileset.json and infra.json of that version are in place, so no client
  // is ever told of a version (or, for a new park, of a tileset) before its files exist. A failed
  // write rolls the bump back. Readers see the old row meanwhile (the row lock only holds writers).
  const next = await db.transaction(async (tx) => {
    let version = s.version;
    if (changed) version = await bumpVersion(tx, park.idx, s.version, changeId);
    else {
      await tx.query(
        `INSERT INTO tileset_state (park_idx, version, change_id) VALUES ($1, $2, $3)
         ON CONFLICT (park_idx) DO UPDATE SET change_id = EXCLUDED.change_id, built_at = now()`,
        [park.idx, s.version, changeId],
      );
    }
    const infraVersion = infraHash !== s.infraHash ? version : s.infraVersion;
    await writeIfChanged(outDir, 'tileset.json', JSON.stringify(tilesetDoc(park, version, json, 'buildings', rootErr * 2)), written);
    if (s.infra.tileset) {
      const ie = (s.infra.tileset.root as TileJson).geometricError;
      await writeIfChanged(outDir, 'infra.json', JSON.stringify(tilesetDoc(park, infraVersion, s.infra.tileset, 'infrastructure', ie * 2)), written);
    }
    return { version, infraVersion };
  });
  s.version = next.version;
  s.infraVersion = next.infraVersion;
  s.tilesetHash = bodyHash;
  s.infraHash = infraHash;
  s.changeId = changeId;
  const current = [...new Set([...files, ...s.infra.files])];
  if (changed) {
    s.previousFiles = s.publishedFiles;
    s.publishedFiles = current;
  }
  const removed = await collectGarbage(outDir, new Set([...current, ...s.previousFiles]));
  await writeIfChanged(outDir, STATE_FILE, JSON.stringify(s), []);
  // Consumed changes are no longer needed (the state records where we are).
  await db.query('DELETE FROM tile_change WHERE park_idx = $1 AND id <= $2', [park.idx, changeId]);
  return { changed, removed };
}

/**
 * Tiles every building of a full build and every leaf's overview. The main thread streams the
 * park's floors, rooms and equipment (one binary COPY per table, `streamInteriors`) and hands each
 * batch of buildings, as raw bytes, to worker threads, which parse, tessellate, encode and write
 * while the next batches are read. A bounded number of batches is in flight, so memory does not
 * grow with the park. Small parks (a few leaves) are tiled in this thread. `meanwhile` runs once
 * every batch has been handed out, while the last ones are still being tiled. Results come back
 * in the order the work was handed out; a building read again (a straggler) comes after its
 * first, incomplete, result.
 */
async function tileAll(
  db: Db,
  parkIdx: number,
  leaves: readonly LeafState[],
  rows: readonly BuildingRow[],
  out: ContentWriter,
  origin: [number, number, number],
  batchBytes: number,
  workers = Math.min(4, os.availableParallelism()),
  meanwhile: () => Promise<void> = async () => {},
): Promise<LeafResult[]> {
  const pool = workers > 0 && leaves.length >= 4 ? leafPool(workers) : null;
  const byIdx = new Map(rows.map((r) => [r.idx, r]));
  // The folder's content names by prefix ("b12-shell", "overview-r03"), so each job gets its own.
  const have = new Map<string, string[]>();
  for (const f of out.names()) {
    const k = f.slice(0, f.lastIndexOf('-'));
    const list = have.get(k);
    if (list) list.push(f);
    else have.set(k, [f]);
  }
  const haveOf = (prefixes: string[]) => prefixes.flatMap((p) => have.get(p) ?? []);
  const buildingPrefixes = (ids: readonly number[]) => ids.flatMap((b) => [`b${b}-shell`, `b${b}-interior`, `b${b}-equipment`]);
  const results: Promise<LeafResult>[] = [];
  const inFlight = pool ? pool.size * 2 : 1;
  const run = async (job: LeafJob) => {
    // Buffers the job owns whole move to the worker; others (Node's shared pool of small buffers) are copied.
    const i = job.interiors;
    const own = [i.floors, i.rooms, i.equipment].filter((a) => a.byteOffset === 0 && a.byteLength === a.buffer.byteLength).map((a) => a.buffer as ArrayBuffer);
    const r = pool ? pool.run(job, own) : Promise.resolve(runLeafJob(job));
    r.catch(() => {}); // awaited below
    results.push(r);
    if (results.length >= inFlight) await results[results.length - inFlight];
  };
  const empty = (): InteriorBytes => ({ floors: concatRows([]), rooms: concatRows([]), equipment: concatRows([]) });
  // The overviews first (footprints only, already here), while the interiors start streaming.
  await run({
    outDir: out.outDir, origin, buildings: [], interiors: empty(),
    overviews: leaves.map((l) => ({ key: l.key, buildings: l.buildings.map((b) => byIdx.get(b)!) })),
    have: haveOf(leaves.map((l) => `overview-${l.key}`)),
  });
  const job = (ids: number[], interiors: InteriorBytes): LeafJob => ({
    outDir: out.outDir, origin, buildings: ids.map((b) => byIdx.get(b)!), interiors, overviews: [], have: haveOf(buildingPrefixes(ids)),
  });
  const batches = streamInteriors(db, parkIdx, rows.map((r) => r.idx), batchBytes);
  let stragglers: Set<number>;
  try {
    for (;;) {
      const b = await batches.next();
      if (b.done) {
        stragglers = b.value;
        break;
      }
      await run(job(b.value.buildings, b.value.interiors));
    }
  } catch (err) {
    await batches.return(new Set()).catch(() => {});
    throw err;
  }
  // Buildings that got a row out of order: read each again on its own terms.
  const again = [...stragglers].sort((a, b) => a - b);
  for (let k = 0; k < again.length; k += 32) {
    const ids = again.slice(k, k + 32);
    await run(job(ids, await interiorBytes(db, ids)));
  }
  await meanwhile();
  const done = await Promise.all(results);
  for (const r of done) for (const f of r.written) out.add(f);
  return done;
}

async function buildSite(
  db: Db,
  out: ContentWriter,
  park: ParkRow,
  state: TilerState,
  project: Project,
  stats: TileStats,
  rows?: EquipmentRows,
): Promise<void> {
  const site = rows ?? (await loadSiteEquipment(db, park.idx));
  const byLeaf = new Map<string, number[]>();
  for (let i = 0; i < site.count; i++) {
    const p = site.position(i);
    const [x, y] = project(p[0], p[1]);
    const leaf = leafFor(state.leaves, x, y);
    if (!leaf) continue;
    const list = byLeaf.get(leaf.key) ?? [];
    list.push(i);
    byLeaf.set(leaf.key, list);
  }
  for (const leaf of state.leaves) {
    const c = equipmentContent(site, byLeaf.get(leaf.key) ?? [], project, undefined);
    if (!c) {
      delete leaf.site;
      continue;
    }
    leaf.site = { uri: out.write(`site-${leaf.key}`, c), bounds: c.bounds };
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
