import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../db/testing.ts';
import { startTestServer, type TestServer } from '../../testing/server.ts';
import type { Permission, Principal } from '../../auth/types.ts';
import type { TwinModule } from '../types.ts';
import type { ErrorBody } from '../../http/errors.ts';
import { healthModule } from '../health.ts';
import { mapModule } from './index.ts';
import { FIXTURE_ORIGIN, insertMapFixture, type MapFixture } from './fixture.ts';
import {
  blockFeatures, bboxParam, buildingFeatures, enterpriseFeatures, mapQuerySchema, occupancyHeatFeatures, parkFeatures,
  type FeatureCollection,
} from './queries.ts';

const { lon: X, lat: Y } = FIXTURE_ORIGIN;
const ALL = { limit: 100 };
const ids = (fc: FeatureCollection<unknown>) => fc.features.map((f) => f.id).sort((a, b) => a - b);
const props = <P>(fc: FeatureCollection<P>, id: number) => fc.features.find((f) => f.id === id)?.properties;

/** Twice the signed area of a ring (shoelace): positive means counter-clockwise. */
const signedArea = (ring: number[][]) =>
  ring.slice(0, -1).reduce((s, p, i) => s + p[0]! * ring[i + 1]![1]! - ring[i + 1]![0]! * p[1]!, 0);

it('bbox parsing accepts four ordered numbers and rejects everything else', () => {
  expect(bboxParam.parse('120.1,31,120.2,31.5')).toEqual([120.1, 31, 120.2, 31.5]);
  for (const bad of ['1,2,3', '1,2,3,4,5', 'a,2,3,4', '1,,3,4', '10,0,5,1', '0,10,1,5', '0,0,181,1', '0,-91,1,1', 'Infinity,0,1,1']) {
    expect(bboxParam.safeParse(bad).success, bad).toBe(false);
  }
  expect(mapQuerySchema.safeParse({ limit: '0' }).success).toBe(false);
  expect(mapQuerySchema.safeParse({ limit: '20001' }).success).toBe(false);
  expect(mapQuerySchema.parse({}).limit).toBe(5000);
});

