/**
 * Cluster test harness: HAProxy (the Debian package's /usr/sbin/haproxy) in front of N real
 * twin-server processes (test/cluster/node.ts), all on one PostgreSQL database and one MQTT
 * broker, on free loopback ports in a temp folder that `stop()` removes. Nodes can be killed
 * (SIGKILL) and started again; the generated haproxy.cfg is the deploy template's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { renderHaproxyConfig, type HaproxyOptions } from '../../deploy/haproxy/render.ts';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** One twin-server process of the cluster. */
export interface ClusterNode {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  child: ChildProcess | null;
  output: string;
}

/** A running cluster: HAProxy's address, its nodes, and control over both. */
export interface Cluster {
  /** http://127.0.0.1:<port> of HAProxy: the one address clients use. */
  readonly url: string;
  readonly nodes: readonly ClusterNode[];
  readonly dir: string;
  /** kill -9 the node's process; resolves when it is gone. */
  kill(name: string): Promise<void>;
  /** Starts a (killed) node again and waits until it listens. */
  start(name: string): Promise<void>;
  /** Resolves when HAProxy routes `/api/health?ready=1` with 200 (some node is ready). */
  ready(timeoutMs?: number): Promise<void>;
  /** HAProxy's stats (CSV of the stats page): server name -> status (UP, DOWN, ...). */
  serverStates(): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

async function waitFor(what: string, ms: number, fn: () => Promise<boolean> | boolean): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts `names.length` nodes on database `dbUrl` and broker `mqttUrl`, then HAProxy in front
 * (health checks every `haproxy.interMs`, default 500 ms in tests). Throws (after cleaning up) if
 * anything fails to come up.
 */
export async function startCluster(opts: {
  dbUrl: string; mqttUrl: string; names?: string[]; haproxy?: Partial<Pick<HaproxyOptions, 'interMs' | 'fall' | 'rise'>>;
  /** Nodes serve HTTPS with their generated self-signed certificates (TWIN_TLS=on); HAProxy verifies them. */
  tls?: boolean;
  /** A node's own broker instead of `mqttUrl` (readiness tests take one node's broker away). */
  mqttUrlOf?: Record<string, string>;
}): Promise<Cluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-cluster-'));
  const tag = randomBytes(3).toString('hex');
  const nodes: ClusterNode[] = [];
  for (const name of opts.names ?? ['a', 'b']) {
    const port = await freePort();
    nodes.push({ name, port, url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`, child: null, output: '' });
  }
  const front = await freePort();
  const statsPort = await freePort();
  let haproxy: ChildProcess | null = null;
  let haproxyOut = '';

  const startNode = async (n: ClusterNode): Promise<void> => {
    const tmp = path.join(dir, n.name);
    fs.mkdirSync(tmp, { recursive: true });
    n.output = '';
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/cluster/node.ts')], {
      cwd: ROOT,
      env: {
        ...process.env, CLUSTER_DB_URL: opts.dbUrl, MQTT_URL: opts.mqttUrlOf?.[n.name] ?? opts.mqttUrl, PORT: String(n.port), CLUSTER_TMP: tmp, CLUSTER_CLIENT_ID: `twin-cluster-${tag}-${n.name}`,
        // Keys and certificates a node writes go to its own folder, never the working tree's .twin-data.
        TWIN_DATA_DIR: path.join(tmp, 'data'), TWIN_TLS: opts.tls ? 'on' : 'off',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    n.child = child;
    child.stdout!.on('data', (d: Buffer) => (n.output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (n.output += d.toString()));
    let exited: number | null | undefined;
    child.once('exit', (code) => (exited = code));
    await waitFor(`node ${n.name} to listen`, 60_000, () => {
      if (exited !== undefined) throw new Error(`node ${n.name} exited with ${exited}:\n${n.output}`);
      return n.output.includes('ready http');
    });
  };

  const killNode = async (n: ClusterNode): Promise<void> => {
    const child = n.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await gone;
    n.child = null;
  };

  const byName = (name: string): ClusterNode => {
    const n = nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  };

  const cluster: Cluster = {
    url: `http://127.0.0.1:${front}`,
    nodes,
    dir,
    kill: (name) => killNode(byName(name)),
    start: (name) => startNode(byName(name)),
    async ready(timeoutMs = 30_000) {
      await waitFor('HAProxy to route to a ready node', timeoutMs, async () => {
        try {
          return (await fetch(`${cluster.url}/api/health?ready=1`)).status === 200;
        } catch {
          return false;
        }
      });
    },
    async serverStates() {
      const csv = await (await fetch(`http://127.0.0.1:${statsPort}/;csv`)).text();
      const out: Record<string, string> = {};
      for (const line of csv.split('\n')) {
        const f = line.split(',');
        if (f[0] === 'twin_nodes' && f[1] !== 'BACKEND' && f[1]) out[f[1]] = f[17] ?? '';
      }
      return out;
    },
    async stop() {
      if (haproxy && haproxy.exitCode === null) {
        const gone = new Promise<void>((resolve) => haproxy!.once('exit', () => resolve()));
        haproxy.kill('SIGTERM');
        await gone;
      }
      await Promise.all(nodes.map(async (n) => {
        const child = n.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await gone;
        clearTimeout(t);
      }));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };

  try {
    await Promise.all(nodes.map(startNode));
    const cfg = path.join(dir, 'haproxy.cfg');
    let nodeCaFile: string | undefined;
    if (opts.tls) {
      nodeCaFile = path.join(dir, 'nodes-ca.pem');
      fs.writeFileSync(nodeCaFile, nodes.map((n) => fs.readFileSync(path.join(dir, n.name, 'data', 'tls-cert.pem'), 'utf8')).join(''));
    }
    fs.writeFileSync(cfg, renderHaproxyConfig({
      nodes: nodes.map((n) => ({ name: n.name, host: '127.0.0.1', port: n.port })),
      bind: [`127.0.0.1:${front}`],
      stats: `127.0.0.1:${statsPort}`,
      interMs: opts.haproxy?.interMs ?? 500,
      maxconn: 2000,
      ...(nodeCaFile ? { nodeCaFile } : {}),
      ...(opts.haproxy?.fall ? { fall: opts.haproxy.fall } : {}),
      ...(opts.haproxy?.rise ? { rise: opts.haproxy.rise } : {}),
    }));
    // -db: foreground, no daemon; -W not needed (no reloads in tests).
    haproxy = spawn('/usr/sbin/haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
    haproxy.stdout!.on('data', (d: Buffer) => (haproxyOut += d.toString()));
    haproxy.stderr!.on('data', (d: Buffer) => (haproxyOut += d.toString()));
    haproxy.once('exit', (code) => {
      if (code !== 0 && code !== null) haproxyOut += `\nhaproxy exited with ${code}`;
    });
    await waitFor('every node UP in HAProxy', 30_000, async () => {
      if (haproxy!.exitCode !== null) throw new Error(`haproxy exited:\n${haproxyOut}`);
      try {
        const st = await cluster.serverStates();
        return nodes.every((n) => st[n.name] === 'UP');
      } catch {
        return false;
      }
    });
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
