/**
 * `twin bench stream`: MQTT -> WebSocket latency with 100 clients at 1k/5k/20k msg/s beside a
 * bare mosquitto subscriber on the same load; hub fan-out vs a bare `ws` broadcast of the same
 * bytes; sustained ingest with persistence (lost = 0). Needs mosquitto (MQTT_URL, default
 * mqtt://127.0.0.1:1883) and PostgreSQL + PostGIS (TWIN_BENCH_PG_URL, default the local server).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import WebSocket, { WebSocketServer } from 'ws';
import { decodeFrame, LAYER_IDS } from '@park-twin/layers';
import type { Bench } from '../cli/bench.ts';
import { numberFlag, type Args } from '../cli/args.ts';
import { loadConfig } from '../config.ts';
import { createScratchDatabase } from '../db/scratch.ts';
import { createLogger } from '../log.ts';
import { startServer } from '../server.ts';
import { healthModule } from '../modules/health.ts';
import { createLiveModule } from '../modules/live.ts';
import { Hub } from './hub.ts';
import { StreamServer } from './ws.ts';
import { insertLiveFixture, openGuardModule, openStreamAuth } from './testing.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');

/** Connects `n` stream clients subscribed to `layers`; calls onFrame for each binary frame. */
async function connectClients(url: string, n: number, layers: string[], onFrame: (i: number, buf: Buffer) => void): Promise<WebSocket[]> {
  const out: WebSocket[] = [];
  for (let i = 0; i < n; i++) {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      ws.on('message', (data, isBinary) => {
        if (!isBinary) {
          if (String(data).includes('"subscribed"')) resolve();
          return;
        }
        onFrame(i, data as Buffer);
      });
      ws.once('open', () => {
        ws.send(JSON.stringify({ type: 'hello', version: 1 }));
        ws.send(JSON.stringify({ type: 'subscribe', layers }));
      });
    });
    out.push(ws);
  }
  return out;
}

async function latencyLevels(args: Args, mqttUrl: string, pgAdmin: string, lines: string[]): Promise<void> {
  const clients = numberFlag(args, 'clients', 100, 1, 1000);
  const seconds = numberFlag(args, 'seconds', 5, 1, 120);
  const scratch = await createScratchDatabase(pgAdmin, 'twin_bench_stream');
  const { db } = scratch;
  const u = new URL(scratch.url);
  const park = `bench-${randomBytes(3).toString('hex')}`;
  try {
    const fx = await insertLiveFixture(db, park);
    const live = createLiveModule({ auth: () => openStreamAuth(), stream: { messagesPerSecond: 1e9 } });
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', MQTT_URL: mqttUrl, DATABASE_URL: u.toString(), TWIN_SIMULATOR: '0', TWIN_SEED_ON_START: '0', TWIN_LOG_LEVEL: 'warn' });
    const srv = await startServer(config, { db, log: createLogger('warn'), modules: [healthModule, openGuardModule, live] });
    const target = fx.equipment['PM-0']!;
    const sentAt = new Map<number, number>();
    const wsLat: number[] = [];
    // Latency is sampled on 10 of the clients (all of them receive everything); the process is shared.
    const ws = await connectClients(srv.url.replace(/^http/, 'ws') + '/ws', clients, ['energy'], (i, buf) => {
      if (i >= 10) return;
      const f = decodeFrame(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
      const now = performance.now();
      for (let k = 0; k < f.count; k++) {
        if (f.words[k * 3] !== target || (f.words[k * 3 + 1]! & 0xff) !== LAYER_IDS.energy) continue;
        const t = sentAt.get(f.values[k * 3 + 2]!);
        if (t !== undefined) wsLat.push(now - t);
      }
    });
    const bareLat: number[] = [];
    const bare = await mqtt.connectAsync(mqttUrl, { clientId: `bench-bare-${randomBytes(3).toString('hex')}` });
    await bare.subscribeAsync(`park/${park}/energy/PM-0`, { qos: 0 });
    bare.on('message', (_t, payload) => {
      const t = sentAt.get(JSON.parse(payload.toString()).kw as number);
      if (t !== undefined) bareLat.push(performance.now() - t);
    });
    const pub = await mqtt.connectAsync(mqttUrl, { clientId: `bench-pub-${randomBytes(3).toString('hex')}` });
    lines.push(`MQTT -> WebSocket, ${clients} clients (latency sampled on 10), ${seconds} s per level, QoS 0, server + clients + publisher in one process on this machine:`, '',
      '| target msg/s | achieved msg/s | WS p50 ms | WS p99 ms | bare mosquitto sub p99 ms | WS p99 / bare p99 | persisted |', '| --- | --- | --- | --- | --- | --- | --- |');
    let seq = 0;
    for (const rate of [1000, 5000, 20000]) {
      wsLat.length = 0;
      bareLat.length = 0;
      sentAt.clear();
      const written0 = live.runtime!.writer.stats.written;
      const t0 = performance.now();
      let sent = 0;
      for (let tick = 0; performance.now() - t0 < seconds * 1000; tick++) {
        const due = Math.floor(((performance.now() - t0) / 1000) * rate);
        for (; sent < due; sent++) {
          const v = ++seq % 16_000_000; // exact in f32: the value carries the message id
          sentAt.set(v, performance.now());
          pub.publish(`park/${park}/energy/PM-0`, JSON.stringify({ kw: v, seq }), { qos: 0 });
        }
        await sleep(5);
      }
      const achieved = sent / ((performance.now() - t0) / 1000);
      await sleep(1500);
      await live.runtime!.writer.drain();
      const persisted = live.runtime!.writer.stats.written - written0;
      const w99 = pct(wsLat, 99);
      const b99 = pct(bareLat, 99);
      const line = `| ${rate} | ${achieved.toFixed(0)} | ${f1(pct(wsLat, 50))} | ${f1(w99)} | ${f1(b99)} | ${f1(w99 / b99)} | ${persisted}/${sent} |`;
      console.log(line);
      lines.push(line);
    }
    for (const w of ws) w.terminate();
    await pub.endAsync();
    await bare.endAsync();

    // Sustained ingest with persistence: publish as fast as the broker takes it, then count rows.
    const n = numberFlag(args, 'ingest', 100_000, 1000, 10_000_000);
    const before = live.runtime!.writer.stats.written;
    const rej0 = live.runtime!.ingest.rejectedTotal;
    const ip = await mqtt.connectAsync(mqttUrl, { clientId: `bench-ingest-${randomBytes(3).toString('hex')}` });
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      ip.publish(`park/${park}/energy/PM-0`, JSON.stringify({ kw: i % 500, seq: ++seq }), { qos: 0 });
      if (i % 2000 === 1999) await sleep(0);
    }
    while (live.runtime!.writer.stats.written - before < n && performance.now() - t0 < 120_000) await sleep(20);
    await live.runtime!.writer.drain();
    const secs = (performance.now() - t0) / 1000;
    const stored = live.runtime!.writer.stats.written - before;
    const rows = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM telemetry WHERE device = $1', [`${park}/PM-0`])).rows[0]!.n;
    await ip.endAsync();
    const lost = n - stored;
    const ingestLine = `Sustained ingest with persistence (QoS 0 via mosquitto, batched COMMITs to PostgreSQL): ${n} messages in ${secs.toFixed(1)} s = **${(stored / secs).toFixed(0)} msg/s durable**, lost = ${lost} (rejected ${live.runtime!.ingest.rejectedTotal - rej0}; telemetry rows for the device: ${rows}).`;
    console.log(ingestLine);
    lines.push('', ingestLine);
    await srv.close();
  } finally {
    await scratch.drop();
  }
}

