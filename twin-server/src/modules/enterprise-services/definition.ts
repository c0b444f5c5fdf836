/**
 * One-stop enterprise services (issue 19, P2 service centre) as two records-kit entities:
 *
 * - the move-in application (入驻申请): a company applies for a unit (a room of the twin) with
 *   a document checklist; enterprise-service staff check the documents (the first approval step
 *   refuses while a document is missing, naming it), park management approves (second step),
 *   staff record the move-in; returned applications go back to the applicant with the reason;
 * - the service request (企业服务): technical, talent, finance, public or digitalization
 *   services, routed at creation to the responsible department or provider (written into the
 *   record, its staff notified), accepted, worked on and resolved by the provider, confirmed and
 *   rated by the requester, who follows it in their list and notifications.
 */
import { z } from 'zod';
import type { ServerContext } from '../../context.ts';
import { defineEntity, recordLink, type EntityDef, type GuardInput } from '../../kit/records/define.ts';
import { notify } from '../../kit/notifications/service.ts';
import type { Queryable } from '../../db/index.ts';

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');
const applicantOnly = ({ record, principal }: GuardInput) => (record.createdBy === principal.id ? null : 'only the applicant may do this');
const assigned = ({ record }: GuardInput) => (record.assignees.length > 0 ? null : 'assign someone from the department first');

/** The documents a move-in application needs, in checklist order. */
export const MOVEIN_DOCS: Readonly<Record<string, { zh: string; en: string }>> = {
  docLicense: { zh: '营业执照副本', en: 'Business licence copy' },
  docLegalId: { zh: '法定代表人身份证明', en: 'Legal representative ID' },
  docArticles: { zh: '公司章程', en: 'Articles of association' },
  docLeaseIntent: { zh: '租赁意向书', en: 'Letter of intent to lease' },
  docSafety: { zh: '安全环保承诺书', en: 'Safety and environment pledge' },
};

/** Service categories and the department or provider each is routed to. */
export const SERVICE_ROUTES: Readonly<Record<string, { label: { zh: string; en: string }; department: { zh: string; en: string } }>> = {
  technical: { label: { zh: '科技服务', en: 'Technology' }, department: { zh: '科技服务中心', en: 'Technology service centre' } },
  talent: { label: { zh: '人才服务', en: 'Talent' }, department: { zh: '人才服务中心', en: 'Talent service centre' } },
  finance: { label: { zh: '金融服务', en: 'Finance' }, department: { zh: '园区合作银行（金融服务站）', en: 'Partner bank (finance desk)' } },
  public: { label: { zh: '公共服务', en: 'Public services' }, department: { zh: '公共服务中心', en: 'Public service centre' } },
  digitalization: { label: { zh: '数字化服务', en: 'Digitalization' }, department: { zh: '数字化转型服务商', en: 'Digitalization provider' } },
};

const tell = (sc: ServerContext, def: () => EntityDef) => (to: Parameters<typeof notify>[1]['to'], kind: string, id: number, zh: string, en: string) =>
  async (tx: Queryable): Promise<void> => {
    await notify(sc, { to, kind, link: recordLink(def(), id), title: { zh, en } }, tx);
  };

