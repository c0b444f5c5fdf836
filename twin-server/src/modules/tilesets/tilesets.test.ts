import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../db/testing.ts';
import { startTestServer, type TestServer } from '../../testing/server.ts';
import type { TwinModule } from '../types.ts';
import type { Permission, Principal } from '../../auth/types.ts';
import { createTestPark } from '../../import/fixtures/park.ts';
import { enuFrame } from '../../tiler/enu.ts';
import { tilesetsModule, type TilesetLayer } from './index.ts';
import { invertAffine, mul } from './place.ts';

/** The shared 3D Tiles samples (CesiumGS 3d-tiles-samples, see their README). */
export const SAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../shared/fixtures/3d-tiles-samples');

/** A zip of a folder's files (names relative to it), optionally under a top folder. */
export function zipFolder(dir: string, top = '', edit: (name: string, bytes: Uint8Array) => Uint8Array | null = (_n, b) => b): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else {
        const b = edit(r, new Uint8Array(fs.readFileSync(path.join(d, e.name))));
        if (b) files[`${top}${r}`] = b;
      }
    }
  };
  walk(dir, '');
  return zipSync(files);
}

const tokenGuard: TwinModule = {
  name: 'token-guard',
  guard: () => ({
    async resolvePrincipal(ctx) {
      const token = /^Bearer (\w+)$/.exec(ctx.get('Authorization'))?.[1];
      const perms: Record<string, Permission[]> = { admin: ['tiles:read', 'tilesets:admin'], viewer: ['tiles:read'] };
      const p = token ? perms[token] : undefined;
      const principal: Principal | null = p ? { kind: 'user', id: token!, name: token!, roles: [], permissions: new Set(p), sessionId: `s-${token}` } : null;
      return { principal, presented: token !== undefined };
    },
    async onDenied() {},
  }),
};

