/**
 * Label placement: project each anchor, then keep labels greedily by priority (buildings, roads,
 * areas) and nearness, dropping any that would overlap one already kept. Sizes are estimated from
 * the text (no layout reads per frame); the DOM elements are only moved and shown or hidden.
 */
import { Vector3, type Camera } from 'three';

/** One label to place. */
export interface LabelSpec {
  key: string;
  kind: string;
  text: string;
  /** Anchor in scene coordinates. */
  pos: Vector3;
  /** Lower is kept first. */
  priority: number;
}

const FONT_PX: Record<string, number> = { building: 13, road: 12 };
const MAX_LABELS = 80;

/** Estimated box of a label in CSS px (CJK glyphs ~1 em, others ~0.6 em, plus padding). */
export function labelSize(kind: string, text: string): { w: number; h: number } {
  const px = FONT_PX[kind] ?? 12;
  let em = 0;
  for (const ch of text) em += ch.charCodeAt(0) > 0x2e80 ? 1 : 0.6;
  return { w: Math.ceil(em * px + 10), h: px + 8 };
}

const v = new Vector3();

/** Places the labels for the camera; returns how many are shown. */
export function placeLabels(specs: readonly LabelSpec[], elements: Map<string, HTMLElement>, camera: Camera, width: number, height: number): number {
  const cand: Array<{ s: LabelSpec; x: number; y: number; d: number; w: number; h: number }> = [];
  for (const s of specs) {
    v.copy(s.pos).project(camera);
    const el = elements.get(s.key);
    if (!el) continue;
    if (v.z > 1 || v.z < -1 || Math.abs(v.x) > 1.05 || Math.abs(v.y) > 1.05) {
      el.style.display = 'none';
      continue;
    }
    const { w, h } = labelSize(s.kind, s.text);
    cand.push({ s, x: ((v.x + 1) / 2) * width, y: ((1 - v.y) / 2) * height, d: v.z, w, h });
  }
  cand.sort((a, b) => a.s.priority - b.s.priority || a.d - b.d);
  const kept: Array<{ x0: number; y0: number; x1: number; y1: number }> = [];
  let shown = 0;
  for (const c of cand) {
    const el = elements.get(c.s.key)!;
    const box = { x0: c.x - c.w / 2 - 2, y0: c.y - c.h - 2, x1: c.x + c.w / 2 + 2, y1: c.y + 2 };
    const clash = shown >= MAX_LABELS || box.x0 < 0 || box.y0 < 0 || box.x1 > width || box.y1 > height
      || kept.some((k) => box.x0 < k.x1 && box.x1 > k.x0 && box.y0 < k.y1 && box.y1 > k.y0);
    if (clash) {
      el.style.display = 'none';
      continue;
    }
    kept.push(box);
    shown++;
    el.style.display = '';
    el.style.transform = `translate(${Math.round(c.x - c.w / 2)}px, ${Math.round(c.y - c.h)}px)`;
  }
  return shown;
}
