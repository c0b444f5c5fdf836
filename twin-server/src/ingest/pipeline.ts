/**
 * The ingest pipeline: topic + bytes -> validated layer message -> hub update + persistence.
 * Everything that can be wrong with a message (topic, park, device, JSON, schema, adapter
 * profile, duplicate, overload) is rejected with a counted reason and a rate-limited log line;
 * nothing here throws.
 */
import { layerByName, type AlarmKind, type AlarmSignal, type LayerContext, type LayerDef } from '@park-twin/layers';
import type { Logger } from '../log.ts';
import type { Hub } from '../stream/hub.ts';
import { convertBacnet, convertModbus, type Profile } from './adapters.ts';
import type { DeviceInfo, Directory, DirectoryData, ObjInfo } from './directory.ts';
import { RateLimitedLog } from './ratelog.ts';
import type { AlarmOp, TelemetryRow, TelemetryWriter } from './writer.ts';

/** Why a message was refused. */
export const REJECT_REASONS = [
  'bad-topic', 'unknown-park', 'unknown-layer', 'too-large', 'not-json', 'bad-payload', 'unknown-device', 'no-profile',
  'duplicate', 'overload',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Outcome of one message. `durable` settles when it is committed (QoS 1 acks wait on it). */
export type IngestResult =
  | {
    ok: true; idx: number; layer: number; durable: Promise<void>;
    /** For HTTP messages: the validated message with its seq and ts, to publish for the other nodes. */
    republish?: { topic: string; payload: Record<string, unknown> };
  }
  | { ok: false; reason: RejectReason; detail?: string };

/** An alarm verdict from the rules (modules/alarms): the signal plus the rule and its message parameters. */
export type RuleAlarmSignal = AlarmSignal & { readonly rule?: number; readonly params?: Readonly<Record<string, string | number>> };

/** Configurable alarm rules; when installed they decide alarms instead of the layers' built-in thresholds. */
export interface AlarmRules {
  /** Verdicts for one accepted live reading; `open` holds the open alarms as `idx/kind`. */
  evaluate(layer: LayerDef, target: number, dev: DeviceInfo | undefined, msg: unknown, ctx: LayerContext, open: ReadonlySet<string>): readonly RuleAlarmSignal[];
}

/** Largest payload accepted (bytes). */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

/** Counters per outcome. */
export interface IngestStats {
  accepted: number;
  rejected: Record<RejectReason, number>;
}

/** Where the message came from, for logs and counters. */
export type Source = 'mqtt' | 'http' | 'csv';

/** A message as the HTTP route and CSV import hand it in (already split from any topic). */
export interface RawMessage {
  readonly park: string;
  readonly layer: string;
  readonly device: string;
  readonly payload: unknown;
}

const DEVICE_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const BURST_KEEP = 64;
/** Stored (seq, ts) pairs remembered per device for dropping redeliveries. */
const SEQ_KEEP = 32;

/** The last SEQ_KEEP (seq, ts) pairs of one device, in a ring (no per-message allocation). */
interface SeqRing {
  readonly seq: Float64Array;
  readonly ts: Float64Array;
  next: number;
  size: number;
}

/** What a topic resolved to (a plain layer topic; adapter topics are converted per message). */
interface Route {
  readonly park: string;
  readonly deviceCode: string;
  /** `park/device`, the history key. */
  readonly device: string;
  readonly dev: DeviceInfo | undefined;
  readonly layer: LayerDef;
  readonly target: number;
  readonly obj: ObjInfo | undefined;
}

/** Topics remembered per directory snapshot; beyond this many the cache starts over. */
const MAX_ROUTES = 100_000;

/** Recent event times per key (target/kind), bounded per key and in keys. */
class BurstCounter {
  private readonly times = new Map<string, number[]>();

  /** Adds an event at `now` and returns how many fell within the last `windowMs`. */
  count(key: string, now: number, windowMs: number): number {
    let times = this.times.get(key);
    if (!times && this.times.size > 200_000) this.times.clear();
    if (!times) this.times.set(key, (times = []));
    times.push(now);
    while (times.length > 0 && (times[0]! < now - windowMs || times.length > BURST_KEEP)) times.shift();
    return times.length;
  }
}

/** What the layer hooks learn about one message's target (a class: no closures per message). */
class MessageContext implements LayerContext {
  private counted: Map<string, number> | undefined;

  constructor(
    private readonly bursts: BurstCounter,
    private readonly target: number,
    readonly kind: string,
    readonly type: string | undefined,
    readonly capacity: number | null,
    readonly now: number,
  ) {}

  /** Counted once per message, however many hooks ask (snapshot and alarms both do). */
  burst(k: string, windowMs: number): number {
    const mk = `${k}/${windowMs}`;
    let n = (this.counted ??= new Map()).get(mk);
    if (n === undefined) this.counted.set(mk, (n = this.bursts.count(`${this.target}/${k}`, this.now, windowMs)));
    return n;
  }
}

/** The pipeline; one per process, shared by MQTT, HTTP and CSV. */
export class Ingest {
  readonly stats: IngestStats = { accepted: 0, rejected: Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number> };
  /** Open alarms as this node knows them (idx/kind); refreshed from the database periodically. */
  readonly openAlarms = new Set<string>();
  /** Alarm rules (modules/alarms); null: the layers' built-in thresholds decide. */
  rules: AlarmRules | null = null;
  private profiles = new Map<string, Profile>();
  private readonly recentSeqs = new Map<string, SeqRing>();
  private readonly bursts = new BurstCounter();
  private localSeq = 0;
  private readonly httpSeqBase = Date.now() * 1000;
  private lastLog = 0;
  private suppressed = 0;
  /** Resolved MQTT topics of the directory snapshot `routesOf` (skips the split, lookups and checks per message). */
  private readonly routes = new Map<string, Route>();
  private routesOf: DirectoryData | null = null;
  private readonly reloadFailed: RateLimitedLog;

  constructor(
    private readonly dir: Directory,
    private readonly hub: Hub,
    private readonly writer: TelemetryWriter,
    private readonly log: Logger,
  ) {
    this.reloadFailed = new RateLimitedLog(log, 'warn', 'directory reload failed');
    // A message counts as seen only once it is stored: a redelivery of one whose batch failed
    // (database down, disk full) must be stored, not dropped as a duplicate.
    writer.onCommitted = (rows) => this.committed(rows);
    writer.onFailed = (_rows, alarms) => this.uncommitted(alarms);
  }

  /** Installs adapter profiles (loaded from device_profile). */
  setProfiles(p: Map<string, Profile>): void {
    this.profiles = p;
  }

  /** Handles one MQTT message on `park/<park>/<layer|modbus|bacnet>/<device>`. */
  handleMqtt(topic: string, payload: Uint8Array, receivedAt = Date.now()): IngestResult {
    const d = this.dir.current;
    if (this.routesOf !== d || this.routes.size > MAX_ROUTES) {
      this.routes.clear();
      this.routesOf = d;
    }
    const route = this.routes.get(topic);
    let parts: string[] | undefined;
    if (!route) {
      parts = topic.split('/');
      if (parts.length !== 4 || parts[0] !== 'park') return this.reject('bad-topic', 'mqtt', topic);
    }
    if (payload.byteLength > MAX_PAYLOAD_BYTES) return this.reject('too-large', 'mqtt', topic);
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
    } catch {
      return this.reject('not-json', 'mqtt', topic);
    }
    if (route) return this.accept(route, json, 'mqtt', receivedAt);
    return this.handle({ park: parts![1]!, layer: parts![2]!, device: parts![3]! }, json, 'mqtt', receivedAt, topic);
  }

  /** Handles one decoded message from any source (`topic`: remember what this MQTT topic resolves to). */
  handle(where: Omit<RawMessage, 'payload'>, json: unknown, source: Source, receivedAt = Date.now(), topic?: string): IngestResult {
    const d = this.dir.current;
    const parkIdx = d.parks.get(where.park);
    if (parkIdx === undefined) return this.miss('unknown-park', source, where.park);
    if (!DEVICE_RE.test(where.device)) return this.reject('bad-topic', source, where.device);

    let layer: LayerDef | undefined;
    let message: unknown = json;
    const dev = d.devices.get(`${parkIdx}/${where.device}`);
    const adapter = where.layer === 'modbus' || where.layer === 'bacnet';
    if (adapter) {
      if (!dev) return this.miss('unknown-device', source, where.device);
      const profile = this.profiles.get(`${where.layer}/${dev.type}`);
      if (!profile) return this.reject('no-profile', source, `${where.layer}/${dev.type}`);
      const c = profile.protocol === 'modbus' ? convertModbus(profile, json) : convertBacnet(profile, json);
      if (!c.ok) return this.reject('bad-payload', source, c.detail);
      layer = layerByName(c.layer);
      message = c.message;
    } else layer = layerByName(where.layer);
    if (!layer) return this.reject('unknown-layer', source, where.layer);

    // Resolve the twin object the message lands on.
    let target: number | undefined;
    if (layer.target === 'enterprise') target = d.enterprises.get(`${parkIdx}/${where.device}`);
    else if (dev) target = layer.target === 'room-of-equipment' ? (dev.roomIdx ?? dev.idx) : dev.idx;
    if (target === undefined) return this.miss('unknown-device', source, where.device);
    const route: Route = { park: where.park, deviceCode: where.device, device: `${where.park}/${where.device}`, dev, layer, target, obj: d.objects.get(target) };
    if (topic !== undefined && !adapter && this.routesOf === d) this.routes.set(topic, route);
    return this.accept(route, message, source, receivedAt);
  }

  /** Validates a message for its resolved target, then streams it, queues it for storage and decides alarms. */
  private accept(route: Route, message: unknown, source: Source, receivedAt: number): IngestResult {
    const history = source === 'csv';
    const { layer, target, dev, device, obj } = route;
    if (this.writer.full) return this.reject('overload', source, route.deviceCode);
    const parsed = layer.ingest.safeParse(message);
    if (!parsed.success) return this.reject('bad-payload', source, parsed.error.issues[0]?.message);
    const msg = parsed.data as { seq?: number; ts?: number | string };
    const ts = msg.ts === undefined ? receivedAt : typeof msg.ts === 'number' ? msg.ts : Date.parse(msg.ts);
    // Device seq when given. HTTP messages without one get a unique positive seq, since they are
    // republished to the other nodes with it; other sources a node-local negative counter.
    const seq = msg.seq ?? (source === 'http' ? this.httpSeqBase + ++this.localSeq : -++this.localSeq);
    // Only a stored message is a duplicate. One still being written is queued again (the database
    // keeps one row), so its redelivery is acknowledged only once a copy of it is stored.
    if (msg.seq !== undefined && this.stored(device, msg.seq, ts)) return this.reject('duplicate', source, device);

    const ctx = new MessageContext(this.bursts, target, obj?.kind ?? 'equipment', dev?.type, obj?.capacity ?? null, ts);
    const state = layer.snapshot(parsed.data, ctx);
    const alarms: AlarmOp[] = [];
    // History (CSV) is stored only: old rows must not repaint the live scene or raise alarms now.
    const signals: readonly RuleAlarmSignal[] = history ? [] : this.rules ? this.rules.evaluate(layer, target, dev, parsed.data, ctx, this.openAlarms) : layer.alarms?.(parsed.data, ctx) ?? [];
    for (const s of signals) {
      const key = `${target}/${s.kind}`;
      const open = this.openAlarms.has(key);
      if (s.active === open) continue;
      if (s.active) this.openAlarms.add(key);
      else this.openAlarms.delete(key);
      alarms.push({ op: s.active ? 'raise' : 'clear', idx: target, layer: layer.id, kind: s.kind as AlarmKind, severity: s.severity, message: s.message, device, ts, ...(s.rule ? { rule: s.rule, params: s.params } : {}) });
    }
    const durable = this.writer.enqueue({ ts, device, seq, idx: target, layer: layer.id, value: state.value, status: state.status, payload: parsed.data }, alarms);
    if (!history) this.hub.update(target, layer.id, state.value, state.status);
    if (alarms.length) this.hub.alarms(alarms);
    this.stats.accepted++;
    if (source !== 'http') return { ok: true, idx: target, layer: layer.id, durable };
    // Republished once stored, when this node has marked the pair as seen: its own copy comes back as a duplicate.
    const payload = { ...(parsed.data as Record<string, unknown>), seq, ts };
    return { ok: true, idx: target, layer: layer.id, durable, republish: { topic: `park/${route.park}/${layer.name}/${route.deviceCode}`, payload } };
  }

  /** The same (device, seq, ts) was stored lately through this node: a redelivery. */
  private stored(device: string, seq: number, ts: number): boolean {
    const ring = this.recentSeqs.get(device);
    if (!ring) return false;
    for (let i = 0; i < ring.size; i++) if (ring.seq[i] === seq && ring.ts[i] === ts) return true;
    return false;
  }

  /** Remembers the committed rows that carry a seq (device or HTTP; bounded per device and in devices). */
  private committed(rows: readonly TelemetryRow[]): void {
    for (const r of rows) {
      if (r.seq < 0 || this.stored(r.device, r.seq, r.ts)) continue;
      let ring = this.recentSeqs.get(r.device);
      if (!ring) {
        if (this.recentSeqs.size > 200_000) this.recentSeqs.clear(); // bounded even with many devices
        this.recentSeqs.set(r.device, (ring = { seq: new Float64Array(SEQ_KEEP), ts: new Float64Array(SEQ_KEEP), next: 0, size: 0 }));
      }
      ring.seq[ring.next] = r.seq;
      ring.ts[ring.next] = r.ts;
      ring.next = (ring.next + 1) % SEQ_KEEP;
      if (ring.size < SEQ_KEEP) ring.size++;
    }
  }

  /**
   * A batch failed: its alarm transitions are not stored, so this node's view of open alarms goes
   * back (latest first), and the redelivered messages decide them again.
   */
  private uncommitted(alarms: readonly AlarmOp[]): void {
    for (let i = alarms.length - 1; i >= 0; i--) {
      const a = alarms[i]!;
      if (a.op === 'raise') this.openAlarms.delete(`${a.idx}/${a.kind}`);
      else this.openAlarms.add(`${a.idx}/${a.kind}`);
    }
  }

  private miss(reason: RejectReason, source: Source, detail: string): IngestResult {
    // A device added since the last load should work after the next (rate-limited) reload.
    void this.dir.reloadAfterMiss().catch((err: unknown) => this.reloadFailed.hit({ err: String(err).slice(0, 300) }));
    return this.reject(reason, source, detail);
  }

  private reject(reason: RejectReason, source: Source, detail?: string): IngestResult {
    this.stats.rejected[reason]++;
    const now = Date.now();
    // At most one log line per second, with the number suppressed in between.
    if (now - this.lastLog >= 1000) {
      this.log.warn({ reason, source, detail: detail?.slice(0, 200), suppressed: this.suppressed }, 'ingest rejected a message');
      this.lastLog = now;
      this.suppressed = 0;
    } else this.suppressed++;
    return detail === undefined ? { ok: false, reason } : { ok: false, reason, detail };
  }

  /** Total rejected messages. */
  get rejectedTotal(): number {
    return Object.values(this.stats.rejected).reduce((a, b) => a + b, 0);
  }
}
