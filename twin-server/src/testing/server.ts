/**
 * Starts a real twin-server on an ephemeral port over a fresh test database, for HTTP, WebSocket
 * and browser tests. Nothing is mocked: the modules are the production ones unless overridden.
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import type { Backend } from '../db/types.ts';
import { createTestDb, type TestDb } from '../db/testing.ts';
import { loadConfig, type Config } from '../config.ts';
import { createLogger, type Logger } from '../log.ts';
import { startServer, type RunningServer, type StartOptions } from '../server.ts';

/** A server plus the database under it. */
export interface TestServer extends RunningServer {
  readonly testDb: TestDb;
  /** Stops the server and drops its database. */
  stop(): Promise<void>;
}

/**
 * Starts a server over a new database. `env` overrides settings (e.g. MQTT_URL); the port is
 * always ephemeral and the tileset folder a temp dir unless given.
 */
export async function startTestServer(
  backend: Backend,
  opts: { env?: Record<string, string>; modules?: StartOptions['modules']; testDb?: TestDb; clientDir?: string; log?: Logger } = {},
): Promise<TestServer> {
  const testDb = opts.testDb ?? (await createTestDb(backend));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-srv-'));
  const config: Config = loadConfig(
    {
      PORT: '0',
      HOST: '127.0.0.1',
      TWIN_SEED_ON_START: '0',
      TWIN_SIMULATOR: '0',
      TWIN_TILESET_DIR: path.join(tmp, 'tilesets'),
      TWIN_DATA_DIR: path.join(tmp, 'data'),
      TWIN_LOG_LEVEL: process.env.TWIN_TEST_LOG_LEVEL ?? 'silent',
      ...opts.env,
    },
    tmp,
  );
  const s = await startServer(config, {
    db: testDb.db,
    log: opts.log ?? createLogger(config.logLevel),
    ...(opts.modules ? { modules: opts.modules } : {}),
    ...(opts.clientDir ? { clientDir: opts.clientDir } : {}),
  });
  return {
    ...s,
    testDb,
    async stop() {
      await s.close();
      if (!opts.testDb) await testDb.drop();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
