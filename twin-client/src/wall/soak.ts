/**
 * `twin bench wall`: the command wall left running in headless Chromium (SwiftShader) against the
 * real server, PostgreSQL and mosquitto with the park simulator publishing (occupancy, energy,
 * access events, and now and then an equipment fault: a critical alarm that flies the camera).
 * A paired wall device in kiosk mode with the tour on. The JS heap is read after a forced GC at minute 1 and at the end
 * (samples in between for the trend); prints the growth ratio (target <= 1.05) and the console
 * error count (target 0). Default 60 minutes; `--minutes N` shortens it.
 */
import type { CDPSession } from 'playwright-core';
import type { Args } from '../../../twin-server/src/cli/args.ts';
import { numberFlag } from '../../../twin-server/src/cli/args.ts';
import type { Bench } from '../../../twin-server/src/cli/bench.ts';
import { benchAdminUrl, createScratchDatabase } from '../../../twin-server/src/db/scratch.ts';
import { createLogger } from '../../../twin-server/src/log.ts';
import { randomToken, sha256 } from '../../../twin-server/src/auth/crypto.ts';
import { DEVICE_TOKEN_PREFIX } from '../../../twin-server/src/auth/service.ts';
import { startSimulator } from '../../../twin-server/src/sim/simulator.ts';
import { wallModule } from '../../../twin-server/src/modules/wall/index.ts';
import { collectProblems, ensureClientBuilt, launchBrowser } from '../../../test/browser.ts';
import { startSceneServer } from '../scene/harness.ts';

const MQTT = process.env.TWIN_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

/** Bytes of a heap snapshot by what they are: JS objects (data), compiled code, native (DOM, buffers). */
interface HeapParts {
  objects: number;
  code: number;
  native: number;
}

/**
 * Takes a heap snapshot and sums self sizes by node type. V8 keeps compiling more functions as a
 * long-running page takes rarer paths (code space grows for a long while without any leak); a
 * leak shows in the objects, so both are reported.
 */
