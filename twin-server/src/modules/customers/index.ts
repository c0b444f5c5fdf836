/**
 * The customers module (issue 18, standard G2 customer management): one registry with search over
 * the park's enterprises, their people (contact persons, staff accounts) and visitors; a profile
 * per enterprise built from park data with tags and advice for managers (profile.ts,
 * docs/customers.md); contact persons and visitors recorded by investment and property staff.
 * Reads use the core `enterprise:read` (enterprise accounts: their own enterprise only, refused
 * and audited for any other); writes `customers:write`. Sample data on the first start (seed.ts).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { TwinModule } from '../types.ts';
import type { ServerContext } from '../../context.ts';
import type { ObjectRef, TwinContext } from '../../http/route.ts';
import { authService } from '../../auth/index.ts';
import { withStatus } from '../../http/openapi.ts';
import { idxParams, intIdParams } from '../../http/schemas.ts';
import { bodyOf, paramsOf, queryOf } from '../../http/input.ts';
import { monthOf } from '../economy/history.ts';
import { INDUSTRY_LABELS } from '../leasing/definition.ts';
import { ADVICE, TAGS, enterpriseProfile } from './profile.ts';
import { maskPhone, searchRegistry } from './registry.ts';
import { seedCustomers } from './seed.ts';

const searchQuery = z.object({
  park: z.string().min(1).max(40),
  q: z.string().trim().max(60).default(''),
  type: z.enum(['all', 'enterprise', 'person', 'visitor']).default('all'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
const registryResponse = z.object({
  enterprises: z.array(z.object({ idx: z.number(), name: z.string(), nameEn: z.string().nullable(), creditCode: z.string(), industry: z.string(), staff: z.number(), units: z.number(), leasedArea: z.number() })),
  people: z.array(z.object({ kind: z.enum(['contact', 'account']), id: z.string(), name: z.string(), title: z.string().nullable(), phone: z.string().nullable(), enterpriseIdx: z.number(), enterprise: z.string(), enterpriseEn: z.string().nullable() })),
  visitors: z.array(z.object({ id: z.number(), name: z.string(), company: z.string().nullable(), purpose: z.string().nullable(), visitDate: z.string(), hostIdx: z.number().nullable(), host: z.string().nullable(), hostEn: z.string().nullable() })),
  totals: z.object({ enterprises: z.number(), people: z.number(), visitors: z.number() }),
});
const contact = z.object({ id: z.number(), name: z.string(), title: z.string().nullable(), phone: z.string().nullable(), email: z.string().nullable(), primary: z.boolean() });
const profileResponse = z.object({
  idx: z.number(), name: z.string(), nameEn: z.string().nullable(), creditCode: z.string(), industry: z.string(), registeredCapital: z.number(),
  staff: z.number(), founded: z.string().nullable(), isLeading: z.boolean(), highTech: z.boolean(), size: z.enum(['micro', 'small', 'medium', 'large']),
  asOf: z.string(), lastMonth: z.string(),
  units: z.array(z.object({ idx: z.number(), code: z.string(), building: z.number(), buildingName: z.string(), floor: z.number(), level: z.number(), area: z.number(), rent: z.number(), leaseEnd: z.string() })),
  leasedArea: z.number(),
  economy: z.object({
    output12: z.number(), outputPrev12: z.number().nullable(), growth: z.number().nullable(), revenue12: z.number(), tax12: z.number(), rd12: z.number(),
    rdIntensity: z.number().nullable(), energyKwh12: z.number(), energyIntensity: z.number().nullable(), parkMedianIntensity: z.number().nullable(),
    months: z.array(z.object({ month: z.string(), output: z.number(), tax: z.number() })),
  }),
  services: z.object({ repairs: z.number().nullable(), openRepairs: z.number().nullable(), bookings: z.number().nullable(), mealCards: z.number().nullable(), mealSpend30d: z.number().nullable() }),
  alarms: z.object({ last90d: z.number(), open: z.number(), byKind: z.array(z.object({ kind: z.string(), count: z.number() })) }),
  payment: z.object({ invoices: z.number(), onTime: z.number(), onTimeRate: z.number().nullable(), avgDaysLate: z.number().nullable(), overdueCount: z.number(), overdueAmount: z.number() }),
  contacts: z.array(contact),
  accounts: z.array(z.object({ username: z.string(), name: z.string(), disabled: z.boolean() })),
  visitors90d: z.number(),
  tags: z.array(z.enum(TAGS)),
  advice: z.array(z.object({ code: z.enum(ADVICE), units: z.array(z.number()).optional(), amount: z.number().optional() })),
});
const phone = z.string().trim().regex(/^[0-9+ -]{5,20}$/, 'phone: 5-20 digits, spaces, + or -');
const contactBody = z.object({
  name: z.string().trim().min(1).max(60), title: z.string().trim().min(1).max(60).optional(), phone: phone.optional(),
  email: z.string().trim().email().max(120).optional(), primary: z.boolean().default(false),
}).strict();
const visitorBody = z.object({
  park: z.string().min(1).max(40), name: z.string().trim().min(1).max(60), company: z.string().trim().min(1).max(100).optional(),
  hostIdx: z.number().int().positive().optional(), purpose: z.string().trim().min(1).max(200).optional(),
  visitDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'visitDate is YYYY-MM-DD').refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'visitDate is not a date'),
}).strict();

const industryNames = Object.fromEntries(Object.entries(INDUSTRY_LABELS).map(([k, v]) => [k, [v.zh, v.en]]));

/** The enterprise a profile route touches, for the guard's enterprise scoping. */
const enterpriseObject = (sc: ServerContext) => async (ctx: TwinContext): Promise<ObjectRef | null> => {
  const idx = Number(ctx.params.idx);
  const ok = Number.isInteger(idx) && idx > 0 && (await sc.db.query('SELECT 1 FROM enterprise WHERE idx = $1', [idx])).rows.length > 0;
  return { kind: 'enterprise', idx, enterpriseIdx: ok ? idx : null };
};
const contactObject = (sc: ServerContext) => async (ctx: TwinContext): Promise<ObjectRef | null> => {
  const id = Number(ctx.params.id);
  const r = await sc.db.query<{ enterprise_idx: number }>('SELECT enterprise_idx FROM customer_contact WHERE id = $1', [Number.isInteger(id) ? id : 0]);
  return { kind: 'customer-contact', enterpriseIdx: r.rows[0]?.enterprise_idx ?? null };
};

