/**
 * Creating and dispatching work orders, for this module and for others (linkage plans, repairs,
 * the XR panel): `createWorkOrder` makes one order (idempotent per source reference), and with
 * `autoDispatch` sends it at once to the nearest on-duty crew of its trade (PostGIS distance
 * from the crew's base to the object). `openWorkOrdersOf` lists an object's open orders.
 * Everything runs in one transaction with its audit rows and notifications.
 */
import { alarmKind } from '@park-twin/layers';
import type { ServerContext } from '../../context.ts';
import type { Queryable } from '../../db/index.ts';
import type { Principal } from '../../auth/types.ts';
import { authService, runningAuthService } from '../../auth/index.ts';
import { notify } from '../../kit/notifications/service.ts';
import { recordLink, type EntityDef, type StoredRecord } from '../../kit/records/define.ts';
import { getRecord } from '../../kit/records/store.ts';
import { liveRuntimeOf } from '../live.ts';
import { auditActorOf, systemActor, userActor } from '../actors.ts';
import { applySla, PRIORITIES, Refusal, workOrderEntity, type Priority, type Source } from './definition.ts';

/** What `createWorkOrder` takes. */
export interface CreateWorkOrderInput {
  /** The equipment or room the order is about. */
  readonly objectIdx: number;
  readonly title: { readonly zh: string; readonly en: string };
  readonly source: Source;
  /** The alarm id, repair id, linkage run, `<idx>@<date>` of a preventive due date: one order per (source, sourceRef). */
  readonly sourceRef?: string;
  readonly priority: Priority;
  /** Trade code (wo_trade); default: the dispatch rule of the equipment's type, else `general`. */
  readonly trade?: string;
  /** Who asks for it (the requester: notified, may rate it), or null for the system. */
  readonly actor: { readonly userId: string } | null;
  /** Dispatch to the nearest on-duty crew of the trade right away. */
  readonly autoDispatch?: boolean;
  readonly description?: string;
  /** The description in English (kept in the record's data, shown on an English screen; not a form field). */
  readonly descriptionEn?: string;
  /** Knowledge-base fault code (links the procedure), e.g. the alarm kind. */
  readonly fault?: string;
  /** The alarm it came from (cleared when the order is verified). */
  readonly alarmId?: number;
  /** Enterprise whose users may see it (a tenant's repair request); default none (park staff only). */
  readonly enterpriseIdx?: number | null;
}

/** Why an order could not be created (status for the HTTP caller). */
export class WorkOrderError extends Error {
  constructor(readonly status: 400 | 404 | 409 | 422, message: string) {
    super(message);
  }
}

const defs = new WeakMap<ServerContext, EntityDef>();

/** The work-order entity of a server (built once). */
export function workOrderDef(sc: ServerContext): EntityDef {
  let d = defs.get(sc);
  if (!d) {
    d = workOrderEntity(sc, {
      dispatchTo: (tx, r, crew, p) => dispatchTo(sc, tx, r, crew, p),
      verified: (tx, r, p) => onVerified(sc, tx, r, p),
      createdByHand: async (tx, r, p) => {
        await attachOrder(sc, tx, r, { source: 'manual', priority: (r.data.priority as Priority) ?? 'normal', trade: (r.data.trade as string | undefined) ?? null });
        // Only a tenant's own repair requests are visible to enterprise users.
        await tx.query('UPDATE kit_record SET enterprise_idx = NULL WHERE id = $1', [r.id]);
        void p;
      },
    });
    defs.set(sc, d);
  }
  return d;
}

const nowOf = (sc: ServerContext) => runningAuthService(sc)?.now() ?? new Date();
const SYSTEM = systemActor('workorders');

/** The order code of a record id (`WO-000123`). */
export const codeOf = (id: number) => `WO-${String(id).padStart(6, '0')}`;

