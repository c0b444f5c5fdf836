/**
 * Renders deploy/haproxy/haproxy.cfg.template for a list of twin-server nodes.
 *
 *   npx tsx deploy/haproxy/render.ts --bind '*:80' a=10.0.0.11:8080 b=10.0.0.12:8080 > /etc/haproxy/haproxy.cfg
 *
 * Options: --bind ADDR (repeatable; e.g. `*:443 ssl crt /etc/haproxy/twin.pem`), --stats ADDR (a
 * stats page, keep it on loopback), --inter MS, --fall N, --rise N, --log (to syslog /dev/log),
 * --node-tls CAFILE (the nodes serve HTTPS, as `twin serve` does beyond loopback: HAProxy speaks TLS
 * to them and checks their certificates against CAFILE, e.g. the nodes' certificates concatenated).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One twin-server node behind HAProxy. */
export interface HaproxyNode {
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

/** What the template needs; timing defaults are the tested ones (docs/failover.md). */
export interface HaproxyOptions {
  readonly nodes: readonly HaproxyNode[];
  /** `bind` lines' arguments, e.g. `127.0.0.1:8080` or `*:443 ssl crt /etc/haproxy/twin.pem`. */
  readonly bind: readonly string[];
  /** Address of a stats page (`127.0.0.1:8404`), or none. */
  readonly stats?: string;
  /** Health check interval (ms) while a node is up; default 1000. */
  readonly interMs?: number;
  /** Failed checks before a node is out; default 2. */
  readonly fall?: number;
  /** Good checks before a node is back; default 2. */
  readonly rise?: number;
  /** `syslog`: log to /dev/log; `stdout`: log to HAProxy's standard output; default none. */
  readonly log?: 'syslog' | 'stdout';
  readonly maxconn?: number;
  /**
   * The nodes serve HTTPS (TWIN_TLS auto/on beyond loopback): HAProxy connects, and checks, with TLS,
   * verifying their certificates against this CA file (the nodes' self-signed certificates concatenated
   * will do). Unset: plain HTTP to the nodes (`TWIN_TLS=off`, a private network only).
   */
  readonly nodeCaFile?: string;
}

const TEMPLATE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'haproxy.cfg.template');
const NAME = /^[A-Za-z0-9_.-]{1,32}$/;
const HOST = /^[A-Za-z0-9_.:[\]-]{1,253}$/;

/** Returns the haproxy.cfg text for `opts`; throws on a node name, host or port HAProxy would not take. */
export function renderHaproxyConfig(opts: HaproxyOptions): string {
  if (opts.nodes.length === 0) throw new Error('at least one node is needed');
  if (opts.bind.length === 0) throw new Error('at least one bind address is needed');
  const names = new Set<string>();
  for (const n of opts.nodes) {
    if (!NAME.test(n.name)) throw new Error(`bad node name: ${JSON.stringify(n.name)}`);
    if (names.has(n.name)) throw new Error(`duplicate node name: ${n.name}`);
    names.add(n.name);
    if (!HOST.test(n.host)) throw new Error(`bad host for node ${n.name}: ${JSON.stringify(n.host)}`);
    if (!Number.isInteger(n.port) || n.port < 1 || n.port > 65535) throw new Error(`bad port for node ${n.name}: ${n.port}`);
  }
  for (const b of [...opts.bind, opts.stats ?? '']) if (/[\n\r{}]/.test(b)) throw new Error(`bad address: ${JSON.stringify(b)}`);
  if (opts.nodeCaFile !== undefined && !/^\/[^\s{}]+$/.test(opts.nodeCaFile)) throw new Error(`node CA file must be an absolute path without spaces: ${JSON.stringify(opts.nodeCaFile)}`);
  const tls = opts.nodeCaFile ? ` ssl verify required ca-file ${opts.nodeCaFile}` : '';
  const inter = opts.interMs ?? 1000;
  const vars: Record<string, string> = {
    maxconn: String(opts.maxconn ?? 20000),
    log_global: opts.log === 'syslog' ? '    log /dev/log local0' : opts.log === 'stdout' ? '    log stdout format raw local0' : '    # no log target',
    log_defaults: opts.log ? '    log global\n    option  httplog' : '    # no logging (render with --log for syslog)',
    bind: opts.bind.join('\n    bind '),
    stats: opts.stats ? `\nfrontend stats\n    bind ${opts.stats}\n    stats enable\n    stats uri /\n    stats refresh 5s\n` : '',
    inter: `${inter}ms`,
    fastinter: `${Math.max(100, Math.round(inter / 2))}ms`,
    downinter: `${inter * 2}ms`,
    fall: String(opts.fall ?? 2),
    rise: String(opts.rise ?? 2),
    servers: opts.nodes.map((n) => `    server ${n.name} ${n.host.includes(':') && !n.host.startsWith('[') ? `[${n.host}]` : n.host}:${n.port} check${tls}`).join('\n'),
  };
  return fs.readFileSync(TEMPLATE, 'utf8').replace(/\{\{(\w+)\}\}/g, (_, k: string) => {
    const v = vars[k];
    if (v === undefined) throw new Error(`template variable without a value: ${k}`);
    return v;
  });
}

/** Command line: parses the arguments described at the top of this file and prints the config. */
function main(argv: string[]): void {
  const bind: string[] = [];
  const nodes: HaproxyNode[] = [];
  let stats: string | undefined;
  let interMs: number | undefined;
  let fall: number | undefined;
  let rise: number | undefined;
  let log: 'syslog' | undefined;
  let nodeCaFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--bind') bind.push(next());
    else if (a === '--stats') stats = next();
    else if (a === '--inter') interMs = Number(next());
    else if (a === '--fall') fall = Number(next());
    else if (a === '--rise') rise = Number(next());
    else if (a === '--log') log = 'syslog';
    else if (a === '--node-tls') nodeCaFile = next();
    else {
      const m = /^([^=]+)=(.+):(\d+)$/.exec(a);
      if (!m) throw new Error(`expected name=host:port, got ${JSON.stringify(a)}`);
      nodes.push({ name: m[1]!, host: m[2]!, port: Number(m[3]) });
    }
  }
  process.stdout.write(renderHaproxyConfig({
    nodes, bind: bind.length ? bind : ['*:80'],
    ...(stats ? { stats } : {}), ...(interMs ? { interMs } : {}), ...(fall ? { fall } : {}), ...(rise ? { rise } : {}), ...(log ? { log } : {}), ...(nodeCaFile ? { nodeCaFile } : {}),
  }));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`render: ${(err as Error).message}\n`);
    process.exit(2);
  }
}
