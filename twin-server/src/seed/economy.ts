/**
 * Enterprises of the park, their 36-month economic history (G7) and the leases that put them
 * into units. Every leasable unit gets a state; leased and expiring units have exactly one active
 * lease whose end date agrees with the state, vacant and reserved units have none.
 */
import { Rng } from './prng.ts';
import { addDays, addMonths, addYears } from './dates.ts';
import { roundTo } from './geo.ts';
import { BRAND_SYLLABLES, DIVISIONS, INDUSTRY_WEIGHTS, INDUSTRY_WORDS } from './catalog.ts';
import { makeUscc } from './uscc.ts';
import type { BuildingUse, EnterpriseObj, Industry, LeaseObj, MonthlyRow, RoomObj } from './model.ts';

/** Months of economic history per enterprise. */
export const HISTORY_MONTHS = 36;
/** Days before its end at which an active lease counts as expiring. */
export const EXPIRING_DAYS = 90;

/** Seasonal factors by calendar month (Spring Festival dip, year-end peak). */
const SEASON = [0.95, 0.78, 1.0, 0.98, 1.0, 1.04, 0.98, 0.97, 1.02, 0.96, 1.04, 1.22];

/** Industries that prefer each building use when choosing units. */
const HOME: Record<Industry, readonly BuildingUse[]> = {
  ai: ['office', 'mixed', 'incubator', 'research'],
  ic_design: ['research', 'office'],
  software: ['office', 'mixed', 'incubator'],
  biomed: ['research'],
  new_energy: ['industrial', 'research'],
  smart_manufacturing: ['industrial'],
  digital_media: ['incubator', 'office', 'mixed'],
  fintech: ['office', 'mixed'],
  e_commerce: ['office', 'incubator', 'amenity'],
  services: ['office', 'amenity', 'mixed'],
};

/** Generates enterprises and leases, and sets every leasable room's lease state and rent. */
export function generateEconomy(
  seed: number,
  idSeed: string,
  scale: number,
  asOf: string,
  rooms: readonly RoomObj[],
): { enterprises: EnterpriseObj[]; leases: LeaseObj[] } {
  const rng = new Rng(seed, 'economy');
  const ids = new Rng(seed, `ids:${idSeed}`); // identifiers differ per park code so parks can coexist
  const n = Math.max(4, Math.round(300 * scale));
  const firstMonth = addMonths(asOf, -HISTORY_MONTHS);
  const names = new Set<string>();
  const codes = new Set<string>();
  const enterprises: EnterpriseObj[] = [];
  for (let i = 0; i < n; i++) {
    const industry = rng.weighted(INDUSTRY_WEIGHTS);
    let zh = '';
    let en = '';
    for (let tries = 0; tries < 100; tries++) {
      const [a, ap] = rng.pick(BRAND_SYLLABLES);
      const [b, bp] = rng.pick(BRAND_SYLLABLES);
      if (a === b) continue;
      const w = rng.int(0, INDUSTRY_WORDS[industry].zh.length - 1);
      zh = `杭州${a}${b}${INDUSTRY_WORDS[industry].zh[w]}有限公司`;
      en = `Hangzhou ${ap}${bp.toLowerCase()} ${INDUSTRY_WORDS[industry].en[w]} Co., Ltd.`;
      if (!names.has(zh)) break;
      zh = `${zh.slice(0, -4)}(${i})有限公司`;
    }
    names.add(zh);
    let credit: string;
    do credit = makeUscc(ids, rng.pick(DIVISIONS));
    while (codes.has(credit));
    codes.add(credit);
    const leading = rng.chance(0.05);
    const staff = Math.round(leading ? rng.range(400, 2500) : Math.min(600, rng.logNormal(35, 0.9)) + 3);
    const hiTechBias = industry === 'ai' || industry === 'ic_design' || industry === 'biomed' ? 0.7 : industry === 'services' ? 0.05 : 0.35;
    const founded = addDays(firstMonth, -rng.int(60, 365 * 18));
    enterprises.push({
      idx: 0,
      uuid: '',
      name: zh,
      nameEn: en,
      creditCode: credit,
      industry,
      capital: roundTo(leading ? rng.range(5000, 80000) : rng.logNormal(500, 1.1), 2),
      staff,
      founded,
      leading,
      highTech: leading || rng.chance(hiTechBias),
      monthly: history(rng, industry, staff, leading, firstMonth),
    });
  }

  // Lease states: about 16 % vacant, 4 % reserved, 8 % expiring, the rest leased.
  const units = rooms.filter((r) => r.leasable);
  for (const r of units) {
    r.leaseStatus = rng.weighted({ leased: 72, expiring: 8, vacant: 16, reserved: 4 });
  }
  const occupied = units.filter((r) => r.leaseStatus === 'leased' || r.leaseStatus === 'expiring');
  // Pools of occupied units by building use, in building/floor/room order so neighbours group.
  const pools = new Map<BuildingUse, RoomObj[]>();
  for (const r of occupied) {
    const list = pools.get(r.building.use) ?? [];
    list.push(r);
    pools.set(r.building.use, list);
  }
  const tenant = new Map<RoomObj, EnterpriseObj>();
  const order = rng.shuffle(enterprises);
  for (const e of order) {
    const want = Math.max(1, Math.min(12, Math.round((e.staff * 9) / 160)));
    const prefs = [...HOME[e.industry], 'office', 'mixed', 'incubator', 'research', 'industrial', 'amenity'] as BuildingUse[];
    let got = 0;
    for (const use of prefs) {
      const pool = pools.get(use);
      while (pool && pool.length > 0 && got < want) {
        tenant.set(pool.shift()!, e);
        got++;
      }
      if (got >= want) break;
    }
  }
  // Units left over go to enterprises that want to grow, largest first.
  const bySize = [...enterprises].sort((a, b) => b.staff - a.staff || a.creditCode.localeCompare(b.creditCode));
  let k = 0;
  for (const pool of pools.values()) for (const r of pool) tenant.set(r, bySize[k++ % bySize.length]!);

  const leases: LeaseObj[] = [];
  for (const r of units) {
    const base = r.rent ?? 60;
    const e = tenant.get(r);
    if (!e) {
      // Vacant or reserved: asking rent; some had a tenant before.
      r.rent = roundTo(base, 2);
      if (rng.chance(0.35)) {
        const prev = rng.pick(enterprises);
        const end = addDays(asOf, -rng.int(20, 400));
        const start = addYears(end, -rng.pick([2, 3]));
        leases.push({ room: r, enterprise: prev, start: addDays(start, 1), end, rent: roundTo(base * rng.range(0.85, 0.95), 2), status: 'ended' });
      }
      continue;
    }
    const term = rng.pick([2, 3, 3, 5]);
    const end = r.leaseStatus === 'expiring' ? addDays(asOf, rng.int(1, EXPIRING_DAYS)) : addDays(asOf, rng.int(EXPIRING_DAYS + 1, 365 * term - 30));
    const start = addDays(addYears(end, -term), 1);
    const rent = roundTo(base * rng.range(0.88, 1.0), 2);
    r.rent = rent;
    if (rng.chance(0.25)) {
      const prevEnd = addDays(start, -rng.int(1, 60));
      leases.push({ room: r, enterprise: rng.pick(enterprises), start: addDays(addYears(prevEnd, -3), 1), end: prevEnd, rent: roundTo(rent * 0.9, 2), status: 'ended' });
    }
    leases.push({ room: r, enterprise: e, start, end, rent, status: 'active' });
  }
  return { enterprises, leases };
}

