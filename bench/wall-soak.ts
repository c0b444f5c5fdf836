/**
 * `twin bench wall`: the command wall left running in headless Chromium (SwiftShader) against the
 * real server, PostgreSQL and mosquitto with the park simulator publishing (occupancy, energy,
 * access events, and now and then an equipment fault: a critical alarm that flies the camera).
 * A paired wall device in kiosk mode with the tour on. After a warm-up (`--warmup`, default 15 min:
 * V8 keeps compiling functions to faster tiers for a while), the JS heap is read after a forced GC,
 * every 5 minutes and at the end of `--minutes` (default 60), each time at the same moment of the
 * tour (the park overview, no alarm focus); prints the growth ratio (target <= 1.05), a heap-snapshot
 * split into JS objects and compiled code, and the console error count over the whole run (target 0).
 * `--snapshots DIR` keeps each reading's heap snapshot for DevTools.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Args } from '../twin-server/src/cli/args.ts';
import { numberFlag } from '../twin-server/src/cli/args.ts';
import type { Bench } from './types.ts';
import { benchAdminUrl, createScratchDatabase } from '../twin-server/src/db/scratch.ts';
import { createLogger } from '../twin-server/src/log.ts';
import { randomToken, sha256 } from '../twin-server/src/auth/crypto.ts';
import { DEVICE_TOKEN_PREFIX } from '../twin-server/src/auth/service.ts';
import { faultChanceFor, loadSimDevices, startSimulator } from '../twin-server/src/sim/simulator.ts';
import { wallModule } from '../twin-server/src/modules/wall/index.ts';
import { ensureClientBuilt } from '../test/browser.ts';
import { openCdpPage, type CdpPage } from '../test/cdp.ts';
import { startSceneServer } from '../test/scene-harness.ts';

const MQTT = process.env.TWIN_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

/** Bytes of a heap snapshot by what they are: JS objects (data), compiled code, native (DOM, buffers). */
interface HeapParts {
  objects: number;
  code: number;
  native: number;
  /** Code bytes by snapshot node name (for instance `(bytecode)`, `(code)`, `system / Script`): says what kind of code grows. */
  codeByName: Map<string, { bytes: number; count: number }>;
  /** Scripts V8 holds: a growing count means code made at run time (eval, new Function), not more of the bundle compiled. */
  scripts: number;
  /** Code objects by their own name (function names): many new objects of one name point at code made in a loop. */
  codeNames: Map<string, number>;
  /** JS object bytes by constructor (or kind) name: what data grows, if any. */
  objectNames: Map<string, number>;
}

/**
 * Takes a heap snapshot and sums self sizes by node type. V8 keeps compiling more functions as a
 * long-running page takes rarer paths (code space grows for a long while without any leak); a
 * leak shows in the objects, so both are reported, and code is broken down by kind.
 */
async function heapParts(page: CdpPage, saveAs?: string): Promise<HeapParts> {
  const chunks: string[] = [];
  const off = page.on('HeapProfiler.addHeapSnapshotChunk', (e) => chunks.push(e.chunk as string));
  await page.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  off();
  const text = chunks.join('');
  // Saved as is, the file opens in DevTools (Memory > Load) for a comparison of two readings.
  if (saveAs) fs.writeFileSync(saveAs, text);
  const snap = JSON.parse(text) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[]; strings: string[] };
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const stride = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const out: HeapParts = { objects: 0, code: 0, native: 0, codeByName: new Map(), scripts: 0, codeNames: new Map(), objectNames: new Map() };
  for (let i = 0; i < snap.nodes.length; i += stride) {
    const type = types[snap.nodes[i + iType]!];
    const size = snap.nodes[i + iSize]!;
    if (type === 'code') {
      out.code += size;
      // Function-specific names (one per compiled function) are folded into their kind.
      const raw = snap.strings[snap.nodes[i + iName]!] ?? '?';
      const name = raw.startsWith('(') || raw.startsWith('system /') ? raw : '(named code)';
      const e = out.codeByName.get(name) ?? { bytes: 0, count: 0 };
      e.bytes += size;
      e.count += 1;
      out.codeByName.set(name, e);
      if (raw === 'system / Script') out.scripts += 1;
      out.codeNames.set(raw, (out.codeNames.get(raw) ?? 0) + 1);
    } else if (type === 'native' || type === 'hidden') out.native += size;
    else {
      out.objects += size;
      const name = type === 'object' || type === 'closure' ? snap.strings[snap.nodes[i + iName]!] ?? '?' : `(${type})`;
      out.objectNames.set(name, (out.objectNames.get(name) ?? 0) + size);
    }
  }
  return out;
}

