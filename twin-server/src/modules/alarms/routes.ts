/**
 * Routes of the alarm console and the alarm rules. Every action runs in one transaction with
 * its audit row (hash chain) and its NOTIFY, so the change, its audit and the push to the other
 * consoles commit together; a refused one (404, out-of-order 409) is audited as a failure.
 */
import { z } from 'zod';
import { LAYERS } from '@park-twin/layers';
import type { ServerContext } from '../../context.ts';
import type { Queryable } from '../../db/index.ts';
import type { RouteSpec, TwinContext } from '../../http/route.ts';
import type { Principal } from '../../auth/types.ts';
import { principalActor } from '../actors.ts';
import { authService } from '../../auth/index.ts';
import { ROLES } from '../../auth/roles.ts';
import { bodyOf, paramsOf, queryOf } from '../../http/input.ts';
import { intIdParams } from '../../http/schemas.ts';
import { withStatus } from '../../http/openapi.ts';
import { AlarmsRuntime, alarmsRuntimeOf, loadRules, type RuleRow } from './runtime.ts';
import {
  assignBody, assigneesResponse, commentBody, consoleAlarm, detailResponse, emptyBody, listQuery, listResponse, noteBody, ruleBody,
  ruleUpdateBody, rulesResponse, shelveBody, storedRule,
} from './schemas.ts';

/** A refusal decided inside a transaction: rolled back, audited on its own, answered. */
class Refusal extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const SELECT_ALARM = `
  SELECT a.id, a.idx, o.kind AS object_kind, o.name AS object_name, o.name_en AS object_name_en,
         COALESCE(e.building_idx, r.building_idx, f.building_idx, b.idx) AS building,
         COALESCE(e.floor_idx, r.floor_idx, f.idx) AS floor,
         a.layer, a.kind, a.severity, a.state, a.message, a.rule_id, ru.name AS rule_name, ru.message AS template, a.params, a.device,
         a.raised_at, a.acknowledged_at, a.acknowledged_by, a.cleared_at, a.cleared_by, a.assigned_to, u.display_name AS assigned_name,
         a.shelved_until, (a.shelved_until IS NOT NULL AND a.shelved_until > now()) AS shelved,
         (SELECT count(*)::int FROM alarm_comment c WHERE c.alarm_id = a.id) AS comments
  FROM alarm a
  LEFT JOIN twin_object o ON o.idx = a.idx
  LEFT JOIN equipment e ON e.idx = a.idx
  LEFT JOIN room r ON r.idx = a.idx
  LEFT JOIN floor f ON f.idx = a.idx
  LEFT JOIN building b ON b.idx = a.idx
  LEFT JOIN alarm_rule ru ON ru.id = a.rule_id
  LEFT JOIN app_user u ON u.id = a.assigned_to`;

type AlarmDbRow = Record<string, unknown> & { id: number | string; idx: number; layer: number; state: string };
const iso = (v: unknown): string | null => (v === null || v === undefined ? null : new Date(v as string).toISOString());

/** A database row as the wire alarm. */
function wireAlarm(r: AlarmDbRow): z.infer<typeof consoleAlarm> {
  return {
    id: Number(r.id), idx: Number(r.idx), objectKind: (r.object_kind as string | null) ?? null, objectName: (r.object_name as string | null) ?? null,
    objectNameEn: (r.object_name_en as string | null) ?? null, building: r.building === null ? null : Number(r.building), floor: r.floor === null ? null : Number(r.floor),
    layer: LAYERS.find((l) => l.id === Number(r.layer))?.name ?? null, kind: r.kind as string, severity: Number(r.severity),
    state: r.state as 'raised', message: r.message as string, rule: r.rule_id === null ? null : Number(r.rule_id),
    ruleName: (r.rule_name as { zh: string; en: string } | null) ?? null, template: (r.template as { zh: string; en: string } | null) ?? null, params: (r.params as Record<string, string | number> | null) ?? null,
    device: (r.device as string | null) ?? null, raisedAt: iso(r.raised_at)!, acknowledgedAt: iso(r.acknowledged_at), acknowledgedBy: (r.acknowledged_by as string | null) ?? null,
    clearedAt: iso(r.cleared_at), clearedBy: (r.cleared_by as string | null) ?? null, assignedTo: (r.assigned_to as string | null) ?? null,
    assignedName: (r.assigned_name as string | null) ?? null, shelvedUntil: iso(r.shelved_until), shelved: Boolean(r.shelved), comments: Number(r.comments ?? 0),
  };
}

