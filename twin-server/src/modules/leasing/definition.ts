/**
 * The investment pipeline (issue 18, standard G1) as two records-kit entities: the prospect (a
 * company looking for space: contacts, source, industry and needs) and the opportunity (one deal
 * with a prospect through lead → visit → proposal → negotiation → signed / lost). A proposal holds
 * the units it offers (room.lease_status 'reserved', table leasing_hold); signing turns the held
 * units into active leases of the prospect's enterprise (created from its credit code when new),
 * in the transition's transaction; losing the deal releases the holds.
 */
import { z } from 'zod';
import type { ServerContext } from '../../context.ts';
import type { Queryable } from '../../db/index.ts';
import { defineEntity, recordLink, type EntityDef, type StoredRecord } from '../../kit/records/define.ts';
import { Refusal } from '../../kit/records/routes.ts';
import { notify } from '../../kit/notifications/service.ts';

/** Where prospects come from. */
export const SOURCES = {
  referral: { zh: '客户推荐', en: 'Referral' },
  website: { zh: '官网', en: 'Website' },
  event: { zh: '招商活动', en: 'Event' },
  agent: { zh: '中介', en: 'Agent' },
  cold_call: { zh: '主动拜访', en: 'Cold call' },
  government: { zh: '政府推介', en: 'Government' },
} as const;

/** The park's industries (enterprise.industry). */
export const INDUSTRY_LABELS = {
  ai: { zh: '人工智能', en: 'AI' },
  ic_design: { zh: '集成电路设计', en: 'IC design' },
  software: { zh: '软件', en: 'Software' },
  biomed: { zh: '生物医药', en: 'Biomedicine' },
  new_energy: { zh: '新能源', en: 'New energy' },
  smart_manufacturing: { zh: '智能制造', en: 'Smart manufacturing' },
  digital_media: { zh: '数字传媒', en: 'Digital media' },
  fintech: { zh: '金融科技', en: 'Fintech' },
  e_commerce: { zh: '电子商务', en: 'E-commerce' },
  services: { zh: '专业服务', en: 'Services' },
} as const;

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');

/** The prospect entity (`/api/leasing/prospects`). */
export function prospectEntity(): EntityDef {
  return defineEntity({
    entity: 'prospect', label: { zh: '意向客户', en: 'Prospect' }, path: 'leasing/prospects', uiPath: '/leasing/prospects',
    fields: {
      company: { label: { zh: '企业名称', en: 'Company' }, schema: z.string().trim().min(2).max(100) },
      contact: { label: { zh: '联系人', en: 'Contact person' }, schema: z.string().trim().min(1).max(50) },
      phone: { label: { zh: '联系电话', en: 'Phone' }, schema: z.string().trim().regex(/^[0-9+\- ]{5,20}$/, 'digits, +, - and spaces').optional() },
      source: { label: { zh: '来源', en: 'Source' }, schema: z.enum(Object.keys(SOURCES) as [keyof typeof SOURCES]), options: SOURCES },
      industry: { label: { zh: '行业', en: 'Industry' }, schema: z.enum(Object.keys(INDUSTRY_LABELS) as [keyof typeof INDUSTRY_LABELS]), options: INDUSTRY_LABELS },
      needArea: { label: { zh: '需求面积 (m²)', en: 'Area needed (m²)' }, schema: z.number().min(10).max(100000), input: 'number' },
      needFloor: { label: { zh: '楼层偏好', en: 'Preferred floors' }, schema: z.string().trim().max(40).optional() },
      budget: { label: { zh: '预算 (元/m²·月)', en: 'Budget (CNY/m²·month)' }, schema: z.number().min(0).max(10000).optional(), input: 'number' },
      moveIn: { label: { zh: '期望入驻日期', en: 'Move-in date' }, schema: date.optional(), input: 'date' },
      notes: { label: { zh: '备注', en: 'Notes' }, schema: z.string().trim().max(2000).optional(), input: 'textarea' },
    },
    titleField: 'company',
    columns: ['id', 'company', 'industry', 'source', 'needArea', 'moveIn', 'state', 'createdAt'],
    filters: ['industry', 'source'],
    search: ['company', 'contact', 'notes'],
    permissions: { read: 'leasing:read', create: 'leasing:write', write: 'leasing:write', assign: 'leasing:write' },
    // Scoped so that enterprise users (who hold leasing:read for their own leases) see no pipeline record:
    // pipeline records belong to no enterprise.
    enterpriseScoped: true,
    assignableRoles: ['investment'],
    workflow: {
      initial: 'active',
      states: {
        active: { label: { zh: '跟进中', en: 'Active' } },
        archived: { label: { zh: '已归档', en: 'Archived' }, final: true },
      },
      transitions: {
        archive: { from: ['active'], to: 'archived', label: { zh: '归档', en: 'Archive' }, permission: 'leasing:write' },
      },
    },
  });
}

