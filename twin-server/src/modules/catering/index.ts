/**
 * Catering (issue 19, L1): canteens are the park's rooms of use 'canteen' (places in the twin);
 * meal cards are issued, activated, topped up, given meal subsidies, charged at a canteen,
 * refunded (a charge, or the whole balance when the card closes), reported lost and replaced
 * (the balance moves to the new card), edited; every money operation carries an idempotency key
 * and runs in one transaction with its ledger entry and audit row (ledger.ts). Reports per
 * canteen and time window.
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
import {
  applyOp, CARD_COLS, CARD_STATUSES, entriesOf, ENTRY_KINDS, getCard, idempotent, issueCard, MAX_AMOUNT_FEN, Refusal, setStatus, toCard, TOPUP_METHODS,
  type Card, type CardOp, type OpResult,
} from './ledger.ts';
import { seedCatering } from './seed.ts';
import { seedCateringPartTwo } from './seed2.ts';
import { partTwoRoutes, remindDueSamples } from './routes2.ts';
import { startFace, stopFace } from './face.ts';

const idParams = z.object({ id: z.coerce.number<string>().int().min(1).max(0x7fffffff) });
const key = z.string().regex(/^[A-Za-z0-9_.:-]{8,80}$/, '8-80 letters, digits or _.:-');
const amount = z.number().int().min(1).max(MAX_AMOUNT_FEN);
const note = z.string().trim().max(200).optional();
const opBody = z.discriminatedUnion('op', [
  z.object({ op: z.literal('topup'), key, amountFen: amount, method: z.enum(TOPUP_METHODS).default('cash'), note }).strict(),
  z.object({ op: z.literal('subsidy'), key, amountFen: amount, note }).strict(),
  z.object({ op: z.literal('charge'), key, amountFen: amount, canteenIdx: z.number().int().min(1).nullable().optional(), note }).strict(),
  z.object({ op: z.literal('refund'), key, entryId: z.number().int().min(1), amountFen: amount, note }).strict(),
  z.object({ op: z.literal('replace'), key }).strict(),
  z.object({ op: z.literal('close'), key }).strict(),
]);
const issueBody = z.object({
  key,
  holderName: z.string().trim().min(1).max(60),
  holderUserId: z.string().uuid().nullable().default(null),
  enterpriseIdx: z.number().int().min(1).nullable().default(null),
  /** 0, or a negative overdraft limit the card's policy allows (fen, at most 1,000 yuan). */
  floorFen: z.number().int().min(-100_000).max(0).default(0),
  activate: z.boolean().default(false),
}).strict();
const editBody = z.object({ version: z.number().int().min(1), holderName: z.string().trim().min(1).max(60).optional(), floorFen: z.number().int().min(-100_000).max(0).optional() }).strict();
const statusBody = z.object({ action: z.enum(['report_loss', 'activate']) }).strict();
const listQuery = z.object({
  q: z.string().trim().max(60).optional(),
  status: z.enum(CARD_STATUSES).optional(),
  limit: z.coerce.number<string>().int().min(1).max(500).default(100),
});
const entriesQuery = z.object({ limit: z.coerce.number<string>().int().min(1).max(500).default(100), before: z.coerce.number<string>().int().min(1).optional() });
const iso = z.string().datetime({ offset: true });
const reportQuery = z.object({ from: iso, to: iso, canteen: z.coerce.number<string>().int().min(1).optional() });

const card = z.object({
  id: z.number(), cardNo: z.string(), holderName: z.string(), holderUserId: z.string().nullable(), enterpriseIdx: z.number().nullable(), status: z.enum(CARD_STATUSES),
  balanceFen: z.number(), floorFen: z.number(), replacedBy: z.number().nullable(), version: z.number(), issuedAt: z.string(),
}) satisfies z.ZodType<Card>;
const entry = z.object({
  id: z.number(), cardId: z.number(), kind: z.enum(ENTRY_KINDS), amountFen: z.number(), balanceAfterFen: z.number(), canteenIdx: z.number().nullable(), refEntry: z.number().nullable(),
  method: z.string().nullable(), note: z.string().nullable(), actorName: z.string(), at: z.string(),
});
const opResult = z.object({ card, entries: z.array(entry), newCard: card.nullable(), replayed: z.boolean() }) satisfies z.ZodType<OpResult>;
const canteen = z.object({ idx: z.number(), name: z.string(), nameEn: z.string().nullable(), building: z.string(), buildingIdx: z.number(), floorIdx: z.number(), chargesToday: z.number(), takingsTodayFen: z.number() });
const reportRow = z.object({ canteenIdx: z.number().nullable(), name: z.string().nullable(), charges: z.number(), chargedFen: z.number(), refunds: z.number(), refundedFen: z.number(), netFen: z.number(), cards: z.number() });

