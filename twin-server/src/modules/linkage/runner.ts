/**
 * Runs linkage plans: an alarm raised on any node (NOTIFY `twin_alarm`) starts every enabled plan
 * whose trigger matches it, once (a unique index on plan and alarm); the run's steps then go one
 * after another. A step that needs a confirmation (the plan says so, or it sends a risky command
 * such as unlocking doors) waits for the operator, who confirms or cancels it; command steps run
 * as remote commands (modules/control) and finish when every command has its result or timed
 * out. Every transition is audited and pushed (`linkage.run`) to the consoles and walls.
 */
import type { ServerContext } from '../../context.ts';
import type { Queryable } from '../../db/index.ts';
import { authService } from '../../auth/index.ts';
import { ALARM_CHANNEL } from '../alarms/runtime.ts';
import { liveRuntimeOf } from '../live.ts';
import { systemActor, usernameActor } from '../actors.ts';
import { controlRuntimeOf, ControlRefusal, type Actor, type CommandRow, type ControlTarget } from '../control/service.ts';
import { createWorkOrder } from '../workorders/service.ts';
import { stepSpec, triggerSpec, type StepSpec } from './schemas.ts';

/** NOTIFY channel of run changes. */
export const LINKAGE_CHANNEL = 'twin_linkage';

/** The push sockets holding `linkage:read` receive on every step change. */
export interface LinkageChanged {
  readonly type: 'linkage.run';
  readonly run: number;
  readonly n: number | null;
  readonly state: string;
  readonly runState: string;
}

export class LinkageRefusal extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const SYSTEM: Actor = systemActor('linkage');
const TERMINAL = new Set(['done', 'failed', 'cancelled', 'skipped']);

interface RunRow { id: number; plan_id: number; alarm_id: number | null; idx: number; zone_idx: number | null; building_idx: number | null; state: string; started_by: string }
interface StepRow { run_id: number; n: number; kind: string; spec: StepSpec; risky: boolean; state: string; commands: string[]; confirmed_by: string | null }

/** Where an object is (a point) and which park, building and floor it belongs to. */
const PLACE_SQL = `
  SELECT COALESCE(e.park_idx, z.park_idx, b.park_idx, rb.park_idx) AS park, COALESCE(e.building_idx, r.building_idx, f.building_idx, b.idx) AS building,
         COALESCE(e.position, ST_Centroid(r.footprint), ST_Centroid(b.footprint), ST_Centroid(z.boundary)) AS g,
         ap.zone_idx AS ap_zone
  FROM twin_object o
  LEFT JOIN equipment e ON e.idx = o.idx LEFT JOIN room r ON r.idx = o.idx LEFT JOIN floor f ON f.idx = o.idx
  LEFT JOIN building b ON b.idx = o.idx LEFT JOIN building rb ON rb.idx = COALESCE(r.building_idx, f.building_idx)
  LEFT JOIN zone z ON z.idx = o.idx LEFT JOIN access_point ap ON ap.idx = o.idx
  WHERE o.idx = $1`;
/** The park an object belongs to. */
const PARK_SQL = `SELECT park FROM (${PLACE_SQL}) x`;

/** The linkage runtime of one server. */
export class LinkageRuntime {
  private readonly stops: Array<() => Promise<void> | void> = [];
  readonly stats = { started: 0, advanced: 0 };

  constructor(private readonly sc: ServerContext) {}

  async start(): Promise<void> {
    this.stops.push(await this.sc.db.listen(ALARM_CHANNEL, (payload) => void this.onAlarm(payload).catch((err: unknown) => this.sc.log.warn({ err }, 'linkage trigger failed'))));
    this.stops.push(await this.sc.db.listen(LINKAGE_CHANNEL, (payload) => this.push(payload)));
    const ctl = controlRuntimeOf(this.sc);
    if (ctl) {
      this.stops.push(ctl.onChange((c) => {
        if (c.source !== 'linkage' || c.state === 'sent') return;
        void this.afterCommand(c.id).catch((err: unknown) => this.sc.log.warn({ err }, 'linkage step after a command failed'));
      }));
    }
  }

  async stop(): Promise<void> {
    for (const s of this.stops.splice(0)) await s();
  }

