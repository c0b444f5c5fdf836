/**
 * Guard patrol and access control (issue 15, G5 items 3 and 4; docs/patrol.md). Devices report
 * on `park/<park>/events/<device>/<kind>` (kind: patrol, access, watchlist); five levels, so the
 * telemetry subscription (`park/+/+/+`) never sees them. Each event is checked (known park,
 * device, checkpoint, pass or watch-list entry; strict payload: a watch-list hit carries no
 * image), stored once (the event id), and may raise an alarm: a checkpoint not visited in time,
 * a door forced or held open, a watch-list hit. Alarms go the way the alarms module raises its
 * own (no-data rules): a row in `alarm` (with its rule and parameters, so the console renders it in
 * the UI language), announced on `twin_alarm` (consoles, linkage) and pushed to the scene.
 */
import crypto from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { z } from 'zod';
import { LAYER_IDS } from '@park-twin/layers';
import type { ServerContext } from '../../context.ts';
import type { Queryable } from '../../db/index.ts';
import type { AlarmOp } from '../../ingest/writer.ts';
import { AlarmsRuntime } from '../alarms/runtime.ts';
import { liveRuntimeOf } from '../live.ts';
import { notify } from '../../kit/notifications/service.ts';
import { accessEvent, EVENT_KINDS, patrolEvent, watchlistEvent, type EventKind } from './schemas.ts';

/** What the module subscribes to. */
export const EVENT_FILTER = 'park/+/events/+/+';
/** The topic of a device's events. */
export const eventTopic = (park: string, device: string, kind: EventKind) => `park/${park}/events/${device}/${kind}`;

/** A refused event: status for the HTTP answer; on MQTT a log line and a counter. */
export class PatrolRefusal extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** The outcome of one event. */
export interface EventOutcome {
  readonly kind: EventKind;
  readonly id: string;
  readonly duplicate: boolean;
  readonly outcome: string;
  readonly reason: string | null;
  readonly alarm: number | null;
}

interface Raise { idx: number; kind: string; severity: 1 | 2 | 3; rule: string; params: Record<string, string | number>; message: string; device: string; at: number }

const firstIssue = (e: z.ZodError) => {
  const i = e.issues[0]!;
  return `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`;
};

/** The patrol runtime of one server. */
export class PatrolRuntime {
  client: MqttClient | null = null;
  readonly stats = { events: 0, duplicates: 0, refused: 0, roundsPlanned: 0, missed: 0, alarms: 0 };
  private rules = new Map<string, number>();
  private closed = false;

  constructor(private readonly sc: ServerContext, readonly clock: () => number = Date.now) {}

  async start(): Promise<void> {
    if ((await this.sc.db.query<{ t: string | null }>("SELECT to_regclass('alarm_rule')::text AS t")).rows[0]?.t) {
      const r = await this.sc.db.query<{ id: number; code: string }>("SELECT id, code FROM alarm_rule WHERE code LIKE 'patrol.%' OR code LIKE 'access.%'");
      this.rules = new Map(r.rows.map((x) => [x.code, Number(x.id)]));
    }
    const url = liveRuntimeOf(this.sc)?.serverMqttUrl;
    if (!url) {
      this.sc.log.warn('patrol: no MQTT broker; security events come only over HTTP');
      return;
    }
    const client = await mqtt.connectAsync(url, {
      clientId: `twin-patrol-${process.pid}-${crypto.randomBytes(4).toString('hex')}`, clean: true, reconnectPeriod: 1000, connectTimeout: 10_000, log: () => {},
    });
    client.on('message', (topic, payload) => void this.onMqtt(topic, payload));
    client.on('error', (err) => this.sc.log.warn({ err: err.message }, 'patrol mqtt error'));
    await client.subscribeAsync(EVENT_FILTER, { qos: 1 });
    this.client = client;
  }

  async stop(): Promise<void> {
    this.closed = true;
    await this.client?.endAsync();
    this.client = null;
  }

