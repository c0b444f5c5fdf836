/**
 * The leasing module (issue 18, standard G1 investment pipeline; core permissions `leasing:read`
 * and `leasing:write`, held by the investment role): prospects and opportunities on the records
 * kit (stages, owners, activities as comments, follow-up reminders through the notification
 * centre), proposals that hold units, signing that creates leases, the funnel report, guest links
 * for prospects (no account; public fields of the link's units only) and unit photos.
 * Unit changes (held, released, let) are pushed on the stream as `leasing.units`, so open twins
 * reload the lease colours; the wall's occupancy KPIs read room.lease_status on their next poll.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { TwinModule } from '../types.ts';
import type { ServerContext } from '../../context.ts';
import type { EntityDef } from '../../kit/records/define.ts';
import type { ObjectRef, TwinContext } from '../../http/route.ts';
import { recordLink } from '../../kit/records/define.ts';
import { recordRoutes } from '../../kit/records/routes.ts';
import { notify } from '../../kit/notifications/service.ts';
import { authService } from '../../auth/index.ts';
import { withStatus } from '../../http/openapi.ts';
import { intIdParams } from '../../http/schemas.ts';
import { bodyOf, paramsOf, queryOf } from '../../http/input.ts';
import { liveRuntimeOf } from '../live.ts';
import { opportunityEntity, prospectEntity, STAGES } from './definition.ts';
import { checkToken, guestUnits, linkKey, linkToken, newNonce } from './guest.ts';
import { guestPage } from './page.ts';
import { seedLeasing } from './seed.ts';
import { photoRoutes } from './photos.ts';

interface Defs { prospect: EntityDef; opportunity: EntityDef }
const defs = new WeakMap<ServerContext, Defs>();

/** The stream message telling twins that units changed lease state. */
export interface LeasingUnitsMessage { type: 'leasing.units'; units: number[]; status: string }

function defsOf(sc: ServerContext): Defs {
  let d = defs.get(sc);
  if (!d) {
    const changed = (units: readonly number[], status: string) => {
      // Sent after the transaction commits (the hook runs inside it); a rolled-back change only
      // makes twins reload the truth from the database, which is harmless.
      const m: LeasingUnitsMessage = { type: 'leasing.units', units: [...units], status };
      setTimeout(() => liveRuntimeOf(sc)?.stream?.broadcast(m, 'park:read'), 20);
    };
    d = { prospect: prospectEntity(), opportunity: opportunityEntity(sc, changed) };
    defs.set(sc, d);
  }
  return d;
}

const funnelResponse = z.object({
  stages: z.array(z.object({ stage: z.string(), count: z.number(), area: z.number(), reached: z.number(), conversion: z.number().nullable() })),
  lost: z.object({ count: z.number(), area: z.number() }),
  open: z.number(),
  winRate: z.number().nullable(),
});

const linkBody = z.object({
  title: z.string().trim().min(1).max(100),
  units: z.array(z.number().int().positive()).min(1).max(20),
  days: z.number().int().min(1).max(90).default(14),
}).strict();
const linkRow = z.object({
  id: z.number(), title: z.string(), units: z.array(z.number()), expiresAt: z.string(), revokedAt: z.string().nullable(),
  createdByName: z.string(), createdAt: z.string(), opens: z.number(),
});
const tokenParams = z.object({ token: z.string().max(200) });
const guestUnit = z.object({
  idx: z.number(), code: z.string(), building: z.string(), buildingEn: z.string().nullable(), level: z.number(), area: z.number(), use: z.string(), rent: z.number(),
  status: z.enum(['available', 'held', 'let']), photos: z.array(z.object({ id: z.number(), width: z.number(), height: z.number() })),
});
const holdsQuery = z.object({ units: z.string().regex(/^\d{1,9}(,\d{1,9}){0,199}$/, 'comma list of unit idx') });

