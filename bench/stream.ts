/**
 * `twin bench stream`: MQTT -> WebSocket latency with 100 clients at 1k/5k/20k msg/s beside a
 * bare mosquitto subscriber on the same load, and sustained ingest with persistence (lost = 0),
 * against the real `twin serve` in its own process, with the publisher, the stream clients and
 * the bare subscriber in child processes (stream-roles.ts); and the hub's fan-out vs a bare `ws`
 * broadcast of the same bytes (in this process). Starts a mosquitto of its own (the `mosquitto`
 * binary; MQTT_URL uses that broker instead, and without the binary the local one on 1883) and
 * needs PostgreSQL + PostGIS (TWIN_BENCH_PG_URL, default the local server).
 * `--profile` runs the server under `node --cpu-prof` (profile in test-results/).
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import WebSocket, { WebSocketServer } from 'ws';
import { LAYER_IDS } from '@park-twin/layers';
import type { Bench } from './types.ts';
import { numberFlag, type Args } from '../twin-server/src/cli/args.ts';
import { benchAdminUrl, createScratchDatabase } from '../twin-server/src/db/scratch.ts';
import { createLogger } from '../twin-server/src/log.ts';
import { hashPassword } from '../twin-server/src/auth/password.ts';
import { Hub } from '../twin-server/src/stream/hub.ts';
import { StreamServer } from '../twin-server/src/stream/ws.ts';
import { insertLiveFixture, openStreamAuth } from '../twin-server/src/stream/testing.ts';
import { LatencyHistogram, type BenchCommand, type BenchReply, type Role, type RoleConfig } from './stream-roles.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROLES_SCRIPT = path.join(HERE, 'stream-roles.ts');
const MAIN_SCRIPT = path.join(HERE, '../twin-server/src/main.ts');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A CPU share (1 = one core busy) as a percentage. */
const pc = (x: number) => `${(x * 100).toFixed(0)}%`;
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

/** A forked bench role (stream-roles.ts) with a request/reply helper over IPC. */
interface RoleProc {
  readonly child: ChildProcess;
  send(m: BenchCommand): void;
  next<T extends BenchReply['type']>(type: T, timeoutMs?: number): Promise<Extract<BenchReply, { type: T }>>;
}

function forkRole(role: Role, cfg: RoleConfig): RoleProc {
  const child = fork(ROLES_SCRIPT, [role, JSON.stringify(cfg)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const inbox: BenchReply[] = [];
  const waiters: (() => void)[] = [];
  child.on('message', (m: BenchReply) => {
    inbox.push(m);
    for (const w of waiters.splice(0)) w();
  });
  child.on('exit', () => { for (const w of waiters.splice(0)) w(); });
  return {
    child,
    send: (m) => child.send(m),
    next(type, timeoutMs = 120_000) {
      const end = performance.now() + timeoutMs;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => check(), timeoutMs + 10);
        let settled = false;
        const check = () => {
          if (settled) return; // a stale wake-up must not take a later caller's reply
          const i = inbox.findIndex((m) => m.type === type || m.type === 'error');
          const failed = i < 0 && (child.exitCode !== null || performance.now() > end);
          if (i < 0 && !failed) {
            waiters.push(check);
            return;
          }
          settled = true;
          clearTimeout(timer);
          const m = i >= 0 ? inbox.splice(i, 1)[0]! : undefined;
          if (!m) reject(new Error(`bench ${role}: no ${type} (exit ${child.exitCode})`));
          else if (m.type === 'error') reject(new Error(`bench ${role}: ${m.message}`));
          else resolve(m as Extract<BenchReply, { type: typeof type }>);
        };
        check();
      });
    },
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc (NaN elsewhere). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

/** A free TCP port on 127.0.0.1. */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** Settings of the bench's own mosquitto: only the bench's traffic, and a QoS 1 queue deep enough for bursts. */
const BROKER_CONF = ['allow_anonymous true', 'persistence false', 'max_queued_messages 1000000', 'log_dest none'];

/**
 * Starts a mosquitto of the bench's own on a free port (other engineers' tests publish on the
 * shared broker, and every node subscribes to the whole park tree); null when not installed.
 */
async function startBroker(dir: string): Promise<{ url: string; stop(): Promise<void> } | null> {
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  await writeFile(conf, [`listener ${port} 127.0.0.1`, ...BROKER_CONF, ''].join('\n'));
  const child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  let failed = false;
  child.once('error', () => { failed = true; });
  const stop = async () => {
    if (child.exitCode !== null || failed) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  for (let i = 0; i < 100 && !failed && child.exitCode === null; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => { c.end(); resolve(true); });
      c.once('error', () => resolve(false));
    });
    if (up) return { url: `mqtt://127.0.0.1:${port}`, stop };
    await sleep(50);
  }
  await stop();
  return null;
}

