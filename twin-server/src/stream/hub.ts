/**
 * The stream hub's core, independent of sockets: the latest state per (idx, layer), roll-ups up
 * the object tree, numbered delta batches, a bounded replay buffer, and per-subscriber delivery
 * with conflation when a subscriber cannot keep up. ws.ts plugs WebSockets into it.
 */
import { randomInt } from 'node:crypto';
import {
  encodeFrame, FRAME, FRAME_FLAGS, LAYER_IDS, LAYERS, STATUS, type Area, type LayerDef, type StateRecord, type StatusCode,
} from '@park-twin/layers';
import type { DirectoryData, ObjInfo } from '../ingest/directory.ts';
import type { AlarmOp } from '../ingest/writer.ts';

/** Limits; tests shrink them. */
export interface HubOptions {
  /**
   * Longest an update waits for its batch (ms). Batching is adaptive: while flushes fit in their
   * share of the event loop (flushShare, with a burst allowance of burstMs), a batch goes out on
   * the next turn of the event loop, so a quiet or moderate stream is not padded by a timer; when
   * flushing every turn would take more than that share, flushes wait for their budget, up to
   * this, and batches grow instead.
   */
  readonly flushMs: number;
  /** Shortest gap between the end of one flush and the next (ms): bounds the frame rate per client. */
  readonly minGapMs: number;
  /**
   * Largest share of the event loop flushes may take on average (a token bucket of flush time:
   * it fills at this many ms per ms of wall time and each flush spends the CPU time it used).
   */
  readonly flushShare: number;
  /** The bucket's size (ms of flush time): how much flushing may run ahead of the average. */
  readonly burstMs: number;
  /** The replay buffer holds at most this many records across its batches. */
  readonly replayRecords: number;
  /** A subscriber whose socket buffer is above this many bytes gets conflated updates. */
  readonly highWaterBytes: number;
  /** ...until it drains below this. */
  readonly lowWaterBytes: number;
  /** Conflation keeps at most this many (idx, layer) entries per subscriber; beyond, a snapshot. */
  readonly maxPending: number;
  /** Records per snapshot frame. */
  readonly snapshotChunk: number;
  /**
   * A resume from another hub run (another node, after a failover) replays this run's batches
   * emitted since `resume.since` minus this margin (ms): clock skew between nodes and the
   * difference in when each node got a broker message. The overlap arrives twice; consumers that
   * count updates dedupe by their own sequence, state consumers just apply it again.
   */
  readonly crossResumeMarginMs: number;
}

export const DEFAULT_HUB_OPTIONS: HubOptions = {
  flushMs: 20,
  minGapMs: 0,
  flushShare: 0.4,
  burstMs: 5,
  replayRecords: 200_000,
  highWaterBytes: 512 * 1024,
  lowWaterBytes: 64 * 1024,
  maxPending: 100_000,
  snapshotChunk: 50_000,
  crossResumeMarginMs: 2000,
};

/** What the hub needs from a connection. */
export interface Sink {
  /** Bytes queued but not yet written to the network. */
  bufferedAmount(): number;
  send(frame: Uint8Array): void;
}

/** One subscriber's state in the hub. */
export interface Subscriber {
  readonly sink: Sink;
  layerMask: number;
  area: Area | undefined;
  /** Subscribers with equal keys share encoded frames. */
  key: string;
  /**
   * Enterprise users see only their own enterprise's economy records (no park roll-up either) and,
   * of the other layers, only the rooms their enterprise leases and the equipment in them.
   */
  enterpriseIdx: number | undefined;
  conflating: boolean;
  readonly pending: Map<number, StateRecord>;
  needSnapshot: boolean;
}

/** Counters, for /api/live/stats, tests and the bench. */
export interface HubStats {
  seq: number;
  batches: number;
  records: number;
  framesSent: number;
  bytesSent: number;
  snapshots: number;
  resumes: number;
  /** Resumes from another hub run (failover to this node) served from the replay buffer by time. */
  crossResumes: number;
  conflatedRecords: number;
  conflatedFrames: number;
  pendingOverflows: number;
  subscribers: number;
  maxPendingSeen: number;
}

