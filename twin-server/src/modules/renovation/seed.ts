/**
 * Sample renovation applications for the first start: six applications on leased rooms of the
 * sample park, one in each of the main states (submitted, approved with the deposit due, works in
 * progress, awaiting inspection, passed with the deposit to refund, closed) and one rejected, so a
 * new user sees the renovation desk at work. Deterministic (rooms in idx order from the far end of
 * the lease list, fixed texts, dates relative to the start); idempotent (nothing when the park has any).
 */
import type { ServerContext } from '../../context.ts';
import { dueAt, searchText } from '../../kit/records/store.ts';
import type { EntityDef } from '../../kit/records/define.ts';

/** One sample: its fields, the transitions it went through and how long ago it was filed. */
const SAMPLES: readonly { title: string; scope: string; contractor: string; path: readonly string[]; daysAgo: number; deposit?: number; note?: string }[] = [
  { title: '前台背景墙翻新', scope: '拆除旧背景墙，新做木饰面及企业标识灯箱。', contractor: '申城装饰工程有限公司', path: [], daysAgo: 1 },
  { title: '新增两间洽谈室', scope: '开放办公区新增两间玻璃隔断洽谈室，改造照明回路。', contractor: '华建装饰工程有限公司', path: ['approve'], daysAgo: 4, deposit: 5000 },
  { title: '茶水间改造', scope: '新增水槽、净水器与橱柜，改接给排水。', contractor: '宏远建筑装饰有限公司', path: ['approve', 'pay_deposit', 'start'], daysAgo: 12, deposit: 3000 },
  { title: '机房地板与空调改造', scope: '更换防静电地板，增设精密空调一台。', contractor: '科信机电安装有限公司', path: ['approve', 'pay_deposit', 'start', 'request_inspection'], daysAgo: 25, deposit: 10000 },
  { title: '办公区地毯更换', scope: '更换约 300 平方米方块地毯。', contractor: '申城装饰工程有限公司', path: ['approve', 'pay_deposit', 'start', 'request_inspection', 'pass'], daysAgo: 40, deposit: 2000, note: '现场验收合格。' },
  { title: '会议室声学改造', scope: '墙面加装吸音板，更换隔音门。', contractor: '华建装饰工程有限公司', path: ['approve', 'pay_deposit', 'start', 'request_inspection', 'pass', 'refund_deposit'], daysAgo: 70, deposit: 5000, note: '验收合格，押金已退。' },
  { title: '拆除承重墙开门洞', scope: '在北侧墙体新开门洞一处。', contractor: '某装修队', path: ['reject'], daysAgo: 9 },
];

const day = (t: number) => new Date(t).toISOString().slice(0, 10);

/** Inserts the sample applications on the park's leased rooms (their tenants as applicants). */
export async function seedRenovations(sc: ServerContext, def: EntityDef, parkIdx: number): Promise<void> {
  // `twin seed` runs hooks with a bare context: the wall clock is the base.
  const now = Date.now();
  await sc.db.transaction(async (tx) => {
    const rooms = await tx.query<{ room: number; ent: number; ent_name: string }>(
      `SELECT l.room_idx AS room, l.enterprise_idx AS ent, o.name AS ent_name
       FROM lease l JOIN room r ON r.idx = l.room_idx JOIN building b ON b.idx = r.building_idx JOIN twin_object o ON o.idx = l.enterprise_idx
       WHERE l.status = 'active' AND b.park_idx = $1 ORDER BY l.room_idx DESC LIMIT $2`, [parkIdx, SAMPLES.length]);
    if (rooms.rows.length === 0) return;
    const exists = await tx.query(`SELECT 1 FROM kit_record r JOIN room m ON m.idx = r.object_idx JOIN building b ON b.idx = m.building_idx
       WHERE r.entity = $1 AND b.park_idx = $2 LIMIT 1`, [def.entity, parkIdx]);
    if (exists.rows.length > 0) return;
    for (const [i, s] of SAMPLES.entries()) {
      const room = rooms.rows[i % rooms.rows.length]!;
      const created = new Date(now - s.daysAgo * 86_400_000);
      let state = def.workflow.initial;
      const steps: { name: string; from: string; to: string; at: Date }[] = [];
      s.path.forEach((name, k) => {
        const to = def.workflow.transitions[name]!.to;
        steps.push({ name, from: state, to, at: new Date(created.getTime() + (k + 1) * Math.max(1, Math.floor(s.daysAgo / (s.path.length + 1))) * 86_400_000) });
        state = to;
      });
      const start = created.getTime() + 7 * 86_400_000;
      const data: Record<string, unknown> = {
        title: s.title, scope: s.scope, contractor: s.contractor, contractorPhone: `021-6${String(1000000 + i * 1111).slice(1)}`,
        startDate: day(start), endDate: day(start + 20 * 86_400_000),
        ...(s.deposit !== undefined ? { depositYuan: s.deposit } : {}), ...(s.note ? { inspectionNote: s.note } : {}),
      };
      const since = steps.at(-1)?.at ?? created;
      const r = await tx.query<{ id: number }>(
        `INSERT INTO kit_record (entity, state, version, object_idx, enterprise_idx, title, data, search, created_by, created_by_name,
           created_at, updated_at, state_since, due_at, escalated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, NULL, $9, $10, $11, $11, $12, NULL) RETURNING id`,
        [def.entity, state, steps.length + 1, room.room, room.ent, s.title, JSON.stringify(data), searchText(def, data), room.ent_name,
          created, since, dueAt(def, state, since)]);
      for (const st of steps) {
        await tx.query(`INSERT INTO kit_transition (record_id, transition, from_state, to_state, by_id, by_name, note, at) VALUES ($1, $2, $3, $4, NULL, $5, NULL, $6)`,
          [r.rows[0]!.id, st.name, st.from, st.to, '示例数据', st.at]);
      }
    }
  });
}
