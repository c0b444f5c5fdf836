/**
 * The deterministic sample park: `seedPark` generates a fictional science park near Hangzhou
 * from a seed and a scale and writes it in one transaction; `parkChecksum` hashes what a park
 * owns so runs can be compared byte for byte.
 */
import type { Db, Tx } from '../db/index.ts';
import { generatePark, objectCount } from './generate.ts';
import { writePark, type SeedProgress } from './write.ts';

export { parkChecksum } from './checksum.ts';
export { asOfDate, generatePark } from './generate.ts';
export type { SeedProgress } from './write.ts';
export type { ParkData } from './model.ts';

/** The park code used when none is given. */
export const DEFAULT_PARK_CODE = 'sample-park';

/** Options of one seeding run. */
export interface SeedOptions {
  /** PRNG seed; the same seed, scale and code give byte-identical data. */
  readonly seed: number;
  /** 1 = about 28 buildings and 4,000 rooms; 0.1 is a tiny park for tests; 20 for benchmarks. */
  readonly scale: number;
  /** Park code (default `sample-park`); an existing park with this code is replaced. */
  readonly code?: string;
  readonly onProgress?: (p: SeedProgress) => void;
}

/** What a seeding run produced. */
export interface SeedResult {
  readonly code: string;
  readonly parkIdx: number;
  readonly asOf: string;
  readonly replaced: boolean;
  readonly counts: Readonly<Record<string, number>>;
}

/**
 * Generates the park and writes it in one transaction, replacing a park with the same code.
 * On a database with no other twin objects the park's objects get idx 1..N (the sequence is
 * reset and then set past N); otherwise they follow the highest idx in use.
 */
export async function seedPark(db: Db, opts: SeedOptions): Promise<SeedResult> {
  return (await seed(db, opts, false))!;
}

/**
 * Seeds only when the database has no park at all (checked again under the seeding lock, so two
 * servers starting together on one empty database seed once). Returns null when it did nothing.
 */
export async function seedIfNoPark(db: Db, opts: SeedOptions): Promise<SeedResult | null> {
  if (await anyPark(db)) return null;
  return seed(db, opts, true);
}

async function anyPark(q: Tx): Promise<boolean> {
  return (await q.query('SELECT 1 FROM park LIMIT 1')).rows.length > 0;
}

async function seed(db: Db, opts: SeedOptions, onlyIfEmpty: boolean): Promise<SeedResult | null> {
  const code = opts.code ?? DEFAULT_PARK_CODE;
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(code)) throw new Error(`invalid park code ${JSON.stringify(code)}: use a-z, 0-9 and -`);
  if (!Number.isInteger(opts.seed) || opts.seed < 0) throw new Error('seed must be a non-negative integer');
  if (!(opts.scale >= 0.05 && opts.scale <= 100)) throw new Error('scale must be from 0.05 to 100');
  const progress = opts.onProgress ?? (() => {});
  progress({ stage: 'generate', done: 0, total: 1 });
  const data = generatePark(opts.seed, opts.scale, code, 1);
  const n = objectCount(data);
  progress({ stage: 'generate', done: 1, total: 1 });
  return db.transaction(async (tx) => {
    // Two seeders racing on one database wait for each other instead of colliding on idx.
    await tx.query('SELECT pg_advisory_xact_lock(72007002)');
    if (onlyIfEmpty && (await anyPark(tx))) return null;
    const old = await tx.query<{ idx: number }>('SELECT idx FROM park WHERE code = $1', [code]);
    if (old.rows.length > 0) {
      await removePark(tx, old.rows[0]!.idx, progress);
      // With no lease left anywhere, restart lease ids so a re-seed matches a fresh seed exactly.
      const leases = await tx.query('SELECT 1 FROM lease LIMIT 1');
      if (leases.rows.length === 0) await tx.query("SELECT setval(pg_get_serial_sequence('lease', 'id'), 1, false)");
    }
    const max = await tx.query<{ m: number | null }>('SELECT max(idx) AS m FROM twin_object');
    const first = (max.rows[0]?.m ?? 0) + 1;
    if (first !== 1) {
      const shift = first - 1;
      for (const o of [data.park, ...data.zones, ...data.buildings, ...data.floors, ...data.rooms, ...data.equipment, ...data.enterprises, ...data.pipeNodes, ...data.pipeSegments]) {
        o.idx += shift;
      }
    }
    await writePark(tx, data, progress);
    await tx.query("SELECT setval('twin_idx_seq', $1::int, true)", [first + n - 1]);
    return {
      code,
      parkIdx: data.park.idx,
      asOf: data.asOf,
      replaced: old.rows.length > 0,
      counts: {
        buildings: data.buildings.length,
        floors: data.floors.length,
        rooms: data.rooms.length,
        equipment: data.equipment.length,
        enterprises: data.enterprises.length,
        leases: data.leases.length,
        pipeNodes: data.pipeNodes.length,
        pipeSegments: data.pipeSegments.length,
        workOrders: data.workOrders.length,
        zones: data.zones.length,
        objects: n,
      },
    };
  });
}

const ROOMS_OF_PARK = 'SELECT r.idx FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1';
const FLOORS_OF_PARK = 'SELECT f.idx FROM floor f JOIN building b ON b.idx = f.building_idx WHERE b.park_idx = $1';

/**
 * Deletes a park and everything it owns, leaves first and one statement per kind: deleting the
 * twin_object rows in bulk lets their cascades run once per statement instead of each kind row's
 * release trigger deleting its registry row one at a time (about 3x faster).
 */
async function removePark(tx: Tx, parkIdx: number, progress: (p: SeedProgress) => void): Promise<void> {
  const steps: [string, string][] = [
    ['leases', `DELETE FROM lease WHERE room_idx IN (${ROOMS_OF_PARK}) OR enterprise_idx IN (SELECT idx FROM enterprise WHERE park_idx = $1)`],
    ['equipment', 'DELETE FROM twin_object WHERE idx IN (SELECT idx FROM equipment WHERE park_idx = $1)'],
    ['pipe segments', 'DELETE FROM twin_object WHERE idx IN (SELECT idx FROM pipe_segment WHERE park_idx = $1)'],
    ['pipe nodes', 'DELETE FROM twin_object WHERE idx IN (SELECT idx FROM pipe_node WHERE park_idx = $1)'],
    ['rooms', `DELETE FROM twin_object WHERE idx IN (${ROOMS_OF_PARK})`],
    ['floors', `DELETE FROM twin_object WHERE idx IN (${FLOORS_OF_PARK})`],
    ['enterprises', 'DELETE FROM twin_object WHERE idx IN (SELECT idx FROM enterprise WHERE park_idx = $1)'],
    ['buildings', 'DELETE FROM twin_object WHERE idx IN (SELECT idx FROM building WHERE park_idx = $1)'],
    ['zones', 'DELETE FROM twin_object WHERE idx IN (SELECT idx FROM zone WHERE park_idx = $1)'],
    ['park', 'DELETE FROM park WHERE idx = $1'],
  ];
  let done = 0;
  for (const [, sql] of steps) {
    await tx.query(sql, [parkIdx]);
    progress({ stage: 'remove old park', done: ++done, total: steps.length });
  }
}
