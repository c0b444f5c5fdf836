/**
 * Catering ordering and pickup, face checkout (issue 19, L1).
 *
 * Ordering: a card holder picks dishes from a canteen's menu (prices in integer fen, taken from the
 * menu, never from the client) and pays from the meal card: one transaction locks the card, checks
 * the caller's idempotency key (a repeat answers the first order and changes nothing), charges the
 * total through the ledger (`applyOp`), writes the order and its lines and one audit row. The order
 * carries a pickup token for the QR code (`PTC1.<order>.<nonce>.<HMAC>`, signed with a key the
 * server keeps in `catering_secret`) and an 8-digit code to type when a code cannot be scanned. The
 * counter hands the meal over once: `UPDATE ... WHERE status = 'paid'` decides; a second pickup is
 * refused with when and by whom the meal was handed over.
 *
 * Face checkout: a terminal at a canteen publishes `{id, identity, amountFen, ts?}` on
 * `park/<park>/catering/<terminal>/face` (or posts it over HTTP; face.ts subscribes). The identity id names a card
 * (enrolled by card management; a replaced card's successor pays); the charge goes through the
 * same ledger with the key `face:<terminal>:<event id>`; the event is stored once per terminal and
 * event id, so a duplicate changes nothing. Payloads are strict: an image field is refused.
 */
import crypto from 'node:crypto';
import QRCode from 'qrcode';
import { z } from 'zod';
import type { ServerContext } from '../../context.ts';
import type { Queryable } from '../../db/index.ts';
import { applyOp, getCard, Refusal, type Actor, type Card } from './ledger.ts';

export const CATEGORIES = ['main', 'side', 'staple', 'soup', 'drink'] as const;

export interface Dish { id: number; canteenIdx: number; name: string; nameEn: string | null; priceFen: number; category: (typeof CATEGORIES)[number]; available: boolean }
export interface OrderLine { dishId: number; name: string; priceFen: number; qty: number }
export interface Order {
  id: number; orderNo: string; canteenIdx: number; canteenName: string | null; cardId: number; holderName: string; totalFen: number; entryId: number;
  status: 'paid' | 'picked_up'; createdAt: string; pickedAt: string | null; pickedBy: string | null; lines: OrderLine[];
  /** Only for the orderer while the meal waits: the QR token, its SVG and the code to type. */
  pickup: { token: string; code: string; qrSvg: string } | null;
}

interface DbDish { id: number; canteen_idx: number; name: string; name_en: string | null; price_fen: number; category: Dish['category']; available: boolean }
export const toDish = (d: DbDish): Dish => ({ id: d.id, canteenIdx: d.canteen_idx, name: d.name, nameEn: d.name_en, priceFen: d.price_fen, category: d.category, available: d.available });
export const DISH_COLS = 'id, canteen_idx, name, name_en, price_fen, category, available';

/** The canteen (a room of use canteen) or null. */
export async function canteenOf(q: Queryable, idx: number): Promise<{ idx: number; name: string; nameEn: string | null } | null> {
  const r = await q.query<{ idx: number; name: string; name_en: string | null }>("SELECT r.idx, o.name, o.name_en FROM room r JOIN twin_object o ON o.idx = r.idx WHERE r.idx = $1 AND r.use = 'canteen'", [idx]);
  const c = r.rows[0];
  return c ? { idx: c.idx, name: c.name, nameEn: c.name_en } : null;
}

/** The key that signs pickup tokens (created once, by whichever node asks first). */
async function secretOf(q: Queryable): Promise<Buffer> {
  await q.query('INSERT INTO catering_secret (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING', [crypto.randomBytes(32).toString('base64url')]);
  const r = await q.query<{ secret: string }>('SELECT secret FROM catering_secret WHERE id = 1');
  return Buffer.from(r.rows[0]!.secret, 'base64url');
}
const sign = (secret: Buffer, id: number, nonce: string) => crypto.createHmac('sha256', secret).update(`${id}.${nonce}`).digest('base64url').slice(0, 22);
export const tokenOf = (secret: Buffer, id: number, nonce: string) => `PTC1.${id}.${nonce}.${sign(secret, id, nonce)}`;