/** Where a reconnecting subscriber left off: its hub run, last seq and (optionally) the server time of its last frame. */
export interface ResumePoint {
  readonly epoch: number;
  readonly seq: number;
  readonly since?: number;
}

interface Batch {
  readonly seq: number;
  /** Date.now() when the batch was emitted (cross-node resume). */
  readonly at: number;
  readonly records: StateRecord[];
  /** Encoded frames per subscription key, built lazily (most keys share one). */
  readonly frames: Map<string, Uint8Array | null>;
}

interface Agg {
  sum: number;
  /** Children per status code (0..3). */
  counts: [number, number, number, number];
}

const key = (idx: number, layer: number) => idx * 256 + layer;
const WORST_ORDER: StatusCode[] = [STATUS.alarm, STATUS.offline, STATUS.warning, STATUS.normal];

/** The hub. One per server process; `epoch` tells its run apart from restarts and other nodes. */
export class Hub {
  readonly epoch: number = randomInt(1, 0xffffffff);
  /** Date.now() when this run started: it has every batch since (as far as its replay buffer reaches). */
  readonly startedAt = Date.now();
  readonly opts: HubOptions;
  readonly stats: HubStats = {
    seq: 0, batches: 0, records: 0, framesSent: 0, bytesSent: 0, snapshots: 0, resumes: 0, crossResumes: 0, conflatedRecords: 0,
    conflatedFrames: 0, pendingOverflows: 0, subscribers: 0, maxPendingSeen: 0,
  };
  private seq = 0;
  private objects: ReadonlyMap<number, ObjInfo> = new Map();
  /** Values set directly by messages. */
  private readonly leaf = new Map<number, StateRecord>();
  /** Roll-up aggregates of parents. */
  private readonly aggs = new Map<number, Agg>();
  private pending: StateRecord[] = [];
  private dirtyAggs = new Set<number>();
  private readonly replay: Batch[] = [];
  private replayCount = 0;
  /** Batches emitted before this time (ms) are no longer in the replay buffer. */
  private trimmedBefore = 0;
  private readonly subs = new Set<Subscriber>();
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  /** performance.now() before which no flush starts by itself (minGapMs after the last one). */
  private nextFlushAt = 0;
  /** Flush time (ms) the bucket holds, as of budgetAt; negative after a flush that overdrew it. */
  private budget: number;
  private budgetAt = performance.now();
  private readonly drainTimer: NodeJS.Timeout;
  private readonly alarmListeners: Array<(ops: readonly AlarmOp[]) => void> = [];
  private readonly layers = new Map<number, LayerDef>(LAYERS.map((l) => [l.id, l]));

  constructor(opts: Partial<HubOptions> = {}) {
    this.opts = { ...DEFAULT_HUB_OPTIONS, ...opts };
    this.budget = this.opts.burstMs;
    // Conflating subscribers are drained on this tick even when no new data arrives.
    this.drainTimer = setInterval(() => this.drainConflating(), 25);
    this.drainTimer.unref();
  }

  /** The current sequence number (the last emitted batch). */
  get currentSeq(): number {
    return this.seq;
  }

  /** Installs a new object tree and recomputes every roll-up from the leaf values. */
  setDirectory(d: DirectoryData): void {
    this.objects = d.objects;
    this.aggs.clear();
    for (const r of this.leaf.values()) this.propagate(r.idx, r.layer, undefined, r);
    // Roll-ups may have changed shape; stream all of them with the next batch.
    for (const k of this.aggs.keys()) this.dirtyAggs.add(k);
    this.schedule();
  }

  /** Loads remembered state (live_state) without streaming it: it only feeds snapshots and roll-ups. */
  seed(records: readonly StateRecord[]): void {
    for (const r of records) {
      const k = key(r.idx, r.layer);
      const old = this.leaf.get(k);
      this.leaf.set(k, { ...r });
      this.propagate(r.idx, r.layer, old, r);
    }
    this.dirtyAggs.clear();
  }

