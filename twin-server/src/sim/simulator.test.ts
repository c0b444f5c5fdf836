/**
 * The simulator's messages are valid for the layers they target (every one accepted by the real
 * pipeline), follow the daily curve, and arrive over the embedded broker when it runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layerByName } from '@park-twin/layers';
import { createTestDb, type TestDb } from '../db/testing.ts';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { healthModule } from '../modules/health.ts';
import { createLiveModule } from '../modules/live.ts';
import { insertLiveFixture, openGuardModule, openStreamAuth } from '../stream/testing.ts';
import { createLogger } from '../log.ts';
import { faultChanceFor, loadSimDevices, nextMessage, occupancyCurve, startSimulator, type SimDevice } from './simulator.ts';

describe('simulator', () => {
  it('follows a weekday office curve and quiet weekends', () => {
    const at = (d: string) => occupancyCurve(new Date(d));
    expect(at('2026-11-25T10:30:00')).toBeGreaterThan(0.8); // Wednesday morning
    expect(at('2026-11-25T12:20:00')).toBeLessThan(at('2026-11-25T10:30:00')); // lunch dip
    expect(at('2026-11-25T03:00:00')).toBeLessThan(0.05);
    expect(at('2026-11-28T10:30:00')).toBeLessThan(0.2); // Saturday
  });

  it('starts about as many faults as asked for', () => {
    const dev = (code: string, type: string): SimDevice => ({ park: 'p', code, type, capacity: null, ratedKw: 100, perimeter: false, source: 'equipment' });
    // Half the devices are plant (an AHU and a chiller); the others never fault.
    const devices = [dev('a', 'ahu'), dev('c', 'chiller'), dev('m', 'power_meter'), dev('o', 'occupancy_sensor')];
    const rate = 200;
    const chance = faultChanceFor(30, rate, devices);
    expect(chance).toBeCloseTo(30 / (3600 * rate * 0.5), 12);
    expect(faultChanceFor(30, rate, [dev('m', 'power_meter')])).toBe(0);
    // Simulate one hour of readings with fresh devices each minute (a fault blocks its device for
    // minutes), and count: within 40 % of 30 for a seeded generator.
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const stats = { published: 0, faults: 0, intrusions: 0, devices: 0 };
    for (let minute = 0; minute < 60; minute++) {
      const many = Array.from({ length: 200 }, (_, i) => dev(`d${minute}-${i}`, i % 2 ? 'ahu' : 'power_meter'));
      const state = new Map();
      for (let i = 0; i < rate * 60; i++) nextMessage(many[i % many.length]!, state, new Date('2026-11-25T10:00:00'), rand, stats, chance);
    }
    expect(stats.faults).toBeGreaterThan(18);
    expect(stats.faults).toBeLessThan(42);
    const none = { published: 0, faults: 0, intrusions: 0, devices: 0 };
    for (let i = 0; i < 10_000; i++) nextMessage(devices[i % 4]!, new Map(), new Date('2026-11-25T10:00:00'), rand, none, 0);
    expect(none.faults).toBe(0);
  });

  describe('against the pipeline [pglite + embedded broker]', () => {
    let t: TestDb;
    let srv: TestServer;
    const live = createLiveModule({ auth: () => openStreamAuth() });
    beforeAll(async () => {
      t = await createTestDb('pglite');
      await insertLiveFixture(t.db, 'simpark');
      srv = await startTestServer('pglite', { testDb: t, modules: [healthModule, openGuardModule, live] });
    });
    afterAll(async () => {
      await srv?.stop();
    });

    it('produces schema-valid messages for every device kind, with faults and intrusions over time', async () => {
      const devices = await loadSimDevices(t.db);
      expect(devices.map((d) => d.type).sort()).toEqual(['access_reader', 'ahu', 'camera', 'enterprise', 'env_sensor', 'occupancy_sensor', 'power_meter']);
      const state = new Map();
      const stats = { published: 0, faults: 0, intrusions: 0, devices: devices.length };
      let seed = 1;
      const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
      for (let i = 0; i < 20_000; i++) {
        const dev = devices[i % devices.length]!;
        const m = nextMessage(dev, state, new Date('2026-11-25T10:00:00'), rand, stats);
        const layer = m.topic.split('/')[2]!;
        expect(layerByName(layer)!.ingest.safeParse(m.payload).success, JSON.stringify(m)).toBe(true);
      }
      expect(stats.faults).toBeGreaterThan(0);
      expect(stats.intrusions).toBeGreaterThan(0);
    });

    it('publishes over the broker and every message is accepted', async () => {
      const sim = await startSimulator({ url: live.runtime!.brokerUrl, db: t.db, rate: 400, log: createLogger('silent') });
      const ingest = live.runtime!.ingest;
      await new Promise<void>((resolve) => {
        const check = () => (ingest.stats.accepted >= 100 ? resolve() : setTimeout(check, 20));
        check();
      });
      await sim.close();
      expect(ingest.rejectedTotal).toBe(0);
      await live.runtime!.writer.drain();
      expect((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM telemetry')).rows[0]!.n).toBeGreaterThanOrEqual(100);
    });
  });
});
