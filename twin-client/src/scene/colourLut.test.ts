import { describe, expect, it } from 'vitest';
import { LAYERS, encodeState } from '@park-twin/layers';
import { colourLut } from './controller.ts';
import { FLAG, FeatureStateTexture } from './featureState.ts';

describe('colour lookup table', () => {
  it('matches each layer encode() within one 256th of the ramp, and status colours exactly', () => {
    for (const l of LAYERS) {
      const lut = colourLut(l.id);
      const [d0, d1] = l.domain;
      for (let k = 0; k <= 40; k++) {
        const v = d0 - 5 + ((d1 - d0 + 10) * k) / 40;
        for (let s = 0; s < 4; s++) {
          const o = lut.slot(v, s) * 3;
          const want = encodeState(l.id, v, s);
          const got = [lut.rgb[o]!, lut.rgb[o + 1]!, lut.rgb[o + 2]!];
          for (let c = 0; c < 3; c++) expect(Math.abs(got[c]! - want[c]!)).toBeLessThanOrEqual(s === 0 ? 2 : 0);
          // The packed word the hot path writes is the same colour.
          const tex = new FeatureStateTexture(64);
          tex.setColourWord(5, lut.words[lut.slot(v, s)]!);
          expect(tex.colour(5)).toEqual(got);
          expect(tex.flags(5)).toBe(FLAG.coloured);
        }
      }
    }
  });
});
