/**
 * The economy module (issue 18, standard G7 economic monitoring): enterprise users file their
 * monthly figures (output, revenue, tax, R&D, employees, electricity) in a form or as an Excel
 * report (downloadable template; every problem named by its row), park staff approve or return
 * each filing (audited), and approval writes the figures into `enterprise_monthly`, the economic
 * database every KPI and analysis reads. The sample park's history is carried to the current
 * month on every start, and the economy layer on the scene is published from that database.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { TwinModule } from '../types.ts';
import type { ServerContext } from '../../context.ts';
import type { TwinContext } from '../../http/route.ts';
import type { Queryable } from '../../db/types.ts';
import type { Principal } from '../../auth/types.ts';
import { authService } from '../../auth/index.ts';
import { intIdParams } from '../../http/schemas.ts';
import { bodyOf, paramsOf, queryOf } from '../../http/input.ts';
import { liveRuntimeOf } from '../live.ts';
import { addMonths } from '../../seed/dates.ts';
import { INDICATORS, MAX_FIGURE, MAX_XLSX_BYTES, parseReport, templateWorkbook, type Figures, type RowError } from './excel.ts';
import { carrySampleForward, latestFigures, monthOf } from './history.ts';
import { analysisRoutes } from './analysis.ts';

const figure = z.number().min(0).max(MAX_FIGURE);
const monthText = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'month is YYYY-MM');
const figuresSchema = z.object({
  outputValue: figure, revenue: figure, tax: figure, rdSpend: figure, energyKwh: figure, staff: z.number().int().min(0).max(10_000_000),
});
const fileBody = figuresSchema.extend({ month: monthText }).strict();
const filingRow = figuresSchema.extend({
  id: z.number(), enterpriseIdx: z.number(), enterprise: z.string(), enterpriseEn: z.string().nullable(), month: z.string(),
  status: z.enum(['submitted', 'approved', 'returned']), source: z.enum(['form', 'excel']), version: z.number(),
  filedByName: z.string(), filedAt: z.string(), reviewedByName: z.string().nullable(), reviewedAt: z.string().nullable(), reviewNote: z.string().nullable(),
});
const fileResult = z.object({ filing: filingRow, outcome: z.enum(['created', 'updated', 'unchanged']) });
const listQuery = z.object({
  status: z.enum(['submitted', 'approved', 'returned']).optional(),
  month: monthText.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
const detail = filingRow.extend({
  recorded: figuresSchema.nullable(), lastYear: figuresSchema.nullable(),
});
const approveBody = z.object({ version: z.number().int().min(1) }).strict();
const returnBody = z.object({ version: z.number().int().min(1), note: z.string().trim().min(1).max(500) }).strict();
const templateQuery = z.object({ month: monthText.optional() });

export type FilingRow = z.infer<typeof filingRow>;

const FILING_SELECT = `
  SELECT f.id, f.enterprise_idx, o.name AS enterprise, o.name_en AS enterprise_en, to_char(f.month, 'YYYY-MM') AS month,
         f.output_value::float8 AS output_value, f.revenue::float8 AS revenue, f.tax::float8 AS tax, f.rd_spend::float8 AS rd_spend,
         f.energy_kwh::float8 AS energy_kwh, f.staff, f.status, f.source, f.version, f.filed_by_name, f.filed_at,
         f.reviewed_by_name, f.reviewed_at, f.review_note
  FROM economy_filing f JOIN twin_object o ON o.idx = f.enterprise_idx`;

interface DbFiling {
  id: number; enterprise_idx: number; enterprise: string; enterprise_en: string | null; month: string;
  output_value: number; revenue: number; tax: number; rd_spend: number; energy_kwh: number; staff: number;
  status: 'submitted' | 'approved' | 'returned'; source: 'form' | 'excel'; version: number; filed_by_name: string; filed_at: Date;
  reviewed_by_name: string | null; reviewed_at: Date | null; review_note: string | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const toRow = (f: DbFiling): FilingRow => ({
  id: f.id, enterpriseIdx: f.enterprise_idx, enterprise: f.enterprise, enterpriseEn: f.enterprise_en, month: f.month,
  outputValue: f.output_value, revenue: f.revenue, tax: f.tax, rdSpend: f.rd_spend, energyKwh: f.energy_kwh, staff: f.staff,
  status: f.status, source: f.source, version: f.version, filedByName: f.filed_by_name, filedAt: iso(f.filed_at)!,
  reviewedByName: f.reviewed_by_name, reviewedAt: iso(f.reviewed_at), reviewNote: f.review_note,
});

/** Money to the cent, electricity to 0.1 kWh: what the database keeps (so a re-filing compares equal). */
function normalise(f: Figures): Figures {
  const c = (v: number) => Math.round(v * 100) / 100;
  return { outputValue: c(f.outputValue), revenue: c(f.revenue), tax: c(f.tax), rdSpend: c(f.rdSpend), energyKwh: Math.round(f.energyKwh * 10) / 10, staff: f.staff };
}
const same = (a: Figures, b: Figures) => INDICATORS.every((i) => a[i.key] === b[i.key]);