/** The kinds of code that grew most between two snapshots, for the log. */
function codeGrowth(a: HeapParts, b: HeapParts, top = 6): string {
  const rows = [...b.codeByName].map(([name, e]) => {
    const before = a.codeByName.get(name) ?? { bytes: 0, count: 0 };
    return { name, bytes: e.bytes - before.bytes, count: e.count - before.count };
  });
  rows.sort((x, y) => y.bytes - x.bytes);
  const kinds = rows.slice(0, top).map((r) => `${r.name} ${r.bytes >= 0 ? '+' : ''}${(r.bytes / 1e3).toFixed(0)} kB (${r.count >= 0 ? '+' : ''}${r.count})`);
  const names = [...b.codeNames].map(([name, n]) => ({ name, n: n - (a.codeNames.get(name) ?? 0) })).sort((x, y) => y.n - x.n);
  const data = [...b.objectNames].map(([name, n]) => ({ name, n: n - (a.objectNames.get(name) ?? 0) })).sort((x, y) => y.n - x.n);
  return `data ${data.slice(0, top).map((r) => `'${r.name.slice(0, 40)}' ${r.n >= 0 ? '+' : ''}${(r.n / 1e3).toFixed(0)} kB`).join(', ')}; code ${kinds.join(', ')}; most new code objects by name: ${names.slice(0, top).map((r) => `'${r.name.slice(0, 40)}' +${r.n}`).join(', ')}`;
}
const f1 = (n: number) => n.toFixed(1);
const f3 = (n: number) => n.toFixed(3);