  private push(payload: string): void {
    let m: Omit<LinkageChanged, 'type'>;
    try {
      m = JSON.parse(payload) as Omit<LinkageChanged, 'type'>;
    } catch {
      return;
    }
    liveRuntimeOf(this.sc)?.stream?.broadcast({ type: 'linkage.run', ...m } satisfies LinkageChanged, 'linkage:read' as never);
  }

  private static async announce(tx: Queryable, run: number, n: number | null, state: string, runState: string): Promise<void> {
    await tx.query('SELECT pg_notify($1, $2)', [LINKAGE_CHANNEL, JSON.stringify({ run, n, state, runState })]);
  }

  private audit(tx: Queryable, action: string, outcome: 'success' | 'failure', actor: Actor, run: number, detail: Record<string, unknown>, source: string | null = null) {
    return authService(this.sc).auditIn(tx, { action, outcome, actor: { kind: actor.kind, id: actor.id ?? null, name: actor.name }, object: `linkage_run:${run}`, source, detail });
  }

  /** An alarm change from some node: a raise starts the matching plans. */
  private async onAlarm(payload: string): Promise<void> {
    let m: { id: number | null; idx: number; action: string };
    try {
      m = JSON.parse(payload) as typeof m;
    } catch {
      return;
    }
    if (m.action !== 'raise') return;
    const a = m.id !== null
      ? await this.sc.db.query<{ id: number; idx: number; kind: string; severity: number }>('SELECT id, idx, kind, severity FROM alarm WHERE id = $1', [m.id])
      : await this.sc.db.query<{ id: number; idx: number; kind: string; severity: number }>(
        `SELECT id, idx, kind, severity FROM alarm WHERE idx = $1 AND state <> 'cleared' AND raised_at > now() - interval '5 minutes' ORDER BY id DESC LIMIT 3`, [m.idx]);
    for (const alarm of a.rows) await this.startFor({ id: Number(alarm.id), idx: Number(alarm.idx), kind: alarm.kind, severity: Number(alarm.severity) }, SYSTEM);
  }

  /** The zone an alarm belongs to: an access point's own zone, else the most specific zone around the spot (perimeter first for perimeter alarms). */
  private async zoneOf(q: Queryable, idx: number, kind: string): Promise<{ zone: number | null; building: number | null; park: number | null }> {
    const p = (await q.query<{ park: number; building: number | null; ap_zone: number | null }>(`SELECT park, building, ap_zone FROM (${PLACE_SQL}) x`, [idx])).rows[0];
    if (!p) return { zone: null, building: null, park: null };
    if (p.ap_zone !== null) return { zone: Number(p.ap_zone), building: p.building === null ? null : Number(p.building), park: Number(p.park) };
    const z = await q.query<{ idx: number }>(
      `WITH spot AS (SELECT g FROM (${PLACE_SQL}) x WHERE g IS NOT NULL)
       SELECT z.idx FROM zone z, spot WHERE z.park_idx = $3 AND ST_DWithin(z.boundary::geography, ST_Force2D(spot.g)::geography, 30)
       ORDER BY ($2 = 'perimeter_intrusion' AND z.zone_type = 'perimeter') DESC, EXISTS (SELECT 1 FROM access_point ap WHERE ap.zone_idx = z.idx) DESC,
                ST_Distance(z.boundary::geography, ST_Force2D(spot.g)::geography), ST_Area(z.boundary::geography), z.idx LIMIT 1`, [idx, kind, p.park]);
    return { zone: z.rows[0] ? Number(z.rows[0].idx) : null, building: p.building === null ? null : Number(p.building), park: Number(p.park) };
  }

