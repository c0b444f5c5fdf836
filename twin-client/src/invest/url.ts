/**
 * The investment view's state in the URL: filters (named as the API's query parameters, so the
 * same string drives `/api/invest/units`), the selected unit, the compared units and the camera.
 * A prospect's link reopens exactly this view. Pure functions: no DOM, tested in Node.
 */
import { INDUSTRIES, MAX_COMPARE, type Industry } from '@park-twin/layers';

/** Sort keys the server accepts. */
export const SORTS = ['code', 'area', '-area', 'rent', '-rent', 'level', '-level', 'available'] as const;
export type Sort = (typeof SORTS)[number];

/** Numeric range filters, each optional. */
export const RANGE_KEYS = ['minArea', 'maxArea', 'minRent', 'maxRent', 'minLevel', 'maxLevel'] as const;
export type RangeKey = (typeof RANGE_KEYS)[number];

/** The list's filters. */
export interface InvestFilters {
  minArea?: number;
  maxArea?: number;
  minRent?: number;
  maxRent?: number;
  minLevel?: number;
  maxLevel?: number;
  /** Building code. */
  building?: string;
  industry?: Industry;
  /** Months within which an ending lease counts as soon vacant. */
  within: number;
  sort: Sort;
}

/** Camera position and orbit target in park metres (+Y up). */
export interface CameraState {
  pos: [number, number, number];
  target: [number, number, number];
}

/** Everything a share link carries besides the park. */
export interface InvestUrlState {
  filters: InvestFilters;
  /** Selected unit idx, 0 for none. */
  selected: number;
  compare: number[];
  camera: CameraState | null;
}

export const DEFAULT_FILTERS: InvestFilters = { within: 6, sort: 'code' };

const finite = (v: string | null): number | undefined => {
  if (v === null || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};
const idxOf = (v: string): number => (/^\d{1,10}$/.test(v) ? Number(v) : 0);

/** Reads the state from a query string; malformed values are dropped, never thrown. */
export function parseInvestUrl(search: string): InvestUrlState {
  const q = new URLSearchParams(search);
  const filters: InvestFilters = { ...DEFAULT_FILTERS };
  for (const k of RANGE_KEYS) {
    const n = finite(q.get(k));
    if (n !== undefined && n >= (k.endsWith('Level') ? -10 : 0)) filters[k] = k.endsWith('Level') ? Math.round(n) : n;
  }
  const building = q.get('building');
  if (building && /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/.test(building)) filters.building = building;
  const industry = q.get('industry');
  if (INDUSTRIES.includes(industry as Industry)) filters.industry = industry as Industry;
  const within = finite(q.get('within'));
  if (within !== undefined && Number.isInteger(within) && within >= 0 && within <= 36) filters.within = within;
  const sort = q.get('sort');
  if (SORTS.includes(sort as Sort)) filters.sort = sort as Sort;
  const compare = [...new Set((q.get('cmp') ?? '').split(',').map(idxOf).filter((i) => i > 0))].slice(0, MAX_COMPARE);
  const cam = (q.get('cam') ?? '').split(',').map(Number);
  const camera = cam.length === 6 && cam.every(Number.isFinite)
    ? { pos: cam.slice(0, 3) as CameraState['pos'], target: cam.slice(3) as CameraState['target'] }
    : null;
  return { filters, selected: idxOf(q.get('sel') ?? ''), compare, camera };
}

/** The filters as the API's query parameters (defaults left out). */
export function filterParams(f: InvestFilters): URLSearchParams {
  const q = new URLSearchParams();
  for (const k of RANGE_KEYS) if (f[k] !== undefined) q.set(k, String(f[k]));
  if (f.building) q.set('building', f.building);
  if (f.industry) q.set('industry', f.industry);
  if (f.within !== DEFAULT_FILTERS.within) q.set('within', String(f.within));
  if (f.sort !== DEFAULT_FILTERS.sort) q.set('sort', f.sort);
  return q;
}

const round = (v: number) => String(Math.round(v * 100) / 100);

/** The query string (without '?') of the whole view state for `park`. */
export function investSearch(park: string, s: InvestUrlState): string {
  const q = filterParams(s.filters);
  q.set('park', park);
  if (s.selected) q.set('sel', String(s.selected));
  if (s.compare.length > 0) q.set('cmp', s.compare.join(','));
  if (s.camera) q.set('cam', [...s.camera.pos, ...s.camera.target].map(round).join(','));
  q.sort();
  return q.toString();
}
