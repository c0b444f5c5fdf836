/**
 * Catering routes of part 2 (issue 19, L1): menus, orders and pickup, face checkout, food safety
 * (pesticide tests, retained samples, dish traceability, the kitchen's cameras). The rules live in
 * orders.ts (ordering, pickup, face) and here (food safety); every write is one transaction with
 * its audit row; refusals are audited and logged.
 */
import { z } from 'zod';
import type { ServerContext } from '../../context.ts';
import type { Queryable } from '../../db/index.ts';
import type { RouteSpec, TwinContext } from '../../http/route.ts';
import type { Principal } from '../../auth/types.ts';
import { authService } from '../../auth/index.ts';
import { withStatus } from '../../http/openapi.ts';
import { bodyOf, paramsOf, queryOf } from '../../http/input.ts';
import { getCard, idempotent, Refusal } from './ledger.ts';
import { canteenOf, CATEGORIES, DISH_COLS, loadOrders, pickUp, placeOrder, toDish, type Order } from './orders.ts';
import { faceRuntimeOf } from './face.ts';
import { notify } from '../../kit/notifications/service.ts';

const idParams = z.object({ id: z.coerce.number<string>().int().min(1).max(0x7fffffff) });
const idxParams = z.object({ idx: z.coerce.number<string>().int().min(1).max(0x7fffffff) });
const key = z.string().regex(/^[A-Za-z0-9_.:-]{8,80}$/, '8-80 letters, digits or _.:-');
const iso = z.string().datetime({ offset: true });

const dish = z.object({ id: z.number(), canteenIdx: z.number(), name: z.string(), nameEn: z.string().nullable(), priceFen: z.number(), category: z.enum(CATEGORIES), available: z.boolean() });
const orderLine = z.object({ dishId: z.number(), name: z.string(), priceFen: z.number(), qty: z.number() });
const order = z.object({
  id: z.number(), orderNo: z.string(), canteenIdx: z.number(), canteenName: z.string().nullable(), cardId: z.number(), holderName: z.string(), totalFen: z.number(), entryId: z.number(),
  status: z.enum(['paid', 'picked_up']), createdAt: z.string(), pickedAt: z.string().nullable(), pickedBy: z.string().nullable(), lines: z.array(orderLine),
  pickup: z.object({ token: z.string(), code: z.string(), qrSvg: z.string() }).nullable(),
}) satisfies z.ZodType<Order>;
const faceOutcome = z.object({
  terminal: z.string(), eventId: z.string(), outcome: z.enum(['charged', 'refused']), reason: z.string().nullable(), cardId: z.number().nullable(), entryId: z.number().nullable(),
  balanceFen: z.number().nullable(), duplicate: z.boolean(),
});
const camera = z.object({ idx: z.number(), code: z.string(), name: z.string(), floorIdx: z.number().nullable(), roomIdx: z.number().nullable(), hasVideo: z.boolean() });
const pesticide = z.object({ id: z.number(), canteenIdx: z.number(), batchId: z.number().nullable(), sample: z.string(), inhibitionPct: z.number(), result: z.enum(['pass', 'fail']), tester: z.string(), testedAt: z.string(), note: z.string().nullable() });
const sample = z.object({
  id: z.number(), canteenIdx: z.number(), meal: z.enum(['breakfast', 'lunch', 'dinner']), dishes: z.string(), weightG: z.number(), keptAt: z.string(), disposeDue: z.string(),
  keptBy: z.string(), disposedAt: z.string().nullable(), disposedBy: z.string().nullable(), state: z.enum(['keeping', 'due', 'disposed']),
});
const traceBatch = z.object({ batchId: z.number(), ingredient: z.string(), batchNo: z.string(), receivedAt: z.string(), quantityKg: z.number(), certificate: z.string().nullable(),
  supplier: z.object({ id: z.number(), name: z.string(), licence: z.string().nullable(), contact: z.string().nullable() }),
  tests: z.array(z.object({ id: z.number(), result: z.enum(['pass', 'fail']), inhibitionPct: z.number(), testedAt: z.string() })) });

const dishBody = z.object({
  canteenIdx: z.number().int().min(1), name: z.string().trim().min(1).max(60), nameEn: z.string().trim().min(1).max(80).nullable().default(null),
  priceFen: z.number().int().min(1).max(100_000), category: z.enum(CATEGORIES).default('main'), batchIds: z.array(z.number().int().min(1)).max(20).default([]),
}).strict();
const dishPatch = z.object({ priceFen: z.number().int().min(1).max(100_000).optional(), available: z.boolean().optional() }).strict()
  .refine((b) => b.priceFen !== undefined || b.available !== undefined, 'give priceFen or available');
