/**
 * Live data module: broker (embedded aedes unless MQTT_URL), MQTT ingest with protocol adapters,
 * batched persistence, alarms, the /ws stream hub and the simulator. Routes: HTTP ingest, CSV
 * history import, alarm list / acknowledge / clear, layer metadata, live counters.
 */
import os from 'node:os';
import type http from 'node:http';
import { z } from 'zod';
import { LAYERS } from '@park-twin/layers';
import type { ServerContext } from '../context.ts';
import type { TwinModule } from './types.ts';
import type { RouteSpec } from '../http/route.ts';
import { authService, runningAuthService } from '../auth/index.ts';
import { addReadinessCheck, addTransportCounters } from './health.ts';
import { MqttCredentials, SERVER_IDENTITY, SIMULATOR_IDENTITY, withCredentials } from '../ingest/identity.ts';
import { dataDirOf } from '../backup/backup.ts';
import { Directory } from '../ingest/directory.ts';
import { loadProfiles } from '../ingest/adapters.ts';
import { Ingest, type RejectReason } from '../ingest/pipeline.ts';
import { ensurePartitions, TelemetryWriter, type WriterOptions } from '../ingest/writer.ts';
import { embeddedBrokerTls, startEmbeddedBroker, startMqttIngest, type EmbeddedBroker, type MqttIngest } from '../ingest/mqtt.ts';
import { importCsv } from '../ingest/csv.ts';
import { Hub, type HubOptions } from '../stream/hub.ts';
import { StreamServer, type StreamAuth, type StreamOptions } from '../stream/ws.ts';
import { startSimulator, type Simulator } from '../sim/simulator.ts';
import { onTilesetChanged } from '../tiler/index.ts';
import { onNotification } from '../kit/notifications/service.ts';
import { bodyOf, paramsOf, queryOf } from '../http/input.ts';
import { intIdParams } from '../http/schemas.ts';
import type { ErrorBody } from '../http/errors.ts';

/** Everything the module runs, exposed for tests and the bench. */
export interface LiveRuntime {
  readonly hub: Hub;
  readonly ingest: Ingest;
  readonly writer: TelemetryWriter;
  readonly directory: Directory;
  readonly brokerUrl: string;
  /** The broker URL with the twin server's own credential when device identity is on (modules/control). */
  readonly serverMqttUrl: string;
  mqtt: MqttIngest | null;
  stream: StreamServer | null;
  simulator: Simulator | null;
}

/** Test and bench knobs; production uses the defaults. */
export interface LiveOptions {
  /** Replaces the auth platform for the stream (tests before / without accounts). */
  readonly auth?: (sc: ServerContext) => StreamAuth;
  readonly hub?: Partial<HubOptions>;
  readonly stream?: Partial<StreamOptions>;
  readonly writer?: Partial<WriterOptions>;
  /** Embedded broker port override (tests use 0 for an ephemeral port). */
  readonly embeddedPort?: number;
  /** Skip MQTT entirely (HTTP-only tests). */
  readonly mqtt?: boolean;
  /**
   * A persistent session on the external broker for an ephemeral-port server (tests of
   * redelivery); without it such a server uses a clean session. Expiry in seconds.
   */
  readonly session?: { readonly clientId: string; readonly expirySeconds: number };
}

const httpMessage = z.object({
  park: z.string().min(1).max(64),
  layer: z.string().min(1).max(32),
  device: z.string().min(1).max(64),
  payload: z.unknown(),
}).strict();