  /** Applies one update: stored, rolled up, and queued for the next batch. */
  update(idx: number, layer: number, value: number, status: number): void {
    const k = key(idx, layer);
    const rec: StateRecord = { idx, layer, value, status };
    const old = this.leaf.get(k);
    this.leaf.set(k, rec);
    this.pending.push(rec);
    this.propagate(idx, layer, old, rec);
    this.schedule();
  }

  private propagate(idx: number, layer: number, old: StateRecord | undefined, rec: StateRecord): void {
    const def = this.layers.get(layer);
    if (!def?.rollup) return;
    const d = def.rollup(rec) - (old ? def.rollup(old) : 0);
    let p = this.objects.get(idx)?.parent ?? 0;
    for (let depth = 0; p !== 0 && depth < 8; depth++) {
      const k = key(p, layer);
      let a = this.aggs.get(k);
      if (!a) this.aggs.set(k, (a = { sum: 0, counts: [0, 0, 0, 0] }));
      a.sum += d;
      if (old) a.counts[old.status & 3]!--;
      a.counts[rec.status & 3]!++;
      this.dirtyAggs.add(k);
      p = this.objects.get(p)?.parent ?? 0;
    }
  }

  private aggRecord(k: number, a: Agg): StateRecord {
    let status: StatusCode = STATUS.normal;
    for (const s of WORST_ORDER) if (a.counts[s]! > 0) { status = s; break; }
    return { idx: Math.floor(k / 256), layer: k % 256, value: a.sum, status };
  }

  /** Tops the flush-time bucket up for the time since it was last looked at. */
  private refill(now: number): void {
    this.budget = Math.min(this.opts.burstMs, this.budget + (now - this.budgetAt) * this.opts.flushShare);
    this.budgetAt = now;
  }

  private schedule(): void {
    if (this.timer || this.immediate) return;
    const now = performance.now();
    this.refill(now);
    // Time until the bucket is back above zero, and until the minimum gap has passed.
    const wait = Math.max(this.nextFlushAt - now, this.budget > 0 ? 0 : -this.budget / this.opts.flushShare);
    // Within budget: after the updates of this turn of the event loop (a whole socket read of MQTT packets).
    if (wait <= 0) this.immediate = setImmediate(() => this.flush());
    else this.timer = setTimeout(() => this.flush(), Math.min(wait, this.opts.flushMs));
  }

  /** Emits the pending updates as one numbered batch (tests call it to skip the timer). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    if (this.pending.length === 0 && this.dirtyAggs.size === 0) return;
    // The flush is charged the CPU time it used, not the wall time it took: on a busy machine a
    // flush preempted by another process would be charged for the time it sat waiting, and the
    // next flush would be held back for it, which is latency added exactly when it hurts.
    const c0 = process.cpuUsage();
    this.emit();
    const spent = process.cpuUsage(c0);
    const t1 = performance.now();
    this.refill(t1);
    this.budget -= (spent.user + spent.system) / 1000;
    this.nextFlushAt = t1 + this.opts.minGapMs;
  }

  private emit(): void {
    const records = this.pending;
    for (const k of this.dirtyAggs) {
      const a = this.aggs.get(k);
      if (a) records.push(this.aggRecord(k, a));
    }
    this.pending = [];
    this.dirtyAggs = new Set();
    const batch: Batch = { seq: ++this.seq, at: Date.now(), records, frames: new Map() };
    this.stats.seq = this.seq;
    this.stats.batches++;
    this.stats.records += records.length;
    this.replay.push(batch);
    this.replayCount += records.length;
    while (this.replay.length > 1 && this.replayCount > this.opts.replayRecords) {
      const dropped = this.replay.shift()!;
      this.replayCount -= dropped.records.length;
      this.trimmedBefore = dropped.at + 1;
    }
    for (const s of this.subs) this.deliver(s, batch);
  }

  /** Adds a subscriber; the caller then calls `start` to send its first frames. */
  subscribe(sink: Sink, layers: readonly number[], area: Area | undefined, enterpriseIdx?: number): Subscriber {
    const s: Subscriber = {
      sink, layerMask: 0, area, key: '', conflating: false, pending: new Map(), needSnapshot: false, enterpriseIdx,
    };
    this.setFilter(s, layers, area);
    this.subs.add(s);
    this.stats.subscribers = this.subs.size;
    return s;
  }

