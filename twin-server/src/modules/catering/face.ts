/**
 * Face checkout over MQTT (issue 19, L1): canteen terminals publish on
 * `park/<park>/catering/<terminal>/face` (five levels, so neither the telemetry subscription
 * `park/+/+/+` nor the security events `park/+/events/+/+` see them). The payload is an identity
 * id and an amount (orders.ts `faceEvent`, strict: no image); each event is handled once.
 * Refused events are logged (a terminal gets no answer over MQTT) and counted.
 */
import crypto from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { ServerContext } from '../../context.ts';
import type { Queryable } from '../../db/index.ts';
import { authService } from '../../auth/index.ts';
import { liveRuntimeOf } from '../live.ts';
import { Refusal } from './ledger.ts';
import { handleFace, type FaceOutcome } from './orders.ts';

export const FACE_FILTER = 'park/+/catering/+/face';
export const faceTopic = (park: string, terminal: string) => `park/${park}/catering/${terminal}/face`;

/** Audits one handled face event (charged or refused) in its transaction. */
export const auditFace = (sc: ServerContext, source: string | null) => (tx: Queryable, o: FaceOutcome) => authService(sc).auditIn(tx, {
  action: 'catering.face.checkout', outcome: o.outcome === 'charged' ? 'success' : 'failure', actor: { kind: 'device', id: `terminal:${o.terminal}`, name: o.terminal },
  object: o.cardId ? `meal_card:${o.cardId}` : `catering_terminal:${o.terminal}`, source, detail: { event: o.eventId, entry: o.entryId, reason: o.reason },
});

export class FaceRuntime {
  client: MqttClient | null = null;
  readonly stats = { events: 0, charged: 0, duplicates: 0, refused: 0 };
  private closed = false;
  constructor(private readonly sc: ServerContext, private readonly clock: () => number = Date.now) {}

  async start(): Promise<void> {
    const url = liveRuntimeOf(this.sc)?.serverMqttUrl;
    if (!url) {
      this.sc.log.info('catering: no MQTT broker; face checkout events come only over HTTP');
      return;
    }
    const client = await mqtt.connectAsync(url, {
      clientId: `twin-catering-${process.pid}-${crypto.randomBytes(4).toString('hex')}`, clean: true, reconnectPeriod: 1000, connectTimeout: 10_000, log: () => {},
    });
    client.on('message', (topic, payload) => void this.onMqtt(topic, payload));
    client.on('error', (err) => this.sc.log.warn({ err: err.message }, 'catering mqtt error'));
    await client.subscribeAsync(FACE_FILTER, { qos: 1 });
    this.client = client;
  }

  async stop(): Promise<void> {
    this.closed = true;
    await this.client?.endAsync();
    this.client = null;
  }

  private async onMqtt(topic: string, payload: Buffer): Promise<void> {
    const parts = topic.split('/');
    try {
      let body: unknown;
      try {
        body = JSON.parse(payload.toString('utf8'));
      } catch {
        throw new Refusal(422, 'the payload is not JSON');
      }
      await this.handle(parts[1]!, parts[3]!, body);
    } catch (err) {
      if (this.closed) return;
      if (err instanceof Refusal) this.sc.log.warn({ topic: topic.slice(0, 200), status: err.status, reason: err.message }, 'face checkout event refused');
      else this.sc.log.error({ err, topic: topic.slice(0, 200) }, 'face checkout event failed');
    }
  }

  /** One event (MQTT or HTTP); counts it. */
  async handle(parkCode: string | null, terminal: string, body: unknown, source: string | null = null): Promise<FaceOutcome> {
    this.stats.events++;
    try {
      const o = await handleFace(this.sc, parkCode, terminal, body, new Date(this.clock()), auditFace(this.sc, source));
      if (o.duplicate) this.stats.duplicates++;
      else if (o.outcome === 'charged') this.stats.charged++;
      else {
        this.stats.refused++;
        this.sc.log.info({ terminal, event: o.eventId, reason: o.reason }, 'face checkout not charged');
      }
      return o;
    } catch (err) {
      if (err instanceof Refusal) this.stats.refused++;
      throw err;
    }
  }
}

const runtimes = new WeakMap<ServerContext, FaceRuntime>();
export async function startFace(sc: ServerContext): Promise<FaceRuntime> {
  const rt = new FaceRuntime(sc);
  runtimes.set(sc, rt);
  try {
    await rt.start();
  } catch (err) {
    sc.log.warn({ err: (err as Error).message }, 'catering: face checkout subscriber did not start; events come only over HTTP');
  }
  return rt;
}
export const faceRuntimeOf = (sc: ServerContext): FaceRuntime | undefined => runtimes.get(sc);
export async function stopFace(sc: ServerContext): Promise<void> {
  const rt = runtimes.get(sc);
  runtimes.delete(sc);
  await rt?.stop();
}