  /** Starts every enabled plan matching the alarm (once per plan and alarm); returns the new run ids. */
  async startFor(alarm: { id: number; idx: number; kind: string; severity: number }, actor: Actor, onlyPlan?: number): Promise<number[]> {
    const plans = await this.sc.db.query<{ id: number; name: unknown; trigger: unknown; steps: unknown }>(
      `SELECT id, name, trigger, steps FROM linkage_plan WHERE enabled ${onlyPlan ? 'AND id = $1' : ''} ORDER BY id`, onlyPlan ? [onlyPlan] : []);
    const place = await this.zoneOf(this.sc.db, alarm.idx, alarm.kind);
    const started: number[] = [];
    for (const pl of plans.rows) {
      const trig = triggerSpec.safeParse(pl.trigger);
      if (!trig.success) continue;
      const t = trig.data;
      if (!onlyPlan && (!t.kinds.includes(alarm.kind) || alarm.severity < t.minSeverity || (t.zone !== null && t.zone !== place.zone) || (t.building !== null && t.building !== place.building))) continue;
      const steps = (pl.steps as unknown[]).map((s) => stepSpec.safeParse(s));
      if (steps.some((s) => !s.success)) {
        this.sc.log.warn({ plan: pl.id }, 'linkage plan with an invalid step skipped');
        continue;
      }
      const id = await this.sc.db.transaction(async (tx) => {
        const r = await tx.query<{ id: number }>(
          `INSERT INTO linkage_run (plan_id, plan_name, alarm_id, idx, zone_idx, building_idx, started_by) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (plan_id, alarm_id) WHERE alarm_id IS NOT NULL DO NOTHING RETURNING id`,
          [pl.id, JSON.stringify(pl.name), alarm.id, alarm.idx, place.zone, place.building, actor.name]);
        const run = r.rows[0] ? Number(r.rows[0].id) : null;
        if (run === null) return null;
        let n = 0;
        for (const s of steps) {
          const spec = s.data!;
          await tx.query('INSERT INTO linkage_step (run_id, n, kind, spec, risky) VALUES ($1, $2, $3, $4, $5)', [run, n++, spec.kind, JSON.stringify(spec), this.risky(spec)]);
        }
        await this.audit(tx, 'linkage.run.start', 'success', actor, run, { plan: pl.id, alarm: alarm.id, kind: alarm.kind, idx: alarm.idx, zone: place.zone });
        await LinkageRuntime.announce(tx, run, null, 'running', 'running');
        return run;
      });
      if (id === null) continue;
      this.stats.started++;
      started.push(id);
      await this.advance(id);
    }
    return started;
  }

  /** Does a step wait for the operator? Its plan says so, or it sends a command the profiles mark risky. */
  risky(spec: StepSpec): boolean {
    if (spec.confirm) return true;
    if (spec.kind !== 'command') return false;
    const ctl = controlRuntimeOf(this.sc);
    for (const p of ctl?.profiles.values() ?? []) if (p.commands.some((c) => c.action === spec.action && c.risky)) return true;
    return false;
  }

  /** The devices a command step addresses. */
  private async targets(q: Queryable, run: RunRow, spec: Extract<StepSpec, { kind: 'command' }>): Promise<ControlTarget[]> {
    const ctl = controlRuntimeOf(this.sc)!;
    let rows: { idx: number }[] = [];
    const park = (await q.query<{ park: number }>(PARK_SQL, [run.idx])).rows[0]?.park ?? null;
    if (typeof spec.target === 'object') rows = spec.target.idx.map((idx) => ({ idx }));
    else if (spec.target === 'zone_access_points') {
      if (run.zone_idx !== null) rows = (await q.query<{ idx: number }>('SELECT idx FROM access_point WHERE zone_idx = $1 ORDER BY idx', [run.zone_idx])).rows;
    } else if (spec.target === 'building_access_points' || spec.target === 'building_exits') {
      const kinds = spec.target === 'building_exits' ? ['door', 'gate', 'turnstile'] : ['door', 'gate', 'turnstile', 'vehicle_barrier', 'lift'];
      rows = run.building_idx !== null
        ? (await q.query<{ idx: number }>('SELECT ap.idx FROM access_point ap JOIN equipment e ON e.idx = ap.idx WHERE e.building_idx = $1 AND ap.access_kind = ANY($2::text[]) ORDER BY ap.idx', [run.building_idx, kinds])).rows
        : (await q.query<{ idx: number }>(`SELECT ap.idx FROM access_point ap JOIN equipment e ON e.idx = ap.idx WHERE e.park_idx = $1 AND e.building_idx IS NULL AND ap.access_kind = ANY($2::text[]) ORDER BY ap.idx`, [park, kinds])).rows;
    } else if (spec.target === 'building_lifts' || spec.target === 'park_lifts') {
      rows = spec.target === 'building_lifts' && run.building_idx !== null
        ? (await q.query<{ idx: number }>(`SELECT idx FROM equipment WHERE building_idx = $1 AND type = 'elevator' ORDER BY idx`, [run.building_idx])).rows
        : (await q.query<{ idx: number }>(`SELECT idx FROM equipment WHERE park_idx = $1 AND type = 'elevator' ORDER BY idx`, [park])).rows;
    }
    const out: ControlTarget[] = [];
    for (const r of rows.slice(0, 50)) {
      const t = await ctl.target(q, Number(r.idx));
      if (t) out.push(t);
    }
    return out;
  }