  /** Changes what a subscriber receives (a new subscribe message on the same socket). */
  setFilter(s: Subscriber, layers: readonly number[], area: Area | undefined): void {
    s.layerMask = layers.reduce((m, l) => m | (1 << l), 0);
    s.area = area;
    s.key = `${s.layerMask}|${area ? JSON.stringify(area) : ''}|${s.enterpriseIdx ?? ''}`;
    s.pending.clear();
    s.needSnapshot = false;
    s.conflating = false;
  }

  /** Removes a subscriber and frees its buffers. */
  unsubscribe(s: Subscriber): void {
    this.subs.delete(s);
    s.pending.clear();
    this.stats.subscribers = this.subs.size;
  }

  /**
   * Sends a subscriber its starting frames: the deltas after `resume.seq` when this hub run
   * still holds all of them; for a resume from another run with `since`, this run's batches from
   * `since - crossResumeMarginMs` when it ran and still holds them all; else a snapshot.
   * Returns which it was.
   */
  start(s: Subscriber, resume?: ResumePoint): { mode: 'snapshot' | 'resume'; seq: number } {
    if (resume && this.canResume(resume)) {
      this.stats.resumes++;
      if (resume.epoch === this.epoch) {
        for (const b of this.replay) if (b.seq > resume.seq) this.deliver(s, b);
      } else {
        this.stats.crossResumes++;
        const from = resume.since! - this.opts.crossResumeMarginMs;
        for (const b of this.replay) if (b.at >= from) this.deliver(s, b);
      }
      return { mode: 'resume', seq: this.seq };
    }
    this.sendSnapshot(s);
    return { mode: 'snapshot', seq: this.seq };
  }

  /**
   * True when every batch after `resume.seq` of this run is still in the replay buffer, or, for
   * another run's resume point with `since`, when this run was up and its buffer reaches back to
   * `since - crossResumeMarginMs` (and `since` is not in the future).
   */
  canResume(resume: ResumePoint | undefined): boolean {
    if (!resume) return false;
    if (resume.epoch !== this.epoch) {
      if (resume.since === undefined || resume.since > Date.now() + this.opts.crossResumeMarginMs) return false;
      const from = resume.since - this.opts.crossResumeMarginMs;
      if (from < this.startedAt) return false;
      return this.trimmedBefore <= from;
    }
    if (resume.seq > this.seq) return false;
    const oldest = this.replay[0]?.seq ?? this.seq + 1;
    return resume.seq >= oldest - 1;
  }

  /**
   * Whether the subscriber's principal may see object `idx` on `layer` at all: always, unless it
   * is an enterprise user (its own economy record; the rooms it leases and their equipment).
   */
  inScope(s: Subscriber, idx: number, layer: number): boolean {
    if (s.enterpriseIdx === undefined) return true;
    return layer === LAYER_IDS.economy ? idx === s.enterpriseIdx : this.objects.get(idx)?.tenant === s.enterpriseIdx;
  }

  private matches(s: Subscriber, r: StateRecord): boolean {
    if ((s.layerMask & (1 << r.layer)) === 0) return false;
    if (!this.inScope(s, r.idx, r.layer)) return false;
    const a = s.area;
    if (!a) return true;
    const o = this.objects.get(r.idx);
    if (!o) return false;
    if ('buildings' in a) return a.buildings.includes(o.building);
    const [x0, y0, x1, y1] = a.bbox;
    return o.lon >= x0 && o.lon <= x1 && o.lat >= y0 && o.lat <= y1;
  }

