/**
 * Broker queue for node outages (issue 21): a twin server's persistent session on mosquitto keeps
 * its QoS 1 messages while the node is away. Two real mosquittos on their own ports: one with the
 * settings of docs/operations.md, one with mosquitto's defaults (max_queued_messages 1000) as the
 * control. A publisher sends 100 msg/s QoS 1 for 40 s; the subscriber (the node's options: MQTT 5,
 * stable client id, clean=false, session expiry, receive maximum) is away for 33 s in the middle.
 * With the documented settings nothing is lost; with the defaults (control: 15 s away, 1,500 messages
 * for a queue of 1,000) messages are lost, so the test can fail.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { INGEST_RECEIVE_MAXIMUM } from './mqtt.ts';

const RATE = 100;
const SECONDS = 40;
const OUTAGE_MS = 33_000;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-broker-queue-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGTERM');
  fs.rmSync(root, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function startMosquitto(name: string, extra: string): Promise<string> {
  const port = await freePort();
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\n${extra}\n${process.getuid?.() === 0 ? 'user root\n' : ''}`);
  const child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  children.push(child);
  for (let i = 0; i < 50; i++) {
    const up = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); r(true); });
      s.once('error', () => r(false));
    });
    if (up) return `mqtt://127.0.0.1:${port}`;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`mosquitto ${name} did not start`);
}

/** The node's subscriber options (ingest/mqtt.ts startMqttIngest, persistent session). */
async function node(url: string, received: Set<number>): Promise<MqttClient> {
  const c = mqtt.connect(url, {
    clientId: 'twin-node-queue-test', clean: false, protocolVersion: 5, reconnectPeriod: 0,
    properties: { receiveMaximum: INGEST_RECEIVE_MAXIMUM, sessionExpiryInterval: 24 * 3600 },
  });
  // Counted where the node ingests: before mqtt.js sends the PUBACK (a message acknowledged to the
  // broker is always counted, as the node acknowledges only what it stored).
  c.handleMessage = (packet, callback) => {
    received.add(Number(String((packet as { payload: Buffer }).payload)));
    callback();
  };
  // The handler is in place before the connection opens, as in ingest/mqtt.ts: the broker resends the
  // session's unacknowledged messages right after CONNACK, before an awaited connect would return.
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
  });
  await c.subscribeAsync('park/#', { qos: 1 });
  return c;
}

/** Publishes RATE msg/s QoS 1 for SECONDS with the node away for OUTAGE_MS; returns acknowledged and received counts. */
async function run(url: string, seconds = SECONDS, outageMs = OUTAGE_MS): Promise<{ acked: number; received: number; lost: number }> {
  const received = new Set<number>();
  let sub = await node(url, received);
  const pub = await mqtt.connectAsync(url, { clientId: `pub-${Math.random().toString(36).slice(2, 8)}`, protocolVersion: 5, reconnectPeriod: 1000 });
  let acked = 0;
  const acks: Promise<unknown>[] = [];
  const t0 = Date.now();
  let down = false;
  let up = false;
  for (let i = 0; i < RATE * seconds; i++) {
    const due = t0 + (i * 1000) / RATE;
    if (Date.now() < due) await new Promise((r) => setTimeout(r, due - Date.now()));
    if (!down && Date.now() - t0 > 3000) {
      down = true;
      // The node dies: its socket is cut (no DISCONNECT); the broker keeps the session.
      sub.stream.destroy();
      sub.end(true);
    }
    if (down && !up && Date.now() - t0 > 3000 + outageMs) {
      up = true;
      sub = await node(url, received);
    }
    acks.push(pub.publishAsync(`park/P/temp/d${i % 50}`, String(i), { qos: 1 }).then(() => acked++));
  }
  await Promise.all(acks);
  const end = Date.now() + 15_000;
  while (received.size < acked && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
  await sub.endAsync(true);
  await pub.endAsync();
  const missing = Array.from({ length: acked }, (_, i) => i).filter((i) => !received.has(i));
  if (missing.length > 0) console.log(`missing: ${missing.slice(0, 20).join(', ')}`);
  return { acked, received: received.size, lost: acked - received.size };
}

describe('mosquitto keeps a node\'s QoS 1 queue through a 33 s outage at 100 msg/s', () => {
  it('loses nothing with the documented settings; the default queue (control) loses messages', async () => {
    const documented = await startMosquitto('documented', 'persistence false\nmax_queued_messages 200000\nmax_queued_bytes 0\nmax_inflight_messages 1000\npersistent_client_expiration 2d');
    const defaults = await startMosquitto('defaults', 'persistence false');
    const good = await run(documented);
    console.log(`broker queue, ${OUTAGE_MS / 1000} s outage at ${RATE} msg/s, documented settings: ${JSON.stringify(good)}`);
    const control = await run(defaults, 20, 15_000);
    console.log(`broker queue, 15 s outage at ${RATE} msg/s, mosquitto defaults: ${JSON.stringify(control)}`);
    expect(good.acked).toBe(RATE * SECONDS);
    expect(good.lost).toBe(0);
    expect(control.lost).toBeGreaterThan(0);
  }, 150_000);
});
