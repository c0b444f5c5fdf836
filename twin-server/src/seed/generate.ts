/**
 * Generates a whole sample park in memory, deterministically from (seed, scale, code): the same
 * inputs give the same objects in the same order with the same idx offsets and uuids.
 */
import { Rng, hash32 } from './prng.ts';
import { addDays } from './dates.ts';
import { rectRing } from './geo.ts';
import { PARK_CITY, PARK_GROUND_ELLIPSOIDAL, PARK_NAME, PARK_ORIGIN } from './catalog.ts';
import { generateBuildings } from './buildings.ts';
import { generateEquipment } from './equipment.ts';
import { generateNetworks } from './networks.ts';
import { generateEconomy } from './economy.ts';
import { generateWorkOrders } from './workOrders.ts';
import type { ParkData, TwinBase } from './model.ts';

/** The date the data describes, derived from the seed (never the wall clock). */
export function asOfDate(seed: number): string {
  return addDays('2025-01-01', hash32(`asof:${seed}`) % 540);
}

/** Builds the park; `firstIdx` is the idx the park object gets, the rest follow in kind order. */
export function generatePark(seed: number, scale: number, code: string, firstIdx = 1): ParkData {
  const asOf = asOfDate(seed);
  const asOfYear = Number(asOf.slice(0, 4));
  const { layout, buildings, floors, rooms, zones } = generateBuildings(seed, scale, asOfYear);
  const perimeter = zones.find((z) => z.zoneType === 'perimeter')!;
  const parking = layout.blocks.filter((b) => b.parking && b.buildings.length > 0).map((b) => ({ zone: zones.find((z) => z.code === `PARK-${b.letter}`)!, r: b.parking! }));
  const equipment = generateEquipment(seed, asOf, layout, buildings, perimeter, parking);
  const { nodes, segments } = generateNetworks(seed, layout, buildings, Math.min(...buildings.map((b) => b.year)));
  const { enterprises, leases } = generateEconomy(seed, code, scale, asOf, rooms);
  const park: ParkData['park'] = {
    idx: 0,
    uuid: '',
    name: PARK_NAME.zh,
    nameEn: PARK_NAME.en,
    code,
    city: PARK_CITY,
    originHeight: PARK_GROUND_ELLIPSOIDAL,
    boundary: { outer: rectRing(layout.boundary), holes: [] },
  };
  const data: ParkData = {
    park, origin: PARK_ORIGIN, asOf, zones, buildings, floors, rooms, equipment, enterprises, leases,
    pipeNodes: nodes, pipeSegments: segments, workOrders: generateWorkOrders(seed, asOf, equipment),
  };
  const uuids = new Rng(seed, `uuid:${code}`);
  let idx = firstIdx;
  for (const o of allObjects(data)) {
    o.idx = idx++;
    o.uuid = uuids.uuid();
  }
  return data;
}

/** Every twin object of the park in idx order. */
export function* allObjects(d: ParkData): Generator<TwinBase> {
  yield d.park;
  yield* d.zones;
  yield* d.buildings;
  yield* d.floors;
  yield* d.rooms;
  yield* d.equipment;
  yield* d.enterprises;
  yield* d.pipeNodes;
  yield* d.pipeSegments;
}

/** Number of twin objects in the park. */
export function objectCount(d: ParkData): number {
  return 1 + d.zones.length + d.buildings.length + d.floors.length + d.rooms.length + d.equipment.length +
    d.enterprises.length + d.pipeNodes.length + d.pipeSegments.length;
}
