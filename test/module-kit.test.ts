/**
 * The server module contract with a module that lives only under test/ (test/modules/sample-kit):
 * its migrations on both backends, its permissions, TWIN_MODULES switching it off, its seed hook,
 * its jobs and its WebSocket message. Real servers, real databases, real sockets.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { PROTOCOL_VERSION } from '@park-twin/layers';
import { describeEachBackend, createTestDb } from '../twin-server/src/db/testing.ts';
import { migrate, type AppliedMigration } from '../twin-server/src/db/migrate.ts';
import type { Db } from '../twin-server/src/db/types.ts';
import { loadConfig } from '../twin-server/src/config.ts';
import { createLogger, type Logger } from '../twin-server/src/log.ts';
import { ALL_PERMISSIONS, permissionsFor, registerModulePermissions, ROLES, WALL_PERMISSIONS } from '../twin-server/src/auth/roles.ts';
import { ACTIONS, MODULES } from '../twin-server/src/auth/types.ts';
import { healthModule } from '../twin-server/src/modules/health.ts';
import { sampleParkModule } from '../twin-server/src/modules/sample.ts';
import { createLiveModule } from '../twin-server/src/modules/live.ts';
import { authModule } from '../twin-server/src/auth/module.ts';
import { hashPassword } from '../twin-server/src/auth/password.ts';
import { HttpClient } from '../twin-server/src/auth/testing.ts';
import { runModuleSeeds, selectModules, startJobs } from '../twin-server/src/modules/kit.ts';
import { allModules } from '../twin-server/src/modules/index.ts';
import type { TwinModule } from '../twin-server/src/modules/types.ts';
import { seedWithModules } from '../twin-server/src/cli/seed.ts';
import { insertLiveFixture } from '../twin-server/src/stream/testing.ts';
import { startTestServer, type TestServer } from '../twin-server/src/testing/server.ts';
import { sampleKitModule } from './modules/sample-kit/index.ts';


const tableExists = async (db: Db, name: string) =>
  (await db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [name])).rows[0]!.t !== null;
const kitVersions = async (db: Db, module: string) =>
  (await db.query<{ version: number }>('SELECT version FROM module_migrations WHERE module = $1 ORDER BY version', [module])).rows.map((r) => r.version);

/** A module whose one migration needs the sample kit's table: it must run after the kit's. */
function dependentModule(dir: string, name = 'after-kit', sql = 'CREATE TABLE after_kit (note integer REFERENCES sample_kit_note (id))'): TwinModule {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, '001_after_kit.sql'), sql);
  return { name, migrations: dir };
}

