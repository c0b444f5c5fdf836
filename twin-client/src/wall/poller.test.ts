/**
 * The wall's KPI poller: one chain of fetches, never two at once, however often alarms kick it.
 * Before, a kick during a running fetch started a second chain that then polled forever beside
 * the first; a soak at 20 alarms an hour had four identical KPI queries running at all times.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startPoller } from './feeds.ts';

const OPTS = { periodMs: 30_000, kickMs: 1_000, retryMinMs: 2_000, retryMaxMs: 30_000 };

/** A fetch that takes `ms` and records how many ran at once. */
function slowFetch(ms: number, fail = () => false) {
  const s = { calls: 0, running: 0, maxRunning: 0 };
  const fn = async () => {
    s.calls++;
    s.running++;
    s.maxRunning = Math.max(s.maxRunning, s.running);
    await new Promise((r) => setTimeout(r, ms));
    s.running--;
    if (fail()) throw new Error('down');
  };
  return { s, fn };
}

describe('wall KPI poller', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('polls once per period, and a kick fetches soon', async () => {
    const { s, fn } = slowFetch(100);
    const p = startPoller(fn, OPTS);
    await vi.advanceTimersByTimeAsync(100); // the first fetch
    expect(s.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(s.calls).toBe(2);
    p.kick();
    await vi.advanceTimersByTimeAsync(1_100);
    expect(s.calls).toBe(3);
    p.stop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(s.calls).toBe(3);
  });

  it('kicks during a slow fetch never start a second chain', async () => {
    // Every fetch takes 5 s and an alarm kicks every 2 s for 10 minutes.
    const { s, fn } = slowFetch(5_000);
    const p = startPoller(fn, OPTS);
    for (let t = 0; t < 600_000; t += 2_000) {
      p.kick();
      await vi.advanceTimersByTimeAsync(2_000);
    }
    expect(s.maxRunning).toBe(1);
    // Back to back at most: 5 s per fetch plus the 1 s after it, so at most 100 in 10 minutes.
    expect(s.calls).toBeLessThanOrEqual(101);
    // The kicks stop: one chain remains, polling once per period.
    await vi.advanceTimersByTimeAsync(10_000);
    const before = s.calls;
    await vi.advanceTimersByTimeAsync(10 * 35_000);
    expect(s.calls - before).toBeLessThanOrEqual(10);
    expect(s.calls - before).toBeGreaterThanOrEqual(9);
    p.stop();
  });

  it('backs off after failures and returns to the period once a fetch succeeds', async () => {
    let down = true;
    const { s, fn } = slowFetch(10, () => down);
    const p = startPoller(fn, OPTS);
    await vi.advanceTimersByTimeAsync(10); // fails at 0
    await vi.advanceTimersByTimeAsync(2_010); // retry after 2 s, fails
    await vi.advanceTimersByTimeAsync(4_010); // after 4 s, fails
    expect(s.calls).toBe(3);
    await vi.advanceTimersByTimeAsync(3_000); // the next retry is 8 s out: nothing yet
    expect(s.calls).toBe(3);
    down = false;
    await vi.advanceTimersByTimeAsync(5_100); // succeeds
    expect(s.calls).toBe(4);
    await vi.advanceTimersByTimeAsync(29_000);
    expect(s.calls).toBe(4);
    await vi.advanceTimersByTimeAsync(1_100);
    expect(s.calls).toBe(5);
    p.stop();
  });
});
