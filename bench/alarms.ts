/**
 * `npm run bench -- alarms`: the cost of alarm rule evaluation in the ingest pipeline (issue 15).
 * The real Ingest (topic cache, JSON, layer schema, snapshot, hub update and roll-ups) over a
 * synthetic park of 1,000 devices, the persistence queue replaced by a no-op so that only the
 * pipeline's own CPU is measured (the database is the same with and without rules). Two
 * configurations, alternating in slices of 2,000 readings: no rules at all (no alarm evaluation), and 1,000 rules
 * (park-wide defaults for six alarm kinds, among them a rate and a combined condition, and
 * 994 overrides per equipment type, building, floor and device; thresholds with hysteresis and durations). Prints:
 *  - throughput ratio: messages per CPU second with 1,000 rules over messages per CPU second
 *    without, as fast as it goes (median of the per-round ratios); the target is >= 0.8;
 *  - at an offered 20,000 readings/s for `--seconds`: the CPU share the pipeline takes in each
 *    configuration, and the ratio of the rates achieved.
 */
import { LAYERS } from '@park-twin/layers';
import { numberFlag } from '../twin-server/src/cli/args.ts';
import type { Bench } from './types.ts';
import { Ingest } from '../twin-server/src/ingest/pipeline.ts';
import type { Directory, DirectoryData, DeviceInfo, ObjInfo } from '../twin-server/src/ingest/directory.ts';
import type { TelemetryWriter } from '../twin-server/src/ingest/writer.ts';
import { Hub } from '../twin-server/src/stream/hub.ts';
import { createLogger } from '../twin-server/src/log.ts';
import type { ServerContext } from '../twin-server/src/context.ts';
import { AlarmsRuntime } from '../twin-server/src/modules/alarms/runtime.ts';
import type { Condition, Rule } from '../twin-server/src/modules/alarms/engine.ts';

const TYPES = ['ahu', 'chiller', 'pump', 'fan_coil', 'elevator'];
const DEVICES = 1000;

/** A park of 4 buildings x 5 floors x 10 rooms with 1,000 devices (5 per room). */
export function park(): DirectoryData {
  const objects = new Map<number, ObjInfo>();
  const devices = new Map<string, DeviceInfo>();
  let idx = 1;
  const parkIdx = idx++;
  objects.set(parkIdx, { idx: parkIdx, kind: 'park', parent: 0, building: 0, lon: 120, lat: 30, capacity: null });
  const rooms: Array<{ idx: number; building: number }> = [];
  for (let b = 0; b < 4; b++) {
    const bi = idx++;
    objects.set(bi, { idx: bi, kind: 'building', parent: parkIdx, building: bi, lon: 120, lat: 30, capacity: null });
    for (let f = 0; f < 5; f++) {
      const fi = idx++;
      objects.set(fi, { idx: fi, kind: 'floor', parent: bi, building: bi, lon: 120, lat: 30, capacity: null });
      for (let r = 0; r < 10; r++) {
        const ri = idx++;
        objects.set(ri, { idx: ri, kind: 'room', parent: fi, building: bi, lon: 120, lat: 30, capacity: 20 });
        rooms.push({ idx: ri, building: bi });
      }
    }
  }
  for (let d = 0; d < DEVICES; d++) {
    const room = rooms[d % rooms.length]!;
    const di = idx++;
    objects.set(di, { idx: di, kind: 'equipment', parent: room.idx, building: room.building, lon: 120, lat: 30, capacity: null });
    devices.set(`${parkIdx}/D-${d}`, { idx: di, parkIdx, type: TYPES[d % TYPES.length]!, roomIdx: room.idx });
  }
  return { parks: new Map([['bench', parkIdx]]), devices, enterprises: new Map(), objects };
}

/**
 * 1,000 rules on the equipment layer, as a park writes them: defaults for six alarm kinds and
 * 994 overrides (by equipment type, building, floor, device). Per reading the most specific rule
 * of each kind is evaluated: six, chosen among about thirty candidates.
 */