  /** After a linkage command settled: the run of its step goes on. */
  private async afterCommand(command: string): Promise<void> {
    const r = await this.sc.db.query<{ run_id: number }>(`SELECT run_id FROM linkage_step WHERE $1::uuid = ANY(commands) AND state = 'running'`, [command]);
    for (const row of r.rows) await this.advance(Number(row.run_id));
  }

  /**
   * Moves a run on as far as it can go now: finished command steps are closed, steps that need
   * no one run, and the first step that needs the operator (or a device) stops it. Safe to call
   * from any node at any time (the run row is locked).
   */
  async advance(runId: number): Promise<void> {
    const ctl = controlRuntimeOf(this.sc);
    const publish: Array<{ row: CommandRow; timeoutMs: number }> = [];
    await this.sc.db.transaction(async (tx) => {
      const run = (await tx.query<RunRow>('SELECT * FROM linkage_run WHERE id = $1 FOR UPDATE', [runId])).rows[0];
      if (!run || run.state !== 'running') return;
      const steps = (await tx.query<StepRow>('SELECT * FROM linkage_step WHERE run_id = $1 ORDER BY n', [runId])).rows;
      for (const s of steps) {
        if (TERMINAL.has(s.state)) continue;
        if (s.state === 'awaiting_confirmation') return;
        if (s.state === 'running') {
          const c = await tx.query<{ state: string }>('SELECT state FROM device_command WHERE id = ANY($1::uuid[])', [s.commands]);
          if (c.rows.some((x) => x.state === 'sent')) return;
          const ok = c.rows.filter((x) => x.state === 'succeeded').length;
          const state = ok === c.rows.length ? 'done' : 'failed';
          await this.finish(tx, run, s, state, { sent: c.rows.length, succeeded: ok }, state === 'failed' ? `${c.rows.length - ok} of ${c.rows.length} commands failed or timed out` : null);
          continue;
        }
        // pending
        if (s.risky && !s.confirmed_by) {
          await tx.query(`UPDATE linkage_step SET state = 'awaiting_confirmation' WHERE run_id = $1 AND n = $2`, [runId, s.n]);
          await LinkageRuntime.announce(tx, runId, s.n, 'awaiting_confirmation', 'running');
          return;
        }
        await tx.query(`UPDATE linkage_step SET started_at = now() WHERE run_id = $1 AND n = $2`, [runId, s.n]);
        const spec = s.spec;
        // The operator who confirmed the step acts (id and username, as on every row), else the plan.
        const actor: Actor = s.confirmed_by ? await usernameActor(tx, s.confirmed_by) : SYSTEM;
        switch (spec.kind) {
          case 'fly_to':
            await this.finish(tx, run, s, 'done', { idx: run.idx }, null);
            continue;
          case 'cameras':
            // The consoles and walls list them from the video module (GET /api/video/cameras/seeing?alarm=).
            await this.finish(tx, run, s, 'done', { alarm: run.alarm_id, idx: run.idx, limit: spec.limit }, null);
            continue;
          case 'work_order': {
            await tx.query('SAVEPOINT linkage_wo');
            try {
              const wo = await createWorkOrder(this.sc, {
                objectIdx: run.idx, title: spec.title, source: 'linkage', sourceRef: `run:${runId}`, priority: spec.priority,
                ...(spec.trade ? { trade: spec.trade } : {}), actor: null, autoDispatch: true, ...(run.alarm_id ? { alarmId: Number(run.alarm_id) } : {}),
              }, tx);
              await tx.query('RELEASE SAVEPOINT linkage_wo');
              await this.finish(tx, run, s, 'done', { workOrder: wo.id, code: wo.code }, null);
            } catch (err) {
              await tx.query('ROLLBACK TO SAVEPOINT linkage_wo');
              await this.finish(tx, run, s, 'failed', null, String((err as Error).message ?? err).slice(0, 300));
            }
            continue;
          }
          case 'command':
          case 'announce':
          case 'display': {
            if (!ctl?.client) {
              await this.finish(tx, run, s, 'failed', null, 'no MQTT broker: commands cannot be sent');
              continue;
            }
            let targets: ControlTarget[];
            let action: string;
            let value: unknown;
            if (spec.kind === 'command') {
              targets = await this.targets(tx, run, spec);
              action = spec.action;
              value = spec.value;
            } else {
              const park = (await tx.query<{ park: number }>(PARK_SQL, [run.idx])).rows[0]?.park;
              const t = park ? await ctl.target(tx, Number(park), spec.kind === 'announce' ? 'pa' : 'signage') : null;
              targets = t ? [t] : [];
              action = spec.kind === 'announce' ? 'announce' : 'show';
              value = spec.text;
            }
            if (targets.length === 0) {
              await this.finish(tx, run, s, 'skipped', { sent: 0 }, 'nothing to command here');
              continue;
            }
            const ids: string[] = [];
            const errors: string[] = [];
            for (const t of targets) {
              try {
                const c = await ctl.issueIn(tx, actor, t, action, value, s.confirmed_by);
                publish.push(c);
                ids.push(c.row.id);
              } catch (err) {
                if (!(err instanceof ControlRefusal)) throw err;
                errors.push(`${t.device}: ${err.message}`);
              }
            }
            if (ids.length === 0) {
              await this.finish(tx, run, s, 'failed', null, errors.join('; ').slice(0, 300));
              continue;
            }
            await tx.query(`UPDATE linkage_step SET state = 'running', commands = $3::uuid[] WHERE run_id = $1 AND n = $2`, [runId, s.n, ids]);
            await this.audit(tx, 'linkage.step.start', 'success', actor, runId, { n: s.n, kind: s.kind, commands: ids.length, ...(errors.length ? { refused: errors.length } : {}) });
            await LinkageRuntime.announce(tx, runId, s.n, 'running', 'running');
            return;
          }
        }
      }
      // Every step is over.
      await tx.query(`UPDATE linkage_run SET state = 'done', finished_at = now() WHERE id = $1`, [runId]);
      await this.audit(tx, 'linkage.run.done', 'success', SYSTEM, runId, { plan: run.plan_id });
      await LinkageRuntime.announce(tx, runId, null, 'done', 'done');
    });
    this.stats.advanced++;
    for (const c of publish) ctl!.publish(c.row, c.timeoutMs);
  }

