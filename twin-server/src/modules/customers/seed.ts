/**
 * Sample customer data for the first start: one or two contact persons per enterprise of the park,
 * about forty visitors over the last two months, and twelve months of rent invoices for every
 * enterprise with an active lease (most paid on time; a deterministic few late, a few unpaid).
 * Deterministic per enterprise (from its idx); idempotent (nothing when the park has contacts).
 */
import type { Db } from '../../db/index.ts';
import { addDays, addMonths, isoDate } from '../../seed/dates.ts';

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '周', '吴', '徐', '孙', '马', '朱', '胡', '郭'];
const GIVEN = ['伟', '芳', '敏', '静', '强', '磊', '洋', '艳', '杰', '娟', '涛', '明', '超', '霞', '平', '刚'];
const TITLES = ['总经理', '行政主管', '财务经理', '办公室主任', '运营总监', '人事专员'];
const PURPOSES = ['商务洽谈', '面试', '设备维保', '参观交流', '快递送达', '项目评审'];
const COMPANIES = ['华东设计院', '蓝海咨询', '新锐猎头', '顺达物流', '中科检测', '恒信会计师事务所', null];

/** A small deterministic hash of an integer (for sample variety without randomness). */
const h = (n: number, salt: number) => ((n * 2654435761 + salt * 40503) >>> 0) % 1000;

/** Inserts the sample registry of park `parkIdx` at `now`. */
export async function seedCustomers(db: Db, parkIdx: number, now: Date): Promise<void> {
  const has = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM customer_contact c JOIN enterprise e ON e.idx = c.enterprise_idx WHERE e.park_idx = $1', [parkIdx]);
  if (has.rows[0]!.n > 0) return;
  const today = isoDate(now.getTime());
  const ents = (await db.query<{ idx: number; monthly: number | null }>(
    `SELECT e.idx, (SELECT sum(l.rent * r.area)::float8 FROM lease l JOIN room r ON r.idx = l.room_idx WHERE l.enterprise_idx = e.idx AND l.status = 'active') AS monthly
     FROM enterprise e WHERE e.park_idx = $1 ORDER BY e.idx`, [parkIdx])).rows;
  if (ents.length === 0) return;
  await db.transaction(async (tx) => {
    for (const [i, e] of ents.entries()) {
      const n = 1 + (h(e.idx, 1) % 2);
      for (let k = 0; k < n; k++) {
        const name = `${SURNAMES[h(e.idx, 2 + k) % SURNAMES.length]}${GIVEN[h(e.idx, 5 + k) % GIVEN.length]}`;
        const phone = `13${String(h(e.idx, 7 + k) % 10)}${String(10_000_000 + ((e.idx * 7919 + k * 104729) % 89_999_999)).padStart(8, '0')}`;
        await tx.query(
          `INSERT INTO customer_contact (enterprise_idx, name, title, phone, email, is_primary, created_by_name, created_at) VALUES ($1, $2, $3, $4, $5, $6, '示例数据', $7)`,
          [e.idx, name, TITLES[(h(e.idx, 9) + k) % TITLES.length], phone, `contact${i + 1}${k ? '-b' : ''}@example.cn`, k === 0, now]);
      }
      // Rent invoices of the last 12 months, due on the 10th of each month.
      if (e.monthly && e.monthly > 0) {
        for (let m = 12; m >= 1; m--) {
          const period = addMonths(today, -m + 1);
          const due = addDays(period, 9);
          if (due > today) continue;
          const r = h(e.idx * 31 + m, 11);
          // ~80 % on time, ~15 % late by 3-45 days, the worst payers leave the latest two months unpaid.
          const bad = h(e.idx, 13) < 60;
          const paid = bad && m <= 2 ? null : r < 800 ? addDays(due, -(r % 8)) : addDays(due, 3 + (r % 43));
          await tx.query('INSERT INTO customer_invoice (enterprise_idx, period, amount, due_date, paid_date) VALUES ($1, $2::date, $3, $4::date, $5::date) ON CONFLICT DO NOTHING',
            [e.idx, period, Math.round(e.monthly * 100) / 100, due, paid && paid <= today ? paid : null]);
        }
      }
    }
    for (let v = 0; v < 40; v++) {
      const host = ents[h(v, 17) % ents.length]!.idx;
      await tx.query(
        `INSERT INTO customer_visitor (park_idx, name, company, host_enterprise_idx, purpose, visit_date, created_by_name, created_at) VALUES ($1, $2, $3, $4, $5, $6::date, '示例数据', $7)`,
        [parkIdx, `${SURNAMES[h(v, 19) % SURNAMES.length]}${GIVEN[h(v, 23) % GIVEN.length]}${GIVEN[h(v, 29) % GIVEN.length]}`, COMPANIES[h(v, 31) % COMPANIES.length],
          host, PURPOSES[h(v, 37) % PURPOSES.length], addDays(today, -(h(v, 41) % 60)), now]);
    }
  });
}
