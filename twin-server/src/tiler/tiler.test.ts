import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import validator from 'gltf-validator';
import { describeEachBackend } from '../db/testing.ts';
import { buildTileset } from './build.ts';
import { insertFixturePark, type FixturePark } from './fixture.ts';
import { geodeticToEcef } from './enu.ts';
import { readAccessor, readGlb, readPropertyTable } from './inspect.ts';
import { checkTileset, snapshot, type Tile } from './tileset-check.ts';
import { TWIN_PROPERTIES } from './metadata.ts';
import { tilesetInfo } from './index.ts';

describeEachBackend('tiler', ({ db }) => {
  let fx: FixturePark;
  let out: string;
  const build = (extra: { full?: boolean } = {}) => buildTileset(db(), { outDir: out, park: fx.code, ...extra });

  beforeAll(async () => {
    fx = await insertFixturePark(db(), { grid: 3, floors: 3 });
    out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'twin-tiles-')), fx.code);
    const r = await build();
    expect(r.mode).toBe('full');
  });
  afterAll(() => {
    if (out) fs.rmSync(path.dirname(out), { recursive: true, force: true });
  });

  it('writes only GLBs that pass the Khronos glTF validator with 0 errors', async () => {
    const files = fs.readdirSync(out).filter((f) => f.endsWith('.glb'));
    expect(files.length).toBeGreaterThan(fx.counts.buildings * 2);
    for (const f of files) {
      const report = await validator.validateBytes(new Uint8Array(fs.readFileSync(path.join(out, f))), { maxIssues: 100 });
      expect(report.issues.numErrors, `${f}: ${JSON.stringify(report.issues.messages.slice(0, 3))}`).toBe(0);
      expect(report.issues.numWarnings, f).toBe(0);
    }
  });

  it('writes a geo-referenced, well-formed tileset.json: boxes nest, errors shrink downwards, contents inside', async () => {
    const ts = JSON.parse(fs.readFileSync(path.join(out, 'tileset.json'), 'utf8'));
    const m: number[] = ts.root.transform;
    expect(m).toHaveLength(16);
    const park = (await db().query<{ lon: number; lat: number; h: number }>(
      'SELECT ST_X(origin) AS lon, ST_Y(origin) AS lat, ST_Z(origin) AS h FROM park WHERE idx = $1', [fx.parkIdx])).rows[0]!;
    const o = geodeticToEcef(park.lon, park.lat, park.h);
    expect(m[12]).toBeCloseTo(o[0], 3);
    expect(m[13]).toBeCloseTo(o[1], 3);
    expect(m[14]).toBeCloseTo(o[2], 3);
    // East, north, up columns: orthonormal, and up points away from the earth's centre.
    const col = (k: number) => [m[k * 4]!, m[k * 4 + 1]!, m[k * 4 + 2]!];
    const dot = (a: number[], b: number[]) => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
    for (let i = 0; i < 3; i++) {
      expect(dot(col(i), col(i))).toBeCloseTo(1, 9);
      for (let j = i + 1; j < 3; j++) expect(dot(col(i), col(j))).toBeCloseTo(0, 9);
    }
    expect(dot(col(2), o)).toBeGreaterThan(0);
    const { tiles, depth } = checkTileset(out, 'tileset.json');
    expect(depth).toBeGreaterThanOrEqual(4); // root -> leaf -> building -> interior -> equipment
    expect(tiles.some((t) => t.content!.uri.startsWith('overview-'))).toBe(true);
    const infra = checkTileset(out, 'infra.json');
    expect(infra.tiles.length).toBeGreaterThan(0);
  });

  it('gives every drawn room its idx as feature id and metadata equal to PostGIS, without tenant data', async () => {
    const b = fx.buildings.find((x) => !x.courtyard)!;
    const file = fs.readdirSync(out).find((f) => f.startsWith(`b${b.idx}-interior-`))!;
    const g = readGlb(new Uint8Array(fs.readFileSync(path.join(out, file))));
    const rows = readPropertyTable(g);
    const prim = g.json.meshes![0]!.primitives[0]!;
    const ids = new Set(readAccessor(g, prim.attributes._FEATURE_ID_0!));
    const rowIds = readAccessor(g, prim.attributes._FEATURE_ID_1!);
    // Feature id 1 indexes the property table, and that row names the same object as feature id 0.
    const id0 = readAccessor(g, prim.attributes._FEATURE_ID_0!);
    rowIds.forEach((r, i) => expect(rows[r]!.idx).toBe(id0[i]));
    const db_ = await db().query<{ idx: number; area: number; use: string; level: number }>(
      `SELECT r.idx, r.area, r.use, f.level
       FROM room r JOIN floor f ON f.idx = r.floor_idx WHERE r.building_idx = $1 ORDER BY r.idx`,
      [b.idx],
    );
    expect(db_.rows.length).toBeGreaterThan(5);
    for (const r of db_.rows) {
      expect(ids.has(r.idx)).toBe(true);
      const row = rows.find((x) => x.idx === r.idx)!;
      // Exactly these keys: no uuid, name, code or lease status (they come from the API per principal).
      expect(Object.keys(row).sort()).toEqual(['area', 'building', 'floor', 'idx', 'kind', 'use']);
      expect(row).toMatchObject({ kind: 'room', use: r.use, floor: r.level, building: b.code });
      expect(row.area).toBeCloseTo(r.area, 2);
    }
    // Floors keep their public name and uuid.
    const floor = rows.find((x) => x.kind === 'floor')!;
    expect(floor.name).toMatch(/.+/);
    expect(floor.uuid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('carries no room or equipment name, uuid, code, lease status or equipment status in any file', async () => {
    const secrets = (await db().query<{ s: string }>(
      `SELECT o.name AS s FROM twin_object o WHERE o.kind IN ('room', 'equipment') AND length(o.name) >= 2
       UNION SELECT o.uuid::text FROM twin_object o WHERE o.kind IN ('room', 'equipment')
       UNION SELECT code FROM equipment WHERE length(code) >= 4`)).rows.map((r) => r.s);
    expect(secrets.length).toBeGreaterThan(fx.counts.rooms + fx.counts.equipment);
    const files = fs.readdirSync(out).filter((f) => f.endsWith('.glb') || f.endsWith('.json'));
    const kinds = new Set<string>();
    for (const f of files) {
      const bytes = fs.readFileSync(path.join(out, f));
      // Only the building code and public names may appear; any room/equipment name or uuid would.
      for (const s of secrets) expect(bytes.includes(Buffer.from(s)), `${f} carries "${s}"`).toBe(false);
      if (!f.endsWith('.glb')) continue;
      for (const row of readPropertyTable(readGlb(new Uint8Array(bytes)))) {
        kinds.add(row.kind);
        const keys = Object.keys(row);
        for (const k of ['lease_status', 'status']) expect(keys, `${f} ${row.kind} ${row.idx}`).not.toContain(k);
        if (row.kind === 'room' || row.kind === 'equipment') {
          for (const k of ['uuid', 'name', 'code']) expect(keys, `${f} ${row.kind} ${row.idx}`).not.toContain(k);
        }
      }
    }
    expect([...kinds]).toEqual(expect.arrayContaining(['building', 'floor', 'room', 'equipment']));
  });

  it('draws a courtyard building with its hole open (no roof over the courtyard)', async () => {
    const b = fx.buildings.find((x) => x.courtyard)!;
    const file = fs.readdirSync(out).find((f) => f.startsWith(`b${b.idx}-shell-`))!;
    const g = readGlb(new Uint8Array(fs.readFileSync(path.join(out, file))));
    const prim = g.json.meshes![0]!.primitives[0]!;
    const pos = readAccessor(g, prim.attributes.POSITION!);
    const nrm = readAccessor(g, prim.attributes.NORMAL!);
    const idx = readAccessor(g, prim.indices!);
    const c = await db().query<{ x: number; y: number }>('SELECT ST_X(ST_Centroid(footprint)) AS x, ST_Y(ST_Centroid(footprint)) AS y FROM building WHERE idx = $1', [b.idx]);
    expect(c.rows).toHaveLength(1);
    // Roof triangles (normal up in glTF = +Y): none may cover the courtyard centre, the building's centroid.
    const xs: number[] = [];
    const zs: number[] = [];
    for (let i = 0; i < pos.length; i += 3) {
      xs.push(pos[i]!);
      zs.push(pos[i + 2]!);
    }
    const cx = (Math.min(...xs) + Math.max(...xs)) / 2;
    const cz = (Math.min(...zs) + Math.max(...zs)) / 2;
    let covering = 0;
    let roofs = 0;
    for (let t = 0; t < idx.length; t += 3) {
      const [a, bb, cc] = [idx[t]!, idx[t + 1]!, idx[t + 2]!];
      if (nrm[a * 3 + 1]! < 0.99) continue;
      roofs++;
      const P = [a, bb, cc].map((v) => [pos[v * 3]!, pos[v * 3 + 2]!]);
      const s = (p: number[], q: number[], r: number[]) => (q[0]! - p[0]!) * (r[1]! - p[1]!) - (q[1]! - p[1]!) * (r[0]! - p[0]!);
      const d1 = s(P[0]!, P[1]!, [cx, cz]);
      const d2 = s(P[1]!, P[2]!, [cx, cz]);
      const d3 = s(P[2]!, P[0]!, [cx, cz]);
      if ((d1 > 0 && d2 > 0 && d3 > 0) || (d1 < 0 && d2 < 0 && d3 < 0)) covering++;
      // Counter-clockwise seen from above: the face normal from the winding agrees with the stored normal.
      const ux = P[1]![0]! - P[0]![0]!, uz = P[1]![1]! - P[0]![1]!, vx = P[2]![0]! - P[0]![0]!, vz = P[2]![1]! - P[0]![1]!;
      expect(uz * vx - ux * vz).toBeGreaterThan(0); // y-component of (u x v) in glTF (x, y=up, z)
    }
    expect(roofs).toBeGreaterThan(0);
    expect(covering).toBe(0);
  });

  it('draws pipes as tubes with their real diameter at their real depth', async () => {
    const seg = (await db().query<{ idx: number; diameter_mm: number; z: number }>(
      `SELECT idx, diameter_mm, ST_Z(ST_StartPoint(geom)) AS z FROM pipe_segment WHERE park_idx = $1 AND network = 'water' ORDER BY idx LIMIT 1`,
      [fx.parkIdx])).rows[0]!;
    const ts = JSON.parse(fs.readFileSync(path.join(out, 'infra.json'), 'utf8'));
    const uris: string[] = ts.root.children.map((c: Tile) => c.content!.uri);
    let found = false;
    for (const u of uris) {
      const g = readGlb(new Uint8Array(fs.readFileSync(path.join(out, u))));
      const prim = g.json.meshes![0]!.primitives[0]!;
      const ids = readAccessor(g, prim.attributes._FEATURE_ID_0!);
      const pos = readAccessor(g, prim.attributes.POSITION!);
      const ys = ids.flatMap((id, i) => (id === seg.idx ? [pos[i * 3 + 1]!] : []));
      if (ys.length === 0) continue;
      found = true;
      // glTF y is up: the tube spans centre +- radius.
      expect(Math.max(...ys) - Math.min(...ys)).toBeCloseTo(seg.diameter_mm / 1000, 2);
      expect((Math.max(...ys) + Math.min(...ys)) / 2).toBeCloseTo(seg.z, 2);
      expect(readPropertyTable(g).find((r) => r.idx === seg.idx)).toMatchObject({ kind: 'pipe_segment', network: 'water', diameter_mm: seg.diameter_mm });
    }
    expect(found).toBe(true);
  });

  it('re-tiles one changed building only: its tiles, its overview leaf and tileset.json', async () => {
    const before = snapshot(out);
    const v0 = JSON.parse(fs.readFileSync(path.join(out, 'tileset.json'), 'utf8')).asset.tilesetVersion;
    const target = fx.buildings[1]!;
    await db().query('UPDATE building SET height = height + 6 WHERE idx = $1', [target.idx]);
    const r = await build();
    expect(r.mode).toBe('incremental');
    expect(r.buildingsRetiled).toBe(1);
    const glbs = r.written.filter((f) => f.endsWith('.glb'));
    // The shell got taller; the merged overview of its leaf too. Nothing of other buildings.
    expect(glbs.sort()).toEqual([expect.stringMatching(new RegExp(`^b${target.idx}-shell-`)), expect.stringMatching(/^overview-/)]);
    expect(r.written).toContain('tileset.json');
    const after = snapshot(out);
    const changed = [...after].filter(([f, t]) => before.get(f) !== t).map(([f]) => f).filter((f) => !f.startsWith('.'));
    expect(changed.sort()).toEqual([...glbs, 'tileset.json'].sort());
    expect(Number(JSON.parse(fs.readFileSync(path.join(out, 'tileset.json'), 'utf8')).asset.tilesetVersion)).toBe(Number(v0) + 1);
    checkTileset(out, 'tileset.json');
  });

  it("re-tiles a room's use change into that building's interior only, and nothing when nothing changed", async () => {
    const b = fx.buildings[0]!;
    const room = (await db().query<{ idx: number }>("SELECT idx FROM room WHERE building_idx = $1 AND use <> 'corridor' ORDER BY idx LIMIT 1", [b.idx])).rows[0]!;
    await db().query("UPDATE room SET use = 'data_center' WHERE idx = $1", [room.idx]);
    const r = await build();
    expect(r.written.filter((f) => f.endsWith('.glb'))).toEqual([expect.stringMatching(new RegExp(`^b${b.idx}-interior-`))]);
    const g = readGlb(new Uint8Array(fs.readFileSync(path.join(out, r.written[0]!))));
    expect(readPropertyTable(g).find((x) => x.idx === room.idx)!.use).toBe('data_center');
    const again = await build();
    expect(again.mode).toBe('none');
    expect(again.written).toEqual([]);
  });

  it('runs overlapping builds of one folder one after the other: one re-tiles, the other finds nothing to do', async () => {
    await db().query('UPDATE building SET height = height + 1 WHERE idx = $1', [fx.buildings[3]!.idx]);
    const [a, b] = await Promise.all([build(), build()]);
    expect([a.mode, b.mode].sort()).toEqual(['incremental', 'none']);
    checkTileset(out, 'tileset.json');
  });

  /** Adds a 9 m building without floors `north` degrees (0.00045 = 50 m, clear of the grid's others) north of `near`; returns its idx. */
  const addBuilding = async (near: number, code: string, north = 0.00045) =>
    (await db().query<{ idx: number }>(
      `WITH o AS (INSERT INTO twin_object (kind, name) VALUES ('building', $2) RETURNING idx)
       INSERT INTO building (idx, park_idx, code, footprint, height, floors_above, use, year)
       SELECT o.idx, b.park_idx, $2, ST_Translate(b.footprint, 0, $3), 9, 2, 'office', 2024 FROM o, building b WHERE b.idx = $1
       RETURNING idx`,
      [near, code, north],
    )).rows[0]!.idx;

  it('tiles an added building incrementally: its own tiles, its leaf overview and tileset.json, nothing else', async () => {
    const before = snapshot(out);
    const idx = await addBuilding(fx.buildings[0]!.idx, 'B900');
    const r = await build();
    expect(r.mode).toBe('incremental');
    expect(r.buildingsRetiled).toBe(1);
    const glbs = r.written.filter((f) => f.endsWith('.glb')).sort();
    expect(glbs).toEqual([expect.stringMatching(new RegExp(`^b${idx}-shell-`)), expect.stringMatching(/^overview-/)]);
    const changed = [...snapshot(out)].filter(([f, t]) => before.get(f) !== t).map(([f]) => f).filter((f) => !f.startsWith('.'));
    expect(changed.sort()).toEqual([...glbs, 'tileset.json'].sort());
    const ts = JSON.parse(fs.readFileSync(path.join(out, 'tileset.json'), 'utf8'));
    expect(JSON.stringify(ts)).toContain(`b${idx}-shell-`);
    checkTileset(out, 'tileset.json');
    // The new building is a feature of the overview, with its idx.
    const ov = readPropertyTable(readGlb(new Uint8Array(fs.readFileSync(path.join(out, glbs[1]!)))));
    expect(ov.map((x) => x.idx)).toContain(idx);
  });

  it('re-plans the quadtree when an added building would overflow its leaf', async () => {
    const dir = path.join(path.dirname(out), 'replan');
    const limits = { maxBuildingsPerTile: 2 };
    await buildTileset(db(), { outDir: dir, park: fx.code, limits, full: true });
    // Two more buildings a metre or two from one already there: its leaf (at most 2) would hold 3 or 4.
    await addBuilding(fx.buildings[1]!.idx, 'B901', 0.00001);
    await addBuilding(fx.buildings[1]!.idx, 'B902', 0.00002);
    const r = await buildTileset(db(), { outDir: dir, park: fx.code, limits });
    expect(r.mode).toBe('full');
    checkTileset(dir, 'tileset.json');
    for (const f of fs.readdirSync(dir).filter((x) => x.startsWith('overview-'))) {
      expect(readPropertyTable(readGlb(new Uint8Array(fs.readFileSync(path.join(dir, f))))).length).toBeLessThanOrEqual(2);
    }
  });

  it('drops a removed building incrementally (its leaf overview and tileset.json) and its files after one generation', async () => {
    const gone = fx.buildings[2]!;
    const before = snapshot(out);
    await db().query('DELETE FROM building WHERE idx = $1', [gone.idx]);
    const r = await build();
    expect(r.mode).toBe('incremental');
    const glbs = r.written.filter((f) => f.endsWith('.glb'));
    expect(glbs).toEqual([expect.stringMatching(/^overview-/)]);
    const changed = [...snapshot(out)].filter(([f, t]) => before.get(f) !== t).map(([f]) => f).filter((f) => !f.startsWith('.'));
    expect(changed.sort()).toEqual([...glbs, 'tileset.json'].sort());
    const ts = fs.readFileSync(path.join(out, 'tileset.json'), 'utf8');
    expect(ts).not.toContain(`b${gone.idx}-`);
    await db().query("UPDATE twin_object SET name = '改名楼' WHERE idx = $1", [fx.buildings[0]!.idx]);
    await build();
    expect(fs.readdirSync(out).filter((f) => f.startsWith(`b${gone.idx}-`))).toEqual([]);
    checkTileset(out, 'tileset.json');
  });

  it('splits a large park into capped leaves that still nest correctly', async () => {
    const dir = path.join(path.dirname(out), 'split');
    const r = await buildTileset(db(), { outDir: dir, park: fx.code, limits: { maxBuildingsPerTile: 2 } });
    expect(r.mode).toBe('full');
    const overviews = fs.readdirSync(dir).filter((f) => f.startsWith('overview-'));
    expect(overviews.length).toBeGreaterThanOrEqual(4);
    for (const f of overviews) {
      expect(readPropertyTable(readGlb(new Uint8Array(fs.readFileSync(path.join(dir, f))))).length).toBeLessThanOrEqual(2);
    }
    checkTileset(dir, 'tileset.json');
  });

  it('writes the same files from worker threads as from the main thread, whatever the batches, rows out of order included', async () => {
    // A room added to the first building now comes last in the room stream (idx order): that
    // building must be read again, not tiled without it.
    const first = fx.buildings[0]!;
    const late = (await db().query<{ idx: number }>(
      `WITH o AS (INSERT INTO twin_object (kind, name) VALUES ('room', '后加房间') RETURNING idx)
       INSERT INTO room (idx, floor_idx, building_idx, code, footprint, area, use, leasable, lease_status, rent, capacity)
       SELECT o.idx, floor_idx, building_idx, 'LATE', footprint, area, 'lab', leasable, lease_status, rent, capacity
       FROM room, o WHERE building_idx = $1 ORDER BY room.idx LIMIT 1
       RETURNING idx`,
      [first.idx],
    )).rows[0]!.idx;
    const limits = { maxBuildingsPerTile: 2 };
    const serial = path.join(path.dirname(out), 'serial');
    const parallel = path.join(path.dirname(out), 'parallel');
    const a = await buildTileset(db(), { outDir: serial, park: fx.code, limits, workers: 0, full: true });
    // One building per batch here, the whole park in one batch above.
    const b = await buildTileset(db(), { outDir: parallel, park: fx.code, limits: { ...limits, batchBytes: 1 }, workers: 2, full: true });
    for (const dir of [serial, parallel]) {
      const file = fs.readdirSync(dir).find((f) => f.startsWith(`b${first.idx}-interior-`))!;
      const rows = readPropertyTable(readGlb(new Uint8Array(fs.readFileSync(path.join(dir, file)))));
      expect(rows.filter((r) => r.idx === late).map((r) => r.use), dir).toEqual(['lab']);
    }
    const glbs = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.glb')).sort();
    expect(glbs(serial).length).toBeGreaterThan(fx.counts.buildings * 2);
    // Content names are hashes of the bytes: equal names mean byte-identical contents.
    expect(glbs(parallel)).toEqual(glbs(serial));
    expect([b.features, b.triangles, b.buildingsRetiled]).toEqual([a.features, a.triangles, a.buildingsRetiled]);
    expect(fs.readFileSync(path.join(parallel, 'tileset.json'), 'utf8').replace(/"tilesetVersion":"\d+"/, ''))
      .toBe(fs.readFileSync(path.join(serial, 'tileset.json'), 'utf8').replace(/"tilesetVersion":"\d+"/, ''));
  });

  it('rewrites a content file a crashed build left half written (files not in the saved state are not trusted)', async () => {
    const dir = path.join(path.dirname(out), 'crash');
    await buildTileset(db(), { outDir: dir, park: fx.code, full: true });
    const name = fs.readdirSync(dir).find((f) => f.includes('-interior-'))!;
    const whole = fs.readFileSync(path.join(dir, name));
    // As if a build had crashed while writing it: cut short, and not in the state of a finished build.
    fs.writeFileSync(path.join(dir, name), whole.subarray(0, 100));
    const stateFile = path.join(dir, '.tiler-state.json');
    const st = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    st.publishedFiles = st.publishedFiles.filter((f: string) => f !== name);
    st.previousFiles = st.previousFiles.filter((f: string) => f !== name);
    fs.writeFileSync(stateFile, JSON.stringify(st));
    const r = await buildTileset(db(), { outDir: dir, park: fx.code, full: true });
    expect(r.written).toContain(name);
    expect(fs.readFileSync(path.join(dir, name)).equals(whole)).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes every class property, with its noData, into every property table', async () => {
    const files = fs.readdirSync(out).filter((f) => f.endsWith('.glb'));
    const classProps = Object.keys(TWIN_PROPERTIES);
    for (const f of files) {
      const g = readGlb(new Uint8Array(fs.readFileSync(path.join(out, f))));
      const ext = g.json.extensions!.EXT_structural_metadata as { schema: { classes: { twin: { properties: Record<string, { noData?: unknown; required?: boolean }> } } }; propertyTables: { properties: Record<string, unknown> }[] };
      expect(ext.propertyTables).toHaveLength(1);
      expect(Object.keys(ext.propertyTables[0]!.properties), f).toEqual(classProps);
      for (const [k, p] of Object.entries(ext.schema.classes.twin.properties)) expect(p.required === true || p.noData !== undefined, `${f} ${k}`).toBe(true);
      // Every bufferView has bytes (an all-"" column still gets one), as glTF requires.
      for (const v of g.json.bufferViews as { byteLength: number }[]) expect(v.byteLength, f).toBeGreaterThan(0);
    }
  });

  it('gives tree nodes without content a geometric error from their size (more than one leaf)', async () => {
    const dir = path.join(path.dirname(out), 'sized');
    await buildTileset(db(), { outDir: dir, park: fx.code, limits: { maxBuildingsPerTile: 2 }, full: true });
    const ts = JSON.parse(fs.readFileSync(path.join(dir, 'tileset.json'), 'utf8'));
    let contentless = 0;
    let leaves = 0;
    const walk = (t: Tile) => {
      if (t.content?.uri.startsWith('overview-')) leaves++;
      if (!t.content) {
        contentless++;
        const b = t.boundingVolume.box;
        // Horizontal diagonal of the box (half-axes 3 and 7 are east and north half-sizes).
        expect(t.geometricError).toBeGreaterThanOrEqual(Math.hypot(2 * b[3]!, 2 * b[7]!) - 2 * Math.SQRT2 * 2.01);
      }
      for (const c of t.children ?? []) walk(c);
    };
    walk(ts.root);
    expect(leaves).toBeGreaterThan(1);
    expect(contentless).toBeGreaterThan(1);
    checkTileset(dir, 'tileset.json');
  });

  it('rebuilds a folder whose tile files the database never published (a new or reset data folder)', async () => {
    const dir = path.join(path.dirname(out), 'reset');
    await buildTileset(db(), { outDir: dir, park: fx.code, full: true });
    // A reset database: the files and .tiler-state.json are there, the database knows no tileset.
    await db().query('DELETE FROM tileset_state WHERE park_idx = $1', [fx.parkIdx]);
    expect(await tilesetInfo(db(), path.dirname(dir), fx.code)).toBeNull();
    const r = await buildTileset(db(), { outDir: dir, park: fx.code });
    expect(r.mode).toBe('full');
    const row = await db().query<{ version: number }>('SELECT version FROM tileset_state WHERE park_idx = $1', [fx.parkIdx]);
    expect(row.rows[0]?.version).toBe(Number(JSON.parse(fs.readFileSync(path.join(dir, 'tileset.json'), 'utf8')).asset.tilesetVersion));
    checkTileset(dir, 'tileset.json');
    // Now published here: the next start trusts the files.
    expect((await buildTileset(db(), { outDir: dir, park: fx.code })).mode).toBe('none');
  });

  it('warns when a spatial index is missing', async () => {
    await db().query('DROP INDEX room_footprint_gix');
    const r = await buildTileset(db(), { outDir: path.join(path.dirname(out), 'noindex'), park: fx.code });
    expect(r.warnings.join()).toMatch(/room\.footprint/);
  });
});
