/**
 * A small, parametric fixture park for tiler tests and the tiler benchmark: a grid of office
 * blocks (every fourth one a courtyard block), floors, rooms along a corridor, equipment in rooms
 * and outdoors, and a short water main and power cable with valves and manholes. Inserted with a
 * handful of array statements, so thousands of rooms go in within seconds on both backends.
 */
import type { Queryable } from '../db/index.ts';

/** Size of the fixture. */
export interface FixtureOptions {
  readonly code?: string;
  /** Buildings per side of the grid. */
  readonly grid?: number;
  readonly floors?: number;
  /** Rooms on each side of the corridor. */
  readonly roomsPerSide?: number;
  readonly origin?: readonly [number, number, number];
}

/** What was inserted (idx values for tests). */
export interface FixturePark {
  readonly parkIdx: number;
  readonly code: string;
  readonly buildings: { idx: number; code: string; courtyard: boolean }[];
  readonly counts: { buildings: number; floors: number; rooms: number; equipment: number; segments: number; nodes: number };
}

type XY = [number, number];

const ROOM_USES = ['office', 'lab', 'meeting', 'office', 'showroom', 'office'] as const;

/** Inserts the fixture park and returns its ids. Everything runs in one transaction. */
export async function insertFixturePark(
  db: { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> },
  opts: FixtureOptions = {},
): Promise<FixturePark> {
  const code = opts.code ?? 'fixture-park';
  const grid = opts.grid ?? 2;
  const floors = opts.floors ?? 3;
  const perSide = opts.roomsPerSide ?? 3;
  const [lon0, lat0, h0] = opts.origin ?? [120.0865, 30.3012, 8];
  const mPerLat = 110_946;
  const mPerLon = 111_320 * Math.cos((lat0 * Math.PI) / 180);
  const ll = (p: XY): string => `${(lon0 + p[0] / mPerLon).toFixed(9)} ${(lat0 + p[1] / mPerLat).toFixed(9)}`;
  const poly = (rings: XY[][]) => `POLYGON(${rings.map((r) => `(${[...r, r[0]!].map(ll).join(',')})`).join(',')})`;
  const rectRing = (x0: number, y0: number, x1: number, y1: number): XY[] => [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
  const spacing = 90;
  const half = ((grid - 1) * spacing) / 2;

  return db.transaction(async (tx) => {
    const register = async (kind: string, names: string[]): Promise<number[]> => {
      if (names.length === 0) return [];
      const r = await tx.query<{ idx: number; ord: number }>(
        `WITH input AS (SELECT n, ord FROM unnest($2::text[]) WITH ORDINALITY AS u(n, ord)),
              ins AS (INSERT INTO twin_object (kind, name) SELECT $1, n FROM input ORDER BY ord RETURNING idx, name)
         SELECT ins.idx, input.ord::int AS ord FROM ins JOIN input ON input.n = ins.name ORDER BY input.ord`,
        [kind, names],
      );
      return r.rows.map((x) => x.idx);
    };
    const [parkIdx] = await register('park', [`${code} 园区`]);
    const ext = half + 80;
    await tx.query(
      `INSERT INTO park (idx, code, city, origin, boundary) VALUES ($1, $2, 'Hangzhou',
        ST_SetSRID(ST_MakePoint($3, $4, $5), 4326), ST_GeomFromText($6, 4326))`,
      [parkIdx, code, lon0, lat0, h0, poly([rectRing(-ext, -ext, ext, ext)])],
    );

    const b = { names: [] as string[], codes: [] as string[], wkt: [] as string[], height: [] as number[], floors: [] as number[], use: [] as string[], courtyard: [] as boolean[], rings: [] as XY[][][], rooms: [] as { ring: XY[]; use: string }[][] };
    for (let gy = 0; gy < grid; gy++) {
      for (let gx = 0; gx < grid; gx++) {
        const n = gy * grid + gx;
        const cx = gx * spacing - half;
        const cy = gy * spacing - half;
        const courtyard = n % 4 === 3;
        const bcode = `B${String(n + 1).padStart(3, '0')}`;
        let rings: XY[][];
        const rooms: { ring: XY[]; use: string }[] = [];
        if (courtyard) {
          rings = [rectRing(cx - 25, cy - 25, cx + 25, cy + 25), rectRing(cx - 10, cy - 10, cx + 10, cy + 10).reverse()];
          // Four wings around the courtyard.
          rooms.push({ ring: rectRing(cx - 25, cy - 25, cx + 25, cy - 10), use: 'office' });
          rooms.push({ ring: rectRing(cx - 25, cy + 10, cx + 25, cy + 25), use: 'lab' });
          rooms.push({ ring: rectRing(cx - 25, cy - 10, cx - 10, cy + 10), use: 'meeting' });
          rooms.push({ ring: rectRing(cx + 10, cy - 10, cx + 25, cy + 10), use: 'canteen' });
        } else {
          rings = [rectRing(cx - 20, cy - 12, cx + 20, cy + 12)];
          const w = 40 / perSide;
          for (let i = 0; i < perSide; i++) {
            rooms.push({ ring: rectRing(cx - 20 + i * w, cy - 12, cx - 20 + (i + 1) * w, cy - 2), use: ROOM_USES[(n + i) % ROOM_USES.length]! });
            rooms.push({ ring: rectRing(cx - 20 + i * w, cy + 2, cx - 20 + (i + 1) * w, cy + 12), use: ROOM_USES[(n + i + 3) % ROOM_USES.length]! });
          }
          rooms.push({ ring: rectRing(cx - 20, cy - 2, cx + 20, cy + 2), use: 'corridor' });
        }
        b.names.push(`${bcode} 研发楼`);
        b.codes.push(bcode);
        b.wkt.push(poly(rings));
        b.height.push(floors * 4 + 1);
        b.floors.push(floors);
        b.use.push(courtyard ? 'incubator' : 'office');
        b.courtyard.push(courtyard);
        b.rings.push(rings);
        b.rooms.push(rooms);
      }
    }
    const bIdx = await register('building', b.names);
    await tx.query(
      `INSERT INTO building (idx, park_idx, code, footprint, height, floors_above, use, year)
       SELECT i, $1, c, ST_GeomFromText(w, 4326), h, f, u, 2020
       FROM unnest($2::int[], $3::text[], $4::text[], $5::real[], $6::int[], $7::text[]) AS t(i, c, w, h, f, u)`,
      [parkIdx, bIdx, b.codes, b.wkt, b.height, b.floors, b.use],
    );

    const f = { names: [] as string[], building: [] as number[], level: [] as number[], elev: [] as number[], wkt: [] as string[] };
    bIdx.forEach((bi, i) => {
      for (let l = 1; l <= floors; l++) {
        f.names.push(`${b.codes[i]} ${l}F`);
        f.building.push(bi);
        f.level.push(l);
        f.elev.push((l - 1) * 4);
        f.wkt.push(b.wkt[i]!);
      }
    });
    const fIdx = await register('floor', f.names);
    await tx.query(
      `INSERT INTO floor (idx, building_idx, level, elevation, height, footprint)
       SELECT i, b, l, e, 4, ST_GeomFromText(w, 4326) FROM unnest($1::int[], $2::int[], $3::int[], $4::real[], $5::text[]) AS t(i, b, l, e, w)`,
      [fIdx, f.building, f.level, f.elev, f.wkt],
    );

    const r = { names: [] as string[], floor: [] as number[], building: [] as number[], code: [] as string[], wkt: [] as string[], area: [] as number[], use: [] as string[], leasable: [] as boolean[], status: [] as string[], rent: [] as (number | null)[] };
    const e = { names: [] as string[], building: [] as (number | null)[], floor: [] as (number | null)[], room: [] as (number | null)[], code: [] as string[], type: [] as string[], pos: [] as string[], heading: [] as number[] };
    const equipmentInRoom: { roomName: string; type: string; at: XY; z: number; bi: number; fi: number }[] = [];
    let fi = 0;
    bIdx.forEach((bi, i) => {
      for (let l = 1; l <= floors; l++, fi++) {
        b.rooms[i]!.forEach((room, k) => {
          const name = `${b.codes[i]}-${l}${String(k + 1).padStart(2, '0')}`;
          const xs = room.ring.map((p) => p[0]);
          const ys = room.ring.map((p) => p[1]);
          const area = (Math.max(...xs) - Math.min(...xs)) * (Math.max(...ys) - Math.min(...ys));
          const leasable = room.use === 'office';
          r.names.push(name);
          r.floor.push(fIdx[fi]!);
          r.building.push(bi);
          r.code.push(`${l}${String(k + 1).padStart(2, '0')}`);
          r.wkt.push(poly([room.ring]));
          r.area.push(Math.round(area * 0.9 * 100) / 100);
          r.use.push(room.use);
          r.leasable.push(leasable);
          r.status.push(leasable ? (k % 3 === 0 ? 'vacant' : 'leased') : 'not_leasable');
          r.rent.push(leasable ? 95 : null);
          if (room.use !== 'corridor' && k < 2) {
            const c: XY = [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
            equipmentInRoom.push({ roomName: name, type: k === 0 ? 'fan_coil' : 'env_sensor', at: c, z: (l - 1) * 4 + (k === 0 ? 3.2 : 1.4), bi, fi: fIdx[fi]! });
          }
        });
      }
    });
    const rIdx = await register('room', r.names);
    await tx.query(
      `INSERT INTO room (idx, floor_idx, building_idx, code, footprint, area, use, leasable, lease_status, rent, capacity)
       SELECT i, f, b, c, ST_GeomFromText(w, 4326), a, u, l, s, rt, 20
       FROM unnest($1::int[], $2::int[], $3::int[], $4::text[], $5::text[], $6::real[], $7::text[], $8::bool[], $9::text[], $10::numeric[])
         AS t(i, f, b, c, w, a, u, l, s, rt)`,
      [rIdx, r.floor, r.building, r.code, r.wkt, r.area, r.use, r.leasable, r.status, r.rent],
    );
    const roomIdxByName = new Map(r.names.map((n, i) => [n, rIdx[i]!]));
    let ec = 0;
    const pushE = (name: string, bi: number | null, fl: number | null, room: number | null, type: string, at: XY, z: number, heading = 0) => {
      e.names.push(name);
      e.building.push(bi);
      e.floor.push(fl);
      e.room.push(room);
      e.code.push(`EQ-${String(++ec).padStart(6, '0')}`);
      e.type.push(type);
      e.pos.push(`POINT Z (${ll(at)} ${z})`);
      e.heading.push(heading);
    };
    for (const q of equipmentInRoom) pushE(`${q.roomName} ${q.type}`, q.bi, q.fi, roomIdxByName.get(q.roomName)!, q.type, q.at, q.z);
    bIdx.forEach((bi, i) => {
      const cx = (i % grid) * spacing - half;
      const cy = Math.floor(i / grid) * spacing - half;
      pushE(`${b.codes[i]} 冷水机组`, bi, null, null, 'chiller', [cx + 8, cy + 14 - (b.courtyard[i] ? -9 : 0)], b.height[i]!, 90);
      pushE(`${b.codes[i]} 门禁`, null, null, null, 'camera', [cx - 22, cy - 28], 3, 180);
      pushE(`${b.codes[i]} 充电桩`, null, null, null, 'ev_charger', [cx + 22, cy - 30], 0, 0);
    });
    const eIdx = await register('equipment', e.names);
    await tx.query(
      `INSERT INTO equipment (idx, park_idx, building_idx, floor_idx, room_idx, code, type, model, manufacturer, position, heading, install_date, maintenance_interval_days)
       SELECT i, $1, b, f, r, c, t, 'M-1', 'ACME', ST_GeomFromText(p, 4326), h, '2022-01-01', 180
       FROM unnest($2::int[], $3::int[], $4::int[], $5::int[], $6::text[], $7::text[], $8::text[], $9::real[]) AS x(i, b, f, r, c, t, p, h)`,
      [parkIdx, eIdx, e.building, e.floor, e.room, e.code, e.type, e.pos, e.heading],
    );

    // Networks: a water main and a power cable along each grid row, between the buildings.
    const nodes = { names: [] as string[], network: [] as string[], type: [] as string[], code: [] as string[], pos: [] as string[] };
    const segs = { names: [] as string[], network: [] as string[], code: [] as string[], from: [] as number[], to: [] as number[], wkt: [] as string[], dia: [] as number[], depth: [] as number[], material: [] as string[] };
    const lines: { network: string; z: number; dia: number; depth: number; material: string; pts: XY[] }[] = [];
    for (let gy = 0; gy < grid; gy++) {
      const y = gy * spacing - half - 30;
      const xs = Array.from({ length: grid + 1 }, (_, k) => -half - 40 + k * spacing);
      lines.push({ network: 'water', z: -1.5, dia: 300, depth: 1.35, material: 'ductile_iron', pts: xs.map((x) => [x, y]) });
      lines.push({ network: 'power', z: -0.9, dia: 120, depth: 0.84, material: 'xlpe_cable', pts: xs.map((x) => [x, y + 3]) });
    }
    const nodeKey: { line: number; k: number }[] = [];
    lines.forEach((ln, li) =>
      ln.pts.forEach((p, k) => {
        nodes.names.push(`${ln.network} ${li}-${k}`);
        nodes.network.push(ln.network);
        nodes.type.push(ln.network === 'water' ? (k % 2 === 0 ? 'valve' : 'manhole') : k === 0 ? 'transformer' : 'cabinet');
        nodes.code.push(`N-${li}-${k}`);
        nodes.pos.push(`POINT Z (${ll(p)} ${ln.z})`);
        nodeKey.push({ line: li, k });
      }),
    );
    const nIdx = await register('pipe_node', nodes.names);
    await tx.query(
      `INSERT INTO pipe_node (idx, park_idx, network, node_type, code, position, valve_open)
       SELECT i, $1, n, t, c, ST_GeomFromText(p, 4326), CASE WHEN t = 'valve' THEN true END
       FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[]) AS x(i, n, t, c, p)`,
      [parkIdx, nIdx, nodes.network, nodes.type, nodes.code, nodes.pos],
    );
    const nodeIdx = (li: number, k: number) => nIdx[nodeKey.findIndex((q) => q.line === li && q.k === k)]!;
    lines.forEach((ln, li) => {
      for (let k = 0; k + 1 < ln.pts.length; k++) {
        const a = ln.pts[k]!;
        const c = ln.pts[k + 1]!;
        const mid: XY = [(a[0] + c[0]) / 2, (a[1] + c[1]) / 2];
        segs.names.push(`${ln.network} ${li}-${k}`);
        segs.network.push(ln.network);
        segs.code.push(`S-${li}-${k}`);
        segs.from.push(nodeIdx(li, k));
        segs.to.push(nodeIdx(li, k + 1));
        segs.wkt.push(`LINESTRING Z (${[a, mid, c].map((p) => `${ll(p)} ${ln.z}`).join(',')})`);
        segs.dia.push(ln.dia);
        segs.depth.push(ln.depth);
        segs.material.push(ln.material);
      }
    });
    const sIdx = await register('pipe_segment', segs.names);
    await tx.query(
      `INSERT INTO pipe_segment (idx, park_idx, network, code, from_node, to_node, geom, diameter_mm, depth, material)
       SELECT i, $1, n, c, f, t, ST_GeomFromText(w, 4326), d, dp, m
       FROM unnest($2::int[], $3::text[], $4::text[], $5::int[], $6::int[], $7::text[], $8::real[], $9::real[], $10::text[]) AS x(i, n, c, f, t, w, d, dp, m)`,
      [parkIdx, sIdx, segs.network, segs.code, segs.from, segs.to, segs.wkt, segs.dia, segs.depth, segs.material],
    );
    return {
      parkIdx: parkIdx!,
      code,
      buildings: bIdx.map((idx, i) => ({ idx, code: b.codes[i]!, courtyard: b.courtyard[i]! })),
      counts: { buildings: bIdx.length, floors: fIdx.length, rooms: rIdx.length, equipment: eIdx.length, segments: sIdx.length, nodes: nIdx.length },
    };
  });
}
