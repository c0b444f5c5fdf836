/**
 * Must-show 3 of issue 13: the OpenAPI document of the live route table passes a real OpenAPI
 * validator (@apidevtools/swagger-parser) with 0 errors, lists exactly the routes the server
 * mounted, and every route answers one valid call (as a principal holding its permission, on a
 * seeded park) with its declared success status and a body its declared response schema accepts,
 * with no field the schema does not declare. A route without a case in CALLS fails the test, so a
 * new route cannot skip its contract. The committed client types (twin-client/src/api/generated.ts)
 * must equal what `npm run gen:api` makes from this document.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import SwaggerParser from '@apidevtools/swagger-parser';
import { LAYERS } from '@park-twin/layers';
import { allModules } from '../modules/index.ts';
import { tilesModule } from '../modules/tiles.ts';
import { createLiveModule } from '../modules/live.ts';
import type { TwinModule } from '../modules/types.ts';
import { seedPark } from '../seed/index.ts';
import { ROLES } from '../auth/roles.ts';
import { HttpClient, startAuthServer, type AuthTestServer, type Res } from '../auth/testing.ts';
import type { RouteSpec } from './route.ts';
import { CONTRACT_PARK, q, type Case, type ContractCases, type Fixture } from './contract.ts';
import { openApiPath, successStatus } from './openapi.ts';
import { generateClientTypes } from './openapi-client.ts';

const CODE = CONTRACT_PARK;
const GENERATED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../twin-client/src/api/generated.ts');

/**
 * One valid call per route, keyed `METHOD /path` as the route declares it: the core routes here,
 * each module's in its own `modules/<name>/contract.ts` (exporting `CONTRACT`). A route added
 * without a case fails the coverage test.
 */
