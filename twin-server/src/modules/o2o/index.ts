/**
 * Comprehensive services, O2O (issue 19, L2): a catalogue of the park's own offline services
 * (cleaning, printing, express, maintenance...) and third-party merchants, for companies, staff and
 * neighbours; orders (placed → paid → accepted → fulfilled, or cancelled), payment idempotent by
 * key (a repeat answers the first payment and changes nothing), fulfilment by the park's service
 * desk, ratings by the buyer, settlement reports per merchant (gross, commission, payable, rating).
 * Every write is one transaction with its audit row; refusals are audited and logged.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { TwinModule } from '../types.ts';
import type { ServerContext } from '../../context.ts';
import type { Queryable } from '../../db/index.ts';
import type { RouteSpec, TwinContext } from '../../http/route.ts';
import type { Principal } from '../../auth/types.ts';
import { authService } from '../../auth/index.ts';
import { withStatus } from '../../http/openapi.ts';
import { bodyOf, paramsOf, queryOf } from '../../http/input.ts';
import { seedO2o } from './seed.ts';

export const AUDIENCES = ['company', 'staff', 'neighbour'] as const;
export const CATEGORIES = ['cleaning', 'laundry', 'express', 'printing', 'catering', 'maintenance', 'health', 'travel', 'office'] as const;
export const STATUSES = ['placed', 'paid', 'accepted', 'fulfilled', 'cancelled'] as const;
const METHODS = ['wechat', 'alipay', 'meal_card', 'company_account', 'bank'] as const;

class Refusal extends Error {
  constructor(readonly status: 403 | 404 | 409 | 422, message: string) {
    super(message);
  }
}

const idParams = z.object({ id: z.coerce.number<string>().int().min(1).max(0x7fffffff) });
const iso = z.string().datetime({ offset: true });
const catalogueQuery = z.object({ category: z.enum(CATEGORIES).optional(), audience: z.enum(AUDIENCES).optional(), q: z.string().trim().max(40).optional() });
const orderBody = z.object({ serviceId: z.number().int().min(1), qty: z.number().int().min(1).max(100), audience: z.enum(AUDIENCES), note: z.string().trim().max(200).optional() }).strict();
const ordersQuery = z.object({ status: z.enum(STATUSES).optional(), all: z.enum(['1', '0']).optional(), limit: z.coerce.number<string>().int().min(1).max(200).default(50) });
const payBody = z.object({ key: z.string().regex(/^[A-Za-z0-9_.:-]{8,80}$/, '8-80 letters, digits or _.:-'), method: z.enum(METHODS) }).strict();
const statusBody = z.object({ action: z.enum(['accept', 'fulfil', 'cancel']) }).strict();
const rateBody = z.object({ rating: z.number().int().min(1).max(5), comment: z.string().trim().max(200).optional() }).strict();
const settlementQuery = z.object({ from: iso, to: iso });

const merchant = z.object({ id: z.number(), name: z.string(), nameEn: z.string().nullable(), kind: z.enum(['park', 'third_party']), commissionBp: z.number(), contact: z.string().nullable(), rating: z.number().nullable(), ratings: z.number() });
const service = z.object({ id: z.number(), merchantId: z.number(), name: z.string(), nameEn: z.string().nullable(), category: z.enum(CATEGORIES), priceFen: z.number(), unit: z.string(), audiences: z.array(z.enum(AUDIENCES)), active: z.boolean() });
const order = z.object({
  id: z.number(), orderNo: z.string(), serviceId: z.number(), serviceName: z.string(), serviceNameEn: z.string().nullable(), merchantId: z.number(), merchantName: z.string(),
  buyerName: z.string(), enterpriseIdx: z.number().nullable(), audience: z.enum(AUDIENCES), qty: z.number(), totalFen: z.number(), note: z.string().nullable(), status: z.enum(STATUSES),
  payMethod: z.string().nullable(), paidAt: z.string().nullable(), fulfilledAt: z.string().nullable(), rating: z.number().nullable(), comment: z.string().nullable(), createdAt: z.string(), mine: z.boolean(),
});
type Order = z.infer<typeof order>;
const settlementRow = z.object({ merchantId: z.number(), name: z.string(), kind: z.enum(['park', 'third_party']), orders: z.number(), fulfilled: z.number(), grossFen: z.number(), commissionFen: z.number(), payableFen: z.number(), rating: z.number().nullable(), ratings: z.number() });

const has = (p: Principal, perm: string) => p.permissions.has(perm as never);
const ORDER_SQL = `SELECT o.*, s.name AS service_name, s.name_en AS service_name_en, m.name AS merchant_name FROM o2o_order o JOIN o2o_service s ON s.id = o.service_id JOIN o2o_merchant m ON m.id = o.merchant_id`;
interface DbOrder {
  id: number; order_no: string; service_id: number; service_name: string; service_name_en: string | null; merchant_id: number; merchant_name: string; buyer_id: string; buyer_name: string;
  enterprise_idx: number | null; audience: Order['audience']; qty: number; total_fen: number; note: string | null; status: Order['status']; pay_method: string | null; paid_at: Date | null;
  fulfilled_at: Date | null; rating: number | null; comment: string | null; created_at: Date;
}
const toOrder = (o: DbOrder, me: string): Order => ({
  id: o.id, orderNo: o.order_no, serviceId: o.service_id, serviceName: o.service_name, serviceNameEn: o.service_name_en, merchantId: o.merchant_id, merchantName: o.merchant_name,
  buyerName: o.buyer_name, enterpriseIdx: o.enterprise_idx, audience: o.audience, qty: o.qty, totalFen: o.total_fen, note: o.note, status: o.status, payMethod: o.pay_method,
  paidAt: o.paid_at?.toISOString() ?? null, fulfilledAt: o.fulfilled_at?.toISOString() ?? null, rating: o.rating, comment: o.comment, createdAt: o.created_at.toISOString(), mine: o.buyer_id === me,
});
const hashOf = (v: unknown) => crypto.createHash('sha256').update(JSON.stringify(v)).digest('hex');

/** Places an order (status placed) and returns its id. */
export async function placeO2oOrder(tx: Queryable, v: { serviceId: number; qty: number; audience: Order['audience']; note: string | null; buyerId: string; buyerName: string; enterpriseIdx: number | null; now: Date }): Promise<number> {
  const s = (await tx.query<{ id: number; merchant_id: number; price_fen: number; audiences: string[]; active: boolean; name: string }>('SELECT id, merchant_id, price_fen, audiences, active, name FROM o2o_service WHERE id = $1', [v.serviceId])).rows[0];
  if (!s) throw new Refusal(404, `no service ${v.serviceId}`);
  if (!s.active) throw new Refusal(409, `${s.name} is not offered now`);
  if (!s.audiences.includes(v.audience)) throw new Refusal(422, `${s.name} is not offered to ${v.audience}`);
  if (v.audience === 'company' && (v.enterpriseIdx === null || v.enterpriseIdx < 1)) throw new Refusal(422, 'only an enterprise user orders for a company');
  const no = `FW${v.now.toISOString().slice(2, 10).replace(/-/g, '')}${String(crypto.randomInt(0, 1e6)).padStart(6, '0')}`;
  const r = await tx.query<{ id: number }>(
    `INSERT INTO o2o_order (order_no, service_id, merchant_id, buyer_id, buyer_name, enterprise_idx, audience, qty, total_fen, note, status, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'placed', $11) RETURNING id`,
    [no, s.id, s.merchant_id, v.buyerId, v.buyerName, v.audience === 'company' ? v.enterpriseIdx : null, v.audience, v.qty, s.price_fen * v.qty, v.note, v.now]);
  return r.rows[0]!.id;
}

