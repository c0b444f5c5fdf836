/**
 * Issue 14 item 5: what an enterprise user can download must reveal nothing the API refuses it.
 * As an enterprise user of the seeded sample park, this downloads every tile file (tileset.json,
 * infra.json and every content they reference), every map layer, the twin index and every stream
 * frame and message while every room, equipment and enterprise of the park is updated (and alarmed)
 * on every layer, then looks in all of it for:
 * - the name (zh and en) of any room or equipment that is not its own (another tenant's or nobody's),
 *   and of any other enterprise;
 * - lease state: no lease property or lease word in any tile; map layers and the twin index that do
 *   not change at all when every other room's lease status and every other tenant's lease change
 *   (while a staff user's map does change); stream records only for its own rooms, their equipment
 *   and its own enterprise.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WebSocket } from 'ws';
import { decodeFrame, frameRecord, LAYER_IDS, LAYERS, PROTOCOL_VERSION, type StateRecord } from '@park-twin/layers';
import { startAuthServer, type AuthTestServer, type HttpClient } from '../auth/testing.ts';
import { seedPark } from '../seed/index.ts';
import { buildTileset } from '../tiler/index.ts';
import { readGlb, readPropertyTable } from '../tiler/inspect.ts';
import { healthModule } from './health.ts';
import { tilesModule } from './tiles.ts';
import { createLiveModule } from './live.ts';
import { mapModule } from './map/index.ts';
import { twinModule } from './twin/index.ts';

const PARK = 'tenant-park';
const LEASE_WORDS = ['lease_status', 'vacant', 'reserved', 'leased', 'expiring', 'not_leasable'];

/** Everything one principal downloaded, as bytes per URL (and stream messages separately). */
interface Downloads {
  files: Map<string, Buffer>;
}