  private async finish(tx: Queryable, run: RunRow, s: StepRow, state: 'done' | 'failed' | 'skipped', result: Record<string, unknown> | null, error: string | null): Promise<void> {
    await tx.query(`UPDATE linkage_step SET state = $3, result = $4, error = $5, finished_at = now(), started_at = COALESCE(started_at, now()) WHERE run_id = $1 AND n = $2`,
      [run.id, s.n, state, result ? JSON.stringify(result) : null, error]);
    s.state = state;
    await this.audit(tx, `linkage.step.${state}`, state === 'failed' ? 'failure' : 'success', s.confirmed_by ? await usernameActor(tx, s.confirmed_by) : SYSTEM, run.id,
      { n: s.n, kind: s.kind, ...(result ?? {}), ...(error ? { error } : {}) });
    await LinkageRuntime.announce(tx, run.id, s.n, state, 'running');
  }

  /** The operator confirms a step waiting for it; the run goes on. */
  async confirm(actor: Actor, runId: number, n: number, source: string | null): Promise<void> {
    await this.sc.db.transaction(async (tx) => {
      const s = await this.lockStep(tx, runId, n);
      if (s.state !== 'awaiting_confirmation') throw new LinkageRefusal(409, `step ${n} of run ${runId} is ${s.state}: nothing to confirm`);
      await tx.query(`UPDATE linkage_step SET state = 'pending', confirmed_by = $3 WHERE run_id = $1 AND n = $2`, [runId, n, actor.name]);
      await this.audit(tx, 'linkage.step.confirm', 'success', actor, runId, { n, kind: s.kind }, source);
      await LinkageRuntime.announce(tx, runId, n, 'pending', 'running');
    });
    await this.advance(runId);
  }

