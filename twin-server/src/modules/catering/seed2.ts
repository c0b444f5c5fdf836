/**
 * Sample data of ordering, face checkout and food safety (issue 19, L1) for the first start: each
 * canteen gets a menu (dishes with prices in fen, each traced to supplier batches), a face terminal,
 * the last day of orders paid from the sample meal cards (those older than two hours picked up,
 * the newer ones waiting), face checkouts, pesticide tests and retained samples (one older than 48
 * hours, so the reminder shows). Written through the ledger and the order code, so balances equal
 * the sum of entries. Deterministic layout; idempotent (nothing when the park's menus exist).
 */
import type { ServerContext } from '../../context.ts';
import { applyOp, getCard } from './ledger.ts';
import { placeOrder } from './orders.ts';
import { pesticideResult } from './routes2.ts';

const HOUR = 3_600_000;
/** [zh, en, fen, category, ingredients] */
const MENU: [string, string, number, 'main' | 'side' | 'staple' | 'soup' | 'drink', string[]][] = [
  ['宫保鸡丁', 'Kung Pao chicken', 1_800, 'main', ['鸡胸肉', '花生']],
  ['鱼香肉丝', 'Yu-Shiang pork', 1_600, 'main', ['猪里脊', '青椒']],
  ['番茄炒蛋', 'Tomato and egg', 1_200, 'main', ['番茄', '鸡蛋']],
  ['清炒时蔬', 'Stir-fried greens', 800, 'side', ['青菜']],
  ['麻婆豆腐', 'Mapo tofu', 1_000, 'side', ['豆腐', '猪里脊']],
  ['米饭', 'Steamed rice', 100, 'staple', ['大米']],
  ['紫菜蛋花汤', 'Seaweed and egg soup', 300, 'soup', ['鸡蛋', '紫菜']],
  ['豆浆', 'Soy milk', 300, 'drink', ['黄豆']],
];
const SUPPLIERS: [string, string, string, string[]][] = [
  ['绿源农产品有限公司', 'JY13101150012345', '021-5555-0101', ['番茄', '青椒', '青菜', '豆腐', '黄豆', '紫菜']],
  ['鲜达肉禽供应链', 'JY13101150023456', '021-5555-0202', ['鸡胸肉', '猪里脊', '鸡蛋']],
  ['五谷粮油商行', 'JY13101150034567', '021-5555-0303', ['大米', '花生']],
];