export const wallSoak: Bench = {
  summary: 'command wall soak in Chromium/SwiftShader with the simulator publishing: JS heap growth and console errors',
  async run(args: Args): Promise<string[]> {
    const minutes = numberFlag(args, 'minutes', 60, 2, 24 * 60);
    const scale = numberFlag(args, 'scale', 0.5, 0.05, 5);
    const rate = numberFlag(args, 'rate', 200, 1, 5000);
    const width = numberFlag(args, 'width', 1920, 640, 7680);
    const height = numberFlag(args, 'height', 1080, 360, 2160);
    const warmup = numberFlag(args, 'warmup', 15, 1, 120);
    // Critical alarms per hour (each one pulses its object and flies the camera there and back).
    const alarmsPerHour = numberFlag(args, 'alarms', 20, 0, 3600);
    // `--snapshots DIR` keeps every reading's heap snapshot (tens of MB each) for DevTools.
    const snapshots = typeof args.flags.snapshots === 'string' ? path.resolve(args.flags.snapshots) : undefined;
    if (snapshots) fs.mkdirSync(snapshots, { recursive: true });
    // Serve a copy of the built client: a rebuild during the hour (tests, other work) would replace
    // the hashed chunks the page still loads lazily.
    const client = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-soak-client-'));
    fs.cpSync(ensureClientBuilt(), client, { recursive: true });
    const scratch = await createScratchDatabase(benchAdminUrl(), 'twin_bench_wall');
    const s = await startSceneServer('postgres', { testDb: { db: scratch.db, backend: 'postgres', url: scratch.url, drop: scratch.drop }, scale, mqttUrl: MQTT, modules: [wallModule], clientDir: client });
    const faultChance = faultChanceFor(alarmsPerHour, rate, await loadSimDevices(scratch.db));
    const sim = await startSimulator({ url: MQTT, db: scratch.db, rate, faultChance, log: createLogger('warn') });
    // The page is driven over a bare DevTools connection (cdp.ts), not Playwright: Playwright
    // enables the Network domain, whose response-body buffer grows with every poll of the wall.
    const token = `${DEVICE_TOKEN_PREFIX}${randomToken(32)}`;
    let page: CdpPage | undefined;
    try {
      // A paired wall device, as walls run: a user session would end after its idle timeout (the
      // wall's polls are background requests and do not count as activity).
      await scratch.db.query(`INSERT INTO auth_device (name, kind, token_hash, created_at, created_by) VALUES ('soak wall', 'wall', $1, now(), 'bench')`, [sha256(token)]);
      page = await openCdpPage(`${s.server.url}/wall?park=${s.park}&kiosk=1&tour=1&dwell=20&focus=20#device=${token}`, {
        width, height, extraArgs: process.env.TWIN_SOAK_JS_FLAGS ? [`--js-flags=${process.env.TWIN_SOAK_JS_FLAGS}`] : [],
      });
      const p = page;
      await p.waitFor(`document.querySelector('[data-kpi="people.onSite"]')`, 120_000);
      const heap = async () => {
        await p.send('HeapProfiler.collectGarbage');
        return (await p.send<{ usedSize: number }>('Runtime.getHeapUsage')).usedSize;
      };
      const t0 = Date.now();
      const at = (min: number) => t0 + min * 60_000;
      const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));
      // The heap depends on where the tour is (a close-up of a building holds its interior tiles, an
      // alarm focus its own), so every reading is taken at the same moment of the tour: the park
      // overview, with no alarm focus, settled for 5 s. A tour cycle is (buildings + 1) x dwell.
      const overview = await p.evaluate<string>(`document.documentElement.lang.startsWith('en') ? 'Park overview' : '园区全景'`);
      const atOverview = `document.querySelector('[data-tour-stop]')?.getAttribute('data-tour-stop') === ${JSON.stringify(overview)} && document.querySelector('.wall')?.getAttribute('data-focus') === '0'`;
      const settled = async (): Promise<boolean> => {
        const deadline = Date.now() + 15 * 60_000;
        while (Date.now() < deadline) {
          try {
            await p.waitFor(atOverview, Math.min(60_000, deadline - Date.now()));
          } catch {
            const where = await p.evaluate(`({
              stop: document.querySelector('[data-tour-stop]')?.getAttribute('data-tour-stop') ?? null,
              focus: document.querySelector('.wall')?.getAttribute('data-focus') ?? null,
              problem: document.querySelector('[data-problem]')?.getAttribute('data-problem') ?? null,
            })`);
            console.log(`    waiting for the overview stop: now at ${JSON.stringify(where)}`);
            continue;
          }
          await new Promise((r) => setTimeout(r, 5_000));
          const still = await p.evaluate<boolean>(atOverview);
          if (still) return true;
        }
        return false;
      };
      const read = async () => {
        const ok = await settled();
        const used = await heap();
        const min = (Date.now() - t0) / 60_000;
        const saveAs = snapshots ? path.join(snapshots, `wall-${min.toFixed(1).padStart(5, '0')}min.heapsnapshot`) : undefined;
        return { used, parts: await heapParts(p, saveAs), ok, min };
      };
      // Warm-up: V8 keeps compiling functions to faster tiers for a while as their call counts
      // grow (code space, not data); the hour is measured after it.
      await sleepUntil(at(warmup));
      const first = await read();
      const tStart = Date.now();
      let prev = first.parts;
      const samples: string[] = [`${f1(first.min)} min ${f1(first.used / 1e6)} MB`];
      console.log(`  baseline after ${f1(first.min)} min of warm-up${first.ok ? '' : ' (not at a settled overview)'}: heap ${f1(first.used / 1e6)} MB, JS objects ${f1(first.parts.objects / 1e6)} MB, code ${f1(first.parts.code / 1e6)} MB`);
      for (let m = 5; m < minutes; m += 5) {
        await sleepUntil(tStart + m * 60_000);
        const r = await read();
        samples.push(`${f1(r.min)} min ${f1(r.used / 1e6)} MB`);
        console.log(`  +${m} min (t=${f1(r.min)}): heap ${f1(r.used / 1e6)} MB (${f3(r.used / first.used)}x), JS objects ${f3(r.parts.objects / first.parts.objects)}x, code ${f1(r.parts.code / 1e6)} MB${r.ok ? '' : ', not at a settled overview'}; sim published ${sim.stats.published}, faults ${sim.stats.faults}; console errors ${p.errors.length}`);
        console.log(`    growth since the last sample: ${codeGrowth(prev, r.parts)}`);
        prev = r.parts;
      }
      await sleepUntil(tStart + minutes * 60_000);
      const last = await read();
      const measured = (Date.now() - tStart) / 60_000;
      samples.push(`${f1(last.min)} min ${f1(last.used / 1e6)} MB`);
      const state = await p.evaluate<{ ticker: number; live: string; stale: boolean }>(`({
        ticker: document.querySelectorAll('.ticker-item').length,
        live: document.querySelector('.live-indicator')?.getAttribute('data-status') ?? '',
        stale: document.querySelector('[data-stale]') !== null,
      })`);
      const heap1 = first.used, heapN = last.used, parts1 = first.parts, partsN = last.parts;
      console.log(`  heap: ${f1(heap1 / 1e6)} MB after the warm-up, ${f1(heapN / 1e6)} MB ${f1(measured)} min later -> ${f3(heapN / heap1)}x; console errors ${p.errors.length}`);
      console.log(`  snapshot: JS objects ${f1(parts1.objects / 1e6)} -> ${f1(partsN.objects / 1e6)} MB (${f3(partsN.objects / parts1.objects)}x), compiled code ${f1(parts1.code / 1e6)} -> ${f1(partsN.code / 1e6)} MB, scripts ${parts1.scripts} -> ${partsN.scripts}`);
      console.log(`  growth over the measured time: ${codeGrowth(parts1, partsN)}`);
      for (const e of p.errors.slice(0, 10)) console.log(`  console error: ${e}`);
      return [
        `\`npm run bench -- wall --minutes ${minutes} --warmup ${warmup} --alarms ${alarmsPerHour} --scale ${scale} --rate ${rate} --width ${width} --height ${height}\``,
        `(${p.version}, SwiftShader, bare DevTools connection without the Network domain, ${width}x${height}, paired wall device, kiosk with the tour on, sample park at scale ${scale},`,
        `simulator ${rate} msg/s over MQTT: ${sim.stats.published} messages, ${sim.stats.faults} equipment faults = critical alarms;`,
        `every reading at the park-overview stop with no alarm focus, settled 5 s, after a forced GC)`,
        '',
        '| measure | value | target |',
        '| --- | --- | --- |',
        `| JS heap after ${f1(first.min)} min of warm-up (after GC) | ${f1(heap1 / 1e6)} MB | |`,
        `| JS heap ${f1(measured)} min later (after GC) | ${f1(heapN / 1e6)} MB | |`,
        `| heap ratio (whole V8 heap) | ${f3(heapN / heap1)}x | <= 1.05 |`,
        `| heap snapshot, JS objects (no compiled code, no native) | ${f1(parts1.objects / 1e6)} MB -> ${f1(partsN.objects / 1e6)} MB = ${f3(partsN.objects / parts1.objects)}x | |`,
        `| heap snapshot, compiled code | ${f1(parts1.code / 1e6)} MB -> ${f1(partsN.code / 1e6)} MB | |`,
        `| console errors (whole run, warm-up included) | ${p.errors.length} | 0 |`,
        `| at the end | live socket ${state.live}, KPIs ${state.stale ? 'stale' : 'fresh'}, ${state.ticker} alarms in the ticker | |`,
        '',
        `Heap samples (time since the page opened): ${samples.join(', ')}.`,
      ];
    } finally {
      await page?.close();
      await sim.close();
      await s.stop();
      fs.rmSync(client, { recursive: true, force: true });
    }
  },
};
