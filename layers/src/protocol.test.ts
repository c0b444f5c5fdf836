import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeFrame, encodeFrame, FRAME, FRAME_FLAGS, frameRecord, HEADER_BYTES, parseClientMessage, PROTOCOL_VERSION, RECORD_BYTES } from './protocol.ts';

const record = fc.record({
  idx: fc.integer({ min: 1, max: 0x7fffffff }),
  layer: fc.integer({ min: 1, max: 255 }),
  status: fc.integer({ min: 0, max: 3 }),
  value: fc.float({ noNaN: true }),
});

describe('binary frame codec', () => {
  it('round-trips any records through typed-array views', () => {
    fc.assert(fc.property(fc.array(record, { maxLength: 200 }), fc.nat(), fc.nat(), (recs, epoch, seq) => {
      const bytes = encodeFrame(FRAME.delta, epoch, seq, recs, FRAME_FLAGS.conflated);
      expect(bytes.byteLength).toBe(HEADER_BYTES + recs.length * RECORD_BYTES);
      const f = decodeFrame(bytes);
      expect([f.kind, f.version, f.flags, f.epoch, f.seq, f.count]).toEqual([FRAME.delta, PROTOCOL_VERSION, FRAME_FLAGS.conflated, epoch >>> 0, seq >>> 0, recs.length]);
      recs.forEach((r, i) => expect(frameRecord(f, i)).toEqual({ ...r, value: Math.fround(r.value) }));
    }));
  });
  it('rejects truncated and foreign frames', () => {
    const bytes = encodeFrame(FRAME.snapshot, 1, 2, [{ idx: 5, layer: 1, status: 0, value: 3 }]);
    expect(() => decodeFrame(bytes.subarray(0, bytes.length - 1))).toThrow();
    expect(() => decodeFrame(new Uint8Array(8))).toThrow();
    const bad = bytes.slice();
    bad[0] = 9;
    expect(() => decodeFrame(bad)).toThrow(/kind/);
  });
  it('decodes from an unaligned offset', () => {
    const bytes = encodeFrame(FRAME.delta, 7, 9, [{ idx: 42, layer: 2, status: 2, value: 1.5 }]);
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    expect(frameRecord(decodeFrame(shifted.subarray(1)), 0)).toEqual({ idx: 42, layer: 2, status: 2, value: 1.5 });
  });
});

describe('control messages', () => {
  it('accepts a subscribe with resume and area, refuses unknown layers and extra keys', () => {
    const ok = parseClientMessage(JSON.stringify({ type: 'subscribe', layers: ['occupancy'], area: { buildings: [3] }, resume: { epoch: 1, seq: 10 } }));
    expect(ok.ok).toBe(true);
    expect(parseClientMessage(JSON.stringify({ type: 'subscribe', layers: ['weather'] })).ok).toBe(false);
    expect(parseClientMessage(JSON.stringify({ type: 'ping', t: 1, x: 2 })).ok).toBe(false);
    expect(parseClientMessage('{').ok).toBe(false);
  });
  it('never throws on arbitrary input', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json(), fc.anything().map((a) => { try { return JSON.stringify(a) ?? ''; } catch { return ''; } })), (s) => {
      expect(typeof parseClientMessage(s).ok).toBe('boolean');
    }), { numRuns: 2000 });
  });
});