  /** An event off the broker: handled, or refused with a log line (a device gets no answer). */
  private async onMqtt(topic: string, payload: Buffer): Promise<void> {
    const parts = topic.split('/');
    const [, park, , device, kind] = parts as [string, string, string, string, string];
    try {
      if (parts.length !== 5 || parts[2] !== 'events' || !(EVENT_KINDS as readonly string[]).includes(kind)) throw new PatrolRefusal(400, `not an event topic: park/<park>/events/<device>/${EVENT_KINDS.join('|')}`);
      let body: unknown;
      try {
        body = JSON.parse(payload.toString('utf8'));
      } catch {
        throw new PatrolRefusal(400, 'the payload is not JSON');
      }
      await this.handle(park, device, kind as EventKind, body);
    } catch (err) {
      if (this.closed) return;
      if (err instanceof PatrolRefusal) {
        if (!(err as PatrolRefusal & { counted?: boolean }).counted) this.stats.refused++;
        this.sc.log.warn({ topic: topic.slice(0, 200), status: err.status, reason: err.message }, 'security event refused');
      } else {
        this.sc.log.error({ err, topic: topic.slice(0, 200) }, 'security event failed');
      }
    }
  }

  /**
   * Checks, stores and acts on one event. Throws `PatrolRefusal` (nothing written) for an unknown
   * park, device, checkpoint, pass holder's entry, or a malformed payload.
   */
  async handle(parkCode: string, device: string, kind: EventKind, raw: unknown): Promise<EventOutcome> {
    try {
      return await this.handleInner(parkCode, device, kind, raw);
    } catch (err) {
      if (err instanceof PatrolRefusal) {
        this.stats.refused++;
        (err as PatrolRefusal & { counted?: boolean }).counted = true;
      }
      throw err;
    }
  }