export async function seedCateringPartTwo(sc: ServerContext, parkIdx: number): Promise<void> {
  const now = new Date();
  await sc.db.transaction(async (tx) => {
    const canteens = (await tx.query<{ idx: number; name: string }>(
      `SELECT r.idx, o.name FROM room r JOIN building b ON b.idx = r.building_idx JOIN twin_object o ON o.idx = r.idx WHERE b.park_idx = $1 AND r.use = 'canteen' ORDER BY r.idx LIMIT 4`, [parkIdx])).rows;
    if (canteens.length === 0) return;
    if ((await tx.query('SELECT 1 FROM catering_dish WHERE canteen_idx = ANY($1::int[]) LIMIT 1', [canteens.map((c) => c.idx)])).rows.length > 0) return;
    // Suppliers and this week's batches (one per ingredient).
    const batchOf = new Map<string, number>();
    for (const [si, [name, licence, contact, ingredients]] of SUPPLIERS.entries()) {
      const s = await tx.query<{ id: number }>('INSERT INTO catering_supplier (name, licence, contact) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id', [name, licence, contact]);
      for (const [ii, ing] of ingredients.entries()) {
        const received = new Date(now.getTime() - (20 + ii * 3 + si) * HOUR);
        const b = await tx.query<{ id: number }>(
          `INSERT INTO catering_batch (supplier_id, ingredient, batch_no, received_at, quantity_kg, certificate) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (supplier_id, batch_no) DO UPDATE SET ingredient = EXCLUDED.ingredient RETURNING id`,
          [s.rows[0]!.id, ing, `P${parkIdx}-${si + 1}${String(ii + 1).padStart(2, '0')}`, received, 20 + ii * 5, `检验合格证 ${licence.slice(-5)}-${ii + 1}`]);
        batchOf.set(ing, b.rows[0]!.id);
      }
    }
    const cards = (await tx.query<{ id: number }>(
      `SELECT c.id FROM meal_card c WHERE c.status = 'active' AND c.enterprise_idx IN (SELECT l.enterprise_idx FROM lease l JOIN room r ON r.idx = l.room_idx JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1) ORDER BY c.id LIMIT 24`, [parkIdx])).rows.map((c) => c.id);
    for (const [ci, c] of canteens.entries()) {
      const dishIds: number[] = [];
      for (const [zh, en, fen, cat, ings] of MENU) {
        const d = await tx.query<{ id: number }>('INSERT INTO catering_dish (canteen_idx, name, name_en, price_fen, category, available) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
          [c.idx, zh, en, fen + ci * 100 * (cat === 'main' ? 1 : 0), cat, !(ci === 0 && zh === '麻婆豆腐')]);
        dishIds.push(d.rows[0]!.id);
        for (const ing of ings) await tx.query('INSERT INTO catering_dish_batch (dish_id, batch_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [d.rows[0]!.id, batchOf.get(ing)!]);
      }
      const terminal = `FACE-${c.idx}`;
      await tx.query('INSERT INTO catering_terminal (code, canteen_idx, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [terminal, c.idx, `${c.name} 刷脸机`]);
      // Pesticide rapid tests of the vegetables (one failed re-test sample in the first canteen).
      for (const [k, ing] of ['青菜', '番茄', '青椒'].entries()) {
        const pct = ci === 0 && k === 2 ? 56.5 : 8 + ((ci * 7 + k * 11) % 30);
        await tx.query(
          `INSERT INTO catering_pesticide_test (canteen_idx, batch_id, sample, inhibition_pct, result, tester, tested_at, note) VALUES ($1, $2, $3, $4, $5, '食安员 陈静', $6, $7)`,
          [c.idx, batchOf.get(ing)!, ing, pct, pesticideResult(pct), new Date(now.getTime() - (3 + k) * HOUR), pct >= 50 ? '不合格，整批退回供应商' : null]);
      }
      // Retained samples: one per meal over the last 60 hours (the oldest are due for disposal).
      for (let h = 60, n = 0; h >= 2; h -= 12, n++) {
        const kept = new Date(now.getTime() - h * HOUR);
        await tx.query(
          `INSERT INTO catering_sample (canteen_idx, meal, dishes, weight_g, kept_at, dispose_due, kept_by, disposed_at, disposed_by) VALUES ($1, $2, $3, $4, $5, $6, '食安员 陈静', $7, $8)`,
          [c.idx, n % 2 ? 'dinner' : 'lunch', MENU.slice(n % 3, n % 3 + 3).map((m) => m[0]).join('、'), 150, kept, new Date(kept.getTime() + 48 * HOUR),
            h >= 60 ? new Date(kept.getTime() + 49 * HOUR) : null, h >= 60 ? '食安员 陈静' : null]);
      }
      // The last day of orders: from the sample cards, spread over 24 hours; older than 2 hours picked up.
      const actor = { id: 'system', name: '园区餐饮中心' };
      for (let k = 0; k < 10 && cards.length; k++) {
        const card = await getCard(tx, cards[(ci * 5 + k) % cards.length]!, true);
        if (!card || card.status !== 'active') continue;
        const at = new Date(now.getTime() - (23 - k * 2.5) * HOUR);
        const lines = [{ dishId: dishIds[k % 3]!, qty: 1 }, { dishId: dishIds[5]!, qty: 1 + (k % 2) }];
        const total = MENU[k % 3]![2] + ci * 100 + MENU[5]![2] * (1 + (k % 2));
        if (card.balanceFen - total < card.floorFen) continue;
        const id = await placeOrder(tx, { card, canteenIdx: c.idx, lines, userId: null, actor, now: at });
        if (now.getTime() - at.getTime() > 2 * HOUR) {
          await tx.query("UPDATE catering_order SET status = 'picked_up', picked_at = $2, picked_by = '食堂窗口' WHERE id = $1", [id, new Date(at.getTime() + 10 * 60_000)]);
        }
      }
      // Face identities for some cards, and today's face checkouts.
      for (let k = 0; k < 4 && cards.length; k++) {
        const cardId = cards[(ci * 4 + k) % cards.length]!;
        const identity = `FID-${parkIdx}-${cardId}`;
        await tx.query('INSERT INTO catering_face_identity (identity, card_id, enrolled_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [identity, cardId, new Date(now.getTime() - 48 * HOUR)]);
        const card = await getCard(tx, cardId, true);
        const at = new Date(now.getTime() - (5 + k) * HOUR);
        const amount = 1_500 + k * 100;
        if (!card || card.status !== 'active' || card.balanceFen - amount < card.floorFen) continue;
        const r = await applyOp(tx, card, { op: 'charge', amountFen: amount, canteenIdx: c.idx, note: `刷脸 ${terminal}` }, { id: `terminal:${terminal}`, name: `刷脸终端 ${terminal}` }, at);
        await tx.query(
          `INSERT INTO catering_face_event (terminal, event_id, identity, amount_fen, canteen_idx, card_id, entry_id, outcome, at, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'charged', $8, $8)`,
          [terminal, `seed-${c.idx}-${k}`, identity, amount, c.idx, cardId, r.entries[0]!.id, at]);
      }
    }
  });
}
