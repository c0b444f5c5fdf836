/**
 * The repair request (issue 19, P2 service centre) as a records-kit entity. A tenant (enterprise
 * user) or a property manager reports a repair on a room; the property manager assigns it to the
 * maintenance crew; an assignee starts and finishes it; the reporter is notified and rates it (or
 * sends it back). SLA: 30 minutes to assign, 60 to start, 8 hours to finish, each escalated to the
 * property managers.
 */
import { z } from 'zod';
import type { ServerContext } from '../../context.ts';
import { defineEntity, recordLink, type EntityDef, type GuardInput } from '../../kit/records/define.ts';
import { notify } from '../../kit/notifications/service.ts';
import { closeOrderOfRepair, createWorkOrder, TRADE_OF_REPAIR, workordersEnabled } from '../workorders/service.ts';

/** The repair categories, with their labels. */
export const CATEGORIES = {
  electrical: { zh: '电气', en: 'Electrical' },
  plumbing: { zh: '给排水', en: 'Plumbing' },
  hvac: { zh: '空调暖通', en: 'HVAC' },
  lighting: { zh: '照明', en: 'Lighting' },
  door_window: { zh: '门窗', en: 'Doors and windows' },
  network: { zh: '网络通信', en: 'Network' },
  other: { zh: '其他', en: 'Other' },
} as const;

const reporterOnly = ({ record, principal }: GuardInput) => (record.createdBy === principal.id ? null : 'only the reporter may do this');
const assigneeOnly = ({ record, principal }: GuardInput) => (record.assignees.includes(principal.id) ? null : 'only an assignee may do this');

