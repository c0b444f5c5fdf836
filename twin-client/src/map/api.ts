/**
 * Client of the map GeoJSON endpoints (`/api/map/*`, permission map:read). Shapes mirror
 * twin-server/src/modules/map/queries.ts.
 */
import type { Bbox } from './style.ts';
import { api, ApiError, type GetQuery } from '../api/client.ts';

/** One GeoJSON feature as the server sends it. */
export interface Feature<P, G = { type: string; coordinates: unknown }> {
  type: 'Feature';
  id: number;
  geometry: G;
  properties: P;
}

/** A FeatureCollection; `truncated` says the server's limit cut it. */
export interface FeatureCollection<P, G = { type: string; coordinates: unknown }> {
  type: 'FeatureCollection';
  features: Feature<P, G>[];
  truncated: boolean;
}

export type Point = { type: 'Point'; coordinates: [number, number] };
export type Polygon = { type: 'Polygon'; coordinates: number[][][] };

export interface ParkProps { code: string; name: string; nameEn: string | null; city: string; origin: [number, number, number] }
export interface BlockProps { code: string; name: string; nameEn: string | null; plannedUse: string | null; plotRatio: number | null; areaM2: number }
export interface BuildingProps {
  code: string; name: string; nameEn: string | null; use: string; height: number; floors: number;
  industry: string | null; tenants: number; leasableArea: number; leasedArea: number; occupancy: number | null;
}
export interface EnterpriseProps {
  name: string; nameEn: string | null; industry: string; staff: number; leading: boolean; highTech: boolean;
  buildingIdx: number; buildingCode: string; output12m: number; months: number;
}
export interface HeatProps { leasedArea: number; leasableArea: number; rooms: number }

/** Everything the map draws for one park. */
export interface MapData {
  park: Feature<ParkProps, Polygon>;
  blocks: FeatureCollection<BlockProps, Polygon>;
  buildings: FeatureCollection<BuildingProps, Polygon>;
  enterprises: FeatureCollection<EnterpriseProps, Point>;
  heat: FeatureCollection<HeatProps, Point>;
}

/** A failed request; status 401 means the user must sign in (the typed client's ApiError). */
export { ApiError as MapApiError };

/** The map's GeoJSON collections (one route each, all with the same query). */
export type MapCollection = 'parks' | 'blocks' | 'buildings' | 'enterprises' | 'occupancy';

/**
 * GETs one map collection through the typed client; throws MapApiError with the server's message
 * on failure. The geometry type is narrowed here: the route declares only `{ type, coordinates }`.
 */
export async function getCollection<P, G>(name: MapCollection, query: GetQuery<'/api/map/parks'>, signal?: AbortSignal): Promise<FeatureCollection<P, G>> {
  const path = `/api/map/${name}` as const;
  return (await api.get(path, { query, signal })) as unknown as FeatureCollection<P, G>;
}

/** Loads the parks (first one, or the one with `parkCode`). */
export async function loadPark(parkCode: string | undefined, signal?: AbortSignal): Promise<Feature<ParkProps, Polygon> | null> {
  const parks = await getCollection<ParkProps, Polygon>('parks', parkCode ? { park: parkCode } : {}, signal);
  return parks.features[0] ?? null;
}

/** Loads every layer of the map for one park, filtered by `bbox`. */
export async function loadMapData(park: Feature<ParkProps, Polygon>, bbox: Bbox, signal?: AbortSignal): Promise<MapData> {
  const params = { park: park.properties.code, bbox: bbox.map((v) => v.toFixed(6)).join(',') };
  const [blocks, buildings, enterprises, heat] = await Promise.all([
    getCollection<BlockProps, Polygon>('blocks', params, signal),
    getCollection<BuildingProps, Polygon>('buildings', params, signal),
    getCollection<EnterpriseProps, Point>('enterprises', params, signal),
    getCollection<HeatProps, Point>('occupancy', params, signal),
  ]);
  return { park, blocks, buildings, enterprises, heat };
}
