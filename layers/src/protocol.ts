/**
 * The live-data wire protocol between twin-server's stream hub (/ws) and the client.
 * Control messages are JSON text frames, one discriminated union per direction; data is binary
 * frames keyed by twin idx (see docs/protocol.md for the byte layout).
 */
import { z } from 'zod';

/**
 * Bumped on any incompatible change; the handshake refuses other versions. New server message
 * types and new fields of a server message are additive (clients ignore types and fields they do
 * not know), so they keep the version.
 */
export const PROTOCOL_VERSION = 1;

/** Largest client->server message the hub accepts (the ws maxPayload). */
export const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;

/** Layer ids on the wire (u8). Stable forever: never renumber, only append. */
export const LAYER_IDS = { occupancy: 1, equipment: 2, security: 3, energy: 4, economy: 5 } as const;
export type LayerName = keyof typeof LAYER_IDS;
export const LAYER_NAMES = Object.keys(LAYER_IDS) as LayerName[];

/** Status byte of a record: the colour ramps and alarm badges key on it. */
export const STATUS = { normal: 0, warning: 1, alarm: 2, offline: 3 } as const;
export type StatusCode = (typeof STATUS)[keyof typeof STATUS];

// ---------------------------------------------------------------- client -> server (JSON text)

const idxList = z.array(z.number().int().min(1).max(0x7fffffff)).min(1).max(1000);
const lon = z.number().min(-180).max(180);
const lat = z.number().min(-90).max(90);

/** Which part of the park a subscription covers; omitted = the whole park. */
export const areaSchema = z.union([
  z.object({ buildings: idxList }).strict(),
  z.object({ bbox: z.tuple([lon, lat, lon, lat]) }).strict().refine((a) => a.bbox[0] <= a.bbox[2] && a.bbox[1] <= a.bbox[3], 'bbox must be [minLon, minLat, maxLon, maxLat]'),
]);
export type Area = z.infer<typeof areaSchema>;

const layerName = z.enum(LAYER_NAMES as [LayerName, ...LayerName[]]);

