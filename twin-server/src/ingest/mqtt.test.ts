/**
 * The MQTT subscriber against a broker without MQTT 5 (the embedded aedes): asked for MQTT 5, it
 * falls back to 3.1.1 with a warning, subscribes, and ingests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { createTestDb, type TestDb } from '../db/testing.ts';
import pino from 'pino';
import { Hub } from '../stream/hub.ts';
import { Directory } from './directory.ts';
import { Ingest } from './pipeline.ts';
import { TelemetryWriter } from './writer.ts';
import { startEmbeddedBroker, startMqttIngest, type EmbeddedBroker, type MqttSubscriber } from './mqtt.ts';

describe('MQTT ingest on a broker without MQTT 5', () => {
  let t: TestDb;
  let broker: EmbeddedBroker;
  let sub: MqttSubscriber | undefined;
  let hub: Hub;
  let writer: TelemetryWriter;
  beforeAll(async () => {
    t = await createTestDb('pglite');
    broker = await startEmbeddedBroker(0);
  });
  afterAll(async () => {
    await sub?.close();
    await writer?.close();
    hub?.close();
    await broker?.close();
    await t?.drop();
  });

  it('falls back to 3.1.1, warns once, and ingests', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => { lines.push(l); } });
    hub = new Hub();
    writer = new TelemetryWriter(t.db, log);
    const ingest = new Ingest(new Directory(t.db), hub, writer, log);
    sub = await startMqttIngest({ url: broker.url, clientId: 'fallback-test', clean: true, mqtt5: true, ingest, log });
    expect(sub.client.options.protocolVersion).toBe(4);
    expect(lines.filter((l) => l.includes('does not speak MQTT 5'))).toHaveLength(1);
    const pub = await mqtt.connectAsync(broker.url, { clientId: 'fallback-pub' });
    await pub.publishAsync('park/nopark/energy/PM-0', '{"kw":1}', { qos: 1 });
    await pub.endAsync();
    for (let i = 0; i < 100 && ingest.stats.rejected['unknown-park'] === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(sub.stats.received).toBe(1);
    expect(ingest.stats.rejected['unknown-park']).toBe(1);
  });
});
