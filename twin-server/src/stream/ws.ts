/**
 * WebSocket front of the hub at /ws: authentication on upgrade, the hello/subscribe handshake,
 * permission checks per subscription and layer, heartbeat, and closing sockets whose session
 * ended. Every client message is validated; bad ones are answered, counted and survived.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  assertNever, LAYERS, MAX_CLIENT_MESSAGE_BYTES, parseClientMessage, PROTOCOL_VERSION, layerByName,
  type ErrorCode, type LayerName, type ServerMessage,
} from '@park-twin/layers';
import type { Permission, Principal } from '../auth/types.ts';
import type { Logger } from '../log.ts';
import type { Hub, Subscriber } from './hub.ts';
import { moduleWsHandler } from './moduleHandlers.ts';

/** What the stream needs from the auth platform (injected, so tests can run without it). */
export interface StreamAuth {
  /** The caller of an upgrade request, or null (refused with 401). */
  authenticateUpgrade(req: http.IncomingMessage): Promise<Principal | null>;
  can(principal: Principal, permission: Permission): boolean;
  /** Registers a callback for ended sessions (logout, revocation, expiry). */
  onSessionEnded?(cb: (sessionId: string) => void): void;
  audit?(event: { action: string; principal?: Principal; outcome?: 'success' | 'failure' | 'denied'; object?: string; source?: string | null; detail?: Record<string, unknown> }): void | Promise<void>;
}

/** Socket-level counters. */
export interface StreamStats {
  connections: number;
  open: number;
  refusedUpgrades: number;
  malformed: number;
  forbidden: number;
  closedBySessionEnd: number;
  heartbeatTimeouts: number;
  /** Alarm messages not sent to clients that were behind. */
  alarmsDropped: number;
  /** `tiles` notices sent (one per socket and re-tile). */
  tilesNotices: number;
  /** Subscriptions served with some requested layers dropped for want of permission. */
  layersDenied: number;
}

/** Options of the stream server. */
export interface StreamOptions {
  readonly path: string;
  readonly heartbeatMs: number;
  /** Client messages per socket per second before they are refused (error too-many). */
  readonly messagesPerSecond: number;
  /** Refused upgrades per source address and minute; past that, 429 without even authenticating. */
  readonly refusedUpgradesPerMinute: number;
}

interface Conn {
  readonly ws: WebSocket;
  readonly principal: Principal;
  helloed: boolean;
  sub: Subscriber | null;
  alive: boolean;
  windowStart: number;
  windowCount: number;
}

/** What a pre-framed write needs of a `ws` WebSocket (ws 8 internals, checked on every use). */
interface WsInternals {
  readonly extensions: string;
  readonly _socket?: { write(chunk: Buffer): boolean; readonly writable: boolean } | null;
  readonly _sender?: { readonly _state?: unknown; readonly _queue?: readonly unknown[] } | null;
}

/**
 * The TCP socket under `ws` when bytes may be written to it directly: no extension negotiated
 * (the server turns permessage-deflate off) and ws's own sender idle (no queued or half-sent
 * message, which bytes written now would overtake). Null otherwise, and on a ws whose internals
 * look different: the caller then sends through ws.
 */
export function rawSocketOf(ws: WebSocket): { write(chunk: Buffer): boolean } | null {
  const w = ws as unknown as WsInternals;
  const socket = w._socket;
  const sender = w._sender;
  if (w.extensions !== '' || !socket || !socket.writable || typeof socket.write !== 'function') return null;
  if (!sender || sender._state !== 0 || !Array.isArray(sender._queue) || sender._queue.length !== 0) return null;
  return socket;
}

const framedCache = new WeakMap<Uint8Array, Buffer>();

/**
 * `payload` as one final, unmasked binary WebSocket frame (RFC 6455 section 5.2: server frames are
 * not masked), built once per payload object and reused for every socket it is written to.
 */