export function thousandRules(d: DirectoryData): Rule[] {
  const rules: Rule[] = [];
  let id = 1;
  const base = (kind: string, when: Condition, scope: Rule['scope'] = {}, forSeconds = 0): Rule => ({
    id: id++, layer: 'equipment', kind, scope, when, forSeconds, latch: false, clearOn: null, noDataMinutes: null, severity: 2,
    message: { zh: '{value}', en: '{value} > {limit}' }, enabled: true,
  });
  const devs = [...d.devices.values()];
  const floors = [...d.objects.values()].filter((o) => o.kind === 'floor');
  const buildings = [...d.objects.values()].filter((o) => o.kind === 'building');
  // Park-wide defaults of six alarm kinds ...
  rules.push(base('equipment_fault', { op: 'any', of: [{ op: 'equals', field: 'status', value: 'fault' }, { op: 'present', field: 'fault' }] }));
  rules.push(base('over_temperature', { op: 'above', field: 'temperature', value: 85, hysteresis: 2 }, {}, 60));
  rules.push(base('high_load', { op: 'above', field: 'load', value: 110, hysteresis: 5 }, {}, 120));
  rules.push(base('temp_rise', { op: 'rate', field: 'temperature', perMinute: 5 }));
  rules.push(base('hot_and_loaded', { op: 'all', of: [{ op: 'above', field: 'temperature', value: 50 }, { op: 'above', field: 'load', value: 80 }] }, {}, 300));
  rules.push(base('low_temperature', { op: 'below', field: 'temperature', value: 2, hysteresis: 1 }));
  // ... and 994 overrides: per equipment type, building, floor and device ("above 60-79 °C for 5 minutes").
  for (let i = 0; i < 50; i++) rules.push(base(i % 2 ? 'high_load' : 'over_temperature', i % 2 ? { op: 'above', field: 'load', value: 90 + (i % 10), hysteresis: 3 } : { op: 'above', field: 'temperature', value: 75 + (i % 10), hysteresis: 2 }, { equipmentType: TYPES[i % TYPES.length]! }, 60));
  for (let i = 0; i < 24; i++) rules.push(base('over_temperature', { op: 'above', field: 'temperature', value: 70, hysteresis: 2 }, { floor: floors[i % floors.length]!.idx }, 120));
  for (let i = 0; i < 20; i++) rules.push(base('low_temperature', { op: 'below', field: 'temperature', value: 5 + (i % 5), hysteresis: 1 }, { building: buildings[i % buildings.length]!.idx }));
  for (let i = 0; i < 900; i++) rules.push(base('over_temperature', { op: 'above', field: 'temperature', value: 60 + (i % 20), hysteresis: 2 }, { object: devs[i]!.idx }, 300));
  return rules;
}

/** Alarm transitions (raise or clear) the pipelines decided. */
let transitions = 0;

/** One configuration: a fresh pipeline, with or without the rules. */
function pipeline(d: DirectoryData, withRules: boolean): Ingest {
  const log = createLogger('silent');
  const hub = new Hub();
  hub.setDirectory(d);
  const directory = { current: d, reloadAfterMiss: async () => false, onReload: () => {} } as unknown as Directory;
  const done = Promise.resolve();
  const writer = { full: false, onCommitted: null, onFailed: null, enqueue: (_row: unknown, alarms: readonly unknown[] = []) => { transitions += alarms.length; return done; } } as unknown as TelemetryWriter;
  const ingest = new Ingest(directory, hub, writer, log);
  const rt = new AlarmsRuntime({ log } as unknown as ServerContext, { ingest, writer, hub, directory, stream: null });
  rt.engine.load(withRules ? thousandRules(d) : []);
  ingest.rules = rt.hooks;
  return ingest;
}

/** Pre-encoded readings: temperature 0-100 °C and load 0-120 %, a random walk per device, so thresholds are crossed now and then. */
function readings(n: number): Array<{ topic: string; payload: Uint8Array }> {
  const out: Array<{ topic: string; payload: Uint8Array }> = [];
  const temp = new Float64Array(DEVICES).fill(40);
  const load = new Float64Array(DEVICES).fill(50);
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < n; i++) {
    const dv = i % DEVICES;
    temp[dv] = Math.min(100, Math.max(0, temp[dv]! + (rnd() - 0.5) * 6));
    load[dv] = Math.min(120, Math.max(0, load[dv]! + (rnd() - 0.5) * 10));
    const msg = { seq: i, ts: 1_764_000_000_000 + i * 50, temperature: Math.round(temp[dv]! * 10) / 10, load: Math.round(load[dv]!) };
    out.push({ topic: `park/bench/equipment/D-${dv}`, payload: Buffer.from(JSON.stringify(msg)) });
  }
  return out;
}

