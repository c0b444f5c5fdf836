/**
 * Ingest on both backends: protocol adapters from DB profiles, the pipeline's rejection reasons,
 * persistence (partitions, dedupe, latest state, alarms), HTTP ingest and CSV history import.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAYER_IDS, STATUS } from '@park-twin/layers';
import { describeEachBackend } from '../db/testing.ts';
import { createLogger } from '../log.ts';
import { Hub } from '../stream/hub.ts';
import { insertLiveFixture, type LiveFixture } from '../stream/testing.ts';
import { convertBacnet, convertModbus, loadProfiles, type Profile } from './adapters.ts';
import { Directory } from './directory.ts';
import { Ingest } from './pipeline.ts';
import { ensurePartitions, TelemetryWriter } from './writer.ts';
import { importCsv, splitCsvLine } from './csv.ts';

const log = createLogger('silent');

describe('protocol adapters', () => {
  const modbus: Extract<Profile, { protocol: 'modbus' }> = {
    protocol: 'modbus', type: 'power_meter', layer: 'energy',
    map: { fields: [{ field: 'kw', register: 0, words: 2, scale: 0.01, offset: 0, signed: false }, { field: 'load', register: 2, words: 1, scale: 0.1, offset: 0, signed: true }] },
  };
  it('scales 32-bit and signed registers', () => {
    const r = convertModbus(modbus, { registers: [1, 0x86a0, 0xfff6], seq: 3 });
    expect(r).toEqual({ ok: true, layer: 'energy', message: { kw: 1000, load: -1, seq: 3 } });
    expect(convertModbus(modbus, { registers: [1] })).toMatchObject({ ok: false });
    expect(convertModbus(modbus, { registers: [70000, 0, 0] })).toMatchObject({ ok: false });
  });
  it('maps BACnet present values and enums, ignoring unmapped objects', () => {
    const p: Extract<Profile, { protocol: 'bacnet' }> = {
      protocol: 'bacnet', type: 'ahu', layer: 'equipment',
      map: { objects: [{ type: 'analogInput', instance: 1, field: 'temperature', scale: 1 }, { type: 'binaryInput', instance: 3, field: 'status', scale: 1, enum: ['normal', 'fault'] }] },
    };
    expect(convertBacnet(p, { objects: [{ type: 'analogInput', instance: 1, value: 21.5 }, { type: 'binaryInput', instance: 3, value: true }, { type: 'analogInput', instance: 9, value: 1 }] }))
      .toEqual({ ok: true, layer: 'equipment', message: { temperature: 21.5, status: 'fault' } });
    expect(convertBacnet(p, { objects: [{ type: 'analogInput', instance: 9, value: 1 }] })).toMatchObject({ ok: false });
  });
  it('splits quoted CSV cells', () => {
    expect(splitCsvLine('a,"b,c","d""e",')).toEqual(['a', 'b,c', 'd"e', '']);
  });
});

describeEachBackend('ingest pipeline and persistence', ({ db }) => {
  let fx: LiveFixture;
  let hub: Hub;
  let writer: TelemetryWriter;
  let ingest: Ingest;
  let dir: Directory;
  beforeAll(async () => {
    fx = await insertLiveFixture(db(), 'ipark');
    hub = new Hub();
    writer = new TelemetryWriter(db(), log, { flushMs: 5 });
    dir = new Directory(db(), 0);
    dir.onReload((d) => hub.setDirectory(d));
    ingest = new Ingest(dir, hub, writer, log);
    await ensurePartitions(db());
    await dir.reload();
    ingest.setProfiles(await loadProfiles(db(), () => {}));
  });
  afterAll(async () => {
    await writer.close();
    hub.close();
  });

  it('creates daily partitions ahead, idempotently', async () => {
    expect(await ensurePartitions(db())).toBe(0);
    const r = await db().query<{ n: number }>("SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'telemetry'::regclass");
    expect(r.rows[0]!.n).toBeGreaterThanOrEqual(10); // yesterday .. +8 days, plus the default
  });

  it('rejects with a reason per kind of problem and never throws', () => {
    const cases: [string, string, string][] = [
      ['bad/topic', '{}', 'bad-topic'],
      ['park/nopark/energy/PM-0', '{"kw":1}', 'unknown-park'],
      ['park/ipark/weather/PM-0', '{"kw":1}', 'unknown-layer'],
      ['park/ipark/energy/NOPE', '{"kw":1}', 'unknown-device'],
      ['park/ipark/energy/PM-0', '{"kw":', 'not-json'],
      ['park/ipark/energy/PM-0', '{"kw":-1}', 'bad-payload'],
      ['park/ipark/modbus/DOOR-0', '{"registers":[1]}', 'no-profile'],
      ['park/ipark/modbus/PM-0', '{"registers":[1]}', 'bad-payload'],
    ];
    for (const [topic, payload, reason] of cases) {
      expect(ingest.handleMqtt(topic, Buffer.from(payload)), topic).toMatchObject({ ok: false, reason });
    }
    expect(ingest.handleMqtt('park/ipark/energy/PM-0', Buffer.alloc(70_000))).toMatchObject({ ok: false, reason: 'too-large' });
  });

  it('stores converted Modbus readings durably, once, with the latest state', async () => {
    const topic = 'park/ipark/modbus/PM-0';
    // Default profile: kw = 32-bit registers 0-1 x 0.01, kwh = registers 2-3 x 0.1.
    const r = ingest.handleMqtt(topic, Buffer.from(JSON.stringify({ registers: [0, 12345, 0, 1000], seq: 7, ts: 1764000000000 })));
    expect(r).toMatchObject({ ok: true, idx: fx.equipment['PM-0'], layer: LAYER_IDS.energy });
    if (r.ok) await r.durable;
    expect(ingest.handleMqtt(topic, Buffer.from(JSON.stringify({ registers: [0, 12345, 0, 1000], seq: 7, ts: 1764000000000 })))).toMatchObject({ reason: 'duplicate' });
    const rows = await db().query<{ value: number; payload: { kw: number; kwh: number } }>('SELECT value, payload FROM telemetry WHERE device = $1', ['ipark/PM-0']);
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0]!.value).toBeCloseTo(123.45);
    expect(rows.rows[0]!.payload.kwh).toBeCloseTo(100);
    const st = await db().query<{ value: number }>('SELECT value FROM live_state WHERE idx = $1 AND layer = $2', [fx.equipment['PM-0'], LAYER_IDS.energy]);
    expect(st.rows[0]!.value).toBeCloseTo(123.45);
    expect(hub.get(fx.park, LAYER_IDS.energy)!.value).toBeCloseTo(123.45);
  });

  it('writes a batch in one go: duplicates once, the newest row as latest state, never an older one later', async () => {
    const idx = fx.equipment['ENV-0']!;
    const row = (seq: number, ts: number, value: number) =>
      ({ ts, device: 'ipark/ENV-0', seq, idx, layer: LAYER_IDS.energy, value, status: 0, payload: { kw: value, seq } });
    const t0 = 1764000000000;
    const before = writer.stats.written;
    // One batch: out of order, two rows at the newest time (the later one wins), one exact duplicate.
    await Promise.all([row(1, t0 + 300, 3), row(2, t0 + 100, 1), row(3, t0 + 300, 4), row(2, t0 + 100, 1)].map((r) => writer.enqueue(r)));
    expect(writer.stats.written - before).toBe(3);
    const state = async () => (await db().query<{ value: number }>('SELECT value FROM live_state WHERE idx = $1 AND layer = $2', [idx, LAYER_IDS.energy])).rows[0]?.value;
    expect(await state()).toBe(4);
    await writer.enqueue(row(4, t0 + 200, 2)); // older than the stored state: history only
    expect(await state()).toBe(4);
    const n = await db().query<{ n: number }>('SELECT count(*)::int AS n FROM telemetry WHERE device = $1', ['ipark/ENV-0']);
    expect(n.rows[0]!.n).toBe(4);
  });

  it('raises an access-denied burst only after five denials in a minute, and occupancy over capacity', async () => {
    let last: Promise<void> = Promise.resolve();
    for (let i = 0; i < 5; i++) {
      const r = ingest.handle({ park: 'ipark', layer: 'security', device: 'DOOR-0' }, { event: 'access_denied', seq: 100 + i, ts: 1764000000000 + i * 1000 }, 'http');
      expect(r.ok).toBe(true);
      if (r.ok) last = r.durable;
      if (i < 4) expect(hub.get(fx.equipment['DOOR-0']!, LAYER_IDS.security)!.status).toBe(STATUS.warning);
    }
    const occ = ingest.handle({ park: 'ipark', layer: 'occupancy', device: 'OCC-0' }, { count: 11, seq: 1 }, 'http');
    expect(occ).toMatchObject({ ok: true, idx: fx.rooms[0] });
    if (occ.ok) await occ.durable;
    await last;
    const alarms = await db().query<{ idx: number; kind: string }>("SELECT idx, kind FROM alarm WHERE state = 'raised' ORDER BY id");
    expect(alarms.rows).toEqual([{ idx: fx.equipment['DOOR-0'], kind: 'access_denied_burst' }, { idx: fx.rooms[0], kind: 'occupancy_over_capacity' }]);
  });

  it('imports CSV history without touching live state, and re-import is a no-op', async () => {
    const csv = [
      'ts,park,layer,device,seq,kw,kwh',
      '2025-06-01T08:00:00Z,ipark,energy,PM-0,1,50.5,10',
      '2025-06-02T08:00:00Z,ipark,energy,PM-0,2,60,11',
      '2025-06-02T09:00:00Z,ipark,energy,NOPE,3,60,11',
      'not a date,ipark,energy,PM-0,4,1,1',
    ].join('\n');
    const live0 = hub.get(fx.equipment['PM-0']!, LAYER_IDS.energy)!.value;
    const r = await importCsv(db(), ingest, csv);
    expect(r.imported, JSON.stringify(r)).toBe(2);
    expect(r.errors.map((e) => e.reason)).toEqual(['bad-row', 'unknown-device']);
    expect(hub.get(fx.equipment['PM-0']!, LAYER_IDS.energy)!.value).toBe(live0);
    const again = await importCsv(db(), ingest, csv);
    expect(again.imported).toBe(0);
    expect(again.errors.map((e) => e.reason).sort()).toEqual(['bad-row', 'duplicate', 'duplicate', 'unknown-device']);
    const n = await db().query<{ n: number; part: string }>(
      "SELECT count(*)::int AS n, min(tableoid::regclass::text) AS part FROM telemetry WHERE device = 'ipark/PM-0' AND ts < '2025-07-01'");
    expect(n.rows[0]).toEqual({ n: 2, part: 'telemetry_20250601' });
    expect((await importCsv(db(), ingest, 'a,b\n1,2')).errors[0]!.reason).toBe('bad-row');
  });

  it('checks every message of a topic it has seen, and follows a renamed device after a reload', async () => {
    const topic = 'park/ipark/energy/PM-0';
    const msg = (kw: number, seq: number) => Buffer.from(JSON.stringify({ kw, seq, ts: 1764100000000 + seq }));
    const first = ingest.handleMqtt(topic, msg(5, 900));
    expect(first).toMatchObject({ ok: true, idx: fx.equipment['PM-0'] });
    // Until the first copy is stored a second one is queued as well (the database keeps one row);
    // once it is stored, a redelivery is a duplicate.
    if (first.ok) await first.durable;
    expect(ingest.handleMqtt(topic, msg(5, 900))).toMatchObject({ ok: false, reason: 'duplicate' });
    expect(ingest.handleMqtt(topic, msg(-1, 901))).toMatchObject({ ok: false, reason: 'bad-payload' });
    expect(ingest.handleMqtt(topic, Buffer.from('{"kw":'))).toMatchObject({ ok: false, reason: 'not-json' });
    expect(ingest.handleMqtt(topic, Buffer.alloc(70_000))).toMatchObject({ ok: false, reason: 'too-large' });
    await db().query("UPDATE equipment SET code = 'PM-0R' WHERE idx = $1", [fx.equipment['PM-0']]);
    try {
      await dir.reload();
      expect(ingest.handleMqtt(topic, msg(6, 902))).toMatchObject({ ok: false, reason: 'unknown-device' });
      expect(ingest.handleMqtt('park/ipark/energy/PM-0R', msg(6, 903))).toMatchObject({ ok: true, idx: fx.equipment['PM-0'] });
    } finally {
      await db().query("UPDATE equipment SET code = 'PM-0' WHERE idx = $1", [fx.equipment['PM-0']]);
      await dir.reload();
    }
    expect(ingest.handleMqtt(topic, msg(7, 904))).toMatchObject({ ok: true, idx: fx.equipment['PM-0'] });
    await writer.drain();
  });
});
