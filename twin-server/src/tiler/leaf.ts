/**
 * One unit of tiling work, the same in the main thread and in a worker thread: a batch of
 * buildings (usually one quadtree leaf) turned into their detail, interior and equipment contents
 * and, optionally, the leaf's overview; each content written to a file named by its hash. Input
 * is plain data (building rows and the raw binary COPY bytes of their interiors), so a job can be
 * posted to a worker as it is.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import { enuFrame } from './enu.ts';
import {
  equipmentContent, interiorContent, overviewContent, prepareBuilding, shellContent,
  type Bounds, type Content, type PreparedBuilding, type Project,
} from './content.ts';
import { parseInteriors, type BuildingRow, type CopyRows, type EquipmentRows, type FloorRow, type InteriorBytes } from './source.ts';

// Geometric errors (metres). Each level must be larger than everything below it.
export const ERR_EQUIPMENT = 0;
export const ERR_INTERIOR = 1.5;

/** A tile of tileset.json. */
export interface TileJson {
  boundingVolume: { box: number[] };
  geometricError: number;
  refine?: 'ADD' | 'REPLACE';
  content?: { uri: string };
  children?: TileJson[];
  transform?: number[];
}

/** What the tiler remembers of one building's subtree. */
export interface BuildingState {
  leaf: string;
  centroid: [number, number];
  tile: TileJson;
  bounds: Bounds;
  files: string[];
}

/** Counters of one build. */
export interface TileStats {
  features: number;
  triangles: number;
}

export const sha = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