/** The pipeline stages in order (the funnel's rows). */
export const STAGES = ['lead', 'visit', 'proposal', 'negotiation', 'signed'] as const;

/** Units held by an opportunity. */
export async function heldUnits(q: Queryable, opportunityId: number): Promise<number[]> {
  return (await q.query<{ room_idx: number }>('SELECT room_idx FROM leasing_hold WHERE opportunity_id = $1 ORDER BY room_idx', [opportunityId])).rows.map((r) => r.room_idx);
}

/**
 * Holds `units` for the opportunity: each must be a vacant leasable unit (or already held by this
 * opportunity); otherwise a 409 naming the unit, and nothing changes (the transition rolls back).
 */
export async function holdUnits(q: Queryable, opportunityId: number, units: readonly number[]): Promise<void> {
  const rows = (await q.query<{ idx: number; code: string; lease_status: string; holder: number | null }>(
    `SELECT r.idx, r.code, r.lease_status, h.opportunity_id AS holder FROM room r LEFT JOIN leasing_hold h ON h.room_idx = r.idx
     WHERE r.idx = ANY($1::int[]) AND r.leasable FOR UPDATE OF r`, [units])).rows;
  for (const u of units) {
    const r = rows.find((x) => x.idx === u);
    if (!r) throw new Refusal(409, `unit ${u} is not a leasable unit`, 'failure');
    if (r.holder === opportunityId) continue;
    if (r.lease_status !== 'vacant' || r.holder !== null) throw new Refusal(409, `unit ${r.code} (${u}) is not vacant (${r.holder !== null ? `held by opportunity ${r.holder}` : r.lease_status})`, 'failure');
  }
  await releaseUnits(q, opportunityId, units);
  // Units this opportunity holds already keep their hold (and its time): adding a unit to a
  // proposal inserts only the new ones.
  const already = new Set(rows.filter((r) => r.holder === opportunityId).map((r) => r.idx));
  for (const u of units) if (!already.has(u)) await q.query('INSERT INTO leasing_hold (room_idx, opportunity_id) VALUES ($1, $2)', [u, opportunityId]);
  await q.query(`UPDATE room SET lease_status = 'reserved' WHERE idx = ANY($1::int[]) AND lease_status = 'vacant'`, [units]);
}

/** Releases the opportunity's holds (except `keep`): the units turn vacant again. */
export async function releaseUnits(q: Queryable, opportunityId: number, keep: readonly number[] = []): Promise<number[]> {
  const gone = (await q.query<{ room_idx: number }>('DELETE FROM leasing_hold WHERE opportunity_id = $1 AND NOT (room_idx = ANY($2::int[])) RETURNING room_idx', [opportunityId, keep])).rows.map((r) => r.room_idx);
  if (gone.length > 0) await q.query(`UPDATE room SET lease_status = 'vacant' WHERE idx = ANY($1::int[]) AND lease_status = 'reserved'`, [gone]);
  return gone;
}

/** The prospect record of an opportunity (by its `prospectId`). */
async function prospectOf(q: Queryable, record: StoredRecord): Promise<{ id: number; company: string; industry: string } | null> {
  const r = (await q.query<{ id: number; data: Record<string, unknown> }>(`SELECT id, data FROM kit_record WHERE entity = 'prospect' AND id = $1`, [record.data.prospectId])).rows[0];
  return r ? { id: r.id, company: String(r.data.company), industry: String(r.data.industry) } : null;
}