const MANAGE = 'catering:manage';
const CHARGE = 'catering:charge';
const has = (p: Principal, perm: string) => p.permissions.has(perm as never);
const actorOf = (p: Principal) => ({ id: p.id, name: p.name });

/** Which operations a principal may run on a card. */
function mayRun(p: Principal, c: Card, op: CardOp['op']): boolean {
  const holder = c.holderUserId === p.id;
  switch (op) {
    case 'topup': return has(p, MANAGE) || has(p, CHARGE) || holder;
    case 'charge':
    case 'refund': return has(p, CHARGE);
    case 'subsidy':
    case 'replace':
    case 'close': return has(p, MANAGE);
  }
}
/** Cards a principal may see: managers and cashiers all, anyone else their own. */
const maySee = (p: Principal, c: Card) => has(p, MANAGE) || has(p, CHARGE) || c.holderUserId === p.id;

/** Today's local midnight in the park's time zone (Asia/Shanghai unless the park says otherwise). */
function dayStart(now: Date, tz: string): Date {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  const get = (t: string) => Number(parts.find((x) => x.type === t)!.value);
  const sinceMidnight = ((get('hour') * 60 + get('minute')) * 60 + get('second')) * 1000 + now.getMilliseconds();
  return new Date(now.getTime() - sinceMidnight);
}

/**
 * A catering module. Each instance stops, at shutdown, the face checkout subscribers it started
 * (`allModules()` makes one per server; tests may share `cateringModule`).
 */
