/**
 * The economic database's time axis: which month is "now" for a park, the sample park's history
 * carried forward to the current month on every start (so a demo on any clock date never shows a
 * stale period), and the economy layer published from the database (each enterprise's latest
 * reviewed month), not from simulated noise.
 */
import type { Queryable } from '../../db/types.ts';
import { hash32 } from '../../seed/prng.ts';
import { addMonths } from '../../seed/dates.ts';

/** 'YYYY-MM-01' of the month an instant falls in, in a time zone. */
export function monthOf(at: Date, timeZone: string): string {
  const p = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' }).formatToParts(at);
  const y = p.find((x) => x.type === 'year')!.value;
  const m = p.find((x) => x.type === 'month')!.value;
  return `${y}-${m}-01`;
}

/**
 * Whether an enterprise's report of `month` is still outstanding in the sample park when that
 * month is the latest closed one: about one in five reports arrives later (as in a real park,
 * where reports are due by mid-month), so there is always something to file and review.
 */
export function samplePending(creditCode: string, month: string): boolean {
  return hash32(`pending:${creditCode}:${month}`) % 5 === 0;
}

interface Row { enterprise_idx: number; credit_code: string; month: string; output_value: number; revenue: number; tax: number; rd_spend: number; energy_kwh: number; staff: number }

const r2 = (v: number) => Math.round(v * 100) / 100;

/**
 * Carries the history of every sample park forward to the month before the current one (the last
 * closed month), from each enterprise's own trend: a month is the same month a year before times
 * the enterprise's year-on-year growth of its last twelve months (clamped to 0.75-1.4), with a
 * small deterministic wobble. Months an enterprise has filed are left to the filing; the last
 * closed month stays outstanding for `samplePending` enterprises. Idempotent; returns rows added.
 */