/** Every message a client may send. */
export const clientMessageSchema = z.discriminatedUnion('type', [
  /** First message: the protocol version the client speaks. */
  z.object({ type: z.literal('hello'), version: z.number().int() }).strict(),
  /**
   * Replaces the current subscription. `resume` asks for the updates after `seq` of the hub run
   * `epoch` (replayed exactly once); when that is no longer possible a snapshot comes instead.
   * `since` (optional, server clock in ms of the last frame the client applied) lets another node
   * (failover behind a load balancer) replay its own batches from `since` minus a margin.
   */
  z.object({
    type: z.literal('subscribe'),
    layers: z.array(layerName).min(1).max(LAYER_NAMES.length),
    area: areaSchema.optional(),
    resume: z.object({ epoch: z.number().int().min(0).max(0xffffffff), seq: z.number().int().min(0).max(0xffffffff), since: z.number().int().min(0).optional() }).strict().optional(),
  }).strict(),
  z.object({ type: z.literal('unsubscribe') }).strict(),
  /** Application-level ping (browsers cannot send WebSocket pings); answered with pong. */
  z.object({ type: z.literal('ping'), t: z.number() }).strict(),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

// ---------------------------------------------------------------- server -> client (JSON text)

/** Why the hub refused something. */
export type ErrorCode = 'bad-message' | 'version' | 'forbidden' | 'not-ready' | 'too-many';

/** Every JSON message the hub sends. */
export type ServerMessage =
  | {
    type: 'welcome'; version: number; epoch: number; seq: number; serverTime: number; layers: LayerName[];
    /**
     * The layers this principal may subscribe to (stream:read plus each layer's permission);
     * empty without stream:read. Absent from servers before it was added: assume `layers`.
     */
    allowed?: LayerName[];
  }
  /**
   * Answer to subscribe: `layers` are the layers granted, `mode` says whether a snapshot frame or
   * replayed deltas follow. `denied` lists requested layers the principal may not read: they were
   * dropped from the subscription (the rest is served), never an error while one layer is left.
   */
  | { type: 'subscribed'; layers: LayerName[]; mode: 'snapshot' | 'resume'; seq: number; denied?: LayerName[] }
  | { type: 'unsubscribed' }
  | { type: 'pong'; t: number; serverTime: number }
  | { type: 'alarm'; alarm: { idx: number; layer: LayerName; kind: string; severity: number; state: 'raised' | 'cleared'; message: string } }
  | { type: 'error'; code: ErrorCode; message: string }
  /**
   * A park was re-tiled: reload its tileset.json at this version (changed content files have new
   * content-hashed names; unchanged ones stay as they are). Sent to clients allowed `tiles:read`.
   */
  | { type: 'tiles'; park: string; version: number }
  /** Sent just before the hub closes a socket (session ended, shutdown). */
  | { type: 'bye'; reason: string };

/** Parses one client text message; returns the zod error text instead of throwing. */
export function parseClientMessage(text: string): { ok: true; msg: ClientMessage } | { ok: false; error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  const r = clientMessageSchema.safeParse(raw);
  return r.success ? { ok: true, msg: r.data } : { ok: false, error: r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ').slice(0, 300) };
}

/** Compile-time exhaustiveness check for switches over message unions. */
export function assertNever(x: never): never {
  throw new Error(`unexpected variant ${JSON.stringify(x)}`);
}

// ---------------------------------------------------------------- binary data frames

/** Frame kinds (byte 0). */
export const FRAME = { snapshot: 1, delta: 2 } as const;
export type FrameKind = (typeof FRAME)[keyof typeof FRAME];

/** Flag bits (byte 2). */
export const FRAME_FLAGS = {
  /** Deltas merged while the client was slow: only the latest value per (idx, layer), older seqs skipped. */
  conflated: 1,
  /** More snapshot frames follow with the same seq (large snapshots are split). */
  partial: 2,
} as const;

/** Header bytes: kind u8, version u8, flags u8, reserved u8, epoch u32, seq u32, count u32. */
export const HEADER_BYTES = 16;
/** Record bytes: idx u32, layer u8, status u8, reserved u16, value f32 (three 32-bit words). */
export const RECORD_BYTES = 12;

/** One state change of one layer of one twin object. */
export interface StateRecord {
  idx: number;
  layer: number;
  status: number;
  value: number;
}

/** A decoded frame; records are views over the frame bytes (no per-record objects). */
export interface DecodedFrame {
  kind: FrameKind;
  version: number;
  flags: number;
  epoch: number;
  seq: number;
  count: number;
  /** idx of record i at idx[i * 3] (stride 3 words). */
  words: Uint32Array;
  /** value of record i at values[i * 3 + 2]. */
  values: Float32Array;
}

/**
 * Encodes a frame. All fields are little-endian so the client can view the records with
 * Uint32Array / Float32Array directly (HEADER_BYTES and RECORD_BYTES are multiples of 4).
 */
export function encodeFrame(kind: FrameKind, epoch: number, seq: number, records: readonly StateRecord[], flags = 0): Uint8Array {
  const buf = new ArrayBuffer(HEADER_BYTES + records.length * RECORD_BYTES);
  const dv = new DataView(buf);
  dv.setUint8(0, kind);
  dv.setUint8(1, PROTOCOL_VERSION);
  dv.setUint8(2, flags);
  dv.setUint32(4, epoch >>> 0, true);
  dv.setUint32(8, seq >>> 0, true);
  dv.setUint32(12, records.length, true);
  let o = HEADER_BYTES;
  for (const r of records) {
    dv.setUint32(o, r.idx >>> 0, true);
    dv.setUint8(o + 4, r.layer);
    dv.setUint8(o + 5, r.status);
    dv.setFloat32(o + 8, r.value, true);
    o += RECORD_BYTES;
  }
  return new Uint8Array(buf);
}

/**
 * Decodes a frame header and gives typed-array views of its records. Throws on a truncated or
 * foreign frame. Copies once when the bytes are not 4-byte aligned.
 */
export function decodeFrame(bytes: Uint8Array): DecodedFrame {
  if (bytes.byteLength < HEADER_BYTES) throw new Error('frame shorter than its header');
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const dv = new DataView(aligned.buffer, aligned.byteOffset, aligned.byteLength);
  const kind = dv.getUint8(0);
  if (kind !== FRAME.snapshot && kind !== FRAME.delta) throw new Error(`unknown frame kind ${kind}`);
  const count = dv.getUint32(12, true);
  if (aligned.byteLength !== HEADER_BYTES + count * RECORD_BYTES) throw new Error('frame length does not match its record count');
  const body = aligned.byteOffset + HEADER_BYTES;
  return {
    kind,
    version: dv.getUint8(1),
    flags: dv.getUint8(2),
    epoch: dv.getUint32(4, true),
    seq: dv.getUint32(8, true),
    count,
    words: new Uint32Array(aligned.buffer, body, count * 3),
    values: new Float32Array(aligned.buffer, body, count * 3),
  };
}

/** Record i of a decoded frame as a plain object (tests, debugging; hot paths read the views). */
export function frameRecord(f: DecodedFrame, i: number): StateRecord {
  const w = f.words[i * 3 + 1]!;
  return { idx: f.words[i * 3]!, layer: w & 0xff, status: (w >>> 8) & 0xff, value: f.values[i * 3 + 2]! };
}
