/**
 * Monthly parking cards (issue 19, P2 service centre). Car parks are twin objects (rooms of use
 * 'parking' with a barrier gate, registered in `parking_lot` with capacity, numbered spaces and a
 * monthly fee); their occupancy is live in 3D through the normal ingest path (the simulator's
 * barrier gates publish vehicle counts on the occupancy layer: sim/parking.ts) and shown in the
 * car park's panel from live_state. Cards: applied for by an enterprise user (for its own
 * enterprise) or staff → approved with a space (or rejected) by property management → paid
 * (a payment record in integer fen with an idempotency key, one transaction with the card's
 * activation or renewal and its audit row) → expiry reminders (module job, notification) →
 * expired. Tenants see only their own enterprise's cards (another's is a 404).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { TwinModule } from '../types.ts';
import type { ServerContext } from '../../context.ts';
import type { TwinContext } from '../../http/route.ts';
import type { Principal } from '../../auth/types.ts';
import { authService } from '../../auth/index.ts';
import { withStatus } from '../../http/openapi.ts';
import { bodyOf, paramsOf, queryOf } from '../../http/input.ts';
import { notify } from '../../kit/notifications/service.ts';
import {
  addDays, CARD_STATUSES, freeSpace, getCard, listCards, listLots, localDate, monthsEnd, PAY_METHODS, paymentsOf, PLATE_RE, Refusal, REMIND_DAYS,
  type Card, type Viewer,
} from './service.ts';
import { seedParking } from './seed.ts';

const idParams = z.object({ id: z.coerce.number<string>().int().min(1).max(0x7fffffff) });
const lotsQuery = z.object({
  park: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/).optional(),
  /** One object (the room panel asks for any room: an empty list when it is not a car park). */
  room: z.coerce.number<string>().int().min(1).max(0x7fffffff).optional(),
});
const cardsQuery = z.object({
  lot: z.coerce.number<string>().int().min(1).max(0x7fffffff).optional(),
  status: z.string().regex(/^[a-z]+(,[a-z]+)*$/).optional(),
  mine: z.enum(['1', '0']).optional(),
  limit: z.coerce.number<string>().int().min(1).max(200).default(50),
});
const applyBody = z.object({
  lotIdx: z.number().int().min(1),
  plate: z.string().trim().toUpperCase().regex(PLATE_RE, 'a mainland licence plate such as 沪A12345 (new-energy: 沪AD12345)'),
  holderName: z.string().trim().min(1).max(50),
  months: z.number().int().min(1).max(12),
  /** Staff only: the enterprise the card is for (tenants always apply for their own). */
  enterpriseIdx: z.number().int().min(1).nullable().optional(),
}).strict();
const decideBody = z.object({ version: z.number().int().min(1), decision: z.enum(['approve', 'reject']), note: z.string().trim().max(200).optional() }).strict();
const payBody = z.object({
  key: z.string().regex(/^[A-Za-z0-9_.:-]{8,80}$/, '8-80 letters, digits, _ . : -'),
  months: z.number().int().min(1).max(12),
  /** What the payer paid: must equal months × the car park's monthly fee (a mismatch is refused, nothing written). */
  amountFen: z.number().int().min(0).max(100_000_000),
  method: z.enum(PAY_METHODS),
}).strict();

const lotSchema = z.object({
  idx: z.number(), name: z.string(), nameEn: z.string().nullable(), building: z.string(), buildingEn: z.string().nullable(), level: z.number(),
  buildingIdx: z.number(), floorIdx: z.number(), capacity: z.number(), monthlyFeeFen: z.number(), spaces: z.number(), held: z.number(), activeCards: z.number(),
  occupied: z.number().nullable(), occupiedAt: z.string().nullable(),
});
const cardSchema = z.object({
  id: z.number(), lotIdx: z.number(), lotName: z.string(), spaceCode: z.string().nullable(), plate: z.string(), holderName: z.string(),
  enterpriseIdx: z.number().nullable(), enterpriseName: z.string().nullable(), applicantName: z.string(), mine: z.boolean(), months: z.number(),
  status: z.enum(CARD_STATUSES), startsOn: z.string().nullable(), endsOn: z.string().nullable(), feeFen: z.number(), note: z.string().nullable(),
  version: z.number(), createdAt: z.string(),
});
const paymentSchema = z.object({
  id: z.number(), cardId: z.number(), months: z.number(), amountFen: z.number(), method: z.string(), coversFrom: z.string(), coversTo: z.string(), actorName: z.string(), paidAt: z.string(),
});

