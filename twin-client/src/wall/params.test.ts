/** The wall's URL parameters: defaults, bounds, bad values, and the layout chosen for a size. */
import { describe, expect, it } from 'vitest';
import { cameraParam, layoutFor, parseWallParams } from './params.ts';

describe('wall parameters', () => {
  it('defaults: no kiosk, no tour, 20 s stops and focus, 10 s refresh, layout from the viewport', () => {
    expect(parseWallParams('')).toEqual({ aspect: null, kiosk: false, tour: false, dwellS: 20, focusS: 20, refreshS: 10, camera: null });
  });

  it('kiosk turns the tour on unless the URL turns it off; values are clamped; garbage falls back', () => {
    expect(parseWallParams('?kiosk=1').tour).toBe(true);
    expect(parseWallParams('?kiosk=1&tour=0').tour).toBe(false);
    expect(parseWallParams('?dwell=1&focus=9999&refresh=abc')).toMatchObject({ dwellS: 5, focusS: 600, refreshS: 10 });
    expect(parseWallParams('?aspect=21:9').aspect).toBeNull();
    expect(parseWallParams('?aspect=48:9').aspect).toBe('48:9');
    expect(parseWallParams('?cam=1,2,3,4,5').camera).toBeNull();
    expect(parseWallParams('?cam=1,2,3,4,5,x').camera).toBeNull();
    expect(parseWallParams('?cam=1.5,2,3,-4,5,6').camera).toEqual([1.5, 2, 3, -4, 5, 6]);
  });

  it('picks 16:9, 32:9 or 48:9 by the aspect ratio of any size; the URL wins', () => {
    expect(layoutFor(null, 1920, 1080)).toBe('16:9');
    expect(layoutFor(null, 3840, 2160)).toBe('16:9');
    expect(layoutFor(null, 3840, 1080)).toBe('32:9');
    expect(layoutFor(null, 5760, 1080)).toBe('48:9');
    expect(layoutFor(null, 2560, 1080)).toBe('16:9'); // 21:9 ultrawide: closer to the 16:9 arrangement
    expect(layoutFor('48:9', 1920, 1080)).toBe('48:9');
  });

  it('writes the camera with decimetre precision', () => {
    expect(cameraParam([1.234, -5.55, 100], [0, 0.04, 7])).toBe('1.2,-5.5,100,0,0,7');
  });
});
