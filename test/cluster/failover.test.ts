/**
 * Issue 21, hot standby: two twin-server processes behind HAProxy on one PostgreSQL and one
 * mosquitto. A live client (the twin client's own LiveClient, over `ws`) receives a numbered
 * stream through HAProxy; the node it is on is killed with SIGKILL mid-stream; the client
 * reconnects through HAProxy to the other node and resumes there by time: every numbered update
 * arrives (0 lost), duplicates of the resume overlap are counted and dropped by number (0 left),
 * the time without data is printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import WebSocket from 'ws';
import { LAYER_IDS, frameRecord, type DecodedFrame } from '@park-twin/layers';
import { createTestDb, type TestDb } from '../../twin-server/src/db/testing.ts';
import { insertLiveFixture } from '../../twin-server/src/stream/testing.ts';
import { LiveClient, type LiveStatus, type SocketLike } from '../../twin-client/src/live/client.ts';
import type { LiveStore } from '../../twin-client/src/live/store.ts';
import { freePort, startCluster, type Cluster } from './harness.ts';

const MQTT = process.env.TWIN_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const TOTAL = 400;
const RATE = 50; // messages per second
const KILL_AT = 120;

describe.skipIf(inject('mqttMissing') !== null || inject('pgMissing') !== null)('hot standby behind HAProxy', () => {
  let t: TestDb;
  let cluster: Cluster;
  let pm = 0;
  const park = `ha-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    t = await createTestDb('postgres');
    pm = (await insertLiveFixture(t.db, park)).equipment['PM-0']!;
    cluster = await startCluster({ dbUrl: t.url!, mqttUrl: MQTT });
  });
  afterAll(async () => {
    await cluster?.stop();
    await t?.drop();
  });

  it('renders a config HAProxy accepts, with readiness checks and WebSocket timeouts', async () => {
    const fs = await import('node:fs');
    const cfg = fs.readFileSync(`${cluster.dir}/haproxy.cfg`, 'utf8');
    expect(cfg).toContain('http-check send meth GET uri /api/health?ready=1');
    expect(cfg).toContain('timeout tunnel 1h');
    expect(cfg).toContain('option  redispatch');
    expect(await cluster.serverStates()).toEqual({ a: 'UP', b: 'UP' });
    // Through the one address, plain API requests work (either node).
    expect((await fetch(`${cluster.url}/api/health?ready=1`)).status).toBe(200);
  });

  it('kill -9 of the active node: the client resumes on the other node, every update exactly once', async () => {
    const values: number[] = [];
    const arrivals: number[] = [];
    const statuses: LiveStatus[] = [];
    const store = {
      apply(f: DecodedFrame) {
        for (let i = 0; i < f.count; i++) {
          const r = frameRecord(f, i);
          if (r.idx === pm && r.layer === LAYER_IDS.energy && r.value >= 1) {
            values.push(r.value);
            arrivals.push(performance.now());
          }
        }
      },
    } as unknown as LiveStore;
    const client = new LiveClient({
      url: `${cluster.url.replace(/^http/, 'ws')}/ws`,
      store,
      layers: ['energy'],
      socket: (u) => new WebSocket(u) as unknown as SocketLike,
    });
    const unlisten = client.onStatus(() => statuses.push(client.status));
    const until = async (what: string, pred: () => boolean, ms = 20_000) => {
      const end = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > end) throw new Error(`timed out: ${what} (values ${values.length}, statuses ${statuses.join(',')})`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await until('live', () => client.status === 'live');

    // Which node holds the client's socket (its hub has the one subscriber).
    const subscribersOf = async (url: string) => {
      const s = (await (await fetch(`${url}/api/live/stats`)).json()) as { hub: { subscribers: number } };
      return s.hub.subscribers;
    };
    const counts = await Promise.all(cluster.nodes.map((n) => subscribersOf(n.url)));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
    const active = cluster.nodes[counts.indexOf(1)]!;
    const other = cluster.nodes.find((n) => n !== active)!;

    const pub = await mqtt.connectAsync(MQTT, { clientId: `ha-pub-${randomBytes(4).toString('hex')}`, clean: true });
    const ts0 = Date.UTC(2026, 0, 1);
    let killedAt = 0;
    try {
      for (let n = 1; n <= TOTAL; n++) {
        const next = performance.now() + 1000 / RATE;
        await pub.publishAsync(`park/${park}/energy/PM-0`, JSON.stringify({ kw: n, seq: n, ts: ts0 + n }), { qos: 1 });
        if (n === KILL_AT) {
          await until('the first updates', () => values.length > 0);
          killedAt = performance.now();
          await cluster.kill(active.name);
        }
        const wait = next - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      // Until the newest arrived (or not: then the numbers below show what is missing).
      await until('the last update', () => values.includes(TOTAL), 30_000).catch(() => {});
    } finally {
      await pub.endAsync();
      unlisten();
      client.close();
    }

    // Counted by number: gaps (lost) and extra copies (the resume overlap, dropped by number).
    const seen = new Set<number>();
    let duplicates = 0;
    for (const v of values) {
      if (seen.has(v)) duplicates++;
      seen.add(v);
    }
    const lost = Array.from({ length: TOTAL }, (_, i) => i + 1).filter((n) => !seen.has(n));
    const after = arrivals.findIndex((a) => a > killedAt);
    let maxGap = 0;
    for (let i = 1; i < arrivals.length; i++) maxGap = Math.max(maxGap, arrivals[i]! - arrivals[i - 1]!);
    const firstAfterKill = after >= 0 ? arrivals[after]! - killedAt : NaN;
    console.log(`[failover] ${TOTAL} numbered updates at ${RATE}/s, node ${active.name} killed after #${KILL_AT}: `
      + `lost ${lost.length}, copies of the resume overlap ${duplicates} (dropped by number), after dedupe 0 duplicated; `
      + `time without data ${(maxGap / 1000).toFixed(2)} s (kill -> first update from node ${other.name} ${(firstAfterKill / 1000).toFixed(2)} s); `
      + `statuses ${statuses.join(' > ')}; resumed ${client.stats.resumed}, snapshots ${client.stats.snapshots}`);

    expect(lost).toEqual([]);
    expect(seen.size).toBe(TOTAL);
    // The client showed "reconnecting" (not offline or refused) and came back live on the other node.
    expect(statuses).toContain('reconnecting');
    expect(statuses).not.toContain('offline');
    expect(statuses).not.toContain('refused');
    expect(statuses.at(-1)).toBe('live');
    expect(client.stats.resumed).toBe(1);
    expect(client.stats.snapshots).toBe(1); // only the first subscription: the failover replayed, no snapshot
    expect(maxGap).toBeLessThan(5000);
    // The last value applied is the newest: the replayed overlap came before the new updates.
    expect(values.at(-1)).toBe(TOTAL);
  });
});

describe.skipIf(inject('mqttMissing') !== null || inject('pgMissing') !== null)('nodes serving HTTPS behind HAProxy', () => {
  let t: TestDb;
  let cluster: Cluster;
  const park = `hs-${randomBytes(4).toString('hex')}`;
  let pm = 0;
  beforeAll(async () => {
    t = await createTestDb('postgres');
    pm = (await insertLiveFixture(t.db, park)).equipment['PM-0']!;
    cluster = await startCluster({ dbUrl: t.url!, mqttUrl: MQTT, tls: true });
  });
  afterAll(async () => {
    await cluster?.stop();
    await t?.drop();
  });

  it('checks and forwards over TLS to the nodes, verifying their certificates', async () => {
    const cfg = (await import('node:fs')).readFileSync(`${cluster.dir}/haproxy.cfg`, 'utf8');
    expect(cfg).toMatch(/server a 127\.0\.0\.1:\d+ check ssl verify required ca-file /);
    expect(await cluster.serverStates()).toEqual({ a: 'UP', b: 'UP' }); // the readiness checks passed over TLS
    expect((await fetch(`${cluster.url}/api/health?ready=1`)).status).toBe(200);
    const got: number[] = [];
    const client = new LiveClient({
      url: `${cluster.url.replace(/^http/, 'ws')}/ws`, layers: ['energy'], socket: (u) => new WebSocket(u) as unknown as SocketLike,
      store: { apply(f: DecodedFrame) {
        for (let i = 0; i < f.count; i++) {
          const r = frameRecord(f, i);
          if (r.idx === pm && r.layer === LAYER_IDS.energy) got.push(r.value);
        }
      } } as unknown as LiveStore,
    });
    try {
      for (let i = 0; i < 200 && client.status !== 'live'; i++) await new Promise((r) => setTimeout(r, 50));
      expect(client.status).toBe('live');
      const pub = await mqtt.connectAsync(MQTT, { clientId: `hs-pub-${randomBytes(4).toString('hex')}`, clean: true });
      await pub.publishAsync(`park/${park}/energy/PM-0`, JSON.stringify({ kw: 77, seq: 1, ts: Date.UTC(2026, 0, 1) }), { qos: 1 });
      await pub.endAsync();
      for (let i = 0; i < 200 && !got.includes(77); i++) await new Promise((r) => setTimeout(r, 50));
      expect(got).toContain(77);
    } finally {
      client.close();
    }
  });
});

describe.skipIf(inject('mqttMissing') !== null || inject('pgMissing') !== null)('a node that is alive but not ready', () => {
  let t: TestDb;
  let cluster: Cluster;
  let broker: ChildProcess | null = null;
  let brokerPort = 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-ready-'));
  beforeAll(async () => {
    t = await createTestDb('postgres');
    await insertLiveFixture(t.db, `rd-${randomBytes(4).toString('hex')}`);
    // Node a's own broker (a private mosquitto on a free port), so it alone can lose it.
    brokerPort = await freePort();
    fs.writeFileSync(path.join(dir, 'mosquitto.conf'), `listener ${brokerPort} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
    broker = spawn('/usr/sbin/mosquitto', ['-c', path.join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 500));
    cluster = await startCluster({ dbUrl: t.url!, mqttUrl: MQTT, mqttUrlOf: { a: `mqtt://127.0.0.1:${brokerPort}` } });
  });
  afterAll(async () => {
    if (broker && broker.exitCode === null) broker.kill('SIGKILL');
    await cluster?.stop();
    await t?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loses its broker: HAProxy takes it out and closes its sockets, clients move to the ready node', async () => {
    const clients = Array.from({ length: 4 }, () => {
      const statuses: LiveStatus[] = [];
      const c = new LiveClient({ url: `${cluster.url.replace(/^http/, 'ws')}/ws`, layers: ['energy'], socket: (u) => new WebSocket(u) as unknown as SocketLike,
        store: { apply() {} } as unknown as LiveStore });
      c.onStatus(() => statuses.push(c.status));
      return { c, statuses };
    });
    try {
      for (let i = 0; i < 200 && !clients.every((x) => x.c.status === 'live'); i++) await new Promise((r) => setTimeout(r, 50));
      const subs = async (url: string) => ((await (await fetch(`${url}/api/live/stats`)).json()) as { hub: { subscribers: number } }).hub.subscribers;
      const [onA0] = [await subs(cluster.nodes[0]!.url)];
      expect(onA0).toBeGreaterThan(0); // round robin put some on a
      const t0 = performance.now();
      broker!.kill('SIGKILL');
      for (let i = 0; i < 200 && (await cluster.serverStates()).a !== 'DOWN'; i++) await new Promise((r) => setTimeout(r, 50));
      const down = performance.now() - t0;
      expect((await cluster.serverStates()).a).toBe('DOWN');
      expect((await fetch(`${cluster.nodes[0]!.url}/api/health?ready=1`)).status).toBe(503); // alive, not ready
      for (let i = 0; i < 200 && !(clients.every((x) => x.c.status === 'live') && (await subs(cluster.nodes[1]!.url)) === clients.length); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const moved = performance.now() - t0;
      expect(await subs(cluster.nodes[0]!.url)).toBe(0);
      expect(await subs(cluster.nodes[1]!.url)).toBe(clients.length);
      console.log(`[readiness] node a lost its broker: marked DOWN after ${(down / 1000).toFixed(2)} s, its ${onA0} clients live on b after ${(moved / 1000).toFixed(2)} s`);
      for (const x of clients) expect(x.statuses).not.toContain('offline');
    } finally {
      for (const x of clients) x.c.close();
    }
  });
});
