/**
 * The command-wall module (issue 7): the park KPIs for the leadership wall and the bookmarks its
 * unattended tour visits. KPIs need `economy:read` (leadership viewers and paired wall devices
 * have it) and are park-wide, so enterprise-scoped users are refused; bookmarks are read with
 * `park:read` and kept by those who may edit park records (`park:write`), audited.
 */
import type { TwinModule } from '../types.ts';
import type { TwinContext } from '../../http/route.ts';
import { appendAudit } from '../../auth/audit.ts';
import { runningAuthService } from '../../auth/index.ts';
import { findPark, listBookmarks, parkKpis } from './queries.ts';
import { sharedInFlight } from '../inflight.ts';
import { bodyOf, paramsOf, queryOf } from '../../http/input.ts';
import { intIdParams } from '../../http/schemas.ts';
import { withStatus } from '../../http/openapi.ts';
import { bookmarkBody, bookmarkSchema, bookmarksSchema, kpisSchema, parkQuery } from './schemas.ts';

/** The park a request names (`?park=`, validated by the route, or the first park); 404 when missing. */
async function parkOf(ctx: TwinContext, db: Parameters<typeof findPark>[0]) {
  const q = queryOf(ctx, parkQuery);
  const park = await findPark(db, q.park);
  if (!park) ctx.throw(404, q.park ? `no park ${q.park}` : 'no park');
  return park;
}

const actorOf = (ctx: TwinContext) => {
  const p = ctx.state.principal;
  return p ? { kind: p.kind, id: p.id, name: p.name } : undefined;
};

/** KPI and bookmark routes of the wall. */
export const wallModule: TwinModule = {
  name: 'wall',
  routes: (sc) => {
    // Every wall of a park asks for the same park-wide figures (the route's permission check comes
    // first); while one computation runs, the others, and a wall retrying after a timeout, join it.
    const kpis = sharedInFlight<number, Awaited<ReturnType<typeof parkKpis>>>();
    return [
      {
        method: 'GET', path: '/api/wall/kpis', permission: 'economy:read',
        summary: 'Park KPIs for the command wall: occupancy, people, energy, equipment, alarms, enterprises, output and tax YTD',
        // Park-wide totals: an enterprise-scoped caller owns no park, so the guard refuses it.
        object: async () => ({ kind: 'park', enterpriseIdx: null }),
        query: parkQuery, response: kpisSchema, errors: [404],
        async handler(ctx) {
          const park = await parkOf(ctx, sc.db);
          ctx.body = await kpis.run(park.idx, () => parkKpis(sc.db, park, runningAuthService(sc)?.now() ?? new Date()));
          ctx.set('Cache-Control', 'no-store');
        },
      },
      {
        method: 'GET', path: '/api/wall/bookmarks', permission: 'park:read', summary: 'Tour bookmarks of a park, in tour order',
        query: parkQuery, response: bookmarksSchema, errors: [404],
        async handler(ctx) {
          const park = await parkOf(ctx, sc.db);
          ctx.body = { park: park.code, bookmarks: await listBookmarks(sc.db, park.idx) };
        },
      },
      {
        method: 'POST', path: '/api/wall/bookmarks', permission: 'park:write', body: bookmarkBody,
        summary: 'Save a tour bookmark (camera + layer); appended to the tour unless a position is given',
        response: withStatus(201, bookmarkSchema), errors: [404, 409],
        async handler(ctx) {
          const b = bodyOf(ctx, bookmarkBody);
          const park = (await findPark(sc.db, b.park)) ?? ctx.throw(404, `no park ${b.park}`);
          const actor = actorOf(ctx);
          const row = await sc.db.transaction(async (tx) => {
            const dup = await tx.query('SELECT 1 FROM wall_bookmark WHERE park_idx = $1 AND name = $2', [park.idx, b.name]);
            if (dup.rows.length > 0) ctx.throw(409, `a bookmark named ${b.name} exists`);
            const r = await tx.query<{ id: number }>(
              `INSERT INTO wall_bookmark (park_idx, name, camera, layer, position, dwell_s, created_by)
               VALUES ($1, $2, $3::real[], $4, COALESCE($5, (SELECT COALESCE(max(position) + 1, 0) FROM wall_bookmark WHERE park_idx = $1)), $6, $7)
               RETURNING id`,
              [park.idx, b.name, b.camera, b.layer, b.position ?? null, b.dwellS, actor?.name ?? 'unknown']);
            const id = r.rows[0]!.id;
            await appendAudit(tx, { action: 'wall.bookmark.create', outcome: 'success', ...(actor ? { actor } : {}), object: `wall_bookmark:${id}`, source: ctx.ip, detail: { park: park.code, name: b.name } }, new Date());
            return id;
          });
          sc.log.info({ requestId: ctx.state.requestId, park: park.code, bookmark: row }, 'wall bookmark saved');
          ctx.status = 201;
          ctx.body = (await listBookmarks(sc.db, park.idx)).find((x) => x.id === row);
        },
      },
      {
        method: 'DELETE', path: '/api/wall/bookmarks/:id', permission: 'park:write', summary: 'Delete a tour bookmark',
        params: intIdParams, errors: [404],
        async handler(ctx) {
          const id = { data: paramsOf(ctx, intIdParams).id };
          const actor = actorOf(ctx);
          const gone = await sc.db.transaction(async (tx) => {
            const r = await tx.query<{ name: string }>('DELETE FROM wall_bookmark WHERE id = $1 RETURNING name', [id.data]);
            if (r.rows.length === 0) return false;
            await appendAudit(tx, { action: 'wall.bookmark.delete', outcome: 'success', ...(actor ? { actor } : {}), object: `wall_bookmark:${id.data}`, source: ctx.ip, detail: { name: r.rows[0]!.name } }, new Date());
            return true;
          });
          if (!gone) ctx.throw(404, 'no such bookmark');
          ctx.status = 204;
        },
      },
    ];
  },
};
