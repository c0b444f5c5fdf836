/**
 * Helpers for the durability tests: a database handle whose writes can be made to fail (an
 * outage at the Db interface, for the embedded PGlite), a throwaway PostgreSQL cluster that can
 * really be stopped and started, a QoS 1 device stream that records what its broker acknowledged,
 * and a logger that keeps its lines.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import type { Db } from '../db/types.ts';
import type { Logger } from '../log.ts';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A Db whose every query fails while `down` is set (what the writer sees when the server is gone). */
export interface FlakyDb extends Db {
  down: boolean;
}

/** Wraps `db`: while `down`, queries, statements and transactions fail as with a refused connection. */
export function flakyDb(db: Db): FlakyDb {
  const fail = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED (simulated database outage)'), { code: 'ECONNREFUSED' }));
  const f: FlakyDb = {
    ...db,
    down: false,
    query: (sql, params) => (f.down ? fail() : db.query(sql, params)),
    exec: (sql) => (f.down ? fail() : db.exec(sql)),
    transaction: (fn) => (f.down ? fail() : db.transaction(fn)),
  };
  return f;
}

/** A logger that keeps every line (parsed) with the time it was written. */
export function recordingLogger(level = 'info'): { log: Logger; lines: { at: number; level: number; msg: string; obj: Record<string, unknown> }[] } {
  const lines: { at: number; level: number; msg: string; obj: Record<string, unknown> }[] = [];
  const log = pino({ level }, {
    write(l: string) {
      const obj = JSON.parse(l) as Record<string, unknown>;
      lines.push({ at: Date.now(), level: obj.level as number, msg: String(obj.msg), obj });
    },
  });
  return { log, lines };
}

/** A free TCP port on 127.0.0.1 (free when asked; good enough for a test). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Where the PostgreSQL server binaries are (TWIN_TEST_PG_BIN, or Debian's PostgreSQL 15). */
export const PG_BIN = process.env.TWIN_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** A PostgreSQL cluster of this test's own, in a temp dir on its own port: stop it at will. */
export interface Cluster {
  readonly adminUrl: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * initdb + pg_ctl start in a temp dir (as the postgres user when running as root, since the
 * server refuses to run as root). Never touches the machine's shared server.
 */
export async function startCluster(): Promise<Cluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-pgcluster-'));
  const data = path.join(dir, 'data');
  const root = process.getuid?.() === 0;
  if (root) fs.chownSync(dir, ...(await pgIds()));
  const as = (bin: string, args: string[]) =>
    root ? run('runuser', ['-u', 'postgres', '--', path.join(PG_BIN, bin), ...args]) : run(path.join(PG_BIN, bin), args);
  const port = await freePort();
  await as('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40`;
  const start = async () => {
    await as('pg_ctl', ['-D', data, '-o', opts, '-l', path.join(dir, 'log'), '-w', '-t', '30', 'start']);
  };
  await start();
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    // Immediate: like a crash, every connection cut at once; the restart recovers from the WAL.
    stop: async () => { await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']); },
    start,
    async destroy() {
      await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function pgIds(): Promise<[number, number]> {
  const { stdout } = await run('id', ['-u', 'postgres']);
  const { stdout: g } = await run('id', ['-g', 'postgres']);
  return [Number(stdout.trim()), Number(g.trim())];
}

/** True when a throwaway cluster can be made here. */
export function clusterAvailable(): boolean {
  return fs.existsSync(path.join(PG_BIN, 'initdb')) && fs.existsSync(path.join(PG_BIN, 'pg_ctl'));
}

/** A device publishing a QoS 1 stream, counting what its broker acknowledged. */
export class Device {
  /** Distinct messages published. */
  published = 0;
  /** Distinct messages acknowledged. */
  acked = 0;
  /** Sends mqtt.js reported as failed (connection closed before it got them out): sent again, as a device app does. */
  resent = 0;
  readonly errors: string[] = [];
  private constructor(readonly client: MqttClient, readonly topic: string, private readonly t0: number) {}

  /**
   * Connects with mqtt.js as a device would: it keeps unacknowledged messages and sends them
   * again when it reconnects (every 200 ms while the broker is away).
   */
  static async connect(url: string, topic: string, clientId: string): Promise<Device> {
    const client = await mqtt.connectAsync(url, { clientId, clean: true, reconnectPeriod: 200, connectTimeout: 5000 });
    return new Device(client, topic, 1764000000000 + Math.floor(Math.random() * 1e9));
  }

  /** Publishes message `seq` (with its seq and ts: what identifies it). */
  publish(seq: number): void {
    this.published++;
    this.send(seq, 0);
  }

  private send(seq: number, attempt: number): void {
    this.client.publish(this.topic, JSON.stringify({ kw: seq % 50, seq, ts: this.t0 + seq }), { qos: 1 }, (err) => {
      if (!err) {
        this.acked++;
        return;
      }
      // mqtt.js failed messages it had queued behind a resend when the connection dropped again:
      // never acknowledged, so the device sends them again.
      if (attempt >= 50) this.errors.push(err.message);
      else {
        this.resent++;
        setTimeout(() => this.send(seq, attempt + 1), 100);
      }
    });
  }

  /** Publishes `n` messages at `perSecond`, calling `at(i)` before each (to stop the database mid-stream). */
  async stream(n: number, perSecond: number, at?: (i: number) => Promise<void> | void): Promise<void> {
    const start = Date.now();
    for (let i = 1; i <= n; i++) {
      await at?.(i);
      this.publish(i);
      const due = start + (i * 1000) / perSecond - Date.now();
      if (due > 0) await sleep(due);
    }
  }

  /** Waits until every published message is acknowledged. */
  async allAcked(ms: number): Promise<void> {
    for (const end = Date.now() + ms; this.acked + this.errors.length < this.published;) {
      if (Date.now() > end) throw new Error(`only ${this.acked} of ${this.published} acknowledged after ${ms} ms`);
      await sleep(50);
    }
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