const cookieOf = (c: HttpClient) => [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ');

async function fetchBytes(base: string, c: HttpClient, path: string): Promise<Buffer> {
  const r = await fetch(`${base}${path}`, { headers: { Cookie: cookieOf(c) } });
  expect(r.status, path).toBe(200);
  return Buffer.from(await r.arrayBuffer());
}

/** Every tile file reachable from the park's tilesets (nested tilesets followed). */
async function downloadTiles(base: string, c: HttpClient, out: Map<string, Buffer>): Promise<void> {
  const version = await fetchBytes(base, c, `/api/tiles/${PARK}/version`);
  out.set(`/api/tiles/${PARK}/version`, version);
  const v = JSON.parse(version.toString()) as { tileset: string; infra: string | null };
  const queue = [v.tileset, ...(v.infra ? [v.infra] : [])];
  while (queue.length) {
    const path = queue.shift()!;
    if (out.has(path)) continue;
    const bytes = await fetchBytes(base, c, path);
    out.set(path, bytes);
    if (!path.endsWith('.json')) continue;
    const dir = path.slice(0, path.lastIndexOf('/') + 1);
    for (const m of bytes.toString().matchAll(/"uri"\s*:\s*"([^"]+)"/g)) queue.push(dir + m[1]!);
  }
}

/** Every map layer (each route under /api/map/), for the park and with every located tenant. */
async function downloadMap(s: AuthTestServer, c: HttpClient, out: Map<string, Buffer>): Promise<void> {
  const paths = s.server.routes.filter((r) => r.method === 'GET' && r.path.startsWith('/api/map/')).map((r) => r.path);
  expect(paths.length).toBeGreaterThanOrEqual(5);
  for (const p of paths) {
    for (const q of [`?park=${PARK}`, `?park=${PARK}&all=1`, '']) out.set(p + q, await fetchBytes(s.server.url, c, p + q));
  }
}

async function downloadTwin(base: string, c: HttpClient, out: Map<string, Buffer>): Promise<void> {
  for (const p of ['/api/twin/parks', `/api/twin/parks/${PARK}/index`]) out.set(p, await fetchBytes(base, c, p));
}

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`what an enterprise user can download [${backend}]`, () => {
    let s: AuthTestServer;
    const live = createLiveModule({ mqtt: false });
    let tenant: HttpClient;
    let staff: HttpClient;
    let own: number;
    /** Idx of the tenant's own rooms, the equipment in them, and its enterprise. */
    let ownIdx: Set<number>;
    /** Names (zh, en) of every room and equipment not the tenant's, and of every other enterprise. */
    let secrets: string[];
    const mine: Downloads = { files: new Map() };
    const stream = { texts: [] as string[], records: [] as StateRecord[], subscribed: null as unknown };

    beforeAll(async () => {
      s = await startAuthServer(backend, {
        modules: [healthModule, { name: 'auth' }, tilesModule({ debounceMs: 50, pollMs: 250 }), live, mapModule, twinModule],
      });
      const db = s.server.sc.db;
      await seedPark(db, { seed: 20261125, scale: 0.05, code: PARK });
      // The watcher may have tiled the park half seeded; a full build, queued after any running one, ends complete.
      await buildTileset(db, { outDir: path.join(s.server.sc.config.tilesetDir, PARK), park: PARK, full: true });
      await live.runtime!.directory.reload();
      // The tenant: the enterprise leasing the most rooms that have equipment in them.
      own = (await db.query<{ e: number }>(
        `SELECT l.enterprise_idx AS e FROM lease l JOIN equipment q ON q.room_idx = l.room_idx
          WHERE l.status = 'active' GROUP BY l.enterprise_idx ORDER BY count(*) DESC, l.enterprise_idx LIMIT 1`)).rows[0]!.e;
      ownIdx = new Set((await db.query<{ idx: number }>(
        `SELECT r.idx FROM room r JOIN lease l ON l.room_idx = r.idx AND l.status = 'active' WHERE l.enterprise_idx = $1
         UNION SELECT q.idx FROM equipment q JOIN lease l ON l.room_idx = q.room_idx AND l.status = 'active' WHERE l.enterprise_idx = $1
         UNION SELECT $1::int`, [own])).rows.map((r) => r.idx));
      secrets = (await db.query<{ s: string }>(
        `WITH other AS (
           SELECT o.idx, o.name, o.name_en FROM twin_object o
            WHERE o.kind IN ('room', 'equipment', 'enterprise') AND o.idx <> ALL($1::int[]))
         SELECT name AS s FROM other UNION SELECT name_en FROM other WHERE name_en IS NOT NULL`, [[...ownIdx]])).rows
        .map((r) => r.s).filter((x) => x.length >= 3);
      tenant = (await s.userWith(['enterprise_user'], own)).client;
      staff = (await s.userWith(['leadership_viewer'])).client;

      // Tiles, map layers and the twin index, as the tenant.
      await downloadTiles(s.server.url, tenant, mine.files);
      await downloadMap(s, tenant, mine.files);
      await downloadTwin(s.server.url, tenant, mine.files);

      // The stream: subscribe to every layer, then every object of the park changes (and alarms) on every layer.
      const wsUrl = `${s.server.url.replace(/^http/, 'ws').replace('localhost', '127.0.0.1')}/ws`;
      const ws = new WebSocket(wsUrl, { headers: { Cookie: cookieOf(tenant), Origin: `http://${new URL(wsUrl).host}` } });
      ws.on('message', (data, isBinary) => {
        if (isBinary) {
          const f = decodeFrame(new Uint8Array(data as Buffer));
          for (let i = 0; i < f.count; i++) stream.records.push(frameRecord(f, i));
        } else {
          const text = String(data);
          stream.texts.push(text);
          const m = JSON.parse(text) as { type: string };
          if (m.type === 'subscribed' || m.type === 'error') stream.subscribed ??= m;
        }
      });
      await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
      ws.send(JSON.stringify({ type: 'hello', version: PROTOCOL_VERSION }));
      ws.send(JSON.stringify({ type: 'subscribe', layers: LAYERS.map((l) => l.name) }));
      for (let i = 0; i < 250 && stream.subscribed === null; i++) await new Promise((r) => setTimeout(r, 20));
      const hub = live.runtime!.hub;
      const objects = [...live.runtime!.directory.current.objects.values()];
      let n = 0;
      for (const o of objects) {
        const layers = o.kind === 'room' ? [LAYER_IDS.occupancy] : o.kind === 'equipment'
          ? [LAYER_IDS.equipment, LAYER_IDS.energy, LAYER_IDS.security] : o.kind === 'enterprise' ? [LAYER_IDS.economy] : [];
        for (const layer of layers) hub.update(o.idx, layer, ++n % 50, n % 3);
      }
      hub.flush();
      // Alarms whose text is the object's own name: only the tenant's own may reach it.
      const names = new Map((await db.query<{ idx: number; name: string }>(
        "SELECT idx, name FROM twin_object WHERE kind IN ('room', 'equipment')")).rows.map((r) => [r.idx, r.name]));
      hub.alarms(objects.filter((o) => o.kind === 'room' || o.kind === 'equipment').map((o) => ({
        op: 'raise', idx: o.idx, layer: o.kind === 'room' ? LAYER_IDS.occupancy : LAYER_IDS.equipment, kind: 'probe', severity: 2,
        message: names.get(o.idx) ?? '', device: 'probe', ts: 0,
      })));
      // The hub wrote those frames and alarms to the socket already; the answer to a ping comes after them.
      ws.send(JSON.stringify({ type: 'ping', t: 1 }));
      for (let i = 0; i < 500 && !stream.texts.some((t) => t.includes('"pong"')); i++) await new Promise((r) => setTimeout(r, 20));
      expect(stream.texts.some((t) => t.includes('"pong"'))).toBe(true);
      ws.close();
    }, 300_000);
    afterAll(async () => {
      await s?.server.stop();
    });

    it('downloaded the whole tileset, every map layer and a live stream', async () => {
      const glbs = [...mine.files.keys()].filter((k) => k.endsWith('.glb')).map((k) => k.slice(k.lastIndexOf('/') + 1));
      const buildings = (await s.server.sc.db.query<{ idx: number }>(
        'SELECT b.idx FROM building b JOIN park p ON p.idx = b.park_idx WHERE p.code = $1', [PARK])).rows;
      expect(buildings.length).toBeGreaterThan(1);
      for (const { idx } of buildings) {
        for (const part of ['shell', 'interior', 'equipment']) expect(glbs.some((g) => g.startsWith(`b${idx}-${part}-`)), `b${idx}-${part}`).toBe(true);
      }
      expect(glbs.some((g) => g.startsWith('infra-'))).toBe(true);
      expect([...mine.files.keys()].filter((k) => k.startsWith('/api/map/')).length).toBeGreaterThanOrEqual(15);
      expect(secrets.length).toBeGreaterThan(200);
      expect(ownIdx.size).toBeGreaterThan(2);
      expect(stream.subscribed).toMatchObject({ type: 'subscribed' });
      // It does get its own rooms and equipment live.
      expect(stream.records.some((r) => ownIdx.has(r.idx) && r.idx !== own)).toBe(true);
      console.info(`tenant ${own}: ${mine.files.size} files downloaded (${glbs.length} GLBs, ${[...mine.files.values()].reduce((n, b) => n + b.length, 0)} bytes), `
        + `${stream.records.length} stream records and ${stream.texts.length} messages; ${secrets.length} foreign names searched, ${ownIdx.size} own objects`);
    });

    it('finds no name of another tenant\'s (or nobody\'s) room or equipment, nor another enterprise, anywhere', () => {
      const leaks: string[] = [];
      const all: [string, Buffer][] = [...mine.files, ...stream.texts.map((t, i): [string, Buffer] => [`ws message ${i}`, Buffer.from(t)])];
      for (const [where, bytes] of all) {
        for (const name of secrets) if (bytes.includes(Buffer.from(name))) leaks.push(`${where}: ${name}`);
      }
      expect(leaks.slice(0, 10), `${leaks.length} leaks`).toEqual([]);
    });

    it('finds no lease state in any tile: no lease property, no lease word', () => {
      for (const [path, bytes] of mine.files) {
        if (!path.startsWith('/tiles/')) continue;
        for (const w of LEASE_WORDS) expect(bytes.includes(Buffer.from(w)), `${path} contains "${w}"`).toBe(false);
        if (!path.endsWith('.glb')) continue;
        for (const row of readPropertyTable(readGlb(new Uint8Array(bytes)))) {
          if (row.kind !== 'room' && row.kind !== 'equipment') continue;
          expect(row.name ?? '', `${path} ${row.kind} ${row.idx} name`).toBe('');
          expect(row.uuid ?? '', `${path} ${row.kind} ${row.idx} uuid`).toBe('');
        }
      }
    });

    it('gets stream records and alarms only of its own rooms, their equipment and its own enterprise', () => {
      const foreign = stream.records.filter((r) => !ownIdx.has(r.idx));
      expect(foreign.slice(0, 5), `${foreign.length} foreign records`).toEqual([]);
      const alarms = stream.texts.map((t) => JSON.parse(t) as { type: string; alarm?: { idx: number } }).filter((m) => m.type === 'alarm');
      for (const a of alarms) expect(ownIdx.has(a.alarm!.idx), `alarm of ${a.alarm!.idx}`).toBe(true);
    });

    it('sees map layers and the twin index unchanged when every other room\'s lease status and every other lease changes', async () => {
      const db = s.server.sc.db;
      const staffBefore = new Map<string, Buffer>();
      await downloadMap(s, staff, staffBefore);
      // Every room the tenant does not lease flips its lease status; every other tenant's lease ends.
      await db.query(
        `UPDATE room SET lease_status = CASE lease_status WHEN 'vacant' THEN 'leased' WHEN 'leased' THEN 'vacant'
           WHEN 'expiring' THEN 'reserved' WHEN 'reserved' THEN 'expiring' ELSE lease_status END
          WHERE idx <> ALL($1::int[])`, [[...ownIdx]]);
      await db.query("UPDATE lease SET status = 'ended' WHERE status = 'active' AND enterprise_idx <> $1", [own]);
      const after = new Map<string, Buffer>();
      await downloadMap(s, tenant, after);
      await downloadTwin(s.server.url, tenant, after);
      for (const [path, bytes] of after) expect(bytes.toString(), path).toBe(mine.files.get(path)!.toString());
      // The same change is visible to staff: the comparison above could have seen it.
      const staffAfter = new Map<string, Buffer>();
      await downloadMap(s, staff, staffAfter);
      for (const p of [`/api/map/occupancy?park=${PARK}`, `/api/map/buildings?park=${PARK}`]) {
        expect(staffAfter.get(p)!.toString(), p).not.toBe(staffBefore.get(p)!.toString());
      }
    });
  });
}