/** The union of bounds (a unit box when there are none). */
export function unionBounds(list: readonly (Bounds | undefined)[]): Bounds {
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

/** Millimetres are plenty for tileset.json numbers. */
export const mm = (v: number): number => Math.round(v * 1000) / 1000;

/** A 3D Tiles `box` (centre + half axes) around bounds, padded a little so contents sit inside. */
export function boxOf(b: Bounds, pad = 0.05): number[] {
  const c = [(b[0] + b[3]) / 2, (b[1] + b[4]) / 2, (b[2] + b[5]) / 2];
  const h = [(b[3] - b[0]) / 2 + pad, (b[4] - b[1]) / 2 + pad, (b[5] - b[2]) / 2 + pad];
  return [mm(c[0]!), mm(c[1]!), mm(c[2]!), mm(h[0]!), 0, 0, 0, mm(h[1]!), 0, 0, 0, mm(h[2]!)];
}

/**
 * Writes contents into one output folder under hash names, skipping names (so bytes) already
 * there; records what it wrote. `have` is the folder's relevant file names, read once.
 */
export class ContentWriter {
  readonly written: string[] = [];

  constructor(
    readonly outDir: string,
    private readonly have: Set<string>,
  ) {}

  /** Names known to be in the folder. */
  names(): Iterable<string> {
    return this.have;
  }

  /** Records a file written by someone else (a worker) into the folder. */
  add(name: string): void {
    if (this.have.has(name)) return;
    this.have.add(name);
    this.written.push(name);
  }

  /**
   * Writes `c` as `<prefix>-<hash>.glb` unless present; returns the file name. Synchronous: in a
   * worker nothing else waits, and in the main thread a write is shorter than the tessellation
   * before it, at less than half the CPU of the promise-based calls.
   */
  write(prefix: string, c: Content): string {
    const name = `${prefix}-${sha(c.glb).slice(0, 20)}.glb`;
    if (!this.have.has(name)) {
      const file = path.join(this.outDir, name);
      try {
        // A new name: created and written in place. No tileset refers to it before the build ends,
        // and a crash part-way leaves a file the next build does not trust (not in its state).
        fs.writeFileSync(file, c.glb, { flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        // Already there, untrusted (a crashed build's, or another worker's right now): replaced
        // whole by a rename, so a reader never sees it half written. Temporary names are per
        // thread, since two workers may write the same content at once (a building read again).
        const tmp = `${file}.${process.pid}-${threadId}.tmp`;
        fs.writeFileSync(tmp, c.glb);
        fs.renameSync(tmp, file);
      }
      this.have.add(name);
      this.written.push(name);
    }
    return name;
  }
}

/** One building's interior rows: its floors and rooms, and its rows of a batch's equipment. */
export interface BuildingInterior {
  readonly floors: readonly FloorRow[];
  /** A batch's rooms, and the rows of this building's (by idx). */
  readonly rooms: CopyRows;
  readonly roomSel: readonly number[];
  readonly equipment: EquipmentRows;
  /** Rows of `equipment` in this building, by idx. */
  readonly equipmentSel: readonly number[];
}

/** Builds one building's subtree: detail shell -> interior -> equipment. */
export function buildBuilding(
  out: ContentWriter,
  pb: PreparedBuilding,
  interior: BuildingInterior,
  project: Project,
  stats: TileStats,
): BuildingState {
  // Each content is written as soon as it is made: its bytes live in a buffer the next one reuses.
  const files: string[] = [];
  const put = (kind: string, c: Content): string => {
    const uri = out.write(`b${pb.row.idx}-${kind}`, c);
    files.push(uri);
    stats.features += c.features;
    stats.triangles += c.triangles;
    return uri;
  };
  const shell = shellContent(pb, interior.floors, project);
  const shellUri = put('shell', shell);
  const maxFloor = Math.max(3, ...interior.floors.map((f) => f.height));
  const tile: TileJson = {
    boundingVolume: { box: [] },
    geometricError: mm(Math.max(ERR_INTERIOR + 1, maxFloor)),
    refine: 'REPLACE',
    content: { uri: shellUri },
  };
  const all: Bounds[] = [shell.bounds];
  const below: TileJson[] = [];
  const equip = equipmentContent(interior.equipment, interior.equipmentSel, project, pb.row.code);
  if (equip) below.push({ boundingVolume: { box: boxOf(equip.bounds) }, geometricError: ERR_EQUIPMENT, content: { uri: put('equipment', equip) } });
  const inner = interiorContent(pb, interior.floors, interior.rooms, interior.roomSel, project);
  if (inner) {
    const uri = put('interior', inner);
    const ib: Bounds[] = [inner.bounds, ...(equip ? [equip.bounds] : [])];
    tile.children = [{ boundingVolume: { box: boxOf(unionBounds(ib), 0.1) }, geometricError: ERR_INTERIOR, refine: 'ADD', content: { uri }, ...(below.length ? { children: below } : {}) }];
    all.push(...ib);
  } else if (equip) {
    tile.children = below;
    all.push(equip.bounds);
  }
  const bounds = unionBounds(all);
  tile.boundingVolume.box = boxOf(bounds, 0.2);
  return { leaf: '', centroid: pb.centroid, tile, bounds, files };
}

/** A batch of buildings to tile, as plain data (postable to a worker). */
export interface LeafJob {
  readonly outDir: string;
  /** Park origin: lon, lat, ellipsoidal height. */
  readonly origin: readonly [number, number, number];
  /** Buildings whose subtrees to build. */
  readonly buildings: readonly BuildingRow[];
  readonly interiors: InteriorBytes;
  /** Quadtree leaves whose overview to (re)build, each from its buildings. */
  readonly overviews: ReadonlyArray<{ readonly key: string; readonly buildings: readonly BuildingRow[] }>;
  /** Content files of these buildings and leaves already in the folder. */
  readonly have: readonly string[];
}

/** What a job produced. */
export interface LeafResult {
  /** Each building's subtree, with the features and triangles of its contents. */
  readonly buildings: Array<[number, BuildingState, TileStats]>;
  readonly overviews: Array<[string, { uri: string; bounds: Bounds }, TileStats]>;
  readonly written: string[];
}

/** Groups rows by their building. */
function byBuilding<T extends { building_idx: number | null }>(rows: readonly T[]): Map<number, T[]> {
  const m = new Map<number, T[]>();
  for (const r of rows) {
    if (r.building_idx === null) continue;
    const list = m.get(r.building_idx);
    if (list) list.push(r);
    else m.set(r.building_idx, [r]);
  }
  return m;
}

/** Runs one job (in whichever thread calls it). */
export function runLeafJob(job: LeafJob): LeafResult {
  const project = enuFrame(job.origin[0], job.origin[1], job.origin[2]).projector();
  const out = new ContentWriter(job.outDir, new Set(job.have));
  const rows = parseInteriors(job.interiors);
  const floors = byBuilding(rows.floors);
  const rooms = rows.rooms.byBuilding();
  const equipment = rows.equipment.byBuilding();
  const buildings: LeafResult['buildings'] = [];
  for (const b of job.buildings) {
    const pb = prepareBuilding(b, project);
    const i = b.idx;
    const interior = {
      floors: floors.get(i) ?? [], rooms: rows.rooms, roomSel: rooms.get(i) ?? [], equipment: rows.equipment, equipmentSel: equipment.get(i) ?? [],
    };
    const stats: TileStats = { features: 0, triangles: 0 };
    buildings.push([i, buildBuilding(out, pb, interior, project, stats), stats]);
  }
  const overviews: LeafResult['overviews'] = [];
  for (const leaf of job.overviews) {
    if (leaf.buildings.length === 0) continue;
    const ov = overviewContent(leaf.buildings.map((b) => prepareBuilding(b, project)));
    overviews.push([leaf.key, { uri: out.write(`overview-${leaf.key}`, ov), bounds: ov.bounds }, { features: ov.features, triangles: ov.triangles }]);
  }
  return { buildings, overviews, written: out.written };
}