const orderBody = z.object({
  key, cardId: z.number().int().min(1), canteenIdx: z.number().int().min(1),
  lines: z.array(z.object({ dishId: z.number().int().min(1), qty: z.number().int().min(1).max(20) }).strict()).min(1).max(20),
}).strict();
const ordersQuery = z.object({
  canteen: z.coerce.number<string>().int().min(1).optional(), status: z.enum(['paid', 'picked_up']).optional(),
  mine: z.enum(['1', '0']).optional(), limit: z.coerce.number<string>().int().min(1).max(200).default(50),
});
const pickupBody = z.object({ code: z.string().trim().min(8).max(120), canteenIdx: z.number().int().min(1).nullable().default(null) }).strict();
const faceBody = z.object({ terminal: z.string().regex(/^[A-Za-z0-9_.-]{2,64}$/), event: z.unknown() }).strict();
const enrolBody = z.object({ identity: z.string().regex(/^[A-Za-z0-9_.:-]{4,64}$/, '4-64 letters, digits or _.:-') }).strict();
const testBody = z.object({
  canteenIdx: z.number().int().min(1), batchId: z.number().int().min(1).nullable().default(null), sample: z.string().trim().min(1).max(60),
  inhibitionPct: z.number().min(0).max(100), testedAt: iso.optional(), note: z.string().trim().max(200).optional(),
}).strict();
const sampleBody = z.object({
  canteenIdx: z.number().int().min(1), meal: z.enum(['breakfast', 'lunch', 'dinner']), dishes: z.string().trim().min(1).max(200),
  weightG: z.number().int().min(125, 'a retained sample weighs at least 125 g').max(2000), keptAt: iso.optional(),
}).strict();
const batchBody = z.object({
  supplier: z.object({ name: z.string().trim().min(1).max(80), licence: z.string().trim().max(40).nullable().default(null), contact: z.string().trim().max(60).nullable().default(null) }).strict(),
  ingredient: z.string().trim().min(1).max(60), batchNo: z.string().trim().min(1).max(40), receivedAt: iso, quantityKg: z.number().positive().max(1e6),
  certificate: z.string().trim().max(80).nullable().default(null), dishIds: z.array(z.number().int().min(1)).max(50).default([]),
}).strict();

const has = (p: Principal, perm: string) => p.permissions.has(perm as never);
const HOURS_48 = 48 * 3_600_000;
/** 50 % enzyme inhibition or more fails the rapid test (GB/T 5009.199). */
export const pesticideResult = (pct: number): 'pass' | 'fail' => (pct >= 50 ? 'fail' : 'pass');

interface DbSample { id: number; canteen_idx: number; meal: 'breakfast' | 'lunch' | 'dinner'; dishes: string; weight_g: number; kept_at: Date; dispose_due: Date; kept_by: string; disposed_at: Date | null; disposed_by: string | null }
const toSample = (s: DbSample, now: Date) => ({
  id: s.id, canteenIdx: s.canteen_idx, meal: s.meal, dishes: s.dishes, weightG: s.weight_g, keptAt: s.kept_at.toISOString(), disposeDue: s.dispose_due.toISOString(), keptBy: s.kept_by,
  disposedAt: s.disposed_at?.toISOString() ?? null, disposedBy: s.disposed_by, state: s.disposed_at ? 'disposed' as const : s.dispose_due <= now ? 'due' as const : 'keeping' as const,
});
interface DbTest { id: number; canteen_idx: number; batch_id: number | null; sample: string; inhibition_pct: string; result: 'pass' | 'fail'; tester: string; tested_at: Date; note: string | null }
const toTest = (t: DbTest) => ({ id: t.id, canteenIdx: t.canteen_idx, batchId: t.batch_id, sample: t.sample, inhibitionPct: Number(t.inhibition_pct), result: t.result, tester: t.tester, testedAt: t.tested_at.toISOString(), note: t.note });

