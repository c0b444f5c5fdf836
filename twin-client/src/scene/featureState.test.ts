import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FLAG, FeatureStateTexture, STATE_WIDTH, packRgb } from './featureState.ts';

describe('FeatureStateTexture', () => {
  it('first flush uploads everything, later flushes only the changed span of the changed row', () => {
    const s = new FeatureStateTexture(STATE_WIDTH * 4);
    expect(s.flush()).toBe(true);
    expect(s.lastUploadBytes).toBe(STATE_WIDTH * 4 * 4);
    expect(s.flush()).toBe(false);

    s.setColour(STATE_WIDTH + 7, 255, 0, 0);
    const v = s.uniform.value.version;
    expect(s.flush()).toBe(true);
    expect(s.uniform.value.version).toBe(v + 1);
    expect(s.uniform.value.updateRanges).toEqual([{ start: (STATE_WIDTH + 7) * 4, count: 4 }]);
    expect(s.lastUploadRows).toBe(1);
    expect(s.lastUploadBytes).toBe(4);
    expect([...s.data.subarray((STATE_WIDTH + 7) * 4, (STATE_WIDTH + 8) * 4)]).toEqual([255, 0, 0, FLAG.coloured]);
  });

  it('writing the same colour again uploads nothing', () => {
    const s = new FeatureStateTexture(STATE_WIDTH);
    s.flush();
    s.setColour(5, 1, 2, 3);
    s.flush();
    s.uniform.value.clearUpdateRanges();
    s.setColour(5, 1, 2, 3);
    expect(s.flush()).toBe(false);
  });

  it('flags combine and clear independently of the colour', () => {
    const s = new FeatureStateTexture(STATE_WIDTH);
    s.setColour(9, 10, 20, 30);
    s.setFlag(9, FLAG.hidden, true);
    s.setFlag(9, FLAG.selected, true);
    expect(s.flags(9)).toBe(FLAG.coloured | FLAG.hidden | FLAG.selected);
    s.setFlag(9, FLAG.hidden, false);
    expect(s.flags(9)).toBe(FLAG.coloured | FLAG.selected);
    s.clearAllColours();
    expect(s.flags(9)).toBe(FLAG.selected);
    expect(s.colour(9)).toEqual([10, 20, 30]);
  });

  it('a packed colour word writes the same texel as the bytes, keeps the flags, and grows the texture', () => {
    const s = new FeatureStateTexture(STATE_WIDTH);
    s.flush();
    s.setFlag(9, FLAG.hidden, true);
    s.setColourWord(9, packRgb(10, 20, 30));
    expect([...s.data.subarray(36, 40)]).toEqual([10, 20, 30, FLAG.hidden | FLAG.coloured]);
    expect(s.flush()).toBe(true);
    s.setColourWord(9, packRgb(10, 20, 30));
    expect(s.flush()).toBe(false);
    s.setColourWord(0, packRgb(255, 255, 255));
    expect([...s.data.subarray(0, 4)]).toEqual([0, 0, 0, 0]);
    s.setColourWord(STATE_WIDTH * 3 + 1, packRgb(200, 100, 50));
    expect(s.colour(STATE_WIDTH * 3 + 1)).toEqual([200, 100, 50]);
    expect(s.colour(9)).toEqual([10, 20, 30]);
  });

  it('idx 0 is never written (unfeatured geometry reads texel 0)', () => {
    const s = new FeatureStateTexture(STATE_WIDTH);
    s.setColour(0, 255, 255, 255);
    s.setFlag(0, FLAG.hidden, true);
    expect([...s.data.subarray(0, 4)]).toEqual([0, 0, 0, 0]);
  });

  it('grows for a large idx, keeps old texels and re-uploads the whole new texture', () => {
    const s = new FeatureStateTexture(STATE_WIDTH);
    s.setColour(3, 9, 9, 9);
    s.flush();
    const before = s.uniform.value;
    s.setColour(STATE_WIDTH * 5 + 1, 1, 1, 1);
    expect(s.uniform.value).not.toBe(before);
    expect(s.capacity).toBeGreaterThan(STATE_WIDTH * 5 + 1);
    expect(s.colour(3)).toEqual([9, 9, 9]);
    s.flush();
    expect(s.lastUploadBytes).toBe(s.data.length);
  });

  it('every dirty texel is covered by exactly one row-bounded update range (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: STATE_WIDTH * 8 - 1 }), { minLength: 1, maxLength: 200 }), (ids) => {
        const s = new FeatureStateTexture(STATE_WIDTH * 8);
        s.flush();
        for (const i of ids) s.setColour(i, 200, 100, 50);
        s.flush();
        const ranges = s.uniform.value.updateRanges;
        const rows = new Set(ids.map((i) => Math.floor(i / STATE_WIDTH)));
        expect(ranges.length).toBe(rows.size);
        for (const r of ranges) {
          const startRow = Math.floor(r.start / 4 / STATE_WIDTH);
          const endRow = Math.floor((r.start + r.count - 1) / 4 / STATE_WIDTH);
          expect(endRow).toBe(startRow);
        }
        for (const i of ids) {
          expect(ranges.some((r) => i * 4 >= r.start && i * 4 + 4 <= r.start + r.count)).toBe(true);
        }
      }),
      { numRuns: 50 },
    );
  });
});
