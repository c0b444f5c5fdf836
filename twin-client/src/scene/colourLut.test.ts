import { describe, expect, it } from 'vitest';
import { LAYERS, encodeState } from '@park-twin/layers';
import { colourLut } from './controller.ts';

describe('colour lookup table', () => {
  it('matches each layer encode() within one 256th of the ramp, and status colours exactly', () => {
    for (const l of LAYERS) {
      const lut = colourLut(l.id);
      const [d0, d1] = l.domain;
      for (let k = 0; k <= 40; k++) {
        const v = d0 - 5 + ((d1 - d0 + 10) * k) / 40;
        for (let s = 0; s < 4; s++) {
          const o = lut.at(v, s);
          const want = encodeState(l.id, v, s);
          const got = [lut.rgb[o]!, lut.rgb[o + 1]!, lut.rgb[o + 2]!];
          for (let c = 0; c < 3; c++) expect(Math.abs(got[c]! - want[c]!)).toBeLessThanOrEqual(s === 0 ? 2 : 0);
        }
      }
    }
  });
});
