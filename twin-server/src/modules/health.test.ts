/**
 * /api/health readiness for a load balancer (issue 21): `?ready=1` answers 503 while the node's
 * broker is away or its database does not answer, 200 again once they are back; plain
 * /api/health stays a liveness check (database only). Real broker (aedes on its own port), real
 * PostgreSQL (connections to the node's database cut by the server).
 */
import net from 'node:net';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../ingest/mqtt.ts';
import { healthModule } from './health.ts';
import { createLiveModule } from './live.ts';

const PG_ADMIN_URL = process.env.TWIN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function get(s: TestServer, path: string): Promise<{ status: number; body: unknown }> {
  const r = await fetch(`${s.url}${path}`);
  return { status: r.status, body: await r.json() };
}

async function until(fn: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe.skipIf(inject('pgMissing') !== null)('GET /api/health?ready=1 [postgres]', () => {
  let broker: EmbeddedBroker | undefined;
  let s: TestServer | undefined;
  afterAll(async () => {
    await s?.stop();
    await broker?.close();
  });

  it('is 503 while the broker is down or the database refuses connections, 200 when both are back; liveness ignores the broker', async () => {
    const port = await freePort();
    broker = await startEmbeddedBroker(port);
    s = await startTestServer('postgres', { env: { MQTT_URL: `mqtt://127.0.0.1:${port}` }, modules: [healthModule, createLiveModule()] });
    expect(await get(s, '/api/health?ready=1')).toEqual({ status: 200, body: { status: 'ok' } });
    expect((await get(s, '/api/health?ready=yes')).status).toBe(400);

    await broker.close();
    broker = undefined;
    await until(async () => (await get(s!, '/api/health?ready=1')).status === 503);
    expect(await get(s, '/api/health?ready=1')).toEqual({ status: 503, body: { status: 'unavailable' } });
    expect(await get(s, '/api/health')).toEqual({ status: 200, body: { status: 'ok' } });

    broker = await startEmbeddedBroker(port);
    await until(async () => (await get(s!, '/api/health?ready=1')).status === 200);

    const name = new URL(s.testDb.url!).pathname.slice(1);
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
      expect(await get(s, '/api/health?ready=1')).toEqual({ status: 503, body: { status: 'unavailable' } });
      expect(await get(s, '/api/health')).toEqual({ status: 503, body: { status: 'unavailable' } });
    } finally {
      await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    await until(async () => (await get(s!, '/api/health?ready=1')).status === 200);
  }, 120_000);
});