export function wsFramed(payload: Uint8Array): Buffer {
  let out = framedCache.get(payload);
  if (out) return out;
  const n = payload.byteLength;
  const head = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  out = Buffer.allocUnsafe(head + n);
  out[0] = 0x82; // FIN + opcode 2 (binary)
  if (n < 126) out[1] = n;
  else if (n < 65_536) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(n), 2);
  }
  out.set(payload, head);
  framedCache.set(payload, out);
  return out;
}

/** The stream server attached to one HTTP server. */
export class StreamServer {
  readonly stats: StreamStats = { connections: 0, open: 0, refusedUpgrades: 0, malformed: 0, forbidden: 0, closedBySessionEnd: 0, heartbeatTimeouts: 0, alarmsDropped: 0, tilesNotices: 0, layersDenied: 0 };
  private readonly wss: WebSocketServer;
  private readonly conns = new Set<Conn>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly opts: StreamOptions;
  private readonly onUpgrade: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
  /**
   * Refusals already audited, per session (or device token): a client that reconnects and asks
   * again is refused again, but the audit trail holds the refusal once, not once per reconnect.
   */
  private readonly auditedRefusals = new Map<string, Set<string>>();
  /** Refused upgrades per source address in its current minute (the upgrade limiter). */
  private readonly refusalsBySource = new Map<string, { start: number; n: number }>();

