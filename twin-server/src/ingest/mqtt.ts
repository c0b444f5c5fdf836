/**
 * MQTT side of ingest: the embedded aedes broker (no MQTT_URL) and the subscriber that feeds
 * the pipeline from an external broker. Every node subscribes to the full topic tree (fan-out:
 * each node's WebSocket clients need every update); persistence is deduplicated in the database,
 * so two nodes on one broker write each message once.
 *
 * QoS 1 durability, external broker: the PUBACK for a message is held back until the batch
 * holding it has committed. mqtt.js sends PUBACK right after its message handler returns, so the
 * subscriber wraps the client's packet sender and delays exactly the PUBACK packets whose message
 * is still being written (in arrival order, as MQTT requires), while later packets keep flowing.
 * When a batch fails (or the writer's queue is full) the connection is dropped, so the broker
 * redelivers everything unacknowledged (persistent session: clean=false with a stable client id);
 * PUBACKs still queued from the dropped connection are discarded, never sent on the next one.
 *
 * QoS 1 durability, embedded broker: aedes acknowledges a device's PUBLISH before it hands the
 * message to any subscriber, from its in-memory queue, so a crash lost what it had acknowledged.
 * Instead the node ingests in the broker's authorizePublish hook, which aedes runs before it
 * writes the PUBACK: the hook calls back once the message's batch has committed (in arrival order
 * per device connection). A failed batch fails the hook, aedes drops the device's connection, and
 * the device sends its unacknowledged messages again when it reconnects.
 *
 * Throughput of QoS 1 is bounded by the broker's window of unacknowledged messages per client
 * divided by the commit time. MQTT 3.1.1 leaves that window to the broker (mosquitto: 20,
 * which holds ingest to a few hundred messages per second once every PUBACK waits for a
 * commit, and the broker drops what overflows its queue). So an external broker is spoken to in
 * MQTT 5 with a Receive Maximum of INGEST_RECEIVE_MAXIMUM, which mosquitto and EMQX honour (a
 * broker that refuses MQTT 5 gets 3.1.1 and a warning); the embedded aedes speaks 3.1.1 only.
 */
import net from 'node:net';
import tls from 'node:tls';
import mqtt, { type MqttClient, type IClientOptions } from 'mqtt';
import { Aedes } from 'aedes';
import type { Client as AedesClient, PublishPacket } from 'aedes';
import type { Logger } from '../log.ts';
import type { Ingest, IngestResult } from './pipeline.ts';
import { RateLimitedLog } from './ratelog.ts';
import { mayPublish, maySubscribe, type MqttCredentials, type MqttIdentity } from './identity.ts';
import { ensureSelfSigned, tlsFromEnv, TLS_CIPHERS } from '../auth/tls.ts';

/** Topic filter every node subscribes to. */
export const INGEST_TOPIC = 'park/+/+/+';

/** QoS 1 messages the broker may have in flight to a node (MQTT 5 Receive Maximum). */
export const INGEST_RECEIVE_MAXIMUM = 10_000;
/** Rejection marker: the broker refused MQTT 5 (the node retries with 3.1.1). */
const PROTOCOL_REFUSED = new Error('MQTT 5 refused');
/** How long the broker keeps a stable node's session (and its unacknowledged messages) after it disconnects. */
const SESSION_EXPIRY_SECONDS = 24 * 3600;

/** MQTT ingest counters. */
export interface MqttIngestStats {
  /** Messages handed to the pipeline. */
  received: number;
  /** Accepted QoS 1 messages acknowledged after their commit. */
  ackedAfterCommit: number;
  /** QoS 1 messages not acknowledged because they could not be stored (their sender sends them again). */
  ackWithheld: number;
  /** Embedded broker with device identity: connects refused (anonymous or wrong credentials). */
  loginsRefused?: number;
  /** ...publishes refused by the topic ACL (a device on another device's topic). */
  publishDenied?: number;
  /** ...subscriptions refused (only the twin server may subscribe). */
  subscribeDenied?: number;
  /** Embedded broker with MQTT over TLS: handshakes that failed (bad or missing certificate trust, plain MQTT on the TLS port, old protocol). */
  tlsHandshakeFailures?: number;
}

