/**
 * Sample move-in applications (on vacant units, from companies not yet in the park) and service
 * requests (on leased rooms, by their tenants, one per category, in every state) for the first
 * start. Deterministic (rooms in idx order, fixed texts, times relative to the start);
 * idempotent (nothing when the park has any of them).
 */
import type { ServerContext } from '../../context.ts';
import type { Queryable } from '../../db/index.ts';
import { dueAt, searchText } from '../../kit/records/store.ts';
import type { EntityDef } from '../../kit/records/define.ts';
import { MOVEIN_DOCS, SERVICE_ROUTES } from './definition.ts';

const ALL_DOCS = Object.fromEntries(Object.keys(MOVEIN_DOCS).map((k) => [k, true]));
const MOVEINS: readonly { company: string; creditCode: string; contact: string; path: readonly string[]; daysAgo: number; docs: Record<string, boolean>; note?: string }[] = [
  { company: '星河智能科技有限公司', creditCode: '91310115MA1K4A0B1C', contact: '周明', path: [], daysAgo: 1, docs: { ...ALL_DOCS, docSafety: false } },
  { company: '云帆生物医药有限公司', creditCode: '91310115MA1K4A0B2D', contact: '吴敏', path: ['check_docs'], daysAgo: 3, docs: ALL_DOCS },
  { company: '数衡信息技术有限公司', creditCode: '91310115MA1K4A0B3E', contact: '郑涛', path: ['check_docs', 'approve'], daysAgo: 8, docs: ALL_DOCS, note: '符合园区产业定位。' },
  { company: '绿源新材料有限公司', creditCode: '91310115MA1K4A0B4F', contact: '孙丽', path: ['return_docs'], daysAgo: 5, docs: { ...ALL_DOCS, docArticles: false }, note: '请补充公司章程。' },
  { company: '启明机器人有限公司', creditCode: '91310115MA1K4A0B5G', contact: '钱坤', path: ['check_docs', 'approve', 'move_in'], daysAgo: 30, docs: ALL_DOCS, note: '同意入驻。' },
];
const SERVICES: readonly { title: string; category: keyof typeof SERVICE_ROUTES; description: string; path: readonly string[]; hoursAgo: number; resolution?: string }[] = [
  { title: '申报高新技术企业认定', category: 'technical', description: '希望园区协助梳理知识产权与研发费用材料。', path: [], hoursAgo: 3 },
  { title: '招聘 5 名嵌入式工程师', category: 'talent', description: '需要对接高校就业中心与人才公寓。', path: ['accept'], hoursAgo: 20 },
  { title: '科技贷款 300 万元', category: 'finance', description: '用于新产线设备采购。', path: ['accept', 'start'], hoursAgo: 50 },
  { title: '办理员工集体户口', category: 'public', description: '', path: ['accept', 'start', 'resolve'], hoursAgo: 80, resolution: '已协助提交至属地派出所，材料齐全。' },
  { title: '生产管理系统上云评估', category: 'digitalization', description: '评估 MES 上云方案与补贴政策。', path: ['accept', 'start', 'resolve', 'confirm'], hoursAgo: 200, resolution: '已提供评估报告并申报数字化补贴。' },
];

async function insert(tx: Queryable, def: EntityDef, v: { path: readonly string[]; object: number; ent: number | null; by: string; created: Date; stepMs: number; data: Record<string, unknown>; assignees: string[] }): Promise<void> {
  let state = def.workflow.initial;
  const steps: { name: string; from: string; to: string; at: Date }[] = [];
  v.path.forEach((name, k) => {
    const to = def.workflow.transitions[name]!.to;
    steps.push({ name, from: state, to, at: new Date(v.created.getTime() + (k + 1) * v.stepMs) });
    state = to;
  });
  const since = steps.at(-1)?.at ?? v.created;
  const title = String(v.data[def.titleField]);
  const r = await tx.query<{ id: number }>(
    `INSERT INTO kit_record (entity, state, version, object_idx, enterprise_idx, title, data, search, assignees, created_by, created_by_name,
       created_at, updated_at, state_since, due_at, escalated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, NULL, $10, $11, $12, $12, $13, NULL) RETURNING id`,
    [def.entity, state, steps.length + 1, v.object, v.ent, title, JSON.stringify(v.data), searchText(def, v.data), v.assignees, v.by, v.created, since, dueAt(def, state, since)]);
  for (const st of steps) {
    await tx.query('INSERT INTO kit_transition (record_id, transition, from_state, to_state, by_id, by_name, note, at) VALUES ($1, $2, $3, $4, NULL, $5, NULL, $6)',
      [r.rows[0]!.id, st.name, st.from, st.to, '示例数据', st.at]);
  }
}

