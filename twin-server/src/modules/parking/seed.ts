/**
 * Car parks and sample monthly cards for the first start. Every room of use 'parking' with a
 * barrier gate becomes a car park (capacity from its area, about 30 m² a vehicle with aisles,
 * numbered spaces B<level>-001..., 300 yuan a month); the first leased enterprises hold cards in
 * every state: active (one ending within the reminder window), approved awaiting payment,
 * pending, expired and rejected, with their payment records. Deterministic (rooms and enterprises
 * in idx order, fixed plates and names, dates relative to the park-local day); idempotent.
 */
import type { ServerContext } from '../../context.ts';
import type { Queryable } from '../../db/index.ts';
import { addDays, localDate, monthsEnd } from './service.ts';

/** Monthly fee of a sample car park (fen). */
export const SAMPLE_FEE_FEN = 30_000;
const M2_PER_VEHICLE = 30;

/** Registers the park's car parks (rooms of use parking with a barrier gate) and their spaces; returns their idx. */
export async function ensureLots(tx: Queryable, parkIdx: number): Promise<number[]> {
  const rooms = await tx.query<{ idx: number; area: number; level: number }>(
    `SELECT r.idx, r.area, f.level::int AS level FROM room r JOIN floor f ON f.idx = r.floor_idx JOIN building b ON b.idx = r.building_idx
     WHERE b.park_idx = $1 AND r.use = 'parking' AND EXISTS (SELECT 1 FROM equipment e WHERE e.room_idx = r.idx AND e.type = 'barrier_gate')
     ORDER BY r.idx`, [parkIdx]);
  for (const r of rooms.rows) {
    const cap = Math.max(10, Math.min(400, Math.floor(r.area / M2_PER_VEHICLE)));
    const ins = await tx.query('INSERT INTO parking_lot (idx, park_idx, capacity, monthly_fee_fen) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING idx', [r.idx, parkIdx, cap, SAMPLE_FEE_FEN]);
    if (ins.rows.length === 0) continue;
    const lvl = r.level < 0 ? `B${-r.level}` : `F${r.level}`;
    await tx.query(`INSERT INTO parking_space (lot_idx, code) SELECT $1, $2 || '-' || lpad(n::text, 3, '0') FROM generate_series(1, $3::int) n`, [r.idx, lvl, cap]);
  }
  return rooms.rows.map((r) => r.idx);
}

const SAMPLES: readonly { plate: string; holder: string; state: 'active' | 'expiring' | 'approved' | 'pending' | 'expired' | 'rejected'; months: number }[] = [
  { plate: '沪A12345', holder: '张伟', state: 'active', months: 6 },
  { plate: '沪B67890', holder: '李娜', state: 'active', months: 3 },
  { plate: '沪AD12345', holder: '王强', state: 'expiring', months: 1 },
  { plate: '沪C24680', holder: '刘洋', state: 'approved', months: 3 },
  { plate: '苏E13579', holder: '陈静', state: 'pending', months: 12 },
  { plate: '浙A97531', holder: '杨帆', state: 'expired', months: 1 },
  { plate: '沪D11223', holder: '赵磊', state: 'rejected', months: 1 },
];

/** Car parks and sample cards of the park (nothing when it already has cards). */
export async function seedParking(sc: ServerContext, parkIdx: number): Promise<void> {
  const now = new Date();
  await sc.db.transaction(async (tx) => {
    const lots = await ensureLots(tx, parkIdx);
    if (lots.length === 0) return;
    const any = await tx.query('SELECT 1 FROM parking_card c JOIN parking_lot l ON l.idx = c.lot_idx WHERE l.park_idx = $1 LIMIT 1', [parkIdx]);
    if (any.rows.length > 0) return;
    const ents = await tx.query<{ idx: number }>(
      `SELECT DISTINCT l.enterprise_idx AS idx FROM lease l JOIN room r ON r.idx = l.room_idx JOIN building b ON b.idx = r.building_idx
       WHERE l.status = 'active' AND b.park_idx = $1 ORDER BY 1 LIMIT 3`, [parkIdx]);
    const lot = lots[0]!;
    const today = await localDate(tx, lot, now);
    const spaces = (await tx.query<{ id: number }>('SELECT id FROM parking_space WHERE lot_idx = $1 ORDER BY code', [lot])).rows;
    for (const [i, s] of SAMPLES.entries()) {
      const ent = ents.rows.length ? ents.rows[i % ents.rows.length]!.idx : null;
      const holdsSpace = s.state === 'active' || s.state === 'expiring' || s.state === 'approved' || s.state === 'expired';
      let from: string | null = null;
      let to: string | null = null;
      if (s.state === 'active') { from = addDays(today, -20 * (i + 1)); to = monthsEnd(from, s.months); }
      if (s.state === 'expiring') { to = addDays(today, 3); from = addDays(to, -29); }
      if (s.state === 'expired') { to = addDays(today, -5); from = addDays(to, -29); }
      const status = s.state === 'expiring' ? 'active' : s.state;
      const created = new Date(now.getTime() - (40 + i) * 86_400_000);
      const r = await tx.query<{ id: number }>(
        `INSERT INTO parking_card (lot_idx, space_id, plate, holder_name, enterprise_idx, applicant_id, applicant_name, months, status, starts_on, ends_on, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
        [lot, holdsSpace ? spaces[i]?.id ?? null : null, s.plate, s.holder, ent, '示例数据', s.months, status, from, to, created]);
      if (from && to) {
        await tx.query(`INSERT INTO parking_payment (card_id, idem_key, months, amount_fen, method, covers_from, covers_to, actor_id, actor_name, paid_at)
          VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, '示例数据', $8)`, [r.rows[0]!.id, `seed-${r.rows[0]!.id}-1`, s.months, SAMPLE_FEE_FEN * s.months, i % 2 ? 'wechat' : 'bank_transfer', from, to, created]);
      }
    }
  });
}
