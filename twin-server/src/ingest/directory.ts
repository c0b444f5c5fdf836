/**
 * The twin-object directory the live path needs in memory: device code -> target idx, the
 * roll-up tree (room -> floor -> building -> park), each object's building and position (for
 * area subscriptions) and room capacities. Loaded from the database, refreshed periodically and
 * on a miss (rate-limited), so new equipment starts streaming without a restart.
 */
import type { Queryable } from '../db/index.ts';

/** One twin object as the live path sees it. */
export interface ObjInfo {
  readonly idx: number;
  readonly kind: string;
  /** Roll-up parent idx, 0 for the park. */
  readonly parent: number;
  /** Building the object is in (the building itself for a building), 0 when none. */
  readonly building: number;
  readonly lon: number;
  readonly lat: number;
  readonly capacity: number | null;
  /** Enterprise holding the active lease of this room (or of the room this equipment is in). */
  readonly tenant?: number;
}

/** A device (equipment) as ingest resolves it. */
export interface DeviceInfo {
  readonly idx: number;
  readonly parkIdx: number;
  readonly type: string;
  readonly roomIdx: number | null;
}

/** A consistent in-memory copy of the object tree. */
export interface DirectoryData {
  readonly parks: ReadonlyMap<string, number>;
  readonly devices: ReadonlyMap<string, DeviceInfo>;
  readonly enterprises: ReadonlyMap<string, number>;
  readonly objects: ReadonlyMap<number, ObjInfo>;
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** Reads the whole directory in one go (a few queries, no per-object round trips). */
export async function loadDirectory(db: Queryable): Promise<DirectoryData> {
  const [parks, buildings, floors, rooms, equipment, enterprises, leases] = await Promise.all([
    db.query<{ idx: number; code: string; lon: number; lat: number }>('SELECT idx, code, ST_X(origin) AS lon, ST_Y(origin) AS lat FROM park'),
    db.query<{ idx: number; park_idx: number; lon: number; lat: number }>(
      'SELECT idx, park_idx, ST_X(ST_Centroid(footprint)) AS lon, ST_Y(ST_Centroid(footprint)) AS lat FROM building'),
    db.query<{ idx: number; building_idx: number; lon: number; lat: number }>(
      'SELECT idx, building_idx, ST_X(ST_Centroid(footprint)) AS lon, ST_Y(ST_Centroid(footprint)) AS lat FROM floor'),
    db.query<{ idx: number; floor_idx: number; building_idx: number; capacity: number | null; lon: number; lat: number }>(
      'SELECT idx, floor_idx, building_idx, capacity, ST_X(ST_Centroid(footprint)) AS lon, ST_Y(ST_Centroid(footprint)) AS lat FROM room'),
    db.query<{ idx: number; park_idx: number; building_idx: number | null; floor_idx: number | null; room_idx: number | null; code: string; type: string; lon: number; lat: number }>(
      'SELECT idx, park_idx, building_idx, floor_idx, room_idx, code, type, ST_X(position) AS lon, ST_Y(position) AS lat FROM equipment'),
    db.query<{ idx: number; park_idx: number; credit_code: string }>('SELECT idx, park_idx, credit_code FROM enterprise'),
    db.query<{ room_idx: number; enterprise_idx: number }>("SELECT room_idx, enterprise_idx FROM lease WHERE status = 'active'"),
  ]);
  const tenantOf = new Map(leases.rows.map((l) => [Number(l.room_idx), Number(l.enterprise_idx)]));
  const tenant = (room: number | null) => {
    const t = room === null ? undefined : tenantOf.get(room);
    return t === undefined ? {} : { tenant: t };
  };
  const objects = new Map<number, ObjInfo>();
  const parkMap = new Map<string, number>();
  for (const p of parks.rows) {
    parkMap.set(p.code, p.idx);
    objects.set(p.idx, { idx: p.idx, kind: 'park', parent: 0, building: 0, lon: num(p.lon), lat: num(p.lat), capacity: null });
  }
  for (const b of buildings.rows) objects.set(b.idx, { idx: b.idx, kind: 'building', parent: b.park_idx, building: b.idx, lon: num(b.lon), lat: num(b.lat), capacity: null });
  for (const f of floors.rows) objects.set(f.idx, { idx: f.idx, kind: 'floor', parent: f.building_idx, building: f.building_idx, lon: num(f.lon), lat: num(f.lat), capacity: null });
  for (const r of rooms.rows) {
    objects.set(r.idx, { idx: r.idx, kind: 'room', parent: r.floor_idx, building: r.building_idx, lon: num(r.lon), lat: num(r.lat), capacity: r.capacity === null ? null : Number(r.capacity), ...tenant(r.idx) });
  }
  const devices = new Map<string, DeviceInfo>();
  for (const e of equipment.rows) {
    const parent = e.room_idx ?? e.floor_idx ?? e.building_idx ?? e.park_idx;
    objects.set(e.idx, { idx: e.idx, kind: 'equipment', parent, building: e.building_idx ?? 0, lon: num(e.lon), lat: num(e.lat), capacity: null, ...tenant(e.room_idx) });
    devices.set(`${e.park_idx}/${e.code}`, { idx: e.idx, parkIdx: e.park_idx, type: e.type, roomIdx: e.room_idx });
  }
  const ents = new Map<string, number>();
  for (const e of enterprises.rows) {
    const park = objects.get(e.park_idx);
    objects.set(e.idx, { idx: e.idx, kind: 'enterprise', parent: e.park_idx, building: 0, lon: park?.lon ?? 0, lat: park?.lat ?? 0, capacity: null });
    ents.set(`${e.park_idx}/${e.credit_code}`, e.idx);
  }
  return { parks: parkMap, devices, enterprises: ents, objects };
}

/** Holds the current directory and reloads it on demand without piling up reloads. */
export class Directory {
  private data: DirectoryData = { parks: new Map(), devices: new Map(), enterprises: new Map(), objects: new Map() };
  private lastLoad = 0;
  private loading: Promise<boolean> | null = null;
  private readonly listeners: Array<(d: DirectoryData) => void> = [];

  constructor(private readonly db: Queryable, private readonly minReloadMs = 5000) {}

  /** The current snapshot (replaced wholesale on reload, never mutated). */
  get current(): DirectoryData {
    return this.data;
  }

  /** Called after every reload (the hub rebuilds its roll-ups). */
  onReload(cb: (d: DirectoryData) => void): void {
    this.listeners.push(cb);
  }

  /** Reloads now. Returns true when it actually reloaded. */
  async reload(): Promise<boolean> {
    if (this.loading) return this.loading;
    this.loading = (async () => {
      try {
        this.data = await loadDirectory(this.db);
        this.lastLoad = Date.now();
        for (const l of this.listeners) l(this.data);
        return true;
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  /** Reloads after a miss, at most once per `minReloadMs` (unknown devices must not hammer the DB). */
  async reloadAfterMiss(): Promise<boolean> {
    if (Date.now() - this.lastLoad < this.minReloadMs) return false;
    return this.reload();
  }
}