/** Cameras watching a canteen's kitchen: cameras of coverage canteen in its room or on its floor. */
export async function kitchenCameras(q: Queryable, canteenIdx: number): Promise<z.infer<typeof camera>[]> {
  const video = (await q.query<{ t: string | null }>("SELECT to_regclass('video_source')::text AS t")).rows[0]?.t;
  const r = await q.query<{ idx: number; code: string; name: string; floor_idx: number | null; room_idx: number | null; has_video: boolean }>(
    `SELECT e.idx, e.code, o.name, e.floor_idx, e.room_idx, ${video ? 'EXISTS (SELECT 1 FROM video_source v WHERE v.camera_idx = e.idx)' : 'false'} AS has_video
     FROM camera c JOIN equipment e ON e.idx = c.idx JOIN twin_object o ON o.idx = e.idx JOIN room r ON r.idx = $1
     WHERE c.coverage = 'canteen' AND (e.room_idx = r.idx OR e.floor_idx = r.floor_idx)
     ORDER BY (e.room_idx = r.idx) DESC NULLS LAST, e.idx LIMIT 20`, [canteenIdx]);
  return r.rows.map((c) => ({ idx: c.idx, code: c.code, name: c.name, floorIdx: c.floor_idx, roomIdx: c.room_idx, hasVideo: c.has_video }));
}