function routes(sc: ServerContext): RouteSpec[] {
  const auth = () => authService(sc);
  const actor = (p: Principal) => ({ kind: p.kind, id: p.id, name: p.name });
  const guarded = async <T>(ctx: TwinContext, action: string, object: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      sc.log.info({ path: ctx.path, status: err.status, reason: err.message }, 'o2o request refused');
      await auth().audit({ action, outcome: err.status === 403 ? 'denied' : 'failure', actor: actor(ctx.state.principal!), object, source: ctx.ip, detail: { status: err.status, reason: err.message } });
      return ctx.throw(err.status, err.message);
    }
  };
  const one = async (q: Queryable, id: number, p: Principal, lock = false): Promise<DbOrder> => {
    const r = await q.query<DbOrder>(`${ORDER_SQL} WHERE o.id = $1${lock ? ' FOR UPDATE OF o' : ''}`, [id]);
    const o = r.rows[0];
    // Another buyer's order is not revealed (the service desk sees all).
    if (!o || (o.buyer_id !== p.id && !has(p, 'o2o:fulfil'))) throw new Refusal(404, `no order ${id}`);
    return o;
  };
  return [
    {
      method: 'GET', path: '/api/o2o/catalogue', permission: 'o2o:use', query: catalogueQuery,
      response: z.object({ merchants: z.array(merchant), services: z.array(service) }),
      summary: 'The catalogue: the park\'s services and third-party merchants with their average rating (filters: category, audience, q)',
      async handler(ctx) {
        const q = queryOf(ctx, catalogueQuery);
        const s = await sc.db.query<{ id: number; merchant_id: number; name: string; name_en: string | null; category: (typeof CATEGORIES)[number]; price_fen: number; unit: string; audiences: (typeof AUDIENCES)[number][]; active: boolean }>(
          `SELECT * FROM o2o_service WHERE active AND ($1::text IS NULL OR category = $1) AND ($2::text IS NULL OR $2 = ANY(audiences))
             AND ($3::text IS NULL OR name ILIKE '%' || $3 || '%' OR name_en ILIKE '%' || $3 || '%') ORDER BY category, id LIMIT 500`,
          [q.category ?? null, q.audience ?? null, q.q ? q.q.replace(/[%_\\]/g, (m) => `\\${m}`) : null]);
        const m = await sc.db.query<{ id: number; name: string; name_en: string | null; kind: 'park' | 'third_party'; commission_bp: number; contact: string | null; rating: string | null; ratings: number }>(
          `SELECT m.*, (SELECT round(avg(rating), 1) FROM o2o_order o WHERE o.merchant_id = m.id AND rating IS NOT NULL) AS rating,
             (SELECT count(*)::int FROM o2o_order o WHERE o.merchant_id = m.id AND rating IS NOT NULL) AS ratings FROM o2o_merchant m ORDER BY m.kind, m.id`);
        ctx.body = {
          merchants: m.rows.map((x) => ({ id: x.id, name: x.name, nameEn: x.name_en, kind: x.kind, commissionBp: x.commission_bp, contact: x.contact, rating: x.rating === null ? null : Number(x.rating), ratings: x.ratings })),
          services: s.rows.map((x) => ({ id: x.id, merchantId: x.merchant_id, name: x.name, nameEn: x.name_en, category: x.category, priceFen: x.price_fen, unit: x.unit, audiences: x.audiences, active: x.active })),
        };
      },
    },
    {
      method: 'POST', path: '/api/o2o/orders', permission: 'o2o:use', body: orderBody, response: withStatus(201, order), errors: [404, 409, 422],
      summary: 'Order a service (price from the catalogue; for one\'s company, oneself as staff, or as a neighbour); audited',
      async handler(ctx) {
        const b = bodyOf(ctx, orderBody);
        const p = ctx.state.principal!;
        const out = await guarded(ctx, 'o2o.order.create', `o2o_service:${b.serviceId}`, () => sc.db.transaction(async (tx) => {
          const id = await placeO2oOrder(tx, { ...b, note: b.note ?? null, buyerId: p.id, buyerName: p.name, enterpriseIdx: p.enterpriseIdx ?? null, now: auth().now() });
          const o = await one(tx, id, p);
          await auth().auditIn(tx, { action: 'o2o.order.create', outcome: 'success', actor: actor(p), object: `o2o_order:${id}`, source: ctx.ip, detail: { service: b.serviceId, qty: b.qty, totalFen: o.total_fen, audience: b.audience } });
          return toOrder(o, p.id);
        }));
        ctx.status = 201;
        ctx.body = out;
      },
    },
    {
      method: 'GET', path: '/api/o2o/orders', permission: 'o2o:use', query: ordersQuery, response: z.object({ orders: z.array(order) }),
      summary: 'Orders, newest first: one\'s own; the service desk (o2o:fulfil) all with all=1',
      async handler(ctx) {
        const q = queryOf(ctx, ordersQuery);
        const p = ctx.state.principal!;
        const all = q.all === '1' && has(p, 'o2o:fulfil');
        const r = await sc.db.query<DbOrder>(`${ORDER_SQL} WHERE ($1 OR o.buyer_id = $2) AND ($3::text IS NULL OR o.status = $3) ORDER BY o.id DESC LIMIT $4`, [all, p.id, q.status ?? null, q.limit]);
        ctx.body = { orders: r.rows.map((o) => toOrder(o, p.id)) };
      },
    },
    {
      method: 'POST', path: '/api/o2o/orders/:id/pay', permission: 'o2o:use', params: idParams, body: payBody, response: order.extend({ replayed: z.boolean() }), errors: [404, 409],
      summary: 'Pay one\'s order (placed → paid); idempotent by key: the same key again answers the first payment and changes nothing; audited',
      async handler(ctx) {
        const { id } = paramsOf(ctx, idParams);
        const b = bodyOf(ctx, payBody);
        const p = ctx.state.principal!;
        const now = auth().now();
        ctx.body = await guarded(ctx, 'o2o.order.pay', `o2o_order:${id}`, () => sc.db.transaction(async (tx) => {
          const o = await one(tx, id, p, true);
          if (o.buyer_id !== p.id) throw new Refusal(403, 'only the buyer pays an order');
          const hash = hashOf({ order: id, method: b.method });
          const seen = (await tx.query<{ request_hash: string; response: Order }>('SELECT request_hash, response FROM o2o_idem WHERE actor_id = $1 AND key = $2', [p.id, b.key])).rows[0];
          if (seen) {
            if (seen.request_hash !== hash) throw new Refusal(409, `the idempotency key ${b.key} was already used for another request`);
            return { ...seen.response, replayed: true };
          }
          if (o.status !== 'placed') throw new Refusal(409, `the order is ${o.status}: it cannot be paid`);
          await tx.query("UPDATE o2o_order SET status = 'paid', pay_method = $2, pay_key = $3, paid_at = $4 WHERE id = $1", [id, b.method, b.key, now]);
          const after = toOrder(await one(tx, id, p), p.id);
          const ins = await tx.query('INSERT INTO o2o_idem (actor_id, key, request_hash, response, at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING key', [p.id, b.key, hash, JSON.stringify(after), now]);
          if (ins.rows.length === 0) throw new Refusal(409, `the idempotency key ${b.key} is in use by another request`);
          await auth().auditIn(tx, { action: 'o2o.order.pay', outcome: 'success', actor: actor(p), object: `o2o_order:${id}`, source: ctx.ip, detail: { key: b.key, method: b.method, totalFen: o.total_fen } });
          return { ...after, replayed: false };
        }));
      },
    },
    {
      method: 'POST', path: '/api/o2o/orders/:id/status', permission: 'o2o:use', params: idParams, body: statusBody, response: order, errors: [404, 409],
      summary: 'Accept (paid → accepted) or fulfil (accepted → fulfilled) by the service desk; cancel by the buyer before it is accepted; audited',
      async handler(ctx) {
        const { id } = paramsOf(ctx, idParams);
        const { action } = bodyOf(ctx, statusBody);
        const p = ctx.state.principal!;
        const now = auth().now();
        ctx.body = await guarded(ctx, `o2o.order.${action}`, `o2o_order:${id}`, () => sc.db.transaction(async (tx) => {
          const o = await one(tx, id, p, true);
          const rule = { accept: { from: ['paid'], to: 'accepted', col: 'accepted_at' }, fulfil: { from: ['accepted'], to: 'fulfilled', col: 'fulfilled_at' }, cancel: { from: ['placed', 'paid'], to: 'cancelled', col: 'cancelled_at' } }[action];
          if (action === 'cancel' ? o.buyer_id !== p.id : !has(p, 'o2o:fulfil')) throw new Refusal(403, action === 'cancel' ? 'only the buyer cancels an order' : 'only the service desk accepts and fulfils orders');
          if (!rule.from.includes(o.status)) throw new Refusal(409, `the order is ${o.status}: it cannot be ${action === 'fulfil' ? 'fulfilled' : `${action}ed`}`);
          await tx.query(`UPDATE o2o_order SET status = $2, ${rule.col} = $3 WHERE id = $1`, [id, rule.to, now]);
          await auth().auditIn(tx, { action: `o2o.order.${action}`, outcome: 'success', actor: actor(p), object: `o2o_order:${id}`, source: ctx.ip, detail: { from: o.status, to: rule.to, refundFen: action === 'cancel' && o.status === 'paid' ? o.total_fen : 0 } });
          return toOrder(await one(tx, id, p), p.id);
        }));
      },
    },
    {
      method: 'POST', path: '/api/o2o/orders/:id/rate', permission: 'o2o:use', params: idParams, body: rateBody, response: order, errors: [404, 409],
      summary: 'The buyer rates a fulfilled order once (1-5 stars and a comment); audited',
      async handler(ctx) {
        const { id } = paramsOf(ctx, idParams);
        const b = bodyOf(ctx, rateBody);
        const p = ctx.state.principal!;
        ctx.body = await guarded(ctx, 'o2o.order.rate', `o2o_order:${id}`, () => sc.db.transaction(async (tx) => {
          const o = await one(tx, id, p, true);
          if (o.buyer_id !== p.id) throw new Refusal(403, 'only the buyer rates an order');
          if (o.status !== 'fulfilled') throw new Refusal(409, `the order is ${o.status}: only a fulfilled order is rated`);
          if (o.rating !== null) throw new Refusal(409, 'the order is rated already');
          await tx.query('UPDATE o2o_order SET rating = $2, comment = $3, rated_at = $4 WHERE id = $1', [id, b.rating, b.comment ?? null, auth().now()]);
          await auth().auditIn(tx, { action: 'o2o.order.rate', outcome: 'success', actor: actor(p), object: `o2o_order:${id}`, source: ctx.ip, detail: { rating: b.rating } });
          return toOrder(await one(tx, id, p), p.id);
        }));
      },
    },
    {
      method: 'GET', path: '/api/o2o/settlement', permission: 'o2o:report', query: settlementQuery, response: z.object({ from: z.string(), to: z.string(), rows: z.array(settlementRow) }),
      summary: 'Settlement per merchant for orders paid in [from, to) (at most 366 days): orders, fulfilled, gross, commission (basis points of gross, rounded down), payable to the merchant, rating',
      async handler(ctx) {
        const q = queryOf(ctx, settlementQuery);
        const from = new Date(q.from);
        const to = new Date(q.to);
        if (to <= from || to.getTime() - from.getTime() > 366 * 86_400_000) return ctx.throw(400, 'to must be after from, at most 366 days');
        const r = await sc.db.query<{ id: number; name: string; kind: 'park' | 'third_party'; commission_bp: number; orders: number; fulfilled: number; gross: string; rating: string | null; ratings: number }>(
          `SELECT m.id, m.name, m.kind, m.commission_bp, count(o.id)::int AS orders, count(o.id) FILTER (WHERE o.status = 'fulfilled')::int AS fulfilled,
             COALESCE(sum(o.total_fen), 0) AS gross, round(avg(o.rating), 1) AS rating, count(o.rating)::int AS ratings
           FROM o2o_merchant m LEFT JOIN o2o_order o ON o.merchant_id = m.id AND o.paid_at >= $1 AND o.paid_at < $2 AND o.status <> 'cancelled'
           GROUP BY m.id ORDER BY m.kind, m.id`, [from, to]);
        ctx.body = {
          from: from.toISOString(), to: to.toISOString(),
          rows: r.rows.map((x) => {
            const gross = Number(x.gross);
            const commission = Math.floor((gross * x.commission_bp) / 10_000);
            return { merchantId: x.id, name: x.name, kind: x.kind, orders: x.orders, fulfilled: x.fulfilled, grossFen: gross, commissionFen: commission, payableFen: gross - commission, rating: x.rating === null ? null : Number(x.rating), ratings: x.ratings };
          }),
        };
      },
    },
  ];
}

/** The O2O module. */
export const o2oModule: TwinModule = {
  name: 'o2o',
  migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
  permissions: [
    { permission: 'o2o:use', summary: 'Browse the service catalogue, order, pay, cancel and rate one\'s own orders', roles: ['enterprise_user', 'property_manager', 'investment', 'maintenance', 'security_operator', 'leadership_viewer'] },
    { permission: 'o2o:fulfil', summary: 'Service desk: see every order, accept and fulfil them', roles: ['property_manager'] },
    { permission: 'o2o:report', summary: 'Settlement reports per merchant', roles: ['property_manager', 'leadership_viewer'] },
  ],
  routes,
  seed: (sc, park) => seedO2o(sc, park.parkIdx),
};
