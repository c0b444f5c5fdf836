/**
 * Child processes of `twin bench stream`, so that the server under test has its own process and
 * event loop: `clients` (N WebSocket stream clients), `bare` (a plain mosquitto subscriber on the
 * same topics) and `publisher` (a paced MQTT publisher). The bench forks them and talks to them
 * over the IPC channel (BenchCommand in, BenchReply out).
 *
 * Latency: the publisher puts its wall-clock time into the message as the meter reading (`kw`:
 * STAMP_BASE + 0.1 ms ticks modulo 99 s, an integer below the layer's 1e6 kW limit, so exact as
 * the f32 of a binary frame); receivers subtract it from their own clock. All processes read the
 * same machine clock. The base keeps every reading above the overload threshold (2,000 kW): each
 * meter raises its alarm once and keeps it, instead of clearing and re-raising all of them
 * together whenever the ticks wrap (a burst of alarm messages that no real load produces).
 */
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import mqtt, { type MqttClient } from 'mqtt';
import { decodeFrame, FRAME, LAYER_IDS } from '@park-twin/layers';

/** Clock ticks per millisecond, and the modulus the ticks are sent in. */
const TICKS_PER_MS = 10;
const TICK_MOD = 990_000;
const STAMP_BASE = 2_001;
/** Histogram buckets: one per tick up to 60 s, the last one collects everything slower. */
const BUCKETS = 60_000 * TICKS_PER_MS;

/** The current wall-clock time in ticks, modulo TICK_MOD. */
const nowTicks = () => Math.round((performance.timeOrigin + performance.now()) * TICKS_PER_MS) % TICK_MOD;
/** A stamp for a message sent now. */
const stampNow = () => STAMP_BASE + nowTicks();
/** Ticks between a sent stamp and `now` (the stamp wraps every 99 s). */
const ticksSince = (stamp: number, now = nowTicks()) => (now - (stamp - STAMP_BASE) + TICK_MOD) % TICK_MOD;

/** A latency histogram with 0.1 ms buckets; mergeable across processes in sparse form. */
export class LatencyHistogram {
  private counts = new Uint32Array(BUCKETS + 1);
  n = 0;

  add(ticks: number): void {
    this.counts[Math.min(BUCKETS, ticks)]!++;
    this.n++;
  }

  reset(): void {
    this.counts.fill(0);
    this.n = 0;
  }

  /** [bucket, count] pairs of the non-empty buckets. */
  toSparse(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i <= BUCKETS; i++) if (this.counts[i]! > 0) out.push([i, this.counts[i]!]);
    return out;
  }

  merge(sparse: readonly [number, number][]): void {
    for (const [i, c] of sparse) {
      this.counts[i]! += c;
      this.n += c;
    }
  }

  /** The p-th percentile in ms (NaN when empty). */
  percentile(p: number): number {
    if (this.n === 0) return NaN;
    const rank = Math.min(this.n, Math.max(1, Math.ceil((p / 100) * this.n)));
    let seen = 0;
    for (let i = 0; i <= BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return i / TICKS_PER_MS;
    }
    return BUCKETS / TICKS_PER_MS;
  }
}

/** What each role is started with (JSON in argv[3]). */
export interface RoleConfig {
  readonly mqttUrl: string;
  readonly park: string;
  /** Meter codes the publisher cycles through. */
  readonly devices: readonly string[];
  /** Their twin idx (receivers ignore roll-up records). */
  readonly deviceIdx: readonly number[];
  readonly wsUrl?: string;
  readonly cookie?: string;
  readonly clients?: number;
}

/** Bench -> child. */
export type BenchCommand =
  | { cmd: 'reset' }
  | { cmd: 'report' }
  | { cmd: 'paced'; rate: number; seconds: number }
  | { cmd: 'flood'; n: number; qos: 0 | 1 }
  | { cmd: 'exit' };

/** Child -> bench. */
export type BenchReply =
  | { type: 'ready' }
  | { type: 'report'; hist: [number, number][]; records: number; minPerClient: number }
  | { type: 'sent'; sent: number; seconds: number }
  | { type: 'error'; message: string };

export type Role = 'clients' | 'bare' | 'publisher';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Receivers: count and time every record of the bench's meters. */
function receiver(cfg: RoleConfig, nClients: number) {
  const hist = new LatencyHistogram();
  const perClient = new Array<number>(nClients).fill(0);
  const meters = new Set(cfg.deviceIdx);
  return {
    hist,
    perClient,
    meters,
    /** `now`: when the record arrived (every record of one frame arrived together). */
    record(client: number, stamp: number, now?: number) {
      hist.add(ticksSince(stamp, now));
      perClient[client]!++;
    },
    report(): BenchReply {
      return { type: 'report', hist: hist.toSparse(), records: hist.n, minPerClient: Math.min(...perClient) };
    },
    reset() {
      hist.reset();
      perClient.fill(0);
    },
  };
}