  /** The operator cancels a step that has not finished: it does nothing (more); the run goes on with the next. */
  async cancelStep(actor: Actor, runId: number, n: number, source: string | null): Promise<void> {
    await this.sc.db.transaction(async (tx) => {
      const s = await this.lockStep(tx, runId, n);
      if (TERMINAL.has(s.state)) throw new LinkageRefusal(409, `step ${n} of run ${runId} is ${s.state} already`);
      await tx.query(`UPDATE linkage_step SET state = 'cancelled', cancelled_by = $3, finished_at = now() WHERE run_id = $1 AND n = $2`, [runId, n, actor.name]);
      await this.audit(tx, 'linkage.step.cancel', 'success', actor, runId, { n, kind: s.kind, was: s.state }, source);
      await LinkageRuntime.announce(tx, runId, n, 'cancelled', 'running');
    });
    await this.advance(runId);
  }

  /** The operator stops a whole run: every step not finished is cancelled. */
  async cancelRun(actor: Actor, runId: number, source: string | null): Promise<void> {
    await this.sc.db.transaction(async (tx) => {
      const run = (await tx.query<RunRow>('SELECT * FROM linkage_run WHERE id = $1 FOR UPDATE', [runId])).rows[0];
      if (!run) throw new LinkageRefusal(404, `no linkage run ${runId}`);
      if (run.state !== 'running') throw new LinkageRefusal(409, `run ${runId} is ${run.state} already`);
      const c = await tx.query(`UPDATE linkage_step SET state = 'cancelled', cancelled_by = $2, finished_at = now() WHERE run_id = $1 AND state IN ('pending', 'awaiting_confirmation', 'running') RETURNING n`, [runId, actor.name]);
      await tx.query(`UPDATE linkage_run SET state = 'cancelled', cancelled_by = $2, finished_at = now() WHERE id = $1`, [runId, actor.name]);
      await this.audit(tx, 'linkage.run.cancel', 'success', actor, runId, { steps: c.rows.length }, source);
      await LinkageRuntime.announce(tx, runId, null, 'cancelled', 'cancelled');
    });
  }

  private async lockStep(tx: Queryable, runId: number, n: number): Promise<StepRow> {
    const run = (await tx.query<RunRow>('SELECT * FROM linkage_run WHERE id = $1 FOR UPDATE', [runId])).rows[0];
    if (!run) throw new LinkageRefusal(404, `no linkage run ${runId}`);
    if (run.state !== 'running') throw new LinkageRefusal(409, `run ${runId} is ${run.state}`);
    const s = (await tx.query<StepRow>('SELECT * FROM linkage_step WHERE run_id = $1 AND n = $2', [runId, n])).rows[0];
    if (!s) throw new LinkageRefusal(404, `run ${runId} has no step ${n}`);
    return s;
  }

  /** Moves on every running run (a fallback for a missed notification or a node that went away). */
  async sweep(): Promise<void> {
    const r = await this.sc.db.query<{ id: number }>(`SELECT id FROM linkage_run WHERE state = 'running' ORDER BY id LIMIT 200`);
    for (const row of r.rows) await this.advance(Number(row.id));
  }
}

const runtimes = new WeakMap<ServerContext, LinkageRuntime>();

export async function startLinkage(sc: ServerContext): Promise<LinkageRuntime> {
  const rt = new LinkageRuntime(sc);
  await rt.start();
  runtimes.set(sc, rt);
  return rt;
}
export function linkageRuntimeOf(sc: ServerContext): LinkageRuntime | undefined {
  return runtimes.get(sc);
}
export async function stopLinkage(sc: ServerContext): Promise<void> {
  const rt = runtimes.get(sc);
  runtimes.delete(sc);
  await rt?.stop();
}