describeEachBackend('module migrations', ({ db, backend }) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kit-mig-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('applies a module\'s own folder after the core ones, modules in registration order, once each', async () => {
    const applied: AppliedMigration[] = [];
    const mods = [sampleKitModule(), dependentModule(path.join(tmp, 'after'))];
    const s = await migrate(db(), { modules: mods, onApply: (m) => applied.push(m) });
    expect(applied.map((m) => `${m.module}/${m.version}`)).toEqual(['sample-kit/1', 'sample-kit/2', 'after-kit/1']);
    expect(s.modules).toEqual({ 'sample-kit': [1, 2], 'after-kit': [1] });
    expect(await tableExists(db(), 'sample_kit_note')).toBe(true);
    expect(await tableExists(db(), 'after_kit')).toBe(true);
    // Both modules have a 001: recorded per module, not in the core table.
    const core = await db().query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations WHERE version = 1');
    expect(core.rows[0]!.n).toBe(1);
    const again: AppliedMigration[] = [];
    await migrate(db(), { modules: mods, onApply: (m) => again.push(m) });
    expect(again).toEqual([]);
  });

  it('leaves a module that is not passed alone: no run, its tables stay', async () => {
    const off = dependentModule(path.join(tmp, 'off'), 'off-kit', 'CREATE TABLE off_kit (x integer)');
    await migrate(db(), { modules: [sampleKitModule()] });
    expect(await kitVersions(db(), 'off-kit')).toEqual([]);
    expect(await tableExists(db(), 'off_kit')).toBe(false);
    await migrate(db(), { modules: [off] });
    expect(await tableExists(db(), 'off_kit')).toBe(true);
    await migrate(db(), { modules: [] }); // switched off again
    expect(await tableExists(db(), 'off_kit')).toBe(true);
    expect(await tableExists(db(), 'sample_kit_note')).toBe(true);
  });

  it('a failing migration names its module and file, and leaves nothing recorded', async () => {
    const bad = dependentModule(path.join(tmp, 'bad'), 'bad-kit', 'CREATE TABLE bad_kit (x integer); SELECT * FROM no_such_table');
    await expect(migrate(db(), { modules: [bad] })).rejects.toThrow(/module bad-kit: migration 001_after_kit\.sql failed/);
    expect(await kitVersions(db(), 'bad-kit')).toEqual([]);
    expect(await tableExists(db(), 'bad_kit')).toBe(false);
    await expect(migrate(db(), { modules: [{ name: 'rel', migrations: 'relative/dir' }] })).rejects.toThrow(/absolute/);
  });

  it.runIf(backend === 'postgres')('two servers migrating one database at once apply each module migration once', async () => {
    const dir = path.join(tmp, 'race');
    const race = dependentModule(dir, 'race-kit', 'CREATE TABLE race_kit (x integer)');
    const seen: AppliedMigration[] = [];
    await Promise.all([1, 2, 3].map(() => migrate(db(), { modules: [race], onApply: (m) => seen.push(m) })));
    expect(seen.filter((m) => m.module === 'race-kit')).toHaveLength(1);
  });
});

describe('module permissions', () => {
  afterAll(() => registerModulePermissions([]));

  it('grants each to the declared roles only, and the matrix lists them', () => {
    registerModulePermissions([sampleKitModule()]);
    expect(permissionsFor(['property_manager']).has('sample-kit:write')).toBe(true);
    expect(permissionsFor(['property_manager']).has('sample-kit:read')).toBe(true);
    expect(permissionsFor(['maintenance']).has('sample-kit:read')).toBe(true);
    expect(permissionsFor(['maintenance']).has('sample-kit:write')).toBe(false);
    for (const r of ROLES.filter((x) => !['maintenance', 'property_manager', 'leadership_viewer'].includes(x.id))) {
      expect([...permissionsFor([r.id])].filter((p) => p.startsWith('sample-kit:')), r.id).toEqual([]);
    }
    expect(WALL_PERMISSIONS.has('sample-kit:read')).toBe(true); // walls: the leadership viewer's reads
    expect(ALL_PERMISSIONS).toContain('sample-kit:write');
    expect(MODULES).toContain('sample-kit');
    expect(ROLES.find((r) => r.id === 'property_manager')!.permissions).toContain('sample-kit:write');
    // Switched off: gone everywhere.
    registerModulePermissions([]);
    expect(permissionsFor(['property_manager']).has('sample-kit:write')).toBe(false);
    expect(ALL_PERMISSIONS).not.toContain('sample-kit:write');
    expect(MODULES).not.toContain('sample-kit');
    expect(ACTIONS).toEqual(['read', 'write', 'control', 'admin']);
    expect(WALL_PERMISSIONS.has('sample-kit:read')).toBe(false);
  });

  it('refuses an unknown role, a foreign prefix, a core permission and a duplicate, naming each; changes nothing', () => {
    registerModulePermissions([sampleKitModule()]);
    const bad: TwinModule = {
      name: 'bad-kit',
      permissions: [
        { permission: 'bad-kit:read', summary: '', roles: ['maintenance', 'janitor'] },
        { permission: 'sample-kit:steal', summary: '', roles: ['maintenance'] },
        { permission: 'bad-kit', summary: '', roles: [] },
        { permission: 'bad-kit:read', summary: '', roles: [] },
      ],
    };
    const twin: TwinModule = { name: 'twin', permissions: [{ permission: 'twin:read', summary: '', roles: [] }] };
    let msg = '';
    try {
      registerModulePermissions([bad, twin]);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/bad-kit: permission "bad-kit:read" names unknown role\(s\) janitor/);
    expect(msg).toMatch(/permission "sample-kit:steal" must be "bad-kit:<action>"/);
    expect(msg).toMatch(/permission "bad-kit" must be/);
    expect(msg).toMatch(/"bad-kit:read" registered twice/);
    expect(msg).toMatch(/"twin:read" is a core permission/);
    expect(permissionsFor(['property_manager']).has('sample-kit:write')).toBe(true); // the old registration stands
  });
});