/**
 * Signs the opportunity: finds the enterprise with the credit code or creates it from the
 * prospect, and gives it an active lease on every held unit (room turns `leased`). Runs inside
 * the transition's transaction; any failure rolls the whole signing back.
 */
export async function signLeases(q: Queryable, record: StoredRecord): Promise<{ enterpriseIdx: number; leases: number[] }> {
  const units = await heldUnits(q, record.id);
  if (units.length === 0) throw new Refusal(409, 'the proposal holds no units: propose units first', 'failure');
  const prospect = await prospectOf(q, record);
  if (!prospect) throw new Refusal(409, `prospect ${String(record.data.prospectId)} does not exist`, 'failure');
  const code = String(record.data.creditCode);
  let ent = (await q.query<{ idx: number }>('SELECT idx FROM enterprise WHERE credit_code = $1', [code])).rows[0]?.idx;
  if (ent === undefined) {
    const parkIdx = (await q.query<{ park_idx: number }>('SELECT b.park_idx FROM room r JOIN building b ON b.idx = r.building_idx WHERE r.idx = $1', [units[0]])).rows[0]?.park_idx ?? null;
    if (parkIdx === null) throw new Refusal(409, 'the held unit belongs to no park', 'failure');
    ent = (await q.query<{ idx: number }>(`INSERT INTO twin_object (kind, name) VALUES ('enterprise', $1) RETURNING idx`, [prospect.company])).rows[0]!.idx;
    await q.query(`INSERT INTO enterprise (idx, park_idx, credit_code, industry, registered_capital, staff) VALUES ($1, $2, $3, $4, 0, 0)`,
      [ent, parkIdx, code, prospect.industry]);
  }
  const start = String(record.data.leaseStart);
  const years = Number(record.data.leaseYears ?? 3);
  const leases: number[] = [];
  for (const u of units) {
    const r = await q.query<{ id: number }>(
      `INSERT INTO lease (room_idx, enterprise_idx, start_date, end_date, rent, status)
       SELECT r.idx, $2, $3::date, ($3::date + make_interval(years => $4::int))::date, COALESCE($5::numeric, r.rent), 'active'
       FROM room r WHERE r.idx = $1 AND NOT EXISTS (SELECT 1 FROM lease l WHERE l.room_idx = r.idx AND l.status = 'active') RETURNING id`,
      [u, ent, start, years, record.data.rent ?? null]);
    if (r.rows.length === 0) throw new Refusal(409, `unit ${u} already has an active lease`, 'failure');
    leases.push(r.rows[0]!.id);
  }
  await q.query(`UPDATE room SET lease_status = 'leased' WHERE idx = ANY($1::int[])`, [units]);
  await q.query('DELETE FROM leasing_hold WHERE opportunity_id = $1', [record.id]);
  return { enterpriseIdx: ent, leases };
}

/** What the module tells the twin when units change state (pushed on the stream after commit). */
export type UnitsChanged = (units: readonly number[], status: string) => void;