  private async handleInner(parkCode: string, device: string, kind: EventKind, raw: unknown): Promise<EventOutcome> {
    const park = (await this.sc.db.query<{ idx: number }>('SELECT idx FROM park WHERE code = $1', [parkCode])).rows[0];
    if (!park) throw new PatrolRefusal(404, `unknown park ${parkCode.slice(0, 40)}`);
    const parkIdx = Number(park.idx);
    const now = this.clock();
    const when = (ts: number | undefined) => {
      if (ts !== undefined && ts > now + 300_000) throw new PatrolRefusal(400, 'ts: more than 5 minutes in the future');
      return ts ?? now;
    };
    const raises: Raise[] = [];
    let out: EventOutcome;
    switch (kind) {
      case 'patrol': {
        const p = patrolEvent.safeParse(raw);
        if (!p.success) throw new PatrolRefusal(400, firstIssue(p.error));
        const e = p.data;
        const at = when(e.ts);
        const reader = (await this.sc.db.query<{ guard: string }>('SELECT guard FROM patrol_reader WHERE park_idx = $1 AND code = $2', [parkIdx, device])).rows[0];
        if (!reader) throw new PatrolRefusal(404, `unknown patrol reader ${device} in park ${parkCode}`);
        const cp = (await this.sc.db.query<{ idx: number }>(
          'SELECT c.idx FROM patrol_checkpoint c JOIN patrol_route r ON r.id = c.route_id WHERE r.park_idx = $1 AND c.tag = $2 LIMIT 1', [parkIdx, e.tag])).rows[0];
        if (!cp) throw new PatrolRefusal(404, `unknown checkpoint ${e.tag} in park ${parkCode}`);
        out = await this.sc.db.transaction(async (tx) => {
          const ins = await tx.query('INSERT INTO patrol_scan (id, park_idx, reader, guard, tag, idx, at) VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7 / 1000.0)) ON CONFLICT (id) DO NOTHING RETURNING id',
            [e.id, parkIdx, device, reader.guard, e.tag, cp.idx, at]);
          if (!ins.rows.length) return { kind, id: e.id, duplicate: true, outcome: 'duplicate', reason: null, alarm: null };
          // The earliest pending visit of this tag in an open round that had started by then.
          const v = (await tx.query<{ round_id: number; n: number }>(
            `SELECT v.round_id, v.n FROM patrol_visit v JOIN patrol_round r ON r.id = v.round_id JOIN patrol_route ro ON ro.id = r.route_id
             WHERE ro.park_idx = $1 AND v.tag = $2 AND v.state = 'pending' AND r.state = 'open' AND r.planned_at <= to_timestamp($3 / 1000.0)
             ORDER BY v.due_at LIMIT 1 FOR UPDATE OF v`, [parkIdx, e.tag, at])).rows[0];
          if (!v) return { kind, id: e.id, duplicate: false, outcome: 'recorded', reason: 'no open round expects this checkpoint now', alarm: null };
          await tx.query(`UPDATE patrol_visit SET state = 'visited', visited_at = to_timestamp($3 / 1000.0), reader = $4, guard = $5, event_id = $6 WHERE round_id = $1 AND n = $2`,
            [v.round_id, v.n, at, device, reader.guard, e.id]);
          await tx.query('UPDATE patrol_scan SET round_id = $2, n = $3 WHERE id = $1', [e.id, v.round_id, v.n]);
          await this.closeRounds(tx, now, Number(v.round_id));
          return { kind, id: e.id, duplicate: false, outcome: 'visited', reason: null, alarm: null };
        });
        break;
      }
      case 'access': {
        const p = accessEvent.safeParse(raw);
        if (!p.success) throw new PatrolRefusal(400, firstIssue(p.error));
        const e = p.data;
        const at = when(e.ts);
        const ap = (await this.sc.db.query<{ idx: number }>(
          'SELECT e.idx FROM equipment e JOIN access_point ap ON ap.idx = e.idx WHERE e.park_idx = $1 AND e.code = $2', [parkIdx, device])).rows[0];
        if (!ap) throw new PatrolRefusal(404, `unknown access point ${device} in park ${parkCode}`);
        if (e.pass && e.event !== 'granted' && e.event !== 'denied') throw new PatrolRefusal(400, `pass: only a granted or denied swipe carries a visitor pass, not ${e.event}`);
        let outcome: 'granted' | 'denied' | 'refused' | 'alarm' = e.event === 'granted' ? 'granted' : e.event === 'denied' ? 'denied' : 'alarm';
        let reason: string | null = null;
        let passId: number | null = null;
        if (e.pass) {
          const ps = (await this.sc.db.query<{ id: number; valid_from: Date; valid_to: Date; revoked_at: Date | null }>(
            'SELECT id, valid_from, valid_to, revoked_at FROM visitor_pass WHERE park_idx = $1 AND code = $2', [parkIdx, e.pass])).rows[0];
          if (!ps) [outcome, reason] = ['refused', 'unknown visitor pass'];
          else {
            passId = Number(ps.id);
            const from = new Date(ps.valid_from).getTime();
            const to = new Date(ps.valid_to).getTime();
            if (ps.revoked_at) [outcome, reason] = ['refused', 'visitor pass revoked'];
            else if (at < from || at > to) [outcome, reason] = ['refused', `visitor pass valid ${new Date(from).toISOString()} to ${new Date(to).toISOString()} only`];
          }
        }
        if (e.event === 'forced_open') raises.push({ idx: Number(ap.idx), kind: 'door_forced_open', severity: 3, rule: 'access.forced_open', params: { device }, message: `access point ${device} forced open`, device, at });
        if (e.event === 'held_open') {
          raises.push({ idx: Number(ap.idx), kind: 'door_held_open', severity: 2, rule: 'access.held_open', params: { device, seconds: e.heldSeconds ?? 0 }, message: `access point ${device} held open`, device, at });
        }
        out = await this.sc.db.transaction(async (tx) => {
          const ins = await tx.query(
            `INSERT INTO access_event (id, park_idx, idx, device, event, outcome, reason, card, pass_id, pass_code, held_s, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, to_timestamp($12 / 1000.0)) ON CONFLICT (id) DO NOTHING RETURNING id`,
            [e.id, parkIdx, ap.idx, device, e.event, outcome, reason, e.card ?? null, passId, e.pass ?? null, e.heldSeconds ?? null, at]);
          if (!ins.rows.length) return { kind, id: e.id, duplicate: true, outcome: 'duplicate', reason: null, alarm: null };
          const alarm = raises[0] ? await this.raiseIn(tx, raises[0]) : null;
          if (alarm !== null) await tx.query('UPDATE access_event SET alarm_id = $2 WHERE id = $1', [e.id, alarm]);
          return { kind, id: e.id, duplicate: false, outcome, reason, alarm };
        });
        break;
      }
      case 'watchlist': {
        const p = watchlistEvent.safeParse(raw);
        if (!p.success) throw new PatrolRefusal(400, firstIssue(p.error));
        const e = p.data;
        const at = when(e.ts);
        const t = (await this.sc.db.query<{ idx: number; biometric: boolean }>(
          'SELECT e.idx, ap.biometric FROM equipment e JOIN access_point ap ON ap.idx = e.idx WHERE e.park_idx = $1 AND e.code = $2', [parkIdx, device])).rows[0];
        if (!t) throw new PatrolRefusal(404, `unknown biometric terminal ${device} in park ${parkCode}`);
        if (!t.biometric) throw new PatrolRefusal(422, `${device} is not a biometric terminal: it cannot report watch-list hits`);
        const entry = (await this.sc.db.query<{ id: number; code: string }>('SELECT id, code FROM watchlist_entry WHERE park_idx = $1 AND code = $2', [parkIdx, e.entry])).rows[0];
        if (!entry) throw new PatrolRefusal(404, `unknown watch-list entry ${e.entry}`);
        raises.push({ idx: Number(t.idx), kind: 'watchlist_hit', severity: 3, rule: 'access.watchlist', params: { device, entry: entry.code, score: Math.round(e.score * 100) / 100 }, message: `watch-list hit ${entry.code} at ${device}`, device, at });
        out = await this.sc.db.transaction(async (tx) => {
          const ins = await tx.query('INSERT INTO watchlist_hit (id, park_idx, idx, device, entry_id, score, at) VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7 / 1000.0)) ON CONFLICT (id) DO NOTHING RETURNING id',
            [e.id, parkIdx, t.idx, device, entry.id, e.score, at]);
          if (!ins.rows.length) return { kind, id: e.id, duplicate: true, outcome: 'duplicate', reason: null, alarm: null };
          const alarm = await this.raiseIn(tx, raises[0]!);
          if (alarm !== null) await tx.query('UPDATE watchlist_hit SET alarm_id = $2 WHERE id = $1', [e.id, alarm]);
          return { kind, id: e.id, duplicate: false, outcome: 'hit', reason: null, alarm };
        });
        break;
      }
    }
    if (out.duplicate) this.stats.duplicates++;
    else {
      this.stats.events++;
      this.afterRaise(raises.filter(() => out.alarm !== null));
    }
    return out;
  }

