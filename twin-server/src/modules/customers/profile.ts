/**
 * An enterprise's profile, built from the park's own data (standard G2): register facts, size,
 * growth and R&D from the reviewed monthly figures (economy filings), energy intensity, the units
 * it rents, services used (repairs, meeting bookings, meal cards: each only when its module's
 * tables exist), alarms raised in its units, payment behaviour from the rent invoices, then tags
 * and advice for managers by the rules of docs/customers.md (`TAG_RULES`, `ADVICE_RULES`).
 * Parameterized SQL only; the same statements on PGlite and PostgreSQL.
 */
import type { Queryable } from '../../db/index.ts';
import { addDays, addMonths, isoDate } from '../../seed/dates.ts';

/** Thresholds of the tag rules (docs/customers.md lists them). */
export const RULES = {
  fastGrowth: 0.2, // output of the last 12 closed months vs the 12 before: >= +20 %
  decline: -0.1, // <= -10 %
  energyFactor: 1.5, // kWh per 10k CNY of output > 1.5 x the park's median
  rdIntensity: 0.1, // R&D spend / revenue >= 10 %
  promptPayer: 0.9, // invoices of the last 12 months paid by their due date >= 90 %, none overdue
  leaseHorizonDays: 180, // an active lease ends within 180 days
  frequentAlarms: 5, // >= 5 alarms raised in its units in the last 90 days
  activeServices: 6, // repairs + bookings of the last 12 months >= 6
  crowdedM2PerPerson: 8, // fewer than 8 m² of rented area per employee
} as const;

export const TAGS = ['leading', 'high_tech', 'fast_growth', 'declining', 'energy_intensive', 'rd_intensive', 'prompt_payer', 'arrears',
  'lease_expiring', 'frequent_alarms', 'active_services', 'crowded'] as const;
export type Tag = (typeof TAGS)[number];
export const ADVICE = ['collect_arrears', 'renew_lease', 'offer_expansion', 'visit_decline', 'energy_audit', 'inspect_units', 'policy_support', 'retain_key'] as const;
export type Advice = (typeof ADVICE)[number];

/** Size class by employees (China's SME classification for software and IT services). */
export function sizeClass(staff: number): 'micro' | 'small' | 'medium' | 'large' {
  return staff < 10 ? 'micro' : staff < 100 ? 'small' : staff < 300 ? 'medium' : 'large';
}

export interface Profile {
  idx: number; name: string; nameEn: string | null; creditCode: string; industry: string; registeredCapital: number;
  staff: number; founded: string | null; isLeading: boolean; highTech: boolean; size: 'micro' | 'small' | 'medium' | 'large';
  asOf: string; lastMonth: string;
  units: { idx: number; code: string; building: number; buildingName: string; floor: number; level: number; area: number; rent: number; leaseEnd: string }[];
  leasedArea: number;
  economy: {
    output12: number; outputPrev12: number | null; growth: number | null; revenue12: number; tax12: number; rd12: number;
    rdIntensity: number | null; energyKwh12: number; energyIntensity: number | null; parkMedianIntensity: number | null;
    months: { month: string; output: number; tax: number }[];
  };
  services: { repairs: number | null; openRepairs: number | null; bookings: number | null; mealCards: number | null; mealSpend30d: number | null };
  alarms: { last90d: number; open: number; byKind: { kind: string; count: number }[] };
  payment: { invoices: number; onTime: number; onTimeRate: number | null; avgDaysLate: number | null; overdueCount: number; overdueAmount: number };
  contacts: { id: number; name: string; title: string | null; phone: string | null; email: string | null; primary: boolean }[];
  accounts: { username: string; name: string; disabled: boolean }[];
  visitors90d: number;
  tags: Tag[];
  advice: { code: Advice; units?: number[]; amount?: number }[];
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const day = (v: unknown): string => (v instanceof Date ? isoDate(v.getTime()) : String(v).slice(0, 10));

/** Whether a table exists (a module switched off has none). */
async function hasTable(db: Queryable, name: string): Promise<boolean> {
  return (await db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [name])).rows[0]?.t != null;
}