/**
 * The real `twin serve` in its own process on the scratch database and the broker; resolves once
 * /api/health answers. `profileDir` runs it under `node --cpu-prof` (written at exit).
 */
async function spawnServer(env: Record<string, string>, profileDir: string | undefined): Promise<{ child: ChildProcess; url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const execArgs = [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), '--import', 'tsx', MAIN_SCRIPT, 'serve'];
  const child = spawn(process.execPath, execArgs, { env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => { timer = setTimeout(r, 30_000); })]);
    clearTimeout(timer); // a pending 30 s timer would keep the bench alive after it has printed
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  for (const end = performance.now() + 180_000; ;) {
    if (child.exitCode !== null) throw new Error(`twin serve exited with ${child.exitCode}:\n${stderr}`);
    if (performance.now() > end) {
      await stop();
      throw new Error(`twin serve did not answer /api/health within 180 s:\n${stderr}`);
    }
    const ok = await fetch(`${url}/api/health`).then((r) => r.ok, () => false);
    if (ok) return { child, url, stop };
    await sleep(250);
  }
}

async function latencyLevels(args: Args, mqttUrl: string, pgAdmin: string, lines: string[]): Promise<void> {
  const clients = numberFlag(args, 'clients', 100, 1, 1000);
  // Real stream clients are separate machines; in one process, each client's frame waits for the
  // others' to be read and decoded first. Split over a few processes (2 cores here).
  const clientProcs = numberFlag(args, 'client-procs', 2, 1, 16);
  const seconds = numberFlag(args, 'seconds', 5, 1, 120);
  const meters = numberFlag(args, 'meters', 100, 1, 1000);
  const ingestN = numberFlag(args, 'ingest', 200_000, 1000, 10_000_000);
  const profileDir = args.flags.profile ? path.resolve('test-results/stream-bench-profile') : undefined;
  const scratch = await createScratchDatabase(pgAdmin, 'twin_bench_stream');
  const { db } = scratch;
  const park = `bench-${randomBytes(3).toString('hex')}`;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'twin-bench-stream-'));
  const procs: RoleProc[] = [];
  let server: Awaited<ReturnType<typeof spawnServer>> | undefined;
  try {
    const fx = await insertLiveFixture(db, park, 3, 121.5, meters);
    const devices = Array.from({ length: meters }, (_, i) => `PM-${i}`);
    const deviceIdx = devices.map((d) => fx.equipment[d]!);
    // A viewer for the stream clients who may also read the server's counters (inserted before the
    // first start, so no bootstrap accounts).
    const username = `bench-${randomBytes(3).toString('hex')}`;
    const password = `Pw-${randomBytes(8).toString('hex')}-X1`;
    await db.query(`INSERT INTO app_user (username, display_name, password_hash, roles, must_change_password, password_changed_at, created_at)
                    VALUES ($1, $1, $2, $3, false, now(), now())`, [username, await hashPassword(password), ['leadership_viewer', 'system_admin']]);
    server = await spawnServer({
      DATABASE_URL: scratch.url, MQTT_URL: mqttUrl, TWIN_SIMULATOR: '0', TWIN_SEED_ON_START: '0', TWIN_LOG_LEVEL: 'warn',
      TWIN_DATA_DIR: path.join(tmp, 'data'), TWIN_TILESET_DIR: path.join(tmp, 'tiles'), TWIN_DATA_KEY: randomBytes(32).toString('hex'),
    }, profileDir);
    const login = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Origin: server.url }, body: JSON.stringify({ username, password }),
    });
    if (login.status !== 200) throw new Error(`bench login failed: ${login.status} ${await login.text()}`);
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const liveStats = async () => {
      const r = await fetch(`${server!.url}/api/live/stats`, { headers: { Cookie: cookie } });
      if (!r.ok) throw new Error(`GET /api/live/stats: ${r.status}`);
      return (await r.json()) as { writer: { batches: number; written: number; duplicates: number }; hub: { batches: number; framesSent: number } };
    };
    const writerStats = async () => (await liveStats()).writer;
    const cfg: RoleConfig = { mqttUrl, park, devices, deviceIdx, wsUrl: `${server.url.replace(/^http/, 'ws')}/ws`, cookie, clients };
    const nProcs = Math.min(clientProcs, clients);
    const wsProcs: RoleProc[] = [];
    for (let i = 0; i < nProcs; i++) {
      wsProcs.push(forkRole('clients', { ...cfg, clients: Math.floor((clients * (i + 1)) / nProcs) - Math.floor((clients * i) / nProcs) }));
    }
    const bareProc = forkRole('bare', cfg);
    const pubProc = forkRole('publisher', cfg);
    procs.push(...wsProcs, bareProc, pubProc);
    await Promise.all(procs.map((p) => p.next('ready')));

    const persisted = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM telemetry WHERE device LIKE $1', [`${park}/%`])).rows[0]!.n;
    /**
     * Waits until the server has committed `sent` rows since `since` (its counter: polling a
     * count(*) would load the database being measured) or stops moving for 10 s; then returns the
     * rows the database holds for the park and when the last of them was committed.
     */
    const settleAt = async (since: { written: number }, sent: number) => {
      let w = (await writerStats()).written;
      let at = performance.now();
      for (let last = w; w - since.written < sent && performance.now() - at < 10_000; w = (await writerStats()).written) {
        if (w !== last) [last, at] = [w, performance.now()];
        await sleep(50);
      }
      if (w - since.written >= sent) at = performance.now();
      return { n: await persisted(), at };
    };
    const settle = async (since: { written: number }, sent: number) => (await settleAt(since, sent)).n;
    lines.push(
      `MQTT -> WebSocket: the real \`twin serve\` in its own process (PostgreSQL ${scratch.name}, broker ${mqttUrl}), ${clients} stream clients in ${wsProcs.length} child process${wsProcs.length > 1 ? 'es' : ''}, ` +
      `a bare mosquitto subscriber in another, the publisher in a third; ${meters} meters, QoS 0, ${seconds} s per level. ` +
      'Latency = receive time - publish time stamped in the message (all on this machine\'s clock); every record on every client counts; after a 3 s warm-up at 1k msg/s.', '',
      '| target msg/s | achieved msg/s | WS p50 ms | WS p99 ms | bare sub p50 ms | bare sub p99 ms | WS p99 / bare p99 | records per client (min) | persisted | frames/s per client | server CPU | server CPU per msg | clients CPU | load avg |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    let stored = await persisted();
    // Warm-up, not measured: JIT, pools, each meter's first alarm.
    const warm = await writerStats();
    pubProc.send({ cmd: 'paced', rate: 1000, seconds: 3 });
    stored = await settle(warm, (await pubProc.next('sent')).sent);
    for (const rate of [1000, 5000, 20000]) {
      for (const p of [...wsProcs, bareProc]) p.send({ cmd: 'reset' });
      const { writer: w0, hub: h0 } = await liveStats();
      const clientsCpu = () => wsProcs.reduce((sum, p) => sum + cpuSeconds(p.child.pid!), 0);
      const cpu0 = [cpuSeconds(server.child.pid!), clientsCpu()];
      pubProc.send({ cmd: 'paced', rate, seconds });
      const sent = await pubProc.next('sent');
      await sleep(1500); // stragglers
      const [cpu, cpuClients] = [cpuSeconds(server.child.pid!), clientsCpu()].map((c, i) => (c - cpu0[i]!) / (sent.seconds + 1.5));
      const h1 = (await liveStats()).hub;
      // Delta frames per client per second of the level (framesSent counts every client's copy).
      const fps = (h1.framesSent - h0.framesSent) / clients / (sent.seconds + 1.5);
      const usPerMsg = (cpu! * (sent.seconds + 1.5) * 1e6) / Math.max(1, sent.sent);
      for (const p of [...wsProcs, bareProc]) p.send({ cmd: 'report' });
      const wrs = await Promise.all(wsProcs.map((p) => p.next('report')));
      const br = await bareProc.next('report');
      const w = new LatencyHistogram();
      for (const wr of wrs) w.merge(wr.hist);
      const minPerClient = Math.min(...wrs.map((wr) => wr.minPerClient));
      const b = new LatencyHistogram();
      b.merge(br.hist);
      const now = await settle(w0, sent.sent);
      const line = `| ${rate} | ${(sent.sent / sent.seconds).toFixed(0)} | ${f1(w.percentile(50))} | ${f1(w.percentile(99))} | ${f1(b.percentile(50))} | ${f1(b.percentile(99))} | ` +
        `${(w.percentile(99) / b.percentile(99)).toFixed(2)} | ${minPerClient}/${sent.sent} | ${now - stored}/${sent.sent} | ${fps.toFixed(0)} | ${pc(cpu!)} | ${usPerMsg.toFixed(1)} us | ${pc(cpuClients!)} | ${os.loadavg()[0]!.toFixed(1)} |`;
      stored = now;
      console.log(line);
      lines.push(line);
    }
    for (const p of wsProcs) p.send({ cmd: 'exit' });
    bareProc.send({ cmd: 'exit' });

    // Sustained ingest with persistence: as fast as the broker takes it; done when the rows are in.
    for (const qos of [0, 1] as const) {
      const w0 = await writerStats();
      const t0 = performance.now();
      const cpu0 = cpuSeconds(server.child.pid!);
      pubProc.send({ cmd: 'flood', n: ingestN, qos });
      const sent = await pubProc.next('sent', 600_000);
      const { n: now, at } = await settleAt(w0, sent.sent);
      const secs = (at - t0) / 1000;
      const cpu = (cpuSeconds(server.child.pid!) - cpu0) / secs;
      const w1 = await writerStats();
      const batches = w1.batches - w0.batches;
      const line = `Sustained ingest with persistence, QoS ${qos} publisher (${meters} meters, no stream clients): ${sent.sent} messages published in ${sent.seconds.toFixed(1)} s, ` +
        `all committed after ${secs.toFixed(1)} s = **${((now - stored) / secs).toFixed(0)} msg/s durable**, lost = ${sent.sent - (now - stored)}; ` +
        `${batches} batches (${((w1.written - w0.written) / Math.max(1, batches)).toFixed(0)} rows each on average); server CPU ${pc(cpu)}, load avg ${os.loadavg()[0]!.toFixed(1)}.`;
      stored = now;
      console.log(line);
      lines.push('', line);
    }
  } finally {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill();
    await server?.stop();
    if (server) await forgetSession(mqttUrl, server.url);
    if (profileDir) console.log(`server CPU profile written to ${profileDir}`);
    await scratch.drop();
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Removes the persistent MQTT session `twin serve` left on the broker (its client id is per host and port). */
async function forgetSession(mqttUrl: string, serverUrl: string): Promise<void> {
  const clientId = `twin-${os.hostname()}-${new URL(serverUrl).port}`.slice(0, 64);
  const c = await mqtt.connectAsync(mqttUrl, { clientId, clean: true, reconnectPeriod: 0 }).catch(() => null);
  await c?.endAsync();
}

/**
 * Hub fan-out vs a bare ws broadcast of the very same frames, 100 clients, one process. Both
 * sides stay connected and take turns (5 rounds each), so machine load drifts hit both alike;
 * the ratio is the median of the rounds' ratios.
 */
async function fanout(args: Args, lines: string[]): Promise<void> {
  const clients = numberFlag(args, 'clients', 100, 1, 1000);
  const rounds = 5;
  const batches = 1000;
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
    if (i === 0 && frames.length < batches) frames.push(buf);
  });
  // Bare ws: the same number of clients, sent the frames the hub produced.
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const bareUrl = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  const bareClients: WebSocket[] = [];
  for (let i = 0; i < clients; i++) {
    const c = new WebSocket(bareUrl);
    c.on('message', () => { received++; });
    await new Promise((r) => c.once('open', r));
    bareClients.push(c);
  }
  while (wss.clients.size < clients) await sleep(2);

  /** Runs `send(b)` for every batch and returns delivered updates per second once all arrived. */
  const timed = async (send: (b: number) => void): Promise<number> => {
    received = 0;
    const t0 = performance.now();
    for (let b = 0; b < batches; b++) {
      send(b);
      if (b % 50 === 49) await sleep(0);
    }
    for (const end = performance.now() + 120_000; received < batches * clients && performance.now() < end;) await sleep(2);
    return (received * perBatch) / ((performance.now() - t0) / 1000);
  };
  const hubRates: number[] = [];
  const bareRates: number[] = [];
  frames.length = 0;
  for (let r = 0; r < rounds; r++) {
    hubRates.push(await timed((b) => {
      for (let k = 0; k < perBatch; k++) hub.update(1000 + k, LAYER_IDS.occupancy, r * batches + b, 0);
      hub.flush();
    }));
    bareRates.push(await timed((b) => { for (const c of wss.clients) c.send(frames[b]!, { binary: true }); }));
  }
  for (const c of [...hubClients, ...bareClients]) c.terminate();
  await stream.close();
  hub.close();
  server.close();
  await new Promise((r) => wss.close(r));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const ratio = median(hubRates.map((h, i) => h / bareRates[i]!));
  const line = `Fan-out, ${clients} clients, ${rounds} alternating rounds of ${batches} batches x ${perBatch} updates: hub median ${(median(hubRates) / 1e6).toFixed(2)} M updates/s delivered ` +
    `vs bare ws broadcast of the same bytes ${(median(bareRates) / 1e6).toFixed(2)} M/s: **ratio ${ratio.toFixed(2)}** (rounds: ${hubRates.map((h, i) => (h / bareRates[i]!).toFixed(2)).join(', ')})`;
  console.log(line);
  lines.push('', line);
}

/** The stream benchmark. */
export const streamBench: Bench = {
  summary: 'MQTT -> WebSocket latency vs bare subscriber, fan-out vs bare ws, sustained ingest with persistence',
  async run(args: Args) {
    const pgAdmin = benchAdminUrl();
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'twin-bench-broker-'));
    const broker = process.env.MQTT_URL ? null : await startBroker(tmp);
    const mqttUrl = process.env.MQTT_URL ?? broker?.url ?? 'mqtt://127.0.0.1:1883';
    const brokerNote = broker ? `its own mosquitto at ${mqttUrl} (${BROKER_CONF.join('; ')})` : `the broker at ${mqttUrl.replace(/\/\/[^@]*@/, '//')}`;
    const lines: string[] = [`Command: \`npm run bench -- stream\` (flags: --clients, --client-procs, --seconds, --meters, --ingest, --profile). Broker: ${brokerNote}; PostgreSQL ${pgAdmin.replace(/\/\/[^@]*@/, '//')}.`, ''];
    try {
      await fanout(args, lines);
      lines.push('');
      await latencyLevels(args, mqttUrl, pgAdmin, lines);
    } finally {
      await broker?.stop();
      await rm(tmp, { recursive: true, force: true });
    }
    return lines;
  },
};
