/**
 * The simulator's security devices (docs/patrol.md), so a demo shows patrol, access control and
 * intrusions within minutes: guards' readers scan the checkpoints of open patrol rounds when
 * they fall due (now and then one is skipped: a missed checkpoint alarm follows), access points
 * report visitor-pass swipes (some outside their window: refused), and now and then a door forced
 * or held open, a watch-list hit at a biometric terminal, and a perimeter intrusion (cleared a
 * couple of minutes later). Events go on `park/<park>/events/<device>/<kind>`; intrusions on the
 * camera's security topic like any reading. Reads the patrol tables when the module is on.
 */
import crypto from 'node:crypto';
import type { MqttClient } from 'mqtt';
import type { Queryable } from '../db/index.ts';
import type { Logger } from '../log.ts';

/** Chances per tick (2 s): about one forced door in 3 minutes, a held one in 4, a hit in 5, an intrusion in 3. */
export const SECURITY_CHANCES = { skip: 0.12, pass: 0.1, forced: 1 / 90, held: 1 / 120, watch: 1 / 150, intrusion: 1 / 90 } as const;

/** Counters. */
export interface SecuritySimStats { scans: number; skipped: number; access: number; watch: number; intrusions: number }

/** A running security simulator. */
export interface SecuritySim {
  readonly stats: SecuritySimStats;
  /** One step (the timer calls it; tests may too). */
  tick(now?: number): Promise<void>;
  close(): void;
}

/**
 * Starts publishing on `client`. `seqs` is the simulator's per-device sequence state (intrusions
 * continue the camera's sequence so the ingest does not take them for duplicates).
 */