/** The pipeline is the park's, nobody's own object: enterprise-scoped callers never pass (as /api/invest). */
const market = async (): Promise<ObjectRef> => ({ kind: 'leasing-market', enterpriseIdx: null });

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** Opens a guest token for a request: the link, or the refusal answered (and audited). */
async function openGuest(sc: ServerContext, ctx: TwinContext, token: string, what: string) {
  const auth = authService(sc);
  const check = await checkToken(sc.db, token, auth.now());
  if (!check.ok) {
    await auth.audit({ action: 'leasing.guest.open', outcome: 'denied', actor: { kind: 'anonymous', name: 'guest' }, object: check.id === null ? 'guest-link' : `guest-link:${check.id}`,
      source: ctx.ip, detail: { status: check.status, reason: check.reason, what } });
    sc.log.info({ status: check.status, reason: check.reason, link: check.id }, 'guest link refused');
    return ctx.throw(check.status, check.reason);
  }
  await sc.db.query('UPDATE leasing_guest_link SET opens = opens + 1 WHERE id = $1', [check.link.id]);
  await auth.audit({ action: 'leasing.guest.open', outcome: 'success', actor: { kind: 'anonymous', name: 'guest' }, object: `guest-link:${check.link.id}`,
    source: ctx.ip, detail: { what, units: check.link.units } });
  return check.link;
}

