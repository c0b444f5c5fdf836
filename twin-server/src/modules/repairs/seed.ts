/**
 * Sample repair requests for the first start: a dozen requests on leased rooms of the sample
 * park, spread over every state (some overdue), so a new user sees a living service desk.
 * Deterministic (rooms in idx order, fixed texts); idempotent (nothing when the park has any).
 */
import type { ServerContext } from '../../context.ts';
import { dueAt, searchText } from '../../kit/records/store.ts';
import type { EntityDef } from '../../kit/records/define.ts';

const SAMPLES: readonly { title: string; category: string; urgency: 'normal' | 'urgent'; description: string; path: readonly string[]; hoursAgo: number }[] = [
  { title: '会议室空调不制冷', category: 'hvac', urgency: 'urgent', description: '下午两点起空调出风不凉，室温 29 度。', path: [], hoursAgo: 2 },
  { title: '办公区两盏灯管闪烁', category: 'lighting', urgency: 'normal', description: '靠窗一排灯管频繁闪烁。', path: [], hoursAgo: 0.2 },
  { title: '卫生间洗手台漏水', category: 'plumbing', urgency: 'urgent', description: '台下水管接口渗水，地面有积水。', path: ['dispatch'], hoursAgo: 3 },
  { title: '门禁刷卡无反应', category: 'door_window', urgency: 'normal', description: '东侧入口门禁读卡器不亮。', path: ['dispatch'], hoursAgo: 0.5 },
  { title: '机房插座跳闸', category: 'electrical', urgency: 'urgent', description: '机柜 PDU 所接插座反复跳闸。', path: ['dispatch', 'start'], hoursAgo: 5 },
  { title: '网络口无法上网', category: 'network', urgency: 'normal', description: '工位 A12 网口无信号。', path: ['dispatch', 'start'], hoursAgo: 1 },
  { title: '窗户把手松动', category: 'door_window', urgency: 'normal', description: '北侧窗户把手松动，无法锁紧。', path: ['dispatch', 'start', 'finish'], hoursAgo: 26 },
  { title: '茶水间水龙头滴水', category: 'plumbing', urgency: 'normal', description: '', path: ['dispatch', 'start', 'finish', 'rate'], hoursAgo: 50 },
  { title: '空调噪音大', category: 'hvac', urgency: 'normal', description: '风机盘管运行时有异响。', path: ['dispatch', 'start', 'finish', 'rate'], hoursAgo: 75 },
  { title: '走廊应急灯不亮', category: 'lighting', urgency: 'normal', description: '', path: ['dispatch', 'start', 'finish', 'rate'], hoursAgo: 120 },
  { title: '误报：已自行解决', category: 'other', urgency: 'normal', description: '重启路由器后恢复。', path: ['withdraw'], hoursAgo: 30 },
  { title: '吊顶板脱落', category: 'other', urgency: 'urgent', description: '前台上方一块吊顶板松脱。', path: ['dispatch', 'start'], hoursAgo: 12 },
];

/** Inserts the sample requests on the park's leased rooms (their tenants as reporters). */
export async function seedRepairs(sc: ServerContext, def: EntityDef, parkIdx: number): Promise<void> {
  // `twin seed` runs hooks with a bare context (no auth service): the wall clock is the base.
  const now = Date.now();
  await sc.db.transaction(async (tx) => {
    const rooms = await tx.query<{ room: number; ent: number; ent_name: string }>(
      `SELECT l.room_idx AS room, l.enterprise_idx AS ent, o.name AS ent_name
       FROM lease l JOIN room r ON r.idx = l.room_idx JOIN building b ON b.idx = r.building_idx JOIN twin_object o ON o.idx = l.enterprise_idx
       WHERE l.status = 'active' AND b.park_idx = $1 ORDER BY l.room_idx LIMIT $2`, [parkIdx, SAMPLES.length]);
    if (rooms.rows.length === 0) return;
    const exists = await tx.query(`SELECT 1 FROM kit_record WHERE entity = $1 AND object_idx = ANY($2::int[]) LIMIT 1`,
      [def.entity, rooms.rows.map((r) => r.room)]);
    if (exists.rows.length > 0) return;
    for (const [i, s] of SAMPLES.entries()) {
      const room = rooms.rows[i % rooms.rows.length]!;
      const created = new Date(now - s.hoursAgo * 3_600_000);
      let state = def.workflow.initial;
      const steps: { name: string; from: string; to: string; at: Date }[] = [];
      s.path.forEach((name, k) => {
        const to = def.workflow.transitions[name]!.to;
        steps.push({ name, from: state, to, at: new Date(created.getTime() + (k + 1) * Math.min(20, s.hoursAgo * 10) * 60_000) });
        state = to;
      });
      const data: Record<string, unknown> = { title: s.title, category: s.category, urgency: s.urgency, ...(s.description ? { description: s.description } : {}) };
      if (state === 'closed') Object.assign(data, { rating: 4 + (i % 2), feedback: '处理及时，谢谢。' });
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
