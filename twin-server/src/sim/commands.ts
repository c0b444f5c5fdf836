/**
 * The simulator's answer to remote commands (docs/control.md): it subscribes to every device's
 * command requests (`park/+/cmd/+/req`), applies each to the device's simulated control state,
 * answers on `park/<park>/cmd/<device>/res` with the correlation id and the new state, and then
 * reports the device's new readings through the normal telemetry topics, so the change shows in
 * the scene like any reading. From then on the simulator's regular readings of that device follow
 * the commanded state (`apply`): a stopped unit reports no load, the env sensors in a room whose
 * fan coil got a setpoint report the room settling at it, a recalled lift is out of service, a
 * door held open is a warning.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Queryable } from '../db/index.ts';
import type { Logger } from '../log.ts';
import type { SimDevice, SimMessage } from './types.ts';

/** Topic filter of every device's command requests. */
export const COMMAND_FILTER = 'park/+/cmd/+/req';

/** The control state of one simulated device. */
export interface SimControlState {
  running?: boolean;
  setpoint?: number;
  mode?: string;
  access?: 'locked' | 'unlocked' | 'normal';
  recalled?: boolean;
  message?: string;
}

/** What the simulated devices accept, per type (anything else is refused by the device). */
const ACCEPTS: Record<string, readonly string[]> = {
  ahu: ['start', 'stop', 'setpoint', 'mode'], fan_coil: ['start', 'stop', 'setpoint', 'mode'],
  chiller: ['start', 'stop', 'setpoint'], boiler: ['start', 'stop', 'setpoint'], cooling_tower: ['start', 'stop'], pump: ['start', 'stop'],
  elevator: ['recall', 'release'], access_reader: ['lock', 'unlock', 'normal'], barrier_gate: ['lock', 'unlock', 'normal'],
  pa: ['announce'], signage: ['show'],
};
const HVAC = new Set(['ahu', 'fan_coil', 'chiller', 'boiler', 'cooling_tower', 'pump']);

/** Counters. */
export interface ResponderStats {
  requests: number;
  answered: number;
  refused: number;
  ignored: number;
}

/** A running responder. */
export interface CommandResponder {
  readonly stats: ResponderStats;
  /** The commanded state of a device (`park/code`). */
  state(park: string, code: string): SimControlState | undefined;
  /** A regular simulator reading, changed to follow the device's commanded state. */
  apply(dev: SimDevice, m: SimMessage): SimMessage;
  close(): Promise<void>;
}

interface DevInfo { park: string; code: string; type: string; room: number | null }

/**
 * Starts answering commands on `client` (or a new connection to `url`). `seqs` is the simulator's
 * per-device state (shared so the follow-up readings continue its sequence numbers). `deaf`
 * devices never answer (a device that is offline: the server times the command out).
 */