  /**
   * Raises an alarm inside the caller's transaction (as the alarms module's no-data rules do): one
   * open alarm per object and kind; announced to every node at commit. Returns the open alarm's id.
   */
  private async raiseIn(tx: Queryable, a: Raise): Promise<number | null> {
    const r = await tx.query<{ id: number }>(
      `INSERT INTO alarm (idx, layer, kind, severity, message, device, raised_at, rule_id, params)
       VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7 / 1000.0), $8, $9::jsonb)
       ON CONFLICT (idx, kind) WHERE state <> 'cleared' DO NOTHING RETURNING id`,
      [a.idx, LAYER_IDS.security, a.kind, a.severity, a.message.slice(0, 500), a.device, a.at, this.rules.get(a.rule) ?? null, JSON.stringify(a.params)]);
    if (r.rows[0]) {
      const id = Number(r.rows[0].id);
      await AlarmsRuntime.announce(tx, { id, idx: a.idx, action: 'raise', state: 'raised', severity: a.severity });
      this.stats.alarms++;
      return id;
    }
    // Already open: the event joins it.
    const open = await tx.query<{ id: number }>(`SELECT id FROM alarm WHERE idx = $1 AND kind = $2 AND state <> 'cleared'`, [a.idx, a.kind]);
    return open.rows[0] ? Number(open.rows[0].id) : null;
  }

  /** After commit: the scene's alarm pulse, and critical ones to the security operators' bells. */
  private afterRaise(raised: readonly Raise[]): void {
    if (!raised.length) return;
    const live = liveRuntimeOf(this.sc);
    const ops: AlarmOp[] = raised.map((a) => ({ op: 'raise', idx: a.idx, layer: LAYER_IDS.security, kind: a.kind, severity: a.severity, message: a.message, device: a.device, ts: a.at }));
    live?.hub.alarms(ops);
    for (const a of raised) {
      if (a.severity < 3) continue;
      void notify(this.sc, {
        to: { roles: ['security_operator'] }, kind: 'alarm.critical',
        title: { zh: a.kind === 'watchlist_hit' ? `紧急告警：布控名单命中 ${a.device}` : `紧急告警：门禁 ${a.device} 被强行打开`, en: `Critical alarm: ${a.message}` },
        link: '/alarms',
      }).catch((err: unknown) => this.sc.log.warn({ err }, 'security alarm notification failed'));
    }
  }

  /** Closes rounds with no pending visit left (done when all were visited). */
  private async closeRounds(tx: Queryable, now: number, only?: number): Promise<void> {
    await tx.query(
      `UPDATE patrol_round r SET state = CASE WHEN EXISTS (SELECT 1 FROM patrol_visit v WHERE v.round_id = r.id AND v.state = 'missed') THEN 'incomplete' ELSE 'done' END,
         closed_at = to_timestamp($1 / 1000.0)
       WHERE r.state = 'open' AND ($2::bigint IS NULL OR r.id = $2) AND NOT EXISTS (SELECT 1 FROM patrol_visit v WHERE v.round_id = r.id AND v.state = 'pending')`,
      [now, only ?? null]);
  }

