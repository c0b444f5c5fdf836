/**
 * The non-React live store: the latest status and value of every (layer, idx), in typed arrays.
 * Frames from the WebSocket land here; listeners (the state-texture painter) are told which idx
 * changed. React never holds per-message data (design guide, style rule 4).
 */
import { FRAME, LAYER_IDS, type DecodedFrame, type LayerName } from '@park-twin/layers/protocol.ts';

/** One live layer's arrays, indexed by twin idx. */
export interface LayerArrays {
  /** Status byte (STATUS in the protocol); meaningful only where `has` is 1. */
  status: Uint8Array;
  value: Float32Array;
  /** 1 where this layer has a record for the idx. */
  has: Uint8Array;
}

/** Called after a frame was applied, with the changed idx of one layer (a reused buffer). */
export type ChangeListener = (layer: LayerName, idx: Uint32Array, count: number, snapshot: boolean) => void;

const NAME_BY_ID = new Map<number, LayerName>(Object.entries(LAYER_IDS).map(([n, id]) => [id, n as LayerName]));

/** Live values by layer and idx; grows with the largest idx seen. */
export class LiveStore {
  private capacity: number;
  readonly layers = new Map<LayerName, LayerArrays>();
  private listeners = new Set<ChangeListener>();
  private changed = new Uint32Array(1024);
  /** Records applied so far (for the bench and the status bar). */
  applied = 0;
  /** Last snapshot seq applied per layer set; a new seq starts a fresh snapshot. */
  private snapshotSeq = -1;

  /** Preallocates arrays for `capacity` idx values. */
  constructor(capacity = 1 << 14) {
    this.capacity = capacity;
  }

  /** The arrays of `layer`, created on first use. */
  arrays(layer: LayerName): LayerArrays {
    let a = this.layers.get(layer);
    if (!a) {
      a = { status: new Uint8Array(this.capacity), value: new Float32Array(this.capacity), has: new Uint8Array(this.capacity) };
      this.layers.set(layer, a);
    }
    return a;
  }

  private grow(idx: number): void {
    let cap = this.capacity;
    while (cap <= idx) cap *= 2;
    for (const [name, a] of this.layers) {
      const n: LayerArrays = { status: new Uint8Array(cap), value: new Float32Array(cap), has: new Uint8Array(cap) };
      n.status.set(a.status);
      n.value.set(a.value);
      n.has.set(a.has);
      this.layers.set(name, n);
    }
    this.capacity = cap;
  }

  /** Registers a change listener; returns the unsubscribe function. */
  subscribe(fn: ChangeListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Latest record of (layer, idx), or null. */
  get(layer: LayerName, idx: number): { status: number; value: number } | null {
    const a = this.layers.get(layer);
    if (!a || idx >= this.capacity || !a.has[idx]) return null;
    return { status: a.status[idx]!, value: a.value[idx]! };
  }

  /** Forgets every value (a snapshot of another hub epoch follows). */
  reset(): void {
    for (const a of this.layers.values()) {
      a.has.fill(0);
      a.status.fill(0);
      a.value.fill(0);
    }
    this.snapshotSeq = -1;
  }

  /**
   * Applies one decoded frame. A snapshot with a new seq first clears the layers it carries, so
   * objects absent from the snapshot lose their stale values. Unknown layer ids are skipped
   * (a newer server may send layers this client does not draw).
   */
  apply(f: DecodedFrame): void {
    const snapshot = f.kind === FRAME.snapshot;
    if (snapshot && f.seq !== this.snapshotSeq) {
      this.reset();
      this.snapshotSeq = f.seq;
    }
    if (f.count > this.changed.length) this.changed = new Uint32Array(f.count * 2);
    // Records are usually grouped by layer; group runs so listeners get one call per run.
    let runLayer = -1;
    let n = 0;
    const flush = () => {
      const name = NAME_BY_ID.get(runLayer);
      if (name && n > 0) for (const l of this.listeners) l(name, this.changed, n, snapshot);
      n = 0;
    };
    const w = f.words;
    const v = f.values;
    // The layer's arrays are looked up once per run of records, not per record (hot path).
    let a: LayerArrays | null = null;
    for (let i = 0; i < f.count; i++) {
      const idx = w[i * 3]!;
      const meta = w[i * 3 + 1]!;
      const layerId = meta & 0xff;
      if (layerId !== runLayer) {
        flush();
        runLayer = layerId;
        const name = NAME_BY_ID.get(layerId);
        a = name ? this.arrays(name) : null;
      }
      if (!a) continue;
      if (idx >= this.capacity) {
        this.grow(idx);
        a = this.arrays(NAME_BY_ID.get(layerId)!);
      }
      a.status[idx] = (meta >>> 8) & 0xff;
      a.value[idx] = v[i * 3 + 2]!;
      a.has[idx] = 1;
      this.changed[n++] = idx;
      this.applied++;
    }
    flush();
  }
}