/** The entity definition; `sc` lets transition hooks raise notifications. */
export function repairEntity(sc: ServerContext): EntityDef {
  const def: EntityDef = defineEntity({
    entity: 'repair', label: { zh: '报修', en: 'Repair request' }, path: 'repairs', uiPath: '/service/repairs',
    fields: {
      title: { label: { zh: '问题概述', en: 'Summary' }, schema: z.string().trim().min(2).max(100) },
      category: { label: { zh: '类别', en: 'Category' }, schema: z.enum(Object.keys(CATEGORIES) as [keyof typeof CATEGORIES]), options: CATEGORIES },
      urgency: {
        label: { zh: '紧急程度', en: 'Urgency' }, schema: z.enum(['normal', 'urgent']),
        options: { normal: { zh: '一般', en: 'Normal' }, urgent: { zh: '紧急', en: 'Urgent' } },
      },
      description: { label: { zh: '详细描述', en: 'Description' }, schema: z.string().trim().max(2000).optional(), input: 'textarea' },
      rating: {
        label: { zh: '评分', en: 'Rating' }, schema: z.number().int().min(1).max(5), onCreate: false, editable: false, input: 'select',
        options: { 1: { zh: '1 星', en: '1 star' }, 2: { zh: '2 星', en: '2 stars' }, 3: { zh: '3 星', en: '3 stars' }, 4: { zh: '4 星', en: '4 stars' }, 5: { zh: '5 星', en: '5 stars' } },
      },
      feedback: { label: { zh: '评价', en: 'Feedback' }, schema: z.string().trim().max(500).optional(), onCreate: false, editable: false, input: 'textarea' },
    },
    titleField: 'title',
    columns: ['id', 'title', 'category', 'urgency', 'object', 'state', 'dueAt', 'createdBy', 'createdAt'],
    filters: ['category', 'urgency'],
    search: ['title', 'description'],
    objectKinds: ['room'],
    permissions: { read: 'repairs:read', create: 'repairs:report', write: 'repairs:manage', assign: 'repairs:manage', comment: 'repairs:read' },
    enterpriseScoped: true,
    assignableRoles: ['maintenance'],
    workflow: {
      initial: 'submitted',
      states: {
        submitted: { label: { zh: '待派单', en: 'Submitted' }, sla: { withinMinutes: 30, escalateToRoles: ['property_manager'] } },
        assigned: { label: { zh: '已派单', en: 'Assigned' }, sla: { withinMinutes: 60, escalateToRoles: ['property_manager'] } },
        in_progress: { label: { zh: '维修中', en: 'In progress' }, sla: { withinMinutes: 480, escalateToRoles: ['property_manager'] } },
        done: { label: { zh: '待评价', en: 'Done, awaiting rating' } },
        closed: { label: { zh: '已完结', en: 'Closed' }, final: true },
        cancelled: { label: { zh: '已撤销', en: 'Cancelled' }, final: true },
      },
      transitions: {
        dispatch: {
          from: ['submitted'], to: 'assigned', label: { zh: '派单', en: 'Dispatch' }, permission: 'repairs:manage',
          guards: [({ record }) => (record.assignees.length > 0 ? null : 'assign someone first')],
          after: async ({ record, tx }) => {
            await notify(sc, { to: record.assignees, kind: 'repair.dispatched', link: recordLink(def, record.id),
              title: { zh: `新的维修工单：${record.title}（${record.objectName ?? ''}）`, en: `New repair work order: ${record.title} (${record.objectName ?? ''})` } }, tx);
          },
        },
        start: { from: ['assigned'], to: 'in_progress', label: { zh: '开始维修', en: 'Start work' }, permission: 'repairs:work', guards: [assigneeOnly] },
        finish: {
          from: ['in_progress'], to: 'done', label: { zh: '维修完成', en: 'Mark done' }, permission: 'repairs:work', guards: [assigneeOnly],
          after: async ({ record, tx }) => {
            if (!record.createdBy) return;
            await notify(sc, { to: [record.createdBy], kind: 'repair.done', link: recordLink(def, record.id),
              title: { zh: `您的报修已完成，请评价：${record.title}`, en: `Your repair is done, please rate it: ${record.title}` } }, tx);
          },
        },
        rate: {
          from: ['done'], to: 'closed', label: { zh: '评价并完结', en: 'Rate and close' }, permission: 'repairs:report', sets: ['rating', 'feedback'], requires: ['rating'],
          guards: [reporterOnly],
          // With the work-orders module: the verified work order made from this request closes with the rating.
          after: async ({ record, tx, principal }) => closeOrderOfRepair(sc, tx, record.id, Number(record.data.rating), record.data.feedback as string | undefined, principal),
        },
        rework: {
          from: ['done'], to: 'in_progress', label: { zh: '返修', en: 'Send back' }, permission: 'repairs:report', guards: [reporterOnly],
          after: async ({ record, tx }) => {
            await notify(sc, { to: record.assignees, kind: 'repair.rework', link: recordLink(def, record.id),
              title: { zh: `报修被退回返修：${record.title}`, en: `Repair sent back: ${record.title}` } }, tx);
          },
        },
        withdraw: { from: ['submitted', 'assigned'], to: 'cancelled', label: { zh: '撤销报修', en: 'Withdraw' }, permission: 'repairs:report', guards: [reporterOnly] },
        cancel: { from: ['submitted', 'assigned', 'in_progress'], to: 'cancelled', label: { zh: '作废', en: 'Cancel' }, permission: 'repairs:manage' },
      },
    },
    attachments: { maxBytes: 10 * 1024 * 1024, types: ['image/png', 'image/jpeg', 'image/webp', 'application/pdf'] },
    afterCreate: async (record, _p, tx) => {
      await notify(sc, { to: { roles: ['property_manager'] }, kind: 'repair.submitted', link: recordLink(def, record.id),
        title: { zh: `新报修：${record.title}（${record.objectName ?? ''}）`, en: `New repair request: ${record.title} (${record.objectName ?? ''})` } }, tx);
      // With the work-orders module: a work order for the crew of the category's trade, followed (and rated) by the reporter.
      if (workordersEnabled(sc) && record.objectIdx !== null) {
        await createWorkOrder(sc, {
          objectIdx: record.objectIdx, title: { zh: record.title, en: record.title }, source: 'repair', sourceRef: String(record.id),
          priority: record.data.urgency === 'urgent' ? 'urgent' : 'normal', trade: TRADE_OF_REPAIR[String(record.data.category)] ?? 'general',
          actor: record.createdBy ? { userId: record.createdBy } : null, enterpriseIdx: record.enterpriseIdx, autoDispatch: true,
          description: record.data.description as string | undefined,
        }, tx);
      }
    },
  });
  return def;
}