/** The leasing module. */
export const leasingModule: TwinModule = {
  name: 'leasing',
  migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
  routes: (sc) => {
    const d = defsOf(sc);
    const auth = () => authService(sc);
    return [
      ...recordRoutes(sc, d.prospect),
      ...recordRoutes(sc, d.opportunity),
      {
        method: 'GET', path: '/api/leasing/funnel', permission: 'leasing:read', object: market, response: funnelResponse,
        summary: 'The pipeline funnel: opportunities and their area per stage (now), how many reached each stage, stage-to-stage conversion, win rate of closed deals',
        async handler(ctx) {
          const r = await sc.db.query<{ state: string; n: number; area: number; reached: number[] }>(
            `SELECT k.state, count(*)::int AS n, COALESCE(sum((k.data->>'area')::float8), 0)::float8 AS area,
               array_agg(COALESCE((SELECT max(CASE t.to_state WHEN 'visit' THEN 1 WHEN 'proposal' THEN 2 WHEN 'negotiation' THEN 3 WHEN 'signed' THEN 4 ELSE 0 END)
                 FROM kit_transition t WHERE t.record_id = k.id), 0)) AS reached
             FROM kit_record k WHERE k.entity = 'opportunity' GROUP BY k.state`);
          const byState = new Map(r.rows.map((x) => [x.state, x]));
          const reachedCount = STAGES.map((_, i) => r.rows.reduce((s, x) => s + x.reached.filter((m) => m >= i).length, 0));
          const stages = STAGES.map((stage, i) => ({
            stage, count: byState.get(stage)?.n ?? 0, area: Math.round(byState.get(stage)?.area ?? 0), reached: reachedCount[i]!,
            conversion: i === 0 ? null : reachedCount[i - 1]! > 0 ? Math.round((reachedCount[i]! / reachedCount[i - 1]!) * 1000) / 10 : null,
          }));
          const lost = byState.get('lost');
          const signed = byState.get('signed')?.n ?? 0;
          const closed = signed + (lost?.n ?? 0);
          ctx.body = {
            stages, lost: { count: lost?.n ?? 0, area: Math.round(lost?.area ?? 0) },
            open: ['lead', 'visit', 'proposal', 'negotiation'].reduce((s, k) => s + (byState.get(k)?.n ?? 0), 0),
            winRate: closed > 0 ? Math.round((signed / closed) * 1000) / 10 : null,
          };
        },
      },
      {
        method: 'GET', path: '/api/leasing/holds', permission: 'leasing:read', object: market, query: holdsQuery,
        response: z.object({ holds: z.array(z.object({ unit: z.number(), opportunityId: z.number(), title: z.string(), since: z.string() })) }),
        summary: 'Which of the given units (?units=1,2,3) a proposal holds, and for which opportunity',
        async handler(ctx) {
          const units = queryOf(ctx, holdsQuery).units.split(',').map(Number);
          const r = await sc.db.query<{ room_idx: number; opportunity_id: number; title: string; held_at: Date }>(
            `SELECT h.room_idx, h.opportunity_id, k.title, h.held_at FROM leasing_hold h JOIN kit_record k ON k.id = h.opportunity_id WHERE h.room_idx = ANY($1::int[]) ORDER BY h.room_idx`, [units]);
          ctx.body = { holds: r.rows.map((x) => ({ unit: x.room_idx, opportunityId: x.opportunity_id, title: x.title, since: iso(x.held_at)! })) };
        },
      },
      {
        method: 'POST', path: '/api/leasing/guest-links', permission: 'leasing:write', object: market, body: linkBody,
        response: withStatus(201, linkRow.extend({ token: z.string(), url: z.string() })), errors: [409],
        summary: 'Create a guest link: a signed, expiring (days, at most 90), revocable read-only page of up to 20 leasable units that opens without an account',
        async handler(ctx) {
          const b = bodyOf(ctx, linkBody);
          const units = [...new Set(b.units)];
          const ok = await sc.db.query<{ idx: number }>('SELECT idx FROM room WHERE idx = ANY($1::int[]) AND leasable', [units]);
          const missing = units.filter((u) => !ok.rows.some((r) => r.idx === u));
          if (missing.length > 0) ctx.throw(409, `not leasable units: ${missing.join(', ')}`);
          const p = ctx.state.principal!;
          const now = auth().now();
          const expires = new Date(Math.floor(now.getTime() / 1000) * 1000 + b.days * 86_400_000);
          const nonce = newNonce();
          const row = await sc.db.transaction(async (tx) => {
            const r = await tx.query<{ id: number; created_at: Date }>(
              `INSERT INTO leasing_guest_link (nonce, title, units, expires_at, created_by, created_by_name, created_at) VALUES ($1, $2, $3::int[], $4, $5, $6, $7) RETURNING id, created_at`,
              [nonce, b.title, units, expires, p.kind === 'user' ? p.id : null, p.name, now]);
            await auth().auditIn(tx, { action: 'leasing.guest-link.create', outcome: 'success', actor: { kind: p.kind, id: p.id, name: p.name }, object: `guest-link:${r.rows[0]!.id}`,
              source: ctx.ip, detail: { units, expiresAt: expires.toISOString() } });
            return r.rows[0]!;
          });
          const token = linkToken(await linkKey(sc.db), row.id, expires, nonce);
          ctx.status = 201;
          ctx.body = { id: row.id, title: b.title, units, expiresAt: expires.toISOString(), revokedAt: null, createdByName: p.name, createdAt: iso(row.created_at)!, opens: 0, token, url: `/api/leasing/guest/${token}/page` };
        },
      },
      {
        method: 'GET', path: '/api/leasing/guest-links', permission: 'leasing:read', object: market, response: z.object({ links: z.array(linkRow) }),
        summary: 'Guest links, newest first (the tokens are not listed: they are shown once, at creation)',
        async handler(ctx) {
          const r = await sc.db.query<{ id: number; title: string; units: number[]; expires_at: Date; revoked_at: Date | null; created_by_name: string; created_at: Date; opens: number }>(
            'SELECT id, title, units, expires_at, revoked_at, created_by_name, created_at, opens FROM leasing_guest_link ORDER BY id DESC LIMIT 200');
          ctx.body = { links: r.rows.map((x) => ({ id: x.id, title: x.title, units: x.units, expiresAt: iso(x.expires_at)!, revokedAt: iso(x.revoked_at), createdByName: x.created_by_name, createdAt: iso(x.created_at)!, opens: x.opens })) };
        },
      },
      {
        method: 'DELETE', path: '/api/leasing/guest-links/:id', permission: 'leasing:write', object: market, params: intIdParams, errors: [404],
        summary: 'Revoke a guest link: it answers 410 from now on',
        async handler(ctx) {
          const { id } = paramsOf(ctx, intIdParams);
          const p = ctx.state.principal!;
          const done = await sc.db.transaction(async (tx) => {
            const r = await tx.query('UPDATE leasing_guest_link SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 RETURNING id', [id, auth().now()]);
            if (r.rows.length === 0) return false;
            await auth().auditIn(tx, { action: 'leasing.guest-link.revoke', outcome: 'success', actor: { kind: p.kind, id: p.id, name: p.name }, object: `guest-link:${id}`, source: ctx.ip });
            return true;
          });
          if (!done) ctx.throw(404, `no guest link ${id}`);
          ctx.status = 204;
        },
      },
      {
        method: 'GET', path: '/api/leasing/guest/:token', permission: 'public', params: tokenParams, errors: [410],
        response: z.object({ title: z.string(), expiresAt: z.string(), units: z.array(guestUnit) }),
        summary: 'What a guest link shows (no account): its title, expiry and its units\' public fields. Altered or unknown: 401; revoked or expired: 410. Every open is audited',
        async handler(ctx) {
          const link = await openGuest(sc, ctx, paramsOf(ctx, tokenParams).token, 'data');
          ctx.set('Cache-Control', 'no-store');
          ctx.body = { title: link.title, expiresAt: iso(link.expires_at)!, units: await guestUnits(sc.db, link.units) };
        },
      },
      {
        method: 'GET', path: '/api/leasing/guest/:token/photos/:id', permission: 'public', params: tokenParams.extend({ id: z.coerce.number<string>().int().min(1).max(0x7fffffff) }),
        produces: 'image/jpeg', errors: [404, 410],
        summary: 'A photo of one of the guest link\'s units (JPEG); photos of other units are a 404',
        async handler(ctx) {
          const { token, id } = ctx.params as unknown as { token: string; id: number };
          const check = await checkToken(sc.db, token, auth().now());
          if (!check.ok) return ctx.throw(check.status, check.reason);
          const r = await sc.db.query<{ image: Buffer }>('SELECT image FROM leasing_photo WHERE id = $1 AND room_idx = ANY($2::int[])', [id, check.link.units]);
          if (!r.rows[0]) return ctx.throw(404, `no photo ${id} in this link`);
          ctx.type = 'image/jpeg';
          ctx.set('Cache-Control', 'private, max-age=300');
          ctx.set('X-Content-Type-Options', 'nosniff');
          ctx.body = Buffer.from(r.rows[0].image);
        },
      },
      {
        method: 'GET', path: '/api/leasing/guest/:token/page', permission: 'public', params: tokenParams, produces: 'text/html', errors: [410],
        summary: 'The guest page of a guest link (phone-first HTML, zh-CN with English): no account needed; audited per open',
        async handler(ctx) {
          const token = paramsOf(ctx, tokenParams).token;
          const auth0 = authService(sc);
          const check = await checkToken(sc.db, token, auth0.now());
          if (!check.ok) {
            await openGuest(sc, ctx, token, 'page').catch(() => undefined);
            ctx.status = check.status;
            ctx.type = 'text/html';
            ctx.body = guestPage(null, token, check.status);
            return;
          }
          const link = await openGuest(sc, ctx, token, 'page');
          ctx.set('Cache-Control', 'no-store');
          ctx.set('Referrer-Policy', 'no-referrer');
          ctx.type = 'text/html';
          ctx.body = guestPage({ title: link.title, expiresAt: iso(link.expires_at)!, units: await guestUnits(sc.db, link.units) }, token, 200);
        },
      },
      ...photoRoutes(sc),
    ];
  },
  jobs: (sc) => [{
    name: 'leasing-reminders', everyMs: 60_000,
    run: async () => { await sendReminders(sc); },
  }],
  seed: (sc, park) => seedLeasing(sc, defsOf(sc), park.parkIdx),
};