async function parkOf(sc: ServerContext, ctx: TwinContext, code: string): Promise<{ idx: number; timezone: string }> {
  const r = await sc.db.query<{ idx: number; timezone: string }>('SELECT idx, timezone FROM park WHERE code = $1', [code]);
  if (!r.rows[0]) {
    sc.log.info({ park: code }, 'customers: unknown park');
    return ctx.throw(404, `no park ${code}`);
  }
  return r.rows[0];
}

/** The customers module. */
export const customersModule: TwinModule = {
  name: 'customers',
  migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
  permissions: [
    { permission: 'customers:write', summary: 'Record contact persons of enterprises and visitors of the park', roles: ['investment', 'property_manager'] },
  ],
  async seed(sc, { parkIdx }) {
    await seedCustomers(sc.db, parkIdx, authService(sc).now());
  },
  routes: (sc) => {
    const auth = () => authService(sc);
    return [
      {
        method: 'GET', path: '/api/customers', permission: 'enterprise:read', query: searchQuery, response: registryResponse, errors: [404],
        summary: 'The customer registry: enterprises, people (contact persons and staff accounts) and visitors matching ?q= (name, credit code, industry, phone...); enterprise accounts see their own enterprise\'s rows only; phones masked',
        async handler(ctx) {
          const q = queryOf(ctx, searchQuery);
          const park = await parkOf(sc, ctx, q.park);
          const scope = ctx.state.principal!.enterpriseIdx ?? null;
          ctx.body = await searchRegistry(sc.db, park.idx, q.q, q.type, q.limit, scope, industryNames);
        },
      },
      {
        method: 'GET', path: '/api/customers/enterprises/:idx', permission: 'enterprise:read', params: idxParams, object: enterpriseObject(sc), response: profileResponse, errors: [404],
        summary: 'An enterprise\'s profile from park data (industry, size, growth, energy intensity, services used, alarms in its units, payment behaviour, contacts) with tags and advice for managers; an enterprise account may open its own only',
        async handler(ctx) {
          const { idx } = paramsOf(ctx, idxParams);
          const p = ctx.state.principal!;
          const tz = (await sc.db.query<{ timezone: string }>('SELECT p.timezone FROM enterprise e JOIN park p ON p.idx = e.park_idx WHERE e.idx = $1', [idx])).rows[0]?.timezone;
          if (!tz) return ctx.throw(404, 'no such enterprise');
          const now = auth().now();
          const prof = await enterpriseProfile(sc.db, idx, now, monthOf(now, tz), true);
          if (!prof) return ctx.throw(404, 'no such enterprise');
          // Full phone numbers for the enterprise itself and staff who keep the registry; masked otherwise.
          const full = p.enterpriseIdx === idx || p.permissions.has('customers:write');
          if (!full) prof.contacts = prof.contacts.map((c) => ({ ...c, phone: maskPhone(c.phone) }));
          ctx.body = prof;
        },
      },
      {
        method: 'POST', path: '/api/customers/enterprises/:idx/contacts', permission: 'customers:write', params: idxParams, object: enterpriseObject(sc), body: contactBody,
        response: withStatus(201, contact), errors: [404],
        summary: 'Adds a contact person to an enterprise (a primary contact replaces the previous primary); audited',
        async handler(ctx) {
          const { idx } = paramsOf(ctx, idxParams);
          const b = bodyOf(ctx, contactBody);
          const p = ctx.state.principal!;
          const row = await sc.db.transaction(async (tx) => {
            if ((await tx.query('SELECT 1 FROM enterprise WHERE idx = $1', [idx])).rows.length === 0) return null;
            if (b.primary) await tx.query('UPDATE customer_contact SET is_primary = false WHERE enterprise_idx = $1', [idx]);
            const r = await tx.query<{ id: number }>(
              `INSERT INTO customer_contact (enterprise_idx, name, title, phone, email, is_primary, created_by_name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
              [idx, b.name, b.title ?? null, b.phone ?? null, b.email ?? null, b.primary, p.name, auth().now()]);
            await auth().auditIn(tx, { action: 'customers.contact.add', outcome: 'success', actor: { kind: p.kind, id: p.id, name: p.name }, object: `enterprise:${idx}`,
              source: ctx.ip, detail: { contact: r.rows[0]!.id, name: b.name, primary: b.primary } });
            return r.rows[0]!.id;
          });
          if (row === null) return ctx.throw(404, 'no such enterprise');
          ctx.status = 201;
          ctx.body = { id: row, name: b.name, title: b.title ?? null, phone: b.phone ?? null, email: b.email ?? null, primary: b.primary };
        },
      },
      {
        method: 'DELETE', path: '/api/customers/contacts/:id', permission: 'customers:write', params: intIdParams, object: contactObject(sc), errors: [404],
        summary: 'Removes a contact person; audited',
        async handler(ctx) {
          const { id } = paramsOf(ctx, intIdParams);
          const p = ctx.state.principal!;
          const ok = await sc.db.transaction(async (tx) => {
            const r = await tx.query<{ enterprise_idx: number; name: string }>('DELETE FROM customer_contact WHERE id = $1 RETURNING enterprise_idx, name', [id]);
            if (!r.rows[0]) return false;
            await auth().auditIn(tx, { action: 'customers.contact.remove', outcome: 'success', actor: { kind: p.kind, id: p.id, name: p.name }, object: `enterprise:${r.rows[0].enterprise_idx}`,
              source: ctx.ip, detail: { contact: id, name: r.rows[0].name } });
            return true;
          });
          if (!ok) return ctx.throw(404, 'no such contact');
          ctx.status = 204;
        },
      },
      {
        method: 'POST', path: '/api/customers/visitors', permission: 'customers:write', body: visitorBody,
        response: withStatus(201, z.object({ id: z.number() })), errors: [404, 422],
        summary: 'Records a visitor of the park (optionally hosted by an enterprise of that park); audited',
        async handler(ctx) {
          const b = bodyOf(ctx, visitorBody);
          const p = ctx.state.principal!;
          const park = await parkOf(sc, ctx, b.park);
          if (b.hostIdx !== undefined && (await sc.db.query('SELECT 1 FROM enterprise WHERE idx = $1 AND park_idx = $2', [b.hostIdx, park.idx])).rows.length === 0) {
            sc.log.info({ hostIdx: b.hostIdx }, 'customers: visitor host is not an enterprise of the park');
            return ctx.throw(422, `hostIdx: ${b.hostIdx} is not an enterprise of park ${b.park}`);
          }
          const id = await sc.db.transaction(async (tx) => {
            const r = await tx.query<{ id: number }>(
              `INSERT INTO customer_visitor (park_idx, name, company, host_enterprise_idx, purpose, visit_date, created_by_name, created_at) VALUES ($1, $2, $3, $4, $5, $6::date, $7, $8) RETURNING id`,
              [park.idx, b.name, b.company ?? null, b.hostIdx ?? null, b.purpose ?? null, b.visitDate, p.name, auth().now()]);
            await auth().auditIn(tx, { action: 'customers.visitor.add', outcome: 'success', actor: { kind: p.kind, id: p.id, name: p.name }, object: `customer-visitor:${r.rows[0]!.id}`,
              source: ctx.ip, detail: { name: b.name, host: b.hostIdx ?? null, date: b.visitDate } });
            return r.rows[0]!.id;
          });
          ctx.status = 201;
          ctx.body = { id };
        },
      },
    ];
  },
};
