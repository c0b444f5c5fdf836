import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startAuthServer, HttpClient, type AuthTestServer } from '../auth/testing.ts';
import { healthModule } from './health.ts';
import { tilesModule } from './tiles.ts';
import fs from 'node:fs';
import path from 'node:path';
import { insertFixturePark, onTilesetChanged, type FixturePark, type TilesetChanged } from '../tiler/index.ts';
import { buildTileset } from '../tiler/build.ts';

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`tiles module [${backend}]`, () => {
    let s: AuthTestServer;
    let viewer: HttpClient;
    let fx: FixturePark;
    const events: TilesetChanged[] = [];
    let waiters: ((e: TilesetChanged) => void)[] = [];
    const nextChange = () => new Promise<TilesetChanged>((resolve) => waiters.push(resolve));

    beforeAll(async () => {
      s = await startAuthServer(backend, { modules: [healthModule, { name: 'auth' }, tilesModule({ debounceMs: 50, pollMs: 250 })] });
      onTilesetChanged(s.server.sc, (e) => {
        events.push(e);
        const w = waiters;
        waiters = [];
        w.forEach((f) => f(e));
      });
      const first = nextChange();
      // Inserted after start: the watcher must notice on its own (NOTIFY or the change-table poll).
      fx = await insertFixturePark(s.server.sc.db, { code: 'tiles-http', grid: 2, floors: 2 });
      const ev = await first;
      expect(ev).toMatchObject({ park: 'tiles-http', mode: 'full', tileset: '/tiles/tiles-http/tileset.json', infra: '/tiles/tiles-http/infra.json' });
      viewer = (await s.userWith(['leadership_viewer'])).client;
    });
    afterAll(async () => {
      await s?.server.stop();
    });

    it('refuses tiles without a login and serves them to a viewer with ETag, no-cache and gzip', async () => {
      const anon = new HttpClient(s.server.url);
      expect((await anon.req('GET', '/tiles/tiles-http/tileset.json')).status).toBe(401);
      const r = await viewer.req('GET', '/tiles/tiles-http/tileset.json', undefined, { 'Accept-Encoding': 'gzip' });
      expect(r.status).toBe(200);
      expect(r.headers.get('cache-control')).toBe('private, no-cache');
      expect(r.headers.get('content-encoding')).toBe('gzip');
      const etag = r.headers.get('etag')!;
      expect(etag).toMatch(/^".+"$/);
      const ts = r.body as { asset: { version: string; tilesetVersion: string }; root: { children: { content?: { uri: string }; children?: unknown[] }[] } };
      expect(ts.asset.version).toBe('1.1');
      expect((await viewer.req('GET', '/tiles/tiles-http/tileset.json', undefined, { 'If-None-Match': etag })).status).toBe(304);
      const uri = JSON.stringify(ts).match(/"uri":"([^"]+\.glb)"/)![1]!;
      const glb = await fetch(`${s.server.url}/tiles/tiles-http/${uri}`, { headers: { Cookie: [...viewer.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
      expect(glb.status).toBe(200);
      expect(glb.headers.get('cache-control')).toBe('private, max-age=31536000, immutable'); // authenticated: no shared cache
      expect(glb.headers.get('content-type')).toBe('model/gltf-binary');
      expect(new Uint8Array(await glb.arrayBuffer()).subarray(0, 4)).toEqual(new Uint8Array([0x67, 0x6c, 0x54, 0x46]));
    });

    it('never serves the state file or anything outside the park folder', async () => {
      for (const p of ['/tiles/tiles-http/.tiler-state.json', '/tiles/tiles-http/..%2F..%2Fetc%2Fpasswd', '/tiles/tiles-http/nope-0123456789abcdef0123.glb', '/tiles/BAD!/tileset.json']) {
        const r = await viewer.req('GET', p);
        expect([400, 404]).toContain(r.status);
      }
    });

    it('re-tiles on its own when a room changes, bumps the version and tells subscribers', async () => {
      const v0 = ((await viewer.req('GET', '/api/tiles/tiles-http/version')).body as { version: number }).version;
      const room = (await s.server.sc.db.query<{ idx: number; building_idx: number }>("SELECT idx, building_idx FROM room WHERE use = 'office' ORDER BY idx LIMIT 1")).rows[0]!;
      const change = nextChange();
      await s.server.sc.db.query("UPDATE room SET use = 'showroom' WHERE idx = $1", [room.idx]);
      const ev = await change;
      expect(ev.mode).toBe('incremental');
      expect(ev.version).toBe(v0 + 1);
      expect(ev.written.filter((f) => f.endsWith('.glb'))).toEqual([expect.stringMatching(new RegExp(`^b${room.building_idx}-interior-`))]);
      const v = (await viewer.req('GET', '/api/tiles/tiles-http/version')).body as { version: number; tileset: string };
      expect(v).toMatchObject({ version: v0 + 1, tileset: '/tiles/tiles-http/tileset.json' });
      const ts = (await viewer.req('GET', '/tiles/tiles-http/tileset.json')).body as { asset: { tilesetVersion: string } };
      expect(ts.asset.tilesetVersion).toBe(String(v0 + 1));
      expect(fx.counts.rooms).toBeGreaterThan(0);
    });

    it('a new park has no version until its tileset.json is written: a build that cannot write it publishes nothing', async () => {
      // A new park whose tileset folder has a directory where tileset.json goes: every build of it
      // fails at the write. Before, the version row was bumped first, so the route answered a
      // version for a tileset that did not exist and the twin asked for it.
      const dir = path.join(s.server.sc.config.tilesetDir, 'tiles-new');
      fs.mkdirSync(path.join(dir, 'tileset.json', 'blocker'), { recursive: true });
      await insertFixturePark(s.server.sc.db, { code: 'tiles-new', grid: 1, floors: 1, origin: [120.2, 30.4, 5] });
      await expect(buildTileset(s.server.sc.db, { outDir: dir, park: 'tiles-new', full: true })).rejects.toThrow();
      const before = await viewer.req('GET', '/api/tiles/tiles-new/version');
      expect(before.status).toBe(404);
      const row = await s.server.sc.db.query('SELECT 1 FROM tileset_state s JOIN park p ON p.idx = s.park_idx WHERE p.code = $1', ['tiles-new']);
      expect(row.rows).toEqual([]);
      // Once the folder is writable, the next build publishes; the version then names a tileset that exists, of that version.
      fs.rmSync(path.join(dir, 'tileset.json'), { recursive: true });
      const r = await buildTileset(s.server.sc.db, { outDir: dir, park: 'tiles-new', full: true });
      const v = await viewer.req('GET', '/api/tiles/tiles-new/version');
      expect(v.status).toBe(200);
      expect((v.body as { version: number }).version).toBe(r.version);
      const ts = await viewer.req('GET', '/tiles/tiles-new/tileset.json');
      expect(ts.status).toBe(200);
      expect((ts.body as { asset: { tilesetVersion: string } }).asset.tilesetVersion).toBe(String(r.version));
      // A folder that lost its tileset.json (wiped by hand) answers no version either, instead of a missing tileset.
      fs.rmSync(path.join(dir, 'tileset.json'));
      expect((await viewer.req('GET', '/api/tiles/tiles-new/version')).status).toBe(404);
    });

    it('lets only tiles:admin force a rebuild', async () => {
      expect((await viewer.req('POST', '/api/tiles/tiles-http/rebuild', {})).status).toBe(403);
    });
  });
}
