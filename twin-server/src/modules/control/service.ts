/**
 * Remote control (issue 15, G3 item 2 / G4): commands to equipment over MQTT with a correlation
 * id, a second confirmation for the risky ones (enforced here: a risky command is stored as
 * awaiting confirmation and published only after its token comes back), results and timeouts,
 * each step audited in the hash chain and pushed to every node's sockets (NOTIFY `twin_control`).
 *
 * Topics (docs/control.md): request `park/<park>/cmd/<device>/req`, result `park/<park>/cmd/<device>/res`.
 * They are five levels deep, so the ingest subscription (`park/+/+/+`) never sees them.
 */
import crypto from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { z } from 'zod';
import type { ServerContext } from '../../context.ts';
import type { Queryable } from '../../db/index.ts';
import { authService } from '../../auth/index.ts';
import { liveRuntimeOf } from '../live.ts';
import { deviceActor, systemActor } from '../actors.ts';
import { checkValue, loadProfiles, SYSTEM_ENDPOINTS, type CommandSpec, type ControlProfile } from './profiles.ts';

/** NOTIFY channel of command changes (any node). */
export const CONTROL_CHANNEL = 'twin_control';
/** What the server subscribes to for results. */
export const RESULT_FILTER = 'park/+/cmd/+/res';
/** How long a risky command's confirmation token is valid. */
export const CONFIRM_TTL_MS = 60_000;

export const requestTopic = (park: string, device: string) => `park/${park}/cmd/${device}/req`;

/** Who acts (the audit actor). */
export interface Actor {
  readonly kind: 'user' | 'device' | 'exchange' | 'system';
  readonly id?: string | null;
  readonly name: string;
}

/** A refused command: status for the HTTP answer, audited as a failure. */
export class ControlRefusal extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** A stored command. */
export interface CommandRow {
  id: string; park: string; idx: number; device: string; equipment_type: string; action: string; value: unknown; risky: boolean;
  state: 'awaiting_confirmation' | 'sent' | 'succeeded' | 'refused' | 'timeout' | 'cancelled';
  confirm_hash: string | null; confirm_expires: Date | string | null; source: 'operator' | 'linkage'; requested_by: string; requested_by_id: string | null;
  confirmed_by: string | null; created_at: Date | string; sent_at: Date | string | null; deadline: Date | string | null; answered_at: Date | string | null;
  result: Record<string, unknown> | null; error: string | null;
}

/** The push every socket holding `equipment:read` receives when a command changes. */
export interface CommandChanged {
  readonly type: 'control.command';
  readonly id: string;
  readonly idx: number;
  readonly action: string;
  readonly state: CommandRow['state'];
  readonly source: CommandRow['source'];
}

/** A device commands can go to. */
export interface ControlTarget {
  readonly idx: number;
  readonly park: string;
  readonly device: string;
  readonly type: string;
}

const resultPayload = z.object({
  id: z.uuid(),
  ok: z.boolean(),
  state: z.record(z.string(), z.union([z.string().max(100), z.number(), z.boolean(), z.null()])).optional(),
  error: z.string().max(300).optional(),
  ts: z.number().optional(),
}).strict();

const iso = (v: unknown): string | null => (v === null || v === undefined ? null : new Date(v as string).toISOString());
const sha = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/** The wire form of a command (no confirmation hash). */
export function wireCommand(r: CommandRow) {
  return {
    id: r.id, idx: Number(r.idx), device: r.device, type: r.equipment_type, action: r.action, value: r.value ?? null, risky: r.risky, state: r.state,
    source: r.source, requestedBy: r.requested_by, confirmedBy: r.confirmed_by, createdAt: iso(r.created_at)!, sentAt: iso(r.sent_at),
    deadline: iso(r.deadline), answeredAt: iso(r.answered_at), result: (r.result as Record<string, string | number | boolean | null> | null) ?? null, error: r.error,
    confirmExpires: r.state === 'awaiting_confirmation' ? iso(r.confirm_expires) : null,
  };
}

/** The control runtime of one server. */
export class ControlRuntime {
  profiles = new Map<string, ControlProfile>();
  client: MqttClient | null = null;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly stops: Array<() => Promise<void> | void> = [];
  private readonly settledListeners = new Set<(c: Omit<CommandChanged, 'type'>) => void>();
  readonly stats = { published: 0, results: 0, late: 0, timeouts: 0, badResults: 0 };

