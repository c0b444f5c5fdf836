/**
 * The renovation application (issue 19, P2 service centre) as a records-kit entity: a tenant
 * applies to renovate a room (scope, contractor, dates); property management approves it and sets
 * the deposit (or rejects it), records the deposit as paid; the tenant starts the works and asks
 * for the on-site inspection; an inspector passes it (or sends it back to rectify); management
 * refunds the deposit and it closes. Every step notifies the next party; SLAs escalate to the
 * property managers.
 */
import { z } from 'zod';
import type { ServerContext } from '../../context.ts';
import { defineEntity, recordLink, type EntityDef, type GuardInput } from '../../kit/records/define.ts';
import { notify } from '../../kit/notifications/service.ts';

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');
const applicantOnly = ({ record, principal }: GuardInput) => (record.createdBy === principal.id ? null : 'only the applicant may do this');

/** The entity definition; `sc` lets transition hooks raise notifications. */
export function renovationEntity(sc: ServerContext): EntityDef {
  const tell = (to: Parameters<typeof notify>[1]['to'], kind: string, id: number, zh: string, en: string) =>
    async (tx: Parameters<typeof notify>[2]): Promise<void> => {
      await notify(sc, { to, kind, link: recordLink(def, id), title: { zh, en } }, tx);
    };
  const def: EntityDef = defineEntity({
    entity: 'renovation', label: { zh: '装修申请', en: 'Renovation application' }, path: 'renovations', uiPath: '/service/renovations',
    fields: {
      title: { label: { zh: '装修事项', en: 'Works' }, schema: z.string().trim().min(2).max(100) },
      scope: { label: { zh: '装修范围与内容', en: 'Scope' }, schema: z.string().trim().min(2).max(2000), input: 'textarea' },
      contractor: { label: { zh: '施工单位', en: 'Contractor' }, schema: z.string().trim().min(2).max(100) },
      contractorPhone: { label: { zh: '施工方电话', en: 'Contractor phone' }, schema: z.string().trim().regex(/^[0-9+\- ]{6,20}$/, 'a phone number') },
      startDate: { label: { zh: '计划开工日期', en: 'Planned start' }, schema: date, input: 'date' },
      endDate: { label: { zh: '计划完工日期', en: 'Planned end' }, schema: date, input: 'date' },
      depositYuan: { label: { zh: '装修押金（元）', en: 'Deposit (yuan)' }, schema: z.number().int().min(0).max(1_000_000), onCreate: false, editable: false },
      inspectionNote: { label: { zh: '验收意见', en: 'Inspection notes' }, schema: z.string().trim().max(1000).optional(), onCreate: false, editable: false, input: 'textarea' },
    },
    titleField: 'title',
    columns: ['id', 'title', 'contractor', 'startDate', 'endDate', 'object', 'state', 'dueAt', 'createdBy', 'createdAt'],
    filters: [],
    search: ['title', 'scope', 'contractor'],
    objectKinds: ['room'],
    permissions: { read: 'renovation:read', create: 'renovation:apply', write: 'renovation:manage', assign: 'renovation:manage', comment: 'renovation:read' },
    enterpriseScoped: true,
    assignableRoles: ['maintenance', 'property_manager'],
    workflow: {
      initial: 'submitted',
      states: {
        submitted: { label: { zh: '待审批', en: 'Submitted' }, sla: { withinMinutes: 2 * 24 * 60, escalateToRoles: ['property_manager'] } },
        approved: { label: { zh: '已批准，待交押金', en: 'Approved, deposit due' } },
        deposit_paid: { label: { zh: '押金已交，待开工', en: 'Deposit paid' } },
        in_progress: { label: { zh: '施工中', en: 'Works in progress' } },
        inspection: { label: { zh: '待验收', en: 'Awaiting inspection' }, sla: { withinMinutes: 24 * 60, escalateToRoles: ['property_manager'] } },
        completed: { label: { zh: '验收通过，待退押金', en: 'Passed, deposit to refund' }, sla: { withinMinutes: 7 * 24 * 60, escalateToRoles: ['property_manager'] } },
        closed: { label: { zh: '已完结', en: 'Closed' }, final: true },
        rejected: { label: { zh: '未批准', en: 'Rejected' }, final: true },
        withdrawn: { label: { zh: '已撤回', en: 'Withdrawn' }, final: true },
      },
      transitions: {
        approve: {
          from: ['submitted'], to: 'approved', label: { zh: '批准', en: 'Approve' }, permission: 'renovation:manage', sets: ['depositYuan'], requires: ['depositYuan'],
          after: ({ record, tx }) => record.createdBy ? tell([record.createdBy], 'renovation.approved', record.id, `装修申请已批准，请缴纳押金：${record.title}`, `Renovation approved, please pay the deposit: ${record.title}`)(tx) : Promise.resolve(),
        },
        reject: {
          from: ['submitted'], to: 'rejected', label: { zh: '不批准', en: 'Reject' }, permission: 'renovation:manage',
          after: ({ record, tx }) => record.createdBy ? tell([record.createdBy], 'renovation.rejected', record.id, `装修申请未获批准：${record.title}`, `Renovation not approved: ${record.title}`)(tx) : Promise.resolve(),
        },
        pay_deposit: { from: ['approved'], to: 'deposit_paid', label: { zh: '确认押金已交', en: 'Deposit received' }, permission: 'renovation:manage' },
        start: { from: ['deposit_paid'], to: 'in_progress', label: { zh: '开工', en: 'Start works' }, permission: 'renovation:apply', guards: [applicantOnly] },
        request_inspection: {
          from: ['in_progress'], to: 'inspection', label: { zh: '申请验收', en: 'Ask for inspection' }, permission: 'renovation:apply', guards: [applicantOnly],
          after: ({ record, tx }) => tell(record.assignees.length ? record.assignees : { roles: ['property_manager'] }, 'renovation.inspection', record.id,
            `装修待现场验收：${record.title}（${record.objectName ?? ''}）`, `Renovation to inspect on site: ${record.title} (${record.objectName ?? ''})`)(tx),
        },
        pass: {
          from: ['inspection'], to: 'completed', label: { zh: '验收通过', en: 'Pass' }, permission: 'renovation:inspect', sets: ['inspectionNote'],
          after: ({ record, tx }) => tell({ roles: ['property_manager'] }, 'renovation.passed', record.id, `装修验收通过，请退还押金：${record.title}`, `Renovation passed, refund the deposit: ${record.title}`)(tx),
        },
        rectify: {
          from: ['inspection'], to: 'in_progress', label: { zh: '验收不通过，整改', en: 'Fail, rectify' }, permission: 'renovation:inspect', sets: ['inspectionNote'], requires: ['inspectionNote'],
          after: ({ record, tx }) => record.createdBy ? tell([record.createdBy], 'renovation.rectify', record.id, `装修验收未通过，请整改：${record.title}`, `Renovation failed inspection, please rectify: ${record.title}`)(tx) : Promise.resolve(),
        },
        refund_deposit: {
          from: ['completed'], to: 'closed', label: { zh: '退还押金并完结', en: 'Refund deposit and close' }, permission: 'renovation:manage',
          after: ({ record, tx }) => record.createdBy ? tell([record.createdBy], 'renovation.closed', record.id, `装修押金已退还：${record.title}`, `Renovation deposit refunded: ${record.title}`)(tx) : Promise.resolve(),
        },
        withdraw: { from: ['submitted', 'approved'], to: 'withdrawn', label: { zh: '撤回申请', en: 'Withdraw' }, permission: 'renovation:apply', guards: [applicantOnly] },
      },
    },
    attachments: { maxBytes: 10 * 1024 * 1024, types: ['image/png', 'image/jpeg', 'image/webp', 'application/pdf'] },
    afterCreate: async (record, _p, tx) => {
      await notify(sc, { to: { roles: ['property_manager'] }, kind: 'renovation.submitted', link: recordLink(def, record.id),
        title: { zh: `新装修申请：${record.title}（${record.objectName ?? ''}）`, en: `New renovation application: ${record.title} (${record.objectName ?? ''})` } }, tx);
    },
  });
  return def;
}
