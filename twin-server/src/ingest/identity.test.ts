/**
 * MQTT device identity (issue 21): on the embedded aedes broker and on a real mosquitto started
 * here on its own port with the generated password and ACL files, an anonymous or wrong-password
 * client is refused, a device publishes its own telemetry topic but not another device's, and
 * nobody but the twin server may subscribe to `#`. The CLI issues a credential and audits it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from './mqtt.ts';
import { MqttCredentials, SERVER_IDENTITY, withCredentials } from './identity.ts';
import { createLogger } from '../log.ts';
import { openDb } from '../db/index.ts';
import { startTestServer } from '../testing/server.ts';
import { healthModule } from '../modules/health.ts';
import { createLiveModule } from '../modules/live.ts';
import { dataDirOf } from '../backup/backup.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-mqtt-id-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Connects once (no retry); resolves the client or rejects with the CONNACK refusal. */
function connect(url: string, opts: { username?: string; password?: string } = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { ...opts, reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4, clientId: `t-${Math.random().toString(36).slice(2, 10)}` });
    c.once('connect', () => resolve(c));
    c.once('error', (err) => {
      c.end(true);
      reject(err);
    });
  });
}

/** Checks every rule against a broker at `url`: `pw` is dev-a's password, `serverPassword` the twin server's. */
async function checkRules(url: string, pw: string, pwB: string, serverPassword: string): Promise<number[]> {
  await expect(connect(url)).rejects.toThrow(/Bad username or password|Not authorized/i);
  await expect(connect(url, { username: 'dev-a', password: 'wrong-password' })).rejects.toThrow(/Bad username or password|Not authorized/i);
  await expect(connect(url, { username: 'nobody', password: pw })).rejects.toThrow(/Bad username or password|Not authorized/i);

  const server = await connect(url, { username: SERVER_IDENTITY, password: serverPassword });
  const got: string[] = [];
  server.on('message', (topic, payload) => got.push(`${topic} ${payload.toString()}`));
  const granted = await server.subscribeAsync('park/#', { qos: 1 });
  expect(granted[0]!.qos).toBe(1);

  const dev = await connect(url, { username: 'dev-a', password: pw });
  const leaked: string[] = [];
  dev.on('message', (topic) => leaked.push(topic));
  // A device may not read: `#`, `park/#` and another device's topic are refused (aedes: SUBACK 0x80)
  // or deliver nothing (mosquitto grants the filter and applies the read ACL to each message).
  const granted2: number[] = [];
  for (const filter of ['#', 'park/#', 'park/P1/temp/dev-b']) {
    const g = await dev.subscribeAsync(filter, { qos: 1 }).catch(() => [{ qos: 128 }]);
    granted2.push(g[0]!.qos);
  }
  const devB = await connect(url, { username: 'dev-b', password: pwB });
  await devB.publishAsync('park/P1/temp/dev-b', 'b', { qos: 1 });
  await dev.publishAsync('park/P1/temp/dev-a', 'own', { qos: 1 });
  await new Promise((r) => setTimeout(r, 500));
  expect(got.sort()).toEqual(['park/P1/temp/dev-a own', 'park/P1/temp/dev-b b']);
  expect(leaked).toEqual([]);
  await devB.endAsync(true);
  got.length = 0;
  await dev.endAsync(true);
  // Another device's topic, or outside park/: never delivered (aedes drops the connection, mosquitto the message).
  for (const topic of ['park/P1/temp/dev-b', 'elsewhere/x']) {
    const c = await connect(url, { username: 'dev-a', password: pw });
    c.publish(topic, 'forged', { qos: 1 });
    await new Promise((r) => setTimeout(r, 500));
    c.end(true);
  }
  expect(got).toEqual([]);
  await server.endAsync(true);
  return granted2;
}

