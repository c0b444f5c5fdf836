import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.ts';
import type { ServerContext } from './context.ts';
import { openDb, migrate, type Db } from './db/index.ts';
import { createLogger, type Logger } from './log.ts';
import { createApp } from './http/app.ts';
import { closedGuardDeps } from './auth/guard.ts';
import { tlsFromEnv } from './auth/tls.ts';
import type { RouteSpec } from './http/route.ts';
import type { TwinModule } from './modules/types.ts';
import { allModules } from './modules/index.ts';

/** A started twin-server. */
export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly sc: ServerContext;
  readonly routes: readonly RouteSpec[];
  readonly server: http.Server;
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
 * Opens the database, migrates, initializes every module, and listens. Shutdown finalizes
 * modules in reverse order and closes the database (unless it was passed in).
 */
export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const log = opts.log ?? createLogger(config.logLevel);
  const db = opts.db ?? (await openDb(config.db));
  const ownsDb = !opts.db;
  const status = await migrate(db, { onApply: (m) => log.info({ migration: `${m.version}_${m.name}` }, 'migration applied') });
  log.info({ backend: db.backend, migrationLevel: status.level }, 'database ready');
  const sc: ServerContext = { config, db, log };
  const modules = [...(opts.modules ?? allModules())];
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
  try {
    for (const m of modules) {
      await m.initialize?.(sc);
      started.push(m);
    }
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
  // HTTPS when TWIN_TLS_CERT / TWIN_TLS_KEY are set (Y3); cookies then get Secure and responses HSTS.
  const tls = tlsFromEnv();
  const server: http.Server = tls ? https.createServer(tls, app.callback()) : http.createServer(app.callback());
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
    async close() {
      // Stop accepting, drop idle keep-alive connections, then finalize modules while the server
      // drains: upgraded sockets (WebSockets) are not HTTP connections, so their owners close them.
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await finalizeAll();
      await drained;
      if (ownsDb) await db.close();
    },
  };
}