  /** When the schedule's round that covers `now` started (rounds start at midnight UTC + offset + k * every). */
  static roundStart(now: number, everyS: number, offsetS: number): number {
    let day = Math.floor(now / 86_400_000) * 86_400_000;
    let t = now - day - offsetS * 1000;
    if (t < 0) {
      day -= 86_400_000;
      t += 86_400_000;
    }
    return day + offsetS * 1000 + Math.floor(t / (everyS * 1000)) * everyS * 1000;
  }

  /**
   * The patrol job: plans the round of every schedule that started in the last minute (a round is
   * never planned late, so a restart does not raise a burst of missed checkpoints), marks visits
   * past their due time and grace as missed (one alarm each), closes finished rounds.
   */
  async tick(now = this.clock()): Promise<{ planned: number; missed: number }> {
    let planned = 0;
    const sched = await this.sc.db.query<{ id: number; route_id: number; every_s: number; offset_s: number; grace_s: number }>(
      'SELECT s.id, s.route_id, s.every_s, s.offset_s, s.grace_s FROM patrol_schedule s JOIN patrol_route r ON r.id = s.route_id WHERE s.enabled AND r.enabled');
    for (const s of sched.rows) {
      const start = PatrolRuntime.roundStart(now, Number(s.every_s), Number(s.offset_s));
      if (now - start > 60_000) continue;
      const made = await this.sc.db.transaction(async (tx) => {
        const r = await tx.query<{ id: number }>('INSERT INTO patrol_round (route_id, schedule_id, planned_at) VALUES ($1, $2, to_timestamp($3 / 1000.0)) ON CONFLICT (route_id, planned_at) DO NOTHING RETURNING id',
          [s.route_id, s.id, start]);
        if (!r.rows[0]) return false;
        await tx.query(
          `INSERT INTO patrol_visit (round_id, n, tag, idx, due_at, missed_after)
           SELECT $1, n, tag, idx, to_timestamp($3 / 1000.0) + make_interval(secs => due_s), to_timestamp($3 / 1000.0) + make_interval(secs => due_s + $4::int)
           FROM patrol_checkpoint WHERE route_id = $2`, [r.rows[0].id, s.route_id, start, s.grace_s]);
        return true;
      });
      if (made) planned++;
    }
    this.stats.roundsPlanned += planned;
    const raised: Raise[] = [];
    await this.sc.db.transaction(async (tx) => {
      const missed = await tx.query<{ round_id: number; n: number; tag: string; idx: number; due_at: Date; code: string }>(
        `UPDATE patrol_visit v SET state = 'missed' FROM patrol_round r JOIN patrol_route ro ON ro.id = r.route_id
         WHERE r.id = v.round_id AND v.state = 'pending' AND v.missed_after <= to_timestamp($1 / 1000.0)
         RETURNING v.round_id, v.n, v.tag, v.idx, v.due_at, ro.code`, [now]);
      for (const m of missed.rows) {
        const due = new Date(m.due_at).toISOString().slice(11, 16);
        const a: Raise = { idx: Number(m.idx), kind: 'patrol_missed', severity: 2, rule: 'patrol.missed', params: { tag: m.tag, route: m.code, due: `${due} UTC` }, message: `checkpoint ${m.tag} of route ${m.code} not visited by ${due} UTC`, device: m.tag, at: now };
        const id = await this.raiseIn(tx, a);
        if (id !== null) await tx.query('UPDATE patrol_visit SET alarm_id = $3 WHERE round_id = $1 AND n = $2', [m.round_id, m.n, id]);
        raised.push(a);
      }
      await this.closeRounds(tx, now);
    });
    this.stats.missed += raised.length;
    this.afterRaise(raised);
    return { planned, missed: raised.length };
  }
}

const runtimes = new WeakMap<ServerContext, PatrolRuntime>();

export async function startPatrol(sc: ServerContext, clock?: () => number): Promise<PatrolRuntime> {
  const rt = new PatrolRuntime(sc, clock);
  await rt.start();
  runtimes.set(sc, rt);
  return rt;
}
/** The patrol runtime of a server. */
export function patrolRuntimeOf(sc: ServerContext): PatrolRuntime | undefined {
  return runtimes.get(sc);
}
export async function stopPatrol(sc: ServerContext): Promise<void> {
  const rt = runtimes.get(sc);
  runtimes.delete(sc);
  await rt?.stop();
}