const viewer = (p: Principal): Viewer => ({ id: p.id, enterpriseIdx: p.enterpriseIdx ?? null, manager: p.permissions.has('parking:manage' as never) });
const actorOf = (p: Principal) => ({ kind: p.kind, id: p.id, name: p.name });
const cardLink = (id: number) => `/service/parking?card=${id}`;

/** Runs the expiry job once: active cards past their end expire; cards ending within REMIND_DAYS remind their applicant once per end date. */
export async function expiryJob(sc: ServerContext): Promise<{ expired: number; reminded: number }> {
  const auth = authService(sc);
  const now = auth.now();
  return sc.db.transaction(async (tx) => {
    const expired = await tx.query<{ id: number; applicant_id: string | null; plate: string; lot: string }>(
      `UPDATE parking_card c SET status = 'expired', version = version + 1, updated_at = $1
       FROM parking_lot l JOIN park p ON p.idx = l.park_idx JOIN twin_object o ON o.idx = l.idx
       WHERE l.idx = c.lot_idx AND c.status = 'active' AND c.ends_on < (($1::timestamptz) AT TIME ZONE p.timezone)::date
       RETURNING c.id, c.applicant_id, c.plate, o.name AS lot`, [now]);
    for (const c of expired.rows) {
      await auth.auditIn(tx, { action: 'parking.card.expire', outcome: 'success', actor: { kind: 'system', name: 'parking expiry' }, object: `parking_card:${c.id}` });
      if (c.applicant_id) {
        await notify(sc, { to: [c.applicant_id], kind: 'parking.expired', link: cardLink(c.id),
          title: { zh: `月卡已到期：${c.plate}（${c.lot}）`, en: `Monthly parking card expired: ${c.plate} (${c.lot})` } }, tx);
      }
    }
    const due = await tx.query<{ id: number; applicant_id: string | null; plate: string; lot: string; ends_on: string }>(
      `SELECT c.id, c.applicant_id, c.plate, o.name AS lot, c.ends_on::text AS ends_on
       FROM parking_card c JOIN parking_lot l ON l.idx = c.lot_idx JOIN park p ON p.idx = l.park_idx JOIN twin_object o ON o.idx = l.idx
       WHERE c.status = 'active' AND c.ends_on <= (($1::timestamptz) AT TIME ZONE p.timezone)::date + $2::int
         AND (c.reminded_for IS NULL OR c.reminded_for <> c.ends_on)
       ORDER BY c.id FOR UPDATE OF c SKIP LOCKED`, [now, REMIND_DAYS]);
    for (const c of due.rows) {
      await tx.query('UPDATE parking_card SET reminded_for = ends_on WHERE id = $1', [c.id]);
      await auth.auditIn(tx, { action: 'parking.card.remind', outcome: 'success', actor: { kind: 'system', name: 'parking expiry' }, object: `parking_card:${c.id}`, detail: { endsOn: c.ends_on } });
      if (c.applicant_id) {
        await notify(sc, { to: [c.applicant_id], kind: 'parking.expiring', link: cardLink(c.id),
          title: { zh: `月卡即将到期（${c.ends_on}），请及时续费：${c.plate}`, en: `Monthly parking card ends on ${c.ends_on}, please renew: ${c.plate}` } }, tx);
      }
    }
    return { expired: expired.rows.length, reminded: due.rows.length };
  });
}

