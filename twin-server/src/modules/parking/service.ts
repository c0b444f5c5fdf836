/**
 * Monthly parking cards: the SQL. Card changes lock the card row (`SELECT ... FOR UPDATE`), so
 * concurrent requests on one card run one after another on any node; a payment's idempotency key
 * is looked up under that lock (the same key again: the stored payment, nothing written; the same
 * key with another request: 409). Amounts are integer fen; dates are park-local calendar dates.
 */
import { occupancyLayer } from '@park-twin/layers';
import type { Queryable } from '../../db/index.ts';

export const CARD_STATUSES = ['pending', 'approved', 'active', 'expired', 'rejected'] as const;
export type CardStatus = (typeof CARD_STATUSES)[number];
export const PAY_METHODS = ['cash', 'wechat', 'alipay', 'bank_transfer'] as const;
/** Days before the end on which the holder is reminded. */
export const REMIND_DAYS = 7;
/** Mainland licence plates: province, letter, 5 characters (6 for new-energy vehicles). */
export const PLATE_RE = /^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][A-HJ-NP-Z0-9]{5,6}$/;

/** A refusal decided inside a transaction (rolled back, audited by the caller). */
export class Refusal extends Error {
  constructor(readonly status: 403 | 404 | 409 | 422, message: string) {
    super(message);
  }
}

/** Who looks: tenants see their own enterprise's cards (and their own applications). */
export interface Viewer { id: string; enterpriseIdx: number | null; manager: boolean }

export interface Lot {
  idx: number; name: string; nameEn: string | null; building: string; buildingEn: string | null; level: number; buildingIdx: number; floorIdx: number;
  capacity: number; monthlyFeeFen: number; spaces: number; held: number; activeCards: number;
  /** Vehicles in the car park now (the occupancy layer's latest reading at its barrier gate); null before any reading. */
  occupied: number | null; occupiedAt: string | null;
}
export interface Card {
  id: number; lotIdx: number; lotName: string; spaceCode: string | null; plate: string; holderName: string; enterpriseIdx: number | null; enterpriseName: string | null;
  applicantName: string; mine: boolean; months: number; status: CardStatus; startsOn: string | null; endsOn: string | null; feeFen: number; note: string | null;
  version: number; createdAt: string;
}
export interface Payment { id: number; cardId: number; months: number; amountFen: number; method: string; coversFrom: string; coversTo: string; actorName: string; paidAt: string }

interface DbCard {
  id: number; lot_idx: number; lot_name: string; space_code: string | null; plate: string; holder_name: string; enterprise_idx: number | null; ent_name: string | null;
  applicant_id: string | null; applicant_name: string; months: number; status: CardStatus; starts_on: string | null; ends_on: string | null; fee: number; note: string | null;
  version: number; created_at: Date;
}
const CARD_SELECT = `SELECT c.id, c.lot_idx, lo.name AS lot_name, s.code AS space_code, c.plate, c.holder_name, c.enterprise_idx, eo.name AS ent_name,
    c.applicant_id, c.applicant_name, c.months, c.status, c.starts_on::text AS starts_on, c.ends_on::text AS ends_on, (l.monthly_fee_fen * c.months)::int AS fee,
    c.note, c.version, c.created_at
  FROM parking_card c JOIN parking_lot l ON l.idx = c.lot_idx JOIN twin_object lo ON lo.idx = c.lot_idx
  LEFT JOIN parking_space s ON s.id = c.space_id LEFT JOIN twin_object eo ON eo.idx = c.enterprise_idx`;

const toCard = (c: DbCard, v: Viewer): Card => ({
  id: c.id, lotIdx: c.lot_idx, lotName: c.lot_name, spaceCode: c.space_code, plate: c.plate, holderName: c.holder_name, enterpriseIdx: c.enterprise_idx,
  enterpriseName: c.ent_name, applicantName: c.applicant_name, mine: c.applicant_id === v.id, months: c.months, status: c.status, startsOn: c.starts_on,
  endsOn: c.ends_on, feeFen: Number(c.fee), note: c.note, version: c.version, createdAt: new Date(c.created_at).toISOString(),
});

/** The scope condition for `v` (appended to a WHERE; uses the next two parameters). */
const scope = (v: Viewer, n: number) => (v.manager || v.enterpriseIdx === null ? `($${n}::int IS NULL OR true) AND ($${n + 1}::text IS NULL OR true)` : `(c.enterprise_idx = $${n} OR c.applicant_id = $${n + 1})`);
const scopeArgs = (v: Viewer) => [v.enterpriseIdx, v.id];