export function startSecuritySim(opts: {
  db: Queryable; client: MqttClient; log: Logger; everyMs?: number; rand?: () => number;
  seqs?: Map<string, { seq: number; faultUntil: number; kwh: number }>;
  chances?: Partial<Record<keyof typeof SECURITY_CHANCES, number>>;
}): SecuritySim {
  const rand = opts.rand ?? Math.random;
  const ch = { ...SECURITY_CHANCES, ...opts.chances };
  const stats: SecuritySimStats = { scans: 0, skipped: 0, access: 0, watch: 0, intrusions: 0 };
  const decided = new Set<string>();
  const clears: Array<{ at: number; park: string; code: string }> = [];
  let off = false;
  let busy = false;
  const pick = <T>(a: readonly T[]): T | undefined => a[Math.floor(rand() * a.length)];
  const send = (park: string, device: string, kind: string, body: Record<string, unknown>) =>
    opts.client.publish(`park/${park}/events/${device}/${kind}`, JSON.stringify({ id: crypto.randomUUID(), ...body }), { qos: 1 });
  const seqOf = (key: string) => {
    const seqs = opts.seqs ?? new Map();
    let s = seqs.get(key);
    if (!s) seqs.set(key, (s = { seq: Math.floor(Date.now() / 1000), faultUntil: 0, kwh: 0 }));
    return ++s.seq;
  };

  async function tick(now = Date.now()): Promise<void> {
    if (off || busy || !opts.client.connected) return;
    busy = true;
    try {
      // Patrol: the checkpoints of open rounds that are due now (within 20 s of their time).
      const due = await opts.db.query<{ round_id: number; n: number; tag: string; park: string; route: number; park_idx: number }>(
        `SELECT v.round_id, v.n, v.tag, p.code AS park, ro.id AS route, ro.park_idx
         FROM patrol_visit v JOIN patrol_round r ON r.id = v.round_id JOIN patrol_route ro ON ro.id = r.route_id JOIN park p ON p.idx = ro.park_idx
         WHERE v.state = 'pending' AND r.state = 'open' AND v.due_at <= to_timestamp($1 / 1000.0) + interval '5 seconds' AND v.due_at >= to_timestamp($1 / 1000.0) - interval '20 seconds'`, [now]);
      const readers = due.rows.length ? (await opts.db.query<{ park_idx: number; code: string }>('SELECT park_idx, code FROM patrol_reader ORDER BY code')).rows : [];
      for (const v of due.rows) {
        const key = `${v.round_id}/${v.n}`;
        const mine = readers.filter((r) => Number(r.park_idx) === Number(v.park_idx));
        // Each route has its guard: routes alternate over the park's readers.
        const reader = mine[Number(v.route) % Math.max(1, mine.length)]?.code;
        if (decided.has(key) || !reader) continue;
        decided.add(key);
        if (rand() < ch.skip) {
          stats.skipped++;
          continue;
        }
        send(v.park, reader, 'patrol', { tag: v.tag, ts: now });
        stats.scans++;
      }
      if (decided.size > 5000) decided.clear();
      const aps = (await opts.db.query<{ park: string; code: string; biometric: boolean }>(
        'SELECT p.code AS park, e.code, ap.biometric FROM access_point ap JOIN equipment e ON e.idx = ap.idx JOIN park p ON p.idx = e.park_idx ORDER BY e.idx')).rows;
      if (aps.length) {
        if (rand() < ch.pass) {
          const passes = (await opts.db.query<{ park: string; code: string }>('SELECT p.code AS park, v.code FROM visitor_pass v JOIN park p ON p.idx = v.park_idx ORDER BY v.id DESC LIMIT 20')).rows;
          const ps = pick(passes);
          const ap = ps && pick(aps.filter((a) => a.park === ps.park));
          if (ps && ap) {
            send(ap.park, ap.code, 'access', { event: 'granted', pass: ps.code, ts: now });
            stats.access++;
          }
        }
        if (rand() < ch.forced) {
          const ap = pick(aps)!;
          send(ap.park, ap.code, 'access', { event: 'forced_open', ts: now });
          stats.access++;
        }
        if (rand() < ch.held) {
          const ap = pick(aps)!;
          send(ap.park, ap.code, 'access', { event: 'held_open', heldSeconds: 60 + Math.floor(rand() * 240), ts: now });
          stats.access++;
        }
        if (rand() < ch.watch) {
          const bio = aps.filter((a) => a.biometric);
          const t = pick(bio);
          const entries = t ? (await opts.db.query<{ code: string }>('SELECT w.code FROM watchlist_entry w JOIN park p ON p.idx = w.park_idx WHERE p.code = $1', [t.park])).rows : [];
          const e = pick(entries);
          if (t && e) {
            send(t.park, t.code, 'watchlist', { entry: e.code, score: Math.round((0.82 + rand() * 0.17) * 100) / 100, ts: now });
            stats.watch++;
          }
        }
      }
      // Perimeter intrusions on the cameras' security topic (as the cameras report them), cleared later.
      if (rand() < ch.intrusion) {
        const cams = (await opts.db.query<{ park: string; code: string }>(
          "SELECT p.code AS park, e.code FROM camera c JOIN equipment e ON e.idx = c.idx JOIN park p ON p.idx = e.park_idx WHERE c.coverage = 'perimeter' ORDER BY e.idx")).rows;
        const c = pick(cams);
        if (c) {
          opts.client.publish(`park/${c.park}/security/${c.code}`, JSON.stringify({ seq: seqOf(`${c.park}/${c.code}`), ts: now, event: 'intrusion' }), { qos: 1 });
          clears.push({ at: now + 150_000, park: c.park, code: c.code });
          stats.intrusions++;
        }
      }
      while (clears[0] && clears[0].at <= now) {
        const c = clears.shift()!;
        opts.client.publish(`park/${c.park}/security/${c.code}`, JSON.stringify({ seq: seqOf(`${c.park}/${c.code}`), ts: now, event: 'clear' }), { qos: 1 });
      }
    } catch (err) {
      // The patrol module is off (no tables): the rest of the simulator goes on without it.
      if ((err as { code?: string }).code === '42P01') {
        off = true;
        opts.log.info('simulator: no patrol tables; security events off');
      } else opts.log.warn({ err }, 'security simulation step failed');
    } finally {
      busy = false;
    }
  }
  const timer = setInterval(() => void tick(), opts.everyMs ?? 2000);
  timer.unref();
  return { stats, tick, close: () => clearInterval(timer) };
}
