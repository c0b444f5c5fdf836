/**
 * The live WebSocket client: handshake with the protocol version, subscribe, resume by sequence
 * after a reconnect, ask for a snapshot on a gap, exponential reconnect with jitter. Decoded
 * frames go straight to the LiveStore; only the connection status is observable by React.
 */
import {
  FRAME, FRAME_FLAGS, PROTOCOL_VERSION, decodeFrame,
  type ClientMessage, type LayerName, type ServerMessage,
} from '@park-twin/layers/protocol.ts';
import type { LiveStore } from './store.ts';

/** What the connection indicator shows. */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'offline' | 'refused';

/** Minimal WebSocket surface (the browser's, or `ws` in Node tests). */
export interface SocketLike {
  binaryType: string;
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

/** Options of a live client. */
export interface LiveClientOptions {
  /** ws:// or wss:// URL of the hub. */
  url: string;
  store: LiveStore;
  layers: LayerName[];
  /** Socket factory; defaults to the browser WebSocket. */
  socket?: (url: string) => SocketLike;
  /** First reconnect delay (ms); doubles up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Called after each applied frame (e.g. to invalidate the R3F frame loop). */
  onFrame?: () => void;
  /** Every JSON message, after the client handled it (alarms, re-tile notices). */
  onMessage?: (m: ServerMessage) => void;
  /**
   * Ping period (ms; default 10 s, 0 = off). A socket whose ping is not answered within 1.5
   * periods (or that does not open within 2.5) is given up and replaced: a cut network often
   * closes nothing, and a half-open socket would look live for many minutes. Only an unanswered
   * ping counts, so a background tab whose timers the browser slows down is not dropped.
   */
  heartbeatMs?: number;
}

/** Counters for tests, the bench and the status bar. */
export interface LiveStats {
  frames: number;
  snapshots: number;
  gaps: number;
  reconnects: number;
  resumed: number;
}

/** A connection that keeps itself alive until `close()`. */
export class LiveClient {
  status: LiveStatus = 'connecting';
  readonly stats: LiveStats = { frames: 0, snapshots: 0, gaps: 0, reconnects: 0, resumed: 0 };
  /** Hub run and last sequence applied; a reconnect resumes from here. */
  epoch = -1;
  seq = -1;
  /**
   * Server time (ms, estimated from welcome.serverTime) when the last frame was applied: another
   * node (failover behind a load balancer) replays its batches from there instead of a snapshot.
   */
  lastAt = 0;
  private clockOffset = 0;
  /** The last subscribe carried `resume.since` (a server of an earlier build refuses that field). */
  private sinceSent = false;
  private ws: SocketLike | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private statusListeners = new Set<() => void>();
  private messageListeners = new Set<(m: ServerMessage) => void>();
  private layers: LayerName[];
  /** Layers the server says this principal may read (welcome.allowed); null until told. */
  private allowed: LayerName[] | null = null;
  /** Layers the server dropped from the last subscription for want of permission. */
  denied: LayerName[] = [];
  /** When the current socket last heard anything (or was opened), and when the last ping went out. */
  private lastHeard = 0;
  private pingAt = 0;
  private beat: ReturnType<typeof setInterval> | null = null;
  private readonly win = typeof window !== 'undefined' && typeof window.addEventListener === 'function' ? window : null;

  /** Creates the client and connects at once. */
  constructor(private readonly opts: LiveClientOptions) {
    this.layers = opts.layers;
    this.connect();
    const hb = opts.heartbeatMs ?? 10_000;
    if (hb > 0) this.beat = setInterval(() => this.heartbeat(hb), hb);
    // The browser knows when its network is gone or back: act at once instead of at the next beat or retry.
    this.win?.addEventListener('offline', this.onOffline);
    this.win?.addEventListener('online', this.onOnline);
  }

  private heartbeat(hb: number): void {
    const ws = this.ws;
    if (!ws) return;
    const now = Date.now();
    if (ws.readyState !== 1) {
      if (now - this.lastHeard > hb * 2.5) this.abandon(ws); // a connect that hangs
      return;
    }
    if (this.lastHeard < this.pingAt) {
      // The last ping is not answered yet: wait, or give up after 1.5 periods.
      if (now - this.pingAt > hb * 1.5) this.abandon(ws);
      return;
    }
    this.pingAt = now;
    this.send({ type: 'ping', t: now });
  }

  /** Gives up on a socket (silent, or the network is gone) without waiting for a close handshake, and reconnects. */
  private abandon(ws: SocketLike): void {
    if (this.ws !== ws || this.closed) return;
    this.ws = null;
    ws.onmessage = null;
    try {
      ws.close(4000, 'no answer');
    } catch {
      // already closing
    }
    this.setStatus(this.attempt > 3 ? 'offline' : 'reconnecting');
    this.scheduleReconnect();
  }

  private onOffline = (): void => {
    if (this.ws) this.abandon(this.ws);
  };

  private onOnline = (): void => {
    if (this.closed || !this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.attempt = 0;
    this.stats.reconnects++;
    this.connect();
  };

  /** For useSyncExternalStore: subscribe to status changes. */
  onStatus = (fn: () => void): (() => void) => {
    this.statusListeners.add(fn);
    return () => this.statusListeners.delete(fn);
  };

  /** Adds a listener for JSON messages (alarms), besides the `onMessage` option; returns its remover. */
  addMessageListener(fn: (m: ServerMessage) => void): () => void {
    this.messageListeners.add(fn);
    return () => this.messageListeners.delete(fn);
  }

  /** For useSyncExternalStore: the current status. */
  getStatus = (): LiveStatus => this.status;

  private setStatus(s: LiveStatus): void {
    if (s === this.status) return;
    this.status = s;
    for (const l of this.statusListeners) l();
  }

  private send(m: ClientMessage): void {
    if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify(m));
  }