/** The median of energy intensity (kWh per 10k CNY of output, last 12 closed months) over the park's enterprises. */
async function parkMedianIntensity(db: Queryable, parkIdx: number, from: string, to: string): Promise<number | null> {
  const r = await db.query<{ i: number }>(
    `SELECT sum(m.energy_kwh)::float8 / NULLIF(sum(m.output_value), 0)::float8 AS i FROM enterprise_monthly m JOIN enterprise e ON e.idx = m.enterprise_idx
     WHERE e.park_idx = $1 AND m.month BETWEEN $2::date AND $3::date GROUP BY m.enterprise_idx HAVING sum(m.output_value) > 0 ORDER BY 1`, [parkIdx, from, to]);
  const v = r.rows.map((x) => Number(x.i));
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/**
 * The profile of enterprise `idx` at `now` (`month` = the first day of the current month in the
 * park's time zone), or null when it is not an enterprise. `withAccounts` adds the staff accounts.
 */
export async function enterpriseProfile(db: Queryable, idx: number, now: Date, month: string, withAccounts: boolean): Promise<Profile | null> {
  const e = (await db.query<{ name: string; name_en: string | null; credit_code: string; industry: string; registered_capital: number; staff: number; founded: unknown; is_leading: boolean; high_tech: boolean; park_idx: number }>(
    `SELECT o.name, o.name_en, e.credit_code, e.industry, e.registered_capital::float8 AS registered_capital, e.staff, e.founded, e.is_leading, e.high_tech, e.park_idx
     FROM enterprise e JOIN twin_object o ON o.idx = e.idx WHERE e.idx = $1`, [idx])).rows[0];
  if (!e) return null;
  const today = isoDate(now.getTime());
  const last = addMonths(month, -1);
  const from12 = addMonths(month, -12);
  const from24 = addMonths(month, -24);

  const units = (await db.query<{ idx: number; code: string; building: number; building_name: string; floor: number; level: number; area: number; rent: number; end_date: unknown }>(
    `SELECT r.idx, r.code, r.building_idx AS building, bo.name AS building_name, r.floor_idx AS floor, f.level, r.area::float8 AS area, l.rent::float8 AS rent, l.end_date
     FROM lease l JOIN room r ON r.idx = l.room_idx JOIN floor f ON f.idx = r.floor_idx JOIN twin_object bo ON bo.idx = r.building_idx
     WHERE l.enterprise_idx = $1 AND l.status = 'active' ORDER BY r.building_idx, f.level, r.code`, [idx])).rows
    .map((u) => ({ idx: u.idx, code: u.code, building: u.building, buildingName: u.building_name, floor: u.floor, level: u.level, area: Math.round(u.area * 10) / 10, rent: u.rent, leaseEnd: day(u.end_date) }));
  const leasedArea = Math.round(units.reduce((s, u) => s + u.area, 0) * 10) / 10;

  const sums = (await db.query<{ cur: boolean; output: number; revenue: number; tax: number; rd: number; kwh: number; n: number }>(
    `SELECT month >= $2::date AS cur, sum(output_value)::float8 AS output, sum(revenue)::float8 AS revenue, sum(tax)::float8 AS tax,
            sum(rd_spend)::float8 AS rd, sum(energy_kwh)::float8 AS kwh, count(*)::int AS n
     FROM enterprise_monthly WHERE enterprise_idx = $1 AND month >= $3::date AND month <= $4::date GROUP BY 1`, [idx, from12, from24, last])).rows;
  const cur = sums.find((s) => s.cur);
  const prev = sums.find((s) => !s.cur);
  const output12 = num(cur?.output);
  const outputPrev12 = prev && prev.n >= 12 && num(prev.output) > 0 ? num(prev.output) : null;
  const months = (await db.query<{ month: string; output: number; tax: number }>(
    `SELECT to_char(month, 'YYYY-MM') AS month, output_value::float8 AS output, tax::float8 AS tax FROM enterprise_monthly
     WHERE enterprise_idx = $1 AND month >= $2::date AND month <= $3::date ORDER BY month`, [idx, from12, last])).rows;
  const median = await parkMedianIntensity(db, e.park_idx, from12, last);
  const economy = {
    output12, outputPrev12, growth: outputPrev12 ? output12 / outputPrev12 - 1 : null,
    revenue12: num(cur?.revenue), tax12: num(cur?.tax), rd12: num(cur?.rd),
    rdIntensity: num(cur?.revenue) > 0 ? num(cur?.rd) / num(cur?.revenue) : null,
    energyKwh12: num(cur?.kwh), energyIntensity: output12 > 0 ? num(cur?.kwh) / output12 : null, parkMedianIntensity: median,
    months,
  };

  // Services, each only when its module's table exists.
  const services: Profile['services'] = { repairs: null, openRepairs: null, bookings: null, mealCards: null, mealSpend30d: null };
  const rep = (await db.query<{ n: number; open: number }>(
    `SELECT count(*)::int AS n, count(*) FILTER (WHERE state IN ('submitted', 'assigned', 'in_progress'))::int AS open
     FROM kit_record WHERE entity = 'repair' AND enterprise_idx = $1 AND created_at >= $2::timestamptz`, [idx, addDays(today, -365)])).rows[0];
  services.repairs = rep?.n ?? 0;
  services.openRepairs = rep?.open ?? 0;
  if (await hasTable(db, 'booking')) {
    services.bookings = (await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM booking WHERE enterprise_idx = $1 AND status <> 'cancelled' AND starts_at >= $2::timestamptz`, [idx, addDays(today, -365)])).rows[0]!.n;
  }
  if (await hasTable(db, 'meal_card')) {
    const m = (await db.query<{ cards: number; spend: number }>(
      `SELECT (SELECT count(*)::int FROM meal_card WHERE enterprise_idx = $1 AND status = 'active') AS cards,
              (SELECT COALESCE(-sum(x.amount_fen), 0)::float8 FROM meal_card_entry x JOIN meal_card c ON c.id = x.card_id
               WHERE c.enterprise_idx = $1 AND x.kind = 'charge' AND x.at >= $2::timestamptz) / 100 AS spend`, [idx, addDays(today, -30)]).catch(() => null))?.rows[0];
    if (m) {
      services.mealCards = m.cards;
      services.mealSpend30d = Math.round(num(m.spend) * 100) / 100;
    }
  }

  // Alarms in its units (the rooms it rents and the equipment in them).
  const alarmRows = (await db.query<{ kind: string; n: number; open: number }>(
    `SELECT a.kind, count(*)::int AS n, count(*) FILTER (WHERE a.state <> 'cleared')::int AS open FROM alarm a
     WHERE a.raised_at >= $2::timestamptz AND a.idx IN (
       SELECT l.room_idx FROM lease l WHERE l.enterprise_idx = $1 AND l.status = 'active'
       UNION SELECT q.idx FROM equipment q JOIN lease l ON l.room_idx = q.room_idx WHERE l.enterprise_idx = $1 AND l.status = 'active')
     GROUP BY a.kind ORDER BY 2 DESC, 1`, [idx, new Date(now.getTime() - 90 * 86_400_000)])).rows;
  const alarms = { last90d: alarmRows.reduce((s, a) => s + a.n, 0), open: alarmRows.reduce((s, a) => s + a.open, 0), byKind: alarmRows.map((a) => ({ kind: a.kind, count: a.n })) };

  // Payment behaviour: invoices due in the last 12 months.
  const inv = (await db.query<{ n: number; on_time: number; late_days: number | null; overdue: number; overdue_amount: number }>(
    `SELECT count(*)::int AS n, count(*) FILTER (WHERE paid_date IS NOT NULL AND paid_date <= due_date)::int AS on_time,
            avg(GREATEST(0, COALESCE(paid_date, $3::date) - due_date))::float8 AS late_days,
            count(*) FILTER (WHERE paid_date IS NULL AND due_date < $3::date)::int AS overdue,
            COALESCE(sum(amount) FILTER (WHERE paid_date IS NULL AND due_date < $3::date), 0)::float8 AS overdue_amount
     FROM customer_invoice WHERE enterprise_idx = $1 AND due_date >= $2::date AND due_date <= $3::date`, [idx, addDays(today, -365), today])).rows[0]!;
  const payment = {
    invoices: inv.n, onTime: inv.on_time, onTimeRate: inv.n > 0 ? inv.on_time / inv.n : null,
    avgDaysLate: inv.late_days === null ? null : Math.round(num(inv.late_days) * 10) / 10, overdueCount: inv.overdue, overdueAmount: num(inv.overdue_amount),
  };

  const contacts = (await db.query<{ id: number; name: string; title: string | null; phone: string | null; email: string | null; is_primary: boolean }>(
    'SELECT id, name, title, phone, email, is_primary FROM customer_contact WHERE enterprise_idx = $1 ORDER BY is_primary DESC, id', [idx])).rows
    .map((c) => ({ id: c.id, name: c.name, title: c.title, phone: c.phone, email: c.email, primary: c.is_primary }));
  const accounts = withAccounts ? (await db.query<{ username: string; display_name: string; disabled: boolean }>(
    'SELECT username, display_name, disabled FROM app_user WHERE enterprise_idx = $1 ORDER BY username', [idx])).rows
    .map((a) => ({ username: a.username, name: a.display_name, disabled: a.disabled })) : [];
  const visitors90d = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM customer_visitor WHERE host_enterprise_idx = $1 AND visit_date >= $2::date',
    [idx, addDays(today, -90)])).rows[0]!.n;

  const p: Profile = {
    idx, name: e.name, nameEn: e.name_en, creditCode: e.credit_code, industry: e.industry, registeredCapital: num(e.registered_capital), staff: e.staff,
    founded: e.founded ? day(e.founded) : null, isLeading: e.is_leading, highTech: e.high_tech, size: sizeClass(e.staff),
    asOf: today, lastMonth: last.slice(0, 7), units, leasedArea, economy, services, alarms, payment, contacts, accounts, visitors90d, tags: [], advice: [],
  };
  const { tags, advice } = classify(p, today);
  p.tags = tags;
  p.advice = advice;
  return p;
}

/** Tags and advice from a profile's figures (the rules of docs/customers.md). */
export function classify(p: Omit<Profile, 'tags' | 'advice'>, today: string): { tags: Tag[]; advice: Profile['advice'] } {
  const t = new Set<Tag>();
  const ec = p.economy;
  if (p.isLeading) t.add('leading');
  if (p.highTech) t.add('high_tech');
  if (ec.growth !== null && ec.growth >= RULES.fastGrowth) t.add('fast_growth');
  if (ec.growth !== null && ec.growth <= RULES.decline) t.add('declining');
  if (ec.energyIntensity !== null && ec.parkMedianIntensity !== null && ec.energyIntensity > RULES.energyFactor * ec.parkMedianIntensity) t.add('energy_intensive');
  if (ec.rdIntensity !== null && ec.rdIntensity >= RULES.rdIntensity) t.add('rd_intensive');
  if (p.payment.overdueCount > 0) t.add('arrears');
  else if (p.payment.onTimeRate !== null && p.payment.onTimeRate >= RULES.promptPayer) t.add('prompt_payer');
  const horizon = addDays(today, RULES.leaseHorizonDays);
  const expiring = p.units.filter((u) => u.leaseEnd <= horizon).map((u) => u.idx);
  if (expiring.length > 0) t.add('lease_expiring');
  if (p.alarms.last90d >= RULES.frequentAlarms) t.add('frequent_alarms');
  if ((p.services.repairs ?? 0) + (p.services.bookings ?? 0) >= RULES.activeServices) t.add('active_services');
  if (p.leasedArea > 0 && p.staff > 0 && p.leasedArea / p.staff < RULES.crowdedM2PerPerson) t.add('crowded');

  const a: Profile['advice'] = [];
  if (t.has('arrears')) a.push({ code: 'collect_arrears', amount: p.payment.overdueAmount });
  if (t.has('lease_expiring')) a.push({ code: 'renew_lease', units: expiring });
  if (t.has('fast_growth') || t.has('crowded')) a.push({ code: 'offer_expansion' });
  if (t.has('declining')) a.push({ code: 'visit_decline' });
  if (t.has('energy_intensive')) a.push({ code: 'energy_audit' });
  if (t.has('frequent_alarms')) a.push({ code: 'inspect_units' });
  if (t.has('high_tech') || t.has('rd_intensive')) a.push({ code: 'policy_support' });
  if (t.has('leading') && (t.has('lease_expiring') || t.has('declining'))) a.push({ code: 'retain_key' });
  return { tags: TAGS.filter((x) => t.has(x)), advice: a };
}