/** The parking module. */
export const parkingModule: TwinModule = {
  name: 'parking',
  migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
  permissions: [
    { permission: 'parking:read', summary: 'See car parks (occupancy, spaces) and monthly cards (enterprise users: their own enterprise\'s)', roles: ['property_manager', 'enterprise_user', 'leadership_viewer', 'security_operator', 'maintenance'] },
    { permission: 'parking:apply', summary: 'Apply for a monthly parking card (enterprise users: for their own enterprise)', roles: ['enterprise_user', 'property_manager'] },
    { permission: 'parking:manage', summary: 'Approve or reject card applications, record payments', roles: ['property_manager'] },
  ],
  jobs: (sc) => [{ name: 'parking-expiry', everyMs: 10 * 60_000, run: async () => { await expiryJob(sc); } }],
  seed: (sc, park) => seedParking(sc, park.parkIdx),
  routes: (sc) => {
    const auth = () => authService(sc);
    const refuse = async (ctx: TwinContext, action: string, object: string, err: Refusal) => {
      const p = ctx.state.principal!;
      await auth().audit({ action, outcome: err.status === 403 ? 'denied' : 'failure', actor: actorOf(p), object, source: ctx.ip, detail: { status: err.status, reason: err.message } });
      sc.log.info({ action, object, status: err.status, reason: err.message }, 'parking request refused');
      return ctx.throw(err.status, err.message);
    };
    /** Runs `fn` in a transaction; a Refusal rolls it back and is audited and answered. */
    const guarded = async <T>(ctx: TwinContext, action: string, object: string, fn: (tx: Parameters<Parameters<ServerContext['db']['transaction']>[0]>[0]) => Promise<T>): Promise<T> => {
      try {
        return await sc.db.transaction(fn);
      } catch (e) {
        if (e instanceof Refusal) return refuse(ctx, action, object, e);
        throw e;
      }
    };
    return [
      {
        method: 'GET', path: '/api/parking/lots', permission: 'parking:read', query: lotsQuery, response: z.object({ lots: z.array(lotSchema) }), errors: [404],
        summary: 'Car parks with capacity, spaces held by cards, active cards and the vehicles in them now (the occupancy layer\'s latest reading); filter by park or one object',
        async handler(ctx) {
          const q = queryOf(ctx, lotsQuery);
          let parkIdx: number | null = null;
          if (q.park) parkIdx = (await sc.db.query<{ idx: number }>('SELECT idx FROM park WHERE code = $1', [q.park])).rows[0]?.idx ?? ctx.throw(404, `no park ${q.park}`);
          ctx.body = { lots: await listLots(sc.db, parkIdx, q.room ?? null) };
        },
      },
      {
        method: 'GET', path: '/api/parking/cards', permission: 'parking:read', query: cardsQuery, response: z.object({ cards: z.array(cardSchema) }),
        summary: 'Monthly cards the caller may see (enterprise users: their enterprise\'s), newest first; filter by car park, status (comma list) or mine=1',
        async handler(ctx) {
          const q = queryOf(ctx, cardsQuery);
          const status = q.status ? q.status.split(',') : [];
          const bad = status.filter((x) => !(CARD_STATUSES as readonly string[]).includes(x));
          if (bad.length) return ctx.throw(400, `unknown status ${bad.join(', ')} (one of ${CARD_STATUSES.join(', ')})`);
          ctx.body = { cards: await listCards(sc.db, viewer(ctx.state.principal!), { ...(q.lot ? { lot: q.lot } : {}), status: status as Card['status'][], mine: q.mine === '1', limit: q.limit }) };
        },
      },
      {
        method: 'GET', path: '/api/parking/cards/:id', permission: 'parking:read', params: idParams, response: z.object({ card: cardSchema, payments: z.array(paymentSchema) }), errors: [404],
        summary: 'One monthly card with its payments (another enterprise\'s card: 404)',
        async handler(ctx) {
          const { id } = paramsOf(ctx, idParams);
          const card = await getCard(sc.db, viewer(ctx.state.principal!), id);
          if (!card) return ctx.throw(404, `no parking card ${id}`);
          ctx.body = { card, payments: await paymentsOf(sc.db, id) };
        },
      },
      {
        method: 'POST', path: '/api/parking/cards', permission: 'parking:apply', body: applyBody, response: withStatus(201, cardSchema), errors: [403, 404, 409],
        summary: 'Apply for a monthly card on a car park (pending until property management decides); one live card per plate and car park',
        async handler(ctx) {
          const p = ctx.state.principal!;
          const b = bodyOf(ctx, applyBody);
          const v = viewer(p);
          const now = auth().now();
          const card = await guarded(ctx, 'parking.card.apply', `parking_lot:${b.lotIdx}`, async (tx) => {
            const lot = await tx.query('SELECT 1 FROM parking_lot WHERE idx = $1', [b.lotIdx]);
            if (!lot.rows[0]) throw new Refusal(404, `no car park ${b.lotIdx}`);
            let ent: number | null;
            if (v.manager) ent = b.enterpriseIdx ?? null;
            else {
              if (v.enterpriseIdx === null) throw new Refusal(403, 'only enterprise users or property management may apply');
              if (b.enterpriseIdx != null && b.enterpriseIdx !== v.enterpriseIdx) throw new Refusal(403, 'an enterprise user applies for its own enterprise only');
              ent = v.enterpriseIdx;
            }
            if (ent !== null) {
              const e = await tx.query("SELECT 1 FROM twin_object WHERE idx = $1 AND kind = 'enterprise'", [ent]);
              if (!e.rows[0]) throw new Refusal(404, `no enterprise ${ent}`);
            }
            const taken = await tx.query("SELECT id FROM parking_card WHERE lot_idx = $1 AND plate = $2 AND status IN ('pending', 'approved', 'active')", [b.lotIdx, b.plate]);
            if (taken.rows[0]) throw new Refusal(409, `${b.plate} already has a live card on this car park`);
            const r = await tx.query<{ id: number }>(
              `INSERT INTO parking_card (lot_idx, plate, holder_name, enterprise_idx, applicant_id, applicant_name, months, status, created_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $8) RETURNING id`, [b.lotIdx, b.plate, b.holderName, ent, p.id, p.name, b.months, now]);
            const id = r.rows[0]!.id;
            await auth().auditIn(tx, { action: 'parking.card.apply', outcome: 'success', actor: actorOf(p), object: `parking_card:${id}`, source: ctx.ip, detail: { lot: b.lotIdx, plate: b.plate, months: b.months } });
            await notify(sc, { to: { roles: ['property_manager'] }, kind: 'parking.applied', link: cardLink(id),
              title: { zh: `新月卡申请：${b.plate}（${b.months} 个月）`, en: `New monthly card application: ${b.plate} (${b.months} months)` } }, tx);
            return (await getCard(tx, v, id))!;
          });
          ctx.status = 201;
          ctx.body = card;
        },
      },
      {
        method: 'POST', path: '/api/parking/cards/:id/decision', permission: 'parking:manage', params: idParams, body: decideBody, response: cardSchema, errors: [404, 409],
        summary: 'Approve a pending application (a free space is assigned; payment then activates it) or reject it; `version` as read (a stale one: 409)',
        async handler(ctx) {
          const p = ctx.state.principal!;
          const { id } = paramsOf(ctx, idParams);
          const b = bodyOf(ctx, decideBody);
          const v = viewer(p);
          const now = auth().now();
          ctx.body = await guarded(ctx, `parking.card.${b.decision}`, `parking_card:${id}`, async (tx) => {
            const c = await getCard(tx, v, id, true);
            if (!c) throw new Refusal(404, `no parking card ${id}`);
            if (c.version !== b.version) throw new Refusal(409, `card ${id} was changed by someone else; reload it`);
            if (c.status !== 'pending') throw new Refusal(409, `the card is ${c.status}, not pending`);
            let space: { id: number; code: string } | null = null;
            if (b.decision === 'approve') {
              space = await freeSpace(tx, c.lotIdx);
              if (!space) throw new Refusal(409, 'no free space left on this car park');
            }
            await tx.query(`UPDATE parking_card SET status = $2, space_id = $3, note = $4, version = version + 1, updated_at = $5 WHERE id = $1`,
              [id, b.decision === 'approve' ? 'approved' : 'rejected', space?.id ?? null, b.note ?? null, now]);
            await auth().auditIn(tx, { action: `parking.card.${b.decision}`, outcome: 'success', actor: actorOf(p), object: `parking_card:${id}`, source: ctx.ip, detail: { space: space?.code ?? null } });
            const row = await tx.query<{ applicant_id: string | null }>('SELECT applicant_id FROM parking_card WHERE id = $1', [id]);
            const to = row.rows[0]!.applicant_id;
            if (to) {
              await notify(sc, { to: [to], kind: `parking.${b.decision === 'approve' ? 'approved' : 'rejected'}`, link: cardLink(id),
                title: b.decision === 'approve'
                  ? { zh: `月卡申请已批准（车位 ${space!.code}），请缴费：${c.plate}`, en: `Monthly card approved (space ${space!.code}), please pay: ${c.plate}` }
                  : { zh: `月卡申请未获批准：${c.plate}`, en: `Monthly card not approved: ${c.plate}` } }, tx);
            }
            return (await getCard(tx, v, id))!;
          });
        },
      },
      {
        method: 'POST', path: '/api/parking/cards/:id/payments', permission: 'parking:manage', params: idParams, body: payBody,
        response: z.object({ card: cardSchema, payment: paymentSchema, replayed: z.boolean() }), errors: [404, 409, 422],
        summary: 'Record a payment (integer fen, months × the monthly fee): activates an approved card from today or extends an active or expired one; idempotent by key (the same key again answers the first payment, nothing written; the key with another request: 409)',
        async handler(ctx) {
          const p = ctx.state.principal!;
          const { id } = paramsOf(ctx, idParams);
          const b = bodyOf(ctx, payBody);
          const v = viewer(p);
          const now = auth().now();
          ctx.body = await guarded(ctx, 'parking.card.pay', `parking_card:${id}`, async (tx) => {
            const c = await getCard(tx, v, id, true);
            if (!c) throw new Refusal(404, `no parking card ${id}`);
            const seen = await tx.query<{ id: number; months: number; amount_fen: number; method: string }>(
              'SELECT id, months, amount_fen, method FROM parking_payment WHERE card_id = $1 AND idem_key = $2', [id, b.key]);
            const s = seen.rows[0];
            if (s) {
              if (s.months !== b.months || Number(s.amount_fen) !== b.amountFen || s.method !== b.method) throw new Refusal(409, `the idempotency key ${b.key} was already used for another payment`);
              return { card: c, payment: (await paymentsOf(tx, id)).find((x) => x.id === s.id)!, replayed: true };
            }
            if (!['approved', 'active', 'expired'].includes(c.status)) throw new Refusal(409, `the card is ${c.status}; only approved, active or expired cards take payments`);
            const fee = (await tx.query<{ fee: number }>('SELECT monthly_fee_fen AS fee FROM parking_lot WHERE idx = $1', [c.lotIdx])).rows[0]!.fee;
            if (b.amountFen !== fee * b.months) throw new Refusal(422, `amount ${b.amountFen} fen does not match ${b.months} × ${fee} fen = ${fee * b.months} fen`);
            const today = await localDate(tx, c.lotIdx, now);
            // Renewal continues the day after the current end unless the card lapsed before today.
            const from = c.status === 'active' && c.endsOn && c.endsOn >= today ? addDays(c.endsOn, 1) : today;
            const to = monthsEnd(from, b.months);
            if (c.status === 'expired') {
              // The space may have gone to someone else meanwhile.
              const held = await tx.query("SELECT 1 FROM parking_card x JOIN parking_card me ON me.id = $1 WHERE x.space_id = me.space_id AND x.id <> me.id AND x.status IN ('approved', 'active')", [id]);
              if (held.rows[0]) throw new Refusal(409, `space ${c.spaceCode} has been given to another card; apply again`);
            }
            const r = await tx.query<{ id: number }>(
              `INSERT INTO parking_payment (card_id, idem_key, months, amount_fen, method, covers_from, covers_to, actor_id, actor_name, paid_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`, [id, b.key, b.months, b.amountFen, b.method, from, to, p.id, p.name, now]);
            await tx.query(`UPDATE parking_card SET status = 'active', starts_on = CASE WHEN status = 'active' THEN starts_on ELSE $2::date END, ends_on = $3,
                months = $4, version = version + 1, updated_at = $5 WHERE id = $1`, [id, from, to, b.months, now]);
            await auth().auditIn(tx, { action: 'parking.card.pay', outcome: 'success', actor: actorOf(p), object: `parking_card:${id}`, source: ctx.ip,
              detail: { payment: r.rows[0]!.id, amountFen: b.amountFen, months: b.months, from, to } });
            const card = (await getCard(tx, v, id))!;
            const payment = (await paymentsOf(tx, id)).find((x) => x.id === r.rows[0]!.id)!;
            return { card, payment, replayed: false };
          });
        },
      },
    ];
  },
};