export async function carrySampleForward(db: Queryable, now: Date): Promise<number> {
  const parks = (await db.query<{ idx: number; timezone: string }>(
    'SELECT p.idx, p.timezone FROM economy_sample_park s JOIN park p ON p.idx = s.park_idx')).rows;
  let added = 0;
  for (const park of parks) {
    const target = addMonths(monthOf(now, park.timezone), -1);
    const stale = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM enterprise e WHERE e.park_idx = $1
         AND COALESCE((SELECT max(month) FROM enterprise_monthly m WHERE m.enterprise_idx = e.idx), '1900-01-01') < $2::date`,
      [park.idx, addMonths(target, -1)]);
    const last = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM enterprise e WHERE e.park_idx = $1
         AND NOT EXISTS (SELECT 1 FROM enterprise_monthly m WHERE m.enterprise_idx = e.idx AND m.month = $2::date)`, [park.idx, target]);
    if (stale.rows[0]!.n === 0 && last.rows[0]!.n === 0) continue;
    const rows = (await db.query<Row>(
      `SELECT m.enterprise_idx, e.credit_code, to_char(m.month, 'YYYY-MM-DD') AS month, m.output_value::float8 AS output_value, m.revenue::float8 AS revenue,
              m.tax::float8 AS tax, m.rd_spend::float8 AS rd_spend, m.energy_kwh::float8 AS energy_kwh, m.staff
       FROM enterprise_monthly m JOIN enterprise e ON e.idx = m.enterprise_idx
       WHERE e.park_idx = $1 AND m.month >= (SELECT max(month) FROM enterprise_monthly x WHERE x.enterprise_idx = m.enterprise_idx) - interval '23 months'
       ORDER BY m.enterprise_idx, m.month`, [park.idx])).rows;
    const filed = new Set((await db.query<{ k: string }>(
      `SELECT f.enterprise_idx || '/' || to_char(f.month, 'YYYY-MM-DD') AS k FROM economy_filing f JOIN enterprise e ON e.idx = f.enterprise_idx WHERE e.park_idx = $1`, [park.idx])).rows.map((x) => x.k));
    const byEnt = new Map<number, Map<string, Row>>();
    for (const r of rows) {
      let m = byEnt.get(r.enterprise_idx);
      if (!m) byEnt.set(r.enterprise_idx, (m = new Map()));
      m.set(r.month, r);
    }
    const out: Row[] = [];
    for (const [ent, months] of byEnt) {
      const sorted = [...months.keys()].sort();
      const latest = sorted.at(-1)!;
      if (latest >= target) continue;
      const credit = months.get(latest)!.credit_code;
      const lastYear = sorted.slice(-12).reduce((s, k) => s + months.get(k)!.output_value, 0);
      const yearBefore = sorted.slice(-24, -12).reduce((s, k) => s + months.get(k)!.output_value, 0);
      const g = yearBefore > 0 && sorted.length >= 24 ? Math.min(1.4, Math.max(0.75, lastYear / yearBefore)) : 1;
      for (let m = addMonths(latest, 1); m <= target; m = addMonths(m, 1)) {
        if (filed.has(`${ent}/${m}`)) continue;
        if (m === target && samplePending(credit, m)) break;
        const base = months.get(addMonths(m, -12)) ?? months.get(sorted.at(-1)!)!;
        const prev = months.get(addMonths(m, -1)) ?? base;
        const wobble = 1 + ((hash32(`carry:${credit}:${m}`) / 0xffffffff) - 0.5) * 0.06;
        const row: Row = {
          enterprise_idx: ent, credit_code: credit, month: m,
          output_value: r2(base.output_value * g * wobble), revenue: r2(base.revenue * g * wobble), tax: r2(base.tax * g * wobble),
          rd_spend: r2(base.rd_spend * g * wobble), energy_kwh: Math.round(base.energy_kwh * Math.sqrt(g) * wobble * 10) / 10,
          staff: Math.max(1, Math.round(prev.staff * g ** (1 / 12))),
        };
        months.set(m, row);
        sorted.push(m);
        out.push(row);
      }
    }
    for (let i = 0; i < out.length; i += 5000) {
      const chunk = out.slice(i, i + 5000).map(({ credit_code: _c, ...r }) => r);
      const res = await db.query(
        `INSERT INTO enterprise_monthly (enterprise_idx, month, output_value, revenue, tax, rd_spend, energy_kwh, staff)
         SELECT enterprise_idx, month, output_value, revenue, tax, rd_spend, energy_kwh, staff
         FROM jsonb_to_recordset($1::jsonb) AS t(enterprise_idx integer, month date, output_value numeric, revenue numeric, tax numeric, rd_spend numeric, energy_kwh numeric, staff integer)
         ON CONFLICT (enterprise_idx, month) DO NOTHING`, [JSON.stringify(chunk)]);
      added += res.rowCount ?? 0;
    }
    // The enterprise's head count follows its latest reported month.
    if (out.length > 0) {
      await db.query(
        `UPDATE enterprise e SET staff = m.staff FROM (SELECT DISTINCT ON (enterprise_idx) enterprise_idx, staff FROM enterprise_monthly ORDER BY enterprise_idx, month DESC) m
         WHERE m.enterprise_idx = e.idx AND e.park_idx = $1 AND e.staff <> m.staff`, [park.idx]);
    }
  }
  return added;
}

/** One enterprise's latest reviewed month, as an economy layer message. */
export interface EconomyMessage {
  readonly park: string;
  readonly device: string;
  readonly payload: { month: string; output_value: number; revenue: number; tax: number; rd_spend: number; energy_kwh: number; staff: number };
}

/** The latest reviewed month of each enterprise (all parks, or one enterprise), as layer messages. */
export async function latestFigures(db: Queryable, enterpriseIdx?: number): Promise<EconomyMessage[]> {
  const r = await db.query<{ park: string; code: string; month: string; output_value: number; revenue: number; tax: number; rd_spend: number; energy_kwh: number; staff: number }>(
    `SELECT DISTINCT ON (m.enterprise_idx) p.code AS park, e.credit_code AS code, to_char(m.month, 'YYYY-MM') AS month,
            m.output_value::float8 AS output_value, m.revenue::float8 AS revenue, m.tax::float8 AS tax, m.rd_spend::float8 AS rd_spend,
            m.energy_kwh::float8 AS energy_kwh, m.staff
     FROM enterprise_monthly m JOIN enterprise e ON e.idx = m.enterprise_idx JOIN park p ON p.idx = e.park_idx
     WHERE ($1::int IS NULL OR m.enterprise_idx = $1)
     ORDER BY m.enterprise_idx, m.month DESC`, [enterpriseIdx ?? null]);
  return r.rows.map((x) => ({ park: x.park, device: x.code, payload: { month: x.month, output_value: x.output_value, revenue: x.revenue, tax: x.tax, rd_spend: x.rd_spend, energy_kwh: x.energy_kwh, staff: x.staff } }));
}