const CORE_CALLS: Record<string, Case> = {
  'GET /api/health': async (f) => ({ client: new HttpClient(f.s.server.url), path: '/api/health' }),
  'GET /api/modules': async (f) => ({ client: await f.as('authenticated'), path: '/api/modules' }),
  'GET /api/openapi.json': async (f) => ({ client: await f.as('authenticated'), path: '/api/openapi.json' }),
  'GET /api/docs': async (f) => ({ client: await f.as('authenticated'), path: '/api/docs' }),

  // auth platform
  'POST /api/auth/login': async (f) => {
    const u = await f.user(['maintenance']);
    return { client: new HttpClient(f.s.server.url), path: '/api/auth/login', body: { username: u.username, password: u.password } };
  },
  'POST /api/auth/device/pair': async (f) => ({ client: new HttpClient(f.s.server.url), path: '/api/auth/device/pair', body: { code: (await f.device()).pairingCode } }),
  'POST /api/auth/device/session': async (f) => ({ client: new HttpClient(f.s.server.url), path: '/api/auth/device/session', body: { token: (await f.device()).token } }),
  'GET /api/auth/me': async (f) => ({ client: await f.as('authenticated'), path: '/api/auth/me' }),
  'POST /api/auth/logout': async (f) => ({ client: (await f.user(['maintenance'])).client, path: '/api/auth/logout' }),
  'POST /api/auth/password': async (f) => {
    const u = await f.user(['maintenance']);
    return { client: u.client, path: '/api/auth/password', body: { current: u.password, next: 'Contract-Test-Pass-71' } };
  },
  'GET /api/users': async (f) => ({ client: await f.as('system:admin'), path: '/api/users' }),
  'GET /api/users/:id': async (f) => ({ client: await f.as('system:admin'), path: `/api/users/${(await f.user([])).id}` }),
  'POST /api/users': async (f) => ({ client: await f.as('system:admin'), path: '/api/users', body: { username: `contract${Date.now() % 1e6}`, displayName: '合同测试' } }),
  'PATCH /api/users/:id': async (f) => ({ client: await f.as('system:admin'), path: `/api/users/${(await f.user([])).id}`, body: { displayName: 'Renamed' } }),
  'POST /api/users/:id/reset-password': async (f) => ({ client: await f.as('system:admin'), path: `/api/users/${(await f.user([])).id}/reset-password` }),
  'POST /api/users/:id/unlock': async (f) => ({ client: await f.as('system:admin'), path: `/api/users/${(await f.user([])).id}/unlock` }),
  'DELETE /api/users/:id': async (f) => ({ client: await f.as('system:admin'), path: `/api/users/${(await f.user([])).id}` }),
  'GET /api/roles': async (f) => ({ client: await f.as('security:admin'), path: '/api/roles' }),
  'GET /api/roles/assignments': async (f) => ({ client: await f.as('security:admin'), path: '/api/roles/assignments' }),
  'PUT /api/users/:id/roles': async (f) => ({ client: await f.as('security:admin'), path: `/api/users/${(await f.user([])).id}/roles`, body: { roles: ['maintenance'] } }),
  'GET /api/devices': async (f) => ({ client: await f.as('security:admin'), path: '/api/devices' }),
  'POST /api/devices': async (f) => ({ client: await f.as('security:admin'), path: '/api/devices', body: { name: `Contract wall ${Date.now()}`, kind: 'wall' } }),
  'POST /api/devices/:id/pairing': async (f) => ({ client: await f.as('security:admin'), path: `/api/devices/${(await f.device()).id}/pairing` }),
  'POST /api/devices/:id/revoke': async (f) => ({ client: await f.as('security:admin'), path: `/api/devices/${(await f.device()).id}/revoke` }),
  'GET /api/audit': async (f) => ({ client: await f.as('audit:read'), path: `/api/audit${q({ limit: 20, outcome: 'success' })}` }),
  'GET /api/audit/export': async (f) => ({ client: await f.as('audit:read'), path: '/api/audit/export' }),
  'GET /api/audit/verify': async (f) => ({ client: await f.as('audit:read'), path: '/api/audit/verify' }),
  'GET /api/enterprises/:idx/accounts': async (f) => ({ client: await f.as('enterprise:read'), path: `/api/enterprises/${f.ids.enterprise}/accounts` }),

  // tiles
  'GET /tiles/:park/:file': async (f) => ({ client: await f.as('tiles:read'), path: `/tiles/${CODE}/${await f.tiles()}` }),
  'GET /api/tiles/:park/version': async (f) => (await f.tiles(), { client: await f.as('tiles:read'), path: `/api/tiles/${CODE}/version` }),
  'POST /api/tiles/:park/rebuild': async (f) => (await f.tiles(), { client: await f.as('tiles:admin'), path: `/api/tiles/${CODE}/rebuild`, body: {} }),

  // live data
  'GET /api/live/layers': async (f) => ({ client: await f.as('authenticated'), path: '/api/live/layers' }),
  'GET /api/live/stats': async (f) => ({ client: await f.as('system:read'), path: '/api/live/stats' }),
  'POST /api/telemetry': async (f) => ({
    client: await f.as('telemetry:write'), path: '/api/telemetry',
    body: { messages: [{ park: CODE, layer: 'occupancy', device: f.ids.sensorCode, payload: { seq: 1, ts: Date.now(), count: 3 } }] },
  }),
  'POST /api/telemetry/csv': async (f) => ({
    client: await f.as('telemetry:write'), path: '/api/telemetry/csv',
    body: { csv: `ts,park,layer,device,seq,count\n${new Date(Date.now() - 3_600_000).toISOString()},${CODE},occupancy,${f.ids.sensorCode},2,4\n` },
  }),
  'GET /api/alarms': async (f) => (await f.alarm(), { client: await f.as('alarm:read'), path: `/api/alarms${q({ state: 'open', limit: 10 })}` }),
  'POST /api/alarms/:id/acknowledge': async (f) => ({ client: await f.as('alarm:write'), path: `/api/alarms/${await f.alarm()}/acknowledge` }),
  'POST /api/alarms/:id/clear': async (f) => ({ client: await f.as('alarm:write'), path: `/api/alarms/${await f.alarm()}/clear` }),

  // import
  'POST /api/import/buildings': async (f) => {
    // The fixture's footprints lie in their own park (created here), not in the seeded one.
    const { createTestPark, goodCollection } = await import('../import/fixtures/park.ts');
    await createTestPark(f.s.server.sc.db, 'import-contract');
    return { client: await f.as('park:write'), path: `/api/import/buildings${q({ park: 'import-contract', dryRun: 'true' })}`, body: goodCollection() };
  },

  // map
  ...Object.fromEntries(['parks', 'blocks', 'buildings', 'enterprises', 'occupancy'].map((e): [string, Case] => [
    `GET /api/map/${e}`, async (f) => ({ client: await f.as('map:read'), path: `/api/map/${e}${q({ park: CODE, limit: 50 })}` }),
  ])),

  // twin
  'GET /api/twin/parks': async (f) => ({ client: await f.as('twin:read'), path: '/api/twin/parks' }),
  'GET /api/twin/parks/:code/index': async (f) => ({ client: await f.as('twin:read'), path: `/api/twin/parks/${CODE}/index` }),
  'GET /api/twin/objects/:idx': async (f) => ({ client: await f.as('twin:read'), path: `/api/twin/objects/${f.ids.room}` }),
  'GET /api/twin/objects/:idx/children': async (f) => ({ client: await f.as('twin:read'), path: `/api/twin/objects/${f.ids.building}/children` }),
  'GET /api/twin/objects/:idx/history': async (f) => ({ client: await f.as('twin:read'), path: `/api/twin/objects/${f.ids.room}/history${q({ layer: LAYERS[0]!.name, hours: 24 })}` }),

  // ops
  'GET /api/ops/parks/:code/networks': async (f) => ({ client: await f.as('network:read'), path: `/api/ops/parks/${CODE}/networks` }),
  'GET /api/ops/trace': async (f) => ({ client: await f.as('network:read'), path: `/api/ops/trace${q({ node: f.ids.node, direction: 'downstream' })}` }),
  'GET /api/ops/pipes/:idx': async (f) => ({ client: await f.as('network:read'), path: `/api/ops/pipes/${f.ids.segment}` }),
  'GET /api/ops/section/:idx': async (f) => ({ client: await f.as('twin:read'), path: `/api/ops/section/${f.ids.building}` }),
  'GET /api/ops/equipment/:idx/work-orders': async (f) => ({ client: await f.as('equipment:read'), path: `/api/ops/equipment/${f.ids.equipment}/work-orders` }),

  // wall
  'GET /api/wall/kpis': async (f) => ({ client: await f.as('economy:read'), path: `/api/wall/kpis${q({ park: CODE })}` }),
  'GET /api/wall/bookmarks': async (f) => ({ client: await f.as('park:read'), path: `/api/wall/bookmarks${q({ park: CODE })}` }),
  'POST /api/wall/bookmarks': async (f) => ({
    client: await f.as('park:write'), path: '/api/wall/bookmarks',
    body: { park: CODE, name: `Contract ${Date.now()}`, camera: [100, 80, 100, 0, 0, 0], layer: 'occupancy' },
  }),
  'DELETE /api/wall/bookmarks/:id': async (f) => {
    const c = await f.as('park:write');
    const b = await c.req('POST', '/api/wall/bookmarks', { park: CODE, name: `Doomed ${Date.now()}`, camera: [1, 2, 3, 0, 0, 0], layer: 'none' });
    return { client: c, path: `/api/wall/bookmarks/${(b.body as { id: number }).id}` };
  },

  // investment
  'GET /api/invest/units': async (f) => ({ client: await f.as('leasing:read'), path: `/api/invest/units${q({ park: CODE, within: 12, limit: 20 })}` }),
  'GET /api/invest/units/:idx': async (f) => ({ client: await f.as('leasing:read'), path: `/api/invest/units/${await f.unit()}${q({ park: CODE, within: 12 })}` }),
  'GET /api/invest/compare': async (f) => ({ client: await f.as('leasing:read'), path: `/api/invest/compare${q({ park: CODE, units: await f.unit(), within: 12 })}` }),

  // notifications and repairs (records kit)
  'GET /api/notifications': async (f) => ({ client: await f.as('authenticated'), path: `/api/notifications${q({ limit: 5 })}` }),
  'POST /api/notifications/read': async (f) => ({ client: await f.as('authenticated'), path: '/api/notifications/read', body: { all: true } }),
  'GET /api/notifications/prefs': async (f) => ({ client: await f.as('authenticated'), path: '/api/notifications/prefs' }),
  'PUT /api/notifications/prefs': async (f) => ({ client: await f.as('authenticated'), path: '/api/notifications/prefs', body: { email: null, channels: { '*': ['inapp'] } } }),
};