describeEachBackend('tilesets: third-party 3D Tiles as park layers', ({ backend }) => {
  let s: TestServer;
  let dragon: TilesetLayer;
  const req = async (method: string, url: string, token: string | undefined, body?: Uint8Array | unknown, type = 'application/json') => {
    const r = await fetch(`${s.url}${url}`, {
      method, ...(body !== undefined ? { body: body instanceof Uint8Array ? body : JSON.stringify(body) } : {}),
      headers: { 'Content-Type': body instanceof Uint8Array ? 'application/zip' : type, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    });
    const text = await r.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch { /* a binary file */ }
    return { status: r.status, json: json as Record<string, unknown> & { error?: { message: string } }, text, headers: r.headers };
  };

  beforeAll(async () => {
    expect(fs.existsSync(path.join(SAMPLES, '1.0/TilesetWithDiscreteLOD/tileset.json'))).toBe(true);
    s = await startTestServer(backend, { modules: [tokenGuard, tilesetsModule({ pathRoots: [SAMPLES], maxUploadBytes: 1024 * 1024 })] });
    await createTestPark(s.testDb.db, 'layer-park');
  });
  afterAll(() => s?.stop());

  it('adds the 1.0 b3dm sample by zip upload: reports the missing content, places it at the park origin (it lies 11,000 km away)', async () => {
    const zip = zipFolder(path.join(SAMPLES, '1.0/TilesetWithDiscreteLOD'), 'TilesetWithDiscreteLOD/');
    expect((await req('POST', '/api/tilesets/layer-park/upload?name=dragon', 'viewer', zip)).status).toBe(403);
    const r = await req('POST', '/api/tilesets/layer-park/upload?name=dragon', 'admin', zip);
    expect(r.status, r.text).toBe(201);
    dragon = r.json as unknown as TilesetLayer;
    expect(dragon).toMatchObject({ version: '1.0', source: 'upload', georeferenced: true, anchor: 'park', contents: 2, missing: ['dragon_high.b3dm'] });
    expect(dragon.distanceKm).toBeGreaterThan(10_000);
    // The served root transform puts its origin at the park origin.
    const ts = await req('GET', dragon.url, 'viewer');
    expect(ts.status).toBe(200);
    const t = (ts.json.root as { transform: number[] }).transform;
    const e = enuFrame(120.1, 30.27, 12).originEcef;
    expect(Math.hypot(t[12]! - e[0], t[13]! - e[1], t[14]! - e[2])).toBeLessThan(0.01);
    const b3dm = await fetch(`${s.url}/tiles/layer-park/layers/${dragon.id}/dragon_low.b3dm`, { headers: { Authorization: 'Bearer viewer' } });
    expect(b3dm.status).toBe(200);
    expect(Buffer.from(await b3dm.arrayBuffer()).subarray(0, 4).toString('latin1')).toBe('b3dm');
    // Same access control as the park tiles: no login, no tiles.
    expect((await req('GET', dragon.url, undefined)).status).toBe(401);
    expect((await req('GET', `/tiles/layer-park/layers/${dragon.id}/dragon_high.b3dm`, 'viewer')).status).toBe(404);
  });

  it('refuses broken uploads with a clear error and keeps nothing', async () => {
    const before = fs.readdirSync(path.join(s.sc.config.tilesetDir, '_layers')).length;
    const notZip = await req('POST', '/api/tilesets/layer-park/upload?name=broken', 'admin', new TextEncoder().encode('hello, not a zip'));
    expect(notZip.status).toBe(400);
    expect(notZip.json.error!.message).toMatch(/not a zip or 3tz archive/);
    const noRoot = zipFolder(path.join(SAMPLES, '1.0/TilesetWithDiscreteLOD'), '', (n, b) => (n === 'tileset.json' ? null : b));
    const r1 = await req('POST', '/api/tilesets/layer-park/upload?name=broken', 'admin', noRoot);
    expect(r1.status).toBe(422);
    expect(r1.json.error!.message).toMatch(/the tileset is broken, nothing was added: tileset\.json: not found at the top of the tileset/);
    const corrupt = zipFolder(path.join(SAMPLES, '1.0/TilesetWithDiscreteLOD'), '', (n, b) => (n === 'dragon_medium.b3dm' ? new TextEncoder().encode('<html>not found</html>') : b));
    const r2 = await req('POST', '/api/tilesets/layer-park/upload?name=broken', 'admin', corrupt);
    expect(r2.status).toBe(422);
    expect(r2.json.error!.message).toMatch(/dragon_medium\.b3dm: is not a b3dm file \(it starts with "<htm"/);
    const badJson = zipFolder(path.join(SAMPLES, '1.1/SparseImplicitQuadtree'), '', (n, b) => (n === 'tileset.json' ? b.subarray(0, 40) : b));
    const r3 = await req('POST', '/api/tilesets/layer-park/upload?name=broken', 'admin', badJson);
    expect(r3.status).toBe(422);
    expect(r3.json.error!.message).toMatch(/tileset\.json: is not valid JSON/);
    const slip = zipSync({ 'tileset.json': new Uint8Array([123, 125]), '../evil.b3dm': new Uint8Array([1]) });
    const r4 = await req('POST', '/api/tilesets/layer-park/upload?name=broken', 'admin', slip);
    expect(r4.status).toBe(400);
    expect(r4.json.error!.message).toMatch(/unsafe path/);
    // Every content file missing: nothing would be drawn.
    const empty = zipFolder(path.join(SAMPLES, '1.0/TilesetWithDiscreteLOD'), '', (n, b) => (n.endsWith('.b3dm') ? null : b));
    const r5 = await req('POST', '/api/tilesets/layer-park/upload?name=broken', 'admin', empty);
    expect(r5.status).toBe(422);
    expect(r5.json.error!.message).toMatch(/no content file of the tileset is present: nothing would be drawn/);
    // Larger than an upload may be (1 MB in this server): 413 before anything is unpacked.
    const big = new Uint8Array(1024 * 1024 + 10);
    big.set([0x50, 0x4b, 3, 4]);
    const r6 = await req('POST', '/api/tilesets/layer-park/upload?name=broken', 'admin', big);
    expect(r6.status).toBe(413);
    expect(r6.json.error!.message).toMatch(/larger than the 1 MB an upload may be; nothing was added/);
    expect(fs.readdirSync(path.join(s.sc.config.tilesetDir, '_layers')).length).toBe(before);
    const list = await req('GET', '/api/tilesets/layer-park', 'viewer');
    expect((list.json.layers as TilesetLayer[]).map((l) => l.name)).toEqual(['dragon']);
    expect((await s.testDb.db.query('SELECT 1 FROM tileset_layer')).rows).toHaveLength(1);
  });

  it('adds the 1.1 implicit samples from a folder on this host, only under the allowed folders', async () => {
    const q = await req('POST', '/api/tilesets/layer-park/path', 'admin', { name: 'quadtree', path: path.join(SAMPLES, '1.1/SparseImplicitQuadtree') });
    expect(q.status, q.text).toBe(201);
    expect(q.json).toMatchObject({ version: '1.1', source: 'path', georeferenced: false, anchor: 'park', missing: [] });
    expect(q.json.contents as number).toBeGreaterThanOrEqual(30);
    const o = await req('POST', '/api/tilesets/layer-park/path', 'admin', { name: 'octree', path: path.join(SAMPLES, '1.1/SparseImplicitOctree') });
    expect(o.status, o.text).toBe(201);
    const sub = await fetch(`${s.url}/tiles/layer-park/layers/${q.json.id}/subtrees/0.0.0.subtree`, { headers: { Authorization: 'Bearer viewer' } });
    expect(sub.status).toBe(200);
    expect(Buffer.from(await sub.arrayBuffer()).subarray(0, 4).toString('latin1')).toBe('subt');
    const outside = await req('POST', '/api/tilesets/layer-park/path', 'admin', { name: 'etc', path: '/etc' });
    expect(outside.status).toBe(422);
    expect(outside.json.error!.message).toMatch(/outside the folders allowed/);
    const dup = await req('POST', '/api/tilesets/layer-park/path', 'admin', { name: 'quadtree', path: path.join(SAMPLES, '1.1/SparseImplicitQuadtree') });
    expect(dup.status).toBe(409);
  });

  it('nudges a layer: 10 m east, 90° heading, scale 2 move the served transform exactly so', async () => {
    const before = ((await req('GET', dragon.url, 'viewer')).json.root as { transform: number[] }).transform;
    const r = await req('PATCH', `/api/tilesets/layer-park/${dragon.id}`, 'admin', { nudge: { east: 10, heading: 90, scale: 2 } });
    expect(r.status, r.text).toBe(200);
    expect(r.json.nudge).toEqual({ east: 10, north: 0, up: 0, heading: 90, scale: 2 });
    const after = ((await req('GET', dragon.url, 'viewer')).json.root as { transform: number[] }).transform;
    // In the park's ENU frame: the origin moved 10 m east; the tileset's x axis turned from east-ish to south-ish, twice as long.
    const E = enuFrame(120.1, 30.27, 12).transform;
    const inPark = (m: number[]) => mul(invertAffine(E), m);
    const a = inPark(before), b = inPark(after);
    expect(b[12]! - a[12]!).toBeCloseTo(10, 3);
    expect(b[13]! - a[13]!).toBeCloseTo(0, 3);
    const len = (m: number[]) => Math.hypot(m[0]!, m[1]!, m[2]!);
    expect(len(b) / len(a)).toBeCloseTo(2, 6);
    // Heading 90° clockwise: east -> south.
    expect(b[0]! / len(b)).toBeCloseTo(a[1]! / len(a), 6);
    expect(b[1]! / len(b)).toBeCloseTo(-a[0]! / len(a), 6);
    const audit = await s.testDb.db.query<{ action: string }>("SELECT action FROM audit_log WHERE action LIKE 'tilesets.%' ORDER BY seq");
    expect(audit.rows.map((x) => x.action)).toEqual(['tilesets.add', 'tilesets.add', 'tilesets.add', 'tilesets.update']);
  });

  it('removes an uploaded layer with its files', async () => {
    const dirs = fs.readdirSync(path.join(s.sc.config.tilesetDir, '_layers'));
    expect(dirs).toHaveLength(1);
    expect((await req('DELETE', `/api/tilesets/layer-park/${dragon.id}`, 'admin')).status).toBe(204);
    expect(fs.readdirSync(path.join(s.sc.config.tilesetDir, '_layers'))).toEqual([]);
    expect((await req('GET', dragon.url, 'viewer')).status).toBe(404);
  });
});