describe('TWIN_MODULES selection', () => {
  const all: TwinModule[] = [healthModule, { name: 'auth' }, { name: 'map' }, sampleKitModule(), { name: 'ops' }];
  it('keeps core modules, drops the others not named, refuses unknown names', () => {
    expect(selectModules(all, null).map((m) => m.name)).toEqual(['health', 'auth', 'map', 'sample-kit', 'ops']);
    expect(selectModules(all, []).map((m) => m.name)).toEqual(['health', 'auth']);
    expect(selectModules(all, ['ops', 'sample-kit']).map((m) => m.name)).toEqual(['health', 'auth', 'sample-kit', 'ops']);
    expect(() => selectModules(all, ['opss'])).toThrow(/TWIN_MODULES: unknown module\(s\) opss; known: health, auth, map, sample-kit, ops/);
    expect(() => selectModules([...all, { name: 'map' }], null)).toThrow(/two modules are named map/);
    expect(loadConfig({ TWIN_MODULES: 'none' }).modules).toEqual([]);
    expect(loadConfig({ TWIN_MODULES: ' map, ops ' }).modules).toEqual(['map', 'ops']);
    expect(loadConfig({}).modules).toBeNull();
    expect(() => loadConfig({ TWIN_MODULES: 'Map;ops' })).toThrow(/TWIN_MODULES/);
    // The production list: every name is well formed and unique.
    expect(selectModules(allModules(), null).length).toBe(allModules().length);
  });
});

describe('jobs', () => {
  const logOf = () => {
    const errors: { obj: Record<string, unknown>; msg: string }[] = [];
    const log = { info: () => {}, warn: () => {}, debug: () => {}, error: (obj: Record<string, unknown>, msg: string) => errors.push({ obj, msg }) } as unknown as Logger;
    return { log, errors };
  };

  it('never overlaps runs of one job, even when a run takes longer than the period, and stop waits for the run', async () => {
    const kit = sampleKitModule({ tickEveryMs: 20, tickTakesMs: 90 });
    const { log } = logOf();
    const runner = startJobs({ config: loadConfig({}), db: null as never, log }, [kit]);
    while (kit.ticks.runs < 4) await new Promise((r) => setTimeout(r, 20));
    await runner.stop();
    expect(kit.ticks.maxConcurrent).toBe(1);
    expect(kit.ticks.concurrent).toBe(0);
    const after = kit.ticks.runs;
    await new Promise((r) => setTimeout(r, 200));
    expect(kit.ticks.runs).toBe(after);
  });

  it('logs a failing run with its module and job, and keeps the job going', async () => {
    const kit = sampleKitModule({ tickEveryMs: 15, tickFails: true });
    const { log, errors } = logOf();
    const runner = startJobs({ config: loadConfig({}), db: null as never, log }, [kit]);
    while (kit.ticks.runs < 3) await new Promise((r) => setTimeout(r, 10));
    await runner.stop();
    expect(errors.length).toBeGreaterThanOrEqual(3);
    expect(errors[0]).toMatchObject({ obj: { module: 'sample-kit', job: 'tick' }, msg: 'scheduled job failed' });
    expect(runner.stats[0]).toMatchObject({ module: 'sample-kit', name: 'tick', lastError: 'tick failed on purpose' });
  });
});

