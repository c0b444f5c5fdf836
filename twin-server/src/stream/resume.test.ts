/**
 * Must-show 2: a client that reconnects with its last sequence gets every missed update exactly
 * once; one too far behind (or from another hub run) gets a snapshot. Also covers the embedded
 * aedes broker path and area subscriptions. Runs on PGlite with the in-process broker.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAME, LAYER_IDS, type ServerMessage } from '@park-twin/layers';
import { createTestDb, type TestDb } from '../db/testing.ts';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { healthModule } from '../modules/health.ts';
import { createLiveModule } from '../modules/live.ts';
import { insertLiveFixture, openGuardModule, openStreamAuth, TestClient, type LiveFixture } from './testing.ts';

const OCC = LAYER_IDS.occupancy;

describe('stream resume and snapshots [pglite + embedded broker]', () => {
  let t: TestDb;
  let srv: TestServer;
  let fx: LiveFixture;
  const live = createLiveModule({ auth: () => openStreamAuth(), hub: { replayRecords: 60 } });
  let seq = 0;
  /** One occupancy reading for room 0, emitted as its own batch. */
  const reading = (count: number) => {
    const r = live.runtime!.ingest.handle({ park: 'rpark', layer: 'occupancy', device: 'OCC-0' }, { count, seq: ++seq }, 'http');
    expect(r.ok).toBe(true);
    live.runtime!.hub.flush();
  };
  const subscribed = (c: TestClient) => c.json.find((m) => m.type === 'subscribed') as Extract<ServerMessage, { type: 'subscribed' }> | undefined;

  beforeAll(async () => {
    t = await createTestDb('pglite');
    fx = await insertLiveFixture(t.db, 'rpark');
    srv = await startTestServer('pglite', { testDb: t, modules: [healthModule, openGuardModule, live] });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('streams a message published to the embedded broker', async () => {
    const c = await TestClient.connect(srv.url);
    c.send({ type: 'hello', version: 1 });
    c.send({ type: 'subscribe', layers: ['energy'] });
    await c.until(() => c.frames.some((f) => f.kind === FRAME.snapshot));
    const pub = await mqtt.connectAsync(live.runtime!.brokerUrl);
    await pub.publishAsync('park/rpark/energy/PM-0', JSON.stringify({ kw: 123.5, seq: 1 }), { qos: 1 });
    await c.until(() => c.recordsFor(fx.equipment['PM-0']!, LAYER_IDS.energy).length > 0);
    expect(c.recordsFor(fx.equipment['PM-0']!, LAYER_IDS.energy)[0]!.value).toBeCloseTo(123.5);
    // Energy rolls up as a sum all the way to the park.
    await c.until(() => c.recordsFor(fx.park, LAYER_IDS.energy).length > 0);
    expect(c.recordsFor(fx.park, LAYER_IDS.energy).at(-1)!.value).toBeCloseTo(123.5);
    await pub.endAsync();
    c.close();
  });

  it('replays every missed update exactly once after a reconnect with the last seq', async () => {
    const a = await TestClient.connect(srv.url);
    a.send({ type: 'hello', version: 1 });
    a.send({ type: 'subscribe', layers: ['occupancy'] });
    await a.until(() => a.frames.some((f) => f.kind === FRAME.snapshot));
    for (let i = 1; i <= 5; i++) reading(i);
    await a.until(() => a.recordsFor(fx.rooms[0]!, OCC).some((r) => r.value === 5));
    const last = Math.max(...a.frames.map((f) => f.seq));
    const epoch = a.welcome.epoch;
    a.close();
    await new Promise((r) => a.ws.once('close', r));

    for (let i = 6; i <= 15; i++) reading(i); // missed while away
    const b = await TestClient.connect(srv.url);
    b.send({ type: 'hello', version: 1 });
    b.send({ type: 'subscribe', layers: ['occupancy'], resume: { epoch, seq: last } });
    await b.until(() => b.recordsFor(fx.rooms[0]!, OCC).some((r) => r.value === 15));
    expect(subscribed(b)?.mode).toBe('resume');
    expect(b.frames.every((f) => f.kind === FRAME.delta)).toBe(true);
    expect(b.recordsFor(fx.rooms[0]!, OCC).map((r) => r.value)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    // Roll-ups replay too: the floor's head count followed the room.
    expect(b.recordsFor(fx.floor, OCC).at(-1)!.value).toBe(15);
    // Live updates continue after the replay, without a duplicate.
    reading(16);
    await b.until(() => b.recordsFor(fx.rooms[0]!, OCC).some((r) => r.value === 16));
    expect(b.recordsFor(fx.rooms[0]!, OCC).map((r) => r.value).slice(-2)).toEqual([15, 16]);
    const seqs = b.frames.map((f) => f.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    b.close();
  });

  it('sends a snapshot to a client too far behind or from another epoch', async () => {
    const a = await TestClient.connect(srv.url);
    a.send({ type: 'hello', version: 1 });
    a.send({ type: 'subscribe', layers: ['occupancy'] });
    await a.until(() => a.frames.length > 0);
    const old = { epoch: a.welcome.epoch, seq: live.runtime!.hub.currentSeq };
    a.close();
    // More batches than the replay buffer (60 records ~ 20 batches of room + floor + building + park) holds.
    for (let i = 0; i < 40; i++) reading(100 + i);
    for (const resume of [old, { epoch: (old.epoch + 1) >>> 0, seq: old.seq }]) {
      const b = await TestClient.connect(srv.url);
      b.send({ type: 'hello', version: 1 });
      b.send({ type: 'subscribe', layers: ['occupancy'], resume });
      await b.until(() => b.frames.length > 0);
      expect(subscribed(b)?.mode).toBe('snapshot');
      const snap = b.frames[0]!;
      expect(snap.kind).toBe(FRAME.snapshot);
      expect(snap.seq).toBe(live.runtime!.hub.currentSeq);
      expect(snap.records.find((r) => r.idx === fx.rooms[0]! && r.layer === OCC)?.value).toBe(139);
      expect(snap.records.find((r) => r.idx === fx.park && r.layer === OCC)?.value).toBe(139);
      b.close();
    }
  });

  it('filters by building and by bounding box', async () => {
    const inB = await TestClient.connect(srv.url);
    inB.send({ type: 'hello', version: 1 });
    inB.send({ type: 'subscribe', layers: ['occupancy'], area: { buildings: [fx.building] } });
    const outside = await TestClient.connect(srv.url);
    outside.send({ type: 'hello', version: 1 });
    outside.send({ type: 'subscribe', layers: ['occupancy'], area: { bbox: [10, 10, 11, 11] } });
    await inB.until(() => inB.frames.length > 0);
    await outside.until(() => outside.frames.length > 0);
    reading(7);
    await inB.until(() => inB.recordsFor(fx.rooms[0]!, OCC).some((r) => r.value === 7));
    // The out-of-area client got only its (empty) snapshot; give it one more batch to be sure.
    reading(8);
    await inB.until(() => inB.recordsFor(fx.rooms[0]!, OCC).some((r) => r.value === 8));
    expect(outside.frames.flatMap((f) => f.records)).toEqual([]);
    inB.close();
    outside.close();
  });
});
