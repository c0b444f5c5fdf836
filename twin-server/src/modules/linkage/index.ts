/**
 * The linkage module (issue 15, G5 item 5): security linkage plans stored in the database and
 * edited in the UI, run step by step when an alarm they match is raised (runner.ts), each risky
 * step confirmed or cancelled by the operator, every transition audited and pushed live.
 * docs/linkage.md.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import type { TwinModule } from '../types.ts';
import type { ServerContext } from '../../context.ts';
import type { Queryable } from '../../db/index.ts';
import type { RouteSpec, TwinContext } from '../../http/route.ts';
import type { Principal } from '../../auth/types.ts';
import { principalActor } from '../actors.ts';
import { authService } from '../../auth/index.ts';
import { bodyOf, paramsOf, queryOf } from '../../http/input.ts';
import { intIdParams } from '../../http/schemas.ts';
import { withStatus } from '../../http/openapi.ts';
import { controlRuntimeOf } from '../control/service.ts';
import { LinkageRefusal, linkageRuntimeOf, startLinkage, stopLinkage } from './runner.ts';
import { emptyBody, plan, planBody, plansResponse, planUpdateBody, run, runsQuery, runsResponse, startBody, stepParams, TARGETS, type StepSpec } from './schemas.ts';

const iso = (v: unknown): string | null => (v === null || v === undefined ? null : new Date(v as string).toISOString());
const actorOf = (p: Principal) => principalActor(p);

interface PlanRow { id: number; code: string; name: { zh: string; en: string }; trigger: z.infer<typeof plan>['trigger']; steps: StepSpec[]; enabled: boolean; version: number; updated_at: Date; updated_by: string | null }
const wirePlan = (r: PlanRow): z.infer<typeof plan> => ({
  id: Number(r.id), code: r.code, name: r.name, trigger: r.trigger, steps: r.steps, enabled: r.enabled, version: r.version, updatedAt: iso(r.updated_at)!, updatedBy: r.updated_by,
});

const RUN_SQL = `
  SELECT r.*, a.kind AS alarm_kind, o.name AS object_name, o.name_en AS object_name_en,
         COALESCE(e.floor_idx, rm.floor_idx) AS floor_idx
  FROM linkage_run r LEFT JOIN alarm a ON a.id = r.alarm_id LEFT JOIN twin_object o ON o.idx = r.idx
  LEFT JOIN equipment e ON e.idx = r.idx LEFT JOIN room rm ON rm.idx = r.idx`;

/** Runs with their steps and each step's commands. */
async function readRuns(q: Queryable, where: string, args: unknown[]): Promise<Array<z.infer<typeof run>>> {
  const runs = (await q.query<Record<string, unknown>>(`${RUN_SQL} ${where}`, args)).rows;
  if (runs.length === 0) return [];
  const ids = runs.map((r) => Number(r.id));
  const steps = (await q.query<Record<string, unknown> & { run_id: number; commands: string[] }>('SELECT * FROM linkage_step WHERE run_id = ANY($1::int[]) ORDER BY run_id, n', [ids])).rows;
  const cmdIds = steps.flatMap((s) => s.commands);
  const cmds = cmdIds.length
    ? (await q.query<{ id: string; idx: number; device: string; state: string; error: string | null }>('SELECT id, idx, device, state, error FROM device_command WHERE id = ANY($1::uuid[])', [cmdIds])).rows
    : [];
  const byId = new Map(cmds.map((c) => [c.id, { id: c.id, idx: Number(c.idx), device: c.device, state: c.state, error: c.error }]));
  return runs.map((r) => ({
    id: Number(r.id), plan: Number(r.plan_id), planName: r.plan_name as { zh: string; en: string }, alarm: r.alarm_id === null ? null : Number(r.alarm_id),
    alarmKind: (r.alarm_kind as string | null) ?? null, idx: Number(r.idx), objectName: (r.object_name as string | null) ?? null, objectNameEn: (r.object_name_en as string | null) ?? null,
    building: r.building_idx === null ? null : Number(r.building_idx), floor: r.floor_idx === null ? null : Number(r.floor_idx), zone: r.zone_idx === null ? null : Number(r.zone_idx),
    state: r.state as 'running', startedAt: iso(r.started_at)!, finishedAt: iso(r.finished_at), startedBy: r.started_by as string, cancelledBy: (r.cancelled_by as string | null) ?? null,
    steps: steps.filter((s) => Number(s.run_id) === Number(r.id)).map((s) => ({
      n: Number(s.n), kind: s.kind as string, spec: s.spec as StepSpec, risky: Boolean(s.risky), state: s.state as 'pending',
      commands: s.commands.map((c) => byId.get(c)).filter((c): c is NonNullable<typeof c> => Boolean(c)),
      result: (s.result as Record<string, string | number | boolean | null>) ?? null, error: (s.error as string | null) ?? null,
      confirmedBy: (s.confirmed_by as string | null) ?? null, cancelledBy: (s.cancelled_by as string | null) ?? null, startedAt: iso(s.started_at), finishedAt: iso(s.finished_at),
    })),
  }));
}