async function heapParts(cdp: CDPSession): Promise<HeapParts> {
  const chunks: string[] = [];
  const on = (e: { chunk: string }) => chunks.push(e.chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', on);
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  cdp.off('HeapProfiler.addHeapSnapshotChunk', on);
  const snap = JSON.parse(chunks.join('')) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[] };
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const stride = fields.length;
  const iType = fields.indexOf('type');
  const iSize = fields.indexOf('self_size');
  const out: HeapParts = { objects: 0, code: 0, native: 0 };
  for (let i = 0; i < snap.nodes.length; i += stride) {
    const type = types[snap.nodes[i + iType]!];
    const size = snap.nodes[i + iSize]!;
    if (type === 'code') out.code += size;
    else if (type === 'native' || type === 'hidden') out.native += size;
    else out.objects += size;
  }
  return out;
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
    ensureClientBuilt();
    const scratch = await createScratchDatabase(benchAdminUrl(), 'twin_bench_wall');
    const s = await startSceneServer('postgres', { testDb: { db: scratch.db, backend: 'postgres', url: scratch.url, drop: scratch.drop }, scale, mqttUrl: MQTT, modules: [wallModule] });
    const sim = await startSimulator({ url: MQTT, db: scratch.db, rate, log: createLogger('warn') });
    const browser = await launchBrowser();
    try {
      // A paired wall device, as walls run: a user session would end after its idle timeout (the
      // wall's polls are background requests and do not count as activity).
      const token = `${DEVICE_TOKEN_PREFIX}${randomToken(32)}`;
      await scratch.db.query(`INSERT INTO auth_device (name, kind, token_hash, created_at, created_by) VALUES ('soak wall', 'wall', $1, now(), 'bench')`, [sha256(token)]);
      const page = await (await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 })).newPage();
      const problems = collectProblems(page);
      await page.goto(`${s.server.url}/wall?park=${s.park}&kiosk=1&tour=1&dwell=20&focus=20#device=${token}`);
      await page.locator('[data-kpi="people.onSite"]').waitFor({ timeout: 120_000 });
      const cdp = await page.context().newCDPSession(page);
      const heap = async () => {
        await cdp.send('HeapProfiler.collectGarbage');
        return (await cdp.send('Runtime.getHeapUsage')).usedSize;
      };
      const t0 = Date.now();
      const until = (min: number) => page.waitForTimeout(Math.max(0, t0 + min * 60_000 - Date.now()));
      await until(1);
      const heap1 = await heap();
      const parts1 = await heapParts(cdp);
      const samples: string[] = [`1 min ${f1(heap1 / 1e6)} MB`];
      console.log(`  heap after 1 min: ${f1(heap1 / 1e6)} MB`);
      for (let m = 5; m < minutes; m += 5) {
        await until(m);
        const h = await heap();
        samples.push(`${m} min ${f1(h / 1e6)} MB`);
        console.log(`  heap after ${m} min: ${f1(h / 1e6)} MB (${f3(h / heap1)}x); sim published ${sim.stats.published}, faults ${sim.stats.faults}; console errors ${problems.errors.length}`);
      }
      await until(minutes);
      const heapN = await heap();
      const partsN = await heapParts(cdp);
      samples.push(`${minutes} min ${f1(heapN / 1e6)} MB`);
      const state = await page.evaluate(() => ({
        ticker: document.querySelectorAll('.ticker-item').length,
        live: document.querySelector('.live-indicator')?.getAttribute('data-status') ?? '',
        stale: document.querySelector('[data-stale]') !== null,
      }));
      console.log(`  heap: ${f1(heap1 / 1e6)} MB after 1 min, ${f1(heapN / 1e6)} MB after ${minutes} min -> ${f3(heapN / heap1)}x; console errors ${problems.errors.length}`);
      console.log(`  snapshot: JS objects ${f1(parts1.objects / 1e6)} -> ${f1(partsN.objects / 1e6)} MB (${f3(partsN.objects / parts1.objects)}x), compiled code ${f1(parts1.code / 1e6)} -> ${f1(partsN.code / 1e6)} MB`);
      for (const e of problems.errors.slice(0, 10)) console.log(`  console error: ${e}`);
      return [
        `\`npm run bench -- wall --minutes ${minutes} --scale ${scale} --rate ${rate} --width ${width} --height ${height}\``,
        `(Chromium ${browser.version()}, SwiftShader, ${width}x${height}, paired wall device, kiosk with the tour on, sample park at scale ${scale},`,
        `simulator ${rate} msg/s over MQTT: ${sim.stats.published} messages, ${sim.stats.faults} equipment faults = critical alarms)`,
        '',
        '| measure | value | target |',
        '| --- | --- | --- |',
        `| JS heap after 1 min (after GC) | ${f1(heap1 / 1e6)} MB | |`,
        `| JS heap after ${minutes} min (after GC) | ${f1(heapN / 1e6)} MB | |`,
        `| heap ratio | ${f3(heapN / heap1)}x | <= 1.05 |`,
        `| heap snapshot, JS objects (no compiled code, no native) | ${f1(parts1.objects / 1e6)} MB -> ${f1(partsN.objects / 1e6)} MB = ${f3(partsN.objects / parts1.objects)}x | <= 1.05 |`,
        `| heap snapshot, compiled code | ${f1(parts1.code / 1e6)} MB -> ${f1(partsN.code / 1e6)} MB | |`,
        `| console errors | ${problems.errors.length} | 0 |`,
        `| at the end | live socket ${state.live}, KPIs ${state.stale ? 'stale' : 'fresh'}, ${state.ticker} alarms in the ticker | |`,
        '',
        `Heap samples: ${samples.join(', ')}.`,
      ];
    } finally {
      await browser.close();
      await sim.close();
      await s.stop();
    }
  },
};
