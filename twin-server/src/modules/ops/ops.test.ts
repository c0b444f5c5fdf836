/**
 * The ops routes on both backends through the real auth platform: network traces on a small
 * hand-built water network (a loop, a closed valve, a second feed, a separate network), pipe and
 * node attributes, open work orders, 400s on bad input and refusals for callers without the
 * permission.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { healthModule } from '../health.ts';
import { HttpClient, startAuthServer, type AuthTestServer } from '../../auth/testing.ts';
import { insertFixturePark } from '../../tiler/fixture.ts';
import { opsModule } from './index.ts';
import type { NetworkObject, ParkNetworks, TraceResult, WorkOrder } from '@park-twin/layers';

/**
 * The test network (water; arrows are from_node -> to_node):
 *
 *   S -> A -> V1(open) -> B -> C
 *        A -> V2(CLOSED) -> D -> E
 *   H -> B;  B -> F -> G -> B (a loop);  G -> K
 * plus a power cable P1 -> P2 that shares no node with it.
 */
const NODES = [
  ['S', 'source', null], ['A', 'junction', null], ['V1', 'valve', true], ['V2', 'valve', false], ['B', 'junction', null],
  ['C', 'meter', null], ['D', 'junction', null], ['E', 'meter', null], ['H', 'source', null], ['F', 'junction', null],
  ['G', 'junction', null], ['K', 'hydrant', null],
] as const;
const SEGMENTS = [
  ['S', 'A'], ['A', 'V1'], ['V1', 'B'], ['B', 'C'], ['A', 'V2'], ['V2', 'D'], ['D', 'E'], ['H', 'B'], ['B', 'F'], ['F', 'G'],
  ['G', 'B'], ['G', 'K'],
] as const;

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`ops routes [${backend}]`, () => {
    let s: AuthTestServer;
    let maint: HttpClient;
    let investor: HttpClient;
    let tenant: HttpClient;
    const node = new Map<string, number>();
    const seg = new Map<string, number>();
    let power: { from: number; to: number; seg: number };
    let pump = 0;
    let sensor = 0;

    const segs = (...names: string[]) => names.map((n) => seg.get(n)!).sort((a, b) => a - b);
    const nodes = (...names: string[]) => names.map((n) => node.get(n)!).sort((a, b) => a - b);
    const trace = async (start: string, direction: string) => {
      const r = await maint.req('GET', `/api/ops/trace?node=${node.get(start)}&direction=${direction}`);
      expect(r.status, r.text).toBe(200);
      return r.body as TraceResult;
    };

    beforeAll(async () => {
      s = await startAuthServer(backend, { modules: [healthModule, opsModule] });
      const db = s.server.sc.db;
      const park = await insertFixturePark(db, { grid: 1, floors: 1, roomsPerSide: 1, code: 'ops-test' });
      const reg = async (kind: string, name: string) =>
        (await db.query<{ idx: number }>('INSERT INTO twin_object (kind, name) VALUES ($1, $2) RETURNING idx', [kind, name])).rows[0]!.idx;
      const pt = (i: number) => `POINT Z (${120.0 + i * 0.0002} 30.2 -1.5)`;
      const addNode = async (name: string, network: string, type: string, open: boolean | null, i: number) => {
        const idx = await reg('pipe_node', `节点 ${name}`);
        await db.query(`INSERT INTO pipe_node (idx, park_idx, network, node_type, code, position, valve_open)
          VALUES ($1, $2, $3, $4, $5, ST_GeomFromText($6, 4326), $7)`, [idx, park.parkIdx, network, type, `T-${name}`, pt(i), open]);
        return idx;
      };
      const addSeg = async (name: string, network: string, from: number, to: number, i: number) => {
        const idx = await reg('pipe_segment', `管段 ${name}`);
        await db.query(`INSERT INTO pipe_segment (idx, park_idx, network, code, from_node, to_node, geom, diameter_mm, depth, material, install_year)
          VALUES ($1, $2, $3, $4, $5, $6, ST_MakeLine(ST_GeomFromText($7, 4326), ST_GeomFromText($8, 4326)), 200, 1.2, 'pe', 2019)`,
        [idx, park.parkIdx, network, `T-${name}`, from, to, pt(i), pt(i + 1)]);
        return idx;
      };
      let i = 0;
      for (const [name, type, open] of NODES) node.set(name, await addNode(name, 'water', type, open, i++));
      for (const [a, b] of SEGMENTS) seg.set(`${a}-${b}`, await addSeg(`${a}-${b}`, 'water', node.get(a)!, node.get(b)!, i++));
      const p1 = await addNode('P1', 'power', 'source', null, i++);
      const p2 = await addNode('P2', 'power', 'cabinet', null, i++);
      power = { from: p1, to: p2, seg: await addSeg('P1-P2', 'power', p1, p2, i++) };

      const eq = await db.query<{ idx: number; type: string }>("SELECT idx, type FROM equipment WHERE park_idx = $1 ORDER BY idx", [park.parkIdx]);
      pump = eq.rows[0]!.idx;
      sensor = eq.rows[1]!.idx;
      const wo = `INSERT INTO work_order (park_idx, equipment_idx, code, title, title_en, order_type, priority, status, assignee, opened_on, due_on, closed_on)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`;
      await db.query(wo, [park.parkIdx, pump, 'WO-1', '例行保养', 'Routine service', 'preventive', 'low', 'open', null, '2026-11-01', '2026-11-30', null]);
      await db.query(wo, [park.parkIdx, pump, 'WO-2', '故障维修', 'Fault repair', 'repair', 'urgent', 'in_progress', '王磊', '2026-11-20', '2026-11-21', null]);
      await db.query(wo, [park.parkIdx, pump, 'WO-3', '已完成巡检', 'Done inspection', 'inspection', 'high', 'done', '李娜', '2026-10-01', null, '2026-10-02']);
      await db.query(wo, [park.parkIdx, pump, 'WO-4', '取消的工单', 'Cancelled', 'repair', 'normal', 'cancelled', null, '2026-10-05', null, '2026-10-06']);

      maint = (await s.userWith(['maintenance'])).client;
      investor = (await s.userWith(['investment'])).client;
      const ent = await reg('enterprise', '测试企业');
      await db.query("INSERT INTO enterprise (idx, park_idx, credit_code, industry, registered_capital, staff) VALUES ($1, $2, '91330100MA2OPS001X', 'ai', 1, 1)", [ent, park.parkIdx]);
      tenant = (await s.userWith(['maintenance', 'enterprise_user'], ent)).client;
    }, 180_000);
    afterAll(async () => {
      await s?.server.stop();
    });

    it('traces downstream from the source: through the open valve and the loop, into the closed valve and no further', async () => {
      const r = await trace('S', 'downstream');
      expect(r.network).toBe('water');
      expect(r.segments).toEqual(segs('S-A', 'A-V1', 'V1-B', 'B-C', 'B-F', 'F-G', 'G-B', 'G-K', 'A-V2'));
      expect(r.nodes).toEqual(nodes('A', 'V1', 'B', 'C', 'F', 'G', 'K', 'V2'));
      expect(r.barriers).toEqual(nodes('V2'));
      expect(r.segments).not.toContain(seg.get('V2-D'));
      expect(r.segments).not.toContain(power.seg);
    });

    it('a trace starting at a closed valve follows what the valve feeds; one from inside the loop ends', async () => {
      const v2 = await trace('V2', 'downstream');
      expect(v2.segments).toEqual(segs('V2-D', 'D-E'));
      expect(v2.barriers).toEqual([]);
      const f = await trace('F', 'downstream');
      expect(f.segments).toEqual(segs('F-G', 'G-B', 'G-K', 'B-C', 'B-F'));
      expect(f.nodes).toEqual(nodes('G', 'B', 'C', 'K'));
    });

    it('traces upstream: both feeds of B, around the loop, stopping at the closed valve from the other side', async () => {
      const c = await trace('C', 'upstream');
      expect(c.segments).toEqual(segs('B-C', 'V1-B', 'A-V1', 'S-A', 'H-B', 'G-B', 'F-G', 'B-F'));
      expect(c.nodes).toEqual(nodes('B', 'V1', 'A', 'S', 'H', 'G', 'F'));
      const e = await trace('E', 'upstream');
      expect(e.segments).toEqual(segs('D-E', 'V2-D'));
      expect(e.barriers).toEqual(nodes('V2'));
      // A dead end and a source have nothing beyond them.
      expect((await trace('K', 'downstream')).segments).toEqual([]);
      expect((await trace('S', 'upstream')).segments).toEqual([]);
    });

    it('stays in its network: the power cable is traced on its own', async () => {
      const r = await maint.req('GET', `/api/ops/trace?node=${power.from}&direction=downstream`);
      expect(r.body).toMatchObject({ network: 'power', segments: [power.seg], nodes: [power.to], barriers: [] });
    });

    it('answers 400 with a clear message on bad input and 404 for a node that is not a pipe node', async () => {
      const bad = [
        ['', 'node'], ['?direction=downstream', 'node'], [`?node=${node.get('S')}`, 'direction'],
        [`?node=${node.get('S')}&direction=sideways`, 'direction'], ['?node=abc&direction=upstream', 'node'],
        ['?node=-3&direction=upstream', 'node'], ['?node=0&direction=upstream', 'node'], ['?node=99999999999&direction=upstream', 'node'],
        [`?node=${node.get('S')}&node=2&direction=upstream`, 'node'], [`?node=${node.get('S')}&direction=upstream&x=1`, 'x'],
      ];
      for (const [q, field] of bad) {
        const r = await maint.req('GET', `/api/ops/trace${q}`);
        expect({ q, status: r.status }).toEqual({ q, status: 400 });
        expect((r.body as { error: { message: string } }).error.message).toContain(field);
      }
      expect((await maint.req('GET', `/api/ops/trace?node=${pump}&direction=upstream`)).status).toBe(404);
      expect((await maint.req('GET', '/api/ops/pipes/abc')).status).toBe(400);
      expect((await maint.req('GET', '/api/ops/pipes/0')).status).toBe(400);
      expect((await maint.req('GET', `/api/ops/pipes/${pump}`)).status).toBe(404);
      expect((await maint.req('GET', '/api/ops/equipment/1.5/work-orders')).status).toBe(400);
      expect((await maint.req('GET', `/api/ops/equipment/${node.get('S')}/work-orders`)).status).toBe(404);
    });

    it('gives a pipe segment its attributes and both end nodes, and a node its valve state and segments', async () => {
      const r = await maint.req('GET', `/api/ops/pipes/${seg.get('A-V2')}`);
      expect(r.status).toBe(200);
      const p = r.body as Extract<NetworkObject, { kind: 'pipe_segment' }>;
      expect(p).toMatchObject({ kind: 'pipe_segment', code: 'T-A-V2', network: 'water', diameterMm: 200, depth: 1.2, material: 'pe', installYear: 2019 });
      expect(p.from).toMatchObject({ idx: node.get('A'), code: 'T-A', nodeType: 'junction' });
      expect(p.to).toMatchObject({ idx: node.get('V2'), code: 'T-V2', nodeType: 'valve', valveOpen: false });
      // 0.0002° of longitude at 30.2°N is about 19.2 m.
      expect(p.lengthM).toBeGreaterThan(18.5);
      expect(p.lengthM).toBeLessThan(20);
      expect(p.centreDepth).toEqual([1.5, 1.5]);
      const n = (await maint.req('GET', `/api/ops/pipes/${node.get('B')}`)).body as Extract<NetworkObject, { kind: 'pipe_node' }>;
      expect(n).toMatchObject({ kind: 'pipe_node', code: 'T-B', nodeType: 'junction', valveOpen: null, depth: 1.5 });
      expect(n.outgoing).toEqual(segs('B-C', 'B-F'));
      expect(n.incoming).toEqual(segs('V1-B', 'H-B', 'G-B'));
    });

    it('lists a park\'s networks as columns (network, depth, node type, valve state)', async () => {
      const r = await maint.req('GET', '/api/ops/parks/ops-test/networks');
      expect(r.status).toBe(200);
      const n = r.body as ParkNetworks;
      const at = n.segments.idx.indexOf(seg.get('A-V2')!);
      expect([n.segments.network[at], n.segments.depth[at]]).toEqual(['water', 1.2]);
      expect(n.segments.idx).toContain(power.seg);
      const v2 = n.nodes.idx.indexOf(node.get('V2')!);
      expect([n.nodes.type[v2], n.nodes.valveOpen[v2], n.nodes.depth[v2]]).toEqual(['valve', false, 1.5]);
      expect((await maint.req('GET', '/api/ops/parks/no-such-park/networks')).status).toBe(404);
      expect((await maint.req('GET', '/api/ops/parks/BAD%20CODE/networks')).status).toBe(400);
    });

    it('gives a building\'s and a floor\'s box in park metres, the floor inside its building', async () => {
      const db = s.server.sc.db;
      const f = await db.query<{ idx: number; building: number; elevation: number; height: number; bheight: number; ew: number; ns: number }>(
        // Extent of the footprint and of the building's equipment (outdoor cameras stand outside the walls).
        `WITH b AS (
           SELECT b.idx, b.height, ST_Envelope(ST_Collect(ARRAY[b.footprint] || array_agg(ST_Force2D(e.position)))) AS env
           FROM building b JOIN park p ON p.idx = b.park_idx LEFT JOIN equipment e ON e.building_idx = b.idx
           WHERE p.code = 'ops-test' GROUP BY b.idx, b.height, b.footprint ORDER BY b.idx LIMIT 1)
         SELECT f.idx, f.building_idx AS building, f.elevation, f.height, b.height AS bheight,
           ST_Distance(ST_SetSRID(ST_MakePoint(ST_XMin(b.env), ST_YMin(b.env)), 4326)::geography,
                       ST_SetSRID(ST_MakePoint(ST_XMax(b.env), ST_YMin(b.env)), 4326)::geography) AS ew,
           ST_Distance(ST_SetSRID(ST_MakePoint(ST_XMin(b.env), ST_YMin(b.env)), 4326)::geography,
                       ST_SetSRID(ST_MakePoint(ST_XMin(b.env), ST_YMax(b.env)), 4326)::geography) AS ns
         FROM floor f JOIN b ON b.idx = f.building_idx ORDER BY f.level DESC LIMIT 1`);
      const top = f.rows[0]!;
      const b = (await maint.req('GET', `/api/ops/section/${top.building}`)).body as { kind: string; min: number[]; max: number[] };
      const fl = (await maint.req('GET', `/api/ops/section/${top.idx}`)).body as { kind: string; min: number[]; max: number[] };
      expect([b.kind, fl.kind]).toEqual(['building', 'floor']);
      expect(b.max[0]! - b.min[0]!).toBeCloseTo(top.ew, 1);
      expect(b.max[1]! - b.min[1]!).toBeCloseTo(top.ns, 1);
      expect(b.max[2]).toBeCloseTo(Math.max(top.bheight, top.elevation + top.height), 3);
      expect(fl.min[2]).toBeCloseTo(top.elevation - 0.25, 3);
      expect(fl.max[2]).toBeCloseTo(top.elevation + top.height, 3);
      for (let k = 0; k < 2; k++) {
        expect(fl.min[k]).toBeGreaterThanOrEqual(b.min[k]! - 1e-6);
        expect(fl.max[k]).toBeLessThanOrEqual(b.max[k]! + 1e-6);
      }
      expect((await maint.req('GET', `/api/ops/section/${node.get('S')}`)).status).toBe(404);
      expect((await maint.req('GET', '/api/ops/section/x')).status).toBe(400);
    });

    it('lists only the open work orders of a piece of equipment, most urgent first', async () => {
      const r = await maint.req('GET', `/api/ops/equipment/${pump}/work-orders`);
      expect(r.status).toBe(200);
      const list = (r.body as { workOrders: WorkOrder[] }).workOrders;
      expect(list.map((w) => w.code)).toEqual(['WO-2', 'WO-1']);
      expect(list[0]).toMatchObject({ title: '故障维修', titleEn: 'Fault repair', priority: 'urgent', status: 'in_progress', assignee: '王磊', openedOn: '2026-11-20', dueOn: '2026-11-21' });
      const none = await maint.req('GET', `/api/ops/equipment/${sensor}/work-orders`);
      expect(none.body).toEqual({ idx: sensor, workOrders: [] });
    });

    it('refuses callers without the permission, without a login, and enterprise-scoped callers on park networks', async () => {
      const paths = ['/api/ops/parks/ops-test/networks', `/api/ops/trace?node=${node.get('S')}&direction=downstream`, `/api/ops/pipes/${seg.get('S-A')}`, `/api/ops/equipment/${pump}/work-orders`];
      for (const p of paths) {
        expect({ p, status: (await investor.req('GET', p)).status }).toEqual({ p, status: 403 });
        expect({ p, status: (await new HttpClient(s.server.url).req('GET', p)).status }).toEqual({ p, status: 401 });
      }
      // A maintenance user of a tenant company may not read the park's networks (nor unleased equipment).
      for (const p of paths) expect({ p, status: (await tenant.req('GET', p)).status }).toEqual({ p, status: 403 });
      const denied = await s.server.sc.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'access.denied' AND object LIKE 'GET /api/ops/%'");
      expect(denied.rows[0]!.n).toBe(12);
    });
  });
}