/** The move-in application. */
export function moveInEntity(sc: ServerContext): EntityDef {
  const t = tell(sc, () => def);
  const missing = ({ record }: GuardInput) => {
    const lack = Object.entries(MOVEIN_DOCS).filter(([k]) => record.data[k] !== true).map(([, v]) => v.zh);
    return lack.length ? `材料不齐 (documents missing): ${lack.join('、')}` : null;
  };
  const def: EntityDef = defineEntity({
    entity: 'movein', label: { zh: '入驻申请', en: 'Move-in application' }, path: 'move-ins', uiPath: '/service/move-ins',
    fields: {
      company: { label: { zh: '企业名称', en: 'Company' }, schema: z.string().trim().min(2).max(100) },
      creditCode: { label: { zh: '统一社会信用代码', en: 'Credit code' }, schema: z.string().trim().regex(/^[0-9A-HJ-NPQRTUWXY]{18}$/, '18 characters') },
      contact: { label: { zh: '联系人', en: 'Contact' }, schema: z.string().trim().min(1).max(50) },
      phone: { label: { zh: '联系电话', en: 'Phone' }, schema: z.string().trim().regex(/^[0-9+\- ]{6,20}$/, 'a phone number') },
      moveInDate: { label: { zh: '计划入驻日期', en: 'Planned move-in' }, schema: date, input: 'date' },
      ...Object.fromEntries(Object.entries(MOVEIN_DOCS).map(([k, v]) => [k, { label: v, schema: z.boolean().optional(), input: 'checkbox' as const }])),
      reviewNote: { label: { zh: '审核意见', en: 'Review notes' }, schema: z.string().trim().max(500).optional(), onCreate: false, editable: false, input: 'textarea' },
    },
    titleField: 'company',
    columns: ['id', 'company', 'contact', 'moveInDate', 'object', 'state', 'dueAt', 'createdBy', 'createdAt'],
    filters: [],
    search: ['company', 'contact', 'creditCode'],
    objectKinds: ['room'],
    permissions: { read: 'enterprise-services:read', create: 'enterprise-services:apply', write: 'enterprise-services:review', assign: 'enterprise-services:review' },
    // Filed by enterprise-service staff for a vacant unit on behalf of a company not yet in the park
    // (an enterprise user may only file on its own enterprise's rooms: 403 elsewhere).
    enterpriseScoped: true,
    assignableRoles: ['investment'],
    workflow: {
      initial: 'submitted',
      states: {
        submitted: { label: { zh: '待资料审核', en: 'Documents to check' }, sla: { withinMinutes: 2 * 24 * 60, escalateToRoles: ['investment'] } },
        returned: { label: { zh: '退回补充材料', en: 'Returned for documents' } },
        checked: { label: { zh: '资料齐全，待园区审批', en: 'Documents complete, awaiting approval' }, sla: { withinMinutes: 3 * 24 * 60, escalateToRoles: ['property_manager'] } },
        approved: { label: { zh: '已批准，待办理入驻', en: 'Approved, move-in pending' } },
        moved_in: { label: { zh: '已入驻', en: 'Moved in' }, final: true },
        rejected: { label: { zh: '未批准', en: 'Rejected' }, final: true },
        withdrawn: { label: { zh: '已撤回', en: 'Withdrawn' }, final: true },
      },
      transitions: {
        check_docs: {
          from: ['submitted'], to: 'checked', label: { zh: '资料审核通过', en: 'Documents complete' }, permission: 'enterprise-services:review', guards: [missing],
          after: ({ record, tx }) => t({ roles: ['property_manager'] }, 'movein.checked', record.id, `入驻申请待审批：${String(record.data.company)}`, `Move-in application to approve: ${String(record.data.company)}`)(tx),
        },
        return_docs: {
          from: ['submitted', 'checked'], to: 'returned', label: { zh: '退回补充材料', en: 'Return for documents' }, permission: 'enterprise-services:review', sets: ['reviewNote'], requires: ['reviewNote'],
          after: ({ record, tx }) => record.createdBy ? t([record.createdBy], 'movein.returned', record.id, `入驻申请需补充材料：${String(record.data.company)}`, `Move-in application returned for documents: ${String(record.data.company)}`)(tx) : Promise.resolve(),
        },
        resubmit: { from: ['returned'], to: 'submitted', label: { zh: '重新提交', en: 'Resubmit' }, permission: 'enterprise-services:apply', guards: [applicantOnly] },
        approve: {
          from: ['checked'], to: 'approved', label: { zh: '园区审批通过', en: 'Approve' }, permission: 'enterprise-services:approve', sets: ['reviewNote'],
          after: ({ record, tx }) => record.createdBy ? t([record.createdBy], 'movein.approved', record.id, `入驻申请已批准：${String(record.data.company)}`, `Move-in application approved: ${String(record.data.company)}`)(tx) : Promise.resolve(),
        },
        reject: {
          from: ['checked'], to: 'rejected', label: { zh: '不批准', en: 'Reject' }, permission: 'enterprise-services:approve', sets: ['reviewNote'], requires: ['reviewNote'],
          after: ({ record, tx }) => record.createdBy ? t([record.createdBy], 'movein.rejected', record.id, `入驻申请未获批准：${String(record.data.company)}`, `Move-in application rejected: ${String(record.data.company)}`)(tx) : Promise.resolve(),
        },
        move_in: {
          from: ['approved'], to: 'moved_in', label: { zh: '办理入驻', en: 'Record move-in' }, permission: 'enterprise-services:review',
          after: ({ record, tx }) => record.createdBy ? t([record.createdBy], 'movein.done', record.id, `欢迎入驻：${String(record.data.company)}`, `Welcome to the park: ${String(record.data.company)}`)(tx) : Promise.resolve(),
        },
        withdraw: { from: ['submitted', 'returned'], to: 'withdrawn', label: { zh: '撤回申请', en: 'Withdraw' }, permission: 'enterprise-services:apply', guards: [applicantOnly] },
      },
    },
    attachments: { maxBytes: 10 * 1024 * 1024, types: ['image/png', 'image/jpeg', 'image/webp', 'application/pdf'] },
    afterCreate: async (record, _p, tx) => {
      await t({ roles: ['investment'] }, 'movein.submitted', record.id, `新入驻申请：${String(record.data.company)}（${record.objectName ?? ''}）`,
        `New move-in application: ${String(record.data.company)} (${record.objectName ?? ''})`)(tx);
    },
  });
  return def;
}

