/**
 * Must-show 3: 10,000 generated malformed MQTT payloads and 10,000 malformed WebSocket messages:
 * no crash, every one counted (per reason), memory bounded, and the server still serves.
 */
import mqtt from 'mqtt';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layerByName, parseClientMessage, FRAME } from '@park-twin/layers';
import { createTestDb, type TestDb } from '../db/testing.ts';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { healthModule } from '../modules/health.ts';
import { createLiveModule } from '../modules/live.ts';
import { insertLiveFixture, openGuardModule, openStreamAuth, TestClient } from './testing.ts';

const N = 10_000;
const SEED = 20261125;

describe('malformed input [pglite + embedded broker]', () => {
  let t: TestDb;
  let srv: TestServer;
  const live = createLiveModule({ auth: () => openStreamAuth(), stream: { messagesPerSecond: 1e9 } });

  beforeAll(async () => {
    t = await createTestDb('pglite');
    await insertLiveFixture(t.db, 'fpark');
    srv = await startTestServer('pglite', { testDb: t, modules: [healthModule, openGuardModule, live] });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it(`counts and survives ${N} malformed MQTT messages`, async () => {
    const layers = ['occupancy', 'equipment', 'security', 'energy', 'economy'];
    const invalidFor = (layer: string) => (s: string) => {
      try {
        return !layerByName(layer)!.ingest.safeParse(JSON.parse(s)).success;
      } catch {
        return true;
      }
    };
    const valid = fc.constantFrom('OCC-0', 'AHU-0', 'PM-0', 'DOOR-0', 'CAM-0');
    const msg = fc.oneof(
      // Schema-invalid JSON (or not JSON) for a known device on each layer.
      fc.tuple(fc.constantFrom(...layers), valid).chain(([l, d]) => fc.oneof(fc.json(), fc.string(), fc.jsonValue().map((v) => JSON.stringify(v)))
        .filter(invalidFor(l)).map((p) => ({ topic: `park/fpark/${l}/${d}`, payload: Buffer.from(p) }))),
      // Random bytes.
      fc.uint8Array({ maxLength: 256 }).map((b) => ({ topic: 'park/fpark/equipment/AHU-0', payload: Buffer.from(b) })),
      // Unknown parks, layers, devices, bad device codes, adapters with garbage. (Topics outside
      // park/+/+/+ never reach the subscriber; handleMqtt's bad-topic path is covered in ingest tests.)
      fc.tuple(fc.constantFrom('park/nopark/energy/PM-0', 'park/fpark/weather/PM-0', 'park/fpark/energy/NOPE-1',
        'park/fpark/energy/bad device!', 'park/fpark/modbus/AHU-0', 'park/fpark/bacnet/PM-0', 'park/fpark/modbus/DOOR-0'),
      fc.oneof(fc.json(), fc.constant('{"registers":[70000]}'), fc.constant('{"objects":[]}'))).map(([topic, p]) => ({ topic, payload: Buffer.from(p) })),
      // Oversized.
      fc.constant({ topic: 'park/fpark/energy/PM-0', payload: Buffer.alloc(70 * 1024, 0x20) }),
    );
    const samples = fc.sample(msg, { numRuns: N, seed: SEED });
    expect(samples).toHaveLength(N);
    const before = process.memoryUsage().heapUsed;
    const r0 = live.runtime!.mqtt!.stats.received;
    const pub = await mqtt.connectAsync(live.runtime!.brokerUrl);
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      pub.publish(s.topic, s.payload, { qos: i % 2 as 0 | 1 });
      if (i % 500 === 499) await new Promise((r) => setImmediate(r));
    }
    const ingest = live.runtime!.ingest;
    // Every message is either counted by a reason or accepted; none may be accepted.
    await new Promise<void>((resolve) => {
      const check = () => (!live.runtime || live.runtime.mqtt!.stats.received - r0 >= N ? resolve() : setTimeout(check, 50));
      check();
    });
    await pub.endAsync();
    expect(ingest.stats.accepted).toBe(0);
    expect(ingest.rejectedTotal).toBe(N);
    const reasons = Object.entries(ingest.stats.rejected).filter(([, n]) => n > 0).map(([r]) => r).sort();
    expect(reasons).toEqual(expect.arrayContaining(['bad-payload', 'bad-topic', 'not-json', 'too-large', 'unknown-device', 'unknown-layer', 'unknown-park']));
    // Bounded memory: nothing per message is kept (a generous ceiling on heap growth).
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(96 * 1024 * 1024);
    expect((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM telemetry')).rows[0]!.n).toBe(0);
    const health = await fetch(`${srv.url}/api/health`);
    expect(health.status).toBe(200);
    // A valid message still goes through afterwards.
    expect(ingest.handleMqtt('park/fpark/energy/PM-0', Buffer.from('{"kw":5}')).ok).toBe(true);
  });

  it(`answers, counts and survives ${N} malformed WebSocket messages`, async () => {
    const text = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.json({ maxDepth: 3 }),
      fc.record({ type: fc.constantFrom('hello', 'subscribe', 'ping', 'unsubscribe', 'nope'), layers: fc.anything(), version: fc.anything(), area: fc.anything(), resume: fc.anything() }, { requiredKeys: ['type'] })
        .map((o) => { try { return JSON.stringify(o) ?? '{}'; } catch { return '{'; } }),
    ).filter((s) => !parseClientMessage(s).ok);
    const samples: (string | Buffer)[] = fc.sample(text, { numRuns: N - 500, seed: SEED });
    // Binary frames and oversized text too.
    for (let i = 0; i < 490; i++) samples.push(Buffer.from([i & 0xff, 1, 2, 3]));
    for (let i = 0; i < 10; i++) samples.push('x'.repeat(100));
    expect(samples).toHaveLength(N);
    const c = await TestClient.connect(srv.url);
    const stats = live.runtime!.stream!.stats;
    const m0 = stats.malformed;
    for (const s of samples) c.ws.send(s);
    await c.until(() => c.json.filter((m) => m.type === 'error').length >= N, 60_000);
    expect(stats.malformed - m0).toBe(N);
    expect(c.json.filter((m) => m.type === 'error' && m.code === 'bad-message')).toHaveLength(N);
    // The socket is still usable.
    c.send({ type: 'hello', version: 1 });
    c.send({ type: 'subscribe', layers: ['energy'] });
    await c.until(() => c.frames.some((f) => f.kind === FRAME.snapshot));
    // A message over maxPayload closes that socket (1009) without harming the server.
    c.ws.send('y'.repeat(64 * 1024));
    await new Promise((r) => c.ws.once('close', r));
    expect((await fetch(`${srv.url}/api/health`)).status).toBe(200);
  });
});