/** The modules' own cases (modules/<name>/contract.ts), merged; a key defined twice is an error. */
async function moduleCases(): Promise<Record<string, Case>> {
  const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../modules');
  const out: Record<string, Case> = {};
  for (const name of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, name, 'contract.ts');
    if (!fs.existsSync(file)) continue;
    const cases = ((await import(file)) as { CONTRACT?: ContractCases }).CONTRACT;
    if (!cases) throw new Error(`${file} exports no CONTRACT`);
    for (const [k, c] of Object.entries(cases)) {
      if (out[k] || CORE_CALLS[k]) throw new Error(`contract case ${k} is defined twice (modules/${name})`);
      out[k] = c;
    }
  }
  return out;
}

const CALLS: Record<string, Case> = { ...CORE_CALLS, ...(await moduleCases()) };

/** The bootstrap administrator holding an administrator permission. */
const ADMIN_OF: Record<string, 'sysadmin' | 'secadmin' | 'auditor'> = { system_admin: 'sysadmin', security_admin: 'secadmin', auditor: 'auditor' };

const routeKey = (r: Pick<RouteSpec, 'method' | 'path'>) => `${r.method} ${r.path}`;

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`OpenAPI document and route contract [${backend}]`, () => {
    let s: AuthTestServer;
    let f: Fixture;
    let doc: Record<string, unknown> & { paths: Record<string, Record<string, unknown>> };

    beforeAll(async () => {
      // The production module list; tiles are built by the rebuild route, not by a background watcher.
      const live = createLiveModule();
      const modules: TwinModule[] = allModules().map((m) => (m.name === 'tiles' ? tilesModule({ watch: false }) : m.name === 'live' ? live : m));
      s = await startAuthServer(backend, { modules });
      const db = s.server.sc.db;
      const seeded = await seedPark(db, { seed: 11, scale: 0.1, code: CODE });
      await live.runtime!.directory.reload();
      const one = async (sql: string, params: unknown[] = []) => {
        const r = await db.query<{ idx: number; code?: string }>(sql, params);
        if (!r.rows[0]) throw new Error(`fixture query found nothing: ${sql}`);
        return r.rows[0];
      };
      const park = seeded.parkIdx;
      const sensor = await one("SELECT e.idx, e.code FROM equipment e WHERE e.park_idx = $1 AND e.type = 'occupancy_sensor' AND e.room_idx IS NOT NULL ORDER BY e.idx LIMIT 1", [park]);
      const ids = {
        park,
        building: (await one('SELECT idx FROM building WHERE park_idx = $1 ORDER BY idx LIMIT 1', [park])).idx,
        room: (await one("SELECT r.idx FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1 AND r.lease_status = 'leased' ORDER BY r.idx LIMIT 1", [park])).idx,
        equipment: (await one('SELECT equipment_idx AS idx FROM work_order ORDER BY id LIMIT 1')).idx,
        segment: (await one('SELECT s.idx FROM pipe_segment s ORDER BY s.idx LIMIT 1')).idx,
        node: (await one('SELECT n.idx FROM pipe_node n WHERE EXISTS (SELECT 1 FROM pipe_segment s WHERE s.from_node = n.idx) ORDER BY n.idx LIMIT 1')).idx,
        enterprise: (await one('SELECT idx FROM enterprise WHERE park_idx = $1 ORDER BY idx LIMIT 1', [park])).idx,
        sensor: sensor.idx,
        sensorCode: sensor.code!,
      };
      const clients = new Map<string, HttpClient>();
      let tiles: Promise<string> | undefined;
      let alarmKinds = 0;
      const KINDS = ['equipment_fault', 'over_temperature', 'perimeter_intrusion', 'access_denied_burst', 'occupancy_over_capacity', 'energy_overload'];
      f = {
        s, ids,
        async as(permission) {
          const key = String(permission);
          const cached = clients.get(key);
          if (cached) return cached;
          const role = ROLES.find((r) => !r.enterpriseScoped && (permission === 'authenticated' || (r.permissions as readonly string[]).includes(permission)));
          if (!role) throw new Error(`no role holds ${permission}`);
          const c = ADMIN_OF[role.id] ? await s.admin(ADMIN_OF[role.id]!) : (await s.userWith([role.id])).client;
          clients.set(key, c);
          return c;
        },
        user: (roles) => s.userWith(roles),
        tiles() {
          tiles ??= (async () => {
            const r = await (await f.as('tiles:admin')).req('POST', `/api/tiles/${CODE}/rebuild`, { full: true });
            if (r.status !== 200) throw new Error(`tiles rebuild failed: ${r.status} ${r.text}`);
            const dir = path.join(s.server.sc.config.tilesetDir, CODE);
            const glb = fs.readdirSync(dir).find((n) => n.endsWith('.glb'));
            if (!glb) throw new Error('the rebuild wrote no GLB');
            return glb;
          })();
          return tiles;
        },
        async alarm() {
          // A distinct (object, kind) each time: one open alarm per pair is the rule (30 pairs; module
          // cases call this too, so more than the 12 of two objects).
          const n = alarmKinds++;
          const objects = [ids.room, ids.building, ids.equipment, ids.node, ids.segment];
          if (n >= objects.length * KINDS.length) throw new Error('contract fixture: more alarms asked for than distinct (object, kind) pairs');
          const idx = objects[Math.floor(n / KINDS.length)]!;
          const r = await db.query<{ id: number }>(
            `INSERT INTO alarm (idx, layer, kind, severity, message, raised_at) VALUES ($1, $2, $3, 2, 'contract test', now()) RETURNING id`,
            [idx, LAYERS[0]!.id, KINDS[n % KINDS.length]]);
          return r.rows[0]!.id;
        },
        async device() {
          const r = await (await f.as('security:admin')).req('POST', '/api/devices', { name: `Contract device ${Math.random().toString(36).slice(2)}`, kind: 'wall' });
          if (r.status !== 201) throw new Error(`device registration failed: ${r.status} ${r.text}`);
          return r.body as { id: string; token: string; pairingCode: string };
        },
        async unit() {
          const r = await (await f.as('leasing:read')).req('GET', `/api/invest/units${q({ park: CODE, within: 12, limit: 1 })}`);
          const u = (r.body as { units: { idx: number }[] }).units[0];
          if (!u) throw new Error(`no available unit: ${r.text}`);
          return u.idx;
        },
      };
      const res = await (await f.as('authenticated')).req('GET', '/api/openapi.json');
      expect(res.status).toBe(200);
      doc = res.body as typeof doc;
    }, 300_000);

    afterAll(async () => {
      await s?.server.stop();
    });

    it('passes the OpenAPI validator (swagger-parser) with 0 errors', async () => {
      expect(doc.openapi).toBe('3.1.0');
      await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
    });

    it('lists every route of the live route table and nothing else, each with its permission and error responses', () => {
      const table = s.server.routes;
      const fromTable = table.map((r) => `${r.method.toLowerCase()} ${openApiPath(r.path)}`).sort();
      const fromDoc = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)).sort();
      expect(fromDoc).toEqual(fromTable);
      expect(fromTable.length).toBeGreaterThan(50);
      for (const r of table) {
        const op = doc.paths[openApiPath(r.path)]![r.method.toLowerCase()] as { 'x-permission': string; description: string; responses: Record<string, unknown>; security: unknown[] };
        expect(op['x-permission'], routeKey(r)).toBe(r.permission);
        expect(op.description, routeKey(r)).toContain(r.permission === 'public' ? 'public' : r.permission === 'authenticated' ? 'authenticated' : r.permission);
        expect(Object.keys(op.responses), routeKey(r)).toContain(String(successStatus(r)));
        if (r.permission !== 'public') {
          expect(Object.keys(op.responses), routeKey(r)).toContain('401');
          expect(op.security.length, routeKey(r)).toBeGreaterThan(0);
        }
        for (const e of r.errors ?? []) expect(Object.keys(op.responses), routeKey(r)).toContain(String(e));
        // Statuses the handler visibly answers (ctx.throw(404, ...), fail(ctx, 409, ...), ctx.status = 422)
        // must be documented: a cheap guard against a forgotten `errors` entry.
        const src = `${r.handler.toString()}\n${r.object?.toString() ?? ''}`;
        const thrown = [...src.matchAll(/(?:ctx\.throw|fail)\(\s*(?:ctx,\s*)?(\d{3})|ctx\.status = (\d{3})/g)]
          .map((m) => Number(m[1] ?? m[2])).filter((n) => n >= 400);
        expect(thrown.filter((n) => !Object.keys(op.responses).includes(String(n))), `${routeKey(r)}: undocumented error statuses`).toEqual([]);
        // Every route declares what it answers: a JSON schema, or the media type of what it streams.
        expect(Boolean(r.response || r.produces || successStatus(r) === 204), `${routeKey(r)} declares no response`).toBe(true);
      }
    });

    it('has exactly one contract case per route', () => {
      const keys = s.server.routes.map(routeKey);
      expect(keys.filter((k) => !CALLS[k]), 'routes without a case in CALLS (add one)').toEqual([]);
      expect(Object.keys(CALLS).filter((k) => !keys.includes(k)), 'cases for routes that do not exist').toEqual([]);
    });

    it('answers one valid call per route with the declared status and a body its response schema accepts', async () => {
      const checked: string[] = [];
      for (const r of s.server.routes) {
        const key = routeKey(r);
        const make = CALLS[key];
        if (!make) continue; // reported by the coverage test
        const call = await make(f);
        const res: Res = await call.client.req(r.method, call.path, call.body ?? (r.method === 'GET' || r.method === 'DELETE' ? undefined : {}));
        // Soft expectations: one run reports every route that breaks its contract.
        expect.soft({ key, status: res.status, body: res.status === successStatus(r) ? '' : res.text.slice(0, 500) })
          .toEqual({ key, status: successStatus(r), body: '' });
        if (res.status !== successStatus(r)) continue;
        if (successStatus(r) === 204) {
          expect.soft(res.text, key).toBe('');
        } else if (r.response) {
          const parsed = r.response.safeParse(res.body);
          expect.soft(parsed.success ? [] : parsed.error.issues.slice(0, 3), `${key}: response does not match its schema`).toEqual([]);
          // Zod drops keys a schema does not declare: equality proves the schema names every field.
          if (parsed.success) expect.soft(parsed.data, `${key}: response has fields its schema does not declare`).toEqual(res.body);
        }
        if (r.produces) {
          const type = res.headers.get('content-type') ?? '';
          expect.soft([r.produces].flat().filter((t) => type.includes(t)), `${key}: content type ${type}`).not.toEqual([]);
        }
        checked.push(key);
      }
      expect(checked.length).toBe(s.server.routes.filter((r) => CALLS[routeKey(r)]).length);
      console.log(`[contract] ${backend}: ${checked.length} routes called, each matched its declared response`);
    }, 300_000);

    it('renders the reference page offline with every operation', async () => {
      const res = await (await f.as('authenticated')).req('GET', '/api/docs');
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.text).not.toMatch(/<script|https?:\/\/(?!json-schema)/);
      for (const p of Object.keys(doc.paths)) expect(res.text).toContain(`<code>${p}</code>`);
    });

    it('validates input before the handler: a bad query, path parameter or body is a 400 naming the field', async () => {
      const c = await f.as('alarm:read');
      const bad = await c.req('GET', '/api/alarms?limit=0');
      expect(bad.status).toBe(400);
      expect((bad.body as { error: { issues: { path: string }[] } }).error.issues[0]!.path).toBe('limit');
      const idx = await (await f.as('twin:read')).req('GET', '/api/twin/objects/abc/children');
      expect(idx.status).toBe(400);
      expect((idx.body as { error: { message: string } }).error.message).toContain('idx');
      const body = await (await f.as('park:write')).req('POST', '/api/wall/bookmarks', { park: CODE, name: '', camera: [1], layer: 'x' });
      expect(body.status).toBe(400);
      expect((body.body as { error: { issues: { path: string }[] } }).error.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['name', 'camera', 'layer']));
    });

    it.runIf(backend === 'pglite')('the committed client types equal what npm run gen:api makes from this document', async () => {
      const fresh = await generateClientTypes(doc);
      const committed = fs.existsSync(GENERATED) ? fs.readFileSync(GENERATED, 'utf8') : '';
      expect(committed === fresh, 'twin-client/src/api/generated.ts is stale: run npm run gen:api').toBe(true);
    });
  });
}
