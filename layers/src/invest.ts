/**
 * Wire types of the investment routes (`/api/invest/*`, standard G1): server and client share
 * this one definition. The rules behind the fields are in twin-server/src/modules/invest/queries.ts
 * and docs/invest.md.
 */

/** Enterprise industries (enterprise.industry in the core schema). */
export const INDUSTRIES = ['ai', 'ic_design', 'software', 'biomed', 'new_energy', 'smart_manufacturing', 'digital_media',
  'fintech', 'e_commerce', 'services'] as const;
export type Industry = (typeof INDUSTRIES)[number];

/** Most units a comparison takes. */
export const MAX_COMPARE = 3;

/** Availability of a leasable unit at the reference date: `soon` = its active lease ends by the cut-off. */
export type Availability = 'vacant' | 'soon' | 'leased' | 'reserved';

/** One leasable unit as the list, the 3D highlight and the comparison show it. */
export interface UnitRow {
  idx: number;
  code: string;
  name: string;
  nameEn: string | null;
  use: string;
  /** Usable area, m². */
  area: number;
  /** CNY per m² per month: asking rent when vacant, the current contract's when soon vacant. */
  rent: number;
  level: number;
  floorIdx: number;
  buildingIdx: number;
  buildingCode: string;
  buildingName: string;
  buildingNameEn: string | null;
  availability: Availability;
  /** End of the active lease (soon vacant, leased), YYYY-MM-DD. */
  leaseEnd: string | null;
  /** When a prospect could move in: asOf for vacant units, the day after the lease ends otherwise. */
  availableFrom: string;
  /** Industries of the tenants in adjacent units (same floor, a few metres apart). */
  neighbourIndustries: Industry[];
  /** Industries the unit suits: by its use, plus its neighbours'. */
  suitable: Industry[];
}

/** The reference date and cut-off a response was computed for. */
export interface AvailabilityWindow {
  /** YYYY-MM-DD. */
  asOf: string;
  /** Months. */
  within: number;
  /** Leases ending on or before this date make a unit soon vacant. */
  cutoff: string;
}

/** GET /api/invest/units. */
export interface UnitsResult extends AvailabilityWindow {
  park: string;
  /** Units matching every filter, before `limit`. */
  total: number;
  truncated: boolean;
  units: UnitRow[];
  /**
   * Units a proposal holds (room.lease_status 'reserved') that match the same filters: not on
   * offer (not in `units`, not in `total`), shown as held so nobody offers them twice.
   */
  held?: UnitRow[];
  /** Buildings of the park that have leasable units (the building filter's choices). */
  buildings: { code: string; name: string; nameEn: string | null }[];
}

/** Outline rings in park metres (x east, y north). */
export type LocalRings = [number, number][][];

/** A room of the floor plan. */
export interface PlanRoom {
  idx: number;
  code: string;
  use: string;
  leaseStatus: string;
  rings: LocalRings;
}

/** A tenant on the unit's floor. */
export interface Neighbour {
  enterpriseIdx: number;
  /** Names only for callers that may read enterprises. */
  name: string | null;
  nameEn: string | null;
  industry: Industry;
  /** Units it leases on this floor. */
  units: number;
  /** One of its units is adjacent to this one. */
  adjacent: boolean;
}

/** GET /api/invest/units/:idx: what the unit panel shows. */
export interface UnitDetail extends AvailabilityWindow {
  unit: UnitRow;
  /** The unit's floor: outline and rooms, slab top and storey height in metres above the park datum. */
  floorPlan: { outline: LocalRings; rooms: PlanRoom[]; elevation: number; height: number };
  neighbours: Neighbour[];
}

/** GET /api/invest/compare. */
export interface CompareResult extends AvailabilityWindow {
  units: UnitRow[];
}