/** Writes the order's code, source row and SLA for a record the kit created. */
export async function attachOrder(sc: ServerContext, tx: Queryable, r: StoredRecord,
  o: { source: Source; sourceRef?: string | null; priority: Priority; trade: string | null; alarmId?: number | null }): Promise<string> {
  const code = codeOf(r.id);
  await tx.query(
    `INSERT INTO wo_order (record_id, code, source, source_ref, priority, trade, alarm_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [r.id, code, o.source, o.sourceRef ?? null, o.priority, o.trade, o.alarmId ?? null, nowOf(sc)]);
  const data = { ...r.data, code, source: o.source, ...(o.sourceRef ? { sourceRef: o.sourceRef } : {}), ...(o.trade ? { trade: o.trade } : {}) };
  await tx.query(`UPDATE kit_record SET data = $2::jsonb, search = search || ' ' || lower($3) WHERE id = $1`, [r.id, JSON.stringify(data), code]);
  await applySla(tx, r.id, r.state, o.priority, r.stateSince);
  return code;
}

/** The trade of an object from the dispatch rules (equipment type, alarm kind), or null. */
async function ruleFor(q: Queryable, objectIdx: number, alarmKind: string | null): Promise<{ trade: string; minSeverity: number; auto: boolean } | null> {
  const r = await q.query<{ trade: string; min_severity: number; auto_create: boolean }>(
    `SELECT d.trade, d.min_severity, d.auto_create FROM wo_dispatch_rule d JOIN equipment e ON e.type = d.equipment_type
     WHERE e.idx = $1 AND d.enabled AND (d.alarm_kind IS NULL OR d.alarm_kind = $2)
     ORDER BY (d.alarm_kind IS NULL), d.id LIMIT 1`, [objectIdx, alarmKind]);
  const x = r.rows[0];
  return x ? { trade: x.trade, minSeverity: x.min_severity, auto: x.auto_create } : null;
}

/**
 * The on-duty crew of `trade` nearest to the object at `at` (roster in park local time), with its
 * distance in metres; null when no crew of the trade is on duty.
 */
export async function nearestOnDutyCrew(q: Queryable, trade: string, objectIdx: number, at: Date): Promise<{ id: number; code: string; metres: number | null } | null> {
  const r = await q.query<{ id: number; code: string; metres: number | null }>(
    `WITH t AS (SELECT ($3::timestamptz AT TIME ZONE 'Asia/Shanghai') AS lt),
          p AS (SELECT COALESCE((SELECT ST_Force2D(position) FROM equipment WHERE idx = $2),
                                (SELECT ST_Centroid(ST_Force2D(footprint)) FROM room WHERE idx = $2)) AS g)
     SELECT c.id, c.code, ST_Distance(c.base::geography, ST_SetSRID(p.g, 4326)::geography) AS metres
     FROM wo_crew c, t, p
     WHERE c.active AND c.trade = $1 AND EXISTS (
       SELECT 1 FROM wo_roster r WHERE r.crew_id = c.id AND r.weekday = EXTRACT(ISODOW FROM t.lt)
         AND (EXTRACT(HOUR FROM t.lt) * 60 + EXTRACT(MINUTE FROM t.lt)) >= r.start_minute
         AND (EXTRACT(HOUR FROM t.lt) * 60 + EXTRACT(MINUTE FROM t.lt)) < r.end_minute)
     ORDER BY metres NULLS LAST, c.id LIMIT 1`, [trade, objectIdx, at]);
  const x = r.rows[0];
  return x ? { id: Number(x.id), code: x.code, metres: x.metres === null ? null : Math.round(Number(x.metres)) } : null;
}

/** Sets the assignees to the crew's members and notifies them (a crew without accounts: the dispatchers). */
async function dispatchTo(sc: ServerContext, tx: Queryable, r: StoredRecord, crewId: number, _p: Principal | null): Promise<void> {
  const c = await tx.query<{ code: string; name: { zh: string; en: string } }>('SELECT code, name FROM wo_crew WHERE id = $1 AND active', [crewId]);
  const crew = c.rows[0];
  if (!crew) throw new Refusal(422, `no active crew ${crewId}`, 'failure');
  const m = await tx.query<{ user_id: string }>(
    'SELECT m.user_id FROM wo_crew_member m JOIN app_user u ON u.id = m.user_id WHERE m.crew_id = $1 AND NOT u.disabled ORDER BY m.user_id', [crewId]);
  const members = m.rows.map((x) => x.user_id);
  const data = { ...r.data, crew: crewId };
  await tx.query('UPDATE kit_record SET assignees = $2::text[], data = $3::jsonb WHERE id = $1', [r.id, members, JSON.stringify(data)]);
  await tx.query('UPDATE wo_order SET crew_id = $2 WHERE record_id = $1', [r.id, crewId]);
  const def = workOrderDef(sc);
  const code = String(r.data.code ?? codeOf(r.id));
  const en = String(r.data.titleEn ?? r.title);
  if (members.length > 0) {
    await notify(sc, { to: members, kind: 'workorder.dispatched', link: recordLink(def, r.id),
      title: { zh: `新工单 ${code}：${r.title}（${r.objectName ?? ''}）`, en: `New work order ${code}: ${en} (${r.objectName ?? ''})` } }, tx);
  } else {
    await notify(sc, { to: { roles: ['property_manager'] }, kind: 'workorder.dispatched', link: recordLink(def, r.id),
      title: { zh: `工单 ${code} 已派给${crew.name.zh}，该班组没有账号`, en: `Work order ${code} went to ${crew.name.en}, which has no accounts` } }, tx);
  }
}

/** Verified: clears the alarm the order came from (audited with the verifier); preventive orders date the equipment's maintenance. */
async function onVerified(sc: ServerContext, tx: Queryable, r: StoredRecord, p: Principal): Promise<void> {
  const o = await tx.query<{ alarm_id: string | null; source: string; source_ref: string | null; code: string }>(
    'SELECT alarm_id, source, source_ref, code FROM wo_order WHERE record_id = $1', [r.id]);
  const order = o.rows[0];
  if (order?.alarm_id) {
    const who = p.name;
    const a = await tx.query<{ idx: number; kind: string; severity: number; state: string }>(
      `UPDATE alarm a SET state = 'cleared', cleared_at = $3, cleared_by = $2 FROM (SELECT id, state AS before FROM alarm WHERE id = $1 FOR UPDATE) b
       WHERE a.id = b.id AND b.before <> 'cleared' RETURNING a.idx, a.kind, a.severity, b.before AS state`, [order.alarm_id, who, nowOf(sc)]);
    const cleared = a.rows[0];
    if (cleared) {
      await authService(sc).auditIn(tx, { action: 'alarm.clear', outcome: 'success', actor: await auditActorOf(tx, p), object: `alarm:${order.alarm_id}`,
        detail: { from: cleared.state, idx: cleared.idx, kind: cleared.kind, workOrder: order.code } });
      await tx.query('SELECT pg_notify($1, $2)', ['twin_alarm', JSON.stringify({ id: Number(order.alarm_id), idx: cleared.idx, action: 'clear', state: 'cleared', severity: cleared.severity })]);
      await notify(sc, { to: { roles: ['security_operator'] }, kind: 'alarm.cleared', link: `/alarms?id=${order.alarm_id}&state=all`,
        title: { zh: `告警已随工单 ${order.code} 验收清除：${r.title}`, en: `Alarm cleared with work order ${order.code} verified: ${String(r.data.titleEn ?? r.title)}` } }, tx);
      // The pipeline may raise it again if the condition still holds (a new alarm, a new order).
      liveRuntimeOf(sc)?.ingest.openAlarms.delete(`${cleared.idx}/${cleared.kind}`);
    }
  }
  if (order?.source === 'repair' && /^\d{1,15}$/.test(order.source_ref ?? '')) await repairDone(sc, tx, Number(order.source_ref), order.code, p);
  if (order?.source === 'preventive' && r.objectIdx !== null) {
    await tx.query(`UPDATE equipment SET last_maintained = ($2::timestamptz AT TIME ZONE 'Asia/Shanghai')::date WHERE idx = $1`, [r.objectIdx, nowOf(sc)]);
  }
}

/** The repair request an order came from is done when the order is verified: its reporter is asked to rate it. */
async function repairDone(sc: ServerContext, tx: Queryable, repairId: number, code: string, p: Principal): Promise<void> {
  const now = nowOf(sc);
  const r = await tx.query<{ state: string; title: string; created_by: string | null }>(
    `UPDATE kit_record k SET state = 'done', version = version + 1, updated_at = $2, state_since = $2, due_at = NULL, escalated_at = NULL
     FROM (SELECT id, state FROM kit_record WHERE id = $1 AND entity = 'repair' FOR UPDATE) b
     WHERE k.id = b.id AND b.state IN ('submitted', 'assigned', 'in_progress') RETURNING b.state, k.title, k.created_by`, [repairId, now]);
  const rep = r.rows[0];
  if (!rep) return;
  await tx.query(`INSERT INTO kit_transition (record_id, transition, from_state, to_state, by_id, by_name, note, at) VALUES ($1, 'finish', $2, 'done', $3, $4, $5, $6)`,
    [repairId, rep.state, p.id, p.name, `${code} 验收通过 / verified`, now]);
  await authService(sc).auditIn(tx, { action: 'repair.transition.finish', outcome: 'success', actor: await auditActorOf(tx, p), object: `repair:${repairId}`,
    detail: { from: rep.state, to: 'done', workOrder: code } });
  if (rep.created_by) {
    await notify(sc, { to: [rep.created_by], kind: 'repair.done', link: `/service/repairs?id=${repairId}`,
      title: { zh: `您的报修已完成，请评价：${rep.title}`, en: `Your repair is done, please rate it: ${rep.title}` } }, tx);
  }
}

const enabledOn = new WeakSet<ServerContext>();
/** Marks the module as running on this server (its tables exist); other modules check `workordersEnabled`. */
export function markWorkordersEnabled(sc: ServerContext): void {
  enabledOn.add(sc);
}
/** Whether the work-orders module runs on this server (TWIN_MODULES may switch it off). */
export function workordersEnabled(sc: ServerContext): boolean {
  return enabledOn.has(sc);
}

/** Trade of a repair category (modules/repairs). */
export const TRADE_OF_REPAIR: Readonly<Record<string, string>> = {
  electrical: 'electrical', plumbing: 'plumbing', hvac: 'hvac', lighting: 'electrical', door_window: 'general', network: 'weak_current', other: 'general',
};

/**
 * The requester rated the repair request (modules/repairs): the verified order made from it is
 * closed with that rating, in the rating's transaction, audited as the requester.
 */
export async function closeOrderOfRepair(sc: ServerContext, tx: Queryable, repairId: number, rating: number, feedback: string | undefined, p: Principal): Promise<void> {
  if (!workordersEnabled(sc)) return;
  const now = nowOf(sc);
  const r = await tx.query<{ id: string; data: Record<string, unknown> }>(
    `SELECT k.id, k.data FROM kit_record k JOIN wo_order w ON w.record_id = k.id WHERE w.source = 'repair' AND w.source_ref = $1 AND k.state = 'verified' FOR UPDATE OF k`,
    [String(repairId)]);
  const o = r.rows[0];
  if (!o) return;
  const data = { ...(typeof o.data === 'string' ? JSON.parse(o.data) as Record<string, unknown> : o.data), rating, ...(feedback ? { feedback } : {}) };
  await tx.query(`UPDATE kit_record SET state = 'closed', version = version + 1, updated_at = $2, state_since = $2, due_at = NULL, data = $3::jsonb WHERE id = $1`,
    [o.id, now, JSON.stringify(data)]);
  await tx.query(`INSERT INTO kit_transition (record_id, transition, from_state, to_state, by_id, by_name, note, at) VALUES ($1, 'close', 'verified', 'closed', $2, $3, $4, $5)`,
    [o.id, p.id, p.name, `报修评价 ${rating} / repair rated ${rating}`, now]);
  await authService(sc).auditIn(tx, { action: 'workorder.transition.close', outcome: 'success', actor: await auditActorOf(tx, p), object: `workorder:${o.id}`,
    detail: { from: 'verified', to: 'closed', rating, repair: repairId } });
}

/**
 * Creates a work order on an equipment or room; with `autoDispatch` it goes to the nearest
 * on-duty crew of its trade at once. Idempotent: a second call with the same (source, sourceRef)
 * returns the first order. Throws `WorkOrderError` (404 unknown object, 422 unknown trade).
 * Pass `tx` to create it inside the caller's transaction.
 */
export async function createWorkOrder(sc: ServerContext, input: CreateWorkOrderInput, tx?: Queryable): Promise<{ id: number; code: string; created: boolean }> {
  if (!PRIORITIES.includes(input.priority)) throw new WorkOrderError(400, `unknown priority ${String(input.priority)}`);
  const title = input.title.zh.trim().slice(0, 100);
  if (title.length < 2) throw new WorkOrderError(400, 'a work order needs a title of at least 2 characters');
  const run = async (q: Queryable) => {
    if (input.sourceRef) {
      // One order per source reference, also when two nodes hear the same alarm at once.
      await q.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`workorder:${input.source}:${input.sourceRef}`]);
      const had = await q.query<{ record_id: string; code: string }>('SELECT record_id, code FROM wo_order WHERE source = $1 AND source_ref = $2', [input.source, input.sourceRef]);
      if (had.rows[0]) return { id: Number(had.rows[0].record_id), code: had.rows[0].code, created: false };
    }
    const obj = await q.query<{ kind: string }>('SELECT kind FROM twin_object WHERE idx = $1', [input.objectIdx]);
    if (!obj.rows[0] || !['equipment', 'room'].includes(obj.rows[0].kind)) throw new WorkOrderError(404, `no equipment or room ${input.objectIdx}`);
    const rule = await ruleFor(q, input.objectIdx, input.fault ?? null);
    const trade = input.trade ?? rule?.trade ?? 'general';
    const t = await q.query('SELECT 1 FROM wo_trade WHERE code = $1', [trade]);
    if (!t.rows[0]) throw new WorkOrderError(422, `unknown trade ${trade}`);
    // The record shows the creator's display name; the audit row names the user as every row does (id, username).
    let actorName: string | null = null;
    let actor = SYSTEM;
    if (input.actor) {
      const u = await q.query<{ display_name: string }>('SELECT display_name FROM app_user WHERE id = $1', [input.actor.userId]);
      const who = await userActor(q, input.actor.userId);
      if (!u.rows[0] || !who) throw new WorkOrderError(422, `unknown user ${input.actor.userId}`);
      actorName = u.rows[0].display_name;
      actor = who;
    }
    const def = workOrderDef(sc);
    const now = nowOf(sc);
    const data: Record<string, unknown> = {
      title, titleEn: input.title.en.trim().slice(0, 100) || undefined, priority: input.priority, trade,
      ...(input.description ? { description: input.description.slice(0, 2000) } : {}), ...(input.descriptionEn ? { descriptionEn: input.descriptionEn.slice(0, 2000) } : {}),
      ...(input.fault ? { fault: input.fault } : {}),
    };
    const search = [title, input.title.en, input.description ?? ''].join(' \u0001 ').toLowerCase();
    const ins = await q.query<{ id: string }>(
      `INSERT INTO kit_record (entity, state, object_idx, enterprise_idx, title, data, search, created_by, created_by_name, created_at, updated_at, state_since)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $10, $10) RETURNING id`,
      [def.entity, def.workflow.initial, input.objectIdx, input.enterpriseIdx ?? null, title, JSON.stringify(data), search, input.actor?.userId ?? null,
        actorName ?? '系统', now]);
    const id = Number(ins.rows[0]!.id);
    const system: Principal = { kind: 'user', id: input.actor?.userId ?? '', name: actorName ?? '系统', roles: [], permissions: new Set(), sessionId: '' };
    let rec = (await getRecord(q, def, id, system))!;
    const code = await attachOrder(sc, q, rec, { source: input.source, sourceRef: input.sourceRef, priority: input.priority, trade, alarmId: input.alarmId });
    await authService(sc).auditIn(q, {
      action: 'workorder.create', outcome: 'success', actor, object: `workorder:${id}`,
      detail: { code, source: input.source, sourceRef: input.sourceRef ?? null, objectIdx: input.objectIdx, priority: input.priority, trade },
    });
    rec = (await getRecord(q, def, id, system))!;
    const crew = input.autoDispatch ? await nearestOnDutyCrew(q, trade, input.objectIdx, now) : null;
    if (crew) {
      await q.query(`UPDATE kit_record SET state = 'dispatched', version = version + 1, updated_at = $2, state_since = $2 WHERE id = $1`, [id, now]);
      await q.query(`INSERT INTO kit_transition (record_id, transition, from_state, to_state, by_id, by_name, note, at) VALUES ($1, 'dispatch', 'created', 'dispatched', NULL, $2, $3, $4)`,
        [id, '自动派单', `${crew.code}${crew.metres === null ? '' : ` ${crew.metres} m`}`, now]);
      await authService(sc).auditIn(q, { action: 'workorder.transition.dispatch', outcome: 'success', actor: systemActor('dispatch'), object: `workorder:${id}`,
        detail: { from: 'created', to: 'dispatched', crew: crew.code, metres: crew.metres, trade, rule: 'nearest on-duty crew of the trade' } });
      rec = (await getRecord(q, def, id, system))!;
      await dispatchTo(sc, q, rec, crew.id, null);
      await applySla(q, id, 'dispatched', input.priority, now);
    } else {
      await notify(sc, { to: { roles: ['property_manager'] }, kind: 'workorder.created', link: recordLink(def, id),
        title: input.autoDispatch
          ? { zh: `工单 ${code} 无值班班组（${trade}），请派单：${title}`, en: `Work order ${code}: no ${trade} crew on duty, dispatch it: ${input.title.en}` }
          : { zh: `新工单 ${code}，请派单：${title}`, en: `New work order ${code}, to dispatch: ${input.title.en}` } }, q);
    }
    return { id, code, created: true };
  };
  return tx ? run(tx) : sc.db.transaction(run);
}

/** An open work order of an object (for panels and the XR view). */
export interface OpenWorkOrder {
  readonly id: number;
  readonly code: string;
  readonly title: string;
  readonly titleEn: string | null;
  readonly state: string;
  readonly priority: string;
  readonly source: string;
  readonly dueAt: string | null;
}

/** The open (not closed or cancelled) work orders of an object, most urgent first. */
export async function openWorkOrdersOf(q: Queryable, objectIdx: number): Promise<OpenWorkOrder[]> {
  const r = await q.query<{ id: string; code: string; title: string; title_en: string | null; state: string; priority: string; source: string; due_at: Date | null }>(
    `SELECT r.id, w.code, r.title, r.data->>'titleEn' AS title_en, r.state, w.priority, w.source, r.due_at
     FROM kit_record r JOIN wo_order w ON w.record_id = r.id
     WHERE r.entity = 'workorder' AND r.object_idx = $1 AND r.state NOT IN ('closed', 'cancelled')
     ORDER BY array_position(ARRAY['urgent', 'high', 'normal', 'low'], w.priority), r.id`, [objectIdx]);
  return r.rows.map((x) => ({ id: Number(x.id), code: x.code, title: x.title, titleEn: x.title_en, state: x.state, priority: x.priority, source: x.source,
    dueAt: x.due_at ? new Date(x.due_at).toISOString() : null }));
}

/** A rule's message template filled with the alarm's parameters (as the console does), or null without one. */
function fill(tpl: string | undefined, params: Readonly<Record<string, string | number>> | null): string | null {
  if (!tpl) return null;
  return tpl.replace(/\{(\w+)\}/g, (m, k: string) => (params && params[k] !== undefined ? String(params[k]) : m)).slice(0, 2000);
}

/** Priority of an alarm's order from its severity (3 critical → urgent). */
export const priorityOfSeverity = (s: number): Priority => (s >= 3 ? 'urgent' : s === 2 ? 'high' : 'normal');

/**
 * The order of a raised alarm, by the dispatch rules (equipment type → trade, minimum severity):
 * created and dispatched to the nearest on-duty crew. Null when no rule asks for one, or the
 * alarm is cleared. Idempotent (one order per alarm).
 */
export async function workOrderFromAlarm(sc: ServerContext, alarmId: number): Promise<{ id: number; code: string; created: boolean } | null> {
  const a = await sc.db.query<{ idx: number; kind: string; severity: number; state: string; message: string; name: string | null; name_en: string | null;
    rule_name: { zh: string; en: string } | null; model: string | null; template: { zh: string; en: string } | null; params: Record<string, string | number> | null }>(
    `SELECT a.idx, a.kind, a.severity, a.state, a.message, o.name, o.name_en, ru.name AS rule_name, e.model, ru.message AS template, a.params
     FROM alarm a JOIN twin_object o ON o.idx = a.idx LEFT JOIN equipment e ON e.idx = a.idx LEFT JOIN alarm_rule ru ON ru.id = a.rule_id WHERE a.id = $1`, [alarmId])
    .catch(async () => sc.db.query<never>(
      // Without the alarms module's columns (module switched off): no rule name.
      `SELECT a.idx, a.kind, a.severity, a.state, a.message, o.name, o.name_en, NULL AS rule_name, e.model, NULL AS template, NULL AS params
       FROM alarm a JOIN twin_object o ON o.idx = a.idx LEFT JOIN equipment e ON e.idx = a.idx WHERE a.id = $1`, [alarmId]));
  const al = a.rows[0];
  if (!al || al.state === 'cleared') return null;
  const rule = await ruleFor(sc.db, al.idx, al.kind);
  if (!rule || !rule.auto || al.severity < rule.minSeverity) return null;
  // Without a rule (module off, an old alarm) the Chinese texts name the kind, never the stored English message.
  const kindZh = alarmKind(al.kind)?.label.zh ?? '设备告警';
  const what = al.rule_name ?? { zh: kindZh, en: al.message };
  return createWorkOrder(sc, {
    objectIdx: al.idx, title: { zh: `${al.name ?? al.idx}：${what.zh}`.slice(0, 100), en: `${al.name_en ?? al.name ?? al.idx}: ${what.en}`.slice(0, 100) },
    source: 'alarm', sourceRef: String(alarmId), alarmId, priority: priorityOfSeverity(al.severity), trade: rule.trade, actor: null, autoDispatch: true,
    // The alarm's text in both languages from its rule's templates (the stored message is the English one).
    description: fill(al.template?.zh, al.params) ?? kindZh, descriptionEn: fill(al.template?.en, al.params) ?? al.message, fault: al.kind,
  });
}
