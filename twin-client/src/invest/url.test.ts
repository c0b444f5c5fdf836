import { describe, expect, it } from 'vitest';
import { DEFAULT_FILTERS, filterParams, investSearch, parseInvestUrl, type InvestUrlState } from './url.ts';

describe('investment view URL state', () => {
  it('round-trips filters, selection, comparison and camera', () => {
    const s: InvestUrlState = {
      filters: { minArea: 120, maxArea: 480.5, maxRent: 95, minLevel: -1, maxLevel: 8, building: 'A3', industry: 'biomed', within: 12, sort: '-area' },
      selected: 4021,
      compare: [4021, 4100, 17],
      camera: { pos: [120.123, 80, -45.678], target: [100, 0, -60] },
    };
    const search = investSearch('sample-park', s);
    expect(new URLSearchParams(search).get('park')).toBe('sample-park');
    const back = parseInvestUrl(`?${search}`);
    expect(back.filters).toEqual(s.filters);
    expect(back.selected).toBe(4021);
    expect(back.compare).toEqual([4021, 4100, 17]);
    // Camera to the centimetre.
    expect(back.camera).toEqual({ pos: [120.12, 80, -45.68], target: [100, 0, -60] });
  });

  it('drops malformed values instead of failing, and caps the comparison at three', () => {
    const s = parseInvestUrl('?minArea=abc&maxArea=-5&minLevel=-11&within=99&sort=DROP&industry=mining&building=A%27%20OR&sel=x&cmp=1,2,2,3,4&cam=1,2,3');
    expect(s).toEqual({ filters: DEFAULT_FILTERS, selected: 0, compare: [1, 2, 3], camera: null });
  });

  it('filter parameters are the API\'s, defaults left out', () => {
    expect(filterParams(DEFAULT_FILTERS).toString()).toBe('');
    expect(filterParams({ ...DEFAULT_FILTERS, minArea: 100, industry: 'ai', within: 0 }).toString()).toBe('minArea=100&industry=ai&within=0');
  });
});