/** The opportunity entity (`/api/leasing/opportunities`). */
export function opportunityEntity(sc: ServerContext, changed: UnitsChanged): EntityDef {
  const def: EntityDef = defineEntity({
    entity: 'opportunity', label: { zh: '商机', en: 'Opportunity' }, path: 'leasing/opportunities', uiPath: '/leasing',
    fields: {
      title: { label: { zh: '商机名称', en: 'Title' }, schema: z.string().trim().min(2).max(100) },
      prospectId: { label: { zh: '意向客户编号', en: 'Prospect no.' }, schema: z.number().int().positive(), input: 'number', editable: false },
      area: { label: { zh: '意向面积 (m²)', en: 'Area (m²)' }, schema: z.number().min(0).max(100000), input: 'number' },
      remindAt: { label: { zh: '下次跟进日期', en: 'Next follow-up' }, schema: date.optional(), input: 'date' },
      units: { label: { zh: '方案房源', en: 'Proposed units' }, schema: z.array(z.number().int().positive()).min(1).max(20), onCreate: false, editable: false },
      creditCode: { label: { zh: '统一社会信用代码', en: 'Credit code' }, schema: z.string().trim().toUpperCase().regex(/^[0-9A-Z]{18}$/, '18 digits or capital letters'), onCreate: false, editable: false },
      leaseStart: { label: { zh: '起租日期', en: 'Lease start' }, schema: date, onCreate: false, editable: false, input: 'date' },
      leaseYears: { label: { zh: '租期 (年)', en: 'Term (years)' }, schema: z.number().int().min(1).max(10), onCreate: false, editable: false, input: 'number' },
      lostReason: { label: { zh: '流失原因', en: 'Reason lost' }, schema: z.string().trim().max(500).optional(), onCreate: false, editable: false, input: 'textarea' },
    },
    titleField: 'title',
    columns: ['id', 'title', 'area', 'state', 'assignees', 'remindAt', 'updatedAt'],
    filters: ['prospectId'],
    search: ['title'],
    permissions: { read: 'leasing:read', create: 'leasing:write', write: 'leasing:write', assign: 'leasing:write' },
    // Scoped so that enterprise users (who hold leasing:read for their own leases) see no pipeline record:
    // pipeline records belong to no enterprise.
    enterpriseScoped: true,
    assignableRoles: ['investment'],
    workflow: {
      initial: 'lead',
      states: {
        lead: { label: { zh: '线索', en: 'Lead' } },
        visit: { label: { zh: '带看', en: 'Visit' } },
        proposal: { label: { zh: '方案', en: 'Proposal' } },
        negotiation: { label: { zh: '谈判', en: 'Negotiation' } },
        signed: { label: { zh: '已签约', en: 'Signed' }, final: true },
        lost: { label: { zh: '已流失', en: 'Lost' }, final: true },
      },
      transitions: {
        visit: { from: ['lead'], to: 'visit', label: { zh: '记录带看', en: 'Log a visit' }, permission: 'leasing:write' },
        propose: {
          from: ['visit', 'proposal'], to: 'proposal', label: { zh: '提交方案（预留房源）', en: 'Propose (hold units)' }, permission: 'leasing:write',
          sets: ['units'], requires: ['units'],
          after: async ({ record, tx }) => {
            const units = record.data.units as number[];
            const before = await heldUnits(tx, record.id);
            await holdUnits(tx, record.id, units);
            const released = before.filter((u) => !units.includes(u));
            changed(units, 'reserved');
            if (released.length > 0) changed(released, 'vacant');
          },
        },
        negotiate: { from: ['proposal'], to: 'negotiation', label: { zh: '进入谈判', en: 'Negotiate' }, permission: 'leasing:write' },
        sign: {
          from: ['negotiation'], to: 'signed', label: { zh: '签约', en: 'Sign' }, permission: 'leasing:write',
          sets: ['creditCode', 'leaseStart', 'leaseYears'], requires: ['creditCode', 'leaseStart'],
          after: async ({ record, tx }) => {
            const units = await heldUnits(tx, record.id);
            const r = await signLeases(tx, record);
            await tx.query(`UPDATE kit_record SET data = data || $2::jsonb WHERE id = $1`, [record.id, JSON.stringify({ enterpriseIdx: r.enterpriseIdx, leaseIds: r.leases, units })]);
            changed(units, 'leased');
            await notify(sc, { to: { roles: ['investment'] }, kind: 'leasing.signed', link: recordLink(def, record.id),
              title: { zh: `已签约：${record.title}（${units.length} 个房源）`, en: `Signed: ${record.title} (${units.length} units)` } }, tx);
          },
        },
        lose: {
          from: ['lead', 'visit', 'proposal', 'negotiation'], to: 'lost', label: { zh: '标记流失', en: 'Mark lost' }, permission: 'leasing:write',
          sets: ['lostReason'],
          after: async ({ record, tx }) => {
            const gone = await releaseUnits(tx, record.id);
            if (gone.length > 0) changed(gone, 'vacant');
          },
        },
      },
    },
    afterCreate: async (record, _p, tx) => {
      const p = await tx.query(`SELECT 1 FROM kit_record WHERE entity = 'prospect' AND id = $1 AND state = 'active'`, [record.data.prospectId]);
      if (p.rows.length === 0) throw new Refusal(409, `no active prospect ${String(record.data.prospectId)}`, 'failure');
    },
  });
  return def;
}