async function getFiling(db: Queryable, id: number): Promise<DbFiling | null> {
  return (await db.query<DbFiling>(`${FILING_SELECT} WHERE f.id = $1`, [id])).rows[0] ?? null;
}

/** The enterprise an enterprise user files for (403 for anybody else). */
function filer(ctx: TwinContext): { p: Principal; enterpriseIdx: number } {
  const p = ctx.state.principal!;
  if (p.enterpriseIdx === undefined || p.enterpriseIdx === null) return ctx.throw(403, 'filing is done by enterprise accounts (an account of the enterprise)');
  return { p, enterpriseIdx: p.enterpriseIdx };
}

/** The months an enterprise may file at `now`: closed months of the last two years. */
async function checkMonth(sc: ServerContext, ctx: TwinContext, enterpriseIdx: number, month: string): Promise<string> {
  const tz = (await sc.db.query<{ timezone: string }>('SELECT p.timezone FROM enterprise e JOIN park p ON p.idx = e.park_idx WHERE e.idx = $1', [enterpriseIdx])).rows[0]?.timezone ?? 'Asia/Shanghai';
  const current = monthOf(authService(sc).now(), tz);
  const m = `${month}-01`;
  if (m >= current) ctx.throw(422, `month ${month} is not closed yet: a month is filed after it ends (latest: ${addMonths(current, -1).slice(0, 7)})`);
  if (m < addMonths(current, -24)) ctx.throw(422, `month ${month} is more than two years back; ask park staff`);
  return m;
}

/** Files (or corrects) an enterprise's month in one transaction; idempotent for the same figures. */
async function fileMonth(sc: ServerContext, ctx: TwinContext, who: { p: Principal; enterpriseIdx: number }, month: string, figures: Figures, source: 'form' | 'excel') {
  const auth = authService(sc);
  const f = normalise(figures);
  const m = await checkMonth(sc, ctx, who.enterpriseIdx, month);
  const res = await sc.db.transaction(async (tx) => {
    const now = auth.now();
    const ins = await tx.query<{ id: number }>(
      `INSERT INTO economy_filing (enterprise_idx, month, output_value, revenue, tax, rd_spend, energy_kwh, staff, status, source, filed_by, filed_by_name, filed_at)
       VALUES ($1, $2::date, $3, $4, $5, $6, $7, $8, 'submitted', $9, $10, $11, $12) ON CONFLICT (enterprise_idx, month) DO NOTHING RETURNING id`,
      [who.enterpriseIdx, m, f.outputValue, f.revenue, f.tax, f.rdSpend, f.energyKwh, f.staff, source, who.p.kind === 'user' ? who.p.id : null, who.p.name, now]);
    let id: number;
    let outcome: 'created' | 'updated' | 'unchanged';
    if (ins.rows[0]) {
      id = ins.rows[0].id;
      outcome = 'created';
    } else {
      const cur = (await tx.query<DbFiling>(`${FILING_SELECT} WHERE f.enterprise_idx = $1 AND f.month = $2::date FOR UPDATE OF f`, [who.enterpriseIdx, m])).rows[0]!;
      id = cur.id;
      const old: Figures = { outputValue: cur.output_value, revenue: cur.revenue, tax: cur.tax, rdSpend: cur.rd_spend, energyKwh: cur.energy_kwh, staff: cur.staff };
      if (cur.status === 'approved') {
        if (same(old, f)) return { id, outcome: 'unchanged' as const };
        return { conflict: `the report of ${month} is approved already; ask park staff to correct it` };
      }
      if (cur.status === 'submitted' && same(old, f)) return { id, outcome: 'unchanged' as const };
      await tx.query(
        `UPDATE economy_filing SET output_value = $2, revenue = $3, tax = $4, rd_spend = $5, energy_kwh = $6, staff = $7, status = 'submitted', source = $8,
           version = version + 1, filed_by = $9, filed_by_name = $10, filed_at = $11 WHERE id = $1`,
        [id, f.outputValue, f.revenue, f.tax, f.rdSpend, f.energyKwh, f.staff, source, who.p.kind === 'user' ? who.p.id : null, who.p.name, now]);
      outcome = 'updated';
    }
    await auth.auditIn(tx, { action: 'economy.filing.submit', outcome: 'success', actor: { kind: who.p.kind, id: who.p.id, name: who.p.name }, object: `economy-filing:${id}`,
      source: ctx.ip, detail: { enterprise: who.enterpriseIdx, month, via: source, outcome, ...f } });
    return { id, outcome };
  });
  if ('conflict' in res) return ctx.throw(409, res.conflict ?? 'conflict');
  ctx.body = { filing: toRow((await getFiling(sc.db, res.id))!), outcome: res.outcome };
}

