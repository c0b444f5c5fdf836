/**
 * The generated park as plain objects, before it is written. Geometry is in local metres (see
 * geo.ts); references between rows are object references, resolved to idx when written.
 */
import type { Outline, Rect, XY } from './geo.ts';

/** Fields every twin object has. `idx` is assigned after generation, in a fixed kind order. */
export interface TwinBase {
  idx: number;
  uuid: string;
  name: string;
  nameEn: string | null;
}

export type ZoneType = 'perimeter' | 'restricted' | 'block' | 'parking' | 'green' | 'plaza';
export type PlannedUse = 'research' | 'industrial' | 'commercial' | 'residential' | 'green' | 'public' | 'reserve';

export interface ParkObj extends TwinBase {
  code: string;
  city: string;
  /** Ellipsoidal height of the ground datum at the origin, metres. */
  originHeight: number;
  boundary: Outline;
}

export interface ZoneObj extends TwinBase {
  code: string;
  zoneType: ZoneType;
  boundary: Outline;
  plannedUse: PlannedUse | null;
  plotRatio: number | null;
}

export type BuildingUse =
  | 'office' | 'research' | 'industrial' | 'incubator' | 'data_center' | 'residential' | 'commercial'
  | 'amenity' | 'parking' | 'utility' | 'mixed';

/** A wing: one rectangle of a floor plate, partitioned on its own (corridor along the long side). */
export interface Wing {
  readonly r: Rect;
}

export interface BuildingObj extends TwinBase {
  code: string;
  use: BuildingUse;
  footprint: Outline;
  height: number;
  floorsAbove: number;
  floorsBelow: number;
  year: number;
  floors: FloorObj[];
  /** Outline and wings of the podium (ground) plate and of the upper plate (same unless a tower). */
  podium: { outline: Outline; wings: Wing[] };
  tower: { outline: Outline; wings: Wing[] } | null;
  /** Floors (above ground) that use the podium plate. */
  podiumFloors: number;
  /** Where networks connect: a point just outside the wall facing the named road side. */
  service: { west: XY; east: XY; lane: XY };
  /** Served by a district cooling loop (no own chillers). */
  districtCooling: boolean;
  hasCanteen: boolean;
  hasBoiler: boolean;
  zone: ZoneObj | null;
  restrictedZone: ZoneObj | null;
}

export type RoomUse =
  | 'office' | 'lab' | 'retail' | 'canteen' | 'meeting' | 'lobby' | 'corridor' | 'core' | 'plant' | 'storage'
  | 'parking' | 'restroom' | 'data_center' | 'showroom' | 'workshop';

export type LeaseStatus = 'vacant' | 'reserved' | 'leased' | 'expiring' | 'not_leasable';

export interface FloorObj extends TwinBase {
  building: BuildingObj;
  level: number;
  elevation: number;
  height: number;
  footprint: Outline;
  rooms: RoomObj[];
}

export interface RoomObj extends TwinBase {
  floor: FloorObj;
  building: BuildingObj;
  code: string;
  r: Rect;
  area: number;
  use: RoomUse;
  leasable: boolean;
  leaseStatus: LeaseStatus;
  rent: number | null;
  capacity: number | null;
}

export type EquipmentType =
  | 'ahu' | 'chiller' | 'boiler' | 'cooling_tower' | 'pump' | 'fan_coil' | 'elevator' | 'transformer'
  | 'switchgear' | 'generator' | 'power_meter' | 'water_meter' | 'light' | 'fire_detector' | 'sprinkler_valve'
  | 'env_sensor' | 'occupancy_sensor' | 'camera' | 'access_reader' | 'barrier_gate' | 'ev_charger';

export type CameraCoverage =
  | 'main_gate' | 'crossroad' | 'perimeter' | 'ground_entrance' | 'fire_lane' | 'lobby' | 'lift_car'
  | 'machine_room' | 'canteen' | 'parking' | 'corridor';

export type EquipmentStatus = 'normal' | 'warning' | 'fault' | 'offline' | 'maintenance';

export interface EquipmentObj extends TwinBase {
  building: BuildingObj | null;
  floor: FloorObj | null;
  room: RoomObj | null;
  code: string;
  type: EquipmentType;
  model: string;
  manufacturer: string;
  pos: XY;
  z: number;
  heading: number;
  status: EquipmentStatus;
  installDate: string;
  maintenanceDays: number;
  lastMaintained: string | null;
  ratedKw: number | null;
  camera: { coverage: CameraCoverage; fov: number; range: number; ptz: boolean } | null;
  access: { kind: 'door' | 'turnstile' | 'vehicle_barrier' | 'gate' | 'lift'; biometric: boolean; zone: ZoneObj | null } | null;
}

export type Industry =
  | 'ai' | 'ic_design' | 'software' | 'biomed' | 'new_energy' | 'smart_manufacturing' | 'digital_media'
  | 'fintech' | 'e_commerce' | 'services';

export interface MonthlyRow {
  month: string;
  output: number;
  revenue: number;
  tax: number;
  rd: number;
  energyKwh: number;
  staff: number;
}

export interface EnterpriseObj extends TwinBase {
  creditCode: string;
  industry: Industry;
  capital: number;
  staff: number;
  founded: string;
  leading: boolean;
  highTech: boolean;
  monthly: MonthlyRow[];
}

export interface LeaseObj {
  room: RoomObj;
  enterprise: EnterpriseObj;
  start: string;
  end: string;
  rent: number;
  status: 'signed' | 'active' | 'ended';
}

export type WorkOrderStatus = 'open' | 'assigned' | 'in_progress' | 'on_hold' | 'done' | 'cancelled';

/** A maintenance work order on one piece of equipment (table work_order). */
export interface WorkOrderObj {
  equipment: EquipmentObj;
  code: string;
  title: string;
  titleEn: string;
  type: 'repair' | 'preventive' | 'inspection' | 'replacement';
  priority: 'low' | 'normal' | 'high' | 'urgent';
  status: WorkOrderStatus;
  assignee: string | null;
  opened: string;
  due: string | null;
  closed: string | null;
}

export type Network = 'water' | 'drainage' | 'power' | 'gas' | 'telecom' | 'hvac';
export type NodeType =
  | 'source' | 'valve' | 'manhole' | 'junction' | 'hydrant' | 'meter' | 'transformer' | 'cabinet' | 'outlet' | 'service';
export type Material =
  | 'ductile_iron' | 'steel' | 'pe' | 'hdpe' | 'pvc' | 'concrete' | 'copper' | 'fiber' | 'xlpe_cable';

export interface PipeNodeObj extends TwinBase {
  network: Network;
  nodeType: NodeType;
  code: string;
  pos: XY;
  z: number;
  building: BuildingObj | null;
  valveOpen: boolean | null;
}

export interface PipeSegmentObj extends TwinBase {
  network: Network;
  code: string;
  from: PipeNodeObj;
  to: PipeNodeObj;
  diameter: number;
  depth: number;
  material: Material;
  installYear: number;
}

/** The whole generated park. */
export interface ParkData {
  park: ParkObj;
  /** Local frame origin (lon, lat). */
  origin: { lon: number; lat: number };
  /** The fixed date the data describes ("today" for lease states and histories). */
  asOf: string;
  zones: ZoneObj[];
  buildings: BuildingObj[];
  floors: FloorObj[];
  rooms: RoomObj[];
  equipment: EquipmentObj[];
  enterprises: EnterpriseObj[];
  leases: LeaseObj[];
  pipeNodes: PipeNodeObj[];
  pipeSegments: PipeSegmentObj[];
  workOrders: WorkOrderObj[];
}
