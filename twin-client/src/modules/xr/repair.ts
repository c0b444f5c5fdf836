/**
 * Guided repair (issue 17): a work order's procedure (the O&M knowledge-base entry linked to the
 * order, GET /api/workorders/:id/extra) shown one step at a time, in AR beside the order's
 * equipment and as a card on the phone. A done tick writes back to the order
 * (POST /api/workorders/:id/steps/:n with an absolute `done`, so a retried tap changes nothing;
 * the server checks the crew and the state and audits it). Pure logic here: the guide's state,
 * the in-world panel's layout and button hit areas, and where the panel stands.
 */
import { Box3, Matrix4, Quaternion, Vector3 } from 'three';

/** One procedure step as the API sends it. */
export interface RepairStep {
  readonly n: number;
  readonly zh: string;
  readonly en: string;
  readonly done: boolean;
  readonly byName: string | null;
}

/** The order and its procedure (what the guide needs of GET /api/workorders/:id and /extra). */
export interface RepairOrder {
  readonly id: number;
  readonly code: string;
  readonly title: string;
  readonly objectIdx: number | null;
  readonly objectName: string | null;
  readonly state: string;
  readonly procedure: { readonly title: { readonly zh: string; readonly en: string }; readonly steps: readonly RepairStep[] } | null;
}

/** The calls the guide makes (XrView gives the typed API client's). */
export interface RepairApi {
  load(id: number): Promise<RepairOrder>;
  /** Sets step n's tick; answers the procedure's steps as stored. */
  tick(id: number, n: number, done: boolean): Promise<readonly RepairStep[]>;
}

/** The first step not done yet (the last step when all are done; 0 without steps). */
export function firstUndone(steps: readonly RepairStep[]): number {
  const i = steps.findIndex((s) => !s.done);
  return i >= 0 ? i : Math.max(0, steps.length - 1);
}

/** The guide's state: the order, the step shown, a tick in flight, the last error. */
export class RepairGuide {
  order: RepairOrder | null = null;
  current = 0;
  busy = false;
  error: string | null = null;
  loading = false;

  constructor(private readonly api: RepairApi, private readonly changed: () => void) {}

  get steps(): readonly RepairStep[] {
    return this.order?.procedure?.steps ?? [];
  }

  get doneCount(): number {
    return this.steps.filter((s) => s.done).length;
  }

  /** Loads order `id` and shows its first step not done. */
  async open(id: number): Promise<void> {
    this.loading = true;
    this.error = null;
    this.changed();
    try {
      this.order = await this.api.load(id);
      this.current = firstUndone(this.steps);
    } catch (e) {
      this.order = null;
      this.error = (e as Error).message;
    } finally {
      this.loading = false;
      this.changed();
    }
  }

  close(): void {
    this.order = null;
    this.error = null;
    this.changed();
  }

  /** Shows the previous / next step. */
  go(delta: number): void {
    const n = this.steps.length;
    if (n === 0) return;
    this.current = Math.min(n - 1, Math.max(0, this.current + delta));
    this.changed();
  }

  /**
   * Ticks (or unticks) the step shown; on a tick the next step not done comes up. The request
   * carries the absolute state, so a repeat is harmless; a refusal (not the crew, not in
   * progress) is shown and nothing changes here.
   */
  async tick(done = true): Promise<boolean> {
    const o = this.order;
    if (!o?.procedure || this.busy) return false;
    const n = this.current;
    this.busy = true;
    this.error = null;
    this.changed();
    try {
      const steps = await this.api.tick(o.id, n, done);
      this.order = { ...o, procedure: { ...o.procedure, steps } };
      if (done) {
        const next = steps.findIndex((s, i) => i > n && !s.done);
        this.current = next >= 0 ? next : firstUndone(steps);
      }
      return true;
    } catch (e) {
      this.error = (e as Error).message;
      return false;
    } finally {
      this.busy = false;
      this.changed();
    }
  }
}

/** The in-world panel: canvas size (px) and size in metres. */
export const PANEL_PX = { w: 800, h: 600 } as const;
export const PANEL_M = { w: 0.8, h: 0.6 } as const;

