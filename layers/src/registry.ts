/**
 * The one layer registry. Adding a layer: a folder with its definition, an id in LAYER_IDS
 * (protocol.ts) and one entry here; the hub, ingest and client walk this list.
 */
import type { LayerDef } from './layer.ts';
import type { LayerName } from './protocol.ts';
import { occupancyLayer } from './occupancy/index.ts';
import { equipmentLayer } from './equipment/index.ts';
import { securityLayer } from './security/index.ts';
import { energyLayer } from './energy/index.ts';
import { economyLayer } from './economy/index.ts';

/** Every registered layer, in wire-id order. */
export const LAYERS: readonly LayerDef[] = [occupancyLayer, equipmentLayer, securityLayer, energyLayer, economyLayer] as readonly LayerDef[];

const byName = new Map(LAYERS.map((l) => [l.name, l]));
const byId = new Map(LAYERS.map((l) => [l.id, l]));

/** The layer called `name`, or undefined (names come from topics and messages, so check). */
export function layerByName(name: string): LayerDef | undefined {
  return byName.get(name as LayerName);
}

/** The layer with wire id `id`, or undefined. */
export function layerById(id: number): LayerDef | undefined {
  return byId.get(id);
}

/** Colour of a record in the client's state texture: value + status -> RGBA (0-255). */
export function encodeState(layerId: number, value: number, status: number): readonly [number, number, number, number] {
  return byId.get(layerId)?.encode(value, status) ?? [0, 0, 0, 0];
}