/** 36 months of figures with a growth trend, seasonality and noise. */
function history(rng: Rng, industry: Industry, staff0: number, leading: boolean, firstMonth: string): MonthlyRow[] {
  const growth = rng.normal(leading ? 0.15 : 0.12, 0.14); // per year
  const perHead = rng.range(2.2, 9) * (industry === 'e_commerce' || industry === 'fintech' ? 1.6 : 1); // 10k CNY per person-month
  const outputRatio = industry === 'smart_manufacturing' || industry === 'new_energy' ? rng.range(1.1, 1.35) : rng.range(0.9, 1.05);
  const taxRate = rng.range(0.03, 0.08);
  const rdRate = industry === 'ai' || industry === 'ic_design' || industry === 'biomed' ? rng.range(0.15, 0.32) : rng.range(0.03, 0.1);
  const kwhPerHead = industry === 'smart_manufacturing' || industry === 'new_energy' ? rng.range(900, 2000) : industry === 'ic_design' || industry === 'ai' ? rng.range(300, 600) : rng.range(150, 320);
  // staff0 is today's headcount; walk back the trend for the start.
  const start = staff0 / (1 + growth) ** (HISTORY_MONTHS / 12);
  const rows: MonthlyRow[] = [];
  for (let m = 0; m < HISTORY_MONTHS; m++) {
    const month = addMonths(firstMonth, m);
    const trend = (1 + growth) ** (m / 12);
    const staff = Math.max(1, Math.round(start * trend * (1 + rng.normal(0, 0.01))));
    const season = SEASON[Number(month.slice(5, 7)) - 1]!;
    const revenue = Math.max(0, staff * perHead * season * (1 + rng.normal(0, 0.07)));
    rows.push({
      month,
      output: roundTo(revenue * outputRatio, 2),
      revenue: roundTo(revenue, 2),
      tax: roundTo(revenue * taxRate * (1 + rng.normal(0, 0.05)), 2),
      rd: roundTo(Math.max(0, revenue * rdRate * (1 + rng.normal(0, 0.1))), 2),
      energyKwh: roundTo(Math.max(0, staff * kwhPerHead * (season > 1.1 ? 1.05 : 1) * (1 + rng.normal(0, 0.05))), 1),
      staff,
    });
  }
  return rows;
}