  constructor(
    private readonly server: http.Server,
    private readonly hub: Hub,
    private readonly auth: StreamAuth,
    private readonly log: Logger,
    opts: Partial<StreamOptions> = {},
  ) {
    this.opts = { path: '/ws', heartbeatMs: 30_000, messagesPerSecond: 50, refusedUpgradesPerMinute: 30, ...opts };
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES, perMessageDeflate: false });
    this.onUpgrade = (req, socket, head) => {
      if (new URL(req.url ?? '/', 'http://x').pathname !== this.opts.path) return; // another module's upgrade
      socket.on('error', () => socket.destroy());
      const source = req.socket.remoteAddress ?? 'unknown';
      const wait = this.upgradeWait(source);
      if (wait > 0) {
        // A source that keeps being refused is answered at once, without authenticating; the
        // refusal still counts in the source's audit summary (the auth platform folds floods).
        this.stats.refusedUpgrades++;
        socket.end(`HTTP/1.1 429 Too Many Requests\r\nRetry-After: ${wait}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        Promise.resolve(this.auth.audit?.({ action: 'access.denied', outcome: 'denied', object: `WS ${this.opts.path}`, source, detail: { reason: 'rate-limited', retryAfter: wait } }))
          .catch((err: unknown) => this.log.warn({ err }, 'audit of a rate-limited upgrade failed'));
        return;
      }
      this.auth.authenticateUpgrade(req).then(
        (principal) => {
          if (!principal) {
            this.stats.refusedUpgrades++;
            this.countRefusal(source);
            socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
            return;
          }
          this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, principal));
        },
        (err: unknown) => {
          this.log.error({ err }, 'stream authentication failed');
          socket.end('HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        },
      );
    };
    server.on('upgrade', this.onUpgrade);
    hub.onAlarm((ops) => {
      // Each alarm message is encoded once and the same string goes to every subscriber of its layer.
      const msgs: { layer: number; idx: number; text: string }[] = [];
      for (const a of ops) {
        const layer = LAYERS.find((l) => l.id === a.layer);
        if (!layer) continue;
        const m: ServerMessage = { type: 'alarm', alarm: { idx: a.idx, layer: layer.name, kind: a.kind, severity: a.severity, state: a.op === 'raise' ? 'raised' : 'cleared', message: a.message } };
        msgs.push({ layer: a.layer, idx: a.idx, text: JSON.stringify(m) });
      }
      if (msgs.length === 0) return;
      for (const c of this.conns) {
        if (!c.sub) continue;
        // A slow client's alarm messages are dropped like its deltas are conflated (bounded
        // memory); the record status still shows the alarm and GET /api/alarms lists it.
        if (c.ws.bufferedAmount > this.hub.opts.highWaterBytes) {
          this.stats.alarmsDropped += ops.length;
          continue;
        }
        for (const m of msgs) {
          if ((c.sub.layerMask & (1 << m.layer)) === 0 || c.ws.readyState !== c.ws.OPEN) continue;
          if (!this.hub.inScope(c.sub, m.idx, m.layer)) continue; // another enterprise's room
          c.ws.send(m.text);
        }
      }
    });
    auth.onSessionEnded?.((sessionId) => {
      this.auditedRefusals.delete(sessionId);
      for (const c of this.conns) {
        if (c.principal.sessionId !== sessionId) continue;
        this.stats.closedBySessionEnd++;
        this.send(c, { type: 'bye', reason: 'session ended' });
        c.ws.close(4001, 'session ended');
      }
    });
    this.heartbeat = setInterval(() => {
      for (const c of this.conns) {
        if (!c.alive) {
          this.stats.heartbeatTimeouts++;
          c.ws.terminate();
          continue;
        }
        c.alive = false;
        c.ws.ping();
      }
    }, this.opts.heartbeatMs);
    this.heartbeat.unref();
  }

  /**
   * Tells every socket past the handshake whose principal may read tiles that `park` was re-tiled,
   * so its scene reloads tileset.json at `version`. Tiny and rare, so sent even to slow sockets.
   */
  tilesChanged(park: string, version: number): void {
    for (const c of this.conns) {
      if (!c.helloed || !this.auth.can(c.principal, 'tiles:read')) continue;
      this.stats.tilesNotices++;
      this.send(c, { type: 'tiles', park, version });
    }
  }

  /**
   * Sends a JSON control message to every open socket of one user, handshake or not (the
   * notification centre's pushes, kit/notifications). Returns how many sockets it went to.
   */
  sendToUser(userId: string, m: { readonly type: string }): number {
    const text = JSON.stringify(m);
    let n = 0;
    for (const c of this.conns) {
      if (c.principal.kind !== 'user' || c.principal.id !== userId || c.ws.readyState !== c.ws.OPEN) continue;
      c.ws.send(text);
      n++;
    }
    return n;
  }

  /**
   * Sends a JSON control message to every open socket whose principal holds `permission`,
   * handshake or not (the alarm console's state changes, modules/alarms). Returns how many.
   */
  broadcast(m: { readonly type: string }, permission: Permission): number {
    const text = JSON.stringify(m);
    let n = 0;
    for (const c of this.conns) {
      if (c.ws.readyState !== c.ws.OPEN || !this.auth.can(c.principal, permission)) continue;
      c.ws.send(text);
      n++;
    }
    return n;
  }

  private accept(ws: WebSocket, principal: Principal): void {
    const c: Conn = { ws, principal, helloed: false, sub: null, alive: true, windowStart: Date.now(), windowCount: 0 };
    this.conns.add(c);
    this.stats.connections++;
    this.stats.open = this.conns.size;
    ws.on('pong', () => { c.alive = true; });
    ws.on('message', (data, isBinary) => this.onMessage(c, data as Buffer, isBinary));
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      if (c.sub) this.hub.unsubscribe(c.sub);
      c.sub = null;
      this.conns.delete(c);
      this.stats.open = this.conns.size;
    });
    this.send(c, {
      type: 'welcome', version: PROTOCOL_VERSION, epoch: this.hub.epoch, seq: this.hub.currentSeq, serverTime: Date.now(),
      layers: LAYERS.map((l) => l.name), allowed: this.allowedLayers(principal),
    });
  }

  /** The layers `principal` may subscribe to: none without stream:read, else those whose permission it holds. */
  private allowedLayers(principal: Principal): LayerName[] {
    if (!this.auth.can(principal, 'stream:read')) return [];
    return LAYERS.filter((l) => this.auth.can(principal, l.permission as Permission)).map((l) => l.name);
  }

  /**
   * Audits a refusal (a stream permission denial, like a refused HTTP route) unless this session
   * was already audited for the same refusal: reconnects repeat the question, not the event.
   */
  private auditRefusal(c: Conn, what: string, detail: Record<string, unknown>): void {
    const session = c.principal.sessionId || `${c.principal.kind}:${c.principal.id}`;
    let seen = this.auditedRefusals.get(session);
    if (seen?.has(what)) return;
    if (!seen) {
      // Bounded: forget the oldest session first (its next refusal is audited once more).
      if (this.auditedRefusals.size >= 10_000) this.auditedRefusals.delete(this.auditedRefusals.keys().next().value!);
      this.auditedRefusals.set(session, (seen = new Set()));
    }
    seen.add(what);
    void Promise.resolve(
      this.auth.audit?.({ action: 'stream.denied', principal: c.principal, outcome: 'denied', object: 'WS /ws', detail }),
    ).catch((err: unknown) => this.log.warn({ err }, 'audit of a refused subscription failed'));
  }

  private error(c: Conn, code: ErrorCode, message: string): void {
    if (code === 'bad-message') this.stats.malformed++;
    if (code === 'forbidden') {
      this.stats.forbidden++;
      this.auditRefusal(c, message, { message });
    }
    this.send(c, { type: 'error', code, message });
  }

  /**
   * A control message of a type a module registered (`TwinModule.wsHandlers`): checks hello, the
   * handler's permission (refusals audited once, like refused layers) and its zod schema, then
   * hands it over. False when no module handles this type (the caller answers bad-message).
   */
  private moduleMessage(c: Conn, text: string): boolean {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return false;
    }
    const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
    const found = typeof type === 'string' ? moduleWsHandler(this.server, type) : undefined;
    if (!found) return false;
    const h = found.handler;
    if (!c.helloed) {
      this.error(c, 'not-ready', 'send hello first');
      return true;
    }
    if (!this.auth.can(c.principal, h.permission as Permission)) {
      this.error(c, 'forbidden', `${h.type}: ${h.permission} required`);
      return true;
    }
    const parsed = h.schema.safeParse(raw);
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ').slice(0, 300);
      this.log.warn({ module: found.module, type: h.type, principal: c.principal.id, why }, 'invalid module message');
      this.error(c, 'bad-message', `${h.type}: ${why}`);
      return true;
    }
    const reply = (m: unknown): void => {
      if (c.ws.readyState === c.ws.OPEN) c.ws.send(JSON.stringify(m));
    };
    void Promise.resolve()
      .then(() => h.handle(parsed.data, c.principal, reply))
      .catch((err: unknown) => {
        this.log.error({ err, module: found.module, type: h.type }, 'module message handler failed');
        this.send(c, { type: 'error', code: 'bad-message', message: `${h.type}: could not be handled` });
      });
    return true;
  }

  private onMessage(c: Conn, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    c.alive = true;
    const now = Date.now();
    if (now - c.windowStart >= 1000) {
      c.windowStart = now;
      c.windowCount = 0;
    }
    if (++c.windowCount > this.opts.messagesPerSecond) {
      this.stats.malformed++;
      if (c.windowCount === this.opts.messagesPerSecond + 1) this.send(c, { type: 'error', code: 'too-many', message: 'too many messages' });
      return;
    }
    if (isBinary) return this.error(c, 'bad-message', 'control messages are JSON text');
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      if (this.moduleMessage(c, text)) return;
      return this.error(c, 'bad-message', parsed.error);
    }
    const msg = parsed.msg;
    switch (msg.type) {
      case 'hello':
        if (msg.version !== PROTOCOL_VERSION) {
          this.error(c, 'version', `server speaks protocol ${PROTOCOL_VERSION}`);
          c.ws.close(4002, 'protocol version');
          return;
        }
        c.helloed = true;
        return;
      case 'ping':
        return this.send(c, { type: 'pong', t: msg.t, serverTime: Date.now() });
      case 'unsubscribe':
        if (c.sub) this.hub.unsubscribe(c.sub);
        c.sub = null;
        return this.send(c, { type: 'unsubscribed' });
      case 'subscribe': {
        if (!c.helloed) return this.error(c, 'not-ready', 'send hello first');
        if (!this.auth.can(c.principal, 'stream:read')) return this.error(c, 'forbidden', 'stream:read required');
        // Layers the principal may not read are dropped and named in the answer; the rest is served.
        const requested = [...new Set(msg.layers)] as LayerName[];
        const denied = requested.filter((n) => !this.auth.can(c.principal, layerByName(n)!.permission as Permission));
        const layers = requested.filter((n) => !denied.includes(n));
        if (layers.length === 0) return this.error(c, 'forbidden', `no permission for layers: ${denied.join(', ')}`);
        if (denied.length) {
          this.stats.layersDenied++;
          this.auditRefusal(c, `layers:${denied.join(',')}`, { message: `layers dropped: ${denied.join(', ')}`, denied, granted: layers });
        }
        const ids = layers.map((n) => layerByName(n)!.id);
        if (c.sub) this.hub.unsubscribe(c.sub);
        c.sub = this.hub.subscribe(this.sinkOf(c.ws), ids, msg.area, c.principal.enterpriseIdx);
        // The answer goes out first so the client knows what the next frames are.
        const resumable = this.hub.canResume(msg.resume);
        this.send(c, { type: 'subscribed', layers, mode: resumable ? 'resume' : 'snapshot', seq: this.hub.currentSeq, ...(denied.length ? { denied } : {}) });
        this.hub.start(c.sub, msg.resume);
        return;
      }
      default:
        assertNever(msg);
    }
  }

  private sinkOf(ws: WebSocket) {
    return {
      bufferedAmount: () => ws.bufferedAmount,
      send: (frame: Uint8Array) => {
        if (ws.readyState !== ws.OPEN) return;
        // The same delta frame goes to every subscriber with the same filter: framed once and
        // written as one buffer (one write call per socket instead of ws framing it again for each).
        const raw = rawSocketOf(ws);
        if (raw) raw.write(wsFramed(frame));
        else ws.send(frame, { binary: true });
      },
    };
  }

  private send(c: Conn, m: ServerMessage): void {
    if (c.ws.readyState === c.ws.OPEN) c.ws.send(JSON.stringify(m));
  }


  /** Seconds a source must wait before its next upgrade is even authenticated (0: go ahead). */
  private upgradeWait(source: string): number {
    const w = this.refusalsBySource.get(source);
    if (!w) return 0;
    const left = w.start + 60_000 - Date.now();
    if (left <= 0) {
      this.refusalsBySource.delete(source);
      return 0;
    }
    return w.n >= this.opts.refusedUpgradesPerMinute ? Math.ceil(left / 1000) : 0;
  }

  /** Counts one refused upgrade against its source's minute. */
  private countRefusal(source: string): void {
    const now = Date.now();
    const w = this.refusalsBySource.get(source);
    if (w && now - w.start < 60_000) {
      w.n++;
      return;
    }
    if (this.refusalsBySource.size >= 50_000) {
      for (const [k, v] of this.refusalsBySource) if (now - v.start >= 60_000) this.refusalsBySource.delete(k);
    }
    this.refusalsBySource.set(source, { start: now, n: 1 });
  }

  /** Closes every socket and detaches from the HTTP server. */
  async close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = this.doClose();
    return this.closing;
  }

  private closing: Promise<void> | null = null;

  private async doClose(): Promise<void> {
    clearInterval(this.heartbeat);
    this.server.off('upgrade', this.onUpgrade);
    for (const c of this.conns) {
      this.send(c, { type: 'bye', reason: 'server shutting down' });
      c.ws.terminate();
    }
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
