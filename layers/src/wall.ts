/**
 * Wire types of the command wall's routes (GET /api/wall/kpis, /api/wall/bookmarks), shared by
 * the server module that computes them and the wall view that shows them.
 */

/** The wall's KPI set for one park (GET /api/wall/kpis). */
export interface WallKpis {
  park: string;
  /** Server time of the computation (ISO); live figures are as of then. */
  at: string;
  timezone: string;
  /** Leasing: leased or expiring units over leasable units, by area. */
  occupancy: { leasableUnits: number; leasedUnits: number; leasableArea: number; leasedArea: number; rate: number };
  /** Head count from the occupancy sensors (fresh readings), against the rooms' capacity. */
  people: { onSite: number; capacity: number; rooms: number };
  /** Metered energy (kWh counters of the park's meters), today so far vs yesterday; power now (kW). */
  energy: {
    todayKwh: number; yesterdaySameTimeKwh: number; yesterdayKwh: number; powerKw: number;
    /** kWh per local hour 0-23, today and yesterday. */
    hourly: { today: number[]; yesterday: number[] };
  };
  /** Devices neither faulty nor offline (live status where reported, else the register's status). */
  equipment: { total: number; available: number; rate: number };
  /** Raised or acknowledged alarms on the park's objects. */
  alarms: { open: number; bySeverity: { 1: number; 2: number; 3: number } };
  enterprises: { count: number; employees: number; leading: number; highTech: number };
  /** Output value and tax (10k CNY) from January to the latest reported month, and the same months a year before. */
  economy: {
    from: string | null; to: string | null;
    outputYtd: number; taxYtd: number; outputPrevYtd: number; taxPrevYtd: number;
    monthly: { month: string; output: number; tax: number }[];
  };
}

/** A tour stop. */
export interface Bookmark {
  id: number;
  name: string;
  /** [px, py, pz, tx, ty, tz]: camera position and orbit target (local metres, +Y up). */
  camera: number[];
  layer: string;
  position: number;
  dwellS: number;
}