/**
 * CPU seconds the process used to push `msgs[from, to)` through `ingest`, as fast as it goes (on a
 * machine shared with other work, wall time would count the time others ran).
 */
function cpu(ingest: Ingest, msgs: ReadonlyArray<{ topic: string; payload: Uint8Array }>, from: number, to: number): number {
  const c0 = process.cpuUsage();
  for (let i = from; i < to; i++) ingest.handleMqtt(msgs[i]!.topic, msgs[i]!.payload);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

/**
 * One round: all of `msgs` through both pipelines, alternating in slices of 2,000 readings (both
 * see the same machine load); messages per CPU second of each.
 */
function round(plain: Ingest, ruled: Ingest, msgs: ReadonlyArray<{ topic: string; payload: Uint8Array }>): { none: number; rules: number } {
  let a = 0;
  let b = 0;
  for (let i = 0; i < msgs.length; i += 2000) {
    const to = Math.min(msgs.length, i + 2000);
    a += cpu(plain, msgs, i, to);
    b += cpu(ruled, msgs, i, to);
  }
  return { none: msgs.length / a, rules: msgs.length / b };
}

/** Offers `rate` readings/s for `seconds` in 10 ms ticks; returns the achieved rate and the CPU share. */
async function paced(ingest: Ingest, msgs: ReadonlyArray<{ topic: string; payload: Uint8Array }>, rate: number, seconds: number): Promise<{ rate: number; cpu: number }> {
  const start = Date.now();
  const cpu0 = process.cpuUsage();
  let sent = 0;
  while (Date.now() - start < seconds * 1000) {
    const due = Math.floor(((Date.now() - start) / 1000) * rate);
    for (; sent < due; sent++) {
      const m = msgs[sent % msgs.length]!;
      ingest.handleMqtt(m.topic, m.payload);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const c = process.cpuUsage(cpu0);
  const wall = (Date.now() - start) / 1000;
  return { rate: sent / wall, cpu: (c.user + c.system) / 1e6 / wall };
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

/** The benchmark. */
export const alarmsBench: Bench = {
  summary: 'Alarm rule evaluation cost in the ingest pipeline: throughput with 1,000 rules vs none, and CPU at 20k readings/s',
  async run(args) {
    const rounds = numberFlag(args, 'rounds', 5, 1, 50);
    const n = numberFlag(args, 'messages', 100_000, 1000, 10_000_000);
    const seconds = numberFlag(args, 'seconds', 3, 1, 600);
    const rate = numberFlag(args, 'rate', 20_000, 100, 1_000_000);
    const d = park();
    if (!LAYERS.some((l) => l.name === 'equipment')) throw new Error('no equipment layer');
    const msgs = readings(n);
    const none: number[] = [];
    const rules: number[] = [];
    // One pipeline per configuration, warmed up (JIT, every device's rule state exists, as in a
    // running server), then alternating rounds.
    const plain = pipeline(d, false);
    const ruled = pipeline(d, true);
    round(plain, ruled, msgs);
    transitions = 0;
    for (let r = 0; r < rounds; r++) {
      const x = round(plain, ruled, msgs);
      none.push(x.none);
      rules.push(x.rules);
    }
    const decided = transitions;
    const ratio = median(rules.map((x, i) => x / none[i]!));
    const p0 = await paced(plain, msgs, rate, seconds);
    const p1 = await paced(ruled, msgs, rate, seconds);
    const lines = [
      'Command: `npm run bench -- alarms` (flags: --rounds, --messages, --seconds, --rate). In-process: the real Ingest pipeline and Hub over a synthetic park of 1,000 devices, persistence replaced by a no-op.',
      '',
      `- as fast as it goes, ${rounds} alternating rounds of ${n} readings: no rules ${Math.round(median(none))} msg per CPU s, 1,000 rules ${Math.round(median(rules))} msg per CPU s (${(decided / (rounds * n) * 100).toFixed(1)} alarm transitions per 100 readings); **ratio ${ratio.toFixed(2)}** (target >= 0.8)`,
      `- offered ${rate} readings/s for ${seconds} s: no rules ${Math.round(p0.rate)} msg/s at ${(p0.cpu * 100).toFixed(0)}% of a core, 1,000 rules ${Math.round(p1.rate)} msg/s at ${(p1.cpu * 100).toFixed(0)}% of a core; rate ratio ${(p1.rate / p0.rate).toFixed(2)}`,
    ];
    for (const l of lines) console.log(l);
    return lines;
  },
};
