/**
 * The telemetry writer on the real PostgreSQL: batches commit in parallel (a batch stuck behind a
 * lock does not hold up the next one), but a batch that changes alarms waits for every earlier
 * batch, so alarm transitions commit in order.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { LAYER_IDS } from '@park-twin/layers';
import { createTestDb, type TestDb } from '../db/testing.ts';
import { createLogger } from '../log.ts';
import { insertLiveFixture, type LiveFixture } from '../stream/testing.ts';
import { ensurePartitions, TelemetryWriter, type TelemetryRow } from './writer.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A promise with a flag telling whether it has settled, and when (order of settling). */
function track(p: Promise<void>, order: string[], name: string) {
  const s = { done: false };
  void p.then(() => { s.done = true; order.push(name); });
  return s;
}

describe.skipIf(inject('pgMissing') !== null)('telemetry writer on PostgreSQL', () => {
  let t: TestDb;
  let fx: LiveFixture;
  let writer: TelemetryWriter;
  beforeAll(async () => {
    t = await createTestDb('postgres');
    fx = await insertLiveFixture(t.db, 'wpark');
    await ensurePartitions(t.db);
    writer = new TelemetryWriter(t.db, createLogger('silent'), { flushMs: 5 });
  });
  afterAll(async () => {
    await writer?.close();
    await t?.drop();
  });

  it('commits a later batch while an earlier one waits on a lock, but an alarm change never overtakes', async () => {
    const pm = fx.equipment['PM-0']!;
    const ahu = fx.equipment['AHU-0']!;
    let seq = 0;
    const row = (idx: number, device: string, layer: number): TelemetryRow =>
      ({ ts: Date.now(), device: `wpark/${device}`, seq: ++seq, idx, layer, value: seq, status: 0, payload: { seq } });
    await writer.enqueue(row(pm, 'PM-0', LAYER_IDS.energy)); // the latest-state row the lock will hold

    const locker = new pg.Client({ connectionString: t.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM live_state WHERE idx = $1 AND layer = $2 FOR UPDATE', [pm, LAYER_IDS.energy]);
      const order: string[] = [];
      const first = writer.enqueue(row(pm, 'PM-0', LAYER_IDS.energy)); // waits for the row lock
      const firstDone = track(first, order, 'first');
      await sleep(200);
      const second = writer.enqueue(row(ahu, 'AHU-0', LAYER_IDS.equipment)); // other rows: not blocked
      await Promise.race([second, sleep(15_000).then(() => { throw new Error('the second batch waited for the first'); })]);
      expect(firstDone.done).toBe(false);

      const raise = { op: 'raise' as const, idx: ahu, layer: LAYER_IDS.equipment, kind: 'equipment_fault', severity: 2, message: 'fault', device: 'wpark/AHU-0', ts: Date.now() };
      const third = writer.enqueue(row(ahu, 'AHU-0', LAYER_IDS.equipment), [raise]);
      const thirdDone = track(third, order, 'third');
      await sleep(500);
      expect(thirdDone.done).toBe(false); // an alarm change waits for every earlier batch
      await locker.query('COMMIT');
      await Promise.all([first, third]);
      expect(order).toEqual(['first', 'third']);
      const alarms = await t.db.query<{ state: string }>("SELECT state FROM alarm WHERE idx = $1 AND kind = 'equipment_fault'", [ahu]);
      expect(alarms.rows).toEqual([{ state: 'raised' }]);
      expect(writer.stats.failures).toBe(0);
    } finally {
      await locker.query('ROLLBACK').catch(() => {});
      await locker.end();
    }
  });
});
