/**
 * The work order (issue 15, G3 O&M) as a records-kit entity: created (from an alarm, a repair
 * request, a linkage plan, the preventive-maintenance job or by hand) → dispatched to a crew →
 * accepted → in progress (⇄ on hold) → done → verified (the alarm it came from is cleared) →
 * closed with a rating. SLA per state, scaled by priority (`slaMinutes`); the kit's SLA job
 * escalates. Guards and hooks here; creation and dispatch in `service.ts`.
 */
import { z } from 'zod';
import type { ServerContext } from '../../context.ts';
import type { Queryable } from '../../db/index.ts';
import type { Principal } from '../../auth/types.ts';
import { defineEntity, recordLink, type EntityDef, type GuardInput, type StoredRecord, type TransitionDef } from '../../kit/records/define.ts';
import { Refusal } from '../../kit/records/routes.ts';
import { notify } from '../../kit/notifications/service.ts';

/** Priorities, most urgent first. */
export const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Sources of a work order. */
export const SOURCES = ['alarm', 'repair', 'manual', 'linkage', 'preventive'] as const;
export type Source = (typeof SOURCES)[number];

/** Trades (the wo_trade table holds the same codes, seeded by the module). */
export const TRADES = {
  hvac: { zh: '暖通空调', en: 'HVAC' },
  electrical: { zh: '强电', en: 'Electrical' },
  plumbing: { zh: '给排水', en: 'Plumbing' },
  elevator: { zh: '电梯', en: 'Elevators' },
  fire: { zh: '消防', en: 'Fire systems' },
  weak_current: { zh: '弱电安防', en: 'Low voltage and security' },
  general: { zh: '综合维修', en: 'General' },
} as const;
export type Trade = keyof typeof TRADES;

const PRIORITY_LABELS = {
  urgent: { zh: '紧急', en: 'Urgent' }, high: { zh: '高', en: 'High' }, normal: { zh: '一般', en: 'Normal' }, low: { zh: '低', en: 'Low' },
} as const;
const SOURCE_LABELS = {
  alarm: { zh: '告警', en: 'Alarm' }, repair: { zh: '报修', en: 'Repair request' }, manual: { zh: '人工', en: 'By hand' },
  linkage: { zh: '联动预案', en: 'Linkage plan' }, preventive: { zh: '预防性维护', en: 'Preventive' },
} as const;

/** Largest photo, bytes (the server's default request body limit). */
export const PHOTO_MAX_BYTES = 1024 * 1024;

/** SLA of each state for a normal-priority order, minutes (the kit stores the state's deadline in `due_at`). */
export const BASE_SLA: Readonly<Record<string, number>> = { created: 30, dispatched: 15, accepted: 60, in_progress: 480, done: 240 };
/** How priority scales the SLA: an urgent order has a quarter of the time. */
export const PRIORITY_FACTOR: Readonly<Record<Priority, number>> = { urgent: 0.25, high: 0.5, normal: 1, low: 4 };

/** SLA minutes of `state` for an order of `priority`, or null when the state has no timer. */
export function slaMinutes(state: string, priority: string): number | null {
  const base = BASE_SLA[state];
  if (base === undefined) return null;
  return Math.max(1, Math.round(base * (PRIORITY_FACTOR[priority as Priority] ?? 1)));
}

/** Sets the record's deadline for its current state from its priority (called after every state change). */
export async function applySla(tx: Queryable, id: number, state: string, priority: string, since: Date | string): Promise<void> {
  const m = slaMinutes(state, priority);
  await tx.query('UPDATE kit_record SET due_at = $2, escalated_at = NULL WHERE id = $1',
    [id, m === null ? null : new Date(new Date(since).getTime() + m * 60_000)]);
}

const assigneeOnly = ({ record, principal }: GuardInput) => (record.assignees.includes(principal.id) ? null : 'only the crew this order is dispatched to may do this');
const requesterOrDispatcher = ({ record, principal }: GuardInput) =>
  (record.createdBy === principal.id || principal.permissions.has('workorders:dispatch' as never) ? null : 'only the requester or a dispatcher may close and rate');

/** What the after hooks need that the kit does not know. */
export interface WorkOrderHooks {
  /** Dispatch `record` to crew `crewId`: sets the assignees to the crew's members, notifies them (inside tx). */
  dispatchTo(tx: Queryable, record: StoredRecord, crewId: number, principal: Principal | null): Promise<void>;
  /** After verification: clears the alarm the order came from (audited as the verifier). */
  verified(tx: Queryable, record: StoredRecord, principal: Principal): Promise<void>;
  /** After a create through the kit's route (by hand): gives the order its code, source row and SLA. */
  createdByHand(tx: Queryable, record: StoredRecord, principal: Principal): Promise<void>;
}

