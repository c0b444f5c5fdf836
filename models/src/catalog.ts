/**
 * Equipment models built from primitives, one per `equipment.type` of the core schema. Each model
 * stands on its origin (base centre), faces north (+Y in the z-up build frame) and is sized in
 * metres like the real thing, so instances need no scale.
 */
import { MeshBuilder, box, cylinder, type Rgba } from '../../twin-server/src/tiler/mesh.ts';

/** The equipment types of 001_core.sql, in schema order. */
export const EQUIPMENT_TYPES = [
  'ahu', 'chiller', 'boiler', 'cooling_tower', 'pump', 'fan_coil', 'elevator', 'transformer', 'switchgear',
  'generator', 'power_meter', 'water_meter', 'light', 'fire_detector', 'sprinkler_valve', 'env_sensor',
  'occupancy_sensor', 'camera', 'access_reader', 'barrier_gate', 'ev_charger',
] as const;
export type EquipmentType = (typeof EQUIPMENT_TYPES)[number];

type Part =
  | { box: [number, number, number]; at?: [number, number, number]; color: Rgba }
  | { cyl: [number, number]; at?: [number, number, number]; color: Rgba; sides?: number };

const GREY: Rgba = [150, 156, 162, 255];
const DARK: Rgba = [70, 76, 84, 255];
const BLUE: Rgba = [60, 120, 190, 255];
const RED: Rgba = [200, 50, 45, 255];
const YELLOW: Rgba = [230, 180, 40, 255];
const GREEN: Rgba = [60, 160, 90, 255];
const WHITE: Rgba = [235, 235, 230, 255];

// Parts: box [sx, sy, sz] or cylinder [radius, height], placed with `at` = [x, y, z of base].
const PARTS: Record<EquipmentType, Part[]> = {
  ahu: [{ box: [4, 1.6, 1.8], color: GREY }, { box: [0.8, 1.7, 1.2], at: [1.4, 0, 0.3], color: DARK }],
  chiller: [{ box: [4.5, 1.8, 2], color: BLUE }, { cyl: [0.45, 0.4], at: [-1.2, 0, 2], color: DARK }, { cyl: [0.45, 0.4], at: [1.2, 0, 2], color: DARK }],
  boiler: [{ cyl: [0.9, 2.4], color: RED, sides: 16 }, { box: [0.6, 0.6, 0.6], at: [0, 0.9, 0.2], color: DARK }],
  cooling_tower: [{ box: [3.5, 3.5, 3.2], color: GREY }, { cyl: [1.3, 0.8], at: [0, 0, 3.2], color: DARK, sides: 16 }],
  pump: [{ box: [1, 0.5, 0.15], color: DARK }, { cyl: [0.25, 0.5], at: [0, 0, 0.15], color: BLUE }],
  fan_coil: [{ box: [1.2, 0.6, 0.3], color: WHITE }],
  elevator: [{ box: [2, 2, 3], color: GREY }, { box: [1.1, 0.05, 2.2], at: [0, 1.0, 0.05], color: DARK }],
  transformer: [{ box: [2, 1.4, 2], color: GREEN }, { cyl: [0.12, 0.5], at: [-0.5, 0, 2], color: WHITE }, { cyl: [0.12, 0.5], at: [0.5, 0, 2], color: WHITE }],
  switchgear: [{ box: [2.4, 0.8, 2.2], color: GREY }, { box: [2.2, 0.05, 1.6], at: [0, 0.4, 0.3], color: DARK }],
  generator: [{ box: [3.5, 1.5, 1.8], color: YELLOW }, { cyl: [0.15, 0.8], at: [1.2, 0, 1.8], color: DARK }],
  power_meter: [{ box: [0.3, 0.15, 0.4], color: WHITE }],
  water_meter: [{ cyl: [0.12, 0.2], color: BLUE }],
  light: [{ box: [1.2, 0.3, 0.08], color: WHITE }],
  fire_detector: [{ cyl: [0.08, 0.05], color: WHITE }],
  sprinkler_valve: [{ cyl: [0.1, 0.5], color: RED }, { box: [0.4, 0.12, 0.12], at: [0, 0, 0.3], color: RED }],
  env_sensor: [{ box: [0.12, 0.04, 0.12], color: WHITE }],
  occupancy_sensor: [{ cyl: [0.06, 0.04], color: WHITE }],
  camera: [{ box: [0.12, 0.3, 0.12], color: DARK }, { cyl: [0.03, 0.3], at: [0, -0.1, -0.3], color: GREY }],
  access_reader: [{ box: [0.1, 0.04, 0.15], color: DARK }],
  barrier_gate: [{ box: [0.4, 0.4, 1.1], color: YELLOW }, { box: [3.5, 0.08, 0.1], at: [1.9, 0, 0.9], color: WHITE }],
  ev_charger: [{ box: [0.6, 0.4, 1.6], color: GREEN }, { box: [0.4, 0.05, 0.3], at: [0, 0.2, 1.1], color: DARK }],
};

/** A built model: geometry in the z-up frame and its size. */
export interface ModelMesh {
  readonly type: EquipmentType;
  readonly mesh: MeshBuilder;
  /** Bounding size [east, north, up] in metres. */
  readonly size: [number, number, number];
}

const cache = new Map<EquipmentType, ModelMesh>();

/** Builds (once) the model of an equipment type. */
export function equipmentModel(type: EquipmentType): ModelMesh {
  const hit = cache.get(type);
  if (hit) return hit;
  const b = new MeshBuilder();
  for (const p of PARTS[type]) {
    const [x, y, z] = p.at ?? [0, 0, 0];
    b.feature(0, 0, p.color);
    if ('box' in p) box(b, x, y, z, z + p.box[2], p.box[0], p.box[1]);
    else cylinder(b, x, y, z, z + p.cyl[1], p.cyl[0], p.sides ?? 10);
  }
  const { min, max } = b.bounds();
  const m: ModelMesh = { type, mesh: b, size: [max[0] - min[0], max[1] - min[1], max[2] - min[2]].map((v) => Math.round(v * 1000) / 1000) as [number, number, number] };
  cache.set(type, m);
  return m;
}

/** True when `t` names a known equipment type. */
export function isEquipmentType(t: string): t is EquipmentType {
  return (EQUIPMENT_TYPES as readonly string[]).includes(t);
}