describeEachBackend('map GeoJSON queries', ({ db }) => {
  let f: MapFixture;
  beforeAll(async () => {
    f = await insertMapFixture(db());
  });

  it('parks carry their outline (counter-clockwise, RFC 7946) and tile origin', async () => {
    const fc = await parkFeatures(db(), { ...ALL, park: 'map-fixture' });
    expect(fc.type).toBe('FeatureCollection');
    expect(ids(fc)).toEqual([f.park]);
    const park = fc.features[0]!;
    expect(park.properties).toMatchObject({ code: 'map-fixture', name: '示例科技园', nameEn: 'Fixture Science Park' });
    expect(park.properties.origin).toEqual([X, Y, 8]);
    expect(park.geometry.type).toBe('Polygon');
    expect(signedArea((park.geometry.coordinates as number[][][])[0]!)).toBeGreaterThan(0);
  });

  it('blocks are only zones of type block, with planned use, plot ratio and area', async () => {
    const fc = await blockFeatures(db(), { ...ALL, park: 'map-fixture' });
    expect(ids(fc)).toEqual([f.blocks.research, f.blocks.industrial, f.blocks.green].sort((a, b) => a - b));
    expect(fc.features.map((x) => x.id)).not.toContain(f.plaza);
    const research = props(fc, f.blocks.research)!;
    expect(research).toMatchObject({ code: 'A1', plannedUse: 'research', plotRatio: 2.5 });
    // 0.004° x 0.004° at 31.3°N: about 381 m x 443 m.
    expect(research.areaM2).toBeGreaterThan(160_000);
    expect(research.areaM2).toBeLessThan(180_000);
    for (const x of fc.features) expect(signedArea((x.geometry.coordinates as number[][][])[0]!)).toBeGreaterThan(0);
  });

  it('buildings carry the dominant tenant industry and occupancy = leased / leasable area', async () => {
    const fc = await buildingFeatures(db(), ALL);
    expect(ids(fc)).toEqual(Object.values(f.buildings).sort((a, b) => a - b));
    expect(props(fc, f.buildings.b1)).toMatchObject({ code: '1', use: 'office', height: 60, floors: 3, industry: 'ai',
      tenants: 2, leasableArea: 1500, leasedArea: 1300 });
    expect(props(fc, f.buildings.b1)!.occupancy).toBeCloseTo(1300 / 1500, 6);
    // A tie in leased area goes to the industry first by name; 'expiring' still counts as leased.
    expect(props(fc, f.buildings.b2)).toMatchObject({ industry: 'biomed', tenants: 2, leasableArea: 2000, leasedArea: 1600, occupancy: 0.8 });
    expect(props(fc, f.buildings.b3)).toMatchObject({ industry: null, tenants: 0, leasableArea: 0, occupancy: null });
    expect(fc.features.find((x) => x.id === f.buildings.b1)!.geometry.type).toBe('Polygon');
  });

  it('the bbox keeps only features that intersect it, and park filters by code', async () => {
    const west = [X - 0.0045, Y - 0.0015, X - 0.0001, Y + 0.0015] as const;
    expect(ids(await buildingFeatures(db(), { ...ALL, bbox: west }))).toEqual([f.buildings.b1]);
    expect(ids(await blockFeatures(db(), { ...ALL, bbox: west }))).toEqual([f.blocks.research]);
    expect(ids(await buildingFeatures(db(), { ...ALL, park: 'other-park' }))).toEqual([f.buildings.other]);
    expect(ids(await buildingFeatures(db(), { ...ALL, bbox: [0, 0, 1, 1] }))).toEqual([]);
    expect((await blockFeatures(db(), { ...ALL, park: 'no-such-park' })).features).toEqual([]);
  });

  it('limit cuts the collection and says so', async () => {
    const fc = await buildingFeatures(db(), { limit: 2 });
    expect(fc.features).toHaveLength(2);
    expect(fc.truncated).toBe(true);
    expect((await buildingFeatures(db(), { limit: 4 })).truncated).toBe(false);
  });

  it('leading enterprises sit at their main building with the trailing 12-month output of their park', async () => {
    const fc = await enterpriseFeatures(db(), ALL);
    // Leading only; the one whose lease ended has no place; sorted by output, largest first.
    expect(fc.features.map((x) => x.id)).toEqual([f.enterprises.ai, f.enterprises.bio, f.enterprises.fin]);
    expect(props(fc, f.enterprises.ai)).toMatchObject({ industry: 'ai', leading: true, buildingIdx: f.buildings.b1,
      output12m: 1290, months: 12 });
    expect(props(fc, f.enterprises.bio)).toMatchObject({ buildingIdx: f.buildings.b2, output12m: 300, months: 6 });
    // The other park's latest month is its own (2026-06), not the fixture park's 2026-10.
    expect(props(fc, f.enterprises.fin)).toMatchObject({ output12m: 120, months: 12 });
    const [lon, lat] = fc.features[0]!.geometry.coordinates as number[];
    expect(lon).toBeCloseTo(X - 0.0025, 7);
    expect(lat).toBeCloseTo(Y - 0.0007, 7);

    const all = await enterpriseFeatures(db(), { ...ALL, all: true, park: 'map-fixture' });
    expect(ids(all)).toEqual([f.enterprises.ai, f.enterprises.soft, f.enterprises.bio, f.enterprises.energy].sort((a, b) => a - b));
    expect(props(all, f.enterprises.energy)).toMatchObject({ output12m: 0, months: 0, leading: false });
  });

  it('an enterprise-scoped caller sees only its own enterprise', async () => {
    const fc = await enterpriseFeatures(db(), { ...ALL, all: true, enterpriseIdx: f.enterprises.soft });
    expect(ids(fc)).toEqual([f.enterprises.soft]);
    expect((await enterpriseFeatures(db(), { ...ALL, enterpriseIdx: f.enterprises.soft })).features).toEqual([]);
  });

  it('an enterprise-scoped caller gets lease figures and heat points of its own rooms only', async () => {
    // soft leases 1-301 (300 m², b1 east) only; ai leases 1-101 and 1-201 (b1 west).
    const heat = await occupancyHeatFeatures(db(), { ...ALL, park: 'map-fixture', enterpriseIdx: f.enterprises.soft });
    expect(heat.features.map((x) => x.properties)).toEqual([{ leasedArea: 300, leasableArea: 300, rooms: 1 }]);
    const staff = await occupancyHeatFeatures(db(), { ...ALL, park: 'map-fixture' });
    // The one point it gets is its own room's, and no point id is another tenant's or a vacant room's.
    expect(heat.features[0]!.geometry).toEqual(staff.features.find((x) => x.properties.leasableArea === 300)!.geometry);
    const ai = await occupancyHeatFeatures(db(), { ...ALL, park: 'map-fixture', enterpriseIdx: f.enterprises.ai });
    expect(ai.features.map((x) => x.properties)).toEqual([{ leasedArea: 1000, leasableArea: 1000, rooms: 2 }]);
    expect((await occupancyHeatFeatures(db(), { ...ALL, enterpriseIdx: f.enterprises.gone })).features).toEqual([]);

    const b = await buildingFeatures(db(), { ...ALL, enterpriseIdx: f.enterprises.soft });
    expect(ids(b)).toEqual(Object.values(f.buildings).sort((x, y) => x - y));
    expect(props(b, f.buildings.b1)).toMatchObject({ industry: 'software', tenants: 1, leasableArea: 300, leasedArea: 300, occupancy: 1 });
    for (const other of [f.buildings.b2, f.buildings.b3, f.buildings.other]) {
      expect(props(b, other)).toMatchObject({ industry: null, tenants: 0, leasableArea: 0, leasedArea: 0, occupancy: null });
    }
  });

  it('occupancy heat points stack the floors of a unit and weigh leased against leasable area', async () => {
    const fc = await occupancyHeatFeatures(db(), { ...ALL, park: 'map-fixture' });
    const byArea = fc.features.map((x) => x.properties).sort((a, b) => a.leasableArea - b.leasableArea);
    // b1 east (301), b1 west (101, 201, 302), b2 (three floors); b3 has nothing leasable.
    expect(byArea).toEqual([
      { leasedArea: 300, leasableArea: 300, rooms: 1 },
      { leasedArea: 1000, leasableArea: 1200, rooms: 3 },
      { leasedArea: 1600, leasableArea: 2000, rooms: 3 },
    ]);
    for (const x of fc.features) expect(x.geometry.type).toBe('Point');
  });
});