/** Hub fan-out vs a bare ws broadcast of the very same frames, 100 clients, one process. */
async function fanout(args: Args, lines: string[]): Promise<void> {
  const clients = numberFlag(args, 'clients', 100, 1, 1000);
  const batches = 2000;
  const perBatch = 50;
  const log = createLogger('warn');
  // Hub side: a real StreamServer on its own HTTP server.
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  // No conflation here: this measures raw fan-out, the clients share the process and read late.
  const hub = new Hub({ flushMs: 1_000_000, highWaterBytes: 2 ** 40, lowWaterBytes: 2 ** 39 });
  const stream = new StreamServer(server, hub, openStreamAuth(), log, { messagesPerSecond: 1e9 });
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`;
  let received = 0;
  const frames: Buffer[] = [];
  const hubClients = await connectClients(url, clients, ['occupancy'], (i, buf) => {
    received++;
    if (i === 0) frames.push(buf);
  });
  received = 0;
  frames.length = 0;
  const t0 = performance.now();
  for (let b = 0; b < batches; b++) {
    for (let k = 0; k < perBatch; k++) hub.update(1000 + k, LAYER_IDS.occupancy, b, 0);
    hub.flush();
    if (b % 50 === 49) await sleep(0);
  }
  for (const end = performance.now() + 120_000; received < batches * clients && performance.now() < end;) await sleep(2);
  const hubSecs = (performance.now() - t0) / 1000;
  for (const c of hubClients) c.terminate();
  await stream.close();
  hub.close();
  server.close();

  // Bare ws: broadcast the captured frames to the same number of clients.
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const bareUrl = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  let bareReceived = 0;
  const bareClients: WebSocket[] = [];
  for (let i = 0; i < clients; i++) {
    const c = new WebSocket(bareUrl);
    c.on('message', () => { bareReceived++; });
    await new Promise((r) => c.once('open', r));
    bareClients.push(c);
  }
  while (wss.clients.size < clients) await sleep(2);
  const t1 = performance.now();
  for (let b = 0; b < frames.length; b++) {
    for (const c of wss.clients) c.send(frames[b]!, { binary: true });
    if (b % 50 === 49) await sleep(0);
  }
  for (const end = performance.now() + 120_000; bareReceived < frames.length * clients && performance.now() < end;) await sleep(2);
  const bareSecs = (performance.now() - t1) / 1000;
  for (const c of bareClients) c.terminate();
  await new Promise((r) => wss.close(r));
  const hubRate = (batches * perBatch * clients) / hubSecs;
  const bareRate = (frames.length * perBatch * clients) / bareSecs;
  const line = `Fan-out, ${clients} clients, ${batches} batches x ${perBatch} updates: hub ${(hubRate / 1e6).toFixed(2)} M updates/s delivered vs bare ws broadcast of the same bytes ${(bareRate / 1e6).toFixed(2)} M/s: **ratio ${(hubRate / bareRate).toFixed(2)}**`;
  console.log(line);
  lines.push('', line);
}

/** The stream benchmark. */
export const streamBench: Bench = {
  summary: 'MQTT -> WebSocket latency vs bare subscriber, fan-out vs bare ws, sustained ingest with persistence',
  async run(args: Args) {
    const mqttUrl = process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
    const pgAdmin = process.env.TWIN_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    const lines: string[] = [`Command: \`npm run bench -- stream\` (flags: --clients, --seconds, --ingest). Broker ${mqttUrl.replace(/\/\/[^@]*@/, '//')}; PostgreSQL ${pgAdmin.replace(/\/\/[^@]*@/, '//')}.`, ''];
    await fanout(args, lines);
    lines.push('');
    await latencyLevels(args, mqttUrl, pgAdmin, lines);
    return lines;
  },
};
