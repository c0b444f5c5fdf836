/**
 * The work-order routes besides the kit's generated ones (`/api/workorders/...`): the order's
 * extras (code, source, crew, parts, procedure with ticks), recording parts and ticking steps
 * from the phone, an object's work orders and full maintenance history (with the rows of the
 * core `work_order` table), crews with their roster and members, dispatch rules, the knowledge
 * base. Writes run in one transaction with their audit row; refusals are audited too.
 */
import { z } from 'zod';
import type { ServerContext } from '../../context.ts';
import type { Queryable } from '../../db/index.ts';
import type { Principal } from '../../auth/types.ts';
import { principalActor } from '../actors.ts';
import type { RouteSpec, TwinContext } from '../../http/route.ts';
import { authService } from '../../auth/index.ts';
import { bodyOf, paramsOf, queryOf } from '../../http/input.ts';
import { idxParams, intIdParams } from '../../http/schemas.ts';
import { withStatus } from '../../http/openapi.ts';
import { getRecord } from '../../kit/records/store.ts';
import { Refusal } from '../../kit/records/routes.ts';
import { workOrderDef } from './service.ts';
import {
  crewsResponse, dispatchRulesResponse, extraResponse, kbQuery, kbResponse, membersBody, objectOrdersResponse, partBody, ruleBody, stepBody, stepParams,
} from './schemas.ts';

type Label = { zh: string; en: string };
const iso = (v: Date | string | null | undefined) => (v === null || v === undefined ? null : new Date(v).toISOString());

/** The procedure of an order: the knowledge-base entry of its object's model (or type) and fault. */
async function procedureOf(q: Queryable, objectIdx: number | null, fault: string | null): Promise<{ id: number; title: Label; steps: Label[] } | null> {
  if (objectIdx === null) return null;
  const r = await q.query<{ id: number; title: Label; steps: Label[] }>(
    `SELECT k.id, k.title, k.steps FROM wo_kb k JOIN equipment e ON e.type = k.equipment_type
     WHERE e.idx = $1 AND (k.model IS NULL OR k.model = e.model) AND k.fault = COALESCE($2, 'equipment_fault')
     ORDER BY (k.model IS NULL), k.id LIMIT 1`, [objectIdx, fault]);
  return r.rows[0] ? { id: Number(r.rows[0].id), title: r.rows[0].title, steps: r.rows[0].steps } : null;
}

/** Crews (all, or one) with members, roster and whether on duty at `now`. */
async function crews(q: Queryable, now: Date, id: number | null): Promise<z.infer<typeof crewsResponse>['crews']> {
  const r = await q.query<{ id: number; code: string; name: Label; trade: string; lon: number; lat: number; phone: string | null; active: boolean;
    members: { id: string; name: string }[] | null; roster: { weekday: number; start: number; end: number }[] | null; on_duty: boolean }>(
    `SELECT c.id, c.code, c.name, c.trade, ST_X(c.base) AS lon, ST_Y(c.base) AS lat, c.phone, c.active,
       (SELECT json_agg(json_build_object('id', u.id, 'name', u.display_name) ORDER BY u.display_name) FROM wo_crew_member m JOIN app_user u ON u.id = m.user_id WHERE m.crew_id = c.id) AS members,
       (SELECT json_agg(json_build_object('weekday', weekday, 'start', start_minute, 'end', end_minute) ORDER BY weekday, start_minute) FROM wo_roster WHERE crew_id = c.id) AS roster,
       EXISTS (SELECT 1 FROM wo_roster r, (SELECT ($1::timestamptz AT TIME ZONE 'Asia/Shanghai') AS lt) t WHERE r.crew_id = c.id AND r.weekday = EXTRACT(ISODOW FROM t.lt)
         AND EXTRACT(HOUR FROM t.lt) * 60 + EXTRACT(MINUTE FROM t.lt) >= r.start_minute AND EXTRACT(HOUR FROM t.lt) * 60 + EXTRACT(MINUTE FROM t.lt) < r.end_minute) AS on_duty
     FROM wo_crew c WHERE ($2::int IS NULL OR c.id = $2) ORDER BY c.trade, c.code`, [now, id]);
  return r.rows.map((c) => ({ id: Number(c.id), code: c.code, name: c.name, trade: c.trade, base: { lon: Number(c.lon), lat: Number(c.lat) }, phone: c.phone, active: c.active,
    members: c.members ?? [], roster: c.roster ?? [], onDuty: c.on_duty }));
}