/** The routes. */
export function partTwoRoutes(sc: ServerContext): RouteSpec[] {
  const auth = () => authService(sc);
  const actor = (p: Principal) => ({ kind: p.kind, id: p.id, name: p.name });
  /** Runs `fn`; a Refusal becomes its status with an audit row (when `action`) and a log line. */
  const guarded = async <T>(ctx: TwinContext, action: string | null, object: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      const p = ctx.state.principal!;
      sc.log.info({ path: ctx.path, status: err.status, reason: err.message }, 'catering request refused');
      if (action) await auth().audit({ action, outcome: err.status === 403 ? 'denied' : 'failure', actor: actor(p), object, source: ctx.ip, detail: { status: err.status, reason: err.message } });
      return ctx.throw(err.status, err.message);
    }
  };
  const mustCanteen = async (q: Queryable, idx: number) => {
    const c = await canteenOf(q, idx);
    if (!c) throw new Refusal(404, `no canteen ${idx}`);
    return c;
  };

  return [
    {
      method: 'GET', path: '/api/catering/canteens/:idx/menu', permission: 'catering:use', params: idxParams, errors: [404],
      response: z.object({ canteen: z.object({ idx: z.number(), name: z.string(), nameEn: z.string().nullable() }), dishes: z.array(dish) }),
      summary: 'A canteen\'s menu: its dishes with prices in fen (sold-out ones marked)',
      async handler(ctx) {
        const { idx } = paramsOf(ctx, idxParams);
        ctx.body = await guarded(ctx, null, `room:${idx}`, async () => {
          const c = await mustCanteen(sc.db, idx);
          const d = await sc.db.query<Parameters<typeof toDish>[0]>(`SELECT ${DISH_COLS} FROM catering_dish WHERE canteen_idx = $1 ORDER BY array_position(ARRAY['main','side','staple','soup','drink'], category), id`, [idx]);
          return { canteen: c, dishes: d.rows.map(toDish) };
        });
      },
    },
    {
      method: 'POST', path: '/api/catering/dishes', permission: 'catering:manage', body: dishBody, response: withStatus(201, dish), errors: [404, 409],
      summary: 'Add a dish to a canteen\'s menu (price in fen), with the ingredient batches it is made from; audited',
      async handler(ctx) {
        const b = bodyOf(ctx, dishBody);
        const p = ctx.state.principal!;
        const out = await guarded(ctx, 'catering.dish.create', `room:${b.canteenIdx}`, () => sc.db.transaction(async (tx) => {
          await mustCanteen(tx, b.canteenIdx);
          const r = await tx.query<Parameters<typeof toDish>[0]>(
            `INSERT INTO catering_dish (canteen_idx, name, name_en, price_fen, category) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (canteen_idx, name) DO NOTHING RETURNING ${DISH_COLS}`,
            [b.canteenIdx, b.name, b.nameEn, b.priceFen, b.category]);
          if (!r.rows[0]) throw new Refusal(409, `${b.name} is on this menu already`);
          const d = toDish(r.rows[0]);
          const known = (await tx.query<{ id: number }>('SELECT id FROM catering_batch WHERE id = ANY($1::int[])', [b.batchIds])).rows.length;
          if (known !== new Set(b.batchIds).size) throw new Refusal(404, 'an ingredient batch does not exist');
          for (const bi of new Set(b.batchIds)) await tx.query('INSERT INTO catering_dish_batch (dish_id, batch_id) VALUES ($1, $2)', [d.id, bi]);
          await auth().auditIn(tx, { action: 'catering.dish.create', outcome: 'success', actor: actor(p), object: `catering_dish:${d.id}`, source: ctx.ip, detail: { canteen: b.canteenIdx, name: b.name, priceFen: b.priceFen } });
          return d;
        }));
        ctx.status = 201;
        ctx.body = out;
      },
    },
    {
      method: 'PATCH', path: '/api/catering/dishes/:id', permission: 'catering:manage', params: idParams, body: dishPatch, response: dish, errors: [404],
      summary: 'Change a dish\'s price (fen) or mark it sold out / available again; audited',
      async handler(ctx) {
        const { id } = paramsOf(ctx, idParams);
        const b = bodyOf(ctx, dishPatch);
        const p = ctx.state.principal!;
        ctx.body = await guarded(ctx, 'catering.dish.edit', `catering_dish:${id}`, () => sc.db.transaction(async (tx) => {
          const r = await tx.query<Parameters<typeof toDish>[0]>(
            `UPDATE catering_dish SET price_fen = COALESCE($2, price_fen), available = COALESCE($3, available) WHERE id = $1 RETURNING ${DISH_COLS}`, [id, b.priceFen ?? null, b.available ?? null]);
          if (!r.rows[0]) throw new Refusal(404, `no dish ${id}`);
          await auth().auditIn(tx, { action: 'catering.dish.edit', outcome: 'success', actor: actor(p), object: `catering_dish:${id}`, source: ctx.ip, detail: b });
          return toDish(r.rows[0]);
        }));
      },
    },
    {
      method: 'POST', path: '/api/catering/orders', permission: 'catering:use', body: orderBody, response: withStatus(201, order.extend({ replayed: z.boolean() })), errors: [404, 409, 422],
      summary: 'Order dishes at a canteen, paid from one\'s own meal card (prices from the menu); idempotent by key: the same key again answers the same order and charges nothing',
      async handler(ctx) {
        const b = bodyOf(ctx, orderBody);
        const p = ctx.state.principal!;
        const now = auth().now();
        const out = await guarded(ctx, 'catering.order.create', `meal_card:${b.cardId}`, () => sc.db.transaction(async (tx) => {
          const card = await getCard(tx, b.cardId, true);
          // An order is paid by the card's holder only (another's card is not revealed).
          if (!card || card.holderUserId !== p.id) throw new Refusal(404, `no meal card ${b.cardId} of yours`);
          await mustCanteen(tx, b.canteenIdx);
          const r = await idempotent(tx, { id: p.id, name: p.name }, b.key, { order: b }, now, async () => {
            const id = await placeOrder(tx, { card, canteenIdx: b.canteenIdx, lines: b.lines, userId: p.kind === 'user' ? p.id : null, actor: { id: p.id, name: p.name }, now });
            const o = (await loadOrders(tx, 'o.id = $1', [id], () => false))[0]!;
            await auth().auditIn(tx, { action: 'catering.order.create', outcome: 'success', actor: actor(p), object: `catering_order:${id}`, source: ctx.ip,
              detail: { key: b.key, orderNo: o.orderNo, totalFen: o.totalFen, entry: o.entryId, card: card.id } });
            return { status: 201, value: { id } };
          });
          const o = (await loadOrders(tx, 'o.id = $1', [r.value.id], () => true))[0]!;
          return { status: r.status, order: o, replayed: r.replayed };
        }));
        const { userId: _u, ...o } = out.order;
        ctx.status = out.status;
        ctx.body = { ...o, replayed: out.replayed };
      },
    },
    {
      method: 'GET', path: '/api/catering/orders', permission: 'catering:use', query: ordersQuery, response: z.object({ orders: z.array(order) }),
      summary: 'Orders, newest first: one\'s own (with the pickup QR code of waiting ones); the counter (catering:charge) sees a canteen\'s orders',
      async handler(ctx) {
        const q = queryOf(ctx, ordersQuery);
        const p = ctx.state.principal!;
        const all = has(p, 'catering:charge') && q.mine !== '1';
        const rows = await loadOrders(sc.db, `($1 OR o.user_id = $2::uuid) AND ($3::int IS NULL OR o.canteen_idx = $3) AND ($4::text IS NULL OR o.status = $4)`,
          [all, p.kind === 'user' ? p.id : null, q.canteen ?? null, q.status ?? null], (o) => o.user_id === p.id, q.limit);
        ctx.body = { orders: rows.map(({ userId: _u, ...o }) => o) };
      },
    },
    {
      method: 'GET', path: '/api/catering/orders/:id', permission: 'catering:use', params: idParams, response: order, errors: [404],
      summary: 'One order (its orderer gets the pickup QR code while the meal waits; the counter sees any)',
      async handler(ctx) {
        const { id } = paramsOf(ctx, idParams);
        const p = ctx.state.principal!;
        const o = (await loadOrders(sc.db, 'o.id = $1', [id], (x) => x.user_id === p.id))[0];
        if (!o || (o.userId !== p.id && !has(p, 'catering:charge'))) return ctx.throw(404, `no order ${id}`);
        const { userId: _u, ...rest } = o;
        ctx.body = rest;
      },
    },
    {
      method: 'POST', path: '/api/catering/pickup', permission: 'catering:charge', body: pickupBody, response: order, errors: [404, 409, 422],
      summary: 'The counter hands a meal over: the scanned QR token or the typed 8-digit code; single use (a second pickup is a 409 saying when it was picked up); audited',
      async handler(ctx) {
        const b = bodyOf(ctx, pickupBody);
        const p = ctx.state.principal!;
        const now = auth().now();
        ctx.body = await guarded(ctx, 'catering.order.pickup', 'catering_order:?', () => sc.db.transaction(async (tx) => {
          const id = await pickUp(tx, b.code, b.canteenIdx, p.name, now);
          await auth().auditIn(tx, { action: 'catering.order.pickup', outcome: 'success', actor: actor(p), object: `catering_order:${id}`, source: ctx.ip, detail: { canteen: b.canteenIdx } });
          const { userId: _u, ...o } = (await loadOrders(tx, 'o.id = $1', [id], () => false))[0]!;
          return o;
        }));
      },
    },
    {
      method: 'POST', path: '/api/catering/face-events', permission: 'catering:charge', body: faceBody, response: faceOutcome, errors: [404, 422, 503],
      summary: 'A face checkout event from a canteen terminal over HTTP (the same as on MQTT park/<park>/catering/<terminal>/face): an identity id and an amount, never an image; a repeated event id changes nothing',
      async handler(ctx) {
        const b = bodyOf(ctx, faceBody);
        const rt = faceRuntimeOf(sc);
        if (!rt) return ctx.throw(503, 'face checkout is not running');
        ctx.body = await guarded(ctx, null, `catering_terminal:${b.terminal}`, () => rt.handle(null, b.terminal, b.event, ctx.ip));
      },
    },
    {
      method: 'GET', path: '/api/catering/face-events', permission: 'catering:charge', query: z.object({ limit: z.coerce.number<string>().int().min(1).max(200).default(50) }),
      response: z.object({ events: z.array(z.object({ terminal: z.string(), eventId: z.string(), identity: z.string(), amountFen: z.number(), canteenIdx: z.number().nullable(), cardId: z.number().nullable(), outcome: z.enum(['charged', 'refused']), reason: z.string().nullable(), at: z.string() })) }),
      summary: 'Recent face checkout events (identity ids and outcomes; no images are ever received)',
      async handler(ctx) {
        const { limit } = queryOf(ctx, z.object({ limit: z.coerce.number<string>().int().min(1).max(200).default(50) }));
        const r = await sc.db.query<{ terminal: string; event_id: string; identity: string; amount_fen: number; canteen_idx: number | null; card_id: number | null; outcome: 'charged' | 'refused'; reason: string | null; at: Date }>(
          'SELECT terminal, event_id, identity, amount_fen, canteen_idx, card_id, outcome, reason, at FROM catering_face_event ORDER BY received_at DESC, at DESC LIMIT $1', [limit]);
        ctx.body = { events: r.rows.map((e) => ({ terminal: e.terminal, eventId: e.event_id, identity: e.identity, amountFen: e.amount_fen, canteenIdx: e.canteen_idx, cardId: e.card_id, outcome: e.outcome, reason: e.reason, at: e.at.toISOString() })) };
      },
    },
    {
      method: 'POST', path: '/api/catering/cards/:id/face', permission: 'catering:manage', params: idParams, body: enrolBody, response: z.object({ identity: z.string(), cardId: z.number() }), errors: [404, 409],
      summary: 'Enrol a face identity id (issued by the face system; no image) for a card: face checkout events with it charge this card; audited',
      async handler(ctx) {
        const { id } = paramsOf(ctx, idParams);
        const { identity } = bodyOf(ctx, enrolBody);
        const p = ctx.state.principal!;
        ctx.body = await guarded(ctx, 'catering.face.enrol', `meal_card:${id}`, () => sc.db.transaction(async (tx) => {
          const c = await getCard(tx, id, true);
          if (!c) throw new Refusal(404, `no meal card ${id}`);
          const r = await tx.query('INSERT INTO catering_face_identity (identity, card_id, enrolled_at) VALUES ($1, $2, $3) ON CONFLICT (identity) DO UPDATE SET card_id = EXCLUDED.card_id, enrolled_at = EXCLUDED.enrolled_at WHERE catering_face_identity.card_id = EXCLUDED.card_id RETURNING identity',
            [identity, id, auth().now()]);
          if (r.rows.length === 0) throw new Refusal(409, 'this identity is enrolled for another card');
          await auth().auditIn(tx, { action: 'catering.face.enrol', outcome: 'success', actor: actor(p), object: `meal_card:${id}`, source: ctx.ip, detail: { identity } });
          return { identity, cardId: id };
        }));
      },
    },
    {
      method: 'GET', path: '/api/catering/canteens/:idx/safety', permission: 'catering:use', params: idxParams, errors: [404],
      response: z.object({ tests: z.array(pesticide), samples: z.array(sample), cameras: z.array(camera), dueSamples: z.number() }),
      summary: 'A canteen\'s food safety: recent pesticide tests, retained samples (kept 48 h; due ones marked) and the kitchen\'s cameras (bright kitchen)',
      async handler(ctx) {
        const { idx } = paramsOf(ctx, idxParams);
        const now = auth().now();
        ctx.body = await guarded(ctx, null, `room:${idx}`, async () => {
          await mustCanteen(sc.db, idx);
          const t = await sc.db.query<DbTest>('SELECT * FROM catering_pesticide_test WHERE canteen_idx = $1 ORDER BY tested_at DESC, id DESC LIMIT 30', [idx]);
          const s = await sc.db.query<DbSample>('SELECT * FROM catering_sample WHERE canteen_idx = $1 AND (disposed_at IS NULL OR kept_at > $2) ORDER BY kept_at DESC, id DESC LIMIT 60', [idx, new Date(now.getTime() - 7 * 86_400_000)]);
          const samples = s.rows.map((x) => toSample(x, now));
          return { tests: t.rows.map(toTest), samples, cameras: await kitchenCameras(sc.db, idx), dueSamples: samples.filter((x) => x.state === 'due').length };
        });
      },
    },
    {
      method: 'POST', path: '/api/catering/pesticide-tests', permission: 'catering:safety', body: testBody, response: withStatus(201, pesticide), errors: [404],
      summary: 'Record a pesticide rapid test (enzyme inhibition %; 50 % or more fails, and the failure notifies property management); audited',
      async handler(ctx) {
        const b = bodyOf(ctx, testBody);
        const p = ctx.state.principal!;
        const now = auth().now();
        const out = await guarded(ctx, 'catering.pesticide.create', `room:${b.canteenIdx}`, () => sc.db.transaction(async (tx) => {
          const c = await mustCanteen(tx, b.canteenIdx);
          if (b.batchId !== null && !(await tx.query('SELECT 1 FROM catering_batch WHERE id = $1', [b.batchId])).rows[0]) throw new Refusal(404, `no batch ${b.batchId}`);
          const at = b.testedAt ? new Date(b.testedAt) : now;
          if (at.getTime() > now.getTime() + 300_000) throw new Refusal(422, 'testedAt is in the future');
          const result = pesticideResult(b.inhibitionPct);
          const r = await tx.query<DbTest>(
            'INSERT INTO catering_pesticide_test (canteen_idx, batch_id, sample, inhibition_pct, result, tester, tested_at, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *',
            [b.canteenIdx, b.batchId, b.sample, b.inhibitionPct, result, p.name, at, b.note ?? null]);
          await auth().auditIn(tx, { action: 'catering.pesticide.create', outcome: 'success', actor: actor(p), object: `catering_pesticide_test:${r.rows[0]!.id}`, source: ctx.ip, detail: { sample: b.sample, inhibitionPct: b.inhibitionPct, result } });
          if (result === 'fail' && (await tx.query<{ t: string | null }>("SELECT to_regclass('kit_notification')::text AS t")).rows[0]?.t) {
            await notify(sc, { to: { roles: ['property_manager'] }, kind: 'catering.pesticide.fail', title: { zh: `农残快检不合格：${c.name} ${b.sample}（抑制率 ${b.inhibitionPct}%）`, en: `Pesticide test failed: ${c.nameEn ?? c.name} ${b.sample} (${b.inhibitionPct} % inhibition)` }, link: `/service/catering?tab=safety&canteen=${b.canteenIdx}` }, tx);
          }
          return toTest(r.rows[0]!);
        }));
        ctx.status = 201;
        ctx.body = out;
      },
    },
    {
      method: 'POST', path: '/api/catering/samples', permission: 'catering:safety', body: sampleBody, response: withStatus(201, sample), errors: [404, 422],
      summary: 'Record a retained food sample (at least 125 g per dish, kept 48 hours; a reminder when it is due for disposal); audited',
      async handler(ctx) {
        const b = bodyOf(ctx, sampleBody);
        const p = ctx.state.principal!;
        const now = auth().now();
        const out = await guarded(ctx, 'catering.sample.create', `room:${b.canteenIdx}`, () => sc.db.transaction(async (tx) => {
          await mustCanteen(tx, b.canteenIdx);
          const at = b.keptAt ? new Date(b.keptAt) : now;
          if (at.getTime() > now.getTime() + 300_000) throw new Refusal(422, 'keptAt is in the future');
          const r = await tx.query<DbSample>(
            'INSERT INTO catering_sample (canteen_idx, meal, dishes, weight_g, kept_at, dispose_due, kept_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *',
            [b.canteenIdx, b.meal, b.dishes, b.weightG, at, new Date(at.getTime() + HOURS_48), p.name]);
          await auth().auditIn(tx, { action: 'catering.sample.create', outcome: 'success', actor: actor(p), object: `catering_sample:${r.rows[0]!.id}`, source: ctx.ip, detail: { meal: b.meal, dishes: b.dishes } });
          return toSample(r.rows[0]!, now);
        }));
        ctx.status = 201;
        ctx.body = out;
      },
    },
    {
      method: 'POST', path: '/api/catering/samples/:id/dispose', permission: 'catering:safety', params: idParams, response: sample, errors: [404, 409],
      summary: 'Dispose of a retained sample once its 48 hours are over (earlier, or twice, is a 409); audited',
      async handler(ctx) {
        const { id } = paramsOf(ctx, idParams);
        const p = ctx.state.principal!;
        const now = auth().now();
        ctx.body = await guarded(ctx, 'catering.sample.dispose', `catering_sample:${id}`, () => sc.db.transaction(async (tx) => {
          const s = (await tx.query<DbSample>('SELECT * FROM catering_sample WHERE id = $1 FOR UPDATE', [id])).rows[0];
          if (!s) throw new Refusal(404, `no sample ${id}`);
          if (s.disposed_at) throw new Refusal(409, `already disposed of at ${s.disposed_at.toISOString()}`);
          if (s.dispose_due > now) throw new Refusal(409, `kept until ${s.dispose_due.toISOString()} (48 hours)`);
          const r = await tx.query<DbSample>('UPDATE catering_sample SET disposed_at = $2, disposed_by = $3 WHERE id = $1 RETURNING *', [id, now, p.name]);
          await auth().auditIn(tx, { action: 'catering.sample.dispose', outcome: 'success', actor: actor(p), object: `catering_sample:${id}`, source: ctx.ip, detail: {} });
          return toSample(r.rows[0]!, now);
        }));
      },
    },
    {
      method: 'POST', path: '/api/catering/batches', permission: 'catering:safety', body: batchBody, response: withStatus(201, z.object({ id: z.number(), supplierId: z.number() })), errors: [404, 409],
      summary: 'Record an ingredient batch received from a supplier (the supplier is created on first use) and the dishes made from it; audited',
      async handler(ctx) {
        const b = bodyOf(ctx, batchBody);
        const p = ctx.state.principal!;
        const out = await guarded(ctx, 'catering.batch.create', 'catering_batch:new', () => sc.db.transaction(async (tx) => {
          const s = await tx.query<{ id: number }>(
            `INSERT INTO catering_supplier (name, licence, contact) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET licence = COALESCE(EXCLUDED.licence, catering_supplier.licence),
               contact = COALESCE(EXCLUDED.contact, catering_supplier.contact) RETURNING id`, [b.supplier.name, b.supplier.licence, b.supplier.contact]);
          const supplierId = s.rows[0]!.id;
          const r = await tx.query<{ id: number }>(
            'INSERT INTO catering_batch (supplier_id, ingredient, batch_no, received_at, quantity_kg, certificate) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (supplier_id, batch_no) DO NOTHING RETURNING id',
            [supplierId, b.ingredient, b.batchNo, new Date(b.receivedAt), b.quantityKg, b.certificate]);
          if (!r.rows[0]) throw new Refusal(409, `batch ${b.batchNo} of ${b.supplier.name} is recorded already`);
          const dishes = [...new Set(b.dishIds)];
          if ((await tx.query('SELECT id FROM catering_dish WHERE id = ANY($1::int[])', [dishes])).rows.length !== dishes.length) throw new Refusal(404, 'a dish does not exist');
          for (const d of dishes) await tx.query('INSERT INTO catering_dish_batch (dish_id, batch_id) VALUES ($1, $2)', [d, r.rows[0].id]);
          await auth().auditIn(tx, { action: 'catering.batch.create', outcome: 'success', actor: actor(p), object: `catering_batch:${r.rows[0].id}`, source: ctx.ip, detail: { supplier: b.supplier.name, batchNo: b.batchNo, dishes } });
          return { id: r.rows[0].id, supplierId };
        }));
        ctx.status = 201;
        ctx.body = out;
      },
    },
    {
      method: 'GET', path: '/api/catering/dishes/:id/trace', permission: 'catering:use', params: idParams, errors: [404],
      response: z.object({ dish, canteen: z.object({ idx: z.number(), name: z.string(), nameEn: z.string().nullable() }).nullable(), batches: z.array(traceBatch) }),
      summary: 'Traceability of a dish: its ingredients → the supplier batches they came from (with the batch\'s pesticide tests) → the suppliers',
      async handler(ctx) {
        const { id } = paramsOf(ctx, idParams);
        const d = (await sc.db.query<Parameters<typeof toDish>[0]>(`SELECT ${DISH_COLS} FROM catering_dish WHERE id = $1`, [id])).rows[0];
        if (!d) return ctx.throw(404, `no dish ${id}`);
        const b = await sc.db.query<{ id: number; ingredient: string; batch_no: string; received_at: Date; quantity_kg: string; certificate: string | null; sid: number; sname: string; licence: string | null; contact: string | null }>(
          `SELECT b.id, b.ingredient, b.batch_no, b.received_at, b.quantity_kg, b.certificate, s.id AS sid, s.name AS sname, s.licence, s.contact
           FROM catering_dish_batch db JOIN catering_batch b ON b.id = db.batch_id JOIN catering_supplier s ON s.id = b.supplier_id WHERE db.dish_id = $1 ORDER BY b.ingredient, b.received_at DESC`, [id]);
        const tests = b.rows.length ? (await sc.db.query<DbTest>('SELECT * FROM catering_pesticide_test WHERE batch_id = ANY($1::int[]) ORDER BY tested_at DESC', [b.rows.map((x) => x.id)])).rows : [];
        ctx.body = {
          dish: toDish(d), canteen: await canteenOf(sc.db, d.canteen_idx),
          batches: b.rows.map((x) => ({
            batchId: x.id, ingredient: x.ingredient, batchNo: x.batch_no, receivedAt: x.received_at.toISOString(), quantityKg: Number(x.quantity_kg), certificate: x.certificate,
            supplier: { id: x.sid, name: x.sname, licence: x.licence, contact: x.contact },
            tests: tests.filter((t) => t.batch_id === x.id).map((t) => ({ id: t.id, result: t.result, inhibitionPct: Number(t.inhibition_pct), testedAt: t.tested_at.toISOString() })),
          })),
        };
      },
    },
  ];
}