/**
 * Follow-up reminders: every open opportunity whose `remindAt` date has come is announced once to
 * its owners (assignees; the creator when it has none) through the notification centre.
 */
export async function sendReminders(sc: ServerContext): Promise<number> {
  const def = defsOf(sc).opportunity;
  const today = authService(sc).now().toISOString().slice(0, 10);
  let n = 0;
  await sc.db.transaction(async (tx) => {
    const r = await tx.query<{ id: number; title: string; assignees: string[]; created_by: string | null; remind: string }>(
      `SELECT id, title, assignees, created_by, data->>'remindAt' AS remind FROM kit_record
       WHERE entity = 'opportunity' AND state IN ('lead', 'visit', 'proposal', 'negotiation') AND data->>'remindAt' <= $1
         AND COALESCE(data->>'remindedFor', '') <> data->>'remindAt' ORDER BY id LIMIT 200 FOR UPDATE SKIP LOCKED`, [today]);
    for (const o of r.rows) {
      const to = o.assignees.length > 0 ? o.assignees : o.created_by ? [o.created_by] : [];
      if (to.length > 0) {
        await notify(sc, { to, kind: 'leasing.reminder', link: recordLink(def, o.id),
          title: { zh: `跟进提醒（${o.remind}）：${o.title}`, en: `Follow-up due (${o.remind}): ${o.title}` } }, tx);
        n++;
      }
      await tx.query(`UPDATE kit_record SET data = data || jsonb_build_object('remindedFor', $2::text) WHERE id = $1`, [o.id, o.remind]);
    }
  });
  return n;
}