/** A stored rule as the wire rule. */
function wireRule(r: RuleRow): z.infer<typeof storedRule> {
  return {
    id: r.id, code: r.code, name: r.name, layer: r.layer, kind: r.kind, scope: r.scope as Record<string, string | number>, condition: r.condition,
    forSeconds: r.for_seconds, latch: r.latch, clearOn: r.clear_on, noDataMinutes: r.no_data_minutes, severity: r.severity, message: r.message,
    enabled: r.enabled, builtin: r.builtin, version: r.version, updatedAt: iso(r.updated_at)!, updatedBy: r.updated_by,
  };
}

/** The fields of a layer's message (the keys of its ingest schema), which rules may test. */
export function layerFields(name: string): string[] {
  const l = LAYERS.find((x) => x.name === name);
  const shape = (l?.ingest as unknown as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape).filter((k) => k !== 'seq' && k !== 'ts') : [];
}

function fieldsIn(c: unknown, out: string[] = []): string[] {
  if (!c || typeof c !== 'object') return out;
  const n = c as { field?: string; of?: unknown[] };
  if (n.field) out.push(n.field);
  for (const k of n.of ?? []) fieldsIn(k, out);
  return out;
}

/** The console's actions: name, permission, and what each does to the row. */
type Action = 'acknowledge' | 'comment' | 'assign' | 'shelve' | 'unshelve' | 'clear';

