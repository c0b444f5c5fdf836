/**
 * The meal-card ledger (issue 19, L1): every money operation is one transaction that locks the
 * card row (`FOR UPDATE`: concurrent operations on one card run one after the other on any node),
 * checks the caller's idempotency key (a repeat gets the stored answer and changes nothing), checks
 * the rule (status, floor, refundable amount), appends the entry and moves the balance by the same
 * amount, stores the answer under the key and appends one audit row. A refusal changes nothing but
 * its audit row. Amounts are integer fen.
 */
import { createHash, randomInt } from 'node:crypto';
import type { Queryable } from '../../db/index.ts';

export const CARD_STATUSES = ['pending', 'active', 'lost', 'replaced', 'closed'] as const;
export type CardStatus = (typeof CARD_STATUSES)[number];
export const ENTRY_KINDS = ['topup', 'subsidy', 'charge', 'refund', 'transfer_in', 'transfer_out', 'cash_out'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];
export const TOPUP_METHODS = ['cash', 'wechat', 'alipay', 'bank', 'payroll'] as const;
/** Largest single amount (fen): 10,000 yuan. */
export const MAX_AMOUNT_FEN = 1_000_000;

export interface Card {
  id: number; cardNo: string; holderName: string; holderUserId: string | null; enterpriseIdx: number | null; status: CardStatus;
  balanceFen: number; floorFen: number; replacedBy: number | null; version: number; issuedAt: string;
}
export interface Entry {
  id: number; cardId: number; kind: EntryKind; amountFen: number; balanceAfterFen: number; canteenIdx: number | null; refEntry: number | null;
  method: string | null; note: string | null; actorName: string; at: string;
}
export interface Actor { id: string; name: string }

/** A money operation on one card. */
export type CardOp =
  | { op: 'topup'; amountFen: number; method: (typeof TOPUP_METHODS)[number]; note?: string }
  | { op: 'subsidy'; amountFen: number; note?: string }
  | { op: 'charge'; amountFen: number; canteenIdx?: number | null; note?: string }
  | { op: 'refund'; entryId: number; amountFen: number; note?: string }
  | { op: 'replace' }
  | { op: 'close' };

/** What an operation answers: the card after it, the entries it wrote, a new card (replace). */
export interface OpResult { card: Card; entries: Entry[]; newCard: Card | null; replayed: boolean }
/** A refusal: the HTTP status and the reason; nothing changed. */
export class Refusal extends Error {
  constructor(readonly status: 403 | 404 | 409 | 422, message: string) {
    super(message);
  }
}

interface DbCard { id: number; card_no: string; holder_name: string; holder_user: string | null; enterprise_idx: number | null; status: CardStatus; balance_fen: string | number; floor_fen: string | number; replaced_by: number | null; version: number; issued_at: Date }
interface DbEntry { id: string | number; card_id: number; kind: EntryKind; amount_fen: string | number; balance_after_fen: string | number; canteen_idx: number | null; ref_entry: string | number | null; method: string | null; note: string | null; actor_name: string; at: Date }
export const CARD_COLS = 'id, card_no, holder_name, holder_user, enterprise_idx, status, balance_fen, floor_fen, replaced_by, version, issued_at';
const ENTRY_COLS = 'id, card_id, kind, amount_fen, balance_after_fen, canteen_idx, ref_entry, method, note, actor_name, at';

export const toCard = (c: DbCard): Card => ({
  id: c.id, cardNo: c.card_no, holderName: c.holder_name, holderUserId: c.holder_user, enterpriseIdx: c.enterprise_idx, status: c.status,
  balanceFen: Number(c.balance_fen), floorFen: Number(c.floor_fen), replacedBy: c.replaced_by, version: c.version, issuedAt: new Date(c.issued_at).toISOString(),
});
export const toEntry = (e: DbEntry): Entry => ({
  id: Number(e.id), cardId: e.card_id, kind: e.kind, amountFen: Number(e.amount_fen), balanceAfterFen: Number(e.balance_after_fen), canteenIdx: e.canteen_idx,
  refEntry: e.ref_entry === null ? null : Number(e.ref_entry), method: e.method, note: e.note, actorName: e.actor_name, at: new Date(e.at).toISOString(),
});

