import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import validator from 'gltf-validator';
import { describeEachBackend } from '../../db/testing.ts';
import { startTestServer, type TestServer } from '../../testing/server.ts';
import type { TwinModule } from '../types.ts';
import type { Permission, Principal } from '../../auth/types.ts';
import { parksModule } from './index.ts';
import { importModule } from '../import.ts';
import { importBuildings, type ImportReport } from '../../import/buildings.ts';
import { ImportError } from '../../import/problems.ts';
import { buildTileset, tilesetInfo } from '../../tiler/index.ts';
import { readGlb, readPropertyTable } from '../../tiler/inspect.ts';
import { checkTileset } from '../../tiler/tileset-check.ts';
import type { ParkInfo } from './service.ts';

/** The Chengdu fixture: 12 footprints (Tianfu Software Park), `h` heights, codes in bldg_id, names in bldg_name, survey fields. */
export const CHENGDU_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../import/fixtures/chengdu-tianfu.geojson');

/** Bearer tokens standing in for logins: "admin" holds parks:admin and park:write, "viewer" parks:read. */
const tokenGuard: TwinModule = {
  name: 'token-guard',
  guard: () => ({
    async resolvePrincipal(ctx) {
      const token = /^Bearer (\w+)$/.exec(ctx.get('Authorization'))?.[1];
      const perms: Record<string, Permission[]> = { admin: ['parks:read', 'parks:admin', 'park:read', 'park:write'], viewer: ['parks:read'] };
      const p = token ? perms[token] : undefined;
      const principal: Principal | null = p ? { kind: 'user', id: token!, name: token!, roles: [], permissions: new Set(p), sessionId: `s-${token}` } : null;
      return { principal, presented: token !== undefined };
    },
    async onDenied() {},
  }),
};