/** Inserts the samples of the park (nothing when it has any). */
export async function seedEnterpriseServices(sc: ServerContext, defs: { movein: EntityDef; service: EntityDef }, parkIdx: number): Promise<void> {
  const now = Date.now();
  await sc.db.transaction(async (tx) => {
    const exists = await tx.query(`SELECT 1 FROM kit_record k JOIN room m ON m.idx = k.object_idx JOIN building b ON b.idx = m.building_idx
       WHERE k.entity = ANY($1::text[]) AND b.park_idx = $2 LIMIT 1`, [[defs.movein.entity, defs.service.entity], parkIdx]);
    if (exists.rows.length > 0) return;
    const vacant = (await tx.query<{ idx: number }>(
      `SELECT r.idx FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1 AND r.lease_status = 'vacant' ORDER BY r.idx LIMIT $2`,
      [parkIdx, MOVEINS.length])).rows;
    for (const [i, m] of MOVEINS.entries()) {
      const room = vacant[i % Math.max(1, vacant.length)];
      if (!room) break;
      const d = new Date(now);
      d.setUTCDate(d.getUTCDate() + 20 - m.daysAgo);
      await insert(tx, defs.movein, {
        path: m.path, object: room.idx, ent: null, by: m.contact, created: new Date(now - m.daysAgo * 86_400_000), stepMs: Math.max(1, m.daysAgo / (m.path.length + 1)) * 86_400_000,
        data: { company: m.company, creditCode: m.creditCode, contact: m.contact, phone: `138${String(10000000 + i * 1234567).slice(0, 8)}`, moveInDate: d.toISOString().slice(0, 10),
          ...m.docs, ...(m.note ? { reviewNote: m.note } : {}) },
        assignees: [],
      });
    }
    const leased = (await tx.query<{ room: number; ent: number; ent_name: string }>(
      `SELECT l.room_idx AS room, l.enterprise_idx AS ent, o.name AS ent_name FROM lease l JOIN room r ON r.idx = l.room_idx JOIN building b ON b.idx = r.building_idx
       JOIN twin_object o ON o.idx = l.enterprise_idx WHERE l.status = 'active' AND b.park_idx = $1 ORDER BY l.room_idx LIMIT $2`, [parkIdx, SERVICES.length])).rows;
    const staff = (await tx.query<{ id: string }>(`SELECT id::text FROM app_user WHERE 'investment' = ANY(roles) ORDER BY created_at, id LIMIT 1`)).rows[0]?.id;
    for (const [i, s] of SERVICES.entries()) {
      const room = leased[i % Math.max(1, leased.length)];
      if (!room) break;
      const data: Record<string, unknown> = { title: s.title, category: s.category, department: SERVICE_ROUTES[s.category]!.department.zh,
        ...(s.description ? { description: s.description } : {}), ...(s.resolution ? { resolution: s.resolution } : {}),
        ...(s.path.includes('confirm') ? { rating: 5 } : {}) };
      await insert(tx, defs.service, {
        path: s.path, object: room.room, ent: room.ent, by: room.ent_name, created: new Date(now - s.hoursAgo * 3_600_000),
        stepMs: Math.max(1, s.hoursAgo / (s.path.length + 1)) * 3_600_000, data, assignees: s.path.length && staff ? [staff] : [],
      });
    }
  });
}