/** The routes of the alarms module. */
export function alarmRoutes(sc: ServerContext): RouteSpec[] {
  const auth = () => authService(sc);
  const actor = (p: Principal) => principalActor(p);

  async function displayName(q: Queryable, p: Principal): Promise<string> {
    if (p.kind !== 'user') return p.name;
    const r = await q.query<{ display_name: string }>('SELECT display_name FROM app_user WHERE id = $1', [p.id]);
    return r.rows[0]?.display_name ?? p.name;
  }

  /** Runs an audited write; a Refusal rolls back and is audited as a failure. */
  async function write<T>(ctx: TwinContext, action: string, object: string, fn: (tx: Queryable, p: Principal) => Promise<T>): Promise<T> {
    const p = ctx.state.principal!;
    try {
      return await sc.db.transaction((tx) => fn(tx, p));
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      await auth().audit({ action, outcome: 'failure', actor: actor(p), object, source: ctx.ip, detail: { status: err.status, reason: err.message } });
      sc.log.info({ action, object, status: err.status, reason: err.message }, 'alarm action refused');
      return ctx.throw(err.status, err.message);
    }
  }

  async function readAlarm(q: Queryable, id: number): Promise<z.infer<typeof consoleAlarm> | null> {
    const r = await q.query<AlarmDbRow>(`${SELECT_ALARM} WHERE a.id = $1`, [id]);
    return r.rows[0] ? wireAlarm(r.rows[0]) : null;
  }

  const action = (name: Action, permission: 'alarm:write' | 'alarm:control', body: z.ZodType, summary: string): RouteSpec => ({
    method: 'POST', path: `/api/alarm-console/alarms/:id/${name}`, permission, summary, params: intIdParams, body,
    response: consoleAlarm, errors: [404, 409, 422],
    async handler(ctx) {
      const { id } = paramsOf(ctx, intIdParams);
      const b = bodyOf(ctx, body) as Record<string, unknown>;
      const object = `alarm:${id}`;
      const out = await write(ctx, `alarm.${name}`, object, async (tx, p) => {
        const cur = (await tx.query<{ state: string; idx: number; kind: string; severity: number; shelved: boolean; assigned_to: string | null }>(
          `SELECT state, idx, kind, severity, (shelved_until IS NOT NULL AND shelved_until > now()) AS shelved, assigned_to FROM alarm WHERE id = $1 FOR UPDATE`, [id])).rows[0];
        if (!cur) throw new Refusal(404, `no alarm ${id}`);
        const who = await displayName(tx, p);
        const detail: Record<string, unknown> = { from: cur.state, idx: cur.idx, kind: cur.kind };
        switch (name) {
          case 'acknowledge':
            if (cur.state !== 'raised') throw new Refusal(409, `alarm ${id} is ${cur.state}: only a raised alarm can be acknowledged`);
            await tx.query(`UPDATE alarm SET state = 'acknowledged', acknowledged_at = now(), acknowledged_by = $2 WHERE id = $1`, [id, who]);
            break;
          case 'clear':
            if (cur.state === 'cleared') throw new Refusal(409, `alarm ${id} is already cleared`);
            await tx.query(`UPDATE alarm SET state = 'cleared', cleared_at = now(), cleared_by = $2, shelved_until = NULL WHERE id = $1`, [id, who]);
            break;
          case 'comment':
            break;
          case 'assign': {
            if (cur.state === 'cleared') throw new Refusal(409, `alarm ${id} is cleared: it cannot be assigned`);
            const to = b.userId as string | null;
            if (to !== null) {
              const u = await tx.query<{ roles: string[]; disabled: boolean }>('SELECT roles, disabled FROM app_user WHERE id = $1', [to]);
              const holders = ROLES.filter((r) => r.permissions.includes('alarm:write')).map((r) => r.id);
              if (!u.rows[0] || u.rows[0].disabled || !u.rows[0].roles.some((r) => holders.includes(r))) throw new Refusal(422, 'an alarm can be assigned only to an active user who may work on alarms');
            }
            await tx.query('UPDATE alarm SET assigned_to = $2 WHERE id = $1', [id, to]);
            detail.to = to;
            break;
          }
          case 'shelve':
            if (cur.state === 'cleared') throw new Refusal(409, `alarm ${id} is cleared: it cannot be shelved`);
            await tx.query(`UPDATE alarm SET shelved_until = now() + make_interval(mins => $2::int), shelved_by = $3 WHERE id = $1`, [id, b.minutes, who]);
            detail.minutes = b.minutes;
            break;
          case 'unshelve':
            if (!cur.shelved) throw new Refusal(409, `alarm ${id} is not shelved`);
            await tx.query('UPDATE alarm SET shelved_until = NULL, shelved_by = NULL WHERE id = $1', [id]);
            break;
        }
        const text = name === 'comment' ? (b.text as string) : (b.comment as string | undefined);
        if (text) {
          const c = await tx.query<{ id: number }>('INSERT INTO alarm_comment (alarm_id, author, text) VALUES ($1, $2, $3) RETURNING id', [id, who, text]);
          detail.comment = Number(c.rows[0]!.id);
        }
        await auth().auditIn(tx, { action: `alarm.${name}`, outcome: 'success', actor: actor(p), object, source: ctx.ip, detail });
        const after = (await readAlarm(tx, id))!;
        await AlarmsRuntime.announce(tx, { id, idx: cur.idx, action: name, state: after.state, severity: cur.severity });
        return { after, cur };
      });
      // The pipeline's view of open alarms: a cleared one may be raised again by the next reading.
      if (name === 'clear') alarmsRuntimeOf(sc)?.live.ingest.openAlarms.delete(`${out.cur.idx}/${out.cur.kind}`);
      ctx.body = out.after;
    },
  });

  const ruleObject = (id: number | string) => `alarm_rule:${id}`;

  /** Checks what the schema cannot: the layer exists and names only its own fields. */
  function checkRule(r: z.infer<typeof ruleBody>): void {
    if (!LAYERS.some((l) => l.name === r.layer)) throw new Refusal(422, `unknown layer ${r.layer}: one of ${LAYERS.map((l) => l.name).join(', ')}`);
    const fields = layerFields(r.layer);
    const bad = [...fieldsIn(r.condition), ...fieldsIn(r.clearOn)].filter((f) => fields.length && !fields.includes(f));
    if (bad.length) throw new Refusal(422, `the ${r.layer} layer has no field ${bad[0]}: one of ${fields.join(', ')}`);
  }

  const ruleParams = (r: z.infer<typeof ruleBody>) => [
    r.code, JSON.stringify(r.name), r.layer, r.kind, JSON.stringify(r.scope), r.condition ? JSON.stringify(r.condition) : null, r.forSeconds, r.latch,
    r.clearOn ? JSON.stringify(r.clearOn) : null, r.noDataMinutes, r.severity, JSON.stringify(r.message), r.enabled,
  ];

  return [
    {
      method: 'GET', path: '/api/alarm-console/alarms', permission: 'alarm:read', summary: 'Alarms for the console (filters: state, minimum severity, kind, building, object, time) and open counts per severity',
      query: listQuery, response: listResponse,
      async handler(ctx) {
        const q = queryOf(ctx, listQuery);
        const where: string[] = [];
        const args: unknown[] = [];
        const arg = (v: unknown) => `$${args.push(v)}`;
        const shelved = '(a.shelved_until IS NOT NULL AND a.shelved_until > now())';
        if (q.state === 'open') where.push(`a.state <> 'cleared' AND NOT ${shelved}`);
        else if (q.state === 'shelved') where.push(`a.state <> 'cleared' AND ${shelved}`);
        else if (q.state !== 'all') where.push(`a.state = ${arg(q.state)}`);
        if (q.severity) where.push(`a.severity >= ${arg(q.severity)}`);
        if (q.kind) where.push(`a.kind = ${arg(q.kind)}`);
        if (q.building) where.push(`COALESCE(e.building_idx, r.building_idx, f.building_idx, b.idx) = ${arg(q.building)}`);
        if (q.idx) where.push(`a.idx = ${arg(q.idx)}`);
        if (q.from) where.push(`a.raised_at >= ${arg(q.from)}::timestamptz`);
        if (q.to) where.push(`a.raised_at < ${arg(q.to)}::timestamptz`);
        const rows = await sc.db.query<AlarmDbRow>(`${SELECT_ALARM} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.raised_at DESC, a.id DESC LIMIT ${arg(q.limit)}`, args);
        const counts = await sc.db.query<{ severity: number; shelved: boolean; n: number }>(
          `SELECT severity, ${shelved.replaceAll('a.', '')} AS shelved, count(*)::int AS n FROM alarm WHERE state <> 'cleared' GROUP BY 1, 2`);
        const c = { 1: 0, 2: 0, 3: 0, shelved: 0 };
        for (const r of counts.rows) {
          if (r.shelved) c.shelved += r.n;
          else c[Number(r.severity) as 1 | 2 | 3] += r.n;
        }
        ctx.body = { alarms: rows.rows.map(wireAlarm), counts: c };
      },
    },
    {
      method: 'GET', path: '/api/alarm-console/alarms/:id', permission: 'alarm:read', summary: 'One alarm with its comments',
      params: intIdParams, response: detailResponse, errors: [404],
      async handler(ctx) {
        const { id } = paramsOf(ctx, intIdParams);
        const alarm = await readAlarm(sc.db, id);
        if (!alarm) return ctx.throw(404, `no alarm ${id}`);
        const c = await sc.db.query<{ id: number; author: string; text: string; at: Date }>('SELECT id, author, text, at FROM alarm_comment WHERE alarm_id = $1 ORDER BY id', [id]);
        ctx.body = { alarm, comments: c.rows.map((x) => ({ id: Number(x.id), author: x.author, text: x.text, at: iso(x.at)! })) };
      },
    },
    action('acknowledge', 'alarm:write', noteBody, 'Acknowledge a raised alarm (optional comment); audited, pushed to the consoles'),
    action('comment', 'alarm:write', commentBody, 'Comment on an alarm; audited, pushed to the consoles'),
    action('assign', 'alarm:write', assignBody, 'Assign an open alarm to a user who may work on alarms (null unassigns); audited'),
    action('shelve', 'alarm:control', shelveBody, 'Shelve an open alarm for 1 to 1440 minutes (hidden from the open list, no sound); audited'),
    action('unshelve', 'alarm:control', emptyBody, 'Take an alarm off the shelf; audited'),
    action('clear', 'alarm:write', noteBody, 'Clear an open alarm (optional comment); audited, pushed to the consoles'),
    {
      method: 'GET', path: '/api/alarm-console/assignees', permission: 'alarm:write', summary: 'Active users an alarm may be assigned to',
      response: assigneesResponse,
      async handler(ctx) {
        const holders = ROLES.filter((r) => r.permissions.includes('alarm:write')).map((r) => r.id);
        const r = await sc.db.query<{ id: string; display_name: string }>('SELECT id, display_name FROM app_user WHERE roles && $1::text[] AND NOT disabled ORDER BY display_name LIMIT 500', [holders]);
        ctx.body = { users: r.rows.map((u) => ({ id: u.id, name: u.display_name })) };
      },
    },
    {
      method: 'GET', path: '/api/alarm-console/rules', permission: 'alarm:read', summary: 'Alarm rules, and the fields each layer offers them',
      response: rulesResponse,
      async handler(ctx) {
        ctx.body = { rules: (await loadRules(sc.db)).map(wireRule), layers: LAYERS.map((l) => ({ name: l.name, fields: layerFields(l.name) })) };
      },
    },
    {
      method: 'POST', path: '/api/alarm-console/rules', permission: 'alarm:control', summary: 'Create an alarm rule; effective at the next reading on every node; audited',
      body: ruleBody, response: withStatus(201, storedRule.extend({})), errors: [409, 422],
      async handler(ctx) {
        const b = bodyOf(ctx, ruleBody);
        const row = await write(ctx, 'alarm_rule.create', ruleObject(b.code), async (tx, p) => {
          checkRule(b);
          const dup = await tx.query('SELECT 1 FROM alarm_rule WHERE code = $1', [b.code]);
          if (dup.rows.length) throw new Refusal(409, `a rule ${b.code} exists already`);
          const r = await tx.query<RuleRow>(
            `INSERT INTO alarm_rule (code, name, layer, kind, scope, condition, for_seconds, latch, clear_on, no_data_minutes, severity, message, enabled, updated_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING *`, [...ruleParams(b), p.name]);
          await auth().auditIn(tx, { action: 'alarm_rule.create', outcome: 'success', actor: actor(p), object: ruleObject(r.rows[0]!.id), source: ctx.ip, detail: { code: b.code, layer: b.layer, kind: b.kind } });
          await AlarmsRuntime.rulesChanged(tx);
          return r.rows[0]!;
        });
        await alarmsRuntimeOf(sc)?.reload();
        ctx.status = 201;
        ctx.body = wireRule(row);
      },
    },
    {
      method: 'PUT', path: '/api/alarm-console/rules/:id', permission: 'alarm:control', summary: 'Change an alarm rule (with the version edited; 409 when someone changed it since); audited',
      params: intIdParams, body: ruleUpdateBody, response: storedRule, errors: [404, 409, 422],
      async handler(ctx) {
        const { id } = paramsOf(ctx, intIdParams);
        const { version, rule: b } = bodyOf(ctx, ruleUpdateBody);
        const row = await write(ctx, 'alarm_rule.update', ruleObject(id), async (tx, p) => {
          checkRule(b);
          const cur = (await tx.query<{ version: number; code: string }>('SELECT version, code FROM alarm_rule WHERE id = $1 FOR UPDATE', [id])).rows[0];
          if (!cur) throw new Refusal(404, `no alarm rule ${id}`);
          if (cur.version !== version) throw new Refusal(409, `rule ${id} was changed by someone else (version ${cur.version}, yours ${version}): reload and try again`);
          const dup = await tx.query('SELECT 1 FROM alarm_rule WHERE code = $1 AND id <> $2', [b.code, id]);
          if (dup.rows.length) throw new Refusal(409, `a rule ${b.code} exists already`);
          const r = await tx.query<RuleRow>(
            `UPDATE alarm_rule SET code = $1, name = $2, layer = $3, kind = $4, scope = $5, condition = $6, for_seconds = $7, latch = $8, clear_on = $9,
               no_data_minutes = $10, severity = $11, message = $12, enabled = $13, updated_by = $14, updated_at = now(), version = version + 1
             WHERE id = $15 RETURNING *`, [...ruleParams(b), p.name, id]);
          await auth().auditIn(tx, { action: 'alarm_rule.update', outcome: 'success', actor: actor(p), object: ruleObject(id), source: ctx.ip, detail: { code: b.code, version: version + 1, enabled: b.enabled } });
          await AlarmsRuntime.rulesChanged(tx);
          return r.rows[0]!;
        });
        await alarmsRuntimeOf(sc)?.reload();
        ctx.body = wireRule(row);
      },
    },
    {
      method: 'DELETE', path: '/api/alarm-console/rules/:id', permission: 'alarm:control', summary: 'Delete an alarm rule (shipped defaults can only be disabled); audited',
      params: intIdParams, errors: [404, 409],
      async handler(ctx) {
        const { id } = paramsOf(ctx, intIdParams);
        await write(ctx, 'alarm_rule.delete', ruleObject(id), async (tx, p) => {
          const cur = (await tx.query<{ builtin: boolean; code: string }>('SELECT builtin, code FROM alarm_rule WHERE id = $1 FOR UPDATE', [id])).rows[0];
          if (!cur) throw new Refusal(404, `no alarm rule ${id}`);
          if (cur.builtin) throw new Refusal(409, `rule ${cur.code} is a shipped default: disable it instead`);
          await tx.query('DELETE FROM alarm_rule WHERE id = $1', [id]);
          await auth().auditIn(tx, { action: 'alarm_rule.delete', outcome: 'success', actor: actor(p), object: ruleObject(id), source: ctx.ip, detail: { code: cur.code } });
          await AlarmsRuntime.rulesChanged(tx);
        });
        await alarmsRuntimeOf(sc)?.reload();
        ctx.status = 204;
      },
    },
  ];
}
