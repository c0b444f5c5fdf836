/**
 * Probes the real services once per test run. With TWIN_REQUIRE_ALL=1 (CI) a missing PostgreSQL
 * + PostGIS, mosquitto or Chromium fails the run here instead of letting tests skip silently.
 * Also builds one migrated PGlite template that test files clone (about 4 s instead of 11 s each).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openPglite } from '../twin-server/src/db/pglite.ts';
import { migrate } from '../twin-server/src/db/migrate.ts';

export const PG_ADMIN_URL = process.env.TWIN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const MQTT_TEST_URL = process.env.TWIN_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
export const CHROMIUM_PATH = process.env.TWIN_CHROMIUM ?? '/usr/bin/chromium';

async function probePostgis(): Promise<string | null> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    const r = await c.query("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'");
    return r.rowCount ? null : 'PostgreSQL is up but the postgis extension is not installed';
  } catch (e) {
    return `PostgreSQL not reachable at ${PG_ADMIN_URL.replace(/:[^:@/]*@/, ':***@')}: ${(e as Error).message}`;
  } finally {
    await c.end().catch(() => {});
  }
}

function probeTcp(url: string): Promise<string | null> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port || 1883) });
    const done = (msg: string | null) => {
      s.destroy();
      resolve(msg);
    };
    s.once('connect', () => done(null));
    s.once('error', (e) => done(`MQTT broker not reachable at ${url}: ${e.message}`));
    s.setTimeout(3000, () => done(`MQTT broker at ${url} timed out`));
  });
}


export default async function setup(project: TestProject): Promise<() => void> {
  const [pgMissing, mqttMissing] = await Promise.all([probePostgis(), probeTcp(MQTT_TEST_URL)]);
  const chromiumMissing = fs.existsSync(CHROMIUM_PATH) ? null : `Chromium not found at ${CHROMIUM_PATH}`;
  const missing = [pgMissing, mqttMissing, chromiumMissing].filter((m): m is string => m !== null);
  if (process.env.TWIN_REQUIRE_ALL === '1' && missing.length > 0) {
    throw new Error(`TWIN_REQUIRE_ALL=1 but required services are missing:\n - ${missing.join('\n - ')}`);
  }
  for (const m of missing) console.warn(`[test setup] ${m}: those tests are skipped`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-test-'));
  const template = path.join(dir, 'pglite-template.tgz');
  const db = await openPglite({ dataDir: 'memory://' });
  await migrate(db);
  fs.writeFileSync(template, Buffer.from(await (await db.dump()).arrayBuffer()));
  await db.close();

  project.provide('pgMissing', pgMissing);
  project.provide('mqttMissing', mqttMissing);
  project.provide('chromiumMissing', chromiumMissing);
  project.provide('pgliteTemplate', template);
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
