/**
 * The hub's adaptive batching: an update goes out on the next turn of the event loop (no timer
 * padding) while flushes fit in their share of the loop; updates that follow a flush inside the
 * minimum gap, or while the flush-time budget is spent, wait and then go out together as one
 * batch; flushing never takes much more than its share; and no update waits longer than flushMs.
 */
import { describe, expect, it } from 'vitest';
import { decodeFrame, FRAME, LAYER_IDS } from '@park-twin/layers';
import { Hub, type Sink } from './hub.ts';

const turn = () => new Promise<void>((r) => setImmediate(r));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Waits until `cond` holds (at most `ms`). */
async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !cond() && Date.now() < end;) await sleep(10);
}

function sink() {
  const frames: ReturnType<typeof decodeFrame>[] = [];
  const s: Sink = { bufferedAmount: () => 0, send: (f) => frames.push(decodeFrame(f)) };
  return { s, deltas: () => frames.filter((f) => f.kind === FRAME.delta) };
}

describe('hub batching', () => {
  it('sends an update on an idle hub at once, and batches the ones that follow it closely', async () => {
    const hub = new Hub({ flushMs: 20_000, minGapMs: 2_000, flushShare: 0.5 });
    try {
      const { s, deltas } = sink();
      hub.start(hub.subscribe(s, [LAYER_IDS.energy], undefined));
      hub.update(7, LAYER_IDS.energy, 1, 0);
      await turn();
      await turn();
      expect(deltas()).toHaveLength(1); // not after flushMs (20 s): on the next turn

      // Within the gap after that flush: held back, then sent together in one frame.
      hub.update(7, LAYER_IDS.energy, 2, 0);
      hub.update(8, LAYER_IDS.energy, 3, 0);
      await turn();
      await turn();
      hub.update(9, LAYER_IDS.energy, 4, 0);
      await turn();
      expect(deltas()).toHaveLength(1);
      await until(() => deltas().length > 1);
      expect(deltas()).toHaveLength(2);
      expect(deltas()[1]!.count).toBe(3);
      expect(hub.stats.batches).toBe(2);
    } finally {
      hub.close();
    }
  });

  it('never holds an update longer than flushMs, however costly the last flush was', async () => {
    // flushShare tiny and no burst: any measured flush cost asks for a long wait; flushMs caps it.
    const hub = new Hub({ flushMs: 40, minGapMs: 0, flushShare: 1e-9, burstMs: 0 });
    try {
      const { s, deltas } = sink();
      hub.start(hub.subscribe(s, [LAYER_IDS.energy], undefined));
      hub.update(7, LAYER_IDS.energy, 1, 0);
      await turn();
      await turn();
      expect(deltas()).toHaveLength(1);
      hub.update(7, LAYER_IDS.energy, 2, 0);
      await until(() => deltas().length > 1); // about 40 ms; the flushShare alone would ask for years
      expect(deltas()).toHaveLength(2);
    } finally {
      hub.close();
    }
  });

  it('sends every update on the next turn while flushes fit in their share', async () => {
    const hub = new Hub({ flushMs: 20_000, minGapMs: 0, flushShare: 0.5, burstMs: 5 });
    try {
      const { s, deltas } = sink();
      hub.start(hub.subscribe(s, [LAYER_IDS.energy], undefined));
      for (let i = 0; i < 20; i++) {
        hub.update(7, LAYER_IDS.energy, i, 0);
        await turn();
        await turn();
        expect(deltas()).toHaveLength(i + 1); // no timer, no batching: each one alone, at once
      }
    } finally {
      hub.close();
    }
  });

  it('batches instead when flushing every turn would take more than its share of the loop', async () => {
    const share = 0.25;
    const burst = 4;
    const hub = new Hub({ flushMs: 50, minGapMs: 0, flushShare: share, burstMs: burst });
    try {
      // A sink that burns 3 ms of CPU per frame: a flush to it costs at least that. Measured in CPU
      // time, as the hub charges flushes, so a loaded machine does not change what is asserted.
      let flushTime = 0;
      let longest = 0;
      const frames: number[] = [];
      const cpuMs = () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      };
      const costly: Sink = {
        bufferedAmount: () => 0,
        send: (f) => {
          const t0 = cpuMs();
          while (cpuMs() - t0 < 3);
          frames.push(decodeFrame(f).count);
          const took = cpuMs() - t0;
          flushTime += took;
          longest = Math.max(longest, took);
        },
      };
      hub.start(hub.subscribe(costly, [LAYER_IDS.energy], undefined));
      frames.length = 0;
      flushTime = 0;
      const t0 = performance.now();
      let updates = 0;
      while (performance.now() - t0 < 400) {
        hub.update(1000 + (updates % 50), LAYER_IDS.energy, updates, 0);
        updates++;
        await turn();
      }
      const elapsed = performance.now() - t0;
      hub.flush();
      // Everything arrived, in far fewer frames than updates...
      expect(frames.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(Math.min(updates, 50));
      expect(frames.length).toBeLessThan(updates / 2);
      // ...and flushing took about its share of the time (the burst and one overdrawing flush on top).
      expect(flushTime).toBeLessThanOrEqual(burst + share * elapsed + 2 * longest);
    } finally {
      hub.close();
    }
  });
});