/** The enterprise service request. */
export function serviceRequestEntity(sc: ServerContext): EntityDef {
  const t = tell(sc, () => def);
  const def: EntityDef = defineEntity({
    entity: 'service_request', label: { zh: '企业服务', en: 'Enterprise service' }, path: 'service-requests', uiPath: '/service/enterprise',
    fields: {
      title: { label: { zh: '需求概述', en: 'Request' }, schema: z.string().trim().min(2).max(100) },
      category: {
        label: { zh: '服务类别', en: 'Category' }, schema: z.enum(Object.keys(SERVICE_ROUTES) as [string, ...string[]]),
        options: Object.fromEntries(Object.entries(SERVICE_ROUTES).map(([k, v]) => [k, v.label])),
      },
      description: { label: { zh: '详细说明', en: 'Details' }, schema: z.string().trim().max(2000).optional(), input: 'textarea' },
      department: { label: { zh: '承办部门/服务商', en: 'Department or provider' }, schema: z.string().max(100).optional(), onCreate: false, editable: false },
      resolution: { label: { zh: '办理结果', en: 'Resolution' }, schema: z.string().trim().max(1000).optional(), onCreate: false, editable: false, input: 'textarea' },
      rating: { label: { zh: '评分', en: 'Rating' }, schema: z.number().int().min(1).max(5), onCreate: false, editable: false, input: 'select',
        options: { 1: { zh: '1 星', en: '1 star' }, 2: { zh: '2 星', en: '2 stars' }, 3: { zh: '3 星', en: '3 stars' }, 4: { zh: '4 星', en: '4 stars' }, 5: { zh: '5 星', en: '5 stars' } } },
    },
    titleField: 'title',
    columns: ['id', 'title', 'category', 'department', 'object', 'state', 'dueAt', 'createdBy', 'createdAt'],
    filters: ['category'],
    search: ['title', 'description'],
    objectKinds: ['room', 'enterprise'],
    permissions: { read: 'enterprise-services:read', create: 'enterprise-services:apply', write: 'enterprise-services:review', assign: 'enterprise-services:review' },
    enterpriseScoped: true,
    assignableRoles: ['investment'],
    workflow: {
      initial: 'routed',
      states: {
        routed: { label: { zh: '已分派至承办部门', en: 'Routed to the department' }, sla: { withinMinutes: 24 * 60, escalateToRoles: ['investment'] } },
        accepted: { label: { zh: '已受理', en: 'Accepted' } },
        in_progress: { label: { zh: '办理中', en: 'In progress' } },
        resolved: { label: { zh: '已办结，待确认', en: 'Resolved, to confirm' } },
        closed: { label: { zh: '已完结', en: 'Closed' }, final: true },
        cancelled: { label: { zh: '已撤销', en: 'Cancelled' }, final: true },
      },
      transitions: {
        accept: {
          from: ['routed'], to: 'accepted', label: { zh: '受理', en: 'Accept' }, permission: 'enterprise-services:review', guards: [assigned],
          after: ({ record, tx }) => record.createdBy ? t([record.createdBy], 'service.accepted', record.id, `您的服务需求已受理：${record.title}`, `Your service request was accepted: ${record.title}`)(tx) : Promise.resolve(),
        },
        start: { from: ['accepted'], to: 'in_progress', label: { zh: '开始办理', en: 'Start' }, permission: 'enterprise-services:review' },
        resolve: {
          from: ['accepted', 'in_progress'], to: 'resolved', label: { zh: '办结', en: 'Resolve' }, permission: 'enterprise-services:review', sets: ['resolution'], requires: ['resolution'],
          after: ({ record, tx }) => record.createdBy ? t([record.createdBy], 'service.resolved', record.id, `您的服务需求已办结，请确认并评价：${record.title}`, `Your service request is resolved, please confirm and rate: ${record.title}`)(tx) : Promise.resolve(),
        },
        reopen: { from: ['resolved'], to: 'in_progress', label: { zh: '未解决，退回', en: 'Not solved, reopen' }, permission: 'enterprise-services:apply', guards: [applicantOnly] },
        confirm: { from: ['resolved'], to: 'closed', label: { zh: '确认并评价', en: 'Confirm and rate' }, permission: 'enterprise-services:apply', sets: ['rating'], requires: ['rating'], guards: [applicantOnly] },
        cancel: { from: ['routed', 'accepted'], to: 'cancelled', label: { zh: '撤销', en: 'Cancel' }, permission: 'enterprise-services:apply', guards: [applicantOnly] },
      },
    },
    attachments: { maxBytes: 10 * 1024 * 1024, types: ['image/png', 'image/jpeg', 'image/webp', 'application/pdf'] },
    afterCreate: async (record, _p, tx) => {
      // Routing: the category's department or provider is written into the record and its staff are told.
      const route = SERVICE_ROUTES[String(record.data.category)]!;
      await tx.query(`UPDATE kit_record SET data = data || jsonb_build_object('department', $2::text) WHERE id = $1`, [record.id, route.department.zh]);
      await t({ roles: ['investment'] }, 'service.routed', record.id, `【${route.department.zh}】新服务需求：${record.title}`, `[${route.department.en}] New service request: ${record.title}`)(tx);
    },
  });
  return def;
}