/** MQTT over TLS on the embedded broker: its own port, the server's certificate (auth/tls.ts). */
export interface EmbeddedBrokerTls {
  readonly port: number;
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly minVersion?: tls.SecureVersion;
  readonly ciphers?: string;
}

/**
 * MQTT over TLS for the embedded broker when TWIN_MQTTS_PORT is set: the HTTPS certificate
 * (TWIN_TLS_CERT/TWIN_TLS_KEY), or the self-signed one generated into the data folder (devices then
 * trust that file, `tls-cert.pem`). Undefined when the port is not set.
 */
export function embeddedBrokerTls(tlsPort: number | undefined, dataDir: string, warn: (m: string) => void, env: NodeJS.ProcessEnv = process.env): EmbeddedBrokerTls | undefined {
  if (tlsPort === undefined) return undefined;
  const configured = tlsFromEnv(env);
  const { cert, key } = configured ?? ensureSelfSigned(dataDir, warn);
  return { port: tlsPort, cert, key, minVersion: 'TLSv1.2', ciphers: TLS_CIPHERS };
}

/** A start-up fault the server reports by name and exits on (cli/serve.ts): which port, which dependency. */
export class StartupFault extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
    this.name = 'StartupFault';
  }
}

/** A URL without its password (for messages). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** Listens or fails with a StartupFault naming the port and the setting (EADDRINUSE used to leave the process hanging). */
function listenOrFault(server: net.Server, port: number, host: string, what: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'is already in use by another process' : err.code === 'EACCES' ? 'may not be opened by this user' : err.code === 'EADDRNOTAVAIL' ? 'is not an address of this machine' : `cannot be opened (${err.code ?? err.message})`;
      reject(new StartupFault(`${what}: ${host}:${port} ${why}`, err.code ?? 'LISTEN'));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** MQTT ingest of one node: the subscriber on an external broker, or the embedded broker's hook. */
export interface MqttIngest {
  /** The subscriber's client (external broker); null when ingest runs inside the embedded broker. */
  readonly client: MqttClient | null;
  readonly stats: MqttIngestStats;
  /** Publishes a message for the other nodes (QoS 1); this node does not ingest it again. */
  publish(topic: string, payload: string): void;
  close(): Promise<void>;
}

/** The subscriber on an external broker. */
export interface MqttSubscriber extends MqttIngest {
  readonly client: MqttClient;
}

/** A running in-process broker. */
export interface EmbeddedBroker {
  readonly url: string;
  /** The broker's own ingest, when started with one. */
  readonly ingest: MqttIngest | null;
  /** Ingest and (device identity on) refusal counters. */
  readonly stats: MqttIngestStats;
  /** `mqtts://host:port` when MQTT over TLS is on. */
  readonly tlsUrl: string | null;
  close(): Promise<void>;
}

/** Rejection of a message that could not be queued for storage (writer queue full): not acknowledged. */
const OVERLOADED = new Error('persistence backlog full');
const DONE: Promise<void> = Promise.resolve();

/** True for topics of the form park/+/+/+ (what a node subscribes to on an external broker). */
function ingestTopic(topic: string): boolean {
  if (!topic.startsWith('park/')) return false;
  let slashes = 0;
  for (let i = 0; i < topic.length; i++) if (topic.charCodeAt(i) === 47) slashes++;
  return slashes === 3;
}

/** What a QoS 1 message's acknowledgement waits for: its commit, nothing (refused), or never (overload). */
function ackWait(r: IngestResult): Promise<void> | null {
  if (r.ok) return r.durable;
  return r.reason === 'overload' ? null : DONE;
}

/**
 * Starts aedes on `host`:`port` (0 = ephemeral). With `ingest`, every message a client publishes
 * on park/+/+/+ is ingested before the broker acknowledges it (see the top of this file).
 */
export async function startEmbeddedBroker(port: number, host = '127.0.0.1', opts: { ingest?: Ingest; log?: Logger; identity?: MqttCredentials; tls?: EmbeddedBrokerTls } = {}): Promise<EmbeddedBroker> {
  const { ingest, log, identity } = opts;
  const stats: MqttIngestStats = {
    received: 0, ackedAfterCommit: 0, ackWithheld: 0,
    ...(identity ? { loginsRefused: 0, publishDenied: 0, subscribeDenied: 0 } : {}),
    ...(opts.tls ? { tlsHandshakeFailures: 0 } : {}),
  };
  /** Who each connection authenticated as (device identity on). */
  const who = new WeakMap<AedesClient, MqttIdentity>();
  const refusal = log && identity ? new RateLimitedLog(log, 'warn', 'mqtt refused') : null;
  const deny = (client: AedesClient | null, what: 'login' | 'publish' | 'subscribe', detail: Record<string, unknown>): Error => {
    if (what === 'login') stats.loginsRefused = (stats.loginsRefused ?? 0) + 1;
    else if (what === 'publish') stats.publishDenied = (stats.publishDenied ?? 0) + 1;
    else stats.subscribeDenied = (stats.subscribeDenied ?? 0) + 1;
    refusal?.hit({ what, client: client?.id, ...detail });
    return new Error(`${what} not authorized`);
  };
  /** Per device connection, the acknowledgement of its latest QoS 1 message (acks keep arrival order). */
  const chains = new WeakMap<AedesClient, Promise<void>>();
  const withheld = log ? new RateLimitedLog(log, 'warn', 'message not stored; PUBACK withheld, device connection dropped for a resend') : null;
  const aedes = await Aedes.createBroker({
    drainTimeout: 30_000,
    ...(identity ? {
      authenticate(client: AedesClient, username: string | undefined, password: Buffer | undefined, done: (err: (Error & { returnCode: number }) | null, ok: boolean | null) => void) {
        const id = identity.check(username, password);
        if (!id) {
          const err = Object.assign(deny(client, 'login', { username: username === undefined ? null : String(username).slice(0, 64), address: (client.conn as { remoteAddress?: string } | undefined)?.remoteAddress }), { returnCode: 4 });
          return done(err, false);
        }
        who.set(client, id);
        done(null, true);
      },
      authorizeSubscribe(client: AedesClient, sub: { topic: string; qos: number }, callback: (err: Error | null, sub?: { topic: string; qos: number } | null) => void) {
        const id = who.get(client);
        if (!id || !maySubscribe(id, sub.topic)) {
          deny(client, 'subscribe', { identity: id?.name, topic: sub.topic.slice(0, 200) });
          return callback(null, null); // SUBACK 0x80 for this filter; the connection stays
        }
        callback(null, sub);
      },
    } as unknown as NonNullable<Parameters<typeof Aedes.createBroker>[0]> : {}),
    authorizePublish(client, packet, callback) {
      if (packet.topic.startsWith('$SYS')) return callback(new Error('$SYS topic is reserved'));
      if (identity && client) {
        const id = who.get(client);
        if (!id || !mayPublish(id, packet.topic)) return callback(deny(client, 'publish', { identity: id?.name, topic: packet.topic.slice(0, 200) }));
      }
      if (!ingest || !client || !ingestTopic(packet.topic)) return callback(null);
      stats.received++;
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
      const r = ingest.handleMqtt(packet.topic, payload);
      if (packet.qos === 0) return callback(null);
      const wait = ackWait(r);
      const prev = chains.get(client) ?? DONE;
      const acked = wait ? prev.then(() => wait) : prev.then(() => Promise.reject(OVERLOADED));
      chains.set(client, acked);
      acked.then(() => {
        if (r.ok) stats.ackedAfterCommit++;
        callback(null);
      }, (err: unknown) => {
        stats.ackWithheld++;
        withheld?.hit({ err: String(err).slice(0, 300), client: client.id });
        callback(err instanceof Error ? err : new Error(String(err)));
      });
    },
  });
  const server = net.createServer(aedes.handle);
  let tlsServer: tls.Server | null = null;
  const tlsLog = log && opts.tls ? new RateLimitedLog(log, 'warn', 'mqtt tls handshake failed') : null;
  try {
    await listenOrFault(server, port, host, 'embedded MQTT broker (TWIN_MQTT_PORT, TWIN_MQTT_HOST)');
    if (opts.tls) {
      const t = opts.tls;
      tlsServer = tls.createServer({ cert: t.cert, key: t.key, minVersion: t.minVersion ?? 'TLSv1.2', ...(t.ciphers ? { ciphers: t.ciphers } : {}) }, aedes.handle);
      // A client that does not trust the certificate, speaks plain MQTT to this port or offers an old
      // protocol fails its handshake: counted (Y3) and logged a few times, not once per attempt.
      tlsServer.on('tlsClientError', (err: Error & { code?: string }, socket: tls.TLSSocket) => {
        stats.tlsHandshakeFailures = (stats.tlsHandshakeFailures ?? 0) + 1;
        tlsLog?.hit({ err: (err.code ?? err.message).slice(0, 200), address: socket.remoteAddress });
      });
      await listenOrFault(tlsServer, t.port, host, 'embedded MQTT over TLS (TWIN_MQTTS_PORT, TWIN_MQTT_HOST)');
    }
  } catch (err) {
    tlsLog?.close();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    throw err;
  }
  const actual = (server.address() as net.AddressInfo).port;
  const tlsPort = tlsServer ? (tlsServer.address() as net.AddressInfo).port : null;
  const own: MqttIngest | null = ingest
    ? {
      client: null,
      stats,
      publish(topic, payload) {
        const packet = { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false } as PublishPacket;
        aedes.publish(packet, () => {});
      },
      async close() {
        withheld?.close();
      },
    }
    : null;
  return {
    url: `mqtt://${host}:${actual}`,
    tlsUrl: tlsPort === null ? null : `mqtts://${host}:${tlsPort}`,
    ingest: own,
    stats,
    async close() {
      refusal?.close();
      tlsLog?.close();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (tlsServer) await new Promise<void>((resolve) => tlsServer!.close(() => resolve()));
    },
  };
}

type SendPacket = (packet: { cmd: string; messageId?: number }, cb?: (err?: Error) => void, ...rest: unknown[]) => void;

/**
 * Connects to `url`, subscribes to INGEST_TOPIC with QoS 1 and feeds every message to `ingest`.
 * `clientId` must be stable per node for redelivery after a crash; tests pass `clean: true`.
 * `mqtt5` is for external brokers (see the top of this file).
 */
export async function startMqttIngest(opts: {
  url: string; clientId: string; clean: boolean; mqtt5: boolean; ingest: Ingest; log: Logger;
  /** MQTT 5 session expiry of a persistent session (default 24 h). */
  sessionExpirySeconds?: number;
}): Promise<MqttSubscriber> {
  const options: IClientOptions = {
    clientId: opts.clientId,
    clean: opts.clean,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    // mqtt.js logs a dozen debug lines per packet; unless DEBUG asks for them, skip even the calls.
    ...(/mqttjs/.test(process.env.DEBUG ?? '') ? {} : { log: () => {} }),
    ...(opts.mqtt5
      ? { protocolVersion: 5, properties: { receiveMaximum: INGEST_RECEIVE_MAXIMUM, ...(opts.clean ? {} : { sessionExpiryInterval: opts.sessionExpirySeconds ?? SESSION_EXPIRY_SECONDS }) } }
      : { protocolVersion: 4 }),
    // Messages arriving before our subscription completes must not be acked by default handlers.
    resubscribe: true,
  };
  const client = mqtt.connect(opts.url, options);
  const stats: MqttIngestStats = { received: 0, ackedAfterCommit: 0, ackWithheld: 0 };
  /** What each QoS 1 message's PUBACK waits for (absent: refused, ack at once; null: never, overload). */
  const durable = new Map<number, Promise<void> | null>();
  let ackChain: Promise<unknown> = Promise.resolve();
  /** Connection number: a PUBACK queued on one connection is never sent on the next (the broker redelivers). */
  let connection = 0;
  client.on('close', () => connection++);
  const withheld = new RateLimitedLog(opts.log, 'warn', 'message not stored; PUBACK withheld, reconnecting for redelivery');
  const mqttError = new RateLimitedLog(opts.log, 'warn', 'mqtt error');

  /** PUBACKs queued behind a commit; while any are, every PUBACK queues (acks keep arrival order). */
  let acksQueued = 0;
  const internals = client as unknown as { _sendPacket: SendPacket };
  const send = internals._sendPacket.bind(client);
  internals._sendPacket = (packet, cb, ...rest) => {
    if (packet.cmd !== 'puback' || packet.messageId === undefined) return send(packet, cb, ...rest);
    const wait = durable.get(packet.messageId);
    if (wait === undefined && acksQueued === 0) return send(packet, cb, ...rest); // refused message: nothing to wait for
    durable.delete(packet.messageId);
    cb?.(); // let mqtt.js go on with the next packet now; the PUBACK itself follows the commit
    acksQueued++;
    const on = connection;
    ackChain = ackChain.then(() => (wait === null ? Promise.reject(OVERLOADED) : wait)).finally(() => acksQueued--).then(
      () => {
        if (on !== connection) return; // that connection is gone: the broker sends the message again
        if (wait) stats.ackedAfterCommit++;
        send(packet, undefined, ...rest);
      },
      (err: unknown) => {
        stats.ackWithheld++;
        withheld.hit({ err: String(err).slice(0, 300) });
        if (on === connection) client.stream?.destroy();
      },
    );
  };

  client.handleMessage = (packet, callback) => {
    stats.received++;
    const p = packet as { topic: string; payload: Buffer | string; qos: number; messageId?: number };
    const payload = typeof p.payload === 'string' ? Buffer.from(p.payload) : p.payload;
    const r = opts.ingest.handleMqtt(p.topic, payload);
    if (p.qos >= 1 && p.messageId !== undefined) {
      const wait = ackWait(r);
      if (wait !== DONE) durable.set(p.messageId, wait);
    }
    callback();
  };
  client.on('error', (err) => mqttError.hit({ err: err.message }));

  let lastError = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new StartupFault(`MQTT broker (MQTT_URL) ${redactUrl(opts.url)} did not accept the connection within 10 s${lastError ? ` (${lastError})` : ''}`, 'BROKER')), 10_000);
      client.on('error', (err) => (lastError = err.message.slice(0, 200)));
      client.on('error', (err: Error & { code?: number }) => {
        // CONNACK "unacceptable protocol version" (3.1.1: 1; MQTT 5: 0x84): a broker without MQTT 5.
        if (!opts.mqtt5 || (err.code !== 1 && err.code !== 0x84)) return;
        clearTimeout(t);
        reject(PROTOCOL_REFUSED);
      });
      client.once('connect', () => {
        client.subscribe(INGEST_TOPIC, { qos: 1 }, (err) => {
          clearTimeout(t);
          if (err) reject(err);
          else resolve();
        });
      });
    });
  } catch (err) {
    await client.endAsync(true);
    if (err !== PROTOCOL_REFUSED) throw err;
    opts.log.warn({ url: opts.url }, 'the broker does not speak MQTT 5: using 3.1.1, where its in-flight window bounds QoS 1 ingest');
    return startMqttIngest({ ...opts, mqtt5: false });
  }
  opts.log.info({ topic: INGEST_TOPIC }, 'mqtt ingest subscribed');
  return {
    client,
    stats,
    publish(topic, payload) {
      client.publish(topic, payload, { qos: 1 });
    },
    async close() {
      await ackChain.catch(() => {});
      await client.endAsync();
      withheld.close();
      mqttError.close();
    },
  };
}
