/**
 * Test helpers for the live path: a small park fixture (until the seed lands everywhere), an
 * all-permissions principal for the stream and HTTP guard, and a WebSocket client that records
 * decoded frames.
 */
import WebSocket from 'ws';
import { decodeFrame, frameRecord, type ServerMessage, type StateRecord } from '@park-twin/layers';
import type { Queryable } from '../db/index.ts';
import { PERMISSIONS_ALL } from './permissions.ts';
import type { Principal } from '../auth/types.ts';
import type { StreamAuth } from './ws.ts';
import type { TwinModule } from '../modules/types.ts';

/** Idx of the fixture's objects. */
export interface LiveFixture {
  park: number;
  building: number;
  floor: number;
  rooms: number[];
  /** equipment code -> idx */
  equipment: Record<string, number>;
  enterprise: number;
}

const sq = (lon: number, lat: number, d: number) =>
  `SRID=4326;POLYGON((${lon} ${lat},${lon + d} ${lat},${lon + d} ${lat + d},${lon} ${lat + d},${lon} ${lat}))`;

async function reg(db: Queryable, kind: string, name: string): Promise<number> {
  const r = await db.query<{ idx: number }>('INSERT INTO twin_object (kind, name) VALUES ($1, $2) RETURNING idx', [kind, name]);
  return r.rows[0]!.idx;
}

/**
 * Inserts park `code` with one building, one floor, `rooms` rooms (capacity 10 each) and in
 * room 0: an occupancy sensor OCC-0, an AHU AHU-0, a power meter PM-0, an env sensor ENV-0; a
 * perimeter camera CAM-0 and a door reader DOOR-0 at building level; one enterprise. `meters` > 1
 * adds power meters PM-1... spread over the rooms (the stream bench publishes to many devices).
 */
export async function insertLiveFixture(db: Queryable, code = 'testpark', rooms = 3, lon0 = 121.5, meters = 1): Promise<LiveFixture> {
  const park = await reg(db, 'park', code);
  await db.query(`INSERT INTO park (idx, code, city, origin, boundary) VALUES ($1, $2, 'Shanghai', ST_GeomFromEWKT($3), ST_GeomFromEWKT($4))`,
    [park, code, `SRID=4326;POINT Z(${lon0} 31.2 4)`, sq(lon0 - 0.01, 31.19, 0.03)]);
  const building = await reg(db, 'building', 'B1');
  await db.query(`INSERT INTO building (idx, park_idx, code, footprint, height, floors_above, use) VALUES ($1, $2, 'B1', ST_GeomFromEWKT($3), 20, 5, 'office')`,
    [building, park, sq(lon0, 31.2, 0.001)]);
  const floor = await reg(db, 'floor', 'F1');
  await db.query(`INSERT INTO floor (idx, building_idx, level, elevation, height, footprint) VALUES ($1, $2, 1, 0, 4, ST_GeomFromEWKT($3))`,
    [floor, building, sq(lon0, 31.2, 0.001)]);
  const roomIdx: number[] = [];
  for (let i = 0; i < rooms; i++) {
    const r = await reg(db, 'room', `R${i}`);
    await db.query(`INSERT INTO room (idx, floor_idx, building_idx, code, footprint, area, use, capacity) VALUES ($1, $2, $3, $4, ST_GeomFromEWKT($5), 30, 'office', 10)`,
      [r, floor, building, `R${i}`, sq(lon0 + i * 0.0002, 31.2, 0.0001)]);
    roomIdx.push(r);
  }
  const equipment: Record<string, number> = {};
  const eq = async (c: string, type: string, room: number | null, extra?: (idx: number) => Promise<void>) => {
    const idx = await reg(db, 'equipment', c);
    await db.query(`INSERT INTO equipment (idx, park_idx, building_idx, floor_idx, room_idx, code, type, model, manufacturer, position, install_date, maintenance_interval_days, rated_power_kw)
      VALUES ($1, $2, $3, $4, $5, $6, $7, 'M', 'Maker', ST_GeomFromEWKT($8), '2024-01-01', 180, 100)`,
      [idx, park, building, floor, room, c, type, `SRID=4326;POINT Z(${lon0 + 0.00005} 31.20005 1)`]);
    await extra?.(idx);
    equipment[c] = idx;
  };
  await eq('OCC-0', 'occupancy_sensor', roomIdx[0]!);
  await eq('AHU-0', 'ahu', roomIdx[0]!);
  await eq('PM-0', 'power_meter', roomIdx[0]!);
  for (let i = 1; i < meters; i++) await eq(`PM-${i}`, 'power_meter', roomIdx[i % rooms]!);
  await eq('ENV-0', 'env_sensor', roomIdx[0]!);
  await eq('CAM-0', 'camera', null, async (idx) => {
    await db.query(`INSERT INTO camera (idx, coverage) VALUES ($1, 'perimeter')`, [idx]);
  });
  await eq('DOOR-0', 'access_reader', null, async (idx) => {
    await db.query(`INSERT INTO access_point (idx, type, access_kind) VALUES ($1, 'access_reader', 'door')`, [idx]);
  });
  const enterprise = await reg(db, 'enterprise', 'Ent');
  const credit = `91310000${String(park).padStart(10, '0')}`.slice(0, 18);
  await db.query(`INSERT INTO enterprise (idx, park_idx, credit_code, industry, registered_capital, staff) VALUES ($1, $2, $3, 'ai', 100, 10)`,
    [enterprise, park, credit]);
  return { park, building, floor, rooms: roomIdx, equipment, enterprise };
}

