/** The stream bench's latency histogram: percentiles in ms, merged across processes. */
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './stream-roles.ts';

describe('LatencyHistogram', () => {
  it('gives nearest-rank percentiles in ms (0.1 ms ticks) and merges sparse copies exactly', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (let i = 1; i <= 100; i++) (i % 2 ? a : b).add(i * 10); // 1.0 .. 100.0 ms, split over two processes
    const m = new LatencyHistogram();
    m.merge(a.toSparse());
    m.merge(b.toSparse());
    expect(m.n).toBe(100);
    expect(m.percentile(50)).toBe(50);
    expect(m.percentile(99)).toBe(99);
    expect(m.percentile(100)).toBe(100);
    m.add(10 * 3_600_000); // an hour: counted in the overflow bucket, not lost
    expect(m.percentile(100)).toBe(60_000);
    m.reset();
    expect(m.percentile(50)).toBeNaN();
  });
});
