/**
 * Must-show 4: a client that stops reading during a 10k msg/s run does not grow server memory
 * (its buffer stays under the high-water mark and its pending map is bounded; its updates are
 * conflated), while a healthy client keeps receiving every batch, unconflated and up to date.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAME, FRAME_FLAGS, LAYER_IDS } from '@park-twin/layers';
import { createTestDb, type TestDb } from '../db/testing.ts';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { healthModule } from '../modules/health.ts';
import { createLiveModule } from '../modules/live.ts';
import { insertLiveFixture, openGuardModule, openStreamAuth, TestClient, type LiveFixture } from './testing.ts';

const RATE = 10_000;
const SECONDS = 4;
const HIGH_WATER = 32 * 1024;
const MAX_PENDING = 2_000;

describe('stalled client during a 10k msg/s run [pglite]', () => {
  let t: TestDb;
  let srv: TestServer;
  let fx: LiveFixture;
  const live = createLiveModule({
    auth: () => openStreamAuth(),
    mqtt: false,
    hub: { highWaterBytes: HIGH_WATER, lowWaterBytes: 8 * 1024, maxPending: MAX_PENDING },
    writer: { maxQueue: 1_000_000 },
  });

  beforeAll(async () => {
    t = await createTestDb('pglite');
    fx = await insertLiveFixture(t.db, 'spark', 3);
    srv = await startTestServer('pglite', { testDb: t, modules: [healthModule, openGuardModule, live] });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('bounds the stalled client and keeps the healthy one current', async () => {
    const join = async () => {
      const c = await TestClient.connect(srv.url);
      c.send({ type: 'hello', version: 1 });
      c.send({ type: 'subscribe', layers: ['occupancy', 'equipment', 'energy'] });
      await c.until(() => c.frames.some((f) => f.kind === FRAME.snapshot));
      return c;
    };
    const healthy = await join();
    const stalled = await join();
    const sock = (stalled.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    sock.pause(); // never reads again (until the end)

    const { hub, ingest } = live.runtime!;
    // Warm-up: fill the kernel's socket buffers of the stalled connection (megabytes on
    // loopback) with unthrottled updates, until the server starts to hold bytes for it.
    const backedUp = () => hub.subscriberBuffers().some((b) => b.buffered > 0 || b.conflating);
    let warm = 0;
    while (!backedUp() && warm < 5_000_000) {
      for (let i = 0; i < 500; i++) hub.update(fx.rooms[1]!, LAYER_IDS.occupancy, warm++ % 97, 0);
      hub.flush();
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(backedUp()).toBe(true);
    await healthy.until(() => healthy.frames.some((f) => f.seq === hub.currentSeq));
    const firstSeq = hub.currentSeq + 1;
    const buffered0 = Math.max(...hub.subscriberBuffers().map((b) => b.buffered));
    const rss0 = process.memoryUsage().rss;
    let maxBuffered = 0;
    let maxPending = 0;
    let sent = 0;
    let lastCount = 0;
    let occSent = 0;
    const t0 = performance.now();
    const perTick = RATE / 100;
    for (let tick = 0; tick < SECONDS * 100; tick++) {
      for (let i = 0; i < perTick; i++) {
        sent++;
        lastCount = sent % 50;
        const dev = i % 3;
        if (dev === 0) occSent++;
        const r = dev === 0 ? ingest.handle({ park: 'spark', layer: 'occupancy', device: 'OCC-0' }, { count: lastCount, seq: sent }, 'http')
          : dev === 1 ? ingest.handle({ park: 'spark', layer: 'energy', device: 'PM-0' }, { kw: sent % 400, seq: sent }, 'http')
            : ingest.handle({ park: 'spark', layer: 'equipment', device: 'AHU-0' }, { load: sent % 100, seq: sent }, 'http');
        expect(r.ok).toBe(true);
      }
      for (const b of hub.subscriberBuffers()) {
        maxBuffered = Math.max(maxBuffered, b.buffered);
        maxPending = Math.max(maxPending, b.pending);
      }
      const wait = t0 + (tick + 1) * 10 - performance.now();
      await new Promise((r) => setTimeout(r, Math.max(0, wait)));
    }
    hub.flush();
    const seqAtEnd = hub.currentSeq;
    // The healthy client catches up with the last batch, every frame a plain delta.
    await healthy.until(() => healthy.frames.some((f) => f.seq === seqAtEnd));
    const deltas = healthy.frames.filter((f) => f.kind === FRAME.delta && f.seq >= firstSeq);
    expect(deltas.every((f) => (f.flags & FRAME_FLAGS.conflated) === 0)).toBe(true);
    expect(healthy.recordsFor(fx.rooms[0]!, LAYER_IDS.occupancy)).toHaveLength(occSent);
    // No gap: every batch after the snapshot reached the healthy client.
    const seqs = deltas.map((f) => f.seq);
    expect(seqs[0]).toBe(firstSeq);
    expect(seqs.at(-1)! - seqs[0]! + 1).toBe(seqs.length);

    // The stalled one was conflated, within bounds.
    expect(hub.stats.conflatedRecords).toBeGreaterThan(RATE);
    expect(maxPending).toBeLessThanOrEqual(MAX_PENDING);
    // Over-capacity alarms flapped during the run; the stalled client's copies were dropped.
    expect(live.runtime!.stream!.stats.alarmsDropped).toBeGreaterThan(0);
    // Its queue never grew past the high-water mark plus a few frames in flight.
    expect(maxBuffered).toBeLessThan(HIGH_WATER + 64 * 1024);
    expect(buffered0).toBeLessThan(HIGH_WATER + 64 * 1024);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(200 * 1024 * 1024);

    // When it reads again it gets the latest values (conflated) and is current.
    sock.resume();
    await stalled.until(() => stalled.frames.some((f) => (f.flags & FRAME_FLAGS.conflated) !== 0), 30_000);
    await stalled.until(() => stalled.recordsFor(fx.rooms[0]!, LAYER_IDS.occupancy).at(-1)?.value === lastCount, 30_000);
    expect(stalled.recordsFor(fx.rooms[0]!, LAYER_IDS.occupancy).length).toBeLessThan(occSent);
    healthy.close();
    stalled.close();
    await live.runtime!.writer.drain();
    expect(live.runtime!.writer.stats.written).toBe(sent);
  }, 120_000);
});