  /** Every current record a subscriber may see: leaf values, then roll-ups (which win for an idx that has both). */
  private currentFor(s: Subscriber): StateRecord[] {
    const out = new Map<number, StateRecord>();
    for (const [k, r] of this.leaf) if (this.matches(s, r)) out.set(k, r);
    for (const [k, a] of this.aggs) {
      const r = this.aggRecord(k, a);
      if (this.matches(s, r)) out.set(k, r);
    }
    return [...out.values()];
  }

  private sendSnapshot(s: Subscriber): void {
    const recs = this.currentFor(s);
    const n = this.opts.snapshotChunk;
    for (let i = 0; i === 0 || i < recs.length; i += n) {
      const part = recs.slice(i, i + n);
      const flags = i + n < recs.length ? FRAME_FLAGS.partial : 0;
      this.sendFrame(s, encodeFrame(FRAME.snapshot, this.epoch, this.seq, part, flags));
    }
    this.stats.snapshots++;
    s.needSnapshot = false;
    s.pending.clear();
    s.conflating = false;
  }

  private sendFrame(s: Subscriber, frame: Uint8Array): void {
    this.stats.framesSent++;
    this.stats.bytesSent += frame.byteLength;
    s.sink.send(frame);
  }

  private deliver(s: Subscriber, b: Batch): void {
    if (s.needSnapshot) return;
    if (s.conflating || s.sink.bufferedAmount() > this.opts.highWaterBytes) {
      s.conflating = true;
      for (const r of b.records) {
        if (!this.matches(s, r)) continue;
        s.pending.set(key(r.idx, r.layer), r);
        this.stats.conflatedRecords++;
      }
      if (s.pending.size > this.stats.maxPendingSeen) this.stats.maxPendingSeen = s.pending.size;
      if (s.pending.size > this.opts.maxPending) {
        // Even the latest-value map is too big: drop it and send a snapshot when the client drains.
        s.pending.clear();
        s.needSnapshot = true;
        this.stats.pendingOverflows++;
      }
      return;
    }
    let frame = b.frames.get(s.key);
    if (frame === undefined) {
      const recs = b.records.filter((r) => this.matches(s, r));
      frame = recs.length ? encodeFrame(FRAME.delta, this.epoch, b.seq, recs) : null;
      b.frames.set(s.key, frame);
    }
    if (frame) this.sendFrame(s, frame);
  }

  private drainConflating(): void {
    for (const s of this.subs) {
      if (!s.conflating && !s.needSnapshot) continue;
      if (s.sink.bufferedAmount() > this.opts.lowWaterBytes) continue;
      if (s.needSnapshot) {
        this.sendSnapshot(s);
        continue;
      }
      const recs = [...s.pending.values()];
      s.pending.clear();
      s.conflating = false;
      if (recs.length) {
        this.stats.conflatedFrames++;
        this.sendFrame(s, encodeFrame(FRAME.delta, this.epoch, this.seq, recs, FRAME_FLAGS.conflated));
      }
    }
  }

  /** Per-subscriber buffer figures (stats, and the stalled-client test's bounds). */
  subscriberBuffers(): { buffered: number; pending: number; conflating: boolean; needSnapshot: boolean }[] {
    return [...this.subs].map((s) => ({ buffered: s.sink.bufferedAmount(), pending: s.pending.size, conflating: s.conflating, needSnapshot: s.needSnapshot }));
  }

  /** Registers a listener for alarm transitions decided by ingest (ws.ts forwards them). */
  onAlarm(cb: (ops: readonly AlarmOp[]) => void): void {
    this.alarmListeners.push(cb);
  }

  /** Announces alarm transitions to every listener. */
  alarms(ops: readonly AlarmOp[]): void {
    for (const l of this.alarmListeners) l(ops);
  }

  /** Latest state of one object and layer (tests, HTTP). */
  get(idx: number, layer: number): StateRecord | undefined {
    const k = key(idx, layer);
    const a = this.aggs.get(k);
    return a ? this.aggRecord(k, a) : this.leaf.get(k);
  }

  /** Stops timers and drops subscribers. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    clearInterval(this.drainTimer);
    this.subs.clear();
  }
}
