import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocketServer, WebSocket as NodeWebSocket } from 'ws';
import { FRAME, FRAME_FLAGS, LAYER_IDS, PROTOCOL_VERSION, encodeFrame, parseClientMessage, type ClientMessage } from '@park-twin/layers/protocol.ts';
import { decodeFrame } from '@park-twin/layers/protocol.ts';
import { LiveStore } from './store.ts';
import { LiveClient, type SocketLike } from './client.ts';

const occ = LAYER_IDS.occupancy;
const eq = LAYER_IDS.equipment;

describe('LiveStore', () => {
  it('applies snapshot and delta records into typed arrays and reports changed idx per layer', () => {
    const s = new LiveStore(16);
    const seen: Array<[string, number[], boolean]> = [];
    s.subscribe((layer, idx, n, snap) => seen.push([layer, [...idx.subarray(0, n)], snap]));
    s.apply(decodeFrame(encodeFrame(FRAME.snapshot, 1, 10, [
      { idx: 3, layer: occ, status: 0, value: 0.5 },
      { idx: 4, layer: occ, status: 1, value: 0.9 },
      { idx: 40, layer: eq, status: 2, value: 1 }, // beyond the initial capacity: grows
    ])));
    expect(s.get('occupancy', 3)).toEqual({ status: 0, value: 0.5 });
    expect(s.get('equipment', 40)).toEqual({ status: 2, value: 1 });
    expect(seen).toEqual([['occupancy', [3, 4], true], ['equipment', [40], true]]);
    s.apply(decodeFrame(encodeFrame(FRAME.delta, 1, 11, [{ idx: 3, layer: occ, status: 2, value: 0.25 }])));
    expect(s.get('occupancy', 3)).toEqual({ status: 2, value: 0.25 });
    // A new snapshot forgets objects it does not mention.
    s.apply(decodeFrame(encodeFrame(FRAME.snapshot, 1, 20, [{ idx: 4, layer: occ, status: 0, value: 0.1 }])));
    expect(s.get('occupancy', 3)).toBeNull();
    expect(s.get('equipment', 40)).toBeNull();
    expect(s.get('occupancy', 4)?.status).toBe(0);
  });

  it('skips layer ids it does not know', () => {
    const s = new LiveStore(8);
    s.apply(decodeFrame(encodeFrame(FRAME.delta, 1, 1, [{ idx: 2, layer: 99, status: 0, value: 1 }])));
    expect(s.applied).toBe(0);
  });
});

/** A tiny hub speaking the protocol, to drive the client through handshake, gap and resume. */
async function startHub() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  const received: ClientMessage[] = [];
  const sockets: NodeWebSocket[] = [];
  let epoch = 7;
  let pongs = true;
  let refuseSince = false;
  wss.on('connection', (ws) => {
    sockets.push(ws);
    ws.send(JSON.stringify({ type: 'welcome', version: PROTOCOL_VERSION, epoch, seq: 100, serverTime: Date.now(), layers: ['occupancy'] }));
    ws.on('message', (data) => {
      const p = parseClientMessage(String(data));
      if (!p.ok) throw new Error(p.error);
      received.push(p.msg);
      if (p.msg.type === 'ping' && pongs) ws.send(JSON.stringify({ type: 'pong', t: p.msg.t, serverTime: Date.now() }));
      if (p.msg.type === 'subscribe' && refuseSince && p.msg.resume?.since !== undefined) {
        ws.send(JSON.stringify({ type: 'error', code: 'bad-message', message: 'unrecognized key: since' }));
        return;
      }
      if (p.msg.type === 'subscribe') {
        const resume = p.msg.resume && p.msg.resume.epoch === epoch;
        ws.send(JSON.stringify({ type: 'subscribed', layers: p.msg.layers, mode: resume ? 'resume' : 'snapshot', seq: 100 }));
        if (!resume) ws.send(encodeFrame(FRAME.snapshot, epoch, 100, [{ idx: 5, layer: occ, status: 0, value: 0.2 }]));
      }
    });
  });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const port = (wss.address() as { port: number }).port;
  return {
    url: `ws://127.0.0.1:${port}`, received, sockets,
    setEpoch: (e: number) => { epoch = e; },
    /** Stops (or resumes) answering pings: a cut network that closes nothing. */
    setPongs: (on: boolean) => { pongs = on; },
    /** Answers a subscribe carrying resume.since with bad-message, as a hub of an earlier build does. */
    setRefuseSince: (on: boolean) => { refuseSince = on; },
    last: () => sockets[sockets.length - 1]!,
    close: () => new Promise<void>((r) => { for (const s of sockets) s.terminate(); wss.close(() => r()); }),
  };
}

