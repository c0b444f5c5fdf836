/**
 * The live module's HTTP surface: ingest answered after durability with per-message rejections,
 * bad bodies refused before any work, alarm routes' errors, layer metadata.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { healthModule } from './health.ts';
import { createLiveModule } from './live.ts';
import { insertLiveFixture, openGuardModule, openStreamAuth, type LiveFixture } from '../stream/testing.ts';
import { createTestDb, type TestDb } from '../db/testing.ts';

describe('live routes [pglite]', () => {
  let t: TestDb;
  let srv: TestServer;
  let fx: LiveFixture;
  const live = createLiveModule({ auth: () => openStreamAuth(), mqtt: false });
  const post = (path: string, body: unknown) => fetch(`${srv.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    t = await createTestDb('pglite');
    fx = await insertLiveFixture(t.db, 'hpark');
    srv = await startTestServer('pglite', { testDb: t, modules: [healthModule, openGuardModule, live] });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('ingests over HTTP and answers once the accepted messages are stored', async () => {
    const r = await post('/api/telemetry', { messages: [
      { park: 'hpark', layer: 'equipment', device: 'AHU-0', payload: { status: 'fault', fault: 'belt', seq: 1 } },
      { park: 'hpark', layer: 'equipment', device: 'NOPE', payload: { load: 1 } },
      { park: 'hpark', layer: 'energy', device: 'PM-0', payload: { kw: 'lots' } },
    ] });
    expect(r.status).toBe(200);
    const body = await r.json() as { accepted: number; rejected: { i: number; reason: string }[] };
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((x) => [x.i, x.reason])).toEqual([[1, 'unknown-device'], [2, 'bad-payload']]);
    // Durable before the answer: the row and the alarm are there now, without waiting.
    const row = await t.db.query('SELECT 1 FROM telemetry WHERE device = $1', ['hpark/AHU-0']);
    expect(row.rows).toHaveLength(1);
    const alarms = await (await fetch(`${srv.url}/api/alarms?state=raised`)).json() as { idx: number; kind: string; layer: string }[];
    expect(alarms).toEqual([expect.objectContaining({ idx: fx.equipment['AHU-0'], kind: 'equipment_fault', layer: 'equipment' })]);
  });

  it('refuses bad bodies and all-rejected batches, and unknown alarms', async () => {
    expect((await post('/api/telemetry', { messages: [] })).status).toBe(400);
    expect((await post('/api/telemetry', { nope: 1 })).status).toBe(400);
    expect((await post('/api/telemetry', { messages: [{ park: 'x', layer: 'energy', device: 'PM-0', payload: {} }] })).status).toBe(422);
    expect((await post('/api/alarms/999999/acknowledge', {})).status).toBe(404);
    expect((await post('/api/alarms/abc/clear', {})).status).toBe(400);
    expect((await fetch(`${srv.url}/api/alarms?limit=0`)).status).toBe(400);
  });

  it('lists layers with legends for the client', async () => {
    const layers = await (await fetch(`${srv.url}/api/live/layers`)).json() as { name: string; id: number; legend: unknown[] }[];
    expect(layers.map((l) => [l.name, l.id])).toEqual([['occupancy', 1], ['equipment', 2], ['security', 3], ['energy', 4], ['economy', 5]]);
    expect(layers.every((l) => l.legend.length > 0)).toBe(true);
    const stats = await (await fetch(`${srv.url}/api/live/stats`)).json() as { ingest: { accepted: number } };
    expect(stats.ingest.accepted).toBe(1);
  });
});
