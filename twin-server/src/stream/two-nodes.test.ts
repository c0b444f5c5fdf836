/**
 * Two twin-server nodes on one mosquitto and one PostgreSQL: a published message reaches the
 * WebSocket clients of both nodes, and is stored once (history row, alarm) although both persist.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LAYER_IDS, STATUS, FRAME } from '@park-twin/layers';
import { createTestDb, type TestDb } from '../db/testing.ts';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { healthModule } from '../modules/health.ts';
import { createLiveModule } from '../modules/live.ts';
import { insertLiveFixture, openGuardModule, openStreamAuth, TestClient, type LiveFixture } from './testing.ts';

const run = promisify(execFile);
const MQTT = process.env.TWIN_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

describe.skipIf(inject('mqttMissing') !== null || inject('pgMissing') !== null)('two servers, one broker, one database', () => {
  let t: TestDb;
  let a: TestServer;
  let b: TestServer;
  let fx: LiveFixture;
  const liveA = createLiveModule({ auth: () => openStreamAuth() });
  const liveB = createLiveModule({ auth: () => openStreamAuth() });
  const park = `two-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    t = await createTestDb('postgres');
    fx = await insertLiveFixture(t.db, park);
    a = await startTestServer('postgres', { testDb: t, env: { MQTT_URL: MQTT }, modules: [healthModule, openGuardModule, liveA] });
    b = await startTestServer('postgres', { testDb: t, env: { MQTT_URL: MQTT }, modules: [healthModule, openGuardModule, liveB] });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await t?.drop();
  });

  it('delivers the same update to clients of both nodes and stores it once', async () => {
    const clients = await Promise.all([a, b].map(async (s) => {
      const c = await TestClient.connect(s.url);
      c.send({ type: 'hello', version: 1 });
      c.send({ type: 'subscribe', layers: ['security'] });
      await c.until(() => c.frames.some((f) => f.kind === FRAME.snapshot));
      return c;
    }));
    expect(clients[0]!.welcome.epoch).not.toBe(clients[1]!.welcome.epoch);
    const u = new URL(MQTT);
    await run('mosquitto_pub', ['-h', u.hostname, '-p', u.port || '1883', '-q', '1', '-t', `park/${park}/security/CAM-0`,
      '-m', JSON.stringify({ event: 'intrusion', seq: 42, ts: 1764000000000 })]);
    const cam = fx.equipment['CAM-0']!;
    for (const c of clients) {
      await c.until(() => c.recordsFor(cam, LAYER_IDS.security).length > 0);
      expect(c.recordsFor(cam, LAYER_IDS.security)[0]).toMatchObject({ idx: cam, status: STATUS.alarm });
    }
    await liveA.runtime!.writer.drain();
    await liveB.runtime!.writer.drain();
    const w = liveA.runtime!.writer.stats.written + liveB.runtime!.writer.stats.written;
    const d = liveA.runtime!.writer.stats.duplicates + liveB.runtime!.writer.stats.duplicates;
    expect([w, d]).toEqual([1, 1]);
    expect((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM telemetry WHERE device = $1', [`${park}/CAM-0`])).rows[0]!.n).toBe(1);
    const alarms = await t.db.query<{ kind: string }>('SELECT kind FROM alarm WHERE idx = $1', [cam]);
    expect(alarms.rows).toEqual([{ kind: 'perimeter_intrusion' }]);

    // HTTP ingest on node A reaches node B's client through the broker, stored once.
    const res = await fetch(`${a.url}/api/telemetry`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ park, layer: 'security', device: 'DOOR-0', payload: { event: 'access_granted' } }] }) });
    expect(res.status).toBe(200);
    const door = fx.equipment['DOOR-0']!;
    for (const c of clients) await c.until(() => c.recordsFor(door, LAYER_IDS.security).length > 0);
    expect(clients.map((c) => c.recordsFor(door, LAYER_IDS.security).length)).toEqual([1, 1]);
    await liveA.runtime!.writer.drain();
    await liveB.runtime!.writer.drain();
    expect((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM telemetry WHERE device = $1', [`${park}/DOOR-0`])).rows[0]!.n).toBe(1);
    for (const c of clients) c.close();
  });
});