export function createCateringModule(): TwinModule {
  const started = new Set<ServerContext>();
  return {
    name: 'catering',
    migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
    // Face checkout terminals publish park/<park>/catering/<terminal code>/face as themselves (face.ts).
    deviceTopics: [{ segment: 'catering', leaf: 'face' }],
    permissions: [
      { permission: 'catering:use', summary: 'See the canteens and one\'s own meal cards; top up and report the loss of one\'s own card', roles: ['enterprise_user', 'property_manager', 'investment', 'maintenance', 'security_operator', 'leadership_viewer'] },
      { permission: 'catering:charge', summary: 'Canteen cashier: look up cards, charge meals, refund a charge, take top-ups', roles: ['property_manager'] },
      { permission: 'catering:manage', summary: 'Issue, activate, edit, replace and close meal cards; grant meal subsidies', roles: ['property_manager'] },
      { permission: 'catering:report', summary: 'Catering reports per canteen and time window', roles: ['property_manager', 'leadership_viewer'] },
      { permission: 'catering:safety', summary: 'Food safety records: pesticide tests, retained samples, ingredient batches and suppliers', roles: ['property_manager'] },
    ],
    async initialize(sc) {
      await startFace(sc);
      started.add(sc);
    },
    async finalize() {
      for (const sc of started) await stopFace(sc);
      started.clear();
    },
    jobs: (sc) => [{ name: 'sample-reminders', everyMs: 60_000, run: async () => { await remindDueSamples(sc, authService(sc).now()); } }],
    routes: (sc) => {
      const auth = () => authService(sc);
      const refuse = async (ctx: TwinContext, action: string, object: string, err: Refusal) => {
        const p = ctx.state.principal!;
        await auth().audit({ action, outcome: err.status === 403 ? 'denied' : 'failure', actor: { kind: p.kind, id: p.id, name: p.name }, object, source: ctx.ip, detail: { status: err.status, reason: err.message } });
        return ctx.throw(err.status, err.message);
      };
      /** Loads a card the caller may see (404 otherwise: another's card is not revealed). */
      const visible = async (ctx: TwinContext, id: number): Promise<Card> => {
        const c = await getCard(sc.db, id);
        if (!c || !maySee(ctx.state.principal!, c)) return ctx.throw(404, `no meal card ${id}`);
        return c;
      };
      return [
        ...partTwoRoutes(sc),
        {
          method: 'GET', path: '/api/catering/canteens', permission: 'catering:use', response: z.object({ canteens: z.array(canteen) }),
          summary: 'The park\'s canteens (rooms of use canteen) with today\'s charges and takings',
          async handler(ctx) {
            const now = auth().now();
            const since = dayStart(now, 'Asia/Shanghai');
            const r = await sc.db.query<{ idx: number; name: string; name_en: string | null; building: string; building_idx: number; floor_idx: number; n: number; fen: string }>(
              `SELECT r.idx, o.name, o.name_en, bo.name AS building, r.building_idx, r.floor_idx,
                 COALESCE(t.n, 0)::int AS n, COALESCE(t.fen, 0) AS fen
               FROM room r JOIN twin_object o ON o.idx = r.idx JOIN twin_object bo ON bo.idx = r.building_idx
               LEFT JOIN (SELECT canteen_idx, count(*) FILTER (WHERE kind = 'charge') AS n, -sum(amount_fen) AS fen FROM meal_card_entry
                          WHERE canteen_idx IS NOT NULL AND at >= $1 AND at <= $2 AND kind IN ('charge', 'refund') GROUP BY canteen_idx) t ON t.canteen_idx = r.idx
               WHERE r.use = 'canteen' ORDER BY bo.name, r.idx LIMIT 500`, [since, now]);
            ctx.body = { canteens: r.rows.map((x) => ({ idx: x.idx, name: x.name, nameEn: x.name_en, building: x.building, buildingIdx: x.building_idx, floorIdx: x.floor_idx, chargesToday: x.n, takingsTodayFen: Number(x.fen) })) };
          },
        },
        {
          method: 'GET', path: '/api/catering/cards', permission: 'catering:use', query: listQuery, response: z.object({ cards: z.array(card) }),
          summary: 'Meal cards: a cashier or manager sees all (search by number or holder), anyone else their own',
          async handler(ctx) {
            const p = ctx.state.principal!;
            const q = queryOf(ctx, listQuery);
            const all = has(p, MANAGE) || has(p, CHARGE);
            const r = await sc.db.query<Parameters<typeof toCard>[0]>(
              `SELECT ${CARD_COLS} FROM meal_card WHERE ($1 OR holder_user = $2::uuid) AND ($3::text IS NULL OR card_no ILIKE '%' || $3 || '%' OR holder_name ILIKE '%' || $3 || '%')
                 AND ($4::text IS NULL OR status = $4) ORDER BY id DESC LIMIT $5`,
              [all, p.kind === 'user' ? p.id : null, q.q ? q.q.replace(/[%_\\]/g, (m) => `\\${m}`) : null, q.status ?? null, q.limit]);
            ctx.body = { cards: r.rows.map(toCard) };
          },
        },
        {
          method: 'POST', path: '/api/catering/cards', permission: MANAGE, body: issueBody, response: withStatus(201, opResult.extend({})), errors: [409],
          summary: 'Issue a meal card (pending until activated, or active at once); idempotent by key',
          async handler(ctx) {
            const b = bodyOf(ctx, issueBody);
            const p = ctx.state.principal!;
            const now = auth().now();
            try {
              const out = await sc.db.transaction(async (tx) => {
                // The key's row is claimed first so two concurrent issues with one key wait for each other.
                await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`catering:${p.id}:${b.key}`]);
                const r = await idempotent(tx, actorOf(p), b.key, { issue: b }, now, async () => {
                  const c = await issueCard(tx, { holderName: b.holderName, holderUserId: b.holderUserId, enterpriseIdx: b.enterpriseIdx, floorFen: b.floorFen, active: b.activate, now });
                  await auth().auditIn(tx, { action: 'catering.card.issue', outcome: 'success', actor: { kind: p.kind, id: p.id, name: p.name }, object: `meal_card:${c.id}`, source: ctx.ip,
                    detail: { cardNo: c.cardNo, holder: c.holderName, floorFen: c.floorFen, key: b.key } });
                  return { status: 201, value: { card: c, entries: [], newCard: null } };
                });
                return r;
              });
              ctx.status = out.status;
              ctx.body = { ...out.value, replayed: out.replayed };
            } catch (err) {
              if (err instanceof Refusal) return refuse(ctx, 'catering.card.issue', 'meal_card:new', err);
              throw err;
            }
          },
        },
        {
          method: 'GET', path: '/api/catering/cards/:id', permission: 'catering:use', params: idParams, query: entriesQuery,
          response: z.object({ card, entries: z.array(entry), canCharge: z.boolean(), canManage: z.boolean() }), errors: [404],
          summary: 'A meal card with its ledger entries, newest first (page with before=<entry id>)',
          async handler(ctx) {
            const { id } = paramsOf(ctx, idParams);
            const q = queryOf(ctx, entriesQuery);
            const c = await visible(ctx, id);
            const p = ctx.state.principal!;
            ctx.body = { card: c, entries: await entriesOf(sc.db, id, q.limit, q.before ?? null), canCharge: has(p, CHARGE), canManage: has(p, MANAGE) };
          },
        },
        {
          method: 'PATCH', path: '/api/catering/cards/:id', permission: MANAGE, params: idParams, body: editBody, response: card, errors: [404, 409],
          summary: 'Edit a card\'s holder name or overdraft floor (version-checked; a floor above the balance is refused)',
          async handler(ctx) {
            const { id } = paramsOf(ctx, idParams);
            const b = bodyOf(ctx, editBody);
            const p = ctx.state.principal!;
            const now = auth().now();
            try {
              ctx.body = await sc.db.transaction(async (tx) => {
                const c = await getCard(tx, id, true);
                if (!c) throw new Refusal(404, `no meal card ${id}`);
                if (c.version !== b.version) throw new Refusal(409, 'the card was changed by someone else: reload it');
                if (c.status === 'closed' || c.status === 'replaced') throw new Refusal(409, `the card is ${c.status}`);
                const floor = b.floorFen ?? c.floorFen;
                if (c.balanceFen < floor) throw new Refusal(409, 'the floor would be above the balance');
                const r = await tx.query<Parameters<typeof toCard>[0]>(`UPDATE meal_card SET holder_name = $2, floor_fen = $3, version = version + 1, updated_at = $4 WHERE id = $1 RETURNING ${CARD_COLS}`,
                  [id, b.holderName ?? c.holderName, floor, now]);
                await auth().auditIn(tx, { action: 'catering.card.edit', outcome: 'success', actor: { kind: p.kind, id: p.id, name: p.name }, object: `meal_card:${id}`, source: ctx.ip,
                  detail: { holderName: b.holderName ?? null, floorFen: b.floorFen ?? null } });
                return toCard(r.rows[0]!);
              });
            } catch (err) {
              if (err instanceof Refusal) return refuse(ctx, 'catering.card.edit', `meal_card:${id}`, err);
              throw err;
            }
          },
        },
        {
          method: 'POST', path: '/api/catering/cards/:id/status', permission: 'catering:use', params: idParams, body: statusBody, response: card, errors: [404, 409],
          summary: 'Report a card lost (its holder or a manager; it cannot pay until replaced or activated again) or activate it (a manager)',
          async handler(ctx) {
            const { id } = paramsOf(ctx, idParams);
            const { action } = bodyOf(ctx, statusBody);
            const p = ctx.state.principal!;
            const now = auth().now();
            try {
              ctx.body = await sc.db.transaction(async (tx) => {
                const c = await getCard(tx, id, true);
                if (!c || !maySee(p, c)) throw new Refusal(404, `no meal card ${id}`);
                if (action === 'activate' && !has(p, MANAGE)) throw new Refusal(403, 'only card management may activate a card');
                if (action === 'report_loss' && !has(p, MANAGE) && c.holderUserId !== p.id) throw new Refusal(403, 'only the holder or card management may report a card lost');
                const after = await setStatus(tx, c, action, now);
                await auth().auditIn(tx, { action: `catering.card.${action}`, outcome: 'success', actor: { kind: p.kind, id: p.id, name: p.name }, object: `meal_card:${id}`, source: ctx.ip, detail: { from: c.status, to: after.status } });
                return after;
              });
            } catch (err) {
              if (err instanceof Refusal) return refuse(ctx, `catering.card.${action}`, `meal_card:${id}`, err);
              throw err;
            }
          },
        },
        {
          method: 'POST', path: '/api/catering/cards/:id/ops', permission: 'catering:use', params: idParams, body: opBody, response: opResult, errors: [404, 409, 422],
          summary: 'A money operation on a card (topup, subsidy, charge, refund of a charge, replace, close with refund of the balance), idempotent by key: the same key again answers the first result and changes nothing',
          async handler(ctx) {
            const { id } = paramsOf(ctx, idParams);
            const b = bodyOf(ctx, opBody);
            const p = ctx.state.principal!;
            const now = auth().now();
            const { key: k, ...op } = b;
            const action = `catering.card.${op.op}`;
            try {
              const out = await sc.db.transaction(async (tx) => {
                const c = await getCard(tx, id, true);
                if (!c || !maySee(p, c)) throw new Refusal(404, `no meal card ${id}`);
                if (!mayRun(p, c, op.op)) throw new Refusal(403, `not allowed to ${op.op} this card`);
                return idempotent(tx, actorOf(p), k, { card: id, ...op }, now, async () => {
                  const r = await applyOp(tx, c, op as CardOp, actorOf(p), now);
                  await auth().auditIn(tx, { action, outcome: 'success', actor: { kind: p.kind, id: p.id, name: p.name }, object: `meal_card:${id}`, source: ctx.ip,
                    detail: { key: k, entries: r.entries.map((e) => ({ id: e.id, kind: e.kind, amountFen: e.amountFen })), balanceFen: r.card.balanceFen, newCard: r.newCard?.id ?? null } });
                  return { status: 200, value: r };
                });
              });
              ctx.body = { ...out.value, replayed: out.replayed };
            } catch (err) {
              if (err instanceof Refusal) return refuse(ctx, action, `meal_card:${id}`, err);
              throw err;
            }
          },
        },
        {
          method: 'GET', path: '/api/catering/reports', permission: 'catering:report', query: reportQuery, response: z.object({ rows: z.array(reportRow), from: z.string(), to: z.string() }),
          summary: 'Charges and refunds per canteen in [from, to) (at most 366 days), with the number of cards that ate',
          async handler(ctx) {
            const q = queryOf(ctx, reportQuery);
            const from = new Date(q.from);
            const to = new Date(q.to);
            if (to <= from || to.getTime() - from.getTime() > 366 * 86_400_000) return ctx.throw(400, 'to must be after from, at most 366 days');
            const r = await sc.db.query<{ canteen_idx: number | null; name: string | null; charges: number; charged: string; refunds: number; refunded: string; cards: number }>(
              `SELECT e.canteen_idx, o.name, count(*) FILTER (WHERE e.kind = 'charge')::int AS charges, COALESCE(-sum(e.amount_fen) FILTER (WHERE e.kind = 'charge'), 0) AS charged,
                 count(*) FILTER (WHERE e.kind = 'refund')::int AS refunds, COALESCE(sum(e.amount_fen) FILTER (WHERE e.kind = 'refund'), 0) AS refunded,
                 count(DISTINCT e.card_id) FILTER (WHERE e.kind = 'charge')::int AS cards
               FROM meal_card_entry e LEFT JOIN twin_object o ON o.idx = e.canteen_idx
               WHERE e.kind IN ('charge', 'refund') AND e.at >= $1 AND e.at < $2 AND ($3::int IS NULL OR e.canteen_idx = $3)
               GROUP BY e.canteen_idx, o.name ORDER BY e.canteen_idx NULLS LAST`, [from, to, q.canteen ?? null]);
            ctx.body = {
              from: from.toISOString(), to: to.toISOString(),
              rows: r.rows.map((x) => ({ canteenIdx: x.canteen_idx, name: x.name, charges: x.charges, chargedFen: Number(x.charged), refunds: x.refunds, refundedFen: Number(x.refunded), netFen: Number(x.charged) - Number(x.refunded), cards: x.cards })),
            };
          },
        },
      ];
    },
    async seed(sc: ServerContext, park) {
      await seedCatering(sc, park.parkIdx);
      await seedCateringPartTwo(sc, park.parkIdx);
    },
  };
}

/** One shared instance (tests); the server's module list makes its own with `createCateringModule()`. */
export const cateringModule: TwinModule = createCateringModule();