/** The entity definition; `sc` lets the hooks notify, `hooks` does dispatch and alarm clearing. */
export function workOrderEntity(sc: ServerContext, hooks: WorkOrderHooks): EntityDef {
  const link = (id: number) => recordLink(def, id);
  const priorityOf = (r: StoredRecord) => String(r.data.priority ?? 'normal');
  const sla = async (e: { record: StoredRecord; tx: Queryable }) => applySla(e.tx, e.record.id, e.record.state, priorityOf(e.record), e.record.stateSince);
  const tell = async (tx: Queryable, to: readonly string[] | { roles: readonly string[] }, kind: string, r: StoredRecord, zh: string, en: string): Promise<void> => {
    if (Array.isArray(to) && to.length === 0) return;
    await notify(sc, { to, kind, link: link(r.id), title: { zh: `${zh}：${r.title}`, en: `${en}: ${String(r.data.titleEn ?? r.title)}` } }, tx);
  };

  // Who follows an order's progress: its requester, or for orders nobody asked for (alarms, preventive) the dispatchers.
  const requesterOrDispatchers = (r: StoredRecord) => (r.createdBy ? [r.createdBy] : { roles: ['property_manager'] });
  const t = (x: TransitionDef): TransitionDef => ({
    ...x,
    after: async (e) => {
      await sla(e);
      await x.after?.(e);
    },
  });

  const def: EntityDef = defineEntity({
    entity: 'workorder', label: { zh: '工单', en: 'Work order' }, path: 'workorders', uiPath: '/workorders',
    fields: {
      title: { label: { zh: '标题', en: 'Title' }, schema: z.string().trim().min(2).max(100) },
      titleEn: { label: { zh: '英文标题', en: 'Title (English)' }, schema: z.string().trim().min(2).max(100).optional() },
      priority: { label: { zh: '优先级', en: 'Priority' }, schema: z.enum(PRIORITIES), options: PRIORITY_LABELS },
      trade: { label: { zh: '工种', en: 'Trade' }, schema: z.enum(Object.keys(TRADES) as [Trade, ...Trade[]]).optional(), options: TRADES },
      description: { label: { zh: '描述', en: 'Description' }, schema: z.string().trim().max(2000).optional(), input: 'textarea' },
      fault: { label: { zh: '故障类型', en: 'Fault' }, schema: z.string().regex(/^[a-z][a-z0-9_]{1,62}$/).optional() },
      code: { label: { zh: '工单号', en: 'Code' }, schema: z.string().max(40), onCreate: false, editable: false },
      source: { label: { zh: '来源', en: 'Source' }, schema: z.enum(SOURCES), options: SOURCE_LABELS, onCreate: false, editable: false },
      sourceRef: { label: { zh: '来源编号', en: 'Source reference' }, schema: z.string().max(100), onCreate: false, editable: false },
      crew: { label: { zh: '班组', en: 'Crew' }, schema: z.number().int().min(1), onCreate: false, editable: false, input: 'number' },
      holdReason: { label: { zh: '挂起原因', en: 'Reason for hold' }, schema: z.string().trim().min(2).max(500), onCreate: false, editable: false, input: 'textarea' },
      resolution: { label: { zh: '处理结果', en: 'Resolution' }, schema: z.string().trim().min(2).max(2000), onCreate: false, editable: false, input: 'textarea' },
      rating: {
        label: { zh: '评分', en: 'Rating' }, schema: z.number().int().min(1).max(5), onCreate: false, editable: false, input: 'select',
        options: { 1: { zh: '1 星', en: '1 star' }, 2: { zh: '2 星', en: '2 stars' }, 3: { zh: '3 星', en: '3 stars' }, 4: { zh: '4 星', en: '4 stars' }, 5: { zh: '5 星', en: '5 stars' } },
      },
      feedback: { label: { zh: '评价', en: 'Feedback' }, schema: z.string().trim().max(500).optional(), onCreate: false, editable: false, input: 'textarea' },
    },
    titleField: 'title',
    columns: ['id', 'code', 'title', 'priority', 'source', 'object', 'state', 'assignees', 'dueAt', 'createdAt'],
    filters: ['priority', 'source', 'trade'],
    search: ['title', 'titleEn', 'description', 'code'],
    objectKinds: ['equipment', 'room'],
    permissions: { read: 'workorders:read', create: 'workorders:write', write: 'workorders:write', assign: 'workorders:dispatch', comment: 'workorders:read' },
    enterpriseScoped: true,
    assignableRoles: ['maintenance'],
    workflow: {
      initial: 'created',
      states: {
        created: { label: { zh: '待派单', en: 'Created' }, sla: { withinMinutes: BASE_SLA.created!, escalateToRoles: ['property_manager'] } },
        dispatched: { label: { zh: '已派单', en: 'Dispatched' }, sla: { withinMinutes: BASE_SLA.dispatched!, escalateToRoles: ['property_manager'] } },
        accepted: { label: { zh: '已接单', en: 'Accepted' }, sla: { withinMinutes: BASE_SLA.accepted!, escalateToRoles: ['property_manager'] } },
        in_progress: { label: { zh: '处理中', en: 'In progress' }, sla: { withinMinutes: BASE_SLA.in_progress!, escalateToRoles: ['property_manager'] } },
        on_hold: { label: { zh: '已挂起', en: 'On hold' } },
        done: { label: { zh: '待验收', en: 'Done, to verify' }, sla: { withinMinutes: BASE_SLA.done!, escalateToRoles: ['property_manager'] } },
        verified: { label: { zh: '已验收', en: 'Verified' } },
        closed: { label: { zh: '已关闭', en: 'Closed' }, final: true },
        cancelled: { label: { zh: '已作废', en: 'Cancelled' }, final: true },
      },
      transitions: {
        dispatch: t({
          from: ['created', 'dispatched'], to: 'dispatched', label: { zh: '派单', en: 'Dispatch' }, permission: 'workorders:dispatch', sets: ['crew'], requires: ['crew'],
          after: async ({ record, tx, principal }) => {
            await hooks.dispatchTo(tx, record, Number(record.data.crew), principal);
          },
        }),
        accept: t({
          from: ['dispatched'], to: 'accepted', label: { zh: '接单', en: 'Accept' }, permission: 'workorders:execute', guards: [assigneeOnly],
          after: async ({ record, tx }) => tell(tx, requesterOrDispatchers(record), 'workorder.accepted', record, '工单已接单', 'Work order accepted'),
        }),
        decline: t({
          from: ['dispatched'], to: 'created', label: { zh: '退单', en: 'Decline' }, permission: 'workorders:execute', guards: [assigneeOnly],
          after: async ({ record, tx }) => {
            await tx.query("UPDATE kit_record SET assignees = '{}' WHERE id = $1", [record.id]);
            await tx.query('UPDATE wo_order SET crew_id = NULL WHERE record_id = $1', [record.id]);
            await tell(tx, { roles: ['property_manager'] }, 'workorder.declined', record, '工单被退回，请重新派单', 'Work order declined, dispatch again');
          },
        }),
        start: t({
          from: ['accepted'], to: 'in_progress', label: { zh: '开始处理', en: 'Start' }, permission: 'workorders:execute', guards: [assigneeOnly],
          after: async ({ record, tx }) => tell(tx, requesterOrDispatchers(record), 'workorder.started', record, '工单开始处理', 'Work started'),
        }),
        hold: t({ from: ['in_progress'], to: 'on_hold', label: { zh: '挂起', en: 'Put on hold' }, permission: 'workorders:execute', guards: [assigneeOnly], sets: ['holdReason'], requires: ['holdReason'] }),
        resume: t({ from: ['on_hold'], to: 'in_progress', label: { zh: '继续处理', en: 'Resume' }, permission: 'workorders:execute', guards: [assigneeOnly] }),
        finish: t({
          from: ['in_progress'], to: 'done', label: { zh: '完工', en: 'Done' }, permission: 'workorders:execute', guards: [assigneeOnly], sets: ['resolution'], requires: ['resolution'],
          after: async ({ record, tx }) => tell(tx, { roles: ['property_manager'] }, 'workorder.done', record, '工单已完工，请验收', 'Work order done, please verify'),
        }),
        verify: t({
          from: ['done'], to: 'verified', label: { zh: '验收通过', en: 'Verify' }, permission: 'workorders:dispatch',
          after: async ({ record, tx, principal }) => {
            await hooks.verified(tx, record, principal);
            await tell(tx, [...record.assignees, ...(record.createdBy && record.createdBy !== principal.id ? [record.createdBy] : [])], 'workorder.verified', record,
              '工单已验收', 'Work order verified');
          },
        }),
        rework: t({
          from: ['done'], to: 'in_progress', label: { zh: '验收不通过，返工', en: 'Send back' }, permission: 'workorders:dispatch',
          after: async ({ record, tx }) => tell(tx, record.assignees, 'workorder.rework', record, '工单验收不通过，请返工', 'Work order sent back'),
        }),
        close: t({
          from: ['verified'], to: 'closed', label: { zh: '评价并关闭', en: 'Rate and close' }, permission: 'workorders:rate', guards: [requesterOrDispatcher],
          sets: ['rating', 'feedback'], requires: ['rating'],
        }),
        cancel: t({
          from: ['created', 'dispatched', 'accepted', 'on_hold'], to: 'cancelled', label: { zh: '作废', en: 'Cancel' }, permission: 'workorders:dispatch',
          after: async ({ record, tx }) => tell(tx, record.assignees, 'workorder.cancelled', record, '工单已作废', 'Work order cancelled'),
        }),
      },
    },
    // Photos from the phone: images only, at most 1 MiB, the server's request limit (TWIN_BODY_LIMIT_KB);
    // the crew page shrinks a camera photo to 1600 px JPEG first. Larger: 413, nothing stored.
    attachments: { maxBytes: PHOTO_MAX_BYTES, types: ['image/jpeg', 'image/png', 'image/webp'] },
    afterCreate: (record, principal, tx) => hooks.createdByHand(tx, record, principal),
  });
  return def;
}

export { Refusal };