/** N stream clients with the session cookie, subscribed to the energy layer. */
async function runClients(cfg: RoleConfig): Promise<{ reset(): void; report(): BenchReply; close(): void }> {
  const n = cfg.clients ?? 100;
  const rx = receiver(cfg, n);
  const url = cfg.wsUrl!;
  const sockets: WebSocket[] = [];
  for (let i = 0; i < n; i++) {
    const ws = new WebSocket(url, { headers: { Cookie: cfg.cookie ?? '', Origin: new URL(url.replace(/^ws/, 'http')).origin } });
    await new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`stream upgrade refused: ${res.statusCode}`)));
      ws.on('message', (data, isBinary) => {
        if (!isBinary) {
          if (String(data).includes('"subscribed"')) resolve();
          return;
        }
        const now = nowTicks();
        const buf = data as Buffer;
        const f = decodeFrame(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
        if (f.kind !== FRAME.delta) return; // snapshots hold values from before this level
        for (let k = 0; k < f.count; k++) {
          if ((f.words[k * 3 + 1]! & 0xff) !== LAYER_IDS.energy || !rx.meters.has(f.words[k * 3]!)) continue;
          rx.record(i, f.values[k * 3 + 2]!, now);
        }
      });
      ws.once('open', () => {
        ws.send(JSON.stringify({ type: 'hello', version: 1 }));
        ws.send(JSON.stringify({ type: 'subscribe', layers: ['energy'] }));
      });
    });
    sockets.push(ws);
  }
  return { reset: rx.reset, report: rx.report, close: () => { for (const s of sockets) s.terminate(); } };
}

/** A plain MQTT subscriber on the meters' topics: what the broker alone delivers. */
async function runBare(cfg: RoleConfig): Promise<{ reset(): void; report(): BenchReply; close(): void }> {
  const rx = receiver(cfg, 1);
  const client = await mqtt.connectAsync(cfg.mqttUrl, { clientId: `bench-bare-${process.pid}`, clean: true });
  await client.subscribeAsync(`park/${cfg.park}/energy/+`, { qos: 0 });
  client.on('message', (_t, payload) => {
    const kw = (JSON.parse(payload.toString()) as { kw?: unknown }).kw;
    if (typeof kw === 'number') rx.record(0, kw);
  });
  return { reset: rx.reset, report: rx.report, close: () => void client.endAsync(true) };
}

/** Publishes one meter reading stamped with the current time. */
function publisher(cfg: RoleConfig, client: MqttClient) {
  let seq = 0;
  const topics = cfg.devices.map((d) => `park/${cfg.park}/energy/${d}`);
  return (qos: 0 | 1, cb?: (err?: Error) => void) => {
    seq++;
    client.publish(topics[seq % topics.length]!, JSON.stringify({ kw: stampNow(), seq, ts: Date.now() }), { qos }, cb);
  };
}

/** `rate` messages per second for `seconds`, in 1 ms steps. */
async function paced(publish: ReturnType<typeof publisher>, rate: number, seconds: number): Promise<BenchReply> {
  const t0 = performance.now();
  let sent = 0;
  for (let el = 0; el < seconds * 1000; el = performance.now() - t0) {
    const due = Math.floor((el / 1000) * rate);
    for (; sent < due; sent++) publish(0);
    await sleep(1);
  }
  return { type: 'sent', sent, seconds: (performance.now() - t0) / 1000 };
}

/** `n` messages as fast as the broker takes them (waits for the socket, or the broker's PUBACK, every 5,000). */
async function flood(publish: ReturnType<typeof publisher>, n: number, qos: 0 | 1): Promise<BenchReply> {
  const t0 = performance.now();
  for (let i = 0; i < n; i += 5000) {
    const last = Math.min(n, i + 5000);
    await new Promise<void>((resolve, reject) => {
      for (let k = i; k < last; k++) publish(qos, k === last - 1 ? (err) => (err ? reject(err) : resolve()) : undefined);
    });
  }
  return { type: 'sent', sent: n, seconds: (performance.now() - t0) / 1000 };
}

async function main(role: Role, cfg: RoleConfig): Promise<void> {
  const reply = (m: BenchReply) => process.send!(m);
  if (role === 'publisher') {
    const client = await mqtt.connectAsync(cfg.mqttUrl, { clientId: `bench-pub-${process.pid}`, clean: true });
    // One connection publishes the whole load, so with Nagle's algorithm a reading sent while the
    // previous one is unacknowledged waits for the broker's delayed ACK (up to 40 ms): 1% of the
    // messages at 5k msg/s, for both receivers alike. Devices each send a trickle; the bench should not.
    (client.stream as unknown as { setNoDelay?(on: boolean): void }).setNoDelay?.(true);
    const publish = publisher(cfg, client);
    process.on('message', (m: BenchCommand) => {
      if (m.cmd === 'exit') void client.endAsync().finally(() => process.exit(0));
      else if (m.cmd === 'paced') void paced(publish, m.rate, m.seconds).then(reply);
      else if (m.cmd === 'flood') void flood(publish, m.n, m.qos).then(reply, (err: Error) => reply({ type: 'error', message: err.message }));
    });
  } else {
    const r = role === 'clients' ? await runClients(cfg) : await runBare(cfg);
    process.on('message', (m: BenchCommand) => {
      if (m.cmd === 'exit') {
        r.close();
        setTimeout(() => process.exit(0), 100);
      } else if (m.cmd === 'reset') r.reset();
      else if (m.cmd === 'report') reply(r.report());
    });
  }
  reply({ type: 'ready' });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv[2] as Role, JSON.parse(process.argv[3] ?? '{}') as RoleConfig).catch((err: unknown) => {
    process.send?.({ type: 'error', message: String(err) } satisfies BenchReply);
    process.exit(1);
  });
}