/** The order of a pickup token, or a Refusal (400: not a pickup code or a forged/altered one). */
export async function verifyToken(q: Queryable, token: string): Promise<number> {
  const m = /^PTC1\.(\d{1,9})\.([A-Za-z0-9_-]{8,32})\.([A-Za-z0-9_-]{22})$/.exec(token);
  if (!m) throw new Refusal(422, 'not a pickup code');
  const secret = await secretOf(q);
  const id = Number(m[1]);
  const want = Buffer.from(sign(secret, id, m[2]!));
  const got = Buffer.from(m[3]!);
  if (want.length !== got.length || !crypto.timingSafeEqual(want, got)) throw new Refusal(422, 'the pickup code\'s signature is not valid');
  const r = await q.query<{ nonce: string }>('SELECT nonce FROM catering_order WHERE id = $1', [id]);
  if (!r.rows[0] || r.rows[0].nonce !== m[2]) throw new Refusal(404, 'no such order');
  return id;
}

const ORDER_COLS = `o.id, o.order_no, o.canteen_idx, t.name AS canteen_name, o.card_id, o.user_id, o.holder_name, o.total_fen, o.entry_id, o.status, o.created_at, o.picked_at, o.picked_by, o.nonce, o.pickup_code`;
interface DbOrder { id: number; order_no: string; canteen_idx: number; canteen_name: string | null; card_id: number; user_id: string | null; holder_name: string; total_fen: number; entry_id: string; status: Order['status']; created_at: Date; picked_at: Date | null; picked_by: string | null; nonce: string; pickup_code: string }

/** Orders by id with their lines; `withPickup` adds the QR code of the waiting ones. */
export async function loadOrders(q: Queryable, where: string, args: unknown[], withPickup: (o: { user_id: string | null }) => boolean, limit = 100): Promise<(Order & { userId: string | null })[]> {
  const r = await q.query<DbOrder>(`SELECT ${ORDER_COLS} FROM catering_order o LEFT JOIN twin_object t ON t.idx = o.canteen_idx WHERE ${where} ORDER BY o.id DESC LIMIT ${Math.floor(limit)}`, args);
  if (r.rows.length === 0) return [];
  const lines = await q.query<{ order_id: number; dish_id: number; name: string; price_fen: number; qty: number }>(
    'SELECT order_id, dish_id, name, price_fen, qty FROM catering_order_line WHERE order_id = ANY($1::int[]) ORDER BY order_id, n', [r.rows.map((o) => o.id)]);
  const secret = r.rows.some((o) => o.status === 'paid' && withPickup(o)) ? await secretOf(q) : null;
  const out = [];
  for (const o of r.rows) {
    let pickup: Order['pickup'] = null;
    if (secret && o.status === 'paid' && withPickup(o)) {
      const token = tokenOf(secret, o.id, o.nonce);
      pickup = { token, code: o.pickup_code, qrSvg: await QRCode.toString(token, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }) };
    }
    out.push({
      id: o.id, orderNo: o.order_no, canteenIdx: o.canteen_idx, canteenName: o.canteen_name, cardId: o.card_id, userId: o.user_id, holderName: o.holder_name, totalFen: o.total_fen,
      entryId: Number(o.entry_id), status: o.status, createdAt: o.created_at.toISOString(), pickedAt: o.picked_at?.toISOString() ?? null, pickedBy: o.picked_by,
      lines: lines.rows.filter((l) => l.order_id === o.id).map((l) => ({ dishId: l.dish_id, name: l.name, priceFen: l.price_fen, qty: l.qty })), pickup,
    });
  }
  return out;
}

/** An order number: date in the park's day and a random tail. */
const orderNo = (now: Date) => `DC${now.toISOString().slice(2, 10).replace(/-/g, '')}${String(crypto.randomInt(0, 1e6)).padStart(6, '0')}`;

/**
 * Places an order paid from `card` (locked by the caller) inside `tx`; returns the order id.
 * Throws a Refusal for an unknown or unavailable dish, a dish of another canteen, or a charge the
 * card cannot pay (nothing written).
 */