/** Car parks of a park (all parks when null) or one car park, with spaces held and the latest occupancy. */
export async function listLots(q: Queryable, parkIdx: number | null, lot: number | null = null): Promise<Lot[]> {
  const r = await q.query<{ idx: number; name: string; name_en: string | null; building: string; building_en: string | null; level: number; building_idx: number; floor_idx: number;
    capacity: number; fee: number; spaces: number; held: number; active: number; occupied: number | null; occupied_at: Date | null }>(
    `SELECT l.idx, o.name, o.name_en, bo.name AS building, bo.name_en AS building_en, f.level::int AS level, r.building_idx, r.floor_idx,
       l.capacity, l.monthly_fee_fen AS fee,
       (SELECT count(*)::int FROM parking_space s WHERE s.lot_idx = l.idx) AS spaces,
       (SELECT count(*)::int FROM parking_card c WHERE c.lot_idx = l.idx AND c.status IN ('approved', 'active')) AS held,
       (SELECT count(*)::int FROM parking_card c WHERE c.lot_idx = l.idx AND c.status = 'active') AS active,
       ls.value AS occupied, ls.ts AS occupied_at
     FROM parking_lot l JOIN twin_object o ON o.idx = l.idx JOIN room r ON r.idx = l.idx JOIN floor f ON f.idx = r.floor_idx
     JOIN twin_object bo ON bo.idx = r.building_idx
     LEFT JOIN live_state ls ON ls.idx = l.idx AND ls.layer = $3
     WHERE ($1::int IS NULL OR l.park_idx = $1) AND ($2::int IS NULL OR l.idx = $2) ORDER BY bo.name, f.level, o.name LIMIT 500`, [parkIdx, lot, occupancyLayer.id]);
  return r.rows.map((x) => ({
    idx: x.idx, name: x.name, nameEn: x.name_en, building: x.building, buildingEn: x.building_en, level: x.level, buildingIdx: x.building_idx, floorIdx: x.floor_idx,
    capacity: x.capacity, monthlyFeeFen: x.fee, spaces: x.spaces, held: x.held, activeCards: x.active,
    occupied: x.occupied === null ? null : Math.round(Number(x.occupied)), occupiedAt: x.occupied_at ? new Date(x.occupied_at).toISOString() : null,
  }));
}

/** Cards `v` may see, newest first, filtered by car park and status. */
export async function listCards(q: Queryable, v: Viewer, f: { lot?: number; status?: readonly CardStatus[]; mine?: boolean; limit: number }): Promise<Card[]> {
  const r = await q.query<DbCard>(
    `${CARD_SELECT} WHERE ${scope(v, 1)} AND ($3::int IS NULL OR c.lot_idx = $3) AND ($4::text[] IS NULL OR c.status = ANY($4::text[]))
       AND ($5::boolean IS NOT TRUE OR c.applicant_id = $2) ORDER BY c.id DESC LIMIT $6`,
    [...scopeArgs(v), f.lot ?? null, f.status?.length ? f.status : null, f.mine ?? false, f.limit]);
  return r.rows.map((c) => toCard(c, v));
}

/** One card as `v` may see it (null: none, or another enterprise's). */
export async function getCard(q: Queryable, v: Viewer, id: number, lock = false): Promise<Card | null> {
  if (lock) await q.query('SELECT id FROM parking_card WHERE id = $1 FOR UPDATE', [id]);
  const r = await q.query<DbCard>(`${CARD_SELECT} WHERE c.id = $3 AND ${scope(v, 1)}`, [...scopeArgs(v), id]);
  return r.rows[0] ? toCard(r.rows[0], v) : null;
}

export async function paymentsOf(q: Queryable, cardId: number): Promise<Payment[]> {
  const r = await q.query<{ id: number; card_id: number; months: number; amount_fen: number; method: string; covers_from: string; covers_to: string; actor_name: string; paid_at: Date }>(
    `SELECT id, card_id, months, amount_fen, method, covers_from::text AS covers_from, covers_to::text AS covers_to, actor_name, paid_at
     FROM parking_payment WHERE card_id = $1 ORDER BY id DESC`, [cardId]);
  return r.rows.map((p) => ({ id: p.id, cardId: p.card_id, months: p.months, amountFen: Number(p.amount_fen), method: p.method, coversFrom: p.covers_from,
    coversTo: p.covers_to, actorName: p.actor_name, paidAt: new Date(p.paid_at).toISOString() }));
}

/** The park-local date of `now` for a car park. */
export async function localDate(q: Queryable, lotIdx: number, now: Date): Promise<string> {
  const r = await q.query<{ d: string }>(
    `SELECT (($2::timestamptz) AT TIME ZONE p.timezone)::date::text AS d FROM parking_lot l JOIN park p ON p.idx = l.park_idx WHERE l.idx = $1`, [lotIdx, now]);
  return r.rows[0]!.d;
}

/** `date` (YYYY-MM-DD) plus `days`. */
export function addDays(date: string, days: number): string {
  const t = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}
/** The last day of `months` calendar months starting on `from` (2027-01-31 + 1 month: 2027-02-27). */
export function monthsEnd(from: string, months: number): string {
  const [y, m, d] = from.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  const end = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth(), Math.min(d, last)));
  return addDays(end.toISOString().slice(0, 10), -1);
}

/** A free space of the car park (none held by an approved or active card), lowest code first. */
export async function freeSpace(q: Queryable, lotIdx: number): Promise<{ id: number; code: string } | null> {
  const r = await q.query<{ id: number; code: string }>(
    `SELECT s.id, s.code FROM parking_space s WHERE s.lot_idx = $1
       AND NOT EXISTS (SELECT 1 FROM parking_card c WHERE c.space_id = s.id AND c.status IN ('approved', 'active'))
     ORDER BY s.code LIMIT 1`, [lotIdx]);
  return r.rows[0] ?? null;
}
