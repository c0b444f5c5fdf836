/**
 * End to end with the real mosquitto and PostgreSQL (issue 15): a rule "above 28 °C for 5 minutes,
 * 2 °C hysteresis" is written to the database and announced (NOTIFY; the running server reloads
 * it, no restart); readings published with mosquitto_pub over the threshold for less than the
 * duration raise nothing, for the duration raise the alarm; back inside the hysteresis band it
 * stays, below the band it clears.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDb, type TestDb } from '../../db/testing.ts';
import { startTestServer, type TestServer } from '../../testing/server.ts';
import { healthModule } from '../health.ts';
import { createLiveModule } from '../live.ts';
import { insertLiveFixture, openGuardModule, openStreamAuth, type LiveFixture } from '../../stream/testing.ts';
import { alarmsModule } from './index.ts';
import { alarmsRuntimeOf } from './runtime.ts';

const run = promisify(execFile);
const MQTT = process.env.TWIN_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

async function until<T>(fn: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe.skipIf(inject('mqttMissing') !== null || inject('pgMissing') !== null)('alarm rules end to end: mosquitto_pub -> rule -> alarm in PostgreSQL', () => {
  let t: TestDb;
  let srv: TestServer;
  let fx: LiveFixture;
  const park = `al-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    t = await createTestDb('postgres');
    fx = await insertLiveFixture(t.db, park);
    srv = await startTestServer('postgres', { testDb: t, env: { MQTT_URL: MQTT }, modules: [healthModule, openGuardModule, createLiveModule({ auth: () => openStreamAuth() }), alarmsModule()] });
  });
  afterAll(async () => {
    await srv?.stop();
    await t?.drop();
  });

  it('over the threshold for the duration raises the alarm; inside the hysteresis band it stays; below it clears', async () => {
    const ahu = fx.equipment['AHU-0']!;
    const rt = alarmsRuntimeOf(srv.sc)!;
    const before = rt.stats.reloads;
    await t.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO alarm_rule (code, name, layer, kind, scope, condition, for_seconds, severity, message)
         VALUES ('e2e.ahu_warm', '{"zh":"空调偏热","en":"AHU warm"}', 'equipment', 'ahu_warm', $1, '{"op":"above","field":"temperature","value":28,"hysteresis":2}', 300, 2,
                 '{"zh":"{value} °C 持续 {minutes} 分钟","en":"{value} °C for {minutes} min"}')`, [JSON.stringify({ object: ahu })]);
      await tx.query("SELECT pg_notify('twin_alarm_rules', '')");
    });
    await until(async () => (rt.stats.reloads > before ? true : undefined), 'the rule reload after NOTIFY');

    const u = new URL(MQTT);
    let seq = 0;
    const t0 = 1_764_000_000_000;
    const pub = async (atSeconds: number, temperature: number) => {
      seq++;
      await run('mosquitto_pub', ['-h', u.hostname, '-p', u.port || '1883', '-q', '1', '-t', `park/${park}/equipment/AHU-0`, '-m', JSON.stringify({ seq, ts: t0 + atSeconds * 1000, temperature })]);
      await until(async () => ((await t.db.query('SELECT 1 FROM telemetry WHERE device = $1 AND seq = $2', [`${park}/AHU-0`, seq])).rows.length ? true : undefined), `reading ${seq} stored`);
      await rt.live.writer.drain();
    };
    const alarms = async () => (await t.db.query<{ state: string; severity: number; rule_id: number | null; params: Record<string, number> | null }>(
      "SELECT state, severity, rule_id, params FROM alarm WHERE idx = $1 AND kind = 'ahu_warm' ORDER BY id", [ahu])).rows;

    await pub(0, 30);
    await pub(120, 31);
    await pub(240, 30.5);
    expect(await alarms()).toEqual([]);
    await pub(300, 30);
    const raised = await until(async () => {
      const a = await alarms();
      return a[0]?.rule_id ? a : undefined;
    }, 'the alarm raised with its rule');
    expect(raised).toEqual([expect.objectContaining({ state: 'raised', severity: 2, params: expect.objectContaining({ value: 30, limit: 28, minutes: 5 }) })]);
    // 27 °C: below the limit but inside the 2 °C band.
    await pub(360, 27);
    expect((await alarms()).map((a) => a.state)).toEqual(['raised']);
    // 25.5 °C: below the band: cleared by the device's reading.
    await pub(420, 25.5);
    await until(async () => ((await alarms())[0]?.state === 'cleared' ? true : undefined), 'the alarm cleared');
    expect((await t.db.query("SELECT cleared_by FROM alarm WHERE idx = $1 AND kind = 'ahu_warm'", [ahu])).rows[0]).toEqual({ cleared_by: 'device' });
  }, 120_000);
});
