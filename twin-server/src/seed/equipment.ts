/**
 * Equipment placed where it belongs: plant in plant rooms, AHUs and cooling towers on roofs,
 * lifts in cores, terminal devices and sensors per room, meters per floor and unit, and the
 * security devices (cameras in every G5 coverage category, access readers, barrier gates).
 */
import { Rng } from './prng.ts';
import { rectCenter, rectH, rectW, roundTo, type Rect, type XY } from './geo.ts';
import { addDays, daysBetween } from './dates.ts';
import { EQUIPMENT_NAMES, MAINTENANCE_DAYS, MODELS } from './catalog.ts';
import type { Layout } from './buildings.ts';
import type {
  BuildingObj, CameraCoverage, EquipmentObj, EquipmentStatus, EquipmentType, FloorObj, RoomObj, ZoneObj,
} from './model.ts';

interface AddOpts {
  building?: BuildingObj | null;
  floor?: FloorObj | null;
  room?: RoomObj | null;
  pos: XY;
  z: number;
  code: string;
  heading?: number;
  camera?: EquipmentObj['camera'];
  access?: EquipmentObj['access'];
  installed?: string;
  kw?: number | null;
}

/** A point inside a room: i-th of k along its long side, at fraction v across. */
function spot(r: Rect, i: number, k: number, v: number): XY {
  const f = (i + 0.5) / k;
  return rectW(r) >= rectH(r)
    ? { x: roundTo(r.x0 + rectW(r) * f, 3), y: roundTo(r.y0 + rectH(r) * v, 3) }
    : { x: roundTo(r.x0 + rectW(r) * v, 3), y: roundTo(r.y0 + rectH(r) * f, 3) };
}

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