export async function startCommandResponder(opts: {
  db: Queryable; log: Logger; client?: MqttClient; url?: string;
  seqs?: Map<string, { seq: number; faultUntil: number; kwh: number }>;
  deaf?: (park: string, code: string) => boolean;
  /** Milliseconds the device takes to act (default 150). */ delayMs?: number;
}): Promise<CommandResponder> {
  const rows = await opts.db.query<{ park: string; code: string; type: string; room: number | null }>(
    'SELECT p.code AS park, e.code, e.type, e.room_idx AS room FROM equipment e JOIN park p ON p.idx = e.park_idx');
  const devices = new Map<string, DevInfo>();
  const inRoom = new Map<number, DevInfo[]>();
  for (const r of rows.rows) {
    const d: DevInfo = { park: r.park, code: r.code, type: r.type, room: r.room === null ? null : Number(r.room) };
    devices.set(`${r.park}/${r.code}`, d);
    if (d.room !== null) {
      let l = inRoom.get(d.room);
      if (!l) inRoom.set(d.room, (l = []));
      l.push(d);
    }
  }
  const own = !opts.client;
  const client = opts.client ?? (await mqtt.connectAsync(opts.url!, { clientId: `twin-sim-cmd-${process.pid}-${Math.random().toString(36).slice(2, 8)}`, reconnectPeriod: 1000, log: () => {} }));
  const controls = new Map<string, SimControlState>();
  /** Room idx -> the temperature its fan coils / AHU were set to. */
  const roomSetpoint = new Map<number, number>();
  const seqs = opts.seqs ?? new Map<string, { seq: number; faultUntil: number; kwh: number }>();
  const stats: ResponderStats = { requests: 0, answered: 0, refused: 0, ignored: 0 };
  const delay = opts.delayMs ?? 150;

  const nextSeq = (key: string) => {
    let s = seqs.get(key);
    if (!s) seqs.set(key, (s = { seq: Math.floor(Date.now() / 1000), faultUntil: 0, kwh: 0 }));
    return ++s.seq;
  };
  const publishReading = (d: DevInfo, layer: string, payload: Record<string, unknown>) => {
    const key = `${d.park}/${d.code}`;
    client.publish(`park/${d.park}/${layer}/${d.code}`, JSON.stringify({ seq: nextSeq(key), ts: Date.now(), ...payload }), { qos: 1 });
  };
  /** The equipment reading that shows a device's commanded state (null: nothing to show). */
  const reading = (d: DevInfo, c: SimControlState): Record<string, unknown> | null => {
    if (HVAC.has(d.type)) {
      if (c.running === false) return { status: 'normal', load: 0, temperature: 24 };
      if (c.setpoint !== undefined) return { status: 'normal', load: 45, temperature: c.setpoint };
      return null;
    }
    if (d.type === 'elevator' && c.recalled !== undefined) return c.recalled ? { status: 'maintenance', load: 0 } : { status: 'normal', load: 30 };
    if ((d.type === 'access_reader' || d.type === 'barrier_gate') && c.access) return c.access === 'unlocked' ? { status: 'warning', load: 0 } : { status: 'normal', load: 0 };
    return null;
  };

  const answer = (park: string, code: string, body: Record<string, unknown>) => {
    client.publish(`park/${park}/cmd/${code}/res`, JSON.stringify({ ...body, ts: Date.now() }), { qos: 1 });
  };

  const handle = (topic: string, payload: Buffer) => {
    const parts = topic.split('/');
    if (parts.length !== 5) return;
    const park = parts[1]!;
    const code = parts[3]!;
    stats.requests++;
    if (opts.deaf?.(park, code)) {
      stats.ignored++;
      return;
    }
    let req: { id?: unknown; action?: unknown; value?: unknown; expires?: unknown };
    try {
      req = JSON.parse(payload.toString('utf8')) as typeof req;
    } catch {
      stats.ignored++;
      return;
    }
    if (typeof req.id !== 'string' || typeof req.action !== 'string') {
      stats.ignored++;
      return;
    }
    const id = req.id;
    const action = req.action;
    const d: DevInfo | undefined = code === 'pa' || code === 'signage' ? { park, code, type: code, room: null } : devices.get(`${park}/${code}`);
    setTimeout(() => {
      if (!d) return void stats.ignored++; // not a device of ours: silence, like an unplugged one
      if (typeof req.expires === 'number' && req.expires < Date.now()) return void stats.ignored++;
      if (!(ACCEPTS[d.type] ?? []).includes(action)) {
        stats.refused++;
        return answer(park, code, { id, ok: false, error: `unsupported command ${action}` });
      }
      const key = `${park}/${code}`;
      const c = controls.get(key) ?? {};
      switch (action) {
        case 'start': c.running = true; break;
        case 'stop': c.running = false; break;
        case 'setpoint':
          if (typeof req.value !== 'number') {
            stats.refused++;
            return answer(park, code, { id, ok: false, error: 'setpoint needs a number' });
          }
          c.setpoint = req.value;
          c.running = true;
          if (d.room !== null && (d.type === 'fan_coil' || d.type === 'ahu')) roomSetpoint.set(d.room, req.value);
          break;
        case 'mode': c.mode = String(req.value); break;
        case 'lock': c.access = 'locked'; break;
        case 'unlock': c.access = 'unlocked'; break;
        case 'normal': c.access = 'normal'; break;
        case 'recall': c.recalled = true; break;
        case 'release': c.recalled = false; break;
        case 'announce':
        case 'show': c.message = typeof req.value === 'object' && req.value ? String((req.value as { zh?: unknown }).zh ?? '') : String(req.value ?? ''); break;
      }
      controls.set(key, c);
      stats.answered++;
      const state: Record<string, string | number | boolean> = {};
      for (const [k, v] of Object.entries(c)) if (v !== undefined) state[k] = v as string | number | boolean;
      answer(park, code, { id, ok: true, state });
      // The new state through the normal telemetry path.
      const r = reading(d, c);
      if (r) publishReading(d, 'equipment', r);
      if (action === 'setpoint' && d.room !== null && (d.type === 'fan_coil' || d.type === 'ahu')) {
        for (const s of inRoom.get(d.room) ?? []) if (s.type === 'env_sensor') publishReading(s, 'equipment', { status: 'normal', temperature: Math.round((c.setpoint! + 0.3) * 10) / 10 });
      }
    }, delay);
  };
  client.on('message', (topic, payload) => {
    if (topic.endsWith('/req') && topic.includes('/cmd/')) handle(topic, payload);
  });
  await client.subscribeAsync(COMMAND_FILTER, { qos: 1 });
  opts.log.info({ devices: devices.size }, 'simulator answering commands');

  const roomOf = (park: string, code: string) => devices.get(`${park}/${code}`)?.room ?? null;
  return {
    stats,
    state: (park, code) => controls.get(`${park}/${code}`),
    apply(dev, m) {
      if (dev.source !== 'equipment') return m;
      if (dev.type === 'env_sensor') {
        const room = roomOf(dev.park, dev.code);
        const sp = room === null ? undefined : roomSetpoint.get(room);
        return sp === undefined || m.payload.temperature === undefined ? m : { ...m, payload: { ...m.payload, temperature: Math.round((sp + 0.3 + (Math.random() - 0.5) * 0.4) * 10) / 10 } };
      }
      const c = controls.get(`${dev.park}/${dev.code}`);
      if (!c || !m.topic.includes('/equipment/')) return m;
      const d = devices.get(`${dev.park}/${dev.code}`);
      const r = d ? reading(d, c) : null;
      return r ? { ...m, payload: { seq: m.payload.seq, ts: m.payload.ts, ...r } } : m;
    },
    async close() {
      await client.unsubscribeAsync(COMMAND_FILTER).catch(() => {});
      if (own) await client.endAsync();
    },
  };
}