function routes(sc: ServerContext): RouteSpec[] {
  const rt = () => {
    const r = linkageRuntimeOf(sc);
    if (!r) throw new LinkageRefusal(503, 'linkage is not running');
    return r;
  };
  /** Runs an audited write; a refusal is audited as a failure and answered with its status. */
  async function guarded<T>(ctx: TwinContext, action: string, object: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof LinkageRefusal)) throw err;
      const p = ctx.state.principal!;
      await authService(sc).audit({ action, outcome: 'failure', actor: actorOf(p), object, source: ctx.ip, detail: { status: err.status, reason: err.message } }).catch(() => {});
      return ctx.throw(err.status, err.message);
    }
  }
  /** What the schema cannot check: command steps name actions some profile knows, and a known zone/building. */
  async function checkPlan(q: Queryable, b: z.infer<typeof planBody>): Promise<void> {
    const ctl = controlRuntimeOf(sc);
    const actions = new Set([...(ctl?.profiles.values() ?? [])].flatMap((p) => p.commands.map((c) => c.action)));
    b.steps.forEach((s, i) => {
      if (s.kind === 'command' && !actions.has(s.action)) throw new LinkageRefusal(422, `step ${i + 1}: no device takes the command ${s.action}: one of ${[...actions].sort().join(', ')}`);
    });
    if (b.trigger.zone !== null && !(await q.query('SELECT 1 FROM zone WHERE idx = $1', [b.trigger.zone])).rows.length) throw new LinkageRefusal(422, `no zone ${b.trigger.zone}`);
    if (b.trigger.building !== null && !(await q.query('SELECT 1 FROM building WHERE idx = $1', [b.trigger.building])).rows.length) throw new LinkageRefusal(422, `no building ${b.trigger.building}`);
  }
  const audit = (tx: Queryable, ctx: TwinContext, action: string, object: string, detail: Record<string, unknown>) =>
    authService(sc).auditIn(tx, { action, outcome: 'success', actor: actorOf(ctx.state.principal!), object, source: ctx.ip, detail });

  return [
    {
      method: 'GET', path: '/api/linkage/plans', permission: 'linkage:read', summary: 'Linkage plans (trigger, steps) and the command targets a step may name',
      response: plansResponse,
      async handler(ctx) {
        const r = await sc.db.query<PlanRow>('SELECT * FROM linkage_plan ORDER BY id');
        ctx.body = { plans: r.rows.map(wirePlan), targets: [...TARGETS] };
      },
    },
    {
      method: 'POST', path: '/api/linkage/plans', permission: 'linkage:write', summary: 'Create a linkage plan; audited',
      body: planBody, response: withStatus(201, plan), errors: [409, 422],
      async handler(ctx) {
        const b = bodyOf(ctx, planBody);
        const row = await guarded(ctx, 'linkage_plan.create', `linkage_plan:${b.code}`, () => sc.db.transaction(async (tx) => {
          await checkPlan(tx, b);
          if ((await tx.query('SELECT 1 FROM linkage_plan WHERE code = $1', [b.code])).rows.length) throw new LinkageRefusal(409, `a plan ${b.code} exists already`);
          const r = await tx.query<PlanRow>('INSERT INTO linkage_plan (code, name, trigger, steps, enabled, updated_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *',
            [b.code, JSON.stringify(b.name), JSON.stringify(b.trigger), JSON.stringify(b.steps), b.enabled, ctx.state.principal!.name]);
          await audit(tx, ctx, 'linkage_plan.create', `linkage_plan:${r.rows[0]!.id}`, { code: b.code, steps: b.steps.length });
          return r.rows[0]!;
        }));
        ctx.status = 201;
        ctx.body = wirePlan(row);
      },
    },
    {
      method: 'PUT', path: '/api/linkage/plans/:id', permission: 'linkage:write', summary: 'Change a linkage plan (with the version edited; 409 when someone changed it since); audited',
      params: intIdParams, body: planUpdateBody, response: plan, errors: [404, 409, 422],
      async handler(ctx) {
        const { id } = paramsOf(ctx, intIdParams);
        const { version, plan: b } = bodyOf(ctx, planUpdateBody);
        const row = await guarded(ctx, 'linkage_plan.update', `linkage_plan:${id}`, () => sc.db.transaction(async (tx) => {
          await checkPlan(tx, b);
          const cur = (await tx.query<{ version: number }>('SELECT version FROM linkage_plan WHERE id = $1 FOR UPDATE', [id])).rows[0];
          if (!cur) throw new LinkageRefusal(404, `no linkage plan ${id}`);
          if (cur.version !== version) throw new LinkageRefusal(409, `plan ${id} was changed by someone else (version ${cur.version}, yours ${version}): reload and try again`);
          if ((await tx.query('SELECT 1 FROM linkage_plan WHERE code = $1 AND id <> $2', [b.code, id])).rows.length) throw new LinkageRefusal(409, `a plan ${b.code} exists already`);
          const r = await tx.query<PlanRow>(
            'UPDATE linkage_plan SET code = $2, name = $3, trigger = $4, steps = $5, enabled = $6, updated_by = $7, updated_at = now(), version = version + 1 WHERE id = $1 RETURNING *',
            [id, b.code, JSON.stringify(b.name), JSON.stringify(b.trigger), JSON.stringify(b.steps), b.enabled, ctx.state.principal!.name]);
          await audit(tx, ctx, 'linkage_plan.update', `linkage_plan:${id}`, { code: b.code, version: version + 1, enabled: b.enabled, steps: b.steps.length });
          return r.rows[0]!;
        }));
        ctx.body = wirePlan(row);
      },
    },
    {
      method: 'DELETE', path: '/api/linkage/plans/:id', permission: 'linkage:write', summary: 'Delete a linkage plan that never ran (one with runs can only be disabled: its runs stay on record); audited',
      params: intIdParams, errors: [404, 409],
      async handler(ctx) {
        const { id } = paramsOf(ctx, intIdParams);
        await guarded(ctx, 'linkage_plan.delete', `linkage_plan:${id}`, () => sc.db.transaction(async (tx) => {
          const cur = (await tx.query<{ code: string }>('SELECT code FROM linkage_plan WHERE id = $1 FOR UPDATE', [id])).rows[0];
          if (!cur) throw new LinkageRefusal(404, `no linkage plan ${id}`);
          if ((await tx.query('SELECT 1 FROM linkage_run WHERE plan_id = $1 LIMIT 1', [id])).rows.length) throw new LinkageRefusal(409, `plan ${cur.code} has runs on record: disable it instead`);
          await tx.query('DELETE FROM linkage_plan WHERE id = $1', [id]);
          await audit(tx, ctx, 'linkage_plan.delete', `linkage_plan:${id}`, { code: cur.code });
        }));
        ctx.status = 204;
      },
    },
    {
      method: 'POST', path: '/api/linkage/plans/:id/start', permission: 'security:control', summary: 'Run a plan for an alarm by hand (a drill, or a plan whose trigger did not match); once per plan and alarm; audited',
      params: intIdParams, body: startBody, response: withStatus(201, run), errors: [404, 409],
      async handler(ctx) {
        const { id } = paramsOf(ctx, intIdParams);
        const b = bodyOf(ctx, startBody);
        const runId = await guarded(ctx, 'linkage.run.start', `linkage_plan:${id}`, async () => {
          if (!(await sc.db.query('SELECT 1 FROM linkage_plan WHERE id = $1', [id])).rows.length) throw new LinkageRefusal(404, `no linkage plan ${id}`);
          const a = (await sc.db.query<{ id: number; idx: number; kind: string; severity: number }>('SELECT id, idx, kind, severity FROM alarm WHERE id = $1', [b.alarm])).rows[0];
          if (!a) throw new LinkageRefusal(404, `no alarm ${b.alarm}`);
          const ids = await rt().startFor({ id: Number(a.id), idx: Number(a.idx), kind: a.kind, severity: Number(a.severity) }, actorOf(ctx.state.principal!), id);
          if (!ids[0]) throw new LinkageRefusal(409, `plan ${id} has run for alarm ${b.alarm} already`);
          return ids[0];
        });
        ctx.status = 201;
        ctx.body = (await readRuns(sc.db, 'WHERE r.id = $1', [runId]))[0]!;
      },
    },
    {
      method: 'GET', path: '/api/linkage/runs', permission: 'linkage:read', summary: 'Linkage runs, newest first, with their steps and each step\'s commands',
      query: runsQuery, response: runsResponse,
      async handler(ctx) {
        const q = queryOf(ctx, runsQuery);
        const runs = q.state === 'all'
          ? await readRuns(sc.db, 'ORDER BY r.id DESC LIMIT $1', [q.limit])
          : await readRuns(sc.db, 'WHERE r.state = $1 ORDER BY r.id DESC LIMIT $2', [q.state, q.limit]);
        ctx.body = { runs };
      },
    },
    {
      method: 'GET', path: '/api/linkage/runs/:id', permission: 'linkage:read', summary: 'One linkage run with its steps',
      params: intIdParams, response: run, errors: [404],
      async handler(ctx) {
        const { id } = paramsOf(ctx, intIdParams);
        const r = (await readRuns(sc.db, 'WHERE r.id = $1', [id]))[0];
        if (!r) return ctx.throw(404, `no linkage run ${id}`);
        ctx.body = r;
      },
    },
    {
      method: 'POST', path: '/api/linkage/runs/:id/steps/:n/confirm', permission: 'security:control', summary: 'Confirm a step waiting for the operator: it runs now; audited',
      params: stepParams, body: emptyBody, response: run, errors: [404, 409],
      async handler(ctx) {
        const { id, n } = paramsOf(ctx, stepParams);
        await guarded(ctx, 'linkage.step.confirm', `linkage_run:${id}`, () => rt().confirm(actorOf(ctx.state.principal!), id, n, ctx.ip));
        ctx.body = (await readRuns(sc.db, 'WHERE r.id = $1', [id]))[0]!;
      },
    },
    {
      method: 'POST', path: '/api/linkage/runs/:id/steps/:n/cancel', permission: 'security:control', summary: 'Cancel a step that has not finished: it does nothing (more), the run goes on with the next; audited',
      params: stepParams, body: emptyBody, response: run, errors: [404, 409],
      async handler(ctx) {
        const { id, n } = paramsOf(ctx, stepParams);
        await guarded(ctx, 'linkage.step.cancel', `linkage_run:${id}`, () => rt().cancelStep(actorOf(ctx.state.principal!), id, n, ctx.ip));
        ctx.body = (await readRuns(sc.db, 'WHERE r.id = $1', [id]))[0]!;
      },
    },
    {
      method: 'POST', path: '/api/linkage/runs/:id/cancel', permission: 'security:control', summary: 'Stop a whole run: every step not finished is cancelled; audited',
      params: intIdParams, body: emptyBody, response: run, errors: [404, 409],
      async handler(ctx) {
        const { id } = paramsOf(ctx, intIdParams);
        await guarded(ctx, 'linkage.run.cancel', `linkage_run:${id}`, () => rt().cancelRun(actorOf(ctx.state.principal!), id, ctx.ip));
        ctx.body = (await readRuns(sc.db, 'WHERE r.id = $1', [id]))[0]!;
      },
    },
  ];
}

/** Creates the linkage module (after alarms and control in the module list). */
export function linkageModule(): TwinModule {
  let started: ServerContext | null = null;
  return {
    name: 'linkage',
    migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
    permissions: [
      { permission: 'linkage:read', summary: 'See linkage plans and their runs', roles: ['security_operator', 'leadership_viewer', 'property_manager', 'maintenance'] },
      { permission: 'linkage:write', summary: 'Create and edit linkage plans', roles: ['security_operator'] },
    ],
    async initialize(sc) {
      await startLinkage(sc);
      started = sc;
    },
    routes,
    jobs: (sc) => [{ name: 'advance', everyMs: 3_000, run: async () => { await linkageRuntimeOf(sc)?.sweep(); } }],
    async finalize() {
      if (started) await stopLinkage(started);
      started = null;
    },
  };
}
