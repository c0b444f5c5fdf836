/**
 * Must-show 1: every HTTP route registered by every module (read from the live route table, so
 * routes added later are covered without touching this file) refuses no credential, an expired
 * session, tampered session and device tokens, a wrong role, and another enterprise's object,
 * before any work (no data row changes), and each refusal is audited.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { allModules } from '../modules/index.ts';
import type { RouteSpec } from '../http/route.ts';
import type { Permission } from './types.ts';
import { ROLES } from './roles.ts';
import { HttpClient, startAuthServer, type AuthTestServer } from './testing.ts';

/** The only routes allowed to answer without a principal. A new public route must be reviewed and added here. */
const REVIEWED_PUBLIC = new Set([
  'GET /api/health', 'POST /api/auth/login', 'POST /api/auth/device/pair', 'POST /api/auth/device/session',
  // Guest links (modules/leasing): the signed token is the credential; checked, audited per open.
  'GET /api/leasing/guest/:token', 'GET /api/leasing/guest/:token/photos/:id', 'GET /api/leasing/guest/:token/page',
  // Public portal (modules/portal): published articles, vacant units, the park's outline; nothing else.
  'GET /api/portal/public/overview', 'GET /api/portal/public/articles', 'GET /api/portal/public/articles/:id', 'GET /api/portal/public/units', 'GET /api/portal/public/images/:id',
]);

/** Tables whose rows the refusals themselves may write: the audit trail and session bookkeeping. */
const BOOKKEEPING = new Set(['audit_log', 'audit_checkpoint', 'auth_session', 'schema_migrations', 'spatial_ref_sys']);

