/**
 * Must-show 1: a message published by mosquitto_pub to the real mosquitto reaches a WebSocket
 * client as a binary delta for the right idx, lands in the history table of the real PostgreSQL,
 * and raises the right alarm (which the alarm routes list and acknowledge).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FRAME, LAYER_IDS, STATUS } from '@park-twin/layers';
import { createTestDb, type TestDb } from '../db/testing.ts';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { healthModule } from '../modules/health.ts';
import { createLiveModule } from '../modules/live.ts';
import { insertLiveFixture, openGuardModule, openStreamAuth, TestClient, type LiveFixture } from './testing.ts';

const run = promisify(execFile);
const MQTT = process.env.TWIN_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

async function until<T>(fn: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe.skipIf(inject('mqttMissing') !== null || inject('pgMissing') !== null)('live end to end: mosquitto_pub -> PostgreSQL + WebSocket', () => {
  let t: TestDb;
  let srv: TestServer;
  let fx: LiveFixture;
  const live = createLiveModule({ auth: () => openStreamAuth() });
  const park = `e2e-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    t = await createTestDb('postgres');
    fx = await insertLiveFixture(t.db, park);
    srv = await startTestServer('postgres', { testDb: t, env: { MQTT_URL: MQTT }, modules: [healthModule, openGuardModule, live] });
  });
  afterAll(async () => {
    await srv?.stop();
    await t?.drop();
  });

  it('delivers an over-temperature reading as a delta, stores it and raises over_temperature once', async () => {
    const c = await TestClient.connect(srv.url);
    c.send({ type: 'hello', version: 1 });
    c.send({ type: 'subscribe', layers: ['equipment'] });
    await c.until(() => c.frames.some((f) => f.kind === FRAME.snapshot));
    const u = new URL(MQTT);
    const pub = (msg: object) => run('mosquitto_pub', ['-h', u.hostname, '-p', u.port || '1883', '-q', '1', '-t', `park/${park}/equipment/AHU-0`, '-m', JSON.stringify(msg)]);
    await pub({ seq: 1, ts: 1764000000000, temperature: 97.5, load: 40 });

    const ahu = fx.equipment['AHU-0']!;
    await c.until(() => c.recordsFor(ahu, LAYER_IDS.equipment).length > 0);
    const delta = c.frames.find((f) => f.kind === FRAME.delta && f.records.some((r) => r.idx === ahu))!;
    expect(delta.epoch).toBe(c.welcome.epoch);
    expect(c.recordsFor(ahu, LAYER_IDS.equipment)[0]).toEqual({ idx: ahu, layer: LAYER_IDS.equipment, status: STATUS.alarm, value: 40 });
    // Roll-ups arrive as their own idx: one device in alarm under the room, floor, building and park.
    for (const up of [fx.rooms[0]!, fx.floor, fx.building, fx.park]) {
      await c.until(() => c.recordsFor(up, LAYER_IDS.equipment).length > 0);
      expect(c.recordsFor(up, LAYER_IDS.equipment).at(-1)).toMatchObject({ value: 1, status: STATUS.alarm });
    }
    await c.until(() => c.json.some((m) => m.type === 'alarm'));
    expect(c.json.find((m) => m.type === 'alarm')).toMatchObject({ alarm: { idx: ahu, kind: 'over_temperature', state: 'raised', layer: 'equipment' } });

    const row = await until(async () => (await t.db.query<{ idx: number; value: number; status: number; payload: { temperature: number } }>(
      'SELECT idx, value, status, payload FROM telemetry WHERE device = $1 AND seq = 1', [`${park}/AHU-0`])).rows[0], 'telemetry row');
    expect(row).toMatchObject({ idx: ahu, value: 40, status: STATUS.alarm, payload: { temperature: 97.5 } });
    const alarm = await until(async () => (await t.db.query<{ id: number; kind: string; state: string; device: string }>(
      'SELECT id, kind, state, device FROM alarm WHERE idx = $1', [ahu])).rows[0], 'alarm row');
    expect(alarm).toMatchObject({ kind: 'over_temperature', state: 'raised', device: `${park}/AHU-0` });

    // The same message again (a QoS 1 redelivery) is dropped: one history row, one alarm.
    await pub({ seq: 1, ts: 1764000000000, temperature: 97.5, load: 40 });
    await until(async () => (live.runtime!.ingest.stats.rejected.duplicate > 0 ? true : undefined), 'duplicate counted');
    await live.runtime!.writer.drain();
    expect((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM telemetry WHERE device = $1', [`${park}/AHU-0`])).rows[0]!.n).toBe(1);
    expect((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM alarm WHERE idx = $1', [ahu])).rows[0]!.n).toBe(1);

    // The alarm routes list it and walk the lifecycle raised -> acknowledged -> cleared.
    const list = await (await fetch(`${srv.url}/api/alarms?state=open`)).json() as { id: number; kind: string; object_name: string }[];
    expect(list).toEqual([expect.objectContaining({ id: alarm.id, kind: 'over_temperature', object_name: 'AHU-0' })]);
    const ack = await fetch(`${srv.url}/api/alarms/${alarm.id}/acknowledge`, { method: 'POST' });
    expect(ack.status).toBe(200);
    expect((await fetch(`${srv.url}/api/alarms/${alarm.id}/acknowledge`, { method: 'POST' })).status).toBe(409);
    // A normal reading clears it at the device.
    await pub({ seq: 2, ts: 1764000001000, temperature: 50, load: 30 });
    await until(async () => (await t.db.query<{ state: string }>("SELECT state FROM alarm WHERE id = $1 AND state = 'cleared'", [alarm.id])).rows[0], 'alarm cleared');
    c.close();
  });
});
