import { describe, expect, it } from 'vitest';
import { sharedInFlight } from './inflight.ts';

/** A computation the test settles by hand. */
function manual() {
  const calls: Array<{ key: number; resolve(v: string): void; reject(e: Error): void }> = [];
  const compute = (key: number) => new Promise<string>((resolve, reject) => { calls.push({ key, resolve, reject }); });
  return { calls, compute };
}

describe('sharedInFlight', () => {
  it('runs one computation per key for every caller that asks while it runs', async () => {
    const m = manual();
    const shared = sharedInFlight<number, string>();
    const s = { get: (k: number) => shared.run(k, () => m.compute(k)), get running() { return shared.running; } };
    const a = [s.get(1), s.get(1), s.get(1)];
    const b = s.get(2);
    expect(m.calls.map((c) => c.key)).toEqual([1, 2]);
    expect(s.running).toBe(2);
    m.calls[0]!.resolve('one');
    m.calls[1]!.resolve('two');
    expect(await Promise.all(a)).toEqual(['one', 'one', 'one']);
    expect(await b).toBe('two');
    expect(s.running).toBe(0);
  });

  it('keeps nothing once settled: the next caller gets a fresh computation', async () => {
    const m = manual();
    const shared = sharedInFlight<number, string>();
    const s = { get: (k: number) => shared.run(k, () => m.compute(k)), get running() { return shared.running; } };
    const first = s.get(1);
    m.calls[0]!.resolve('old');
    await first;
    const second = s.get(1);
    expect(m.calls).toHaveLength(2);
    m.calls[1]!.resolve('new');
    expect(await second).toBe('new');
  });

  it('hands a failure to every caller that joined, and tries again afterwards', async () => {
    const m = manual();
    const shared = sharedInFlight<number, string>();
    const s = { get: (k: number) => shared.run(k, () => m.compute(k)), get running() { return shared.running; } };
    const joined = [s.get(1), s.get(1)];
    m.calls[0]!.reject(new Error('database gone'));
    for (const p of joined) await expect(p).rejects.toThrow('database gone');
    expect(s.running).toBe(0);
    const again = s.get(1);
    expect(m.calls).toHaveLength(2);
    m.calls[1]!.resolve('back');
    expect(await again).toBe('back');
  });
});
