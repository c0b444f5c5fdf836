/**
 * Sample pipeline for the first start: a dozen prospects (fictional companies) with one
 * opportunity each, spread over every stage; the proposal and negotiation ones hold a vacant unit
 * of the park each (lit as reserved in the twin). No enterprise or lease is created: signed samples
 * are past deals. Deterministic (units in idx order, fixed texts); idempotent (nothing when the
 * pipeline has any prospect).
 */
import type { ServerContext } from '../../context.ts';
import type { Queryable } from '../../db/index.ts';
import type { EntityDef } from '../../kit/records/define.ts';
import { searchText } from '../../kit/records/store.ts';
import { holdUnits } from './definition.ts';

const SAMPLES: readonly { company: string; contact: string; source: string; industry: string; area: number; budget: number; floor: string; path: readonly string[]; days: number }[] = [
  { company: '星河智算科技有限公司', contact: '陈经理', source: 'event', industry: 'ai', area: 800, budget: 95, floor: '5-10 层', path: [], days: 2 },
  { company: '云帆数据服务有限公司', contact: '刘女士', source: 'website', industry: 'software', area: 300, budget: 80, floor: '不限', path: [], days: 1 },
  { company: '绿源新能源材料有限公司', contact: '王总', source: 'government', industry: 'new_energy', area: 1500, budget: 60, floor: '1-2 层', path: [], days: 4 },
  { company: '康达生物医药研发中心', contact: '赵博士', source: 'referral', industry: 'biomed', area: 600, budget: 110, floor: '3-6 层', path: ['visit'], days: 6 },
  { company: '芯途微电子设计有限公司', contact: '孙经理', source: 'agent', industry: 'ic_design', area: 450, budget: 100, floor: '高区', path: ['visit'], days: 8 },
  { company: '数影传媒有限公司', contact: '周女士', source: 'cold_call', industry: 'digital_media', area: 250, budget: 85, floor: '不限', path: ['visit'], days: 3 },
  { company: '智造未来机器人有限公司', contact: '吴工', source: 'event', industry: 'smart_manufacturing', area: 1200, budget: 55, floor: '1 层', path: ['visit', 'propose'], days: 12 },
  { company: '融信金融科技有限公司', contact: '郑总', source: 'referral', industry: 'fintech', area: 400, budget: 120, floor: '8 层以上', path: ['visit', 'propose'], days: 10 },
  { company: '优品电商运营有限公司', contact: '冯经理', source: 'website', industry: 'e_commerce', area: 350, budget: 75, floor: '不限', path: ['visit', 'propose', 'negotiate'], days: 18 },
  { company: '明律企业服务有限公司', contact: '褚律师', source: 'agent', industry: 'services', area: 200, budget: 90, floor: '低区', path: ['visit', 'propose', 'negotiate', 'sign'], days: 40 },
  { company: '深蓝视觉智能有限公司', contact: '卫经理', source: 'government', industry: 'ai', area: 700, budget: 100, floor: '不限', path: ['visit', 'propose', 'negotiate', 'sign'], days: 60 },
  { company: '拓海软件有限公司', contact: '蒋先生', source: 'cold_call', industry: 'software', area: 500, budget: 70, floor: '不限', path: ['visit', 'lose'], days: 30 },
];

const STATE_AFTER: Record<string, string> = { visit: 'visit', propose: 'proposal', negotiate: 'negotiation', sign: 'signed', lose: 'lost' };

async function insertRecord(tx: Queryable, def: EntityDef, state: string, data: Record<string, unknown>, created: Date, since: Date, version: number): Promise<number> {
  const r = await tx.query<{ id: number }>(
    `INSERT INTO kit_record (entity, state, version, object_idx, enterprise_idx, title, data, search, created_by, created_by_name, created_at, updated_at, state_since, due_at, escalated_at)
     VALUES ($1, $2, $3, NULL, NULL, $4, $5::jsonb, $6, NULL, '示例数据', $7, $8, $8, NULL, NULL) RETURNING id`,
    [def.entity, state, version, String(data[def.titleField]), JSON.stringify(data), searchText(def, data), created, since]);
  return r.rows[0]!.id;
}

/** Inserts the sample prospects and opportunities (holding vacant units of the park for proposals). */
export async function seedLeasing(sc: ServerContext, defs: { prospect: EntityDef; opportunity: EntityDef }, parkIdx: number): Promise<void> {
  // `twin seed` runs hooks with a bare context (no auth service): the wall clock is the base.
  const now = Date.now();
  await sc.db.transaction(async (tx) => {
    const any = await tx.query(`SELECT 1 FROM kit_record WHERE entity = 'prospect' LIMIT 1`);
    if (any.rows.length > 0) return;
    const vacant = (await tx.query<{ idx: number }>(
      `SELECT r.idx FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1 AND r.leasable AND r.lease_status = 'vacant' ORDER BY r.idx LIMIT 5`, [parkIdx])).rows.map((r) => r.idx);
    let nextUnit = 0;
    for (const s of SAMPLES) {
      const created = new Date(now - s.days * 86_400_000);
      const pid = await insertRecord(tx, defs.prospect, 'active', {
        company: s.company, contact: s.contact, source: s.source, industry: s.industry, needArea: s.area, needFloor: s.floor, budget: s.budget,
      }, created, created, 1);
      let state = 'lead';
      const steps: { name: string; from: string; to: string; at: Date }[] = [];
      s.path.forEach((name, k) => {
        const to = STATE_AFTER[name]!;
        steps.push({ name, from: state, to, at: new Date(created.getTime() + (k + 1) * Math.max(1, Math.floor(s.days / (s.path.length + 1))) * 86_400_000) });
        state = to;
      });
      const data: Record<string, unknown> = { title: `${s.company} 入驻`, prospectId: pid, area: s.area };
      if (state === 'lead' || state === 'visit') data.remindAt = new Date(now + 2 * 86_400_000).toISOString().slice(0, 10);
      if (state === 'lost') data.lostReason = '预算不足，选择了其他园区';
      const oid = await insertRecord(tx, defs.opportunity, state, data, created, steps.at(-1)?.at ?? created, steps.length + 1);
      for (const st of steps) {
        await tx.query(`INSERT INTO kit_transition (record_id, transition, from_state, to_state, by_id, by_name, note, at) VALUES ($1, $2, $3, $4, NULL, '示例数据', NULL, $5)`,
          [oid, st.name, st.from, st.to, st.at]);
      }
      if ((state === 'proposal' || state === 'negotiation') && nextUnit < vacant.length) {
        const unit = vacant[nextUnit++]!;
        await holdUnits(tx, oid, [unit]);
        await tx.query(`UPDATE kit_record SET data = data || jsonb_build_object('units', jsonb_build_array($2::int)) WHERE id = $1`, [oid, unit]);
      }
    }
  });
}