const routeKey = (r: RouteSpec) => `${r.method} ${r.path}`;

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`every route is guarded [${backend}]`, () => {
    let s: AuthTestServer;
    let entA = 0;
    let entB = 0;
    /** Sessions that will be idle-expired, and live ones, per role id. */
    const expiring = new Map<string, HttpClient>();
    const fresh = new Map<string, HttpClient>();
    /** Live sessions of enterprise-A users, per role id. */
    const enterpriseA = new Map<string, HttpClient>();
    let noRoles: HttpClient;
    let deviceToken = '';
    const results: { route: string; attempt: string; status: number }[] = [];

    beforeAll(async () => {
      s = await startAuthServer(backend, { modules: allModules() });
      const db = s.server.sc.db;
      const park = await db.query<{ idx: number }>("INSERT INTO twin_object (kind, name) VALUES ('park', 'Guard test park') RETURNING idx");
      await db.query(`INSERT INTO park (idx, code, city, origin, boundary) VALUES ($1, 'guard-test', 'Hangzhou',
        ST_SetSRID(ST_MakePoint(120.1, 30.2, 0), 4326), ST_GeomFromText('POLYGON((120.1 30.2,120.11 30.2,120.11 30.21,120.1 30.21,120.1 30.2))', 4326))`,
      [park.rows[0]!.idx]);
      const ent = async (name: string, code: string) => {
        const o = await db.query<{ idx: number }>("INSERT INTO twin_object (kind, name) VALUES ('enterprise', $1) RETURNING idx", [name]);
        await db.query(`INSERT INTO enterprise (idx, park_idx, credit_code, industry, registered_capital, staff) VALUES ($1, $2, $3, 'ai', 100, 10)`,
          [o.rows[0]!.idx, park.rows[0]!.idx, code]);
        return o.rows[0]!.idx;
      };
      entA = await ent('Enterprise A', '91330100MA2AAAAA1X');
      entB = await ent('Enterprise B', '91330100MA2BBBBB2Y');
      for (const r of ROLES) expiring.set(r.id, (await s.userWith([r.id], r.enterpriseScoped ? entA : null)).client);
      s.clock.advanceMinutes(16); // every session above is now past the 15-minute idle limit
      for (const r of ROLES) {
        fresh.set(r.id, (await s.userWith([r.id], r.enterpriseScoped ? entA : null)).client);
        if (!r.admin) enterpriseA.set(r.id, (await s.userWith(r.enterpriseScoped ? [r.id] : [r.id, 'enterprise_user'], entA)).client);
      }
      noRoles = (await s.userWith([])).client;
      const sec = await s.admin('secadmin');
      deviceToken = ((await sec.req('POST', '/api/devices', { name: 'Guard wall', kind: 'wall' })).body as { token: string }).token;
    }, 180_000);

    afterAll(async () => {
      const byAttempt = new Map<string, number>();
      for (const r of results) byAttempt.set(r.attempt, (byAttempt.get(r.attempt) ?? 0) + 1);
      console.log(`[guard] ${backend}: ${s?.server.routes.length} routes, ${results.length} refused attempts: ${JSON.stringify(Object.fromEntries(byAttempt))}`);
      await s?.server.stop();
    });

    /** A digest of every data table: proves a refused request changed nothing. */
    const digest = async (): Promise<string> => {
      const db = s.server.sc.db;
      const t = await db.query<{ name: string }>(
        "SELECT quote_ident(table_name) AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1");
      const parts: string[] = [];
      for (const { name } of t.rows) {
        if (BOOKKEEPING.has(name)) continue;
        // Table names come from the catalog (quote_ident), never from input.
        // A device's last_seen_at is bookkeeping (a refused wall request still proves the wall is alive).
        const row = name === 'auth_device' ? '(x.id, x.name, x.kind, x.token_hash, x.pairing_hash, x.revoked_at)' : 'x';
        const r = await db.query<{ d: string | null }>(`SELECT md5(string_agg(${row}::text, '|' ORDER BY ${row}::text)) AS d FROM ${name} x`);
        parts.push(`${name}=${r.rows[0]!.d ?? '-'}`);
      }
      return parts.join(',');
    };

    const denials = async (route: string): Promise<number> => {
      const r = await s.server.sc.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'access.denied' AND object = $1", [route]);
      return r.rows[0]!.n;
    };

    const roleWith = (perm: RouteSpec['permission']) => ROLES.find((r) => perm === 'authenticated' || r.permissions.includes(perm as Permission));
    const roleWithout = (perm: Permission) => ROLES.find((r) => !r.permissions.includes(perm));

    /**
     * Fills path parameters: park codes name the test park (a valid code, so the route's parameter
     * schema passes and the object check decides); other parameters of object-checked routes name
     * enterprise B's object.
     */
    const pathFor = (r: RouteSpec) => r.path.replace(/:([A-Za-z_]+)/g, (_m, name: string) =>
      (name === 'code' || name === 'park' ? 'guard-test' : r.object ? String(entB) : name === 'id' ? randomUUID() : '1'));

    const tamper = (v: string) => {
      const i = Math.floor(v.length / 2);
      return v.slice(0, i) + (v[i] === 'A' ? 'B' : 'A') + v.slice(i + 1);
    };

    const attempt = async (r: RouteSpec, label: string, client: HttpClient, expectStatus: 401 | 403) => {
      const route = routeKey(r);
      const before = await denials(route);
      const body = r.method === 'GET' || r.method === 'DELETE' ? undefined : {};
      const res = await client.req(r.method, pathFor(r), body);
      expect({ route, label, status: res.status }).toEqual({ route, label, status: expectStatus });
      expect(await denials(route), `${label} on ${route} must be audited`).toBe(before + 1);
      results.push({ route, attempt: label, status: res.status });
    };

    it('has a route table covering the modules, and only reviewed public routes', () => {
      const keys = s.server.routes.map(routeKey);
      expect(keys).toContain('POST /api/auth/login');
      expect(keys).toContain('GET /api/audit');
      expect(new Set(keys).size).toBe(keys.length);
      const publics = s.server.routes.filter((r) => r.permission === 'public').map(routeKey);
      expect(publics.filter((k) => !REVIEWED_PUBLIC.has(k)), 'unreviewed public routes').toEqual([]);
    });

    it('refuses every protected route with no credential, an expired session and tampered tokens, auditing each', async () => {
      const protectedRoutes = s.server.routes.filter((r) => r.permission !== 'public');
      expect(protectedRoutes.length).toBeGreaterThan(15);
      const d0 = await digest();
      for (const r of protectedRoutes) {
        const role = roleWith(r.permission)!;
        expect(role, `some role must hold ${r.permission}`).toBeDefined();
        await attempt(r, 'no-credential', new HttpClient(s.server.url), 401);

        // The expiring session belongs to a role that holds the permission: expiry is the only reason.
        const expired = new HttpClient(s.server.url);
        for (const [k, v] of expiring.get(role.id)!.cookies) expired.cookies.set(k, v);
        await attempt(r, 'expired-session', expired, 401);

        const forged = new HttpClient(s.server.url);
        for (const [k, v] of fresh.get(role.id)!.cookies) forged.cookies.set(k, k === 'twin_session' ? tamper(v) : v);
        await attempt(r, 'tampered-session', forged, 401);

        await attempt(r, 'tampered-device-token', new HttpClient(s.server.url, { bearer: tamper(deviceToken) }), 401);
        await attempt(r, 'made-up-token', new HttpClient(s.server.url, { bearer: `twd_${randomBytes(32).toString('base64url')}` }), 401);
      }
      expect(await digest()).toBe(d0);
    });

    it('refuses every permission-checked route for a wrong role (and for an account without roles), auditing each', async () => {
      const checked = s.server.routes.filter((r) => r.permission !== 'public' && r.permission !== 'authenticated');
      const d0 = await digest();
      for (const r of checked) {
        const perm = r.permission as Permission;
        const wrong = roleWithout(perm)!;
        await attempt(r, 'wrong-role', fresh.get(wrong.id)!, 403);
        await attempt(r, 'no-roles', noRoles, 403);
        if (!perm.endsWith(':read') || !ROLES[0]!.permissions.includes(perm)) {
          // Command walls are read-only: anything beyond the viewer's reads is refused.
          await attempt(r, 'wall-device', new HttpClient(s.server.url, { bearer: deviceToken }), 403);
        }
      }
      expect(await digest()).toBe(d0);
    });

    it('refuses another enterprise\'s object on every object-checked route, auditing each', async () => {
      const scoped = s.server.routes.filter((r) => r.object);
      expect(scoped.length).toBeGreaterThan(0);
      const d0 = await digest();
      for (const r of scoped) {
        const role = roleWith(r.permission)!;
        const client = enterpriseA.get(role.id) ?? enterpriseA.get('enterprise_user')!;
        const route = routeKey(r);
        await attempt(r, 'foreign-object', client, 403);
        const row = await s.server.sc.db.query<{ detail: string }>(
          "SELECT detail FROM audit_log WHERE action = 'access.denied' AND object = $1 ORDER BY seq DESC LIMIT 1", [route]);
        expect(JSON.parse(row.rows[0]!.detail)).toMatchObject({ reason: 'foreign-object' });
      }
      expect(await digest()).toBe(d0);
    });

    it('answers every route under its case and trailing-slash variants with 404, running nothing (issue 14 item 4)', async () => {
      const d0 = await digest();
      const tally = new Map<string, number>();
      // The route's last fixed segment upper-cased (parameter values are data and keep their case).
      const upLast = (r: RouteSpec) => {
        const segs = r.path.split('/');
        const i = segs.findLastIndex((x, k) => k > 0 && x !== '' && !x.startsWith(':'));
        segs[i] = segs[i]!.toUpperCase();
        return pathFor({ ...r, path: segs.join('/') });
      };
      for (const r of s.server.routes) {
        const role = roleWith(r.permission);
        // Both a caller allowed on the real path and an anonymous one: neither may reach the route.
        const callers = [new HttpClient(s.server.url), ...(r.permission !== 'public' && role ? [fresh.get(role.id)!] : [])];
        const p = pathFor(r);
        const variants = [...new Set([`${p}/`, p.toUpperCase(), p.replace(/^\/[a-z]+/, (m) => m.toUpperCase()), upLast(r), `${upLast(r)}/`])].filter((v) => v !== p);
        // A variant that is exactly another route's path (e.g. `/api/repairs/META` for `/api/repairs/:id`)
        // is that route's business, under its own guard: not a spelling of this one.
        const matches = (o: (typeof s.server.routes)[number], v: string) =>
          new RegExp(`^${o.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z_]+/g, '[^/]+')}$`).test(v);
        const other = (v: string) => s.server.routes.some((o) => o !== r && o.method === r.method && matches(o, v));
        // A variant that is another method's path (`/api/tilesets/p/UPLOAD` for PATCH `/api/tilesets/:park/:id`)
        // gets the router's 405: nothing runs either.
        const otherMethod = (v: string) => s.server.routes.some((o) => o.method !== r.method && matches(o, v));
        for (const client of callers) {
          for (const v of variants.filter((x) => !other(x))) {
            const body = r.method === 'GET' || r.method === 'DELETE' ? undefined : {};
            const res = await client.req(r.method, v, body);
            const refused = res.status === 404 || (res.status === 405 && otherMethod(v)) ? 404 : res.status;
            expect({ route: routeKey(r), variant: v, status: refused }).toEqual({ route: routeKey(r), variant: v, status: 404 });
            const k = v.endsWith('/') ? 'trailing-slash' : 'case';
            tally.set(k, (tally.get(k) ?? 0) + 1);
          }
        }
      }
      console.log(`[guard] ${backend}: path variants refused: ${JSON.stringify(Object.fromEntries(tally))}`);
      expect(await digest()).toBe(d0);
    });

    it('lets the same enterprise user open its own enterprise (the scoping is not a blanket refusal)', async () => {
      const own = await enterpriseA.get('enterprise_user')!.req('GET', `/api/enterprises/${entA}/accounts`);
      expect(own.status).toBe(200);
      expect((own.body as { accounts: unknown[] }).accounts.length).toBeGreaterThan(0);
      const other = await enterpriseA.get('enterprise_user')!.req('GET', `/api/enterprises/${entB}/accounts`);
      expect(other.status).toBe(403);
    });
  });
}