export async function placeOrder(tx: Queryable, v: { card: Card; canteenIdx: number; lines: { dishId: number; qty: number }[]; userId: string | null; actor: Actor; now: Date }): Promise<number> {
  const ids = v.lines.map((l) => l.dishId);
  if (new Set(ids).size !== ids.length) throw new Refusal(422, 'a dish appears twice: give its quantity instead');
  const dishes = new Map((await tx.query<DbDish>(`SELECT ${DISH_COLS} FROM catering_dish WHERE id = ANY($1::int[])`, [ids])).rows.map((d) => [d.id, toDish(d)]));
  const lines: OrderLine[] = [];
  for (const l of v.lines) {
    const d = dishes.get(l.dishId);
    if (!d || d.canteenIdx !== v.canteenIdx) throw new Refusal(422, `dish ${l.dishId} is not on this canteen's menu`);
    if (!d.available) throw new Refusal(409, `${d.name} is sold out`);
    lines.push({ dishId: d.id, name: d.name, priceFen: d.priceFen, qty: l.qty });
  }
  const total = lines.reduce((s, l) => s + l.priceFen * l.qty, 0);
  const no = orderNo(v.now);
  const paid = await applyOp(tx, v.card, { op: 'charge', amountFen: total, canteenIdx: v.canteenIdx, note: `点餐 ${no}` }, v.actor, v.now);
  for (let i = 0; ; i++) {
    await tx.query('SAVEPOINT pickup_code');
    try {
      const r = await tx.query<{ id: number }>(
        `INSERT INTO catering_order (order_no, canteen_idx, card_id, user_id, holder_name, total_fen, entry_id, pickup_code, nonce, status, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'paid', $10) RETURNING id`,
        [no, v.canteenIdx, v.card.id, v.userId, v.card.holderName, total, paid.entries[0]!.id, String(crypto.randomInt(0, 1e8)).padStart(8, '0'), crypto.randomBytes(9).toString('base64url'), v.now]);
      await tx.query('RELEASE SAVEPOINT pickup_code');
      const id = r.rows[0]!.id;
      for (const [n, l] of lines.entries()) {
        await tx.query('INSERT INTO catering_order_line (order_id, n, dish_id, name, price_fen, qty) VALUES ($1, $2, $3, $4, $5, $6)', [id, n, l.dishId, l.name, l.priceFen, l.qty]);
      }
      return id;
    } catch (err) {
      await tx.query('ROLLBACK TO SAVEPOINT pickup_code');
      if ((err as { code?: string }).code !== '23505' || i >= 4) throw err;
    }
  }
}

/**
 * Hands an order over at the counter once. The token (scanned) or the 8-digit code (typed) names
 * the order; a second pickup is a 409 that says when and by whom it was handed over.
 */
export async function pickUp(tx: Queryable, code: string, canteenIdx: number | null, by: string, now: Date): Promise<number> {
  let id: number;
  if (/^\d{8}$/.test(code)) {
    const r = await tx.query<{ id: number }>('SELECT id FROM catering_order WHERE pickup_code = $1', [code]);
    if (!r.rows[0]) throw new Refusal(404, 'no order with this pickup code');
    id = r.rows[0].id;
  } else {
    id = await verifyToken(tx, code);
  }
  const cur = (await tx.query<{ canteen_idx: number; status: string; picked_at: Date | null; picked_by: string | null }>('SELECT canteen_idx, status, picked_at, picked_by FROM catering_order WHERE id = $1 FOR UPDATE', [id])).rows[0]!;
  if (canteenIdx !== null && cur.canteen_idx !== canteenIdx) throw new Refusal(409, `this order is for another canteen (${cur.canteen_idx})`);
  if (cur.status === 'picked_up') throw new Refusal(409, `already picked up at ${cur.picked_at!.toISOString()} (${cur.picked_by ?? ''})`);
  await tx.query("UPDATE catering_order SET status = 'picked_up', picked_at = $2, picked_by = $3 WHERE id = $1 AND status = 'paid'", [id, now, by]);
  return id;
}

/** A face checkout event as a terminal sends it: an identity id, never an image. */
export const faceEvent = z.object({
  id: z.string().regex(/^[A-Za-z0-9_.:-]{4,64}$/, '4-64 letters, digits or _.:-'),
  identity: z.string().regex(/^[A-Za-z0-9_.:-]{4,64}$/, '4-64 letters, digits or _.:-'),
  amountFen: z.number().int().min(1).max(100_000),
  ts: z.number().int().min(0).optional(),
}).strict();
export type FaceEvent = z.infer<typeof faceEvent>;
export interface FaceOutcome { terminal: string; eventId: string; outcome: 'charged' | 'refused'; reason: string | null; cardId: number | null; entryId: number | null; balanceFen: number | null; duplicate: boolean }