  private connect(): void {
    if (this.closed) return;
    const make = this.opts.socket ?? ((u: string) => new WebSocket(u) as unknown as SocketLike);
    const ws = make(this.opts.url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.lastHeard = Date.now();
    this.pingAt = 0;
    ws.onopen = () => this.send({ type: 'hello', version: PROTOCOL_VERSION });
    ws.onmessage = (ev) => this.onData(ev.data);
    ws.onerror = () => {};
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.closed) return;
      // 4401/4403 and 1008 are policy refusals (login needed): retrying fast would only spam.
      if (ev.code === 4401 || ev.code === 4403 || ev.code === 1008) this.setStatus('refused');
      else this.setStatus(this.attempt > 3 ? 'offline' : 'reconnecting');
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    const base = this.opts.baseDelayMs ?? 500;
    const max = this.opts.maxDelayMs ?? 15_000;
    const delay = Math.min(max, base * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
    this.attempt++;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.stats.reconnects++;
      this.connect();
    }, delay);
  }

  /** The layers to ask for: the wanted ones the server allows (all wanted ones until it said). */
  get subscribedLayers(): LayerName[] {
    const allowed = this.allowed;
    return allowed ? this.layers.filter((l) => allowed.includes(l)) : this.layers;
  }

  private subscribe(resume: boolean, since?: number): void {
    const layers = this.subscribedLayers;
    if (layers.length === 0) {
      // Nothing this principal may read: do not ask (it would be refused and audited).
      this.setStatus('refused');
      return;
    }
    const m: ClientMessage = resume && this.epoch >= 0 && this.seq >= 0
      ? { type: 'subscribe', layers: layers as [LayerName, ...LayerName[]], resume: { epoch: this.epoch, seq: this.seq, ...(since ? { since } : {}) } }
      : { type: 'subscribe', layers: layers as [LayerName, ...LayerName[]] };
    this.sinceSent = since !== undefined && 'resume' in m;
    this.send(m);
  }

  /** Changes the subscribed layers (a snapshot of them follows). */
  setLayers(layers: LayerName[]): void {
    this.layers = layers;
    this.subscribe(false);
  }

  private onData(data: unknown): void {
    this.lastHeard = Date.now();
    if (typeof data === 'string') return this.onJson(data);
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
    if (!bytes) return;
    let f;
    try {
      f = decodeFrame(bytes);
    } catch {
      return; // a foreign frame is dropped; the next gap check asks for a snapshot if it mattered
    }
    if (f.kind === FRAME.delta) {
      // seq is shared by all clients of a hub run, so skipped numbers are normal (filtered out for
      // us); a frame from another run, or one going backwards, means our state has a hole.
      if (f.epoch !== this.epoch || f.seq < this.seq) {
        this.stats.gaps++;
        this.subscribe(false);
        return;
      }
      if (f.seq === this.seq && (f.flags & FRAME_FLAGS.conflated) === 0) return; // replayed twice
    } else {
      this.stats.snapshots++;
      this.epoch = f.epoch;
    }
    this.seq = f.seq;
    this.stats.frames++;
    this.lastAt = Date.now() + this.clockOffset;
    this.opts.store.apply(f);
    this.opts.onFrame?.();
  }

  private onJson(text: string): void {
    let m: ServerMessage;
    try {
      m = JSON.parse(text) as ServerMessage;
    } catch {
      return;
    }
    switch (m.type) {
      case 'welcome':
        if (m.version !== PROTOCOL_VERSION) {
          this.setStatus('refused');
          return;
        }
        this.attempt = 0;
        if (m.allowed) this.allowed = m.allowed;
        this.clockOffset = m.serverTime - Date.now();
        if (m.epoch === this.epoch) this.subscribe(true);
        else {
          // Another hub run (a restart, or another node after a failover): our seq means nothing
          // there, but the time of our last frame does; the hub replays from it or sends a snapshot.
          this.subscribe(this.epoch >= 0 && this.lastAt > 0, Math.round(this.lastAt));
          this.epoch = m.epoch;
          this.seq = 0;
        }
        break;
      case 'subscribed':
        if (m.mode === 'resume') this.stats.resumed++;
        this.denied = m.denied ?? [];
        this.setStatus('live');
        break;
      case 'error':
        if (m.code === 'version' || m.code === 'forbidden') this.setStatus('refused');
        // A node of an earlier build (rolling upgrade) does not know resume.since: ask for a snapshot.
        else if (m.code === 'bad-message' && this.sinceSent) this.subscribe(false);
        break;
      case 'bye':
      case 'unsubscribed':
      case 'pong':
      case 'alarm':
      case 'tiles':
        break;
      default: {
        // Exhaustive at compile time; at run time a newer hub's extra message is ignored.
        const unknownMessage: never = m;
        void unknownMessage;
      }
    }
    this.opts.onMessage?.(m);
    for (const l of this.messageListeners) l(m);
  }

  /** Drops the socket as if the network failed (tests, and the "reconnect" button). */
  dropConnection(): void {
    this.ws?.close(4000, 'client drop');
  }

  /** Closes for good. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.beat) clearInterval(this.beat);
    this.win?.removeEventListener('offline', this.onOffline);
    this.win?.removeEventListener('online', this.onOnline);
    this.ws?.close(1000, 'closed');
    this.ws = null;
    this.setStatus('offline');
  }
}
