/**
 * MQTT side of ingest: the embedded aedes broker (no MQTT_URL) and the subscriber that feeds
 * the pipeline. Every node subscribes to the full topic tree (fan-out: each node's WebSocket
 * clients need every update); persistence is deduplicated in the database, so two nodes on one
 * broker write each message once.
 *
 * QoS 1 durability: the PUBACK for a message is held back until the batch holding it has
 * committed. mqtt.js sends PUBACK right after its message handler returns, so the subscriber
 * wraps the client's packet sender and delays exactly the PUBACK packets whose message is still
 * being written (in arrival order, as MQTT requires), while later packets keep flowing. When a
 * batch fails the connection is dropped, so the broker redelivers everything unacknowledged
 * (persistent session: clean=false with a stable client id).
 *
 * Throughput of QoS 1 is bounded by the broker's window of unacknowledged messages per client
 * divided by the commit time. MQTT 3.1.1 leaves that window to the broker (mosquitto: 20,
 * which holds ingest to a few hundred messages per second once every PUBACK waits for a
 * commit, and the broker drops what overflows its queue). So an external broker is spoken to in
 * MQTT 5 with a Receive Maximum of INGEST_RECEIVE_MAXIMUM, which mosquitto and EMQX honour (a
 * broker that refuses MQTT 5 gets 3.1.1 and a warning); the embedded aedes speaks 3.1.1 only.
 */
import net from 'node:net';
import mqtt, { type MqttClient, type IClientOptions } from 'mqtt';
import { Aedes } from 'aedes';
import type { Logger } from '../log.ts';
import type { Ingest } from './pipeline.ts';

/** Topic filter every node subscribes to. */
export const INGEST_TOPIC = 'park/+/+/+';

/** QoS 1 messages the broker may have in flight to a node (MQTT 5 Receive Maximum). */
export const INGEST_RECEIVE_MAXIMUM = 10_000;
/** Rejection marker: the broker refused MQTT 5 (the node retries with 3.1.1). */
const PROTOCOL_REFUSED = new Error('MQTT 5 refused');
/** How long the broker keeps a stable node's session (and its unacknowledged messages) after it disconnects. */
const SESSION_EXPIRY_SECONDS = 24 * 3600;

/** A running in-process broker. */
export interface EmbeddedBroker {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts aedes on 127.0.0.1:`port` (0 = ephemeral). */
export async function startEmbeddedBroker(port: number, host = '127.0.0.1'): Promise<EmbeddedBroker> {
  const aedes = await Aedes.createBroker({ drainTimeout: 30_000 });
  const server = net.createServer(aedes.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as net.AddressInfo).port;
  return {
    url: `mqtt://${host}:${actual}`,
    async close() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type SendPacket = (packet: { cmd: string; messageId?: number }, cb?: (err?: Error) => void, ...rest: unknown[]) => void;

/** The subscriber with its counters. */
export interface MqttIngest {
  readonly client: MqttClient;
  readonly stats: { received: number; ackedAfterCommit: number; ackWithheld: number };
  close(): Promise<void>;
}

/**
 * Connects to `url`, subscribes to INGEST_TOPIC with QoS 1 and feeds every message to `ingest`.
 * `clientId` must be stable per node for redelivery after a crash; tests pass `clean: true`.
 * `mqtt5` is for external brokers (see the top of this file).
 */
export async function startMqttIngest(opts: { url: string; clientId: string; clean: boolean; mqtt5: boolean; ingest: Ingest; log: Logger }): Promise<MqttIngest> {
  const options: IClientOptions = {
    clientId: opts.clientId,
    clean: opts.clean,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    // mqtt.js logs a dozen debug lines per packet; unless DEBUG asks for them, skip even the calls.
    ...(/mqttjs/.test(process.env.DEBUG ?? '') ? {} : { log: () => {} }),
    ...(opts.mqtt5
      ? { protocolVersion: 5, properties: { receiveMaximum: INGEST_RECEIVE_MAXIMUM, ...(opts.clean ? {} : { sessionExpiryInterval: SESSION_EXPIRY_SECONDS }) } }
      : { protocolVersion: 4 }),
    // Messages arriving before our subscription completes must not be acked by default handlers.
    resubscribe: true,
  };
  const client = mqtt.connect(opts.url, options);
  const stats = { received: 0, ackedAfterCommit: 0, ackWithheld: 0 };
  const durable = new Map<number, Promise<void>>();
  let ackChain: Promise<unknown> = Promise.resolve();

  /** PUBACKs queued behind a commit; while any are, every PUBACK queues (acks keep arrival order). */
  let acksQueued = 0;
  const internals = client as unknown as { _sendPacket: SendPacket };
  const send = internals._sendPacket.bind(client);
  internals._sendPacket = (packet, cb, ...rest) => {
    if (packet.cmd !== 'puback' || packet.messageId === undefined) return send(packet, cb, ...rest);
    const wait = durable.get(packet.messageId);
    if (!wait && acksQueued === 0) return send(packet, cb, ...rest); // refused message: nothing to wait for
    durable.delete(packet.messageId);
    cb?.(); // let mqtt.js go on with the next packet now; the PUBACK itself follows the commit
    acksQueued++;
    ackChain = ackChain.then(() => wait).finally(() => acksQueued--).then(
      () => {
        if (wait) stats.ackedAfterCommit++;
        send(packet, undefined, ...rest);
      },
      (err: unknown) => {
        stats.ackWithheld++;
        opts.log.warn({ err: String(err) }, 'message not persisted; PUBACK withheld, reconnecting for redelivery');
        client.stream?.destroy();
      },
    );
  };

  client.handleMessage = (packet, callback) => {
    stats.received++;
    const p = packet as { topic: string; payload: Buffer | string; qos: number; messageId?: number };
    const payload = typeof p.payload === 'string' ? Buffer.from(p.payload) : p.payload;
    const r = opts.ingest.handleMqtt(p.topic, payload);
    if (r.ok && p.qos >= 1 && p.messageId !== undefined) durable.set(p.messageId, r.durable);
    callback();
  };
  client.on('error', (err) => opts.log.warn({ err: err.message }, 'mqtt error'));

  try {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`MQTT broker ${opts.url} did not answer within 10 s`)), 10_000);
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
    async close() {
      await ackChain.catch(() => {});
      await client.endAsync();
    },
  };
}
