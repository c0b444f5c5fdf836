/**
 * The simulator's car parks (docs/services.md, parking): every car park's barrier gate reports
 * the vehicles inside on the occupancy layer (`park/<park>/occupancy/<gate>`, `{count, seq, ts}`),
 * so the normal ingest path puts the car park's occupancy into the hub (live in 3D on the
 * occupancy layer) and live_state (the car park's panel). Vehicles follow the office day: few at
 * night, up to about nine in ten spaces taken at midday on a weekday. A car park is a room of use
 * 'parking' with a barrier gate; its capacity is the parking module's when that module is on.
 */
import type { MqttClient } from 'mqtt';
import type { Queryable } from '../db/index.ts';
import type { Logger } from '../log.ts';

/** A car park the simulator speaks for. */
export interface SimCarPark { park: string; gate: string; room: number; capacity: number }

/** The car parks with their gates and capacities. */
export async function loadCarParks(db: Queryable): Promise<SimCarPark[]> {
  const lots = (await db.query<{ t: string | null }>("SELECT to_regclass('parking_lot')::text AS t")).rows[0]?.t ? 'LEFT JOIN parking_lot l ON l.idx = r.idx' : 'LEFT JOIN (SELECT NULL::int AS idx, NULL::int AS capacity) l ON false';
  const r = await db.query<{ park: string; gate: string; room: number; capacity: number | null; area: number }>(
    `SELECT DISTINCT ON (r.idx) p.code AS park, e.code AS gate, r.idx AS room, l.capacity, r.area
     FROM equipment e JOIN room r ON r.idx = e.room_idx JOIN park p ON p.idx = e.park_idx ${lots}
     WHERE e.type = 'barrier_gate' AND r.use = 'parking' ORDER BY r.idx, e.idx`);
  return r.rows.map((x) => ({ park: x.park, gate: x.gate, room: x.room, capacity: x.capacity ?? Math.max(10, Math.min(400, Math.floor(x.area / 30))) }));
}

/** Vehicles in a car park of `capacity` when `presence` (0..1) of the staff is in; `rand` in [0, 1) adds a little noise. */
export function vehiclesAt(capacity: number, presence: number, rand: () => number): number {
  const share = Math.min(0.95, 0.05 + presence * 0.92);
  return Math.max(0, Math.min(capacity, Math.round(capacity * share + (rand() * 2 - 1) * Math.max(1, capacity * 0.02))));
}

/** A running car-park simulator. */
export interface ParkingSim {
  /** One round over every car park (the timer calls it; tests may too). Returns the messages published. */
  tick(now?: Date): Promise<number>;
  close(): void;
}

/**
 * Starts publishing every car park's vehicle count every `everyMs` (default 10 s). `presence` is
 * the share of staff in at a time (the simulator's occupancy curve; passed in, so this file and
 * simulator.ts do not import each other).
 */
export function startParkingSim(opts: {
  db: Queryable; client: MqttClient; log: Logger; presence: (t: Date) => number; everyMs?: number; rand?: () => number;
  seqs?: Map<string, { seq: number; faultUntil: number; kwh: number }>;
}): ParkingSim {
  const rand = opts.rand ?? Math.random;
  const seqs = opts.seqs ?? new Map<string, { seq: number; faultUntil: number; kwh: number }>();
  let parks: SimCarPark[] | null = null;
  let off = false;
  let busy = false;
  async function tick(now = new Date()): Promise<number> {
    if (off || busy || !opts.client.connected) return 0;
    busy = true;
    try {
      parks ??= await loadCarParks(opts.db);
      for (const c of parks) {
        // The gate's sequence is shared with its access events (the ingest drops repeated (seq, ts) pairs per device).
        const key = `${c.park}/${c.gate}`;
        let s = seqs.get(key);
        if (!s) seqs.set(key, (s = { seq: Math.floor(Date.now() / 1000), faultUntil: 0, kwh: 0 }));
        s.seq++;
        await opts.client.publishAsync(`park/${c.park}/occupancy/${c.gate}`, JSON.stringify({ seq: s.seq, ts: now.getTime(), count: vehiclesAt(c.capacity, opts.presence(now), rand) }), { qos: 0 });
      }
      return parks.length;
    } catch (e) {
      opts.log.warn({ err: e }, 'parking simulator: tick failed');
      parks = null;
      return 0;
    } finally {
      busy = false;
    }
  }
  const timer = setInterval(() => void tick(), opts.everyMs ?? 10_000);
  timer.unref?.();
  return { tick, close: () => { off = true; clearInterval(timer); } };
}
