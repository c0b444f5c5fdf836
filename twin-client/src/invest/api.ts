/** Client of the investment routes (`/api/invest/*`, permission leasing:read); wire types from layers/. */
import type { CompareResult, UnitDetail, UnitsResult } from '@park-twin/layers';
import { getJson } from '../api.ts';
import { filterParams, type InvestFilters } from './url.ts';

/** Available units of `park` matching the filters. */
export function fetchUnits(park: string, f: InvestFilters, signal?: AbortSignal): Promise<UnitsResult> {
  const q = filterParams(f);
  q.set('park', park);
  return getJson<UnitsResult>(`/api/invest/units?${q}`, signal);
}

/** One unit's panel data; `within` keeps its availability consistent with the list. */
export function fetchUnit(park: string, idx: number, within: number, signal?: AbortSignal): Promise<UnitDetail> {
  return getJson<UnitDetail>(`/api/invest/units/${idx}?${new URLSearchParams({ park, within: String(within) })}`, signal);
}

/** Up to three units side by side. */
export function fetchCompare(park: string, units: readonly number[], within: number, signal?: AbortSignal): Promise<CompareResult> {
  return getJson<CompareResult>(`/api/invest/compare?${new URLSearchParams({ park, units: units.join(','), within: String(within) })}`, signal);
}