/** A guard for this test only: a bearer token names the principal, so routes run behind the real guardFor. */
function testGuard(principals: Record<string, Principal>): TwinModule {
  return {
    name: 'test-guard',
    guard: () => ({
      async resolvePrincipal(ctx) {
        const token = /^Bearer (\w+)$/.exec(ctx.get('Authorization'))?.[1];
        return { principal: token ? principals[token] ?? null : null, presented: Boolean(token) };
      },
      async onDenied() {},
    }),
  };
}

const principal = (id: string, permissions: Permission[], enterpriseIdx?: number): Principal => ({
  kind: 'user', id, name: id, roles: [], permissions: new Set(permissions), sessionId: id,
  ...(enterpriseIdx !== undefined ? { enterpriseIdx } : {}),
});

describeEachBackend('map HTTP routes', ({ backend }) => {
  let closed: TestServer;
  let s: TestServer;
  let f: MapFixture;
  const get = (path: string, token?: string) =>
    fetch(`${s.url}${path}`, token ? { headers: { Authorization: `Bearer ${token}` } } : {});
  beforeAll(async () => {
    closed = await startTestServer(backend, { modules: [healthModule, mapModule] });
    f = await insertMapFixture(closed.testDb.db);
    s = await startTestServer(backend, {
      testDb: closed.testDb,
      modules: [healthModule, mapModule, testGuard({
        viewer: principal('viewer', ['map:read']),
        noMap: principal('noMap', ['park:read']),
        tenant: principal('tenant', ['map:read'], f.enterprises.soft),
      })],
    });
  });
  afterAll(async () => {
    await s?.stop();
    await closed?.stop();
  });

  it('every map route refuses anonymous callers and callers without map:read', async () => {
    for (const r of s.routes.filter((x) => x.path.startsWith('/api/map/'))) {
      expect(r.permission).toBe('map:read');
      expect((await fetch(`${closed.url}${r.path}`)).status).toBe(401);
      expect((await get(r.path)).status).toBe(401);
      expect((await get(r.path, 'noMap')).status).toBe(403);
    }
  });

  it('serves GeoJSON FeatureCollections filtered by bbox', async () => {
    const r = await get(`/api/map/buildings?bbox=${X - 0.0045},${Y - 0.0015},${X - 0.0001},${Y + 0.0015}`, 'viewer');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/geo\+json/);
    const fc = (await r.json()) as FeatureCollection<{ industry: string }>;
    expect(fc.type).toBe('FeatureCollection');
    expect(fc.features.map((x) => [x.id, x.properties.industry])).toEqual([[f.buildings.b1, 'ai']]);
    for (const path of ['parks', 'blocks', 'enterprises', 'occupancy']) {
      const body = (await (await get(`/api/map/${path}?park=map-fixture`, 'viewer')).json()) as FeatureCollection<unknown>;
      expect(body.features.length, path).toBeGreaterThan(0);
    }
  });

  it('rejects a malformed query with a 400 that names the problem', async () => {
    for (const q of ['bbox=1,2,3', 'bbox=5,0,1,1', 'bbox=a,b,c,d', 'limit=-1', 'limit=999999', 'park=DROP%20TABLE', 'bbox=1,2,3,4&bbox=1,2,3,4']) {
      const r = await get(`/api/map/blocks?${q}`, 'viewer');
      expect(r.status, q).toBe(400);
      const err = ((await r.json()) as ErrorBody).error;
      expect(err.message, q).toMatch(/^invalid input: (bbox|limit|park)/);
    }
    // The server is still up and answering.
    expect((await get('/api/map/blocks', 'viewer')).status).toBe(200);
  });

  it('an enterprise user sees only its own enterprise on the map', async () => {
    const fc = (await (await get('/api/map/enterprises?all=1', 'tenant')).json()) as FeatureCollection<unknown>;
    expect(fc.features.map((x) => x.id)).toEqual([f.enterprises.soft]);
    const viewer = (await (await get('/api/map/enterprises?all=1', 'viewer')).json()) as FeatureCollection<unknown>;
    expect(viewer.features.length).toBe(5);
  });

  it('an enterprise user gets occupancy points and building lease figures of its own rooms only', async () => {
    const heat = (await (await get('/api/map/occupancy', 'tenant')).json()) as FeatureCollection<{ rooms: number }>;
    expect(heat.features.map((x) => x.properties)).toEqual([{ leasedArea: 300, leasableArea: 300, rooms: 1 }]);
    const staff = (await (await get('/api/map/occupancy', 'viewer')).json()) as FeatureCollection<{ rooms: number }>;
    expect(staff.features.length).toBeGreaterThan(heat.features.length);
    const b = (await (await get('/api/map/buildings', 'tenant')).json()) as FeatureCollection<{ industry: string | null; tenants: number }>;
    expect(b.features.filter((x) => x.properties.tenants > 0).map((x) => [x.id, x.properties.industry])).toEqual([[f.buildings.b1, 'software']]);
  });
});
