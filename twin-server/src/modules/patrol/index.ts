/**
 * The patrol module (issue 15, G5 items 3 and 4): guard patrol routes with checkpoints on the
 * park's objects and schedules, rounds and missed checkpoints (alarms); access-point events
 * (granted, denied, forced open, held open) with visitor passes checked against their validity
 * window; watch-list hits from biometric terminals (events, never images). Devices report over
 * MQTT (`park/<park>/events/<device>/<kind>`, service.ts); the same events over HTTP for
 * integrations. docs/patrol.md.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import type { TwinModule } from '../types.ts';
import type { ServerContext } from '../../context.ts';
import type { Queryable } from '../../db/index.ts';
import type { RouteSpec, TwinContext } from '../../http/route.ts';
import type { Principal } from '../../auth/types.ts';
import { principalActor } from '../actors.ts';
import { authService } from '../../auth/index.ts';
import { bodyOf, paramsOf, queryOf } from '../../http/input.ts';
import { intIdParams } from '../../http/schemas.ts';
import { withStatus } from '../../http/openapi.ts';
import { patrolRuntimeOf, PatrolRefusal, startPatrol, stopPatrol } from './service.ts';
import { seedPatrol } from './seed.ts';
import {
  accessEventsResponse, accessQuery, emptyBody, eventBody, eventResponse, listQuery, pass, passBody, passesResponse, parkQuery, route, routeBody, routesResponse,
  roundsResponse, watchlistResponse,
} from './schemas.ts';

/** Module options (tests move the clock and run the job faster). */
export interface PatrolOptions {
  readonly clock?: () => number;
  /** How often rounds are planned and missed checkpoints raised (default 5 s). */
  readonly tickMs?: number;
}

const iso = (v: unknown): string | null => (v === null || v === undefined ? null : new Date(v as string).toISOString());
const actorOf = (p: Principal) => principalActor(p);
const nameOf = (r: Record<string, unknown>) => ({ idx: Number(r.idx), name: (r.name as string | null) ?? null, nameEn: (r.name_en as string | null) ?? null });

async function parkIdx(q: Queryable, code: string | undefined): Promise<number | null> {
  if (!code) return null;
  const r = await q.query<{ idx: number }>('SELECT idx FROM park WHERE code = $1', [code]);
  if (!r.rows[0]) throw new PatrolRefusal(404, `unknown park ${code}`);
  return Number(r.rows[0].idx);
}

async function readRoutes(q: Queryable, park: number | null): Promise<Array<z.infer<typeof route>>> {
  const routes = (await q.query<{ id: number; park: string; code: string; name: { zh: string; en: string }; enabled: boolean }>(
    `SELECT r.id, p.code AS park, r.code, r.name, r.enabled FROM patrol_route r JOIN park p ON p.idx = r.park_idx WHERE ($1::int IS NULL OR r.park_idx = $1) ORDER BY r.id`, [park])).rows;
  if (!routes.length) return [];
  const ids = routes.map((r) => Number(r.id));
  const cps = (await q.query<Record<string, unknown>>(
    'SELECT c.route_id, c.n, c.tag, c.due_s, c.idx, o.name, o.name_en FROM patrol_checkpoint c LEFT JOIN twin_object o ON o.idx = c.idx WHERE c.route_id = ANY($1::int[]) ORDER BY c.route_id, c.n', [ids])).rows;
  const sch = (await q.query<Record<string, unknown>>('SELECT * FROM patrol_schedule WHERE route_id = ANY($1::int[]) ORDER BY id', [ids])).rows;
  return routes.map((r) => ({
    id: Number(r.id), park: r.park, code: r.code, name: r.name, enabled: r.enabled,
    checkpoints: cps.filter((c) => Number(c.route_id) === Number(r.id)).map((c) => ({ n: Number(c.n), tag: c.tag as string, dueS: Number(c.due_s), ...nameOf(c) })),
    schedules: sch.filter((s) => Number(s.route_id) === Number(r.id)).map((s) => ({ id: Number(s.id), everyS: Number(s.every_s), offsetS: Number(s.offset_s), graceS: Number(s.grace_s), enabled: Boolean(s.enabled) })),
  }));
}