/** The reminder job: retained samples whose 48 hours are over notify property management once. */
export async function remindDueSamples(sc: ServerContext, now: Date): Promise<number> {
  return sc.db.transaction(async (tx) => {
    const due = (await tx.query<{ id: number; canteen_idx: number; dishes: string; meal: string; name: string; name_en: string | null }>(
      `UPDATE catering_sample s SET reminded_at = $1 FROM twin_object o WHERE o.idx = s.canteen_idx AND s.disposed_at IS NULL AND s.reminded_at IS NULL AND s.dispose_due <= $1
       RETURNING s.id, s.canteen_idx, s.dishes, s.meal, o.name, o.name_en`, [now])).rows;
    const hasNotifications = (await tx.query<{ t: string | null }>("SELECT to_regclass('kit_notification')::text AS t")).rows[0]?.t;
    if (hasNotifications) {
      for (const s of due) {
        await notify(sc, { to: { roles: ['property_manager'] }, kind: 'catering.sample.due', title: { zh: `留样已满48小时，请处理：${s.name} ${s.dishes}`, en: `Retained sample due for disposal (48 h): ${s.name_en ?? s.name} ${s.dishes}` }, link: `/service/catering?tab=safety&canteen=${s.canteen_idx}` }, tx);
      }
    }
    return due.length;
  });
}
