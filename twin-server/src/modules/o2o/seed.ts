/**
 * Sample O2O data for the first start: the park's own services and a few third-party merchants,
 * and two weeks of orders from the park's enterprise users (most fulfilled and rated, some paid
 * or accepted and waiting, one cancelled), so the catalogue shows ratings and the settlement report
 * has figures. Deterministic layout; idempotent (merchants by name, orders only when none exist).
 */
import type { ServerContext } from '../../context.ts';

const DAY = 86_400_000;
/** [name, name_en, kind, commission bp, contact] */
const MERCHANTS: [string, string, 'park' | 'third_party', number, string][] = [
  ['园区服务中心', 'Park service centre', 'park', 0, '021-6000-1000'],
  ['洁美保洁', 'CleanPro', 'third_party', 800, '021-6000-2001'],
  ['速达快递驿站', 'SpeedEx station', 'third_party', 500, '021-6000-2002'],
  ['康宁健康驿站', 'Kangning clinic', 'third_party', 1000, '021-6000-2003'],
];
/** [merchant, name, name_en, category, fen, unit, audiences] */
const SERVICES: [number, string, string, string, number, string, string[]][] = [
  [0, '会议室茶歇', 'Meeting tea break', 'catering', 3_000, '人', ['company']],
  [0, '文印装订', 'Printing and binding', 'printing', 50, '页', ['company', 'staff', 'neighbour']],
  [0, '办公家具维修', 'Office furniture repair', 'maintenance', 8_000, '次', ['company']],
  [0, '商务车预约', 'Business car booking', 'travel', 30_000, '天', ['company', 'staff']],
  [1, '办公室深度保洁', 'Office deep cleaning', 'cleaning', 20_000, '次', ['company']],
  [1, '地毯清洗', 'Carpet cleaning', 'cleaning', 1_500, '平方米', ['company', 'neighbour']],
  [1, '衣物干洗', 'Dry cleaning', 'laundry', 2_500, '件', ['staff', 'neighbour']],
  [2, '快递上门取件', 'Parcel pickup at the desk', 'express', 1_200, '件', ['company', 'staff', 'neighbour']],
  [3, '员工体检套餐', 'Staff health check', 'health', 39_900, '人', ['company', 'staff']],
  [3, '社区义诊预约', 'Community health consultation', 'health', 1_000, '次', ['neighbour', 'staff']],
];

export async function seedO2o(sc: ServerContext, parkIdx: number): Promise<void> {
  await sc.db.transaction(async (tx) => {
    const mids: number[] = [];
    for (const [name, en, kind, bp, contact] of MERCHANTS) {
      const r = await tx.query<{ id: number }>(
        'INSERT INTO o2o_merchant (name, name_en, kind, commission_bp, contact) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id', [name, en, kind, bp, contact]);
      mids.push(r.rows[0]!.id);
    }
    const sids: { id: number; fen: number; audiences: string[]; merchant: number }[] = [];
    for (const [m, name, en, cat, fen, unit, aud] of SERVICES) {
      const r = await tx.query<{ id: number }>(
        `INSERT INTO o2o_service (merchant_id, name, name_en, category, price_fen, unit, audiences) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (merchant_id, name) DO UPDATE SET name = EXCLUDED.name RETURNING id`, [mids[m]!, name, en, cat, fen, unit, aud]);
      sids.push({ id: r.rows[0]!.id, fen, audiences: aud, merchant: mids[m]! });
    }
    if ((await tx.query('SELECT 1 FROM o2o_order LIMIT 1')).rows.length > 0) return;
    const buyers = (await tx.query<{ id: string; name: string; ent: number | null }>(
      `SELECT u.id::text, u.display_name AS name, u.enterprise_idx AS ent FROM app_user u WHERE 'enterprise_user' = ANY(u.roles) AND u.enterprise_idx IN
         (SELECT l.enterprise_idx FROM lease l JOIN room r ON r.idx = l.room_idx JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1) ORDER BY u.username LIMIT 8`, [parkIdx])).rows;
    const people = buyers.length ? buyers : [{ id: 'sample-neighbour', name: '周边居民 张女士', ent: null }];
    const now = Date.now();
    for (let k = 0; k < 24; k++) {
      const s = sids[(k * 7) % sids.length]!;
      const who = people[k % people.length]!;
      const audience = who.ent !== null && s.audiences.includes('company') ? 'company' : s.audiences.includes('staff') ? 'staff' : 'neighbour';
      const created = new Date(now - (14 - k * 0.55) * DAY);
      const qty = 1 + (k % 3);
      const state = k === 5 ? 'cancelled' : k >= 21 ? (k === 23 ? 'paid' : 'accepted') : 'fulfilled';
      const paid = state === 'cancelled' ? null : new Date(created.getTime() + 600_000);
      await tx.query(
        `INSERT INTO o2o_order (order_no, service_id, merchant_id, buyer_id, buyer_name, enterprise_idx, audience, qty, total_fen, status, pay_method, paid_at, accepted_at, fulfilled_at, cancelled_at, rating, comment, rated_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
        [`FWS${parkIdx}-${String(k + 1).padStart(4, '0')}`, s.id, s.merchant, who.id, who.name, audience === 'company' ? who.ent : null, audience, qty, s.fen * qty, state,
          paid ? (k % 2 ? 'wechat' : 'company_account') : null, paid, state === 'accepted' || state === 'fulfilled' ? new Date(created.getTime() + 3_600_000) : null,
          state === 'fulfilled' ? new Date(created.getTime() + 5 * 3_600_000) : null, state === 'cancelled' ? new Date(created.getTime() + 1_200_000) : null,
          state === 'fulfilled' && k % 4 !== 3 ? 3 + (k % 3) : null, state === 'fulfilled' && k % 4 !== 3 ? ['准时周到', '服务不错', '非常满意'][k % 3] : null,
          state === 'fulfilled' && k % 4 !== 3 ? new Date(created.getTime() + 6 * 3_600_000) : null, created]);
    }
  });
}