const passStatus = (r: { valid_from: unknown; valid_to: unknown; revoked_at: unknown }, now: number): z.infer<typeof pass>['status'] => {
  if (r.revoked_at) return 'revoked';
  if (now < new Date(r.valid_from as string).getTime()) return 'not_yet';
  if (now > new Date(r.valid_to as string).getTime()) return 'expired';
  return 'valid';
};
const wirePass = (r: Record<string, unknown>, now: number): z.infer<typeof pass> => ({
  id: Number(r.id), code: r.code as string, visitor: r.visitor as string, host: r.host as string, validFrom: iso(r.valid_from)!, validTo: iso(r.valid_to)!,
  status: passStatus(r as never, now), createdBy: r.created_by as string, revokedBy: (r.revoked_by as string | null) ?? null,
});

function routes(sc: ServerContext, opts: PatrolOptions): RouteSpec[] {
  const clock = opts.clock ?? Date.now;
  const rt = () => {
    const r = patrolRuntimeOf(sc);
    if (!r) throw new PatrolRefusal(503, 'patrol is not running');
    return r;
  };
  /** A refusal is answered with its status and a log line; audited when the caller asked for a write. */
  async function guarded<T>(ctx: TwinContext, audit: string | null, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof PatrolRefusal)) throw err;
      sc.log.info({ path: ctx.path, status: err.status, reason: err.message }, 'patrol request refused');
      if (audit) await authService(sc).audit({ action: audit, outcome: 'failure', actor: actorOf(ctx.state.principal!), object: ctx.path, source: ctx.ip, detail: { status: err.status, reason: err.message } }).catch(() => {});
      return ctx.throw(err.status, err.message);
    }
  }
  const auditIn = (tx: Queryable, ctx: TwinContext, action: string, object: string, detail: Record<string, unknown>) =>
    authService(sc).auditIn(tx, { action, outcome: 'success', actor: actorOf(ctx.state.principal!), object, source: ctx.ip, detail });

  return [
    {
      method: 'GET', path: '/api/patrol/routes', permission: 'security:read', summary: 'Patrol routes with their checkpoints (on twin objects) and schedules',
      query: parkQuery, response: routesResponse, errors: [404],
      async handler(ctx) {
        const q = queryOf(ctx, parkQuery);
        ctx.body = { routes: await guarded(ctx, null, async () => readRoutes(sc.db, await parkIdx(sc.db, q.park))) };
      },
    },
    {
      method: 'POST', path: '/api/patrol/routes', permission: 'security:write', summary: 'Create a patrol route with its checkpoints and schedule; every checkpoint must be an object of the park; audited',
      body: routeBody, response: withStatus(201, route), errors: [404, 409, 422],
      async handler(ctx) {
        const b = bodyOf(ctx, routeBody);
        const id = await guarded(ctx, 'patrol_route.create', () => sc.db.transaction(async (tx) => {
          const park = (await parkIdx(tx, b.park))!;
          const tags = new Set<string>();
          for (const [i, c] of b.checkpoints.entries()) {
            if (tags.has(c.tag)) throw new PatrolRefusal(422, `checkpoints.${i}.tag: ${c.tag} appears twice`);
            tags.add(c.tag);
            const o = await tx.query(
              `SELECT 1 FROM twin_object o WHERE o.idx = $1 AND (
                 EXISTS (SELECT 1 FROM equipment e WHERE e.idx = o.idx AND e.park_idx = $2) OR EXISTS (SELECT 1 FROM room r JOIN building b ON b.idx = r.building_idx WHERE r.idx = o.idx AND b.park_idx = $2)
                 OR EXISTS (SELECT 1 FROM building b WHERE b.idx = o.idx AND b.park_idx = $2) OR EXISTS (SELECT 1 FROM zone z WHERE z.idx = o.idx AND z.park_idx = $2))`, [c.idx, park]);
            if (!o.rows.length) throw new PatrolRefusal(422, `checkpoints.${i}.idx: no equipment, room, building or zone ${c.idx} in park ${b.park}`);
          }
          if ((await tx.query('SELECT 1 FROM patrol_route WHERE park_idx = $1 AND code = $2', [park, b.code])).rows.length) throw new PatrolRefusal(409, `a route ${b.code} exists already`);
          const r = await tx.query<{ id: number }>('INSERT INTO patrol_route (park_idx, code, name, created_by) VALUES ($1, $2, $3, $4) RETURNING id', [park, b.code, JSON.stringify(b.name), ctx.state.principal!.name]);
          const id = Number(r.rows[0]!.id);
          for (const [n, c] of b.checkpoints.entries()) await tx.query('INSERT INTO patrol_checkpoint (route_id, n, tag, idx, due_s) VALUES ($1, $2, $3, $4, $5)', [id, n, c.tag, c.idx, c.dueS]);
          await tx.query('INSERT INTO patrol_schedule (route_id, every_s, offset_s, grace_s) VALUES ($1, $2, $3, $4)', [id, b.schedule.everyS, b.schedule.offsetS, b.schedule.graceS]);
          await auditIn(tx, ctx, 'patrol_route.create', `patrol_route:${id}`, { code: b.code, checkpoints: b.checkpoints.length, everyS: b.schedule.everyS });
          return id;
        }));
        ctx.status = 201;
        ctx.body = (await readRoutes(sc.db, null)).find((r) => r.id === id)!;
      },
    },
    {
      method: 'GET', path: '/api/patrol/rounds', permission: 'security:read', summary: 'Patrol rounds, newest first, with each checkpoint\'s visit (visited, missed, pending)',
      query: listQuery, response: roundsResponse, errors: [404],
      async handler(ctx) {
        const q = queryOf(ctx, listQuery);
        const park = await guarded(ctx, null, () => parkIdx(sc.db, q.park));
        const rounds = (await sc.db.query<Record<string, unknown>>(
          `SELECT r.*, ro.name AS route_name FROM patrol_round r JOIN patrol_route ro ON ro.id = r.route_id WHERE ($1::int IS NULL OR ro.park_idx = $1) ORDER BY r.planned_at DESC, r.id DESC LIMIT $2`, [park, q.limit])).rows;
        const ids = rounds.map((r) => Number(r.id));
        const visits = ids.length ? (await sc.db.query<Record<string, unknown>>(
          'SELECT v.*, o.name, o.name_en FROM patrol_visit v LEFT JOIN twin_object o ON o.idx = v.idx WHERE v.round_id = ANY($1::bigint[]) ORDER BY v.round_id, v.n', [ids])).rows : [];
        ctx.body = {
          rounds: rounds.map((r) => ({
            id: Number(r.id), route: Number(r.route_id), routeName: r.route_name as { zh: string; en: string }, plannedAt: iso(r.planned_at)!, state: r.state as 'open', closedAt: iso(r.closed_at),
            visits: visits.filter((v) => Number(v.round_id) === Number(r.id)).map((v) => ({
              n: Number(v.n), tag: v.tag as string, dueAt: iso(v.due_at)!, state: v.state as 'pending', visitedAt: iso(v.visited_at), guard: (v.guard as string | null) ?? null,
              alarm: v.alarm_id === null ? null : Number(v.alarm_id), ...nameOf(v),
            })),
          })),
        };
      },
    },
    {
      method: 'GET', path: '/api/patrol/access-events', permission: 'security:read', summary: 'Access-point events, newest first (filters: event, outcome)',
      query: accessQuery, response: accessEventsResponse, errors: [404],
      async handler(ctx) {
        const q = queryOf(ctx, accessQuery);
        const park = await guarded(ctx, null, () => parkIdx(sc.db, q.park));
        const r = await sc.db.query<Record<string, unknown>>(
          `SELECT a.*, o.name, o.name_en, vp.visitor FROM access_event a LEFT JOIN twin_object o ON o.idx = a.idx LEFT JOIN visitor_pass vp ON vp.id = a.pass_id
           WHERE ($1::int IS NULL OR a.park_idx = $1) AND ($2::text IS NULL OR a.event = $2) AND ($3::text IS NULL OR a.outcome = $3)
           ORDER BY a.at DESC, a.received_at DESC LIMIT $4`, [park, q.event ?? null, q.outcome ?? null, q.limit]);
        ctx.body = {
          events: r.rows.map((a) => ({
            id: a.id as string, ...nameOf(a), device: a.device as string, event: a.event as 'granted', outcome: a.outcome as 'granted', reason: (a.reason as string | null) ?? null,
            card: (a.card as string | null) ?? null, pass: (a.pass_code as string | null) ?? null, visitor: (a.visitor as string | null) ?? null,
            heldSeconds: a.held_s === null ? null : Number(a.held_s), at: iso(a.at)!, alarm: a.alarm_id === null ? null : Number(a.alarm_id),
          })),
        };
      },
    },
    {
      method: 'GET', path: '/api/patrol/watchlist', permission: 'security:read', summary: 'The watch list and its latest hits from biometric terminals (events only, no images)',
      query: listQuery, response: watchlistResponse, errors: [404],
      async handler(ctx) {
        const q = queryOf(ctx, listQuery);
        const park = await guarded(ctx, null, () => parkIdx(sc.db, q.park));
        const entries = await sc.db.query<Record<string, unknown>>('SELECT * FROM watchlist_entry WHERE ($1::int IS NULL OR park_idx = $1) ORDER BY id', [park]);
        const hits = await sc.db.query<Record<string, unknown>>(
          `SELECT h.*, w.code AS entry, w.label, o.name, o.name_en FROM watchlist_hit h JOIN watchlist_entry w ON w.id = h.entry_id LEFT JOIN twin_object o ON o.idx = h.idx
           WHERE ($1::int IS NULL OR h.park_idx = $1) ORDER BY h.at DESC LIMIT $2`, [park, q.limit]);
        ctx.body = {
          entries: entries.rows.map((e) => ({ id: Number(e.id), code: e.code as string, label: e.label as string, reason: e.reason as string, addedBy: e.added_by as string, addedAt: iso(e.added_at)! })),
          hits: hits.rows.map((h) => ({
            id: h.id as string, ...nameOf(h), device: h.device as string, entry: h.entry as string, label: h.label as string, score: Number(h.score), at: iso(h.at)!, alarm: h.alarm_id === null ? null : Number(h.alarm_id),
          })),
        };
      },
    },
    {
      method: 'GET', path: '/api/patrol/passes', permission: 'security:read', summary: 'Visitor passes with their validity windows and status (valid, not yet, expired, revoked)',
      query: listQuery, response: passesResponse, errors: [404],
      async handler(ctx) {
        const q = queryOf(ctx, listQuery);
        const park = await guarded(ctx, null, () => parkIdx(sc.db, q.park));
        const r = await sc.db.query<Record<string, unknown>>('SELECT * FROM visitor_pass WHERE ($1::int IS NULL OR park_idx = $1) ORDER BY valid_from DESC, id DESC LIMIT $2', [park, q.limit]);
        const now = clock();
        ctx.body = { passes: r.rows.map((p) => wirePass(p, now)) };
      },
    },
    {
      method: 'POST', path: '/api/patrol/passes', permission: 'security:write', summary: 'Issue a visitor pass valid from..to (at most 30 days); its code is generated; audited',
      body: passBody, response: withStatus(201, pass), errors: [404, 422],
      async handler(ctx) {
        const b = bodyOf(ctx, passBody);
        const row = await guarded(ctx, 'visitor_pass.create', () => sc.db.transaction(async (tx) => {
          const park = (await parkIdx(tx, b.park))!;
          const from = Date.parse(b.validFrom);
          const to = Date.parse(b.validTo);
          if (to <= from) throw new PatrolRefusal(422, 'validTo: must be after validFrom');
          if (to - from > 30 * 86_400_000) throw new PatrolRefusal(422, 'validTo: a pass is valid for at most 30 days');
          const code = `V${crypto.randomBytes(5).toString('hex').toUpperCase()}`;
          const r = await tx.query<Record<string, unknown>>(
            'INSERT INTO visitor_pass (park_idx, code, visitor, host, valid_from, valid_to, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *',
            [park, code, b.visitor, b.host, new Date(from).toISOString(), new Date(to).toISOString(), ctx.state.principal!.name]);
          await auditIn(tx, ctx, 'visitor_pass.create', `visitor_pass:${String(r.rows[0]!.id)}`, { code, validFrom: b.validFrom, validTo: b.validTo });
          return r.rows[0]!;
        }));
        ctx.status = 201;
        ctx.body = wirePass(row, clock());
      },
    },
    {
      method: 'POST', path: '/api/patrol/passes/:id/revoke', permission: 'security:write', summary: 'Revoke a visitor pass: its next swipe is refused; audited',
      params: intIdParams, body: emptyBody, response: pass, errors: [404, 409],
      async handler(ctx) {
        const { id } = paramsOf(ctx, intIdParams);
        const row = await guarded(ctx, 'visitor_pass.revoke', () => sc.db.transaction(async (tx) => {
          const cur = (await tx.query<{ revoked_at: Date | null }>('SELECT revoked_at FROM visitor_pass WHERE id = $1 FOR UPDATE', [id])).rows[0];
          if (!cur) throw new PatrolRefusal(404, `no visitor pass ${id}`);
          if (cur.revoked_at) throw new PatrolRefusal(409, `visitor pass ${id} is revoked already`);
          const r = await tx.query<Record<string, unknown>>('UPDATE visitor_pass SET revoked_at = now(), revoked_by = $2 WHERE id = $1 RETURNING *', [id, ctx.state.principal!.name]);
          await auditIn(tx, ctx, 'visitor_pass.revoke', `visitor_pass:${id}`, {});
          return r.rows[0]!;
        }));
        ctx.body = wirePass(row, clock());
      },
    },
    {
      method: 'POST', path: '/api/patrol/events', permission: 'security:write',
      summary: 'A security device event over HTTP (the same as MQTT park/<park>/events/<device>/<kind>): checkpoint scan, access event, watch-list hit. Unknown park, device, checkpoint or entry: 404; malformed: 400; nothing stored',
      body: eventBody, response: withStatus(202, eventResponse), errors: [404, 422, 503],
      async handler(ctx) {
        const b = bodyOf(ctx, eventBody);
        const out = await guarded(ctx, null, () => rt().handle(b.park, b.device, b.kind, b.event));
        ctx.status = 202;
        ctx.body = out;
      },
    },
  ];
}

/** Creates the patrol module (after alarms in the module list). */
export function patrolModule(opts: PatrolOptions = {}): TwinModule {
  let started: ServerContext | null = null;
  return {
    name: 'patrol',
    migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
    async initialize(sc) {
      await startPatrol(sc, opts.clock);
      started = sc;
    },
    routes: (sc) => routes(sc, opts),
    jobs: (sc) => [{ name: 'rounds', everyMs: opts.tickMs ?? 5_000, run: async () => { await patrolRuntimeOf(sc)?.tick(); } }],
    seed: (sc, park) => seedPatrol(sc.db, park.parkIdx, (opts.clock ?? Date.now)()),
    async finalize() {
      if (started) await stopPatrol(started);
      started = null;
    },
  };
}
