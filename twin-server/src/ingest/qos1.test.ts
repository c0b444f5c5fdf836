/**
 * QoS 1 durability against the real mosquitto and PostgreSQL: a node sends the PUBACK for a
 * message only after the batch holding it has committed, keeps PUBACKs in arrival order (a
 * refused message waits behind the pending ones), and gets a window wider than mosquitto's
 * default 20 messages in flight (MQTT 5 Receive Maximum), so QoS 1 ingest is not capped at 20
 * messages per commit.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDb, type TestDb } from '../db/testing.ts';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { healthModule } from '../modules/health.ts';
import { createLiveModule } from '../modules/live.ts';
import { insertLiveFixture, openGuardModule, openStreamAuth } from '../stream/testing.ts';

const MQTT = process.env.TWIN_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

async function until(pred: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  for (const end = Date.now() + ms; !(await pred());) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(inject('mqttMissing') !== null || inject('pgMissing') !== null)('QoS 1 ingest on mosquitto: acknowledged after commit', () => {
  let t: TestDb;
  let srv: TestServer;
  const live = createLiveModule({ auth: () => openStreamAuth() });
  const park = `q1-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    t = await createTestDb('postgres');
    await insertLiveFixture(t.db, park);
    srv = await startTestServer('postgres', { testDb: t, env: { MQTT_URL: MQTT }, modules: [healthModule, openGuardModule, live] });
  });
  afterAll(async () => {
    await srv?.stop();
    await t?.drop();
  });

  it('holds every PUBACK until the commit, sends them in arrival order, and has more than 20 messages in flight', async () => {
    const client = live.runtime!.mqtt!.client!;
    // Only this test's messages count (other tests publish on the shared broker too).
    const received: number[] = [];
    const pending = new Set<number>();
    const acked: number[] = [];
    client.on('packetreceive', (p) => {
      if (p.cmd !== 'publish' || p.qos !== 1 || !p.topic.startsWith(`park/${park}/`)) return;
      received.push(p.messageId!);
      pending.add(p.messageId!);
    });
    client.on('packetsend', (p) => { if (p.cmd === 'puback' && pending.delete(p.messageId!)) acked.push(p.messageId!); });
    const rows = async () => (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM telemetry WHERE device LIKE $1', [`${park}/%`])).rows[0]!.n;

    // Another session locks the history table: the node's batch cannot commit until it lets go.
    const locker = new pg.Client({ connectionString: t.url });
    await locker.connect();
    const pub = await mqtt.connectAsync(MQTT, { clientId: `q1-pub-${randomBytes(3).toString('hex')}`, clean: true });
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE telemetry IN EXCLUSIVE MODE');
      const n = 200;
      for (let i = 0; i < n; i++) {
        if (i === 100) pub.publish(`park/${park}/energy/PM-0`, 'not json', { qos: 1 }); // refused, yet acknowledged in order
        pub.publish(`park/${park}/energy/PM-0`, JSON.stringify({ kw: i, seq: i + 1 }), { qos: 1 });
      }
      // All 201 reach the node although none is acknowledged: the window is far above 20.
      await until(() => received.length === n + 1, 'all messages delivered before any commit');
      await new Promise((r) => setTimeout(r, 300));
      expect(acked).toEqual([]);
      expect(live.runtime!.ingest.stats.rejected['not-json']).toBe(1);
      await locker.query('COMMIT');

      await until(() => acked.length === n + 1, 'every PUBACK after the commit');
      expect(acked).toEqual(received);
      expect(await rows()).toBe(n);
      expect(live.runtime!.mqtt!.stats.ackedAfterCommit).toBe(n);
    } finally {
      await locker.query('ROLLBACK').catch(() => {});
      await locker.end();
      await pub.endAsync();
    }
  });
});
