/**
 * `twin bench tiler [--scale S]`: the tiler on real PostgreSQL + PostGIS with the sample park at
 * scale S (default 20), measured side by side in one run against a raw binary COPY of the same
 * rows (geometry and attributes the tiler reads), plus peak memory and incremental re-tiles.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { Args } from '../twin-server/src/cli/args.ts';
import { numberFlag } from '../twin-server/src/cli/args.ts';
import type { Bench } from './types.ts';
import { benchAdminUrl, createScratchDatabase } from '../twin-server/src/db/scratch.ts';
import type { Db } from '../twin-server/src/db/index.ts';
import { seedPark } from '../twin-server/src/seed/index.ts';
import { buildTileset } from '../twin-server/src/tiler/build.ts';

// The same rows and columns the tiler reads (source.ts), for the whole park in one go.
const COPY_QUERIES = [
  `SELECT b.idx, o.uuid, o.name, b.code, b.footprint, b.height, b.floors_above, b.use, b.ground_elevation
   FROM building b JOIN twin_object o ON o.idx = b.idx WHERE b.park_idx = $PARK`,
  `SELECT f.idx, o.uuid, o.name, f.building_idx, f.level, f.elevation, f.height, f.footprint
   FROM floor f JOIN twin_object o ON o.idx = f.idx JOIN building b ON b.idx = f.building_idx WHERE b.park_idx = $PARK`,
  // Rooms and equipment: no name, uuid, code, lease or status (tiles carry no tenant data, docs/tiles.md).
  `SELECT r.building_idx, r.idx, r.floor_idx, r.footprint, r.area, r.use
   FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $PARK`,
  `SELECT e.building_idx, e.idx, e.type, f.level, e.position, e.heading
   FROM equipment e LEFT JOIN floor f ON f.idx = e.floor_idx WHERE e.park_idx = $PARK`,
  `SELECT s.idx, o.uuid, o.name, s.code, s.network, s.geom, s.diameter_mm, s.depth, s.material
   FROM pipe_segment s JOIN twin_object o ON o.idx = s.idx WHERE s.park_idx = $PARK`,
  `SELECT n.idx, o.uuid, o.name, n.code, n.network, n.node_type, n.position
   FROM pipe_node n JOIN twin_object o ON o.idx = n.idx WHERE n.park_idx = $PARK`,
];

/**
 * CPU milliseconds (user + system) the given PostgreSQL backend processes have used so far, read
 * from /proc (only when the server runs on this machine; null otherwise). Clock ticks are 1/100 s.
 */
function backendCpuMs(pids: readonly number[]): number | null {
  try {
    let ticks = 0;
    for (const pid of pids) {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
      ticks += Number(f[11]) + Number(f[12]); // utime, stime
    }
    return ticks * 10;
  } catch {
    return null;
  }
}

/** Streams every COPY to a byte counter; returns bytes, milliseconds and the CPU of both ends. */
async function rawCopy(url: string, parkIdx: number): Promise<{ ms: number; bytes: number; cpuMs: number | null }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const pid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    let bytes = 0;
    const server0 = backendCpuMs([pid]);
    const client0 = process.cpuUsage();
    const t0 = performance.now();
    for (const q of COPY_QUERIES) {
      // parkIdx is an integer we read ourselves; COPY takes no bind parameters.
      const sql = `COPY (${q.replaceAll('$PARK', String(Math.trunc(parkIdx)))}) TO STDOUT (FORMAT binary)`;
      await pipeline(c.query(copyTo(sql)), new Writable({ write(chunk: Buffer, _e, cb) { bytes += chunk.length; cb(); } }));
    }
    const ms = performance.now() - t0;
    const client = process.cpuUsage(client0);
    const server1 = backendCpuMs([pid]);
    const cpuMs = server0 === null || server1 === null ? null : server1 - server0 + (client.user + client.system) / 1000;
    return { ms, bytes, cpuMs };
  } finally {
    await c.end();
  }
}

