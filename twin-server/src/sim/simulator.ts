/**
 * Park simulator: publishes over MQTT what the devices in the database would send: occupancy
 * following daily and weekly curves, equipment temperature/load with occasional faults, access
 * swipes with some denials and rare perimeter intrusions, meter readings, and monthly economic
 * figures per enterprise. Messages carry `seq` and `ts` so redeliveries deduplicate.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Queryable } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { startCommandResponder } from './commands.ts';
import { startSecuritySim } from './security.ts';
import { startParkingSim } from './parking.ts';

export type { SimDevice, SimMessage } from './types.ts';
import type { SimDevice, SimMessage } from './types.ts';

/** Counters. */
export interface SimStats {
  published: number;
  faults: number;
  intrusions: number;
  devices: number;
}

/** Loads the devices the simulator speaks for. */
export async function loadSimDevices(db: Queryable): Promise<SimDevice[]> {
  const eq = await db.query<{ park: string; code: string; type: string; capacity: number | null; rated: number | null; perimeter: boolean }>(
    `SELECT p.code AS park, e.code, e.type, r.capacity, e.rated_power_kw AS rated,
            coalesce(c.coverage = 'perimeter', false) AS perimeter
     FROM equipment e JOIN park p ON p.idx = e.park_idx
     LEFT JOIN room r ON r.idx = e.room_idx LEFT JOIN camera c ON c.idx = e.idx
     WHERE e.type IN ('occupancy_sensor', 'ahu', 'chiller', 'boiler', 'cooling_tower', 'pump', 'fan_coil', 'elevator',
       'transformer', 'switchgear', 'generator', 'env_sensor', 'access_reader', 'barrier_gate', 'camera',
       'power_meter', 'water_meter', 'ev_charger')
     ORDER BY e.idx`);
  const ent = await db.query<{ park: string; code: string }>(
    'SELECT p.code AS park, e.credit_code AS code FROM enterprise e JOIN park p ON p.idx = e.park_idx ORDER BY e.idx');
  return [
    ...eq.rows.map((r) => ({ park: r.park, code: r.code, type: r.type, capacity: r.capacity, ratedKw: r.rated, perimeter: r.perimeter, source: 'equipment' as const })),
    ...ent.rows.map((r) => ({ park: r.park, code: r.code, type: 'enterprise', capacity: null, ratedKw: null, perimeter: false, source: 'enterprise' as const })),
  ];
}

/** Share of people present at `t` (local time of the machine): weekday office curve, quiet weekends. */
export function occupancyCurve(t: Date): number {
  const h = t.getHours() + t.getMinutes() / 60;
  const weekend = t.getDay() === 0 || t.getDay() === 6;
  const arrive = 1 / (1 + Math.exp(-(h - 8.8) * 3));
  const leave = 1 / (1 + Math.exp((h - 18.3) * 2.5));
  const lunch = 1 - 0.35 * Math.exp(-((h - 12.3) ** 2) / 0.3);
  return (weekend ? 0.15 : 0.92) * arrive * leave * lunch + 0.02;
}

/** Deterministic-enough noise without a seeded PRNG dependency. */
const jitter = (r: () => number, amp: number) => (r() * 2 - 1) * amp;

/** Device types whose readings are not plant telemetry (and so never fault). */
const NON_PLANT = new Set(['enterprise', 'occupancy_sensor', 'access_reader', 'barrier_gate', 'camera', 'power_meter', 'water_meter', 'ev_charger', 'env_sensor']);

/**
 * The fault chance per plant reading that gives about `perHour` equipment faults an hour when
 * `rate` messages/s go round-robin over `devices` (faults last minutes, so the count is approximate).
 */
export function faultChanceFor(perHour: number, rate: number, devices: readonly SimDevice[]): number {
  const plant = devices.filter((d) => !NON_PLANT.has(d.type)).length;
  if (plant === 0 || rate <= 0) return 0;
  return Math.min(1, perHour / (3600 * rate * (plant / devices.length)));
}

/** Chance that one plant reading starts a fault (at 200 msg/s over the sample park: about one every 20 s). */
export const DEFAULT_FAULT_CHANCE = 0.0008;

/**
 * Produces the next message of one device. Pure apart from `rand` and the per-device `state`
 * (sequence numbers, fault timers, cumulative meters), so it is testable without a broker.
 */