describe('MQTT device identity', () => {
  let broker: EmbeddedBroker | undefined;
  let mosquitto: ChildProcess | undefined;
  afterAll(async () => {
    await broker?.close();
    mosquitto?.kill('SIGTERM');
  });

  it('on the embedded aedes broker: anonymous and wrong credentials refused, own topic only, no # for devices; refusals counted', async () => {
    const creds = new MqttCredentials(path.join(root, 'aedes'));
    broker = await startEmbeddedBroker(0, '127.0.0.1', { identity: creds, log: createLogger('silent') });
    const pw = creds.issue('dev-a');
    const pwB = creds.issue('dev-b');
    expect(await checkRules(broker.url, pw, pwB, creds.internal(SERVER_IDENTITY))).toEqual([128, 128, 128]);
    expect(broker.stats).toMatchObject({ loginsRefused: 3, subscribeDenied: 3, publishDenied: 2 });
    // Credentials in the URL (how the simulator and MQTT_URL carry them) are used.
    (await connect(withCredentials(broker.url, 'dev-a', pw))).end(true);
    // Revocation applies at once (the file is re-read when it changes).
    (await connect(broker.url, { username: 'dev-b', password: pwB })).end(true);
    creds.revoke('dev-b');
    await expect(connect(broker.url, { username: 'dev-b', password: pwB })).rejects.toThrow(/Bad username or password/);
  }, 60_000);

  it('on a real mosquitto with the generated password and ACL files', async () => {
    const dir = path.join(root, 'mosq');
    const creds = new MqttCredentials(dir);
    const serverPassword = creds.issue(SERVER_IDENTITY);
    const pw = creds.issue('dev-a');
    const pwB = creds.issue('dev-b');
    const port = await freePort();
    const conf = path.join(dir, 'mosquitto.conf');
    fs.writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous false\npassword_file ${creds.file}\nacl_file ${creds.aclFile}\npersistence false\n${process.getuid?.() === 0 ? 'user root\n' : ''}`);
    mosquitto = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    mosquitto.stderr!.on('data', (c: Buffer) => (log += c.toString()));
    for (let i = 0; i < 50; i++) {
      const up = await new Promise<boolean>((r) => {
        const sock = net.connect(port, '127.0.0.1');
        sock.once('connect', () => { sock.destroy(); r(true); });
        sock.once('error', () => r(false));
      });
      if (up) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await checkRules(`mqtt://127.0.0.1:${port}`, pw, pwB, serverPassword);
    expect(log).not.toMatch(/error/i);
  }, 60_000);

  it('a server with TWIN_MQTT_AUTH=on runs its embedded broker with identity: anonymous refused, an issued device ingested', async () => {
    const live = createLiveModule({ embeddedPort: 0 });
    const s = await startTestServer('pglite', { env: { TWIN_MQTT_AUTH: 'on' }, modules: [healthModule, live] });
    try {
      const url = live.runtime!.brokerUrl;
      await expect(connect(url)).rejects.toThrow(/Bad username or password/);
      const dataDir = dataDirOf(s.sc.config);
      const pw = new MqttCredentials(dataDir).issue('dev-srv');
      const c = await connect(url, { username: 'dev-srv', password: pw });
      await c.publishAsync('park/NOPARK/temp/dev-srv', '{"v":1}', { qos: 1 });
      c.end(true);
      expect(live.runtime!.mqtt!.stats).toMatchObject({ received: 1, loginsRefused: 1 });
    } finally {
      await s.stop();
    }
  }, 120_000);

  it('twin devices issue: prints the password once, stores only its hash, audited', async () => {
    const dataDir = path.join(root, 'cli');
    const r = await promisify(execFile)(process.execPath, [path.join(ROOT, 'twin-server/bin/twin.mjs'), 'devices', 'issue', 'meter-0042'], {
      cwd: ROOT, env: { ...process.env, TWIN_DATA_DIR: dataDir, DATABASE_URL: '', TWIN_AUDIT_KEY: '', TWIN_LOG_LEVEL: 'silent' }, timeout: 120_000,
    });
    const pw = /password (\S+)/.exec(r.stdout)![1]!;
    const file = fs.readFileSync(path.join(dataDir, 'mqtt-passwords'), 'utf8');
    expect(file).toMatch(/^meter-0042:\$7\$\d+\$/);
    expect(file).not.toContain(pw);
    expect(fs.statSync(path.join(dataDir, 'mqtt-passwords')).mode & 0o777).toBe(0o600);
    expect(new MqttCredentials(dataDir).check('meter-0042', pw)).toEqual({ name: 'meter-0042', kind: 'device' });
    const db = await openDb({ backend: 'pglite', dataDir });
    try {
      const a = await db.query<{ action: string; object: string }>("SELECT action, object FROM audit_log WHERE action LIKE 'mqtt.%'");
      expect(a.rows).toEqual([{ action: 'mqtt.credential.issued', object: 'mqtt:meter-0042' }]);
    } finally {
      await db.close();
    }
  }, 120_000);
});