/** The panel's buttons, in canvas pixels (origin top left). */
export const PANEL_BUTTONS = [
  { id: 'prev', x: 24, y: 484, w: 200, h: 92 },
  { id: 'done', x: 248, y: 484, w: 304, h: 92 },
  { id: 'next', x: 576, y: 484, w: 200, h: 92 },
] as const;
export type PanelButton = (typeof PANEL_BUTTONS)[number]['id'];

/** The button under a texture coordinate of the panel (u right, v up, as three.js gives them). */
export function buttonAt(u: number, v: number): PanelButton | null {
  const x = u * PANEL_PX.w;
  const y = (1 - v) * PANEL_PX.h;
  for (const b of PANEL_BUTTONS) if (x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h) return b.id;
  return null;
}

/** A button's centre in the panel's own frame (metres, +X right, +Y up, the panel at z = 0). */
export function buttonCentre(id: PanelButton): Vector3 {
  const b = PANEL_BUTTONS.find((x) => x.id === id)!;
  return new Vector3(((b.x + b.w / 2) / PANEL_PX.w - 0.5) * PANEL_M.w, (0.5 - (b.y + b.h / 2) / PANEL_PX.h) * PANEL_M.h, 0);
}

/**
 * Lines of `text` no wider than `width` by `measure`: CJK breaks between any two characters,
 * other text between words; at most `max` lines (the last one ends in an ellipsis if cut).
 */
export function wrapText(text: string, width: number, measure: (s: string) => number, max = 4): string[] {
  const tokens = text.match(/[\u2E80-\u9FFF\uF900-\uFAFF\uFF00-\uFFEF]|[^\s\u2E80-\u9FFF\uF900-\uFAFF\uFF00-\uFFEF]+|\s+/g) ?? [];
  const lines: string[] = [];
  let line = '';
  for (const tok of tokens) {
    const next = line + tok;
    if (line !== '' && measure(next.trimEnd()) > width) {
      lines.push(line.trimEnd());
      line = tok.trimStart();
    } else {
      line = next;
    }
  }
  if (line.trim() !== '') lines.push(line.trimEnd());
  if (lines.length > max) {
    const cut = lines.slice(0, max);
    cut[max - 1] = `${cut[max - 1]!.slice(0, -1)}…`;
    return cut;
  }
  return lines;
}

/**
 * Where the in-world panel stands (park frame): beside the equipment (its loaded bounds), on
 * the user's side of it and to their right, its middle at eye height above the equipment's
 * floor, facing the user; without bounds 1.2 m before the user. `scale` is the origin's (park
 * metres per reference metre: 1 on site).
 */
export function repairPanelPose(bounds: Box3 | null, viewer: Vector3, viewerYaw: number, scale = 1): Matrix4 {
  let at: Vector3;
  if (bounds && !bounds.isEmpty()) {
    const c = bounds.getCenter(new Vector3());
    const half = bounds.getSize(new Vector3()).multiplyScalar(0.5);
    const toUser = new Vector3(viewer.x - c.x, 0, viewer.z - c.z);
    if (toUser.lengthSq() < 1e-6) toUser.set(-Math.sin(viewerYaw), 0, -Math.cos(viewerYaw)).negate();
    toUser.normalize();
    // To the user's right as they face the equipment (toUser points back at them).
    const right = new Vector3(-toUser.z, 0, toUser.x).negate();
    const reach = Math.hypot(half.x, half.z);
    at = c.clone()
      .addScaledVector(toUser, Math.min(reach, 1.5) * 0.5 + 0.3 * scale)
      .addScaledVector(right, Math.min(reach, 3) + (0.2 + PANEL_M.w / 2) * scale);
    at.y = bounds.min.y + 1.4 * scale;
  } else {
    at = new Vector3(viewer.x - Math.sin(viewerYaw) * 1.2 * scale, viewer.y, viewer.z - Math.cos(viewerYaw) * 1.2 * scale);
  }
  // Face the user: the panel's +Z towards them.
  const yaw = Math.atan2(viewer.x - at.x, viewer.z - at.z);
  return new Matrix4().compose(at, new Quaternion().setFromAxisAngle(new Vector3(0, 1, 0), yaw), new Vector3(scale, scale, scale));
}
