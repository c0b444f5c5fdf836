/**
 * The hub's adaptive batching: an update on an idle hub goes out on the next turn of the event
 * loop (no timer padding); updates that follow a flush closely wait for the gap and then go out
 * together as one batch; and no update waits longer than flushMs.
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
    // flushShare tiny: any measured flush cost asks for a long gap; flushMs caps it.
    const hub = new Hub({ flushMs: 40, minGapMs: 0, flushShare: 1e-9 });
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
});
