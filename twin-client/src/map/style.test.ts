import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bboxOf, columnHeight, formatMapUrl, INDUSTRIES, industryColour, MAP_LAYERS, NO_INDUSTRY_COLOUR, padBbox, parseMapUrl,
  PLANNED_USES, plannedUseColour, spreadColumns, zoomToFit,
} from './style.ts';
import { mapResources } from './i18n.ts';

const keys = (o: object, p = ''): string[] =>
  Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v as object, `${p}${k}.`) : [`${p}${k}`]));

describe('map style helpers', () => {
  it('every industry and planned use has its own colour; unknown ones fall back to neutral', () => {
    const ind = new Set(INDUSTRIES.map((i) => industryColour(i).join()));
    expect(ind.size).toBe(INDUSTRIES.length);
    expect(new Set(PLANNED_USES.map((u) => plannedUseColour(u).join())).size).toBe(PLANNED_USES.length);
    expect(industryColour(null)).toEqual([...NO_INDUSTRY_COLOUR, 255]);
    expect(industryColour('no_such', 10)[3]).toBe(10);
    expect(plannedUseColour(null)).toEqual(plannedUseColour('reserve'));
  });

  it('bboxOf spans every coordinate of nested GeoJSON arrays', () => {
    expect(bboxOf([[[1, 2], [3, -1], [0, 5], [1, 2]]])).toEqual([0, -1, 3, 5]);
    expect(bboxOf([])).toBeNull();
    const close = (a: number[], b: number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 9));
    close(padBbox([0, 0, 1, 1], 0.1), [-0.1, -0.1, 1.1, 1.1]);
    // Clamped to the world.
    close(padBbox([179.9, 89.9, 180, 90], 1), [179.8, 89.8, 180, 90]);
  });

  it('zoomToFit: a box twice as wide fits one zoom level lower', () => {
    const z1 = zoomToFit([120, 31, 120.01, 31.005], 1000, 1000);
    const z2 = zoomToFit([120, 31, 120.02, 31.005], 1000, 1000);
    expect(z1 - z2).toBeCloseTo(1, 5);
    expect(zoomToFit([0, 0, 0, 0], 100, 100)).toBe(20);
  });

  it('spreadColumns keeps a lone enterprise at its centroid and separates those sharing a building', () => {
    const out = spreadColumns([
      { key: 1, lon: 120, lat: 31 }, { key: 2, lon: 121, lat: 31 }, { key: 3, lon: 121, lat: 31 }, { key: 4, lon: 121, lat: 31 },
    ], 12);
    expect(out.get(1)).toEqual([120, 31]);
    const shared = [2, 3, 4].map((k) => out.get(k)!);
    expect(new Set(shared.map((p) => p.join())).size).toBe(3);
    for (const [lon, lat] of shared) {
      const m = Math.hypot((lon - 121) * 111_320 * Math.cos((31 * Math.PI) / 180), (lat - 31) * 111_320);
      expect(m).toBeCloseTo(12, 3);
    }
  });

  it('column heights grow with output, square-root scaled, never below 2 m', () => {
    expect(columnHeight(100, 100)).toBe(150);
    expect(columnHeight(25, 100)).toBe(75);
    expect(columnHeight(0, 100)).toBe(2);
    expect(columnHeight(Number.NaN, 100)).toBe(2);
  });

  it('the URL state round-trips and ignores junk', () => {
    fc.assert(fc.property(
      fc.record({
        lon: fc.double({ min: -180, max: 180, noNaN: true }), lat: fc.double({ min: -85, max: 85, noNaN: true }),
        zoom: fc.double({ min: 0, max: 24, noNaN: true }), pitch: fc.double({ min: 0, max: 85, noNaN: true }),
        bearing: fc.double({ min: -180, max: 180, noNaN: true }),
        layers: fc.subarray([...MAP_LAYERS]), lang: fc.constantFrom('zh-CN' as const, 'en' as const),
      }),
      (r) => {
        const s = { park: 'demo-park', camera: { longitude: r.lon, latitude: r.lat, zoom: r.zoom, pitch: r.pitch, bearing: r.bearing },
          layers: r.layers, lang: r.lang, test: false };
        const back = parseMapUrl(formatMapUrl(s));
        expect(back.park).toBe('demo-park');
        expect(back.layers).toEqual(r.layers);
        expect(back.lang).toBe(r.lang);
        expect(back.camera!.longitude).toBeCloseTo(r.lon, 5);
        expect(back.camera!.zoom).toBeCloseTo(r.zoom, 1);
      },
    ));
    const junk = parseMapUrl('?park=DROP TABLE&lon=abc&lat=31&z=15&layers=nope,heat&lang=fr');
    expect(junk).toEqual({ layers: ['heat'], test: false });
    expect(parseMapUrl('').layers).toEqual([...MAP_LAYERS]);
  });

  it('English strings have exactly the zh-CN keys', () => {
    expect(keys(mapResources.en).sort()).toEqual(keys(mapResources['zh-CN']).sort());
    for (const i of INDUSTRIES) expect(mapResources.en.map.industry[i]).toBeTruthy();
    for (const u of PLANNED_USES) expect(mapResources['zh-CN'].map.plannedUse[u]).toBeTruthy();
  });
});
