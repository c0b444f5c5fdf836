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

/**
 * What a twin view can colour its objects by: every registered live layer, the lease status (from
 * the database, not streamed), meeting rooms free or booked now (booking module) or nothing. The
 * layer switcher, deep links and wall bookmarks use it.
 */
export type SceneLayerChoice = LayerName | 'lease' | 'booking' | 'none';
const choices: SceneLayerChoice[] = [...LAYERS.map((l) => l.name), 'lease', 'booking', 'none'];
export const SCENE_LAYER_CHOICES = choices as [SceneLayerChoice, ...SceneLayerChoice[]];

const byName = new Map(LAYERS.map((l) => [l.name, l]));
const byId = new Map(LAYERS.map((l) => [l.id, l]));

/** Every alarm kind a registered layer may raise (alarm.kind values), in registry order. */
export const ALARM_KINDS: readonly string[] = LAYERS.flatMap((l) => Object.keys(l.alarmKinds ?? {}));

/** The layer and label of an alarm kind, or undefined for a kind no registered layer declares. */
export function alarmKind(kind: string): { layer: LayerDef; label: { zh: string; en: string } } | undefined {
  for (const layer of LAYERS) {
    const label = layer.alarmKinds?.[kind];
    if (label) return { layer, label };
  }
  return undefined;
}

/** The layer whose history an object panel charts for objects of `kind`, among the layers `readable` allows. */
export function historyLayer(kind: string, readable: (l: LayerDef) => boolean = () => true): LayerDef | undefined {
  return LAYERS.find((l) => l.history?.includes(kind) && readable(l));
}

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