async function readXlsx(ctx: TwinContext): Promise<Buffer> {
  const declared = Number(ctx.get('Content-Length') || 0);
  if (declared > MAX_XLSX_BYTES) ctx.throw(413, `report larger than ${MAX_XLSX_BYTES / 1024 / 1024} MiB`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of ctx.req) {
    size += (c as Buffer).length;
    if (size > MAX_XLSX_BYTES) ctx.throw(413, `report larger than ${MAX_XLSX_BYTES / 1024 / 1024} MiB`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Publishes enterprises' latest reviewed months on the economy layer (the scene's colours, the panel's live value). */
export async function publishEconomy(sc: ServerContext, enterpriseIdx?: number): Promise<number> {
  const rt = liveRuntimeOf(sc);
  if (!rt) return 0;
  const msgs = await latestFigures(sc.db, enterpriseIdx);
  let n = 0;
  const send = (m: (typeof msgs)[number]) => rt.ingest.handle({ park: m.park, layer: 'economy', device: m.device }, m.payload, 'http');
  const unknown = msgs.filter((m) => {
    const r = send(m);
    if (r.ok) n++;
    return !r.ok && (r.reason === 'unknown-park' || r.reason === 'unknown-device');
  });
  // A park or enterprise created since the live directory last loaded (a park seeded after the
  // start, a tenant signed a minute ago): load it now and send those again, instead of leaving
  // their layer empty until the next hourly refresh.
  if (unknown.length > 0) {
    await rt.directory.reload();
    for (const m of unknown) if (send(m).ok) n++;
  }
  return n;
}

/** Starts: carry the sample history forward, then publish the layer from the database. */
async function refresh(sc: ServerContext): Promise<void> {
  const added = await carrySampleForward(sc.db, authService(sc).now());
  if (added > 0) sc.log.info({ added }, 'economy: sample history carried forward to the current month');
  const published = await publishEconomy(sc);
  sc.log.debug({ published }, 'economy layer published from the economic database');
}

/** The economy module. */
export const economyModule: TwinModule = {
  name: 'economy',
  migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
  permissions: [
    { permission: 'economy:review', summary: 'Review (approve or return) enterprises\' monthly economic filings', roles: ['property_manager', 'investment'] },
  ],
  async initialize(sc) {
    // The directory the layer messages resolve through loads with the live module; a failure
    // here must not stop the server (the hourly job tries again).
    await refresh(sc).catch((err: unknown) => sc.log.warn({ err: String(err) }, 'economy refresh failed'));
  },
  async seed(sc, { parkIdx }) {
    await sc.db.query('INSERT INTO economy_sample_park (park_idx) VALUES ($1) ON CONFLICT DO NOTHING', [parkIdx]);
    await refresh(sc);
  },
  jobs: (sc) => [{ name: 'economy-refresh', everyMs: 3_600_000, run: () => refresh(sc) }],
  routes: (sc) => {
    const auth = () => authService(sc);
    const filingObject = async (ctx: TwinContext) => {
      const id = Number(ctx.params.id);
      const r = await sc.db.query<{ enterprise_idx: number }>('SELECT enterprise_idx FROM economy_filing WHERE id = $1', [Number.isInteger(id) ? id : 0]);
      return { kind: 'economy-filing', enterpriseIdx: r.rows[0]?.enterprise_idx ?? null };
    };
    return [
      {
        method: 'GET', path: '/api/economy/template', permission: 'economy:read', query: templateQuery,
        produces: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        summary: 'The monthly report template (Excel): enterprise and month filled in when known, one row per indicator',
        async handler(ctx) {
          const { month } = queryOf(ctx, templateQuery);
          const p = ctx.state.principal!;
          const ent = p.enterpriseIdx !== undefined && p.enterpriseIdx !== null
            ? (await sc.db.query<{ name: string }>('SELECT name FROM twin_object WHERE idx = $1', [p.enterpriseIdx])).rows[0]?.name ?? null : null;
          ctx.set('Content-Disposition', `attachment; filename="economy-report${month ? `-${month}` : ''}.xlsx"`);
          ctx.type = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
          ctx.body = await templateWorkbook({ enterprise: ent, month: month ?? null });
        },
      },
      {
        method: 'GET', path: '/api/economy/filings', permission: 'economy:read', query: listQuery,
        response: z.object({ filings: z.array(filingRow) }),
        summary: 'Monthly filings, newest month first: an enterprise account sees its own enterprise\'s, park staff every enterprise\'s',
        async handler(ctx) {
          const q = queryOf(ctx, listQuery);
          const p = ctx.state.principal!;
          const scope = p.enterpriseIdx ?? null;
          const r = await sc.db.query<DbFiling>(
            `${FILING_SELECT} WHERE ($1::int IS NULL OR f.enterprise_idx = $1) AND ($2::text IS NULL OR f.status = $2) AND ($3::date IS NULL OR f.month = $3::date)
             ORDER BY f.month DESC, CASE f.status WHEN 'submitted' THEN 0 WHEN 'returned' THEN 1 ELSE 2 END, f.filed_at DESC LIMIT $4`,
            [scope, q.status ?? null, q.month ? `${q.month}-01` : null, q.limit]);
          ctx.body = { filings: r.rows.map(toRow) };
        },
      },
      {
        method: 'GET', path: '/api/economy/filings/:id', permission: 'economy:read', params: intIdParams, object: filingObject, response: detail, errors: [404],
        summary: 'One filing with the figures on record for that month (if any) and the same month a year before, for the review',
        async handler(ctx) {
          const f = await getFiling(sc.db, paramsOf(ctx, intIdParams).id);
          if (!f) return ctx.throw(404, 'no such filing');
          const fig = async (month: string) => {
            const r = await sc.db.query<Figures>(
              `SELECT output_value::float8 AS "outputValue", revenue::float8 AS revenue, tax::float8 AS tax, rd_spend::float8 AS "rdSpend", energy_kwh::float8 AS "energyKwh", staff
               FROM enterprise_monthly WHERE enterprise_idx = $1 AND month = $2::date`, [f.enterprise_idx, month]);
            return r.rows[0] ?? null;
          };
          ctx.body = { ...toRow(f), recorded: await fig(`${f.month}-01`), lastYear: await fig(addMonths(`${f.month}-01`, -12)) };
        },
      },
      {
        method: 'POST', path: '/api/economy/filings', permission: 'economy:write', body: fileBody, response: fileResult, errors: [409, 422],
        summary: 'File (or correct) a closed month\'s figures by form, as an enterprise account; the same figures again change nothing; an approved month: 409',
        async handler(ctx) {
          const who = filer(ctx);
          const b = bodyOf(ctx, fileBody);
          await fileMonth(sc, ctx, who, b.month, b, 'form');
        },
      },
      {
        method: 'POST', path: '/api/economy/filings/upload', permission: 'economy:write', response: fileResult, errors: [409, 413, 422],
        summary: `File a month as the Excel report (raw .xlsx body, at most ${MAX_XLSX_BYTES / 1024 / 1024} MiB, the template's layout): all or nothing; problems: 422 listing each row`,
        async handler(ctx) {
          const who = filer(ctx);
          const bytes = await readXlsx(ctx);
          const parsed = await parseReport(bytes);
          if (!parsed.ok) {
            const errors: RowError[] = parsed.errors;
            sc.log.info({ rows: errors.map((e) => e.row) }, 'economy report refused');
            ctx.status = 422;
            ctx.body = { error: { status: 422, message: `${errors.length} problem(s): ${errors.map((e) => e.message).join('; ')}`, requestId: ctx.state.requestId }, rows: errors };
            return;
          }
          await fileMonth(sc, ctx, who, parsed.month.slice(0, 7), parsed.figures, 'excel');
        },
      },
      {
        method: 'POST', path: '/api/economy/filings/:id/approve', permission: 'economy:review', params: intIdParams, body: approveBody, response: filingRow, errors: [404, 409],
        summary: 'Approve a submitted filing (the version the reviewer saw): its figures become the month\'s record in the economic database, in the same transaction; audited',
        async handler(ctx) {
          const { id } = paramsOf(ctx, intIdParams);
          const { version } = bodyOf(ctx, approveBody);
          const p = ctx.state.principal!;
          const out = await sc.db.transaction(async (tx) => {
            const f = (await tx.query<DbFiling>(`${FILING_SELECT} WHERE f.id = $1 FOR UPDATE OF f`, [id])).rows[0];
            if (!f) return { status: 404, msg: 'no such filing' };
            if (f.status !== 'submitted') return { status: 409, msg: `the filing is ${f.status}, not submitted` };
            if (f.version !== version) return { status: 409, msg: `the filing changed (version ${f.version}); reload it` };
            await tx.query(`UPDATE economy_filing SET status = 'approved', reviewed_by = $2, reviewed_by_name = $3, reviewed_at = $4, review_note = NULL WHERE id = $1`,
              [id, p.kind === 'user' ? p.id : null, p.name, auth().now()]);
            await tx.query(
              `INSERT INTO enterprise_monthly (enterprise_idx, month, output_value, revenue, tax, rd_spend, energy_kwh, staff)
               SELECT enterprise_idx, month, output_value, revenue, tax, rd_spend, energy_kwh, staff FROM economy_filing WHERE id = $1
               ON CONFLICT (enterprise_idx, month) DO UPDATE SET output_value = excluded.output_value, revenue = excluded.revenue, tax = excluded.tax,
                 rd_spend = excluded.rd_spend, energy_kwh = excluded.energy_kwh, staff = excluded.staff`, [id]);
            // The register's head count follows the latest reviewed month.
            await tx.query(
              `UPDATE enterprise e SET staff = f.staff FROM economy_filing f WHERE f.id = $1 AND e.idx = f.enterprise_idx
                 AND f.month >= (SELECT max(month) FROM enterprise_monthly m WHERE m.enterprise_idx = e.idx)`, [id]);
            await auth().auditIn(tx, { action: 'economy.filing.approve', outcome: 'success', actor: { kind: p.kind, id: p.id, name: p.name }, object: `economy-filing:${id}`,
              source: ctx.ip, detail: { enterprise: f.enterprise_idx, month: f.month, version } });
            return { status: 200, enterprise: f.enterprise_idx };
          });
          if (out.status !== 200) return ctx.throw(out.status, out.msg ?? 'refused');
          await publishEconomy(sc, out.enterprise).catch(() => 0);
          ctx.body = toRow((await getFiling(sc.db, id))!);
        },
      },
      {
        method: 'POST', path: '/api/economy/filings/:id/return', permission: 'economy:review', params: intIdParams, body: returnBody, response: filingRow, errors: [404, 409],
        summary: 'Return a submitted filing to the enterprise with a note saying what to correct; audited',
        async handler(ctx) {
          const { id } = paramsOf(ctx, intIdParams);
          const b = bodyOf(ctx, returnBody);
          const p = ctx.state.principal!;
          const out = await sc.db.transaction(async (tx) => {
            const f = (await tx.query<DbFiling>(`${FILING_SELECT} WHERE f.id = $1 FOR UPDATE OF f`, [id])).rows[0];
            if (!f) return { status: 404, msg: 'no such filing' };
            if (f.status !== 'submitted') return { status: 409, msg: `the filing is ${f.status}, not submitted` };
            if (f.version !== b.version) return { status: 409, msg: `the filing changed (version ${f.version}); reload it` };
            await tx.query(`UPDATE economy_filing SET status = 'returned', reviewed_by = $2, reviewed_by_name = $3, reviewed_at = $4, review_note = $5 WHERE id = $1`,
              [id, p.kind === 'user' ? p.id : null, p.name, auth().now(), b.note]);
            await auth().auditIn(tx, { action: 'economy.filing.return', outcome: 'success', actor: { kind: p.kind, id: p.id, name: p.name }, object: `economy-filing:${id}`,
              source: ctx.ip, detail: { enterprise: f.enterprise_idx, month: f.month, note: b.note } });
            return { status: 200 };
          });
          if (out.status !== 200) return ctx.throw(out.status, out.msg ?? 'refused');
          ctx.body = toRow((await getFiling(sc.db, id))!);
        },
      },
      ...analysisRoutes(sc),
    ];
  },
};
