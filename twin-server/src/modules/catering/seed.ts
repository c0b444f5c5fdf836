/**
 * Sample meal cards for the first start: cards for staff of the park's first leased enterprises
 * (holder names, a few with an overdraft policy, one reported lost), each with a monthly subsidy,
 * a top-up and a deterministic series of meal charges at the park's canteens over the last days,
 * so a new user sees canteen traffic and balances. Deterministic layout; idempotent (nothing when
 * the park's cards exist). Written through the ledger, so balances equal the sum of entries.
 */
import type { ServerContext } from '../../context.ts';
import { applyOp, getCard, issueCard, setStatus } from './ledger.ts';

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '磊', '洋', '勇', '艳', '杰', '娟', '涛'];
const DAY = 86_400_000;

export async function seedCatering(sc: ServerContext, parkIdx: number): Promise<void> {
  const now = new Date();
  await sc.db.transaction(async (tx) => {
    const ents = (await tx.query<{ ent: number }>(
      `SELECT DISTINCT l.enterprise_idx AS ent FROM lease l JOIN room r ON r.idx = l.room_idx JOIN building b ON b.idx = r.building_idx
       WHERE b.park_idx = $1 AND l.status = 'active' ORDER BY l.enterprise_idx LIMIT 6`, [parkIdx])).rows;
    if (ents.length === 0) return;
    const had = await tx.query('SELECT 1 FROM meal_card WHERE enterprise_idx = ANY($1::int[]) LIMIT 1', [ents.map((e) => e.ent)]);
    if (had.rows.length > 0) return;
    const canteens = (await tx.query<{ idx: number }>(
      `SELECT r.idx FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1 AND r.use = 'canteen' ORDER BY r.idx LIMIT 8`, [parkIdx])).rows.map((r) => r.idx);
    const actor = { id: 'system', name: '园区餐饮中心' };
    let n = 0;
    for (const [e, ent] of ents.entries()) {
      for (let k = 0; k < 4; k++, n++) {
        const name = `${SURNAMES[(e * 4 + k) % SURNAMES.length]}${GIVEN[(e * 7 + k * 3) % GIVEN.length]}`;
        const start = new Date(now.getTime() - 7 * DAY);
        let c = await issueCard(tx, { holderName: name, holderUserId: null, enterpriseIdx: ent.ent, floorFen: n % 5 === 0 ? -5_000 : 0, active: true, now: start });
        c = (await applyOp(tx, c, { op: 'subsidy', amountFen: 30_000, note: '月度餐补' }, actor, start)).card;
        c = (await applyOp(tx, c, { op: 'topup', amountFen: 10_000 + (n % 4) * 5_000, method: n % 2 ? 'wechat' : 'alipay' }, actor, start)).card;
        for (let d = 6; d >= 0; d--) {
          for (const [meal, hour] of [[0, 12], [1, 18]] as const) {
            if ((n + d + meal) % 3 === 0) continue;
            const at = new Date(Math.floor((now.getTime() - d * DAY) / DAY) * DAY + (hour - 8) * 3_600_000 + ((n * 7) % 50) * 60_000);
            if (at > now) continue;
            const amountFen = 1_200 + ((n * 13 + d * 7 + meal * 5) % 12) * 100;
            if (c.balanceFen - amountFen < c.floorFen) continue;
            c = (await applyOp(tx, c, { op: 'charge', amountFen, canteenIdx: canteens.length ? canteens[(n + d) % canteens.length]! : null }, actor, at)).card;
          }
        }
        if (n === 3) await setStatus(tx, (await getCard(tx, c.id, true))!, 'report_loss', now);
      }
    }
  });
}