describeEachBackend('parks: any park, any footprint file', ({ backend }) => {
  let s: TestServer;
  const chengdu = fs.readFileSync(CHENGDU_FILE, 'utf8');
  const call = async (method: string, url: string, token: string | undefined, body?: unknown) => {
    const r = await fetch(`${s.url}${url}`, {
      method, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    });
    return { status: r.status, body: (await r.json().catch(() => null)) as Record<string, unknown> & { error?: { message: string } } };
  };

  beforeAll(async () => {
    s = await startTestServer(backend, { modules: [tokenGuard, parksModule, importModule] });
  });
  afterAll(() => s?.stop());

  it('refuses park changes without parks:admin (403) and lists parks to a viewer', async () => {
    expect((await call('POST', '/api/parks', 'viewer', { code: 'x-park', name: 'x', origin: { lon: 104, lat: 30 } })).status).toBe(403);
    expect((await call('POST', '/api/parks', undefined, { code: 'x-park', name: 'x', origin: { lon: 104, lat: 30 } })).status).toBe(401);
    const r = await call('GET', '/api/parks', 'viewer');
    expect(r.status).toBe(200);
    expect(r.body.parks).toEqual([]);
  });

  it('creates a park in Chengdu with its boundary derived from the footprint file, 2,000 km from the sample park', async () => {
    const r = await call('POST', '/api/parks', 'admin', { code: 'chengdu-tianfu', name: '天府软件园', nameEn: 'Tianfu Software Park', city: '成都', boundary: { footprints: JSON.parse(chengdu), margin: 40 } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const p = r.body as unknown as ParkInfo;
    expect(p.code).toBe('chengdu-tianfu');
    // Origin: a point inside the derived boundary, near the middle of the footprints (104.0668, 30.5405).
    expect(p.origin.lon).toBeCloseTo(104.0668, 2);
    expect(p.origin.lat).toBeCloseTo(30.5405, 2);
    // The hull of 12 footprints on a 4 x 3 grid (~250 x 150 m) grown by 40 m: 5-8 ha.
    expect(p.area).toBeGreaterThan(50_000);
    expect(p.area).toBeLessThan(80_000);
    const dup = await call('POST', '/api/parks', 'admin', { code: 'chengdu-tianfu', name: '重复', origin: { lon: 104, lat: 30 } });
    expect(dup.status).toBe(409);
    expect(dup.body.error!.message).toMatch(/already exists/);
    const bad = await call('POST', '/api/parks', 'admin', { code: 'bow-tie', name: '坏边界', boundary: { polygon: { type: 'Polygon', coordinates: [[[104, 30], [104.01, 30.01], [104.01, 30], [104, 30.01], [104, 30]]] } } });
    expect(bad.status).toBe(422);
    expect(bad.body.error!.message).toMatch(/boundary: invalid polygon: Self-intersection/);
    const far = await call('POST', '/api/parks', 'admin', { code: 'far-origin', name: '远', origin: { lon: 120, lat: 30 }, boundary: { footprints: JSON.parse(chengdu) } });
    expect(far.status).toBe(422);
    expect(far.body.error!.message).toMatch(/origin: lies \d+\.\d km from the boundary/);
    const audit = await s.testDb.db.query<{ action: string; object: string }>("SELECT action, object FROM audit_log WHERE action LIKE 'park.%' ORDER BY seq");
    expect(audit.rows).toEqual([{ action: 'park.create', object: 'park:chengdu-tianfu' }]);
  });

  it('imports the file with a field mapping, `h` as height, unknown properties kept as attributes with one warning each', async () => {
    const r = await call('POST', '/api/import/buildings?park=chengdu-tianfu&mapName=bldg_name&mapCode=bldg_id', 'admin', chengdu);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const rep = r.body as unknown as ImportReport;
    expect(rep.created.building).toBe(12);
    expect(rep.buildings.map((b) => b.code)).toContain('TF-C3');
    const c3 = rep.buildings.find((b) => b.code === 'TF-C3')!;
    expect([c3.name, c3.height, c3.floorsAbove]).toEqual(['天府软件园C3', 75, 19]);
    // One warning per unknown property, counting the features that carry it; grouped by kind, most frequent first.
    expect(rep.warnings.map((w) => /"(\w+)"/.exec(w.message)![1]).sort()).toEqual(['owner', 'roof', 'source_id', 'survey_year']);
    expect(rep.warnings[0]!.ref).toMatch(/^12 features \(first features\[0\]/);
    expect(rep.warnings[0]!.message).toMatch(/^unknown property "\w+", kept as an attribute of the building/);
    expect(rep.warningGroups).toEqual([expect.objectContaining({ count: 4, kind: 'properties: unknown property "…", kept as an attribute of the building' })]);
    const attrs = await s.testDb.db.query<{ attributes: Record<string, unknown> }>(
      "SELECT attributes FROM building b JOIN park p ON p.idx = b.park_idx WHERE p.code = 'chengdu-tianfu' AND b.code = 'TF-A1'");
    expect(attrs.rows[0]!.attributes).toEqual({ roof: 'flat', owner: '成都高新投资集团', survey_year: 2023, source_id: 1000 });
    const after = await call('GET', '/api/parks/chengdu-tianfu', 'viewer');
    expect(after.body.buildings).toBe(12);
  });

  it('tiles the new park: 12 buildings in the overview with their names, framed at its own origin', async () => {
    const dir = path.join(s.sc.config.tilesetDir, 'chengdu-tianfu');
    const r = await buildTileset(s.testDb.db, { outDir: dir, park: 'chengdu-tianfu' });
    expect(r.mode).toBe('full');
    expect(await tilesetInfo(s.testDb.db, s.sc.config.tilesetDir, 'chengdu-tianfu')).not.toBeNull();
    const ts = JSON.parse(fs.readFileSync(path.join(dir, 'tileset.json'), 'utf8'));
    expect(ts.extras.origin.lon).toBeCloseTo(104.0668, 2);
    const ov = fs.readdirSync(dir).filter((f) => f.startsWith('overview-'));
    const rows = ov.flatMap((f) => readPropertyTable(readGlb(new Uint8Array(fs.readFileSync(path.join(dir, f))))));
    expect(rows.filter((x) => x.kind === 'building').map((x) => x.name).sort()).toContain('天府软件园A1');
    expect(rows.filter((x) => x.kind === 'building')).toHaveLength(12);
  });

  it("writes only valid GLBs for the imported park (Khronos validator, 0 errors) and a well-formed tileset", async () => {
    const dir = path.join(s.sc.config.tilesetDir, 'chengdu-tianfu');
    const glbs = fs.readdirSync(dir).filter((x) => x.endsWith('.glb'));
    expect(glbs.length).toBeGreaterThan(12);
    for (const f of glbs) {
      const report = await validator.validateBytes(new Uint8Array(fs.readFileSync(path.join(dir, f))), { maxIssues: 20 });
      expect(report.issues.numErrors, `${f}: ${JSON.stringify(report.issues.messages.slice(0, 3))}`).toBe(0);
    }
    checkTileset(dir, 'tileset.json');
  });

  it('ignores unknown properties with a warning when asked, and skips invalid features with a grouped report', async () => {
    const doc = JSON.parse(chengdu);
    for (const f of doc.features) f.properties.bldg_id = `X-${f.properties.bldg_id}`;
    // Three footprints moved 3 km away (outside the park), one with a bad use: 4 invalid of 12.
    for (const k of [0, 1, 2]) doc.features[k].geometry.coordinates[0] = doc.features[k].geometry.coordinates[0].map(([x, y]: number[]) => [x! + 0.03, y]);
    doc.features[5].properties.use = 'ofice';
    const refused = await call('POST', '/api/import/buildings?park=chengdu-tianfu&mapName=bldg_name&mapCode=bldg_id&dryRun=true', 'admin', doc);
    expect(refused.status).toBe(422);
    const err = refused.body.error as unknown as { groups: { kind: string; count: number }[]; problems: unknown[] };
    // Grouped by kind with counts, most frequent first.
    expect(err.groups.map((g) => [g.count, g.kind])).toEqual([[3, 'geometry: footprint lies entirely outside park "…"'], [1, 'use: "…" is not a building use']]);
    const r = await call('POST', '/api/import/buildings?park=chengdu-tianfu&mapName=bldg_name&mapCode=bldg_id&skipInvalid=true&unknown=ignore', 'admin', doc);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const rep = r.body as unknown as ImportReport;
    expect(rep.created.building).toBe(8);
    expect(rep.skipped.features).toBe(4);
    expect(rep.skipped.groups[0]).toMatchObject({ count: 3 });
    expect(rep.warnings.find((w) => w.message.includes('"roof"'))!.message).toMatch(/unknown property "roof", ignored/);
    const kept = await s.testDb.db.query<{ n: number }>("SELECT count(*)::int AS n FROM building WHERE code LIKE 'X-%' AND attributes IS NOT NULL");
    expect(kept.rows[0]!.n).toBe(0);
    // A mapping naming a property no feature has refuses the file.
    await expect(importBuildings(s.testDb.db, chengdu, { parkCode: 'chengdu-tianfu', floors: 'none', units: 'none', mapping: { height: 'HEIGHT_M' }, dryRun: true }))
      .rejects.toThrow(ImportError);
  });

  it('edits a park (name, boundary from its buildings, origin) and a moved origin re-tiles', async () => {
    const r = await call('PATCH', '/api/parks/chengdu-tianfu', 'admin', { name: '天府软件园（二期）', boundary: { fromBuildings: true, margin: 10 } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.name).toBe('天府软件园（二期）');
    expect(r.body.area as number).toBeLessThan(80_000);
    const before = (await s.testDb.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tile_change')).rows[0]!.n;
    const o = r.body.origin as { lon: number; lat: number };
    const m = await call('PATCH', '/api/parks/chengdu-tianfu', 'admin', { origin: { lon: o.lon + 0.0001, lat: o.lat, height: 500 } });
    expect(m.status).toBe(200);
    expect((await s.testDb.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tile_change')).rows[0]!.n).toBeGreaterThan(before);
    const dir = path.join(s.sc.config.tilesetDir, 'chengdu-tianfu');
    expect((await buildTileset(s.testDb.db, { outDir: dir, park: 'chengdu-tianfu' })).mode).toBe('full');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'tileset.json'), 'utf8')).extras.origin.height).toBe(500);
    expect((await call('PATCH', '/api/parks/nowhere', 'admin', { name: 'x' })).status).toBe(404);
  });

  it('deletes a park with all it owns and its tiles', async () => {
    const dir = path.join(s.sc.config.tilesetDir, 'chengdu-tianfu');
    expect(fs.existsSync(dir)).toBe(true);
    const r = await call('DELETE', '/api/parks/chengdu-tianfu', 'admin');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ park: 'chengdu-tianfu', buildings: 20 });
    const left = await s.testDb.db.query<{ n: number }>(
      "SELECT (SELECT count(*) FROM building)::int + (SELECT count(*) FROM floor)::int + (SELECT count(*) FROM room)::int + (SELECT count(*) FROM twin_object)::int AS n");
    expect(left.rows[0]!.n).toBe(0);
    expect(fs.existsSync(dir)).toBe(false);
    expect((await call('DELETE', '/api/parks/chengdu-tianfu', 'admin')).status).toBe(404);
  });
});
