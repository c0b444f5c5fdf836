/**
 * The customer registry search (standard G2): one query string over enterprises (name, English
 * name, credit code, industry), their people (contact persons and staff accounts) and the park's
 * visitors. Enterprise accounts see only rows of their own enterprise. LIKE on lower-cased text
 * (works for Chinese), the pattern's wildcards escaped; parameterized SQL only.
 */
import type { Queryable } from '../../db/index.ts';
import { isoDate } from '../../seed/dates.ts';

export interface RegistryEnterprise { idx: number; name: string; nameEn: string | null; creditCode: string; industry: string; staff: number; units: number; leasedArea: number }
export interface RegistryPerson { kind: 'contact' | 'account'; id: string; name: string; title: string | null; phone: string | null; enterpriseIdx: number; enterprise: string; enterpriseEn: string | null }
export interface RegistryVisitor { id: number; name: string; company: string | null; purpose: string | null; visitDate: string; hostIdx: number | null; host: string | null; hostEn: string | null }

/** A phone with its middle hidden (`138****5678`), for lists. */
export const maskPhone = (p: string | null): string | null => (p === null ? null : p.length <= 7 ? '****' : `${p.slice(0, 3)}****${p.slice(-4)}`);

const like = (q: string) => `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Searches the registry of park `parkIdx`; `scope` = an enterprise account's enterprise. */
export async function searchRegistry(db: Queryable, parkIdx: number, q: string, type: 'all' | 'enterprise' | 'person' | 'visitor', limit: number, scope: number | null, industryNames: Record<string, string[]>) {
  const pat = q ? like(q) : null;
  // Industry codes whose Chinese or English name matches the query (so "软件" finds software firms).
  const industries = q ? Object.entries(industryNames).filter(([, names]) => names.some((n) => n.toLowerCase().includes(q.toLowerCase()))).map(([c]) => c) : [];
  const out = { enterprises: [] as RegistryEnterprise[], people: [] as RegistryPerson[], visitors: [] as RegistryVisitor[], totals: { enterprises: 0, people: 0, visitors: 0 } };
  if (type === 'all' || type === 'enterprise') {
    const r = await db.query<{ idx: number; name: string; name_en: string | null; credit_code: string; industry: string; staff: number; units: number; area: number; total: number }>(
      `SELECT e.idx, o.name, o.name_en, e.credit_code, e.industry, e.staff,
              (SELECT count(*)::int FROM lease l WHERE l.enterprise_idx = e.idx AND l.status = 'active') AS units,
              (SELECT COALESCE(sum(r.area), 0)::float8 FROM lease l JOIN room r ON r.idx = l.room_idx WHERE l.enterprise_idx = e.idx AND l.status = 'active') AS area,
              count(*) OVER ()::int AS total
       FROM enterprise e JOIN twin_object o ON o.idx = e.idx
       WHERE e.park_idx = $1 AND ($2::int IS NULL OR e.idx = $2)
         AND ($3::text IS NULL OR lower(o.name) LIKE $3 OR lower(COALESCE(o.name_en, '')) LIKE $3 OR lower(e.credit_code) LIKE $3 OR e.industry = ANY($4::text[]))
       ORDER BY o.name LIMIT $5`, [parkIdx, scope, pat, industries, limit]);
    out.enterprises = r.rows.map((x) => ({ idx: x.idx, name: x.name, nameEn: x.name_en, creditCode: x.credit_code, industry: x.industry, staff: x.staff, units: x.units, leasedArea: Math.round(x.area * 10) / 10 }));
    out.totals.enterprises = r.rows[0]?.total ?? 0;
  }
  if (type === 'all' || type === 'person') {
    const r = await db.query<{ kind: 'contact' | 'account'; id: string; name: string; title: string | null; phone: string | null; eidx: number; ename: string; ename_en: string | null; total: number }>(
      `SELECT x.*, count(*) OVER ()::int AS total FROM (
         SELECT 'contact' AS kind, c.id::text AS id, c.name, c.title, c.phone, e.idx AS eidx, o.name AS ename, o.name_en AS ename_en
         FROM customer_contact c JOIN enterprise e ON e.idx = c.enterprise_idx JOIN twin_object o ON o.idx = e.idx
         WHERE e.park_idx = $1 AND ($2::int IS NULL OR e.idx = $2)
           AND ($3::text IS NULL OR lower(c.name) LIKE $3 OR lower(COALESCE(c.title, '')) LIKE $3 OR COALESCE(c.phone, '') LIKE $3 OR lower(o.name) LIKE $3)
         UNION ALL
         SELECT 'account', u.username, u.display_name, NULL, NULL, e.idx, o.name, o.name_en
         FROM app_user u JOIN enterprise e ON e.idx = u.enterprise_idx JOIN twin_object o ON o.idx = e.idx
         WHERE e.park_idx = $1 AND ($2::int IS NULL OR e.idx = $2)
           AND ($3::text IS NULL OR lower(u.display_name) LIKE $3 OR lower(u.username) LIKE $3 OR lower(o.name) LIKE $3)
       ) x ORDER BY x.ename, x.kind DESC, x.name LIMIT $4`, [parkIdx, scope, pat, limit]);
    out.people = r.rows.map((x) => ({ kind: x.kind, id: x.id, name: x.name, title: x.title, phone: maskPhone(x.phone), enterpriseIdx: x.eidx, enterprise: x.ename, enterpriseEn: x.ename_en }));
    out.totals.people = r.rows[0]?.total ?? 0;
  }
  if (type === 'all' || type === 'visitor') {
    const r = await db.query<{ id: number; name: string; company: string | null; purpose: string | null; visit_date: unknown; host_idx: number | null; host: string | null; host_en: string | null; total: number }>(
      `SELECT v.id, v.name, v.company, v.purpose, v.visit_date, v.host_enterprise_idx AS host_idx, o.name AS host, o.name_en AS host_en, count(*) OVER ()::int AS total
       FROM customer_visitor v LEFT JOIN twin_object o ON o.idx = v.host_enterprise_idx
       WHERE v.park_idx = $1 AND ($2::int IS NULL OR v.host_enterprise_idx = $2)
         AND ($3::text IS NULL OR lower(v.name) LIKE $3 OR lower(COALESCE(v.company, '')) LIKE $3 OR lower(COALESCE(o.name, '')) LIKE $3)
       ORDER BY v.visit_date DESC, v.id DESC LIMIT $4`, [parkIdx, scope, pat, limit]);
    out.visitors = r.rows.map((x) => ({
      id: x.id, name: x.name, company: x.company, purpose: x.purpose, visitDate: x.visit_date instanceof Date ? isoDate(x.visit_date.getTime()) : String(x.visit_date).slice(0, 10),
      hostIdx: x.host_idx, host: x.host, hostEn: x.host_en,
    }));
    out.totals.visitors = r.rows[0]?.total ?? 0;
  }
  return out;
}