export async function getCard(q: Queryable, id: number, lock = false): Promise<Card | null> {
  const r = await q.query<DbCard>(`SELECT ${CARD_COLS} FROM meal_card WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return r.rows[0] ? toCard(r.rows[0]) : null;
}

export async function entriesOf(q: Queryable, cardId: number, limit = 100, before: number | null = null): Promise<Entry[]> {
  const r = await q.query<DbEntry>(`SELECT ${ENTRY_COLS} FROM meal_card_entry WHERE card_id = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`, [cardId, before, limit]);
  return r.rows.map(toEntry);
}

/** A new card number: park prefix, date-free, random digits (unique by the table). */
export const newCardNo = (): string => `MC-${String(randomInt(0, 1e9)).padStart(9, '0')}`;

const hashOf = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex');

/**
 * Runs `body` under the caller's idempotency key inside `tx` (the caller has locked what the
 * operation needs, so the look-up and the store are race-free for that object): a stored answer of
 * the same request is returned with `replayed`; a stored answer of another request is a 409.
 */
export async function idempotent<T extends object>(tx: Queryable, actor: Actor, key: string, request: unknown, now: Date, body: () => Promise<{ status: number; value: T }>): Promise<{ status: number; value: T; replayed: boolean }> {
  const hash = hashOf(request);
  const seen = await tx.query<{ request_hash: string; status: number; response: T }>('SELECT request_hash, status, response FROM catering_idem WHERE actor_id = $1 AND key = $2', [actor.id, key]);
  const s = seen.rows[0];
  if (s) {
    if (s.request_hash !== hash) throw new Refusal(409, `the idempotency key ${key} was already used for another request`);
    return { status: s.status, value: s.response, replayed: true };
  }
  const out = await body();
  // A concurrent first use of the same key on another object: the key's row exists by now and this
  // insert waits for it, then finds it taken; the whole operation rolls back.
  const ins = await tx.query('INSERT INTO catering_idem (actor_id, key, request_hash, status, response, at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING key',
    [actor.id, key, hash, out.status, JSON.stringify(out.value), now]);
  if (ins.rows.length === 0) throw new Refusal(409, `the idempotency key ${key} is in use by another request`);
  return { ...out, replayed: false };
}

async function addEntry(tx: Queryable, card: Card, kind: EntryKind, amount: number, actor: Actor, now: Date, extra: { canteenIdx?: number | null; refEntry?: number | null; method?: string | null; note?: string | null } = {}): Promise<{ card: Card; entry: Entry }> {
  // The balance moves by the entry's amount in the same transaction; the floor is checked here and
  // again by the table's CHECK.
  const c = await tx.query<DbCard>(
    `UPDATE meal_card SET balance_fen = balance_fen + $2, version = version + 1, updated_at = $3 WHERE id = $1 AND balance_fen + $2 >= floor_fen RETURNING ${CARD_COLS}`,
    [card.id, amount, now]);
  if (!c.rows[0]) throw new Refusal(409, `insufficient balance: ${fmtFen(card.balanceFen)} on the card, ${fmtFen(-amount)} asked${card.floorFen < 0 ? `, overdraft to ${fmtFen(card.floorFen)}` : ''}`);
  const after = toCard(c.rows[0]);
  const e = await tx.query<DbEntry>(
    `INSERT INTO meal_card_entry (card_id, kind, amount_fen, balance_after_fen, canteen_idx, ref_entry, method, note, actor_id, actor_name, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${ENTRY_COLS}`,
    [card.id, kind, amount, after.balanceFen, extra.canteenIdx ?? null, extra.refEntry ?? null, extra.method ?? null, extra.note ?? null, actor.id, actor.name, now]);
  return { card: after, entry: toEntry(e.rows[0]!) };
}

/** Yuan with two decimals, for messages. */
export const fmtFen = (fen: number): string => `¥${(fen / 100).toFixed(2)}`;

/** Issues a card (status pending until activated; or active at once). */
export async function issueCard(tx: Queryable, v: { holderName: string; holderUserId: string | null; enterpriseIdx: number | null; floorFen: number; active: boolean; now: Date }): Promise<Card> {
  for (let i = 0; ; i++) {
    await tx.query('SAVEPOINT card_no');
    try {
      const r = await tx.query<DbCard>(
        `INSERT INTO meal_card (card_no, holder_name, holder_user, enterprise_idx, status, floor_fen, issued_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING ${CARD_COLS}`,
        [newCardNo(), v.holderName, v.holderUserId, v.enterpriseIdx, v.active ? 'active' : 'pending', v.floorFen, v.now]);
      await tx.query('RELEASE SAVEPOINT card_no');
      return toCard(r.rows[0]!);
    } catch (err) {
      await tx.query('ROLLBACK TO SAVEPOINT card_no');
      if ((err as { code?: string }).code !== '23505' || i >= 4) throw err;
    }
  }
}

/**
 * Applies one money operation to a card the caller has locked (`getCard(tx, id, true)`); throws a
 * Refusal (nothing written) when the rule refuses it.
 */
export async function applyOp(tx: Queryable, card: Card, op: CardOp, actor: Actor, now: Date): Promise<Omit<OpResult, 'replayed'>> {
  const live = card.status === 'active';
  switch (op.op) {
    case 'topup':
    case 'subsidy': {
      if (card.status !== 'active' && card.status !== 'pending') throw new Refusal(409, `the card is ${card.status}`);
      const r = await addEntry(tx, card, op.op, op.amountFen, actor, now, { method: op.op === 'topup' ? op.method : null, note: op.note ?? null });
      return { card: r.card, entries: [r.entry], newCard: null };
    }
    case 'charge': {
      if (!live) throw new Refusal(409, `the card is ${card.status}: it cannot pay`);
      const r = await addEntry(tx, card, 'charge', -op.amountFen, actor, now, { canteenIdx: op.canteenIdx ?? null, note: op.note ?? null });
      return { card: r.card, entries: [r.entry], newCard: null };
    }
    case 'refund': {
      if (card.status === 'closed' || card.status === 'replaced') throw new Refusal(409, `the card is ${card.status}`);
      const ch = await tx.query<{ kind: string; amount_fen: string; canteen_idx: number | null; refunded: string }>(
        `SELECT e.kind, e.amount_fen, e.canteen_idx, COALESCE((SELECT sum(r.amount_fen) FROM meal_card_entry r WHERE r.ref_entry = e.id AND r.kind = 'refund'), 0) AS refunded
         FROM meal_card_entry e WHERE e.id = $1 AND e.card_id = $2`, [op.entryId, card.id]);
      const c = ch.rows[0];
      if (!c) throw new Refusal(404, `no entry ${op.entryId} on this card`);
      if (c.kind !== 'charge') throw new Refusal(422, 'only a charge can be refunded');
      const left = -Number(c.amount_fen) - Number(c.refunded);
      if (op.amountFen > left) throw new Refusal(409, `at most ${fmtFen(left)} of that charge is left to refund`);
      const r = await addEntry(tx, card, 'refund', op.amountFen, actor, now, { refEntry: op.entryId, canteenIdx: c.canteen_idx, note: op.note ?? null });
      return { card: r.card, entries: [r.entry], newCard: null };
    }
    case 'replace': {
      // A lost (or worn) card: a new card takes its holder, floor and balance; the old one is retired.
      if (card.status !== 'lost' && card.status !== 'active') throw new Refusal(409, `the card is ${card.status}: only an active or lost card is replaced`);
      const fresh = await issueCard(tx, { holderName: card.holderName, holderUserId: card.holderUserId, enterpriseIdx: card.enterpriseIdx, floorFen: card.floorFen, active: true, now });
      const entries: Entry[] = [];
      let neu = fresh;
      if (card.balanceFen !== 0) {
        // A negative balance (overdraft) moves too: the new card starts where the old one stood.
        const out = await addEntry(tx, card, 'transfer_out', -card.balanceFen, actor, now, { note: `→ ${fresh.cardNo}` });
        const inn = await addEntry(tx, fresh, 'transfer_in', card.balanceFen, actor, now, { note: `← ${card.cardNo}` });
        neu = inn.card;
        entries.push(out.entry, inn.entry);
      }
      const r = await tx.query<DbCard>(`UPDATE meal_card SET status = 'replaced', replaced_by = $2, floor_fen = 0, version = version + 1, updated_at = $3 WHERE id = $1 RETURNING ${CARD_COLS}`, [card.id, fresh.id, now]);
      return { card: toCard(r.rows[0]!), entries, newCard: neu };
    }
    case 'close': {
      // Refund of the card: the balance is paid out to the holder and the card closes.
      if (card.status === 'closed' || card.status === 'replaced') throw new Refusal(409, `the card is ${card.status}`);
      if (card.balanceFen < 0) throw new Refusal(409, `the card owes ${fmtFen(-card.balanceFen)}: top it up before closing`);
      const entries: Entry[] = [];
      if (card.balanceFen > 0) {
        const out = await addEntry(tx, card, 'cash_out', -card.balanceFen, actor, now, { note: 'refund of the balance' });
        entries.push(out.entry);
      }
      const r = await tx.query<DbCard>(`UPDATE meal_card SET status = 'closed', version = version + 1, updated_at = $2 WHERE id = $1 RETURNING ${CARD_COLS}`, [card.id, now]);
      return { card: toCard(r.rows[0]!), entries, newCard: null };
    }
  }
}

/** Status changes without money: report loss (active/pending → lost), activate (pending/lost → active). */
export async function setStatus(tx: Queryable, card: Card, action: 'report_loss' | 'activate', now: Date): Promise<Card> {
  const ok = action === 'report_loss' ? ['active', 'pending'] : ['pending', 'lost'];
  if (!ok.includes(card.status)) throw new Refusal(409, `the card is ${card.status}`);
  const r = await tx.query<DbCard>(`UPDATE meal_card SET status = $2, version = version + 1, updated_at = $3 WHERE id = $1 RETURNING ${CARD_COLS}`,
    [card.id, action === 'report_loss' ? 'lost' : 'active', now]);
  return toCard(r.rows[0]!);
}

/** Every card whose balance differs from the sum of its entries (should be none). */
export async function ledgerMismatches(q: Queryable): Promise<{ id: number; balance: number; sum: number }[]> {
  const r = await q.query<{ id: number; balance: string; sum: string }>(
    `SELECT c.id, c.balance_fen AS balance, COALESCE(s.sum, 0) AS sum FROM meal_card c
     LEFT JOIN (SELECT card_id, sum(amount_fen) AS sum FROM meal_card_entry GROUP BY card_id) s ON s.card_id = c.id
     WHERE c.balance_fen <> COALESCE(s.sum, 0) OR c.balance_fen < c.floor_fen`);
  return r.rows.map((x) => ({ id: x.id, balance: Number(x.balance), sum: Number(x.sum) }));
}
