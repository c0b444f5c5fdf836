import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.ts';
import type { ServerContext } from './context.ts';
import { openDb, migrate, type Db } from './db/index.ts';
import { createLogger, type Logger } from './log.ts';
import { createApp } from './http/app.ts';
import { closedGuardDeps } from './auth/guard.ts';
import { redirectPlainHttp, tlsFor } from './auth/tls.ts';
import { defaultDataDir } from './auth/audit.ts';
import type { RouteSpec } from './http/route.ts';
import type { TwinModule } from './modules/types.ts';
import { allModules } from './modules/index.ts';
import { moduleListModule, runModuleSeeds, selectModules, startJobs, type JobRunner } from './modules/kit.ts';
import { sampleParkSeeded } from './modules/sample.ts';
import { isKnownPermission, registerModulePermissions } from './auth/roles.ts';
import { registerDeviceTopics } from './ingest/identity.ts';
import { setModuleWsHandlers, type ModuleWsHandler } from './stream/moduleHandlers.ts';

/** A started twin-server. */
export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly sc: ServerContext;
  readonly routes: readonly RouteSpec[];
  readonly server: http.Server;
  /** The modules that run (TWIN_MODULES applied), in initialize order. */
  readonly modules: readonly TwinModule[];
  /** The enabled modules' scheduled jobs. */
  readonly jobs: JobRunner;
  close(): Promise<void>;
}

/** Options for tests and embedding. */
export interface StartOptions {
  readonly log?: Logger;
  /** Use this database instead of opening config.db (tests share one). */
  readonly db?: Db;
  readonly modules?: readonly TwinModule[];
  /** Folder of the built client to serve (tests); defaults to twin-client/dist. */
  readonly clientDir?: string;
}

/**
 * Picks the modules (TWIN_MODULES), registers their permissions, opens the database, migrates
 * (core, then each module's own folder), initializes every module, seeds the modules on the first
 * start's sample park, starts the modules' jobs, and listens. Shutdown stops the jobs, finalizes
 * modules in reverse order and closes the database (unless it was passed in).
 */
export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const log = opts.log ?? createLogger(config.logLevel);
  // Everything about the module set is checked before the database is touched.
  const modules = selectModules(opts.modules ?? allModules(), config.modules);
  if (!modules.some((m) => m.name === 'modules')) modules.push(moduleListModule(() => modules.map((m) => m.name)));
  registerModulePermissions(modules);
  registerDeviceTopics(modules);
  const db = opts.db ?? (await openDb(config.db));
  const ownsDb = !opts.db;
  let status;
  try {
    status = await migrate(db, {
      modules,
      onApply: (m) => log.info({ migration: `${m.version}_${m.name}`, ...(m.module ? { module: m.module } : {}) }, 'migration applied'),
    });
  } catch (err) {
    if (ownsDb) await db.close();
    throw err;
  }
  log.info({ backend: db.backend, migrationLevel: status.level, modules: modules.map((m) => m.name) }, 'database ready');
  const sc: ServerContext = { config, db, log };
  let jobs: JobRunner | null = null;
  const started: TwinModule[] = [];
  const finalizeAll = async () => {
    for (const m of started.reverse()) {
      try {
        await m.finalize?.();
      } catch (err) {
        log.error({ err, module: m.name }, 'finalize failed');
      }
    }
  };
  let wsHandlers: ModuleWsHandler[] = [];
  try {
    for (const m of modules) {
      await m.initialize?.(sc);
      started.push(m);
    }
    // The first start seeded the sample park: the modules add their sample data to it.
    const seededPark = sampleParkSeeded(sc);
    if (seededPark !== undefined) {
      const ran = await runModuleSeeds(sc, modules, seededPark);
      if (ran.length > 0) log.info({ modules: ran, parkIdx: seededPark }, 'module sample data seeded');
    }
    wsHandlers = modules.flatMap((m) => (m.wsHandlers?.(sc) ?? []).map((handler) => ({ module: m.name, handler })));
    const unknown = wsHandlers.filter((h) => !isKnownPermission(h.handler.permission)).map((h) => `module ${h.module}: WebSocket message ${h.handler.type} needs ${h.handler.permission}, which no module registers`);
    if (unknown.length > 0) throw new Error(`Unknown permissions:\n${unknown.map((p) => `  - ${p}`).join('\n')}`);
    jobs = startJobs(sc, modules);
  } catch (err) {
    await finalizeAll();
    if (ownsDb) await db.close();
    throw err;
  }
  const guards = modules.filter((m) => m.guard);
  if (guards.length > 1) throw new Error(`more than one module provides the guard: ${guards.map((m) => m.name).join(', ')}`);
  const { app, routes } = createApp(sc, {
    modules,
    guard: guards[0]?.guard?.(sc) ?? closedGuardDeps,
    before: modules.flatMap((m) => m.middleware?.(sc) ?? []),
    ...(opts.clientDir ? { clientDir: opts.clientDir } : {}),
  });
  // HTTPS with TWIN_TLS_CERT / TWIN_TLS_KEY, or a generated self-signed certificate when listening
  // beyond loopback (TWIN_TLS, auth/tls.ts); cookies then get Secure and responses HSTS.
  let tls: ReturnType<typeof tlsFor>;
  try {
    tls = tlsFor({ host: config.host, dataDir: config.db.backend === 'pglite' ? config.db.dataDir : defaultDataDir(), warn: (m) => log.warn(m) });
  } catch (err) {
    await jobs.stop();
    await finalizeAll();
    if (ownsDb) await db.close();
    throw err;
  }
  const unknownRoutes = routes.filter((r) => r.permission !== 'public' && r.permission !== 'authenticated' && !isKnownPermission(r.permission));
  if (unknownRoutes.length > 0) {
    await jobs.stop();
    await finalizeAll();
    if (ownsDb) await db.close();
    throw new Error(`Unknown permissions:\n${unknownRoutes.map((r) => `  - ${r.method} ${r.path} needs ${r.permission}, which no module registers`).join('\n')}`);
  }
  const server: http.Server = tls ? https.createServer(tls, app.callback()) : http.createServer(app.callback());
  if (tls) redirectPlainHttp(server as https.Server); // plain http:// on the same port gets a 308 to https://
  setModuleWsHandlers(server, wsHandlers);
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  for (const m of modules) m.attach?.(server, sc);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return {
    url: `${tls ? 'https' : 'http'}://${host}:${port}`,
    port,
    sc,
    routes,
    server,
    modules,
    jobs,
    async close() {
      // Stop accepting, drop idle keep-alive connections, then finalize modules while the server
      // drains: upgraded sockets (WebSockets) are not HTTP connections, so their owners close them.
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await jobs.stop();
      await finalizeAll();
      await drained;
      if (ownsDb) await db.close();
    },
  };
}