/**
 * Handles one face checkout event: unknown terminal → Refusal 404 (nothing stored); otherwise the
 * event is stored once with its outcome (charged, or refused with the reason: unknown identity,
 * the card cannot pay); a repeat of (terminal, event id) answers the stored outcome.
 */
export async function handleFace(sc: ServerContext, parkCode: string | null, terminal: string, raw: unknown, now: Date, audit: (tx: Queryable, o: FaceOutcome) => Promise<unknown>): Promise<FaceOutcome> {
  const p = faceEvent.safeParse(raw);
  if (!p.success) {
    const i = p.error.issues[0]!;
    throw new Refusal(422, `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`);
  }
  const ev = p.data;
  if (ev.ts !== undefined && ev.ts > now.getTime() + 300_000) throw new Refusal(422, 'ts: more than 5 minutes in the future');
  return sc.db.transaction(async (tx) => {
    const t = (await tx.query<{ canteen_idx: number }>(
      `SELECT t.canteen_idx FROM catering_terminal t JOIN room r ON r.idx = t.canteen_idx JOIN building b ON b.idx = r.building_idx JOIN park p ON p.idx = b.park_idx
       WHERE t.code = $1 AND ($2::text IS NULL OR p.code = $2)`, [terminal, parkCode])).rows[0];
    if (!t) throw new Refusal(404, `unknown terminal ${terminal.slice(0, 64)}`);
    // The terminal's events are serialized by the (terminal, event id) row lock of the insert.
    const seen = (await tx.query<{ outcome: 'charged' | 'refused'; reason: string | null; card_id: number | null; entry_id: string | null }>(
      'SELECT outcome, reason, card_id, entry_id FROM catering_face_event WHERE terminal = $1 AND event_id = $2', [terminal, ev.id])).rows[0];
    if (seen) return { terminal, eventId: ev.id, outcome: seen.outcome, reason: seen.reason, cardId: seen.card_id, entryId: seen.entry_id === null ? null : Number(seen.entry_id), balanceFen: null, duplicate: true };
    const claim = await tx.query(
      `INSERT INTO catering_face_event (terminal, event_id, identity, amount_fen, canteen_idx, outcome, at, received_at) VALUES ($1, $2, $3, $4, $5, 'refused', $6, $7)
       ON CONFLICT DO NOTHING RETURNING event_id`, [terminal, ev.id, ev.identity, ev.amountFen, t.canteen_idx, new Date(ev.ts ?? now.getTime()), now]);
    if (claim.rows.length === 0) return { terminal, eventId: ev.id, outcome: 'refused', reason: 'duplicate', cardId: null, entryId: null, balanceFen: null, duplicate: true };
    let out: FaceOutcome = { terminal, eventId: ev.id, outcome: 'refused', reason: null, cardId: null, entryId: null, balanceFen: null, duplicate: false };
    const who = (await tx.query<{ card_id: number }>('SELECT card_id FROM catering_face_identity WHERE identity = $1', [ev.identity])).rows[0];
    if (!who) {
      out.reason = 'unknown identity';
    } else {
      // Follow replacements to the card that pays now.
      let card = await getCard(tx, who.card_id, true);
      for (let i = 0; card && card.status === 'replaced' && card.replacedBy && i < 10; i++) card = await getCard(tx, card.replacedBy, true);
      out.cardId = card?.id ?? null;
      if (!card) out.reason = 'unknown identity';
      else {
        await tx.query('SAVEPOINT face_charge');
        try {
          const actor = { id: `terminal:${terminal}`, name: `刷脸终端 ${terminal}` };
          const r = await applyOp(tx, card, { op: 'charge', amountFen: ev.amountFen, canteenIdx: t.canteen_idx, note: `刷脸 ${terminal}` }, actor, now);
          await tx.query('RELEASE SAVEPOINT face_charge');
          out = { ...out, outcome: 'charged', entryId: r.entries[0]!.id, balanceFen: r.card.balanceFen };
        } catch (err) {
          await tx.query('ROLLBACK TO SAVEPOINT face_charge');
          if (!(err instanceof Refusal)) throw err;
          out.reason = err.message;
        }
      }
    }
    await tx.query('UPDATE catering_face_event SET outcome = $3, reason = $4, card_id = $5, entry_id = $6 WHERE terminal = $1 AND event_id = $2',
      [terminal, ev.id, out.outcome, out.reason, out.cardId, out.entryId]);
    await audit(tx, out);
    return out;
  });
}