  constructor(private readonly sc: ServerContext, private readonly opts: { timeoutMs?: number } = {}) {}

  async start(): Promise<void> {
    await this.reloadProfiles();
    const live = liveRuntimeOf(this.sc);
    const url = live?.serverMqttUrl;
    if (url) {
      const client = await mqtt.connectAsync(url, {
        clientId: `twin-control-${process.pid}-${crypto.randomBytes(4).toString('hex')}`, clean: true, reconnectPeriod: 1000, connectTimeout: 10_000,
        ...(/mqttjs/.test(process.env.DEBUG ?? '') ? {} : { log: () => {} }),
      });
      client.on('message', (topic, payload) => void this.onResult(topic, payload).catch((err: unknown) => this.sc.log.warn({ err }, 'command result not handled')));
      client.on('error', (err) => this.sc.log.warn({ err: err.message }, 'control mqtt error'));
      await client.subscribeAsync(RESULT_FILTER, { qos: 1 });
      this.client = client;
    } else {
      this.sc.log.warn('control: no MQTT broker; commands cannot be sent');
    }
    this.stops.push(await this.sc.db.listen(CONTROL_CHANNEL, (payload) => this.push(payload)));
  }

  async stop(): Promise<void> {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const s of this.stops.splice(0)) await s();
    await this.client?.endAsync();
    this.client = null;
  }

  async reloadProfiles(): Promise<void> {
    this.profiles = await loadProfiles(this.sc.db, (type, why) => this.sc.log.warn({ type, why }, 'invalid control profile skipped'));
  }

  /** Called on every node for every command change (the linkage module listens). */
  onChange(fn: (c: Omit<CommandChanged, 'type'>) => void): () => void {
    this.settledListeners.add(fn);
    return () => this.settledListeners.delete(fn);
  }

  private push(payload: string): void {
    let m: Omit<CommandChanged, 'type'>;
    try {
      m = JSON.parse(payload) as Omit<CommandChanged, 'type'>;
    } catch {
      return;
    }
    liveRuntimeOf(this.sc)?.stream?.broadcast({ type: 'control.command', ...m } satisfies CommandChanged, 'equipment:read');
    for (const fn of this.settledListeners) fn(m);
  }

  private static async announce(tx: Queryable, r: CommandRow): Promise<void> {
    const m: Omit<CommandChanged, 'type'> = { id: r.id, idx: Number(r.idx), action: r.action, state: r.state, source: r.source };
    await tx.query('SELECT pg_notify($1, $2)', [CONTROL_CHANNEL, JSON.stringify(m)]);
  }

  private audit(tx: Queryable, action: string, outcome: 'success' | 'failure', actor: Actor, object: string, source: string | null, detail: Record<string, unknown>) {
    return authService(this.sc).auditIn(tx, { action, outcome, actor: { kind: actor.kind, id: actor.id ?? null, name: actor.name }, object, source, detail });
  }

  /** Audits a refusal in its own transaction. */
  async auditRefusal(actor: Actor, object: string, source: string | null, detail: Record<string, unknown>): Promise<void> {
    await this.sc.db.transaction((tx) => this.audit(tx, 'control.command.refused', 'failure', actor, object, source, detail));
  }

  /** The device an idx names (equipment), or a park's head-end (`pa`, `signage`) by park idx. */
  async target(q: Queryable, idx: number, endpoint?: keyof typeof SYSTEM_ENDPOINTS): Promise<ControlTarget | null> {
    if (endpoint) {
      const p = await q.query<{ code: string }>('SELECT code FROM park WHERE idx = $1', [idx]);
      return p.rows[0] ? { idx, park: p.rows[0].code, device: SYSTEM_ENDPOINTS[endpoint], type: endpoint } : null;
    }
    const r = await q.query<{ idx: number; park: string; code: string; type: string }>(
      'SELECT e.idx, p.code AS park, e.code, e.type FROM equipment e JOIN park p ON p.idx = e.park_idx WHERE e.idx = $1', [idx]);
    const e = r.rows[0];
    return e ? { idx: Number(e.idx), park: e.park, device: e.code, type: e.type } : null;
  }

  /** The command spec of an action on a target, or a refusal. */
  spec(t: ControlTarget, action: string): CommandSpec {
    const profile = this.profiles.get(t.type);
    if (!profile) throw new ControlRefusal(422, `${t.device} (${t.type}) takes no remote commands`);
    const spec = profile.commands.find((c) => c.action === action);
    if (!spec) throw new ControlRefusal(422, `${t.device} (${t.type}) has no command ${action}: one of ${profile.commands.map((c) => c.action).join(', ')}`);
    return spec;
  }

  /**
   * An operator's command. Harmless ones are sent at once (state `sent`); risky ones are stored
   * as `awaiting_confirmation` with a one-time token and NOT published until `confirm`.
   */
  async request(actor: Actor, can: (p: string) => boolean, t: ControlTarget, action: string, value: unknown, source: string | null): Promise<{ row: CommandRow; token: string | null }> {
    const spec = this.spec(t, action);
    if (!can(spec.permission)) throw new ControlRefusal(403, `${action} on ${t.device} needs ${spec.permission}`);
    const v = checkValue(spec, value);
    if (!v.ok) throw new ControlRefusal(422, v.reason);
    if (!this.client) throw new ControlRefusal(503, 'no MQTT broker: commands cannot be sent now');
    const id = crypto.randomUUID();
    const token = spec.risky ? crypto.randomBytes(24).toString('base64url') : null;
    const timeoutMs = this.opts.timeoutMs ?? this.profiles.get(t.type)!.timeoutMs;
    const row = await this.sc.db.transaction(async (tx) => {
      const r = spec.risky
        ? await tx.query<CommandRow>(
          `INSERT INTO device_command (id, park, idx, device, equipment_type, action, value, risky, state, confirm_hash, confirm_expires, source, requested_by, requested_by_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, true, 'awaiting_confirmation', $8, now() + make_interval(secs => $9::double precision / 1000), 'operator', $10, $11) RETURNING *`,
          [id, t.park, t.idx, t.device, t.type, action, JSON.stringify(v.value), sha(token!), CONFIRM_TTL_MS, actor.name, actor.id ?? null])
        : await tx.query<CommandRow>(
          `INSERT INTO device_command (id, park, idx, device, equipment_type, action, value, risky, state, sent_at, deadline, source, requested_by, requested_by_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, false, 'sent', now(), now() + make_interval(secs => $8::double precision / 1000), 'operator', $9, $10) RETURNING *`,
          [id, t.park, t.idx, t.device, t.type, action, JSON.stringify(v.value), timeoutMs, actor.name, actor.id ?? null]);
      const row = r.rows[0]!;
      await this.audit(tx, spec.risky ? 'control.command.request' : 'control.command.send', 'success', actor, `device:${t.device}`, source,
        { command: id, idx: t.idx, action, value: v.value as never, risky: spec.risky });
      await ControlRuntime.announce(tx, row);
      return row;
    });
    if (row.state === 'sent') this.publish(row, timeoutMs);
    return { row, token };
  }

  /** The second confirmation of a risky command: the token of the request, by the same user, in time. */
  async confirm(actor: Actor, can: (p: string) => boolean, id: string, token: string, source: string | null): Promise<CommandRow> {
    const row = await this.sc.db.transaction(async (tx) => {
      const cur = (await tx.query<CommandRow>('SELECT * FROM device_command WHERE id = $1 FOR UPDATE', [id])).rows[0];
      if (!cur) throw new ControlRefusal(404, `no command ${id}`);
      if (cur.state !== 'awaiting_confirmation') throw new ControlRefusal(409, `command ${id} is ${cur.state}: nothing to confirm`);
      const t: ControlTarget = { idx: Number(cur.idx), park: cur.park, device: cur.device, type: cur.equipment_type };
      const spec = this.spec(t, cur.action);
      if (!can(spec.permission)) throw new ControlRefusal(403, `${cur.action} on ${cur.device} needs ${spec.permission}`);
      if (cur.requested_by_id !== (actor.id ?? null)) throw new ControlRefusal(403, 'only the operator who asked for this command can confirm it');
      if (new Date(cur.confirm_expires!).getTime() < Date.now()) throw new ControlRefusal(409, 'the confirmation has expired: send the command again');
      const a = Buffer.from(sha(token));
      const b = Buffer.from(cur.confirm_hash ?? '');
      if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) throw new ControlRefusal(403, 'wrong confirmation token: the command was not sent');
      if (!this.client) throw new ControlRefusal(503, 'no MQTT broker: commands cannot be sent now');
      const timeoutMs = this.opts.timeoutMs ?? this.profiles.get(t.type)?.timeoutMs ?? 10_000;
      const r = await tx.query<CommandRow>(
        `UPDATE device_command SET state = 'sent', confirm_hash = NULL, confirmed_by = $2, sent_at = now(),
           deadline = now() + make_interval(secs => $3::double precision / 1000) WHERE id = $1 RETURNING *`, [id, actor.name, timeoutMs]);
      const row = r.rows[0]!;
      await this.audit(tx, 'control.command.confirm', 'success', actor, `device:${cur.device}`, source, { command: id, idx: t.idx, action: cur.action, value: cur.value as never });
      await ControlRuntime.announce(tx, row);
      return { row, timeoutMs };
    });
    this.publish(row.row, row.timeoutMs);
    return row.row;
  }

  /** Drops a command still awaiting its confirmation. */
  async cancel(actor: Actor, id: string, source: string | null): Promise<CommandRow> {
    return this.sc.db.transaction(async (tx) => {
      const cur = (await tx.query<CommandRow>('SELECT * FROM device_command WHERE id = $1 FOR UPDATE', [id])).rows[0];
      if (!cur) throw new ControlRefusal(404, `no command ${id}`);
      if (cur.state !== 'awaiting_confirmation') throw new ControlRefusal(409, `command ${id} is ${cur.state}: only an unconfirmed command can be cancelled`);
      const r = await tx.query<CommandRow>(`UPDATE device_command SET state = 'cancelled', confirm_hash = NULL, answered_at = now() WHERE id = $1 RETURNING *`, [id]);
      await this.audit(tx, 'control.command.cancel', 'success', actor, `device:${cur.device}`, source, { command: id, idx: Number(cur.idx), action: cur.action });
      await ControlRuntime.announce(tx, r.rows[0]!);
      return r.rows[0]!;
    });
  }

  /**
   * A command issued by the platform itself (a linkage step the operator confirmed, or one that
   * needs no confirmation), inside the caller's transaction. Publish with `publish` after commit.
   */
  async issueIn(tx: Queryable, actor: Actor, t: ControlTarget, action: string, value: unknown, confirmedBy: string | null): Promise<{ row: CommandRow; timeoutMs: number }> {
    const spec = this.spec(t, action);
    const v = checkValue(spec, value);
    if (!v.ok) throw new ControlRefusal(422, v.reason);
    const timeoutMs = this.opts.timeoutMs ?? this.profiles.get(t.type)!.timeoutMs;
    const r = await tx.query<CommandRow>(
      `INSERT INTO device_command (id, park, idx, device, equipment_type, action, value, risky, state, sent_at, deadline, source, requested_by, confirmed_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'sent', now(), now() + make_interval(secs => $9::double precision / 1000), 'linkage', $10, $11) RETURNING *`,
      [crypto.randomUUID(), t.park, t.idx, t.device, t.type, action, JSON.stringify(v.value), spec.risky, timeoutMs, actor.name, confirmedBy]);
    const row = r.rows[0]!;
    await this.audit(tx, 'control.command.send', 'success', actor, `device:${t.device}`, null, { command: row.id, idx: t.idx, action, value: v.value as never, risky: spec.risky, source: 'linkage' });
    await ControlRuntime.announce(tx, row);
    return { row, timeoutMs };
  }

  /** Publishes a stored `sent` command (QoS 1) and arms its timeout. */
  publish(row: CommandRow, timeoutMs: number): void {
    const payload = { id: row.id, action: row.action, ...(row.value === null || row.value === undefined ? {} : { value: row.value }), ts: Date.now(), expires: new Date(row.deadline!).getTime() };
    this.client?.publish(requestTopic(row.park, row.device), JSON.stringify(payload), { qos: 1 });
    this.stats.published++;
    const t = setTimeout(() => {
      this.timers.delete(row.id);
      void this.sweep().catch((err: unknown) => this.sc.log.warn({ err }, 'command timeout sweep failed'));
    }, timeoutMs + 100);
    t.unref();
    this.timers.set(row.id, t);
  }

  /** A device's answer. Only the device the command went to can settle it, once, before its deadline. */
  async onResult(topic: string, payload: Buffer): Promise<void> {
    const parts = topic.split('/');
    if (parts.length !== 5 || parts[2] !== 'cmd' || parts[4] !== 'res') return;
    const [, park, , device] = parts as [string, string, string, string];
    let body: z.infer<typeof resultPayload>;
    try {
      body = resultPayload.parse(JSON.parse(payload.toString('utf8')));
    } catch {
      this.stats.badResults++;
      return;
    }
    const row = await this.sc.db.transaction(async (tx) => {
      const r = await tx.query<CommandRow>(
        `UPDATE device_command SET state = $4, answered_at = now(), result = $5, error = $6
         WHERE id = $1 AND park = $2 AND device = $3 AND state = 'sent' AND deadline > now() RETURNING *`,
        [body.id, park, device, body.ok ? 'succeeded' : 'refused', body.state ? JSON.stringify(body.state) : null, body.ok ? null : (body.error ?? 'refused by the device')]);
      const row = r.rows[0];
      if (!row) return null;
      if (body.state) {
        await tx.query(
          `INSERT INTO device_control_state (idx, state, updated_at) VALUES ($1, $2, now())
           ON CONFLICT (idx) DO UPDATE SET state = device_control_state.state || EXCLUDED.state, updated_at = now()`, [row.idx, JSON.stringify(body.state)]);
      }
      await this.audit(tx, 'control.command.result', body.ok ? 'success' : 'failure', deviceActor(device), `device:${device}`, null,
        { command: row.id, idx: Number(row.idx), action: row.action, ok: body.ok, ...(body.error ? { error: body.error } : {}), ...(body.state ? { state: body.state } : {}) });
      await ControlRuntime.announce(tx, row);
      return row;
    });
    if (!row) {
      this.stats.late++;
      return;
    }
    this.stats.results++;
    const t = this.timers.get(row.id);
    if (t) clearTimeout(t);
    this.timers.delete(row.id);
  }

  /** Marks every command past its deadline as timed out (audited, pushed). */
  async sweep(): Promise<number> {
    return this.sc.db.transaction(async (tx) => {
      const r = await tx.query<CommandRow>(
        `UPDATE device_command SET state = 'timeout', answered_at = now(),
           error = 'no answer from the device within ' || round(extract(epoch FROM deadline - sent_at))::text || ' s'
         WHERE state = 'sent' AND deadline <= now() RETURNING *`);
      for (const row of r.rows) {
        await this.audit(tx, 'control.command.timeout', 'failure', systemActor('control'), `device:${row.device}`, null, { command: row.id, idx: Number(row.idx), action: row.action });
        await ControlRuntime.announce(tx, row);
      }
      // Unconfirmed risky commands whose token expired are dropped.
      const e = await tx.query<CommandRow>(
        `UPDATE device_command SET state = 'cancelled', confirm_hash = NULL, answered_at = now(), error = 'not confirmed in time'
         WHERE state = 'awaiting_confirmation' AND confirm_expires <= now() RETURNING *`);
      for (const row of e.rows) await ControlRuntime.announce(tx, row);
      this.stats.timeouts += r.rows.length;
      return r.rows.length;
    });
  }
}

const runtimes = new WeakMap<ServerContext, ControlRuntime>();

export async function startControl(sc: ServerContext, opts: { timeoutMs?: number } = {}): Promise<ControlRuntime> {
  const rt = new ControlRuntime(sc, opts);
  await rt.start();
  runtimes.set(sc, rt);
  return rt;
}

/** The control runtime of a server (the linkage module issues its commands through it). */
export function controlRuntimeOf(sc: ServerContext): ControlRuntime | undefined {
  return runtimes.get(sc);
}

export async function stopControl(sc: ServerContext): Promise<void> {
  const rt = runtimes.get(sc);
  runtimes.delete(sc);
  await rt?.stop();
}