const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error(`never happened: ${what}`);
};

describe('LiveClient', () => {
  let cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup = [];
  });
  const nodeSocket = (u: string) => new NodeWebSocket(u) as unknown as SocketLike;

  it('handshakes, applies the snapshot, applies in-order deltas and snapshots again after a gap', async () => {
    const hub = await startHub();
    cleanup.push(hub.close);
    const store = new LiveStore();
    const c = new LiveClient({ url: hub.url, store, layers: ['occupancy'], socket: nodeSocket, baseDelayMs: 20 });
    cleanup.push(() => c.close());
    await until(() => c.status === 'live' && store.get('occupancy', 5) !== null, 'live with snapshot');
    expect(hub.received[0]).toEqual({ type: 'hello', version: PROTOCOL_VERSION });
    expect(hub.received[1]).toEqual({ type: 'subscribe', layers: ['occupancy'] });

    hub.last().send(encodeFrame(FRAME.delta, 7, 101, [{ idx: 5, layer: occ, status: 2, value: 0.95 }]));
    await until(() => store.get('occupancy', 5)?.status === 2, 'delta applied');
    expect(c.seq).toBe(101);

    // seq is shared by every client of the hub, so skipped numbers are normal, not a gap.
    hub.last().send(encodeFrame(FRAME.delta, 7, 105, [{ idx: 5, layer: occ, status: 1, value: 0.7 }], FRAME_FLAGS.conflated));
    await until(() => c.seq === 105, 'delta after skipped seqs applied');
    expect(c.stats.gaps).toBe(0);

    // A delta from another hub run means a hole in our state: not applied, a snapshot is requested.
    hub.last().send(encodeFrame(FRAME.delta, 9, 3, [{ idx: 5, layer: occ, status: 2, value: 0.99 }]));
    await until(() => c.stats.gaps === 1, 'gap detected');
    expect(store.get('occupancy', 5)?.status).not.toBe(2);
    await until(() => hub.received.filter((m) => m.type === 'subscribe').length === 2, 'resubscribed');
    expect(hub.received.at(-1)).toEqual({ type: 'subscribe', layers: ['occupancy'] });
    await until(() => store.get('occupancy', 5)?.value === Math.fround(0.2), 'snapshot re-applied');
  });

  it('reconnects after a dropped socket and resumes from its last seq on the same hub run', async () => {
    const hub = await startHub();
    cleanup.push(hub.close);
    const store = new LiveStore();
    const c = new LiveClient({ url: hub.url, store, layers: ['occupancy'], socket: nodeSocket, baseDelayMs: 20 });
    cleanup.push(() => c.close());
    await until(() => c.status === 'live', 'live');
    hub.last().send(encodeFrame(FRAME.delta, 7, 101, [{ idx: 5, layer: occ, status: 1, value: 0.5 }]));
    await until(() => c.seq === 101, 'delta');
    hub.last().terminate();
    await until(() => c.status === 'reconnecting', 'reconnecting shown');
    await until(() => c.status === 'live' && c.stats.reconnects === 1, 'live again');
    const sub = hub.received.filter((m) => m.type === 'subscribe').at(-1);
    expect(sub).toEqual({ type: 'subscribe', layers: ['occupancy'], resume: { epoch: 7, seq: 101 } });
    expect(c.stats.resumed).toBe(1);

    // Hub restarted or another node (new epoch): the old seq is meaningless there, so the client
    // says until when (server clock) it has applied frames; that hub replays from then or sends a snapshot.
    const before = Date.now();
    hub.setEpoch(8);
    hub.last().terminate();
    await until(() => c.stats.reconnects === 2 && c.status === 'live', 'live after hub restart');
    const last = hub.received.filter((m) => m.type === 'subscribe').at(-1) as { resume?: { since?: number } };
    expect(last).toEqual({ type: 'subscribe', layers: ['occupancy'], resume: { epoch: 7, seq: 101, since: expect.any(Number) } });
    // The test hub's clock is this process's: the last frame was applied shortly before the drop.
    expect(last.resume!.since!).toBeLessThanOrEqual(before + 50);
    expect(last.resume!.since!).toBeGreaterThan(before - 5000);
    await until(() => c.epoch === 8, 'epoch from snapshot');

    // A node of an earlier build refuses `since` (rolling upgrade): the client asks for a snapshot instead.
    hub.setRefuseSince(true);
    hub.setEpoch(9);
    const snapshots = c.stats.snapshots;
    hub.last().terminate();
    await until(() => c.stats.reconnects === 3 && c.status === 'live' && c.stats.snapshots > snapshots, 'live after a refused since');
    expect(hub.received.filter((m) => m.type === 'subscribe').slice(-2).map((m) => 'resume' in m)).toEqual([true, false]);
    expect(c.epoch).toBe(9);
  });

  it('pings, and gives up a socket that stops answering (a silent cut) and reconnects', async () => {
    const hub = await startHub();
    cleanup.push(hub.close);
    const c = new LiveClient({ url: hub.url, store: new LiveStore(), layers: ['occupancy'], socket: nodeSocket, baseDelayMs: 20, heartbeatMs: 40 });
    cleanup.push(() => c.close());
    await until(() => c.status === 'live', 'live');
    // Answered pings keep the socket: no reconnect over many periods.
    await new Promise((r) => setTimeout(r, 400));
    expect(hub.received.filter((m) => m.type === 'ping').length).toBeGreaterThanOrEqual(5);
    expect(c.stats.reconnects).toBe(0);
    expect(c.status).toBe('live');
    // The far side goes silent without closing anything: the client notices and replaces the socket.
    hub.setPongs(false);
    const first = hub.last();
    await until(() => c.status !== 'live', 'left live');
    hub.setPongs(true);
    await until(() => c.status === 'live' && c.stats.reconnects >= 1, 'live again on a new socket');
    expect(hub.last()).not.toBe(first);
    expect(hub.sockets.length).toBeGreaterThanOrEqual(2);
  });

  it('keeps a socket whose pings are answered even when its timers run late (a background tab)', async () => {
    const hub = await startHub();
    cleanup.push(hub.close);
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    cleanup.push(() => vi.useRealTimers());
    const c = new LiveClient({ url: hub.url, store: new LiveStore(), layers: ['occupancy'], socket: nodeSocket, baseDelayMs: 20, heartbeatMs: 10_000 });
    cleanup.push(() => c.close());
    await until(() => c.status === 'live', 'live');
    // The browser wakes the heartbeat once a minute instead of every 10 s: a minute of silence
    // before each beat, but every ping is answered.
    for (let i = 1; i <= 3; i++) {
      vi.setSystemTime(Date.now() + 60_000);
      vi.advanceTimersToNextTimer();
      await until(() => hub.received.filter((m) => m.type === 'ping').length === i, `ping ${i} answered`);
      await new Promise((r) => setTimeout(r, 30)); // the pong arrives
    }
    expect(c.status).toBe('live');
    expect(c.stats.reconnects).toBe(0);
    expect(hub.sockets.length).toBe(1);
  });

  it('backs off exponentially while the hub is down and shows offline', async () => {
    const hub = await startHub();
    const url = hub.url;
    await hub.close();
    const c = new LiveClient({ url, store: new LiveStore(), layers: ['occupancy'], socket: nodeSocket, baseDelayMs: 5, maxDelayMs: 40 });
    cleanup.push(() => c.close());
    await until(() => c.status === 'offline', 'offline after several failures');
    expect(c.stats.reconnects).toBeGreaterThanOrEqual(4);
  });
});