describe('seed hook', () => {
  let t: Awaited<ReturnType<typeof createTestDb>>;
  beforeAll(async () => {
    t = await createTestDb('pglite');
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('twin seed runs each enabled module\'s seed on the new park; a second run adds nothing', async () => {
    const config = loadConfig({ TWIN_LOG_LEVEL: 'silent' });
    const notes = async () => (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sample_kit_note')).rows[0]!.n;
    const kit = sampleKitModule();
    const first = await seedWithModules(t.db, config, { seed: 7, scale: 0.05, code: 'kit-park', modules: [healthModule, kit] });
    expect(first.modules).toEqual(['sample-kit']);
    expect(await notes()).toBe(1);
    const n = await t.db.query<{ idx: number }>('SELECT idx FROM sample_kit_note');
    expect(n.rows[0]!.idx).toBe(first.park.parkIdx);
    await runModuleSeeds({ config, db: t.db, log: createLogger('silent') }, [kit], first.park.parkIdx);
    expect(await notes()).toBe(1);
    // Switched off: `twin seed` neither migrates nor seeds it.
    const off = await seedWithModules(t.db, loadConfig({ TWIN_MODULES: 'none', TWIN_LOG_LEVEL: 'silent' }), { seed: 8, scale: 0.05, code: 'kit-park-2', modules: [healthModule, kit] });
    expect(off.modules).toEqual([]);
    expect(await notes()).toBe(1);
  });
});

/** A real server with the auth platform, the live stream and `modules`, under TWIN_MODULES `env`. */
async function startKitServer(modules: TwinModule[], env: Record<string, string> = {}) {
  const auth = authModule({
    dataKey: randomBytes(32), sweepIntervalMs: null, print: () => {},
    settings: { adminPassword: 'Start-Pass-2026', rateLoginPerMinute: 100_000, rateApiPerMinute: 1_000_000, auditRefusalsPerMinute: 1_000_000 },
  });
  const server = await startTestServer('pglite', { env, modules: [healthModule, auth, createLiveModule({ mqtt: false }), ...modules] });
  let n = 0;
  const userWith = async (roles: string[]) => {
    const username = `k${++n}-${randomBytes(3).toString('hex')}`;
    const password = `Pw-${randomBytes(6).toString('hex')}-X1`;
    await server.sc.db.query(
      `INSERT INTO app_user (username, display_name, password_hash, roles, must_change_password, password_changed_at, created_at)
       VALUES ($1, $1, $2, $3, false, now(), now())`, [username, await hashPassword(password), roles]);
    const client = new HttpClient(server.url);
    await client.login(username, password);
    return client;
  };
  return { server, userWith };
}

describe('a module switched on and off in a running server', () => {
  let on: Awaited<ReturnType<typeof startKitServer>> | undefined;
  let off: Awaited<ReturnType<typeof startKitServer>> | undefined;
  afterAll(async () => {
    await on?.server.stop();
    await off?.server.stop();
  });

  it('on: its routes answer by permission, GET /api/modules lists it, its job runs', async () => {
    const kit = sampleKitModule({ tickEveryMs: 30 });
    on = await startKitServer([kit]);
    const s = on.server;
    expect(s.routes.some((r) => r.path === '/api/sample-kit/notes')).toBe(true);
    const fx = await insertLiveFixture(s.sc.db, 'kitpark', 1);
    const pm = await on.userWith(['property_manager']);
    const mt = await on.userWith(['maintenance']);
    const inv = await on.userWith(['investment']);
    expect((await pm.req('GET', '/api/modules')).body).toEqual({ modules: ['health', 'auth', 'live', 'sample-kit', 'modules'] });
    const created = await pm.req('POST', '/api/sample-kit/notes', { idx: fx.rooms[0], text: 'leaking tap' });
    expect(created.status).toBe(201);
    expect((await pm.req('POST', '/api/sample-kit/notes', { idx: fx.rooms[0], text: 'leaking tap' })).status).toBe(409);
    expect((await pm.req('POST', '/api/sample-kit/notes', { idx: fx.rooms[0], text: '' })).status).toBe(400);
    expect((await mt.req('POST', '/api/sample-kit/notes', { idx: fx.rooms[0], text: 'x' })).status).toBe(403);
    expect((await mt.req('GET', '/api/sample-kit/notes')).body).toMatchObject([{ text: 'leaking tap' }]);
    expect((await inv.req('GET', '/api/sample-kit/notes')).status).toBe(403);
    const me = await pm.req('GET', '/api/auth/me');
    expect(JSON.stringify(me.body)).toContain('sample-kit:write');
    // The admin panel's permission matrix: the module is a row, its grants are in the roles.
    const roles = (await (await on.userWith(['security_admin'])).req('GET', '/api/roles')).body as {
      modules: string[]; permissions: string[]; roles: { id: string; permissions: string[] }[];
    };
    expect(roles.modules).toContain('sample-kit');
    expect(roles.permissions).toEqual(expect.arrayContaining(['sample-kit:read', 'sample-kit:write']));
    expect(roles.roles.find((r) => r.id === 'property_manager')!.permissions).toContain('sample-kit:write');
    expect(roles.roles.find((r) => r.id === 'investment')!.permissions.filter((x) => x.startsWith('sample-kit:'))).toEqual([]);
    while (kit.ticks.runs < 2) await new Promise((r) => setTimeout(r, 20));
    // Core modules keep their own jobs (health runs the scheduled backups); the test module brings exactly one.
    expect(s.jobs.stats.filter((j) => j.module !== 'health').map((j) => `${j.module}/${j.name}`)).toEqual(['sample-kit/tick']);
    await s.stop();
    const runs = kit.ticks.runs;
    await new Promise((r) => setTimeout(r, 150));
    expect(kit.ticks.runs).toBe(runs); // stopped with the server
    on = undefined;
  });

  it('off (TWIN_MODULES=none): no route, no migration run, no job, no grants, not listed', async () => {
    const kit = sampleKitModule({ tickEveryMs: 30 });
    off = await startKitServer([kit], { TWIN_MODULES: 'none' });
    const s = off.server;
    expect(s.modules.map((m) => m.name)).not.toContain('sample-kit');
    expect(s.routes.some((r) => r.path.startsWith('/api/sample-kit'))).toBe(false);
    const pm = await off.userWith(['property_manager']);
    expect((await pm.req('GET', '/api/sample-kit/notes')).status).toBe(404);
    expect((await pm.req('GET', '/api/modules')).body).toEqual({ modules: ['health', 'auth', 'live', 'modules'] });
    expect(await tableExists(s.sc.db, 'sample_kit_note')).toBe(false);
    expect(await tableExists(s.sc.db, 'module_migrations')).toBe(false);
    expect(s.jobs.stats.filter((j) => j.module !== 'health')).toEqual([]);
    await new Promise((r) => setTimeout(r, 120));
    expect(kit.ticks.runs).toBe(0);
    expect(JSON.stringify((await pm.req('GET', '/api/auth/me')).body)).not.toContain('sample-kit');
    expect(permissionsFor(['property_manager']).has('sample-kit:write')).toBe(false);
  });
});

describe('first start', () => {
  let s: TestServer | undefined;
  afterAll(async () => {
    await s?.stop();
  });

  it('the sample park seeded on the first start gets each enabled module\'s sample data', async () => {
    s = await startTestServer('pglite', { env: { TWIN_SEED_ON_START: '1', TWIN_SCALE: '0.05' }, modules: [healthModule, sampleParkModule, sampleKitModule()] });
    const r = await s.sc.db.query<{ text: string; kind: string }>('SELECT n.text, o.kind FROM sample_kit_note n JOIN twin_object o USING (idx)');
    expect(r.rows).toEqual([{ text: 'welcome to the park', kind: 'park' }]);
  });
});

describe('module WebSocket messages', () => {
  let k: Awaited<ReturnType<typeof startKitServer>> | undefined;
  afterAll(async () => {
    await k?.server.stop();
  });

  interface Sock { ws: WebSocket; msgs: { type: string; code?: string; message?: string; text?: string; by?: string }[]; next(): Promise<Sock['msgs'][number]> }
  const open = (url: string, c: HttpClient): Promise<Sock> => new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { headers: { Cookie: [...c.cookies].map(([a, b]) => `${a}=${b}`).join('; '), Origin: url } });
    const msgs: Sock['msgs'] = [];
    const waiters: (() => void)[] = [];
    const s: Sock = {
      ws, msgs,
      next: () => new Promise((r) => {
        const take = () => (msgs.length > 0 ? r(msgs.shift()!) : waiters.push(take));
        take();
      }),
    };
    ws.on('message', (d, bin) => {
      if (bin) return;
      const m = JSON.parse(String(d)) as Sock['msgs'][number];
      if (m.type === 'welcome') return resolve(s);
      msgs.push(m);
      for (const w of waiters.splice(0)) w();
    });
    ws.once('error', reject);
  });

  it('dispatches a module type after hello, checking its permission (audited once) and its schema', async () => {
    k = await startKitServer([sampleKitModule()]);
    const url = k.server.url.replace('localhost', '127.0.0.1');
    const mt = await open(url, await k.userWith(['maintenance']));
    mt.ws.send(JSON.stringify({ type: 'sample-kit.echo', text: 'hi' }));
    expect(await mt.next()).toMatchObject({ type: 'error', code: 'not-ready' });
    mt.ws.send(JSON.stringify({ type: 'hello', version: PROTOCOL_VERSION }));
    mt.ws.send(JSON.stringify({ type: 'sample-kit.echo', text: 'hi' }));
    expect(await mt.next()).toMatchObject({ type: 'sample-kit.echo', text: 'hi' });
    for (const bad of [{ type: 'sample-kit.echo' }, { type: 'sample-kit.echo', text: 'x'.repeat(101) }, { type: 'sample-kit.echo', text: 'hi', extra: 1 }]) {
      mt.ws.send(JSON.stringify(bad));
      const e = await mt.next();
      expect(e).toMatchObject({ type: 'error', code: 'bad-message' });
      expect(e.message).toMatch(/^sample-kit\.echo: /);
    }
    mt.ws.send(JSON.stringify({ type: 'sample-kit.boom' }));
    expect(await mt.next()).toMatchObject({ type: 'error', code: 'bad-message', message: 'sample-kit.boom: could not be handled' });
    mt.ws.send(JSON.stringify({ type: 'no-such-kit.echo' }));
    expect(await mt.next()).toMatchObject({ type: 'error', code: 'bad-message' });
    mt.ws.send(JSON.stringify({ type: 'ping', t: 5 }));
    expect(await mt.next()).toMatchObject({ type: 'pong' }); // the socket lives on

    const denials = async () => (await k!.server.sc.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'stream.denied' AND detail LIKE '%sample-kit%'")).rows[0]!.n;
    const inv = await open(url, await k.userWith(['investment']));
    inv.ws.send(JSON.stringify({ type: 'hello', version: PROTOCOL_VERSION }));
    for (let i = 0; i < 3; i++) {
      inv.ws.send(JSON.stringify({ type: 'sample-kit.echo', text: 'hi' }));
      expect(await inv.next()).toMatchObject({ type: 'error', code: 'forbidden', message: 'sample-kit.echo: sample-kit:read required' });
    }
    for (let i = 0; i < 50 && (await denials()) < 1; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200));
    expect(await denials()).toBe(1);
    mt.ws.close();
    inv.ws.close();
  });
});
