/**
 * The park hierarchy as parallel columns, as `GET /api/twin/parks/:code/index` sends it: compact
 * JSON for tens of thousands of objects. Server and client share this one definition.
 */
export interface ParkIndex {
  park: { idx: number; code: string; name: string; nameEn: string | null; origin: { lon: number; lat: number; h: number } };
  idx: number[];
  kind: string[];
  parent: number[];
  /** Floor level for floors, rooms and equipment on a floor; 0 otherwise. */
  level: number[];
  name: string[];
  nameEn: (string | null)[];
  /** Room lease status, null for other kinds. */
  lease: (string | null)[];
}