/** The routes. */
export function extraRoutes(sc: ServerContext): RouteSpec[] {
  const def = workOrderDef(sc);
  const auth = () => authService(sc);
  const actor = (p: Principal) => principalActor(p);

  async function shownAs(tx: Queryable, p: Principal): Promise<Principal> {
    const r = await tx.query<{ display_name: string }>('SELECT display_name FROM app_user WHERE id = $1', [p.id]);
    return r.rows[0] ? { ...p, name: r.rows[0].display_name } : p;
  }

  /**
   * One audited write; a Refusal rolls back and is audited as a failure/denied row. `fn` gets the
   * principal with the display name (what the order shows); audit rows use `ctx.state.principal`.
   */
  async function write<T>(ctx: TwinContext, action: string, object: string, fn: (tx: Queryable, p: Principal) => Promise<T>): Promise<T> {
    const p = ctx.state.principal!;
    try {
      return await sc.db.transaction(async (tx) => fn(tx, await shownAs(tx, p)));
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      await auth().audit({ action, outcome: err.outcome, actor: actor(p), object, source: ctx.ip, detail: { status: err.status, reason: err.message } });
      return ctx.throw(err.status, err.message);
    }
  }

  /** Locks the order for a crew action: it exists (scoped), the caller is on its crew, the state allows it. */
  async function crewLock(tx: Queryable, p: Principal, id: number, states: readonly string[], what: string) {
    const r = await getRecord(tx, def, id, p, true);
    if (!r) throw new Refusal(404, `no work order ${id}`, 'failure');
    if (!r.assignees.includes(p.id)) throw new Refusal(403, 'only the crew this order is dispatched to may do this', 'denied');
    if (!states.includes(r.state)) throw new Refusal(409, `cannot ${what} on a work order in state ${r.state}`, 'failure');
    return r;
  }

  async function extras(q: Queryable, id: number, p: Principal): Promise<z.infer<typeof extraResponse> | null> {
    const r = await getRecord(q, def, id, p);
    if (!r) return null;
    const o = (await q.query<{ code: string; source: string; source_ref: string | null; priority: string; trade: string | null; crew_id: number | null; alarm_id: string | null;
      crew_code: string | null; crew_name: Label | null; crew_phone: string | null; alarm_state: string | null }>(
      `SELECT w.code, w.source, w.source_ref, w.priority, w.trade, w.crew_id, w.alarm_id, c.code AS crew_code, c.name AS crew_name, c.phone AS crew_phone,
              (SELECT state FROM alarm WHERE id = w.alarm_id) AS alarm_state
       FROM wo_order w LEFT JOIN wo_crew c ON c.id = w.crew_id WHERE w.record_id = $1`, [id])).rows[0];
    const eq = (await q.query<{ type: string; model: string; manufacturer: string; name_en: string | null }>(
      'SELECT e.type, e.model, e.manufacturer, o.name_en FROM equipment e JOIN twin_object o ON o.idx = e.idx WHERE e.idx = $1', [r.objectIdx ?? 0])).rows[0];
    const parts = await q.query<{ id: string; part_code: string; name: string; qty: string; unit: string; by_name: string | null; at: Date }>(
      'SELECT id, part_code, name, qty, unit, by_name, at FROM wo_part WHERE record_id = $1 ORDER BY id', [id]);
    const proc = await procedureOf(q, r.objectIdx, (r.data.fault as string | undefined) ?? null);
    const ticks = await q.query<{ step: number; done: boolean; by_name: string | null; at: Date }>('SELECT step, done, by_name, at FROM wo_step WHERE record_id = $1', [id]);
    const tick = new Map(ticks.rows.map((t) => [Number(t.step), t]));
    return {
      id, code: o?.code ?? String(r.data.code ?? ''), source: o?.source ?? 'manual', sourceRef: o?.source_ref ?? null, priority: o?.priority ?? String(r.data.priority ?? 'normal'),
      trade: o?.trade ?? null, alarmId: o?.alarm_id ? Number(o.alarm_id) : null, alarmState: o?.alarm_state ?? null,
      crew: o?.crew_id ? { id: Number(o.crew_id), code: o.crew_code!, name: o.crew_name!, phone: o.crew_phone } : null,
      equipment: eq ? { type: eq.type, model: eq.model, manufacturer: eq.manufacturer } : null,
      parts: parts.rows.map((x) => ({ id: Number(x.id), partCode: x.part_code, name: x.name, qty: Number(x.qty), unit: x.unit, byName: x.by_name, at: iso(x.at)! })),
      procedure: proc ? {
        kbId: proc.id, title: proc.title,
        steps: proc.steps.map((s, n) => ({ n, zh: s.zh, en: s.en, done: tick.get(n)?.done ?? false, byName: tick.get(n)?.by_name ?? null, at: iso(tick.get(n)?.at) })),
      } : null,
    };
  }

  const crewObject = (id: number) => `wo_crew:${id}`;

  return [
    {
      method: 'GET', path: '/api/workorders/:id/extra', permission: 'workorders:read', params: intIdParams,
      summary: 'Work order: code, source (alarm and its state), crew, equipment model, parts used and the knowledge-base procedure with its ticks',
      response: extraResponse, errors: [404],
      async handler(ctx) {
        const { id } = paramsOf(ctx, intIdParams);
        const x = await extras(sc.db, id, ctx.state.principal!);
        if (!x) return ctx.throw(404, `no work order ${id}`);
        ctx.body = x;
      },
    },
    {
      method: 'POST', path: '/api/workorders/:id/parts', permission: 'workorders:execute', params: intIdParams, body: partBody,
      summary: 'Record a part used on a work order (the crew, while accepted, in progress or on hold)',
      response: withStatus(201, extraResponse.extend({})), errors: [404, 409],
      async handler(ctx) {
        const { id } = paramsOf(ctx, intIdParams);
        const b = bodyOf(ctx, partBody);
        ctx.body = await write(ctx, 'workorder.part', `workorder:${id}`, async (tx, p) => {
          await crewLock(tx, p, id, ['accepted', 'in_progress', 'on_hold'], 'record parts');
          const r = await tx.query<{ id: string }>('INSERT INTO wo_part (record_id, part_code, name, qty, unit, by_name, at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id',
            [id, b.partCode, b.name, b.qty, b.unit, p.name, auth().now()]);
          await auth().auditIn(tx, { action: 'workorder.part', outcome: 'success', actor: actor(ctx.state.principal!), object: `workorder:${id}`, source: ctx.ip,
            detail: { part: Number(r.rows[0]!.id), partCode: b.partCode, qty: b.qty, unit: b.unit } });
          return (await extras(tx, id, p))!;
        });
        ctx.status = 201;
      },
    },
    {
      method: 'POST', path: '/api/workorders/:id/steps/:n', permission: 'workorders:execute', params: stepParams, body: stepBody,
      summary: 'Tick (or untick) a procedure step of the work order (the crew, while in progress); written back to the order',
      response: extraResponse, errors: [404, 409, 422],
      async handler(ctx) {
        const { id, n } = paramsOf(ctx, stepParams);
        const b = bodyOf(ctx, stepBody);
        ctx.body = await write(ctx, 'workorder.step', `workorder:${id}`, async (tx, p) => {
          const r = await crewLock(tx, p, id, ['in_progress'], 'tick procedure steps');
          const proc = await procedureOf(tx, r.objectIdx, (r.data.fault as string | undefined) ?? null);
          if (!proc) throw new Refusal(422, 'this work order has no procedure in the knowledge base', 'failure');
          if (n >= proc.steps.length) throw new Refusal(422, `the procedure has ${proc.steps.length} steps (0-${proc.steps.length - 1}); no step ${n}`, 'failure');
          // A repeated tick (a retry from the headset or phone) changes nothing: who ticked it and when stay.
          await tx.query(`INSERT INTO wo_step (record_id, step, kb_id, done, by_name, at) VALUES ($1, $2, $3, $4, $5, $6)
                          ON CONFLICT (record_id, step) DO UPDATE SET done = EXCLUDED.done, by_name = EXCLUDED.by_name, at = EXCLUDED.at, kb_id = EXCLUDED.kb_id
                          WHERE wo_step.done IS DISTINCT FROM EXCLUDED.done`,
          [id, n, proc.id, b.done, p.name, auth().now()]);
          await tx.query('UPDATE kit_record SET updated_at = $2 WHERE id = $1', [id, auth().now()]);
          await auth().auditIn(tx, { action: 'workorder.step', outcome: 'success', actor: actor(ctx.state.principal!), object: `workorder:${id}`, source: ctx.ip,
            detail: { step: n, done: b.done, kb: proc.id } });
          return (await extras(tx, id, p))!;
        });
      },
    },
    {
      method: 'GET', path: '/api/maintenance/objects/:idx/work-orders', permission: 'workorders:read', params: idxParams,
      summary: 'Work orders of an equipment or room: the open ones, and the full maintenance history (with the core work_order table\'s records); enterprise users: their own requests only',
      response: objectOrdersResponse, errors: [404],
      async handler(ctx) {
        const { idx } = paramsOf(ctx, idxParams);
        const p = ctx.state.principal!;
        const obj = await sc.db.query<{ kind: string }>('SELECT kind FROM twin_object WHERE idx = $1', [idx]);
        if (!obj.rows[0] || !['equipment', 'room'].includes(obj.rows[0].kind)) return ctx.throw(404, `no equipment or room ${idx}`);
        const scope = p.enterpriseIdx ?? null;
        const r = await sc.db.query<{ id: string | null; code: string; title: string; title_en: string | null; state: string; priority: string; source: string;
          opened: Date; closed: Date | null; crew: string | null; due_at: Date | null }>(
          `SELECT r.id, w.code, r.title, r.data->>'titleEn' AS title_en, r.state, w.priority, w.source, r.created_at AS opened,
                  CASE WHEN r.state IN ('closed', 'cancelled', 'verified') THEN r.state_since END AS closed, c.name->>'zh' AS crew, r.due_at
           FROM kit_record r JOIN wo_order w ON w.record_id = r.id LEFT JOIN wo_crew c ON c.id = w.crew_id
           WHERE r.entity = 'workorder' AND r.object_idx = $1 AND ($2::int IS NULL OR r.enterprise_idx = $2)
           UNION ALL
           SELECT NULL, o.code, o.title, o.title_en,
                  CASE o.status WHEN 'open' THEN 'created' WHEN 'assigned' THEN 'dispatched' WHEN 'done' THEN 'closed' ELSE o.status END,
                  o.priority, CASE o.order_type WHEN 'repair' THEN 'repair' WHEN 'preventive' THEN 'preventive' ELSE 'manual' END,
                  o.opened_on::timestamp AT TIME ZONE 'Asia/Shanghai', o.closed_on::timestamp AT TIME ZONE 'Asia/Shanghai', o.assignee, NULL
           FROM work_order o WHERE o.equipment_idx = $1 AND $2::int IS NULL
           ORDER BY opened DESC, code DESC LIMIT 200`, [idx, scope]);
        const rows = r.rows.map((x) => ({
          id: x.id === null ? null : Number(x.id), code: x.code, title: x.title, titleEn: x.title_en, state: x.state, priority: x.priority, source: x.source,
          openedAt: iso(x.opened)!, closedAt: iso(x.closed), crew: x.crew, dueAt: iso(x.due_at),
        }));
        const last = await sc.db.query<{ last: string | null; interval: number | null }>(
          `SELECT to_char(last_maintained, 'YYYY-MM-DD') AS last, maintenance_interval_days AS interval FROM equipment WHERE idx = $1`, [idx]);
        ctx.body = {
          idx, open: rows.filter((x) => !['closed', 'cancelled', 'verified'].includes(x.state)), history: rows,
          lastMaintained: last.rows[0]?.last ?? null, intervalDays: last.rows[0]?.interval ?? null,
        };
      },
    },
    {
      method: 'GET', path: '/api/maintenance/crews', permission: 'workorders:read',
      summary: 'Crews with their trade, base, members, roster and whether they are on duty now',
      response: crewsResponse,
      async handler(ctx) {
        ctx.body = { crews: await crews(sc.db, auth().now(), null) };
      },
    },
    {
      method: 'PUT', path: '/api/maintenance/crews/:id/members', permission: 'workorders:dispatch', params: intIdParams, body: membersBody,
      summary: 'Set the members of a crew (users holding the maintenance role); orders dispatched to the crew go to them',
      response: crewsResponse.shape.crews.element, errors: [404, 422],
      async handler(ctx) {
        const { id } = paramsOf(ctx, intIdParams);
        const b = bodyOf(ctx, membersBody);
        ctx.body = await write(ctx, 'workorder.crew.members', crewObject(id), async (tx) => {
          const c = await tx.query('SELECT 1 FROM wo_crew WHERE id = $1 FOR UPDATE', [id]);
          if (!c.rows[0]) throw new Refusal(404, `no crew ${id}`, 'failure');
          const want = [...new Set(b.userIds)];
          const ok = await tx.query<{ id: string }>(`SELECT id FROM app_user WHERE id = ANY($1::uuid[]) AND NOT disabled AND 'maintenance' = ANY(roles)`, [want]);
          const bad = want.filter((u) => !ok.rows.some((x) => x.id === u));
          if (bad.length) throw new Refusal(422, `not an active maintenance user: ${bad.join(', ')}`, 'failure');
          await tx.query('DELETE FROM wo_crew_member WHERE crew_id = $1', [id]);
          for (const u of want) await tx.query('INSERT INTO wo_crew_member (crew_id, user_id) VALUES ($1, $2)', [id, u]);
          await auth().auditIn(tx, { action: 'workorder.crew.members', outcome: 'success', actor: actor(ctx.state.principal!), object: crewObject(id), source: ctx.ip, detail: { members: want } });
          return (await crews(tx, auth().now(), id))[0]!;
        });
      },
    },
    {
      method: 'GET', path: '/api/maintenance/dispatch-rules', permission: 'workorders:read',
      summary: 'Dispatch rules: which alarms (equipment type, kind, minimum severity) create a work order, and for which trade',
      response: dispatchRulesResponse,
      async handler(ctx) {
        const r = await sc.db.query<{ id: number; equipment_type: string; alarm_kind: string | null; trade: string; min_severity: number; auto_create: boolean; enabled: boolean }>(
          'SELECT * FROM wo_dispatch_rule ORDER BY equipment_type, alarm_kind NULLS FIRST, id');
        const trades = await sc.db.query<{ code: string; name: Label }>('SELECT code, name FROM wo_trade ORDER BY code');
        ctx.body = {
          rules: r.rows.map((x) => ({ id: Number(x.id), equipmentType: x.equipment_type, alarmKind: x.alarm_kind, trade: x.trade, minSeverity: x.min_severity, autoCreate: x.auto_create, enabled: x.enabled })),
          trades: trades.rows,
        };
      },
    },
    {
      method: 'PUT', path: '/api/maintenance/dispatch-rules/:id', permission: 'workorders:dispatch', params: intIdParams, body: ruleBody,
      summary: 'Change a dispatch rule (trade, minimum severity, automatic creation, enabled)',
      response: dispatchRulesResponse.shape.rules.element, errors: [404, 422],
      async handler(ctx) {
        const { id } = paramsOf(ctx, intIdParams);
        const b = bodyOf(ctx, ruleBody);
        ctx.body = await write(ctx, 'workorder.dispatch_rule', `wo_dispatch_rule:${id}`, async (tx) => {
          const t = await tx.query('SELECT 1 FROM wo_trade WHERE code = $1', [b.trade]);
          if (!t.rows[0]) throw new Refusal(422, `unknown trade ${b.trade}`, 'failure');
          const r = await tx.query<{ id: number; equipment_type: string; alarm_kind: string | null; trade: string; min_severity: number; auto_create: boolean; enabled: boolean }>(
            'UPDATE wo_dispatch_rule SET trade = $2, min_severity = $3, auto_create = $4, enabled = $5 WHERE id = $1 RETURNING *', [id, b.trade, b.minSeverity, b.autoCreate, b.enabled]);
          const x = r.rows[0];
          if (!x) throw new Refusal(404, `no dispatch rule ${id}`, 'failure');
          await auth().auditIn(tx, { action: 'workorder.dispatch_rule', outcome: 'success', actor: actor(ctx.state.principal!), object: `wo_dispatch_rule:${id}`, source: ctx.ip, detail: { ...b } });
          return { id: Number(x.id), equipmentType: x.equipment_type, alarmKind: x.alarm_kind, trade: x.trade, minSeverity: x.min_severity, autoCreate: x.auto_create, enabled: x.enabled };
        });
      },
    },
    {
      method: 'GET', path: '/api/maintenance/kb', permission: 'workorders:read', query: kbQuery,
      summary: 'O&M knowledge base: fault → procedure steps, per equipment type and model (?type=&model=&fault=)',
      response: kbResponse,
      async handler(ctx) {
        const q = queryOf(ctx, kbQuery);
        const r = await sc.db.query<{ id: number; equipment_type: string; model: string | null; fault: string; title: Label; steps: Label[] }>(
          `SELECT id, equipment_type, model, fault, title, steps FROM wo_kb
           WHERE ($1::text IS NULL OR equipment_type = $1) AND ($2::text IS NULL OR model IS NULL OR model = $2) AND ($3::text IS NULL OR fault = $3)
           ORDER BY equipment_type, model NULLS FIRST, fault LIMIT 500`, [q.type ?? null, q.model ?? null, q.fault ?? null]);
        ctx.body = { entries: r.rows.map((x) => ({ id: Number(x.id), equipmentType: x.equipment_type, model: x.model, fault: x.fault, title: x.title, steps: x.steps })) };
      },
    },
  ];
}