/** A principal holding every permission. */
export function testPrincipal(over: Partial<Principal> = {}): Principal {
  return { kind: 'user', id: 'test', name: 'tester', roles: ['admin'], permissions: new Set(PERMISSIONS_ALL), sessionId: 'test-session', ...over };
}

/** Stream auth that admits everyone with `principal` (default: all permissions). */
export function openStreamAuth(principal: () => Principal | null = () => testPrincipal()): StreamAuth & { endSession(id: string): void } {
  const listeners: ((id: string) => void)[] = [];
  return {
    authenticateUpgrade: async () => principal(),
    can: (p, perm) => p.permissions.has(perm),
    onSessionEnded: (cb) => { listeners.push(cb); },
    endSession: (id) => { for (const l of listeners) l(id); },
  };
}

/** A module providing a guard that admits every request with the all-permissions principal. */
export const openGuardModule: TwinModule = {
  name: 'test-open-guard',
  guard: () => ({ resolvePrincipal: async () => ({ principal: testPrincipal(), presented: true }), onDenied: async () => {} }),
};

/** A WebSocket test client that keeps every JSON message and decoded frame. */
export class TestClient {
  readonly json: ServerMessage[] = [];
  readonly frames: { kind: number; seq: number; epoch: number; flags: number; records: StateRecord[] }[] = [];
  private waiters: (() => void)[] = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        const f = decodeFrame(new Uint8Array(data as Buffer));
        const records = Array.from({ length: f.count }, (_, i) => frameRecord(f, i));
        this.frames.push({ kind: f.kind, seq: f.seq, epoch: f.epoch, flags: f.flags, records });
      } else this.json.push(JSON.parse(String(data)) as ServerMessage);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Connects to `url` (http://...) + /ws and waits for welcome. */
  static async connect(url: string): Promise<TestClient> {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/ws');
    const c = new TestClient(ws);
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    await c.until(() => c.json.some((m) => m.type === 'welcome'));
    return c;
  }

  /** Sends a control message (object -> JSON, string as is). */
  send(m: unknown): void {
    this.ws.send(typeof m === 'string' ? m : JSON.stringify(m));
  }

  /** Resolves when `pred` holds (checked on every message); rejects after `ms`. */
  until(pred: () => boolean, ms = 15_000): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('condition not met in time')), ms);
      const check = () => {
        if (pred()) {
          clearTimeout(t);
          resolve();
        } else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }

  /** Every record received for `idx` and `layer`, in order. */
  recordsFor(idx: number, layer: number): StateRecord[] {
    return this.frames.flatMap((f) => f.records.filter((r) => r.idx === idx && r.layer === layer));
  }

  /** The welcome message. */
  get welcome(): Extract<ServerMessage, { type: 'welcome' }> {
    return this.json.find((m) => m.type === 'welcome') as Extract<ServerMessage, { type: 'welcome' }>;
  }

  close(): void {
    this.ws.close();
  }
}

/**
 * Opens `/ws` as a logged-in test user (its cookie jar and the server's Origin) and collects every
 * JSON control message it is pushed into `pushed`; resolves once the socket is open.
 */
export async function openUserSocket(serverUrl: string, cookies: ReadonlyMap<string, string>, pushed: { type: string }[]): Promise<WebSocket> {
  const ws = new WebSocket(`${serverUrl.replace(/^http/, 'ws')}/ws`, {
    headers: { Cookie: [...cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; '), Origin: serverUrl },
  });
  ws.on('message', (d, binary) => { if (!binary) pushed.push(JSON.parse(String(d)) as { type: string }); });
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  return ws;
}
