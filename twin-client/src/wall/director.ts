/**
 * Who holds the wall's camera: the unattended tour (bookmarks, or the park overview and each
 * building when none are saved), a critical alarm (fly there, pulse the object, return after a
 * while), or a person touching the wall (the tour pauses). Plain class, ticked by a timer and by
 * the render loop (pulses); nothing here goes through React state.
 */
import { Vector3 } from 'three';
import type { Bookmark } from '@park-twin/layers/wall.ts';
import type { LayerChoice, TwinController } from '../scene/controller.ts';

/** One tour stop: a saved bookmark, the whole park, or one building framed. */
export type TourStop =
  | { kind: 'bookmark'; name: string; camera: number[]; layer: string; dwellS: number }
  | { kind: 'overview'; dwellS: number }
  | { kind: 'object'; idx: number; dwellS: number };

/** Pulse colours (sRGB): the object alternates between these about once a second. */
const PULSE_LO = [120, 10, 10] as const;
const PULSE_HI = [255, 90, 60] as const;
const FLY_MS = 1500;
/** A touch on a non-kiosk wall pauses the tour this long. */
const PAUSE_MS = 60_000;

interface Focus {
  idx: number;
  until: number;
  /** Camera to return to. */
  saved: { pos: Vector3; target: Vector3 };
  /** The object framed so far (the alarm's own, or an ancestor until the object's tile is in). */
  framed: number;
}

/** Tour and alarm focus for one wall. */
export class WallDirector {
  stops: TourStop[] = [];
  private next = 0;
  private nextAt = 0;
  private pausedUntil = 0;
  focus: Focus | null = null;
  private pulses = new Map<number, number>();
  /** Called whenever the stop or focus changes (the status line reads `describe()`). */
  onChange: () => void = () => {};
  /** The stop being shown (for the status line). */
  current: TourStop | null = null;

  constructor(
    private readonly ctl: TwinController,
    readonly opts: { tour: boolean; dwellS: number; focusS: number },
  ) {}

  /** Tour stops: the saved bookmarks, else the park overview then each building. */
  setBookmarks(bookmarks: readonly Bookmark[]): void {
    const h = this.ctl.h;
    this.stops = bookmarks.length > 0
      ? bookmarks.map((b) => ({ kind: 'bookmark', name: b.name, camera: b.camera, layer: b.layer, dwellS: b.dwellS }))
      : [{ kind: 'overview', dwellS: this.opts.dwellS },
        ...(h ? [...h.all].filter((i) => h.kindOf(i) === 'building').map((idx): TourStop => ({ kind: 'object', idx, dwellS: this.opts.dwellS })) : [])];
    this.next = 0;
  }

  /** A person touched the wall: the tour waits (an alarm still takes the camera). */
  pause(now = performance.now()): void {
    this.pausedUntil = now + PAUSE_MS;
  }

  /** Advances the tour and ends a finished alarm focus; called about once a second. */
  tick(now = performance.now()): void {
    if (!this.ctl.camera || !this.ctl.controls || !this.ctl.tilesetReady) return;
    const f = this.focus;
    if (f) {
      // The alarm's own geometry may load only once the camera is near: frame it then.
      if (f.framed !== f.idx && this.ctl.boundsOf(f.idx)) this.frameFocus(f);
      if (now < f.until) return;
      this.focus = null;
      this.ctl.flyTo(f.saved.pos, f.saved.target, FLY_MS);
      this.nextAt = now + (this.current?.dwellS ?? this.opts.dwellS) * 1000;
      this.onChange();
      return;
    }
    if (!this.opts.tour || this.stops.length === 0 || now < this.pausedUntil || now < this.nextAt) return;
    const stop = this.stops[this.next % this.stops.length]!;
    this.next = (this.next + 1) % this.stops.length;
    this.current = stop;
    this.nextAt = now + stop.dwellS * 1000;
    this.show(stop);
    this.onChange();
  }

  private show(stop: TourStop): void {
    const ctl = this.ctl;
    switch (stop.kind) {
      case 'bookmark': {
        const c = stop.camera;
        if (stop.layer !== ctl.layer) ctl.setLayer(stop.layer as LayerChoice);
        ctl.flyTo(new Vector3(c[0], c[1], c[2]), new Vector3(c[3], c[4], c[5]), FLY_MS * 2);
        break;
      }
      case 'overview':
        ctl.frameAll();
        break;
      case 'object': {
        const b = ctl.boundsOf(stop.idx);
        if (b) ctl.frameBox(b, 1.6, FLY_MS * 2);
        break;
      }
    }
  }

  /**
   * A critical alarm on `idx`: pulse it (and its building, visible from afar) and fly there; the
   * camera returns to where it was after `focusS`. A second alarm during a focus takes over the
   * focus but keeps the first return point.
   */
  alarm(idx: number, now = performance.now()): void {
    const ctl = this.ctl;
    if (!ctl.camera || !ctl.controls) return;
    const saved = this.focus?.saved ?? { pos: ctl.camera.position.clone(), target: ctl.controls.target.clone() };
    const until = now + this.opts.focusS * 1000;
    this.pulse(idx, until);
    const building = ctl.h?.buildingOf[idx] ?? 0;
    if (building && building !== idx) this.pulse(building, until);
    this.focus = { idx, until, saved, framed: 0 };
    this.frameFocus(this.focus);
    this.onChange();
  }

  private frameFocus(f: Focus): void {
    const ctl = this.ctl;
    // The most specific object drawn right now: the alarm's own, else its room, floor, building.
    let at = f.idx;
    for (let n = 0; at > 0 && n < 6; n++) {
      const b = ctl.boundsOf(at);
      if (b) {
        f.framed = at;
        ctl.frameBox(b, at === f.idx ? 2.5 : 1.4, FLY_MS);
        return;
      }
      at = ctl.h?.parent[at] ?? 0;
    }
  }

  /** Makes `idx` pulse until `until` (performance.now() time). */
  pulse(idx: number, until: number): void {
    this.pulses.set(idx, until);
    this.ctl.invalidate();
  }

  /** Objects pulsing now (tests, status). */
  get pulsing(): number[] {
    return [...this.pulses.keys()];
  }

  /**
   * Writes this frame's pulse colours; called from the render loop. Returns true while anything
   * pulses (the caller keeps frames coming). An ended pulse gives the object its layer colour back.
   */
  stepPulses(now: number): boolean {
    if (this.pulses.size === 0) return false;
    const k = 0.5 + 0.5 * Math.sin((now / 1000) * Math.PI * 2);
    const mix = (i: 0 | 1 | 2) => Math.round(PULSE_LO[i] + (PULSE_HI[i] - PULSE_LO[i]) * k);
    let ended = false;
    for (const [idx, until] of this.pulses) {
      if (now >= until) {
        this.pulses.delete(idx);
        ended = true;
        continue;
      }
      this.ctl.state.setColour(idx, mix(0), mix(1), mix(2));
    }
    if (ended) this.ctl.setLayer(this.ctl.layer); // repaint: ended pulses get their layer colour back
    return this.pulses.size > 0;
  }
}