const bilingual = z.object({ zh: z.string(), en: z.string() });
/** GET /api/live/layers: what the scene and the legends need of each layer. */
const layersSchema = z.array(z.object({
  name: z.string(), id: z.number().int(), title: bilingual, unit: bilingual, permission: z.string(),
  thresholds: z.record(z.string(), z.number()), domain: z.tuple([z.number(), z.number()]),
  legend: z.array(z.looseObject({})),
}));
/** Counters of one subsystem (numbers, or per-reason maps of numbers). */
const counters = z.record(z.string(), z.unknown());
const statsSchema = z.object({
  ingest: counters, writer: counters, hub: counters, stream: counters.nullable(), mqtt: counters.nullable(), simulator: counters.nullable(),
});
const telemetryBody = z.object({ messages: z.array(httpMessage).min(1).max(1000) }).strict();
const telemetryResult = z.object({
  accepted: z.number().int(),
  rejected: z.array(z.object({ i: z.number().int(), reason: z.string(), detail: z.string().optional() })),
});
const csvBody = z.object({ csv: z.string().min(1).max(8 * 1024 * 1024) }).strict();
const csvResult = z.object({
  imported: z.number().int(), rows: z.number().int(),
  errors: z.array(z.object({ line: z.number().int(), reason: z.string(), detail: z.string().optional() })),
});
const alarmsQuery = z.object({
  state: z.enum(['raised', 'acknowledged', 'cleared', 'open']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const time = z.string();
const alarmSchema = z.object({
  id: z.number().int(), idx: z.number().int(), object_kind: z.string().nullable(), object_name: z.string().nullable(),
  layer: z.string().nullable(), kind: z.string(), severity: z.number().int(), state: z.enum(['raised', 'acknowledged', 'cleared']),
  message: z.string(), device: z.string().nullable(), raised_at: time, acknowledged_at: time.nullable(), acknowledged_by: z.string().nullable(),
  cleared_at: time.nullable(), cleared_by: z.string().nullable(),
});
const alarmChange = z.object({ id: z.number().int(), idx: z.number().int(), kind: z.string(), state: z.enum(['acknowledged', 'cleared']) });

/**
 * Answers 503 "retry": the database could not store the telemetry (down, disk full), so nothing of
 * the request is acknowledged. Set directly, since the error middleware turns every thrown 5xx
 * into a 500; the writer has logged the failure already (rate-limited), so no line per request.
 */
function storageUnavailable(ctx: { status: number; body: unknown; state: { requestId: string }; set(field: string, value: string): void }): void {
  ctx.status = 503;
  ctx.set('Retry-After', '5');
  ctx.body = { error: { status: 503, message: 'telemetry could not be stored; retry', requestId: ctx.state.requestId } } satisfies ErrorBody;
}

const runtimes = new WeakMap<ServerContext, LiveRuntime>();

/** The live runtime of a server (ingest, hub, writer, stream), for modules that build on it (alarms). */
export function liveRuntimeOf(sc: ServerContext): LiveRuntime | undefined {
  return runtimes.get(sc);
}

/** Creates the live module; each server gets its own instance. */
export function createLiveModule(opts: LiveOptions = {}): TwinModule & { readonly runtime: LiveRuntime | null } {
  let rt: LiveRuntime | null = null;
  let broker: EmbeddedBroker | null = null;
  let identity: MqttCredentials | null = null;
  const timers: NodeJS.Timeout[] = [];
  let scRef: ServerContext | null = null;
  let stopTilesNotices = (): void => {};
  let stopNotificationPush = (): void => {};

  const need = (): LiveRuntime => {
    if (!rt) throw new Error('live module not initialized');
    return rt;
  };

  const refreshOpenAlarms = async (sc: ServerContext, ingest: Ingest) => {
    const r = await sc.db.query<{ idx: number; kind: string }>("SELECT idx, kind FROM alarm WHERE state <> 'cleared'");
    ingest.openAlarms.clear();
    for (const a of r.rows) ingest.openAlarms.add(`${a.idx}/${a.kind}`);
  };

  const routes = (sc: ServerContext): RouteSpec[] => [
    {
      method: 'GET', path: '/api/live/layers', permission: 'authenticated', summary: 'Live layers: ids, units, thresholds, legends',
      response: layersSchema,
      handler(ctx) {
        ctx.body = LAYERS.map((l) => ({ name: l.name, id: l.id, title: l.title, unit: l.unit, permission: l.permission, thresholds: l.thresholds, domain: l.domain, legend: l.legend }));
      },
    },
    {
      method: 'GET', path: '/api/live/stats', permission: 'system:read', summary: 'Ingest, persistence and stream counters',
      response: statsSchema,
      handler(ctx) {
        const r = need();
        ctx.body = { ingest: r.ingest.stats, writer: { ...r.writer.stats, backlog: r.writer.backlog }, hub: r.hub.stats, stream: r.stream?.stats ?? null, mqtt: r.mqtt?.stats ?? null, simulator: r.simulator?.stats ?? null };
      },
    },
    {
      method: 'POST', path: '/api/telemetry', permission: 'telemetry:write', summary: 'HTTP ingest: layer messages, answered after they are durable',
      body: telemetryBody, response: telemetryResult, errors: [422, 503],
      async handler(ctx) {
        const r = need();
        const { messages } = bodyOf(ctx, telemetryBody);
        const rejected: { i: number; reason: RejectReason; detail?: string }[] = [];
        const durable: Promise<void>[] = [];
        const republish: { topic: string; payload: Record<string, unknown> }[] = [];
        messages.forEach((m, i) => {
          const res = r.ingest.handle(m, m.payload, 'http');
          if (res.ok) {
            durable.push(res.durable);
            if (res.republish) republish.push(res.republish);
          } else rejected.push({ i, reason: res.reason, ...(res.detail ? { detail: res.detail } : {}) });
        });
        try {
          await Promise.all(durable);
        } catch {
          return storageUnavailable(ctx);
        }
        // The other nodes' clients need these too: publish them on the broker (this node drops
        // its own copy as a duplicate; the database keeps one row by (device, seq, ts)).
        for (const m of republish) r.mqtt?.publish(m.topic, JSON.stringify(m.payload));
        ctx.status = rejected.length === messages.length ? 422 : 200;
        ctx.body = { accepted: durable.length, rejected };
      },
    },
    {
      method: 'POST', path: '/api/telemetry/csv', permission: 'telemetry:write', summary: 'CSV history import (ts,park,layer,device,seq,<fields>)',
      body: csvBody, response: csvResult, errors: [422, 503],
      async handler(ctx) {
        const { csv } = bodyOf(ctx, csvBody);
        // The database refusing the partitions or a batch (down, disk full) acknowledges nothing of
        // this import; importing again is a no-op for what was stored.
        const res = await importCsv(sc.db, need().ingest, csv).catch(() => null);
        if (!res) return storageUnavailable(ctx);
        ctx.status = res.errors.length && res.imported === 0 ? 422 : 200;
        ctx.body = res;
      },
    },
    {
      method: 'GET', path: '/api/alarms', permission: 'alarm:read', summary: 'Alarms, newest first (state, limit)',
      query: alarmsQuery, response: z.array(alarmSchema),
      async handler(ctx) {
        const q = queryOf(ctx, alarmsQuery);
        const states = q.state === 'open' ? ['raised', 'acknowledged'] : q.state ? [q.state] : ['raised', 'acknowledged', 'cleared'];
        const r = await sc.db.query(
          `SELECT a.id, a.idx, o.kind AS object_kind, o.name AS object_name, a.layer, a.kind, a.severity, a.state, a.message, a.device,
                  a.raised_at, a.acknowledged_at, a.acknowledged_by, a.cleared_at, a.cleared_by
           FROM alarm a LEFT JOIN twin_object o ON o.idx = a.idx
           WHERE a.state = ANY($1::text[]) ORDER BY a.raised_at DESC, a.id DESC LIMIT $2`, [states, q.limit]);
        ctx.body = r.rows.map((row) => ({ ...row, layer: LAYERS.find((l) => l.id === row.layer)?.name ?? null }));
      },
    },
    ...(['acknowledge', 'clear'] as const).map((action): RouteSpec => ({
      method: 'POST', path: `/api/alarms/:id/${action}`, permission: 'alarm:write', summary: `${action} an alarm`,
      params: intIdParams, response: alarmChange, errors: [404, 409],
      async handler(ctx) {
        const id = { data: paramsOf(ctx, intIdParams).id };
        const p = ctx.state.principal;
        const who = p?.name ?? 'unknown';
        // Alarm handling is audited in the same transaction as the change (grade-2 audit of alarm actions).
        const auth = runningAuthService(sc);
        const actor = p ? { kind: p.kind, id: p.id, name: p.name } : { kind: 'system' as const, name: 'unknown' };
        const r = await sc.db.transaction(async (tx) => {
          const res = action === 'acknowledge'
            ? await tx.query(`UPDATE alarm SET state = 'acknowledged', acknowledged_at = now(), acknowledged_by = $2
                              WHERE id = $1 AND state = 'raised' RETURNING id, idx, kind, state`, [id.data, who])
            : await tx.query(`UPDATE alarm SET state = 'cleared', cleared_at = now(), cleared_by = $2
                              WHERE id = $1 AND state <> 'cleared' RETURNING id, idx, kind, state`, [id.data, who]);
          if (res.rows.length > 0 && auth) {
            await auth.auditIn(tx, { action: `alarm.${action}`, outcome: 'success', actor, object: `alarm:${id.data}`, source: ctx.ip, detail: { via: '/api/alarms' } });
          }
          return res;
        });
        const row = r.rows[0] as { idx: number; kind: string } | undefined;
        if (!row) {
          const exists = await sc.db.query('SELECT state FROM alarm WHERE id = $1', [id.data]);
          const status = exists.rows.length ? 409 : 404;
          const reason = exists.rows.length ? `alarm is already ${(exists.rows[0] as { state: string }).state}` : 'no such alarm';
          await auth?.audit({ action: `alarm.${action}`, outcome: 'failure', actor, object: `alarm:${id.data}`, source: ctx.ip, detail: { status, reason } });
          ctx.throw(status, reason);
        }
        if (action === 'clear') need().ingest.openAlarms.delete(`${row!.idx}/${row!.kind}`);
        ctx.body = r.rows[0];
      },
    })),
  ];

  return {
    name: 'live',
    get runtime() {
      return rt;
    },
    async initialize(sc) {
      scRef = sc;
      const hub = new Hub(opts.hub);
      const directory = new Directory(sc.db);
      const writer = new TelemetryWriter(sc.db, sc.log, opts.writer);
      const ingest = new Ingest(directory, hub, writer, sc.log);
      directory.onReload((d) => hub.setDirectory(d));
      await ensurePartitions(sc.db);
      await directory.reload();
      const loadP = async () => ingest.setProfiles(await loadProfiles(sc.db, (id, why) => sc.log.warn({ profile: id, why }, 'invalid device profile skipped')));
      await loadP();
      const state = await sc.db.query<{ idx: number; layer: number; value: number; status: number }>('SELECT idx, layer, value, status FROM live_state');
      hub.seed(state.rows);
      await refreshOpenAlarms(sc, ingest);

      let brokerUrl = sc.config.mqttUrl ?? '';
      if (opts.mqtt !== false && !sc.config.mqttUrl) {
        // An ephemeral HTTP port (tests, several servers at once) gets an ephemeral broker port too.
        // The embedded broker ingests what devices publish itself, acknowledging each QoS 1 message
        // only once it is stored (ingest/mqtt.ts).
        // Device identity (ingest/identity.ts): issued credentials and topic ACLs, on unless loopback-only.
        identity = sc.config.mqttAuth ? new MqttCredentials(dataDirOf(sc.config)) : null;
        const mqtts = embeddedBrokerTls(sc.config.embeddedMqttTlsPort, dataDirOf(sc.config), (m) => sc.log.warn(m));
        broker = await startEmbeddedBroker(opts.embeddedPort ?? (sc.config.port === 0 ? 0 : sc.config.embeddedMqttPort), sc.config.embeddedMqttHost, { ingest, log: sc.log, ...(identity ? { identity } : {}), ...(mqtts ? { tls: mqtts } : {}) });
        const counted = broker.stats;
        addTransportCounters(sc, 'mqtt', () => ({ loginsRefused: counted.loginsRefused, publishDenied: counted.publishDenied, subscribeDenied: counted.subscribeDenied, tlsHandshakeFailures: counted.tlsHandshakeFailures }));
        brokerUrl = broker.url;
        sc.log.info({ url: brokerUrl, ...(broker.tlsUrl ? { tlsUrl: broker.tlsUrl } : {}) }, 'embedded MQTT broker listening');
      }
      const serverMqttUrl = identity ? withCredentials(brokerUrl, SERVER_IDENTITY, identity.internal(SERVER_IDENTITY)) : brokerUrl;
      rt = { hub, ingest, writer, directory, brokerUrl, serverMqttUrl, mqtt: broker?.ingest ?? null, stream: null, simulator: null };
      runtimes.set(sc, rt);
      if (opts.mqtt !== false && !broker) {
        // A stable id per host and port gives a persistent session (redelivery after a crash);
        // ephemeral-port servers (tests) use a clean session instead.
        const stable = sc.config.port !== 0;
        rt.mqtt = await startMqttIngest({
          url: brokerUrl,
          clientId: opts.session?.clientId ?? (stable ? `twin-${os.hostname()}-${sc.config.port}`.slice(0, 64) : `twin-${process.pid}-${Math.random().toString(36).slice(2, 10)}`),
          clean: !stable && !opts.session,
          ...(opts.session ? { sessionExpirySeconds: opts.session.expirySeconds } : {}),
          mqtt5: Boolean(sc.config.mqttUrl),
          ingest,
          log: sc.log,
        });
      }
      const every = (ms: number, fn: () => Promise<unknown>) => {
        const t = setInterval(() => void fn().catch((err: unknown) => sc.log.warn({ err }, 'live refresh failed')), ms);
        t.unref();
        timers.push(t);
      };
      // Readiness (/api/health?ready=1): the node's subscriber is connected, or its embedded broker runs.
      if (opts.mqtt !== false) addReadinessCheck(sc, 'broker', () => (broker ? true : rt?.mqtt?.client?.connected === true));
      every(60_000, async () => { await directory.reload(); await loadP(); });
      every(10_000, () => refreshOpenAlarms(sc, ingest));
      every(3_600_000, () => ensurePartitions(sc.db));
      if (sc.config.simulator && opts.mqtt !== false) {
        // With device identity on, the simulator logs in with a process-local credential.
        const simUrl = identity ? withCredentials(brokerUrl, SIMULATOR_IDENTITY, identity.internal(SIMULATOR_IDENTITY)) : brokerUrl;
        rt.simulator = await startSimulator({ url: simUrl, db: sc.db, rate: 200, log: sc.log });
      }
    },
    routes,
    attach(server: http.Server, sc) {
      const auth: StreamAuth = opts.auth ? opts.auth(sc) : authService(sc);
      const stream = new StreamServer(server, need().hub, auth, sc.log, opts.stream);
      need().stream = stream; // closed in finalize, which the host runs while the HTTP server drains
      // Re-tiles reach connected scenes at once (they poll only slowly as a fallback).
      stopTilesNotices = onTilesetChanged(sc, (e) => stream.tilesChanged(e.park, e.version));
      stopNotificationPush = onNotification(sc, (userId, m) => void stream.sendToUser(userId, m));
    },
    async finalize() {
      for (const t of timers) clearInterval(t);
      timers.length = 0;
      stopTilesNotices();
      stopNotificationPush();
      const r = rt;
      if (!r) return;
      await r.simulator?.close();
      await r.stream?.close();
      await r.mqtt?.close();
      await r.writer.close();
      r.hub.close();
      await broker?.close();
      broker = null;
      rt = null;
      void scRef;
    },
  };
}
