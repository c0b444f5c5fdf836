/**
 * The time machine's core (no React): loads a replay of the active live layer from
 * GET /api/timemachine/replay (roll-ups, never raw rows) and paints the twin's state texture for
 * the playhead time. At a bucket boundary t every object shows the colour of its last reading
 * before t, through the same colour table as the live view. While a replay is open it owns the
 * colours (controller.replay): live updates keep filling the live store but do not paint.
 */
import { LAYERS, LAYER_IDS, type LayerName } from '@park-twin/layers';
import { getJson } from '../../api.ts';
import { colourLut, type LayerChoice, type TwinController } from '../../scene/controller.ts';

/** What the replay route answers. */
export interface ReplayData {
  layer: string;
  resolution: 'minute' | 'hour';
  from: string;
  to: string;
  stepMs: number;
  base: { idx: number[]; value: number[]; status: number[] };
  rows: { t: number[]; idx: number[]; value: number[]; status: number[] };
}

/** Longest minute-resolution window (the server's limit); longer windows replay by the hour. */
export const MINUTE_WINDOW_MS = 6 * 3_600_000;
export const SPEEDS = [1, 60, 600, 3600] as const;

const isLive = (l: LayerChoice): l is LayerName => LAYERS.some((d) => d.name === l);

/** One time machine per twin view. */
export class TimeMachine {
  from = 0;
  to = 0;
  t = 0;
  playing = false;
  speed: number = 60;
  data: ReplayData | null = null;
  loading = false;
  error = '';
  /** Rows applied so far (rows[0..applied) are in the texture). */
  private applied = 0;
  private raf = 0;
  private last = 0;
  private version = 0;
  private listeners = new Set<() => void>();
  private fetchId = 0;

  constructor(private readonly ctl: TwinController) {}

  get active(): boolean {
    return this.ctl.replay === this.painter;
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getVersion = (): number => this.version;

  private changed(): void {
    this.version++;
    for (const l of this.listeners) l();
  }

  private readonly painter = { paint: (layer: LayerChoice) => this.repaint(layer) };

  /** Opens the window [from, to) for the active layer and seeks to `at` (default: from). */
  async open(from: number, to: number, at = from): Promise<void> {
    this.from = from;
    this.to = to;
    this.t = Math.min(Math.max(at, from), to);
    this.ctl.replay = this.painter;
    await this.load();
  }

  private async load(): Promise<void> {
    const layer = this.ctl.layer;
    const id = ++this.fetchId;
    this.data = null;
    this.applied = 0;
    this.ctl.state.clearAllColours();
    this.ctl.invalidate();
    if (!isLive(layer)) {
      this.error = 'layer';
      this.changed();
      return;
    }
    this.loading = true;
    this.error = '';
    this.changed();
    const resolution = this.to - this.from > MINUTE_WINDOW_MS ? 'hour' : 'minute';
    const q = new URLSearchParams({ layer, from: new Date(this.from).toISOString(), to: new Date(this.to).toISOString(), resolution });
    try {
      const d = await getJson<ReplayData>(`/api/timemachine/replay?${q}`);
      if (id !== this.fetchId || !this.active) return;
      this.data = d;
      this.paintFull();
    } catch (e) {
      if (id !== this.fetchId) return;
      this.error = e instanceof Error ? e.message : String(e);
    } finally {
      if (id === this.fetchId) {
        this.loading = false;
        this.changed();
      }
    }
  }

  /** The controller's repaint (layer switch, spotlight): the new layer needs its own replay. */
  private repaint(layer: LayerChoice): void {
    if (this.data && this.data.layer === layer) this.paintFull();
    else void this.load();
  }

  private setColour(idx: number, value: number, status: number): void {
    const size = this.ctl.h?.size ?? 0;
    if (idx <= 0 || idx >= size) return; // another park's object, or not in this park's index
    const lut = colourLut(LAYER_IDS[this.data!.layer as LayerName]);
    this.ctl.state.setColourWord(idx, lut.words[lut.slot(value, status)]!);
  }

  /** Number of rows whose bucket has ended by time t. */
  private rowsUpTo(t: number): number {
    const d = this.data!;
    const ts = d.rows.t;
    let lo = 0;
    let hi = ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ts[mid]! + d.stepMs <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private paintFull(): void {
    const d = this.data;
    if (!d) return;
    this.ctl.state.clearAllColours();
    d.base.idx.forEach((idx, i) => this.setColour(idx, d.base.value[i]!, d.base.status[i]!));
    this.applied = 0;
    this.advance();
  }

  /** Applies the rows up to the playhead (forward), or repaints from the snapshot (backward). */
  private advance(): void {
    const d = this.data;
    if (!d) return;
    const k = this.rowsUpTo(this.t);
    if (k < this.applied) return this.paintFull();
    for (let i = this.applied; i < k; i++) this.setColour(d.rows.idx[i]!, d.rows.value[i]!, d.rows.status[i]!);
    this.applied = k;
    this.ctl.invalidate();
  }

  /** Moves the playhead. */
  seek(t: number): void {
    this.t = Math.min(Math.max(t, this.from), this.to);
    if (this.data) {
      if (this.rowsUpTo(this.t) < this.applied) this.paintFull();
      else this.advance();
    }
    this.changed();
  }

  play(): void {
    if (this.playing) return;
    if (this.t >= this.to) this.seek(this.from);
    this.playing = true;
    this.last = performance.now();
    const tick = (now: number) => {
      if (!this.playing) return;
      const dt = now - this.last;
      this.last = now;
      this.seek(this.t + dt * this.speed);
      if (this.t >= this.to) this.pause();
      else this.raf = requestAnimationFrame(tick);
    };
    this.raf = requestAnimationFrame(tick);
    this.changed();
  }

  pause(): void {
    this.playing = false;
    cancelAnimationFrame(this.raf);
    this.changed();
  }

  setSpeed(x: number): void {
    this.speed = x;
    this.changed();
  }

  /** Back to live: the live store's colours return at once. */
  close(): void {
    this.pause();
    this.fetchId++;
    this.data = null;
    if (this.ctl.replay === this.painter) {
      this.ctl.replay = null;
      this.ctl.setLayer(this.ctl.layer);
    }
    this.changed();
  }

  /** The state (value, status) the replay shows for idx now, or null (tests). */
  stateOf(idx: number): [number, number] | null {
    const d = this.data;
    if (!d) return null;
    let out: [number, number] | null = null;
    d.base.idx.forEach((i, k) => {
      if (i === idx) out = [d.base.value[k]!, d.base.status[k]!];
    });
    for (let i = 0; i < this.applied; i++) if (d.rows.idx[i] === idx) out = [d.rows.value[i]!, d.rows.status[i]!];
    return out;
  }
}

/** The colour (sRGB bytes) the live view gives a layer's (value, status) (tests compare texels with it). */
export function colourOf(layer: LayerName, value: number, status: number): [number, number, number] {
  const lut = colourLut(LAYER_IDS[layer]);
  const s = lut.slot(value, status);
  return [lut.rgb[3 * s]!, lut.rgb[3 * s + 1]!, lut.rgb[3 * s + 2]!];
}
