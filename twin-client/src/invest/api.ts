/** Client of the investment routes (`/api/invest/*`, permission leasing:read), through the typed API client. */
import type { CompareResult, UnitDetail, UnitsResult } from '@park-twin/layers';
import { api } from '../api/client.ts';
import type { InvestFilters } from './url.ts';

/** Available units of `park` matching the filters. */
export function fetchUnits(park: string, f: InvestFilters, signal?: AbortSignal): Promise<UnitsResult> {
  return api.get('/api/invest/units', { query: { ...f, park }, signal });
}

/** One unit's panel data; `within` keeps its availability consistent with the list. */
export function fetchUnit(park: string, idx: number, within: number, signal?: AbortSignal): Promise<UnitDetail> {
  return api.get('/api/invest/units/{idx}', { params: { idx }, query: { park, within }, signal });
}

/** Up to three units side by side. */
export function fetchCompare(park: string, units: readonly number[], within: number, signal?: AbortSignal): Promise<CompareResult> {
  return api.get('/api/invest/compare', { query: { park, units: units.join(','), within }, signal });
}