/** Generates all equipment of the park. */
export function generateEquipment(
  seed: number,
  asOf: string,
  layout: Layout,
  buildings: readonly BuildingObj[],
  perimeter: ZoneObj,
  parkingZones: readonly { zone: ZoneObj; r: Rect }[],
): EquipmentObj[] {
  const rng = new Rng(seed, 'equipment');
  const out: EquipmentObj[] = [];
  const codes = new Set<string>();
  const openYear = Math.min(...buildings.map((b) => b.year));

  const add = (type: EquipmentType, o: AddOpts): EquipmentObj => {
    if (codes.has(o.code)) throw new Error(`duplicate equipment code ${o.code}`);
    codes.add(o.code);
    const [manufacturer, model, kw] = rng.pick(MODELS[type]);
    const year = o.building?.year ?? openYear;
    let installed = o.installed ?? addDays(`${year}-06-01`, rng.int(0, 180));
    if (rng.chance(0.08)) installed = addDays(installed, rng.int(200, 1500)); // replaced since
    if (installed > asOf) installed = addDays(asOf, -rng.int(10, 60));
    const interval = MAINTENANCE_DAYS[type];
    const status = rng.weighted<EquipmentStatus>({ normal: 955, warning: 20, fault: 8, offline: 7, maintenance: 10 });
    const overdue = status === 'fault' || rng.chance(0.04);
    let last: string | null = addDays(asOf, -(overdue ? interval + rng.int(1, interval) : rng.int(0, interval - 1)));
    if (last < installed) last = daysBetween(installed, asOf) > 30 ? installed : null;
    const names = EQUIPMENT_NAMES[type];
    const e: EquipmentObj = {
      idx: 0,
      uuid: '',
      name: `${names.zh} ${o.code}`,
      nameEn: `${names.en} ${o.code}`,
      building: o.building ?? null,
      floor: o.floor ?? null,
      room: o.room ?? null,
      code: o.code,
      type,
      model,
      manufacturer,
      pos: o.pos,
      z: roundTo(o.z, 2),
      heading: roundTo(o.heading ?? 0, 1) % 360,
      status,
      installDate: installed,
      maintenanceDays: interval,
      lastMaintained: last,
      ratedKw: o.kw !== undefined ? o.kw : kw,
      camera: o.camera ?? null,
      access: o.access ?? null,
    };
    out.push(e);
    return e;
  };
  const cam = (coverage: CameraCoverage, ptz = false, fov = 90, range = 30): EquipmentObj['camera'] => ({ coverage, fov, range, ptz });

  // --- Outdoor: gates, crossroads, perimeter, surface parking.
  const bd = layout.boundary;
  const gates: { id: string; pos: XY; heading: number; main: boolean }[] = [
    { id: 'S', pos: { x: layout.xs[layout.gateRoad]!, y: bd.y0 }, heading: 180, main: true },
    { id: 'N', pos: { x: layout.xs[Math.max(0, layout.cols - layout.gateRoad)]!, y: bd.y1 }, heading: 0, main: false },
    { id: 'E', pos: { x: bd.x1, y: layout.ys[Math.floor(layout.rows / 2)]! }, heading: 90, main: false },
  ];
  if (layout.cols >= 3) gates.push({ id: 'W', pos: { x: bd.x0, y: layout.ys[Math.ceil(layout.rows / 2)]! }, heading: 270, main: false });
  for (const g of gates) {
    const inward = (d: number): XY => {
      const h = (g.heading * Math.PI) / 180;
      return { x: roundTo(g.pos.x - Math.sin(h) * d, 3), y: roundTo(g.pos.y - Math.cos(h) * d, 3) };
    };
    const side = (p: XY, s: number): XY =>
      g.heading === 0 || g.heading === 180 ? { x: roundTo(p.x + s, 3), y: p.y } : { x: p.x, y: roundTo(p.y + s, 3) };
    const nCam = g.main ? 3 : 2;
    for (let i = 0; i < nCam; i++) {
      add('camera', { pos: side(inward(6), (i - (nCam - 1) / 2) * 8), z: 6, heading: g.heading, code: `GATE-${g.id}-CAM${i + 1}`, camera: cam('main_gate', i === 0, 90, 50) });
    }
    add('barrier_gate', { pos: side(inward(3), -4), z: 0, heading: g.heading, code: `GATE-${g.id}-BG1`, access: { kind: 'vehicle_barrier', biometric: false, zone: perimeter } });
    add('barrier_gate', { pos: side(inward(3), 4), z: 0, heading: (g.heading + 180) % 360, code: `GATE-${g.id}-BG2`, access: { kind: 'vehicle_barrier', biometric: false, zone: perimeter } });
    add('access_reader', { pos: side(inward(3), 9), z: 1.3, heading: g.heading, code: `GATE-${g.id}-AC1`, access: { kind: 'gate', biometric: g.main, zone: perimeter } });
  }
  for (let i = 0; i < layout.xs.length; i++) {
    for (let j = 0; j < layout.ys.length; j++) {
      const p = { x: roundTo(layout.xs[i]! + 10, 3), y: roundTo(layout.ys[j]! + 10, 3) };
      const inner = i > 0 && j > 0 && i < layout.cols && j < layout.rows;
      add('camera', { pos: p, z: 7, heading: 225, code: `X-${i}-${j}-CAM1`, camera: cam('crossroad', inner, inner ? 360 : 90, 60) });
    }
  }
  const per: XY[] = [];
  const step = 60;
  const edges: [XY, XY][] = [
    [{ x: bd.x0, y: bd.y0 }, { x: bd.x1, y: bd.y0 }],
    [{ x: bd.x1, y: bd.y0 }, { x: bd.x1, y: bd.y1 }],
    [{ x: bd.x1, y: bd.y1 }, { x: bd.x0, y: bd.y1 }],
    [{ x: bd.x0, y: bd.y1 }, { x: bd.x0, y: bd.y0 }],
  ];
  for (const [a, b] of edges) {
    const len = Math.hypot(b.x - a.x, b.y - a.y);
    const n = Math.max(1, Math.round(len / step));
    for (let k = 0; k < n; k++) {
      const t = k / n;
      per.push({ x: roundTo(a.x + (b.x - a.x) * t, 3), y: roundTo(a.y + (b.y - a.y) * t, 3) });
    }
  }
  per.forEach((p, k) => {
    // Cameras sit 1 m inside the fence and look along it.
    const q = { x: roundTo(clamp(p.x, bd.x0 + 1, bd.x1 - 1), 3), y: roundTo(clamp(p.y, bd.y0 + 1, bd.y1 - 1), 3) };
    add('camera', { pos: q, z: 5, heading: (k * 90) % 360, code: `PER-CAM${String(k + 1).padStart(3, '0')}`, camera: cam('perimeter', false, 60, 70) });
  });
  for (const { zone, r } of parkingZones) {
    const n = clamp(Math.round(rectW(r) / 25), 2, 10);
    for (let i = 0; i < n; i++) add('ev_charger', { pos: spot(r, i, n, 0.5), z: 0, heading: 0, code: `${zone.code}-EV${i + 1}` });
    add('camera', { pos: { x: r.x0, y: rectCenter(r).y }, z: 6, heading: 90, code: `${zone.code}-CAM1`, camera: cam('parking', false, 90, 60) });
    add('camera', { pos: { x: r.x1, y: rectCenter(r).y }, z: 6, heading: 270, code: `${zone.code}-CAM2`, camera: cam('parking', false, 90, 60) });
  }

  // --- Buildings.
  for (const b of buildings) {
    const counters = new Map<string, number>();
    const bcode = (prefix: string) => {
      const n = (counters.get(prefix) ?? 0) + 1;
      counters.set(prefix, n);
      return `${b.code}-${prefix}${n}`;
    };
    const ground = b.floors.find((f) => f.level === 1)!;
    const top = b.floors.find((f) => f.level === b.floorsAbove)!;
    const biometricLobby = rng.chance(0.45);

    // Plant rooms: basement first, then ground, then any.
    const plantRooms = b.floors
      .filter((f) => f.level < 0)
      .flatMap((f) => f.rooms.filter((r) => r.use === 'plant'));
    if (plantRooms.length === 0) plantRooms.push(...ground.rooms.filter((r) => r.use === 'plant'));
    if (plantRooms.length === 0) plantRooms.push(...b.floors.flatMap((f) => f.rooms.filter((r) => r.use === 'plant')));
    const plantSlots = new Map<RoomObj, number>();
    const inPlant = (type: EquipmentType, n: number, kw?: number | null) => {
      for (let i = 0; i < n && plantRooms.length > 0; i++) {
        const room = plantRooms[(i + out.length) % plantRooms.length]!;
        const k = plantSlots.get(room) ?? 0;
        plantSlots.set(room, k + 1);
        const p = spot(room.r, k % 4, 4, 0.25 + 0.5 * (Math.floor(k / 4) % 2));
        add(type, { building: b, floor: room.floor, room, pos: p, z: room.floor.elevation, code: bcode(EQUIPMENT_NAMES[type].prefix), ...(kw !== undefined ? { kw } : {}) });
      }
    };
    const tall = b.floorsAbove >= 10;
    const dc = b.use === 'data_center';
    const util = b.use === 'utility';
    inPlant('transformer', dc ? 4 : util ? 2 : tall ? 3 : 2);
    inPlant('switchgear', dc ? 8 : tall ? 6 : 4);
    if (dc || tall || b.use === 'amenity') inPlant('generator', dc ? 3 : 1);
    inPlant('sprinkler_valve', tall ? 3 : 1);
    inPlant('pump', 4); // domestic water and fire pumps
    const ownChillers = !b.districtCooling && b.use !== 'industrial';
    if (util) {
      inPlant('chiller', 4 + rng.int(0, 2));
      inPlant('pump', 8);
    } else if (ownChillers) {
      inPlant('chiller', dc ? 4 : tall ? 3 : 2);
      inPlant('pump', 4);
    }
    if (b.hasBoiler) inPlant('boiler', util ? 2 : 1);

    // Roof: AHUs on every building, cooling towers with own chillers.
    const roofWings = (top.level > b.podiumFloors && b.tower ? b.tower : b.podium).wings;
    const nAhu = clamp(Math.round(b.floors.filter((f) => f.level > 0).reduce((s, f) => s + f.rooms.length, 0) / 60), 2, 8);
    for (let i = 0; i < nAhu; i++) {
      const w = roofWings[i % roofWings.length]!.r;
      add('ahu', { building: b, floor: top, pos: spot(w, Math.floor(i / roofWings.length), Math.ceil(nAhu / roofWings.length), 0.3), z: b.height, code: bcode('RF-AHU') });
    }
    if (util || ownChillers) {
      const nCt = util ? 6 : dc ? 4 : 2;
      for (let i = 0; i < nCt; i++) {
        const w = roofWings[i % roofWings.length]!.r;
        add('cooling_tower', { building: b, floor: top, pos: spot(w, Math.floor(i / roofWings.length), Math.ceil(nCt / roofWings.length), 0.72), z: b.height, code: bcode('RF-CT') });
      }
    }

    // Lifts in the ground-floor cores, each with a car camera; some with a lift reader.
    const cores = ground.rooms.filter((r) => r.use === 'core');
    const nLift = b.floorsAbove <= 3 ? 1 : b.floorsAbove <= 6 ? 2 : b.floorsAbove <= 12 ? rng.int(3, 4) : rng.int(5, 8);
    const liftReaders = b.floorsAbove >= 10 && rng.chance(0.6);
    for (let i = 0; i < nLift; i++) {
      const core = cores[i % cores.length]!;
      const k = Math.floor(i / cores.length);
      const per = Math.ceil(nLift / cores.length);
      const p = spot(core.r, k, per, 0.35);
      const lift = add('elevator', { building: b, floor: ground, room: core, pos: p, z: ground.elevation, code: `${core.code}-EL${k + 1}`, kw: b.use === 'industrial' ? 22 : undefined });
      add('camera', { building: b, floor: ground, room: core, pos: p, z: ground.elevation + 2.4, code: `${lift.code}-CAM`, camera: cam('lift_car', false, 120, 4) });
      if (liftReaders) add('access_reader', { building: b, floor: ground, room: core, pos: p, z: ground.elevation + 1.2, code: `${lift.code}-AC`, access: { kind: 'lift', biometric: false, zone: b.zone } });
    }

    // Outside the building: entrance and fire-lane cameras.
    const lobby = ground.rooms.find((r) => r.use === 'lobby') ?? ground.rooms.find((r) => r.use !== 'corridor')!;
    const lc = rectCenter(lobby.r);
    const fp = b.footprint.outer;
    const bx = { x0: Math.min(...fp.map((p) => p.x)), y0: Math.min(...fp.map((p) => p.y)), x1: Math.max(...fp.map((p) => p.x)), y1: Math.max(...fp.map((p) => p.y)) };
    const entr = { x: lc.x, y: roundTo(Math.abs(lc.y - bx.y0) < Math.abs(lc.y - bx.y1) ? bx.y0 - 3 : bx.y1 + 3, 3) };
    add('camera', { building: b, pos: entr, z: 3.5, heading: entr.y < lc.y ? 0 : 180, code: bcode('ENT-CAM'), camera: cam('ground_entrance', false, 90, 25) });
    add('camera', { building: b, pos: { x: roundTo(bx.x0 - 4, 3), y: roundTo((bx.y0 + bx.y1) / 2, 3) }, z: 6, heading: 0, code: bcode('FL-CAM'), camera: cam('fire_lane', false, 75, 60) });
    if (b.floorsAbove >= 6) add('camera', { building: b, pos: { x: roundTo(bx.x1 + 4, 3), y: roundTo((bx.y0 + bx.y1) / 2, 3) }, z: 6, heading: 180, code: bcode('FL-CAM'), camera: cam('fire_lane', false, 75, 60) });

    // Per floor and per room.
    for (const f of b.floors) {
      const fcore = f.rooms.find((r) => r.use === 'core') ?? f.rooms[0]!;
      const lvl = f.level > 0 ? `${f.level}F` : `B${-f.level}`;
      add('power_meter', { building: b, floor: f, room: fcore, pos: spot(fcore.r, 0, 1, 0.85), z: f.elevation + 1.5, code: `${b.code}-${lvl}-EM` });
      add('water_meter', { building: b, floor: f, room: fcore, pos: spot(fcore.r, 0, 1, 0.9), z: f.elevation + 0.5, code: `${b.code}-${lvl}-WM` });
      const ceil = f.elevation + f.height - 0.9;
      for (const r of f.rooms) roomDevices(r, f, ceil);
    }

    function roomDevices(r: RoomObj, f: FloorObj, ceil: number): void {
      const a = r.area;
      const base = { building: b, floor: f, room: r };
      const dev = (type: EquipmentType, n: number, v: number, z: number, extra: Partial<AddOpts> = {}) => {
        for (let i = 0; i < n; i++) add(type, { ...base, pos: spot(r.r, i, n, v), z, code: `${r.code}-${EQUIPMENT_NAMES[type].prefix}${i + 1}`, ...extra });
      };
      switch (r.use) {
        case 'office':
        case 'lab':
        case 'meeting':
        case 'showroom':
        case 'retail':
          dev('fan_coil', clamp(Math.round(a / 120), 1, 3), 0.3, ceil + 0.4);
          dev('light', a > 300 ? 2 : 1, 0.5, ceil);
          dev('fire_detector', a > 200 ? 2 : 1, 0.7, ceil);
          if (r.use !== 'retail') dev('occupancy_sensor', 1, 0.5, ceil);
          if (r.use !== 'retail' && r.use !== 'showroom') dev('env_sensor', 1, 0.15, f.elevation + 1.4);
          if (r.leasable) dev('power_meter', 1, 0.05, f.elevation + 1.5);
          if (r.use === 'lab' && rng.chance(0.4)) dev('access_reader', 1, 0.02, f.elevation + 1.3, { access: { kind: 'door', biometric: rng.chance(0.3), zone: b.zone } });
          break;
        case 'canteen':
          dev('fan_coil', clamp(Math.round(a / 120), 1, 4), 0.3, ceil + 0.4);
          dev('light', clamp(Math.round(a / 250), 1, 4), 0.5, ceil);
          dev('fire_detector', clamp(Math.round(a / 80), 1, 6), 0.7, ceil);
          dev('occupancy_sensor', 1, 0.5, ceil);
          dev('env_sensor', 1, 0.15, f.elevation + 1.4);
          dev('camera', 2, 0.9, ceil - 0.2, { camera: cam('canteen', false, 100, 25) });
          break;
        case 'lobby':
          dev('fan_coil', clamp(Math.round(a / 120), 1, 3), 0.3, ceil + 0.4);
          dev('light', 1, 0.5, ceil);
          dev('fire_detector', 1, 0.7, ceil);
          dev('occupancy_sensor', 1, 0.5, ceil);
          dev('env_sensor', 1, 0.15, f.elevation + 1.4);
          dev('camera', rectW(r.r) * rectH(r.r) > 150 ? 2 : 1, 0.85, ceil - 0.2, { camera: cam('lobby', false, 110, 25) });
          dev('access_reader', 2, 0.1, f.elevation + 1.0, { access: { kind: 'turnstile', biometric: biometricLobby, zone: b.zone } });
          break;
        case 'workshop':
          dev('light', clamp(Math.round(a / 300), 1, 4), 0.5, ceil);
          dev('fire_detector', clamp(Math.round(a / 150), 1, 6), 0.7, ceil);
          dev('env_sensor', 1, 0.15, f.elevation + 1.4);
          dev('occupancy_sensor', 1, 0.5, ceil);
          if (r.leasable) dev('power_meter', 1, 0.05, f.elevation + 1.5);
          break;
        case 'data_center':
          dev('light', 1, 0.5, ceil);
          dev('fire_detector', clamp(Math.round(a / 60), 1, 4), 0.7, ceil);
          dev('env_sensor', 2, 0.15, f.elevation + 1.4);
          dev('camera', 1, 0.9, ceil - 0.2, { camera: cam('machine_room', false, 90, 20) });
          dev('access_reader', 1, 0.02, f.elevation + 1.3, { access: { kind: 'door', biometric: true, zone: b.restrictedZone ?? b.zone } });
          break;
        case 'plant':
          dev('light', 1, 0.5, ceil);
          dev('fire_detector', 1, 0.7, ceil);
          dev('env_sensor', 1, 0.15, f.elevation + 1.4);
          dev('camera', 1, 0.95, ceil - 0.2, { camera: cam('machine_room', false, 90, 20) });
          dev('access_reader', 1, 0.02, f.elevation + 1.3, { access: { kind: 'door', biometric: dc || util, zone: b.restrictedZone ?? b.zone } });
          break;
        case 'parking': {
          dev('light', clamp(Math.round(a / 400), 1, 6), 0.5, ceil);
          dev('fire_detector', clamp(Math.round(a / 300), 1, 6), 0.7, ceil);
          dev('camera', clamp(Math.round(a / 600), 1, 4), 0.9, ceil - 0.2, { camera: cam('parking', false, 90, 40) });
          dev('ev_charger', clamp(Math.round(a / 250), 2, 10), 0.08, f.elevation);
          dev('env_sensor', 1, 0.5, f.elevation + 1.4); // CO monitoring
          if (f.level === -1 && r === f.rooms.find((x) => x.use === 'parking')) {
            dev('barrier_gate', 1, 0.97, f.elevation, { access: { kind: 'vehicle_barrier', biometric: false, zone: b.zone } });
          }
          break;
        }
        case 'corridor':
          dev('light', 1, 0.5, ceil);
          dev('fire_detector', rectW(r.r) + rectH(r.r) > 40 ? 2 : 1, 0.5, ceil);
          if (f.level > 1 && rng.chance(0.5)) dev('camera', 1, 0.5, ceil - 0.2, { camera: cam('corridor', false, 90, 30) });
          break;
        case 'core':
          dev('light', 1, 0.8, ceil);
          dev('fire_detector', 1, 0.8, ceil);
          break;
        case 'restroom':
        case 'storage':
          dev('light', 1, 0.5, ceil);
          dev('fire_detector', 1, 0.7, ceil);
          break;
      }
    }
  }
  return out;
}

