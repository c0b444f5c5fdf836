/**
 * Transport security drill (issue 21 must-show 6), a script:
 *
 *   npx tsx test/cluster/security-drill.ts
 *
 * A. The embedded broker with device identity and MQTT over TLS (a server in this process: production
 *    HTTP server over HTTPS, health and live modules, an open test guard so /api/health shows its
 *    counters): anonymous and wrong-password connects (plain and TLS) are refused, a client that does
 *    not trust the certificate and plain MQTT sent to the TLS port fail their handshakes, a device
 *    publishing on another device's topic is refused and nothing of it is stored, its own reading is;
 *    every refusal is counted in /api/health `transport` and logged.
 * B. mosquitto with the deployed settings (deploy/mosquitto/mosquitto.conf) and the platform's password
 *    file and ACL: the same connects refused over TLS, another device's topic not delivered to the server.
 * C. `twin serve` started beyond loopback (HOST=0.0.0.0) without certificates: generates a self-signed
 *    certificate with a warning naming its fingerprint, serves HTTPS, answers plain HTTP with a 308 to
 *    https://; the embedded broker beyond loopback (TWIN_MQTT_HOST=0.0.0.0) refuses anonymous clients.
 * Prints the figures; exits 1 when one is wrong.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { loadConfig } from '../../twin-server/src/config.ts';
import { createLogger } from '../../twin-server/src/log.ts';
import { startServer } from '../../twin-server/src/server.ts';
import { healthModule } from '../../twin-server/src/modules/health.ts';
import { createLiveModule } from '../../twin-server/src/modules/live.ts';
import { insertLiveFixture, openGuardModule, openStreamAuth } from '../../twin-server/src/stream/testing.ts';
import { openPglite } from '../../twin-server/src/db/pglite.ts';
import { migrate } from '../../twin-server/src/db/index.ts';
import { MqttCredentials, SERVER_IDENTITY, withCredentials } from '../../twin-server/src/ingest/identity.ts';
import { freePort } from './harness.ts';
import { startDrillMosquitto } from './mosquitto.ts';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let failed = false;
const check = (ok: boolean, what: string) => {
  console.log(`[security] ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failed = true;
};

/** One connect attempt: 'connected' (client returned), or the refusal / error text. */
function attempt(url: string, opts: IClientOptions = {}): Promise<{ client: MqttClient | null; outcome: string }> {
  return new Promise((resolve) => {
    const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4, clientId: `sd-${randomBytes(4).toString('hex')}`, ...opts });
    const done = (client: MqttClient | null, outcome: string) => {
      c.removeAllListeners('connect');
      c.removeAllListeners('error');
      c.on('error', () => {});
      if (!client) c.end(true);
      resolve({ client, outcome });
    };
    c.once('connect', () => done(c, 'connected'));
    c.once('error', (err) => done(null, err.message));
    c.once('close', () => done(null, 'closed'));
  });
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-security-drill-'));
try {
  // ---- A. embedded broker ----
  const dataDir = path.join(dir, 'data');
  const db = await openPglite({ dataDir });
  await migrate(db);
  const park = `sec${randomBytes(2).toString('hex')}`;
  await insertLiveFixture(db, park, 3, 121.5, 2);
  await db.close();
  const [httpPort, mqttPort, mqttsPort] = [await freePort(), await freePort(), await freePort()];
  const lines: string[] = [];
  const config = loadConfig({
    PORT: String(httpPort), HOST: '127.0.0.1', TWIN_DATA_DIR: dataDir, TWIN_TILESET_DIR: path.join(dir, 'tiles'),
    TWIN_MQTT_PORT: String(mqttPort), TWIN_MQTTS_PORT: String(mqttsPort), TWIN_MQTT_AUTH: 'on',
    TWIN_SEED_ON_START: '0', TWIN_SIMULATOR: '0', TWIN_LOG_LEVEL: 'warn',
  }, dir);
  process.env.TWIN_TLS = 'on';
  const pino = (await import('pino')).default;
  const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) }) as unknown as ReturnType<typeof createLogger>;
  const live = createLiveModule({ auth: () => openStreamAuth() });
  const s = await startServer(config, { log, modules: [healthModule, openGuardModule, live] });
  delete process.env.TWIN_TLS;
  const ca = fs.readFileSync(path.join(dataDir, 'tls-cert.pem'));
  const creds = new MqttCredentials(dataDir);
  const pw0 = creds.issue('PM-0');
  creds.issue('PM-1');
  const plain = `mqtt://127.0.0.1:${mqttPort}`;
  const secure = `mqtts://127.0.0.1:${mqttsPort}`;
  const health = async () => {
    const body = await new Promise<string>((resolve, reject) => {
      https.get(`https://127.0.0.1:${httpPort}/api/health`, { ca, headers: { Authorization: 'Bearer drill' } }, (res) => {
        let b = '';
        res.on('data', (d: Buffer) => (b += d.toString()));
        res.on('end', () => resolve(b));
      }).on('error', reject);
    });
    return JSON.parse(body) as { transport?: Record<string, Record<string, number>> };
  };

  const refused: string[] = [];
  for (const [name, url, opts] of [
    ['anonymous, plain', plain, {}],
    ['wrong password, plain', plain, { username: 'PM-0', password: 'not-the-password' }],
    ['unknown device, plain', plain, { username: 'PM-9', password: pw0 }],
    ['anonymous, TLS', secure, { ca }],
    ['wrong password, TLS', secure, { ca, username: 'PM-0', password: 'not-the-password' }],
  ] as [string, string, IClientOptions][]) {
    const r = await attempt(url, opts);
    refused.push(`${name}: ${r.outcome}`);
    if (r.client) {
      r.client.end(true);
      check(false, `${name} was accepted`);
    }
  }
  check(refused.every((x) => /Not authorized|Bad username/i.test(x)), `5 connects refused with CONNACK: ${refused.join('; ')}`);
  const untrusted = await attempt(secure, { username: 'PM-0', password: pw0, rejectUnauthorized: true });
  const plainOnTls = await attempt(`mqtt://127.0.0.1:${mqttsPort}`, { username: 'PM-0', password: pw0, connectTimeout: 2000 });
  check(!untrusted.client && !plainOnTls.client, `TLS: a client without the CA fails (${untrusted.outcome}); plain MQTT on the TLS port fails (${plainOnTls.outcome})`);

  const dev = await attempt(secure, { ca, username: 'PM-0', password: pw0 });
  check(dev.client !== null, `device PM-0 with its issued credential over TLS: ${dev.outcome}`);
  await dev.client!.publishAsync(`park/${park}/energy/PM-0`, JSON.stringify({ kw: 11, seq: 1, ts: Date.UTC(2026, 0, 1) }), { qos: 1 });
  const sub = await dev.client!.subscribeAsync('#', { qos: 1 }).then((g) => g[0]!.qos, () => 128);
  // Another device's topic: the broker refuses the publish and drops the connection.
  const closed = new Promise<void>((r) => dev.client!.once('close', () => r()));
  dev.client!.publish(`park/${park}/energy/PM-1`, JSON.stringify({ kw: 99, seq: 2, ts: Date.UTC(2026, 0, 1, 0, 1) }), { qos: 1 }, () => {});
  await Promise.race([closed, sleep(5000)]);
  dev.client!.end(true);
  // An HTTPS client that does not trust the certificate.
  await new Promise<void>((resolve) => https.get(`https://127.0.0.1:${httpPort}/api/health`, () => resolve()).on('error', () => resolve()));
  await sleep(1500);
  const rows = await s.sc.db.query<{ device: string; n: number }>('SELECT device, count(*)::int AS n FROM telemetry GROUP BY device ORDER BY device');
  const stored = Object.fromEntries(rows.rows.map((r) => [r.device, r.n]));
  check(stored[`${park}/PM-0`] === 1 && !stored[`${park}/PM-1`], `stored: own reading ${stored[`${park}/PM-0`] ?? 0}, reading on PM-1's topic ${stored[`${park}/PM-1`] ?? 0}; '#' subscription granted qos ${sub} (128 = refused)`);
  const h = await health();
  if (!h.transport) console.log(`[security] /api/health said ${JSON.stringify(h).slice(0, 500)}`);
  const m = h.transport?.mqtt ?? {};
  const t = h.transport?.https ?? {};
  check(m.loginsRefused === 5 && m.publishDenied === 1 && m.subscribeDenied === 1 && (m.tlsHandshakeFailures ?? 0) >= 2 && (t.tlsHandshakeFailures ?? 0) >= 1,
    `/api/health transport: mqtt ${JSON.stringify(m)}, https ${JSON.stringify(t)}`);
  const logged = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
  check(['mqtt refused', 'mqtt tls handshake failed', 'https tls handshake failed'].every((x) => logged.includes(x)), `logged (rate-limited): ${[...new Set(logged)].join(', ')}`);
  await s.close();

  // ---- B. mosquitto with the deployed settings and the platform's files ----
  const mqDir = path.join(dir, 'mq-creds');
  const mqCreds = new MqttCredentials(mqDir);
  const spw = mqCreds.issue(SERVER_IDENTITY);
  const mpw0 = mqCreds.issue('PM-0');
  mqCreds.issue('PM-1');
  const broker = await startDrillMosquitto(path.join(dir, 'mosquitto'), mqDir);
  const mca = fs.readFileSync(broker.caFile);
  try {
    const outcomes: string[] = [];
    for (const opts of [{ ca: mca }, { ca: mca, username: 'PM-0', password: 'not-the-password' }] as IClientOptions[]) {
      const r = await attempt(broker.tlsUrl, opts);
      outcomes.push(r.outcome);
      r.client?.end(true);
    }
    const noCa = await attempt(broker.tlsUrl, { username: 'PM-0', password: mpw0 });
    check(outcomes.every((o) => /Not authorized|Bad username/i.test(o)) && !noCa.client, `mosquitto over TLS: anonymous (${outcomes[0]}), wrong password (${outcomes[1]}), untrusted certificate (${noCa.outcome})`);
    const server = (await attempt(withCredentials(broker.tlsUrl, SERVER_IDENTITY, spw), { ca: mca })).client!;
    const got: string[] = [];
    server.on('message', (topic) => got.push(topic));
    await server.subscribeAsync('park/#', { qos: 1 });
    const d = (await attempt(broker.tlsUrl, { ca: mca, username: 'PM-0', password: mpw0 })).client!;
    await d.publishAsync('park/P/energy/PM-1', 'x', { qos: 1 }).catch(() => {});
    await d.publishAsync('park/P/energy/PM-0', 'y', { qos: 1 });
    await sleep(500);
    d.end(true);
    server.end(true);
    const loginRefusals = (broker.log().match(/not authori[sz]ed/gi) ?? []).length;
    check(got.join(',') === 'park/P/energy/PM-0', `mosquitto delivered to the server only the device's own topic (${got.join(', ')}); refused logins in its log: ${loginRefusals}`);
  } finally {
    await broker.stop();
  }

  // ---- C. twin serve beyond loopback without certificates ----
  const port = await freePort();
  const mport = await freePort();
  const data2 = path.join(dir, 'data2');
  const env: NodeJS.ProcessEnv = { ...process.env, HOST: '0.0.0.0', PORT: String(port), TWIN_MQTT_PORT: String(mport), TWIN_MQTT_HOST: '0.0.0.0', TWIN_DATA_DIR: data2, TWIN_TILESET_DIR: path.join(dir, 'tiles2'),
    TWIN_SEED_ON_START: '0', TWIN_SIMULATOR: '0', TWIN_LOG_LEVEL: 'warn', TWIN_ADMIN_PASSWORD: '' };
  for (const k of ['TWIN_TLS', 'TWIN_TLS_CERT', 'TWIN_TLS_KEY', 'DATABASE_URL', 'MQTT_URL']) delete env[k];
  const child = spawn(process.execPath, [path.join(ROOT, 'twin-server/bin/twin.mjs'), 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  try {
    for (let i = 0; i < 1200 && !/Park Twin is running/.test(out) && child.exitCode === null; i++) await sleep(100);
    const warned = /generated a self-signed one .*SHA-256 ([0-9A-F:]{20,})/.exec(out);
    const cert = fs.readFileSync(path.join(data2, 'tls-cert.pem'));
    const status = await new Promise<number>((resolve, reject) => https.get(`https://127.0.0.1:${port}/api/health`, { ca: cert }, (r) => { r.resume(); resolve(r.statusCode ?? 0); }).on('error', reject));
    const redirect = await new Promise<string>((resolve, reject) => http.get(`http://127.0.0.1:${port}/twin?x=1`, (r) => { r.resume(); resolve(`${r.statusCode} ${r.headers.location}`); }).on('error', reject));
    const anon = await attempt(`mqtt://127.0.0.1:${mport}`);
    anon.client?.end(true);
    check(Boolean(warned) && status === 200 && redirect === `308 https://127.0.0.1:${port}/twin?x=1` && !anon.client,
      `HOST=0.0.0.0 without certificates: ${warned ? `warning with fingerprint ${warned[1]!.slice(0, 23)}...` : 'NO warning'}; HTTPS /api/health ${status}; plain HTTP -> ${redirect}; anonymous MQTT on 0.0.0.0: ${anon.outcome}`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
  }
} catch (err) {
  failed = true;
  console.error('[security] drill failed:', err);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log(`[security] ${failed ? 'FAILED' : 'passed'}`);
process.exit(failed ? 1 : 0);
