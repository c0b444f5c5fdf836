/**
 * What a live-data layer is: a plain object with a name and optional hooks, walked by the ingest
 * pipeline, the stream hub and the client (the 3DTilesRendererJS plugin pattern).
 */
import { z, type ZodType } from 'zod';
import { LAYER_IDS, STATUS, type LayerName, type StatusCode } from './protocol.ts';

/** Fields every device message may carry besides its layer fields. */
export const envelope = {
  /** Device message counter; (device, seq, ts) identifies a message, so redeliveries are dropped. */
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  /** Device time, epoch milliseconds or ISO 8601; the receive time when absent. */
  ts: z.union([z.number().int().min(0).max(8.64e15), z.iso.datetime({ offset: true })]).optional(),
};

/**
 * An alarm kind a layer threshold can raise (alarm.kind in the database): snake_case, declared by
 * the layer in `alarmKinds` with its labels; the registry's ALARM_KINDS collects them.
 */
export type AlarmKind = string;

/** A threshold verdict: `active: false` clears a raised alarm of that kind on that object. */
export interface AlarmSignal {
  readonly kind: AlarmKind;
  readonly active: boolean;
  /** 1 minor, 2 major, 3 critical. */
  readonly severity: 1 | 2 | 3;
  readonly message: string;
}

/** What a layer hook knows about the object a message lands on. */
export interface LayerContext {
  /** Twin kind of the target object. */
  readonly kind: string;
  /** Equipment type, when the device is equipment. */
  readonly type?: string | undefined;
  /** Room capacity in people, when the target is a room. */
  readonly capacity?: number | null | undefined;
  /** Message time, epoch ms. */
  readonly now: number;
  /** Counts events under `key` (per target) within the last `windowMs`, this one included. */
  burst(key: string, windowMs: number): number;
}

/** The state a message sets: one record on the wire. */
export interface LayerState {
  readonly value: number;
  readonly status: StatusCode;
}

/** RGBA, 0-255 each; the client writes it into its state texture. */
export type Rgba = readonly [number, number, number, number];

/** One legend row: colour and a label in both UI languages. */
export interface LegendEntry {
  readonly color: Rgba;
  readonly zh: string;
  readonly en: string;
}

/** Where a layer's messages land, resolved from the device code through the database. */
export type LayerTarget =
  /** The equipment whose code is the device code. */
  | 'equipment'
  /** The room holding the device (occupancy sensors); falls back to the equipment itself. */
  | 'room-of-equipment'
  /** The enterprise whose unified social credit code is the device code. */
  | 'enterprise';

/** A live-data layer. */
export interface LayerDef<P = unknown> {
  readonly name: LayerName;
  /** Wire id (u8), from LAYER_IDS. */
  readonly id: number;
  readonly title: { readonly zh: string; readonly en: string };
  /** Unit of `value` on the wire. */
  readonly unit: { readonly zh: string; readonly en: string };
  /** Permission a stream subscriber needs for this layer (besides stream:read). */
  readonly permission: string;
  readonly target: LayerTarget;
  /**
   * Object kinds whose panel charts this layer's last 24 h by default (the first readable layer
   * in registry order naming the kind wins).
   */
  readonly history?: readonly string[];
  /** Every alarm kind `alarms` may raise, with its label in both UI languages. */
  readonly alarmKinds?: Readonly<Record<string, { readonly zh: string; readonly en: string }>>;
  /** Schema of a device message on `park/<park>/<layer>/<device>` (native JSON). */
  readonly ingest: ZodType<P>;
  /** Message -> the state record. */
  snapshot(msg: P, ctx: LayerContext): LayerState;
  /** Threshold checks; each signal raises or clears an alarm on the target. */
  alarms?(msg: P, ctx: LayerContext): AlarmSignal[];
  /**
   * Contribution of a child's state to its parent's value (room -> floor -> building -> park);
   * absent = the layer does not roll up. The parent's status is the worst child status.
   */
  rollup?(child: { readonly value: number; readonly status: number }): number;
  /** Numbers the layer uses for its thresholds, shown in docs and the UI. */
  readonly thresholds: Readonly<Record<string, number>>;
  /** Value range the colour ramp spans. */
  readonly domain: readonly [number, number];
  /** Value + status -> colour of the object in the state texture. */
  encode(value: number, status: number): Rgba;
  readonly legend: readonly LegendEntry[];
  /** Valid sample messages: documentation, the simulator's shape, and the shared test harness's input. */
  readonly examples: readonly P[];
}

/** Declares a layer with its payload type inferred from the schema. */
export function defineLayer<S extends ZodType>(def: Omit<LayerDef<z.infer<S>>, 'ingest' | 'id'> & { ingest: S }): LayerDef<z.infer<S>> {
  return { ...def, id: LAYER_IDS[def.name] } as LayerDef<z.infer<S>>;
}

const ALARM_RGBA: Rgba = [230, 40, 40, 255];
const OFFLINE_RGBA: Rgba = [110, 110, 120, 255];
const WARNING_RGBA: Rgba = [245, 170, 30, 255];

/**
 * A colour ramp over `domain` with status overrides (alarm red, offline grey, warning amber),
 * so every layer colours alarms the same way on the wall.
 */
export function rampEncoder(domain: readonly [number, number], stops: readonly Rgba[]): (value: number, status: number) => Rgba {
  return (value, status) => {
    if (status === STATUS.alarm) return ALARM_RGBA;
    if (status === STATUS.offline) return OFFLINE_RGBA;
    if (status === STATUS.warning) return WARNING_RGBA;
    const span = domain[1] - domain[0];
    const t = Number.isFinite(value) && span > 0 ? Math.min(1, Math.max(0, (value - domain[0]) / span)) : 0;
    const pos = t * (stops.length - 1);
    const i = Math.min(stops.length - 2, Math.floor(pos));
    const f = pos - i;
    const a = stops[i]!;
    const b = stops[i + 1]!;
    return [0, 1, 2, 3].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * f)) as unknown as Rgba;
  };
}

/** Legend rows shared by every layer for the status colours. */
export const STATUS_LEGEND: readonly LegendEntry[] = [
  { color: WARNING_RGBA, zh: '预警', en: 'Warning' },
  { color: ALARM_RGBA, zh: '告警', en: 'Alarm' },
  { color: OFFLINE_RGBA, zh: '离线', en: 'Offline' },
];

/** Worst of two statuses (alarm > offline > warning > normal). */
export function worstStatus(a: number, b: number): StatusCode {
  const rank = (s: number) => (s === STATUS.alarm ? 3 : s === STATUS.offline ? 2 : s === STATUS.warning ? 1 : 0);
  return (rank(a) >= rank(b) ? a : b) as StatusCode;
}