/** The backend pids serving the bench database (the tiler's pool). */
async function backendPids(db: Db): Promise<number[]> {
  return (await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')).rows.map((r) => r.pid);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The benchmark registered as `tiler`. */
export const tilerBench: Bench = {
  summary: 'tiler on PostgreSQL + PostGIS, sample park at --scale (default 20): features/s, vs raw binary COPY, peak memory, incremental re-tile',
  async run(args: Args): Promise<string[]> {
    const scale = numberFlag(args, 'scale', 20, 0.05, 100);
    const scratch = await createScratchDatabase(benchAdminUrl(), 'twin_bench_tiler');
    const { db, url } = scratch;
    // Output goes where the server writes tiles (TWIN_TILESET_DIR, default ./tilesets), not to /tmp:
    // on the shared build machine creating a file in /tmp costs about 1 ms (something watches it),
    // ten times more than elsewhere on the same disk, which would measure the machine, not the tiler.
    const root = path.resolve(process.env.TWIN_TILESET_DIR ?? 'tilesets');
    fs.mkdirSync(root, { recursive: true });
    const out = fs.mkdtempSync(path.join(root, '.bench-'));
    try {
      let t0 = performance.now();
      const seeded = await seedPark(db, { seed: 20261125, scale, code: 'bench-park' });
      console.log(`  seeded scale ${scale} in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${JSON.stringify(seeded.counts)}`);
      await db.exec('ANALYZE');
      const dir = path.join(out, 'bench-park');

      // Warm both paths once (caches, JIT), then measure them back to back.
      await rawCopy(url, seeded.parkIdx);
      await buildTileset(db, { outDir: path.join(out, 'warm'), park: 'bench-park' });
      fs.rmSync(path.join(out, 'warm'), { recursive: true, force: true });
      // Rounds of COPY, full build, COPY: each build is compared with the COPYs on either side of
      // it (the machine's load drifts), and the medians over the rounds are reported.
      const rounds = numberFlag(args, 'rounds', 3, 1, 20);
      const copies: Awaited<ReturnType<typeof rawCopy>>[] = [await rawCopy(url, seeded.parkIdx)];
      const builds: { ms: number; cpuMs: number; serverMs: number | null }[] = [];
      const ratios: number[] = [];
      let full!: Awaited<ReturnType<typeof buildTileset>>;
      global.gc?.();
      const base = process.memoryUsage();
      let peakRss = base.rss;
      let peakHeap = base.heapUsed;
      for (let k = 0; k < rounds; k++) {
        fs.rmSync(dir, { recursive: true, force: true });
        const sampler = setInterval(() => {
          const m = process.memoryUsage();
          peakRss = Math.max(peakRss, m.rss);
          peakHeap = Math.max(peakHeap, m.heapUsed);
        }, 10);
        const pids = await backendPids(db);
        const server0 = new Map(pids.map((p) => [p, backendCpuMs([p])]));
        const cpu0 = process.cpuUsage();
        t0 = performance.now();
        full = await buildTileset(db, { outDir: dir, park: 'bench-park', full: true });
        const ms = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        clearInterval(sampler);
        // The pool's backends (a connection opened during the build started from zero).
        const after = await backendPids(db);
        const used = after.map((p) => {
          const now = backendCpuMs([p]);
          const was = server0.has(p) ? server0.get(p)! : 0;
          return now === null || was === null ? null : now - was;
        });
        const serverMs = used.includes(null) ? null : used.reduce((a, b) => a! + b!, 0);
        builds.push({ ms, cpuMs: (cpu.user + cpu.system) / 1000, serverMs });
        copies.push(await rawCopy(url, seeded.parkIdx));
        ratios.push(ms / ((copies[k]!.ms + copies[k + 1]!.ms) / 2));
        console.log(`  round ${k + 1}: build ${Math.round(ms)} ms (CPU ${Math.round(builds[k]!.cpuMs)} ms + PostgreSQL ${builds[k]!.serverMs ?? '?'} ms), COPY CPU ${copies[k + 1]!.cpuMs ?? '?'} ms, COPY ${Math.round(copies[k]!.ms)} / ${Math.round(copies[k + 1]!.ms)} ms, ratio ${ratios[k]!.toFixed(2)}x, load ${os.loadavg()[0]!.toFixed(1)}`);
      }
      const fullMs = median(builds.map((b) => b.ms));
      const copyMs = median(copies.map((c) => c.ms));
      // CPU time does not depend on how the machine's cores are shared out: the load-independent ratio.
      const buildCpu = builds.every((b) => b.serverMs !== null) ? median(builds.map((b) => b.cpuMs + b.serverMs!)) : null;
      const copyCpu = copies.every((c) => c.cpuMs !== null) ? median(copies.map((c) => c.cpuMs!)) : null;
      const files = fs.readdirSync(dir);
      const outBytes = files.reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0);

      // Incremental: one building's height, then one room's use, several times each.
      const ids = (await db.query<{ idx: number }>('SELECT idx FROM building WHERE park_idx = $1 ORDER BY idx', [seeded.parkIdx])).rows.map((r) => r.idx);
      const incB: number[] = [];
      const incR: number[] = [];
      let written = 0;
      for (let k = 0; k < 5; k++) {
        const b = ids[Math.floor(((k + 0.5) * ids.length) / 5)]!;
        await db.query('UPDATE building SET height = height + 1 WHERE idx = $1', [b]);
        const r = await buildTileset(db, { outDir: dir, park: 'bench-park' });
        if (r.mode !== 'incremental') throw new Error(`expected an incremental build, got ${r.mode}`);
        incB.push(r.ms);
        written = Math.max(written, r.written.length);
        await db.query(
          `UPDATE room SET use = CASE WHEN use = 'office' THEN 'meeting' ELSE 'office' END
           WHERE idx = (SELECT idx FROM room WHERE building_idx = $1 ORDER BY idx LIMIT 1)`,
          [b],
        );
        incR.push((await buildTileset(db, { outDir: dir, park: 'bench-park' })).ms);
      }
      // What creating a file costs in the output folder (on the shared build machine, far more than
      // the disk itself: something watches /work and /tmp), to read the build's CPU against.
      const probe = path.join(out, 'probe');
      fs.mkdirSync(probe);
      const small = Buffer.alloc(4096, 1);
      const probe0 = process.cpuUsage();
      for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(probe, `f${i}.glb`), small, { flag: 'wx' });
      const probeCpu = process.cpuUsage(probe0);
      const createUs = (probeCpu.user + probeCpu.system) / 300;
      fs.rmSync(probe, { recursive: true, force: true });
      const fps = full.features / (fullMs / 1000);
      const ratio = median(ratios);
      const mb = (b: number) => (b / 1048576).toFixed(0);
      const lines = [
        `Sample park (seed 20261125) at scale ${scale} on PostgreSQL ${(await db.versions()).postgres} + PostGIS ${(await db.versions()).postgis}, one run, side by side:`,
        '',
        '| measure | value | target |',
        '| --- | --- | --- |',
        `| objects | ${seeded.counts.buildings} buildings, ${seeded.counts.floors} floors, ${seeded.counts.rooms} rooms, ${seeded.counts.equipment} equipment, ${(seeded.counts.pipeSegments ?? 0) + (seeded.counts.pipeNodes ?? 0)} network objects | |`,
        `| full tile build (median of ${rounds}) | ${(fullMs / 1000).toFixed(2)} s (process CPU ${(median(builds.map((b) => b.cpuMs)) / 1000).toFixed(2)} s on ${os.availableParallelism()} cores), ${full.features} features drawn, ${full.triangles} triangles, ${files.length} files, ${mb(outBytes)} MB | |`,
        `| tiler features/s | ${Math.round(fps).toLocaleString('en')} | >= 10,000 |`,
        `| raw binary COPY of the same rows | ${(copyMs / 1000).toFixed(2)} s (${mb(copies[0]!.bytes)} MB, median of ${copies.length}) | |`,
        `| load average (1 min) at the end | ${os.loadavg()[0]!.toFixed(1)} | |`,
        `| CPU time: tiler (all threads + its PostgreSQL backends) / raw COPY (backend + client), medians | ${buildCpu === null || copyCpu === null ? 'n/a (PostgreSQL not on this machine)' : `${(buildCpu / 1000).toFixed(2)} s / ${(copyCpu / 1000).toFixed(2)} s = ${(buildCpu / copyCpu).toFixed(2)}x`} | |`,
        `| tiler time / raw COPY (median of the rounds' ratios, each against its neighbouring COPYs) | ${ratio.toFixed(2)}x (${ratios.map((r) => r.toFixed(2)).join(', ')}) | <= 4x |`,
        `| creating one file in the output folder (${path.dirname(out)}), measured here | ${createUs.toFixed(0)} µs CPU; x ${files.length} files = ${((createUs * files.length) / 1e6).toFixed(2)} s of the build's CPU | |`,
        `| peak memory during the full build | RSS ${mb(peakRss)} MB (+${mb(peakRss - base.rss)}), heap ${mb(peakHeap)} MB (+${mb(peakHeap - base.heapUsed)}) | bounded |`,
        `| incremental, one building's height | median ${incB.map(Math.round).sort((x, y) => x - y)[2]} ms (max ${Math.round(Math.max(...incB))} ms), <= ${written} files written | <= 1 s |`,
        `| incremental, one room's use | median ${Math.round(median(incR))} ms (max ${Math.round(Math.max(...incR))} ms) | <= 1 s |`,
      ];
      for (const l of lines) console.log(`  ${l}`);
      return lines;
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
      await scratch.drop();
    }
  },
};