export function nextMessage(
  dev: SimDevice, state: Map<string, { seq: number; faultUntil: number; kwh: number; at?: number }>, now: Date, rand: () => number, stats: SimStats,
  faultChance = DEFAULT_FAULT_CHANCE,
): SimMessage {
  const key = `${dev.park}/${dev.code}`;
  let s = state.get(key);
  if (!s) state.set(key, (s = { seq: 0, faultUntil: 0, kwh: rand() * 1e5 }));
  s.seq++;
  const base = { seq: s.seq, ts: now.getTime() };
  const occ = occupancyCurve(now);
  const topic = (layer: string) => `park/${dev.park}/${layer}/${dev.code}`;
  switch (dev.type) {
    case 'enterprise': {
      const month = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
      const output = 200 + rand() * 3000;
      return { topic: topic('economy'), qos: 1, payload: { ...base, month, output_value: round(output), revenue: round(output * 0.9), tax: round(output * 0.06), rd_spend: round(output * 0.08), staff: Math.round(20 + rand() * 400) } };
    }
    case 'occupancy_sensor': {
      const cap = dev.capacity ?? 20;
      // Now and then a meeting overfills a room.
      const over = rand() < 0.002 ? 1.2 : 1;
      return { topic: topic('occupancy'), qos: 0, payload: { ...base, count: Math.max(0, Math.round(cap * occ * over + jitter(rand, 2))) } };
    }
    case 'access_reader':
    case 'barrier_gate':
      return { topic: topic('security'), qos: 1, payload: { ...base, event: rand() < 0.03 ? 'access_denied' : 'access_granted', card: `C${Math.floor(rand() * 5000)}` } };
    case 'camera': {
      if (dev.perimeter && rand() < 0.0005) {
        stats.intrusions++;
        return { topic: topic('security'), qos: 1, payload: { ...base, event: 'intrusion' } };
      }
      return { topic: topic('equipment'), qos: 0, payload: { ...base, status: 'normal', temperature: round(35 + jitter(rand, 5)) } };
    }
    case 'power_meter':
    case 'water_meter':
    case 'ev_charger': {
      const rated = dev.ratedKw ?? 200;
      const kw = Math.max(0, rated * (0.25 + 0.6 * occ) + jitter(rand, rated * 0.05));
      // The counter integrates the load over the time since this meter's previous reading (a
      // meter is read every few seconds to minutes, depending on the rate and the device count).
      if (s.at !== undefined && now.getTime() > s.at) s.kwh += (kw * (now.getTime() - s.at)) / 3_600_000;
      s.at = now.getTime();
      return { topic: topic('energy'), qos: 0, payload: { ...base, kw: round(kw), kwh: round(s.kwh) } };
    }
    case 'env_sensor':
      return { topic: topic('equipment'), qos: 0, payload: { ...base, status: 'normal', temperature: round(23 + 3 * occ + jitter(rand, 0.8)) } };
    default: {
      // Plant: load follows occupancy; a rare fault lasts a few minutes, then the device recovers.
      if (s.faultUntil === 0 && rand() < faultChance) {
        s.faultUntil = now.getTime() + 120_000 + rand() * 300_000;
        stats.faults++;
      }
      const faulty = s.faultUntil > now.getTime();
      if (!faulty && s.faultUntil !== 0) s.faultUntil = 0;
      const load = Math.min(100, Math.max(0, 20 + 70 * occ + jitter(rand, 8)));
      return {
        topic: topic('equipment'), qos: faulty ? 1 : 0,
        payload: faulty ? { ...base, status: 'fault', fault: 'simulated trip', temperature: round(60 + rand() * 10) }
          : { ...base, status: 'normal', load: round(load), temperature: round(40 + load * 0.3 + jitter(rand, 2)) },
      };
    }
  }
}

const round = (v: number) => Math.round(v * 100) / 100;

/** A running simulator. */
export interface Simulator {
  readonly stats: SimStats;
  close(): Promise<void>;
}

/** Publishes `rate` messages per second round-robin over the park's devices until closed. */
export async function startSimulator(opts: {
  url: string; db: Queryable; rate: number; log: Logger; client?: MqttClient;
  /** Chance per plant reading that a fault starts (default DEFAULT_FAULT_CHANCE). */ faultChance?: number;
}): Promise<Simulator> {
  const devices = await loadSimDevices(opts.db);
  const stats: SimStats = { published: 0, faults: 0, intrusions: 0, devices: devices.length };
  if (devices.length === 0) {
    opts.log.info('simulator: no devices in the database; nothing to publish');
    return { stats, close: async () => {} };
  }
  const client = opts.client ?? (await mqtt.connectAsync(opts.url, { clientId: `twin-sim-${process.pid}-${Math.random().toString(36).slice(2, 8)}`, reconnectPeriod: 1000 }));
  const state = new Map<string, { seq: number; faultUntil: number; kwh: number; at?: number }>();
  // Remote commands (sim/commands.ts, docs/control.md): answered on this connection; readings follow the commanded state.
  const commands = await startCommandResponder({ db: opts.db, log: opts.log, client, seqs: state });
  // Patrol scans, access events, watch-list hits and intrusions (sim/security.ts, docs/patrol.md).
  const security = startSecuritySim({ db: opts.db, client, log: opts.log, seqs: state });
  const parking = startParkingSim({ db: opts.db, client, log: opts.log, seqs: state, presence: occupancyCurve }); // car-park occupancy (sim/parking.ts)
  const tickMs = 50;
  let next = 0;
  let carry = 0;
  const timer = setInterval(() => {
    carry += (opts.rate * tickMs) / 1000;
    const n = Math.floor(carry);
    carry -= n;
    // Never queue unboundedly on a disconnected client: skip the tick instead.
    if (!client.connected) return;
    const now = new Date();
    for (let i = 0; i < n; i++) {
      const dev = devices[next++ % devices.length]!;
      // Enterprises' economy figures are monthly filings, published by the economy module from
      // the economic database, not simulated.
      if (dev.type === 'enterprise') continue;
      const m = commands.apply(dev, nextMessage(dev, state, now, Math.random, stats, opts.faultChance));
      client.publish(m.topic, JSON.stringify(m.payload), { qos: m.qos });
      stats.published++;
    }
  }, tickMs);
  opts.log.info({ devices: devices.length, rate: opts.rate }, 'simulator publishing');
  return {
    stats,
    async close() {
      clearInterval(timer);
      security.close();
      parking.close();
      await commands.close();
      if (!opts.client) await client.endAsync();
    },
  };
}
