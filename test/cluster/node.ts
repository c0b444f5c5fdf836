/**
 * One cluster test node: a real twin-server process (HTTP, /ws hub, MQTT ingest on the shared
 * broker, health with readiness) on a fixed loopback port over an existing PostgreSQL database.
 * The stream and the API are open (test guard), so the failover test needs no accounts.
 * Started by test/cluster/harness.ts; prints `ready <url>` once listening; kill -9 is the point.
 *
 * Environment: CLUSTER_DB_URL, MQTT_URL, PORT, CLUSTER_TMP (its tileset/data folder), CLUSTER_CLIENT_ID,
 * TWIN_DATA_DIR and TWIN_TLS (read by the server itself: its certificate and keys).
 */
import path from 'node:path';
import { loadConfig } from '../../twin-server/src/config.ts';
import { createLogger } from '../../twin-server/src/log.ts';
import { startServer } from '../../twin-server/src/server.ts';
import { healthModule } from '../../twin-server/src/modules/health.ts';
import { createLiveModule } from '../../twin-server/src/modules/live.ts';
import { openGuardModule, openStreamAuth } from '../../twin-server/src/stream/testing.ts';

const env = process.env;
const tmp = env.CLUSTER_TMP!;
const config = loadConfig({
  PORT: env.PORT!,
  HOST: '127.0.0.1',
  DATABASE_URL: env.CLUSTER_DB_URL!,
  MQTT_URL: env.MQTT_URL!,
  TWIN_SEED_ON_START: '0',
  TWIN_SIMULATOR: '0',
  TWIN_TILESET_DIR: path.join(tmp, 'tilesets'),
  TWIN_DATA_DIR: path.join(tmp, 'data'),
  TWIN_LOG_LEVEL: env.TWIN_TEST_LOG_LEVEL ?? 'warn',
}, tmp);
const log = createLogger(config.logLevel);
// A persistent broker session per node (as in production), expiring soon after the test
// (CLUSTER_SESSION_EXPIRY: longer for drills that keep a node away for a minute).
const live = createLiveModule({ auth: () => openStreamAuth(), session: { clientId: env.CLUSTER_CLIENT_ID!, expirySeconds: Number(env.CLUSTER_SESSION_EXPIRY ?? 30) } });
const s = await startServer(config, { log, modules: [healthModule, openGuardModule, live] });
process.stdout.write(`ready ${s.url}\n`);
const stop = async () => {
  await s.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
