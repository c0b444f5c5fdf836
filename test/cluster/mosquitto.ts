/**
 * A mosquitto of a drill's own: deploy/mosquitto/mosquitto.conf (the deployed settings) with its
 * paths and ports replaced, in a temp folder, on free loopback ports. Plain MQTT on `port`, MQTT over
 * TLS on `tlsPort` with a certificate made here (`caFile` to trust it).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort } from './harness.ts';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

export interface DrillBroker {
  readonly url: string;
  readonly tlsUrl: string;
  /** The broker's certificate (self-signed, CN/SAN 127.0.0.1 and localhost): what clients trust. */
  readonly caFile: string;
  log(): string;
  stop(): Promise<void>;
}

async function listening(port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); r(true); });
    s.once('error', () => r(false));
  });
}

/** The deployed configuration text for a test folder: same settings, local paths and ports. */
export function drillMosquittoConfig(opts: { dir: string; dataDir: string; port: number; tlsPort: number; cert: string; key: string }): string {
  const src = fs.readFileSync(path.join(ROOT, 'deploy/mosquitto/mosquitto.conf'), 'utf8');
  const out = src
    .replace(/^password_file .*$/m, `password_file ${path.join(opts.dataDir, 'mqtt-passwords')}`)
    .replace(/^acl_file .*$/m, `acl_file ${path.join(opts.dataDir, 'mqtt-acl')}`)
    .replace(/^listener 8883$/m, `listener ${opts.tlsPort} 127.0.0.1`)
    .replace(/^certfile .*$/m, `certfile ${opts.cert}`)
    .replace(/^keyfile .*$/m, `keyfile ${opts.key}`)
    .replace(/^listener 1883 127\.0\.0\.1$/m, `listener ${opts.port} 127.0.0.1`)
    .replace(/^persistence_location .*$/m, `persistence_location ${opts.dir}/`);
  for (const must of [opts.dataDir, String(opts.tlsPort), opts.cert, String(opts.port), opts.dir]) {
    if (!out.includes(must)) throw new Error(`deploy/mosquitto/mosquitto.conf changed shape: ${must} not placed`);
  }
  return `${out}log_dest file ${path.join(opts.dir, 'mosquitto.log')}\n${process.getuid?.() === 0 ? 'user root\n' : ''}`;
}

/** Starts mosquitto with the deployed settings; `dataDir` holds the platform's mqtt-passwords and mqtt-acl. */
export async function startDrillMosquitto(dir: string, dataDir: string): Promise<DrillBroker> {
  fs.mkdirSync(dir, { recursive: true });
  const cert = path.join(dir, 'broker.crt');
  const key = path.join(dir, 'broker.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-sha256', '-days', '30',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  const [port, tlsPort] = [await freePort(), await freePort()];
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(conf, drillMosquittoConfig({ dir, dataDir, port, tlsPort, cert, key }));
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (await listening(port) && await listening(tlsPort)) return;
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`mosquitto did not start:\n${fs.existsSync(path.join(dir, 'mosquitto.log')) ? fs.readFileSync(path.join(dir, 'mosquitto.log'), 'utf8') : ''}`);
  };
  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    tlsUrl: `mqtts://127.0.0.1:${tlsPort}`,
    caFile: cert,
    log: () => (fs.existsSync(path.join(dir, 'mosquitto.log')) ? fs.readFileSync(path.join(dir, 'mosquitto.log'), 'utf8') : ''),
    async stop() {
      const c = child as ChildProcess | null;
      if (!c || c.exitCode !== null) return;
      const gone = new Promise<void>((r) => c.once('exit', () => r()));
      c.kill('SIGTERM');
      await gone;
    },
  };
}
