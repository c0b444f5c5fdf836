/**
 * Pure spatial subdivision for the tiler (no database, no I/O): a region quadtree that splits
 * until every leaf is under the caps on items and weight (triangles). Leaves partition the root
 * rectangle, so any later point (outdoor equipment, a moved building) has exactly one leaf.
 */

/** A rectangle [x0, y0, x1, y1] in local metres. */
export type Rect = [number, number, number, number];

/** Something to place: a point and a weight (e.g. its triangle count). */
export interface Item {
  readonly id: number;
  readonly x: number;
  readonly y: number;
  readonly weight: number;
}

/** A leaf of the quadtree. `key` is the path from the root: "r", "r0", "r03", ... */
export interface Leaf {
  readonly key: string;
  readonly rect: Rect;
  readonly items: number[];
}

/** Caps per leaf. */
export interface Caps {
  readonly maxItems: number;
  readonly maxWeight: number;
  /** Safety stop for degenerate input (all items at one point). */
  readonly maxDepth?: number;
}

/** The smallest square (with a margin) containing every point, so quadrants stay square. */
export function boundingSquare(points: Iterable<readonly [number, number]>, margin = 1): Rect {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const [x, y] of points) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  if (!Number.isFinite(x0)) return [-margin, -margin, margin, margin];
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const h = Math.max(x1 - x0, y1 - y0) / 2 + margin;
  return [cx - h, cy - h, cx + h, cy + h];
}

/**
 * Splits `items` inside `rect` into quadtree leaves, each with at most `maxItems` items and
 * `maxWeight` total weight (a single heavier item still gets its own leaf). Empty quadrants
 * produce no leaf; the leaves' rects still cover every item. Deterministic for the same input.
 */
export function quadtree(items: readonly Item[], rect: Rect, caps: Caps): Leaf[] {
  const out: Leaf[] = [];
  const maxDepth = caps.maxDepth ?? 16;
  const visit = (key: string, r: Rect, its: readonly Item[], depth: number) => {
    if (its.length === 0) return;
    const weight = its.reduce((s, i) => s + i.weight, 0);
    if ((its.length <= caps.maxItems && weight <= caps.maxWeight) || its.length === 1 || depth >= maxDepth) {
      out.push({ key, rect: r, items: its.map((i) => i.id) });
      return;
    }
    const mx = (r[0] + r[2]) / 2;
    const my = (r[1] + r[3]) / 2;
    const quads: Rect[] = [
      [r[0], r[1], mx, my],
      [mx, r[1], r[2], my],
      [r[0], my, mx, r[3]],
      [mx, my, r[2], r[3]],
    ];
    const parts: Item[][] = [[], [], [], []];
    for (const it of its) parts[(it.x >= mx ? 1 : 0) + (it.y >= my ? 2 : 0)]!.push(it);
    quads.forEach((q, k) => visit(`${key}${k}`, q, parts[k]!, depth + 1));
  };
  visit('r', rect, items, 0);
  return out;
}

/**
 * The leaf whose rectangle holds (x, y), with the quadtree's own tie rule (half-open rects, so a
 * point on a shared edge goes to the upper/right leaf); points outside every leaf go to the nearest.
 */
export function leafFor<T extends { rect: Rect }>(leaves: readonly T[], x: number, y: number): T | undefined {
  for (const l of leaves) {
    const [x0, y0, x1, y1] = l.rect;
    if (x >= x0 && x < x1 && y >= y0 && y < y1) return l;
  }
  let best: T | undefined;
  let bestD = Infinity;
  for (const l of leaves) {
    const [x0, y0, x1, y1] = l.rect;
    const dx = Math.max(x0 - x, 0, x - x1);
    const dy = Math.max(y0 - y, 0, y - y1);
    const d = dx * dx + dy * dy;
    if (d < bestD) {
      bestD = d;
      best = l;
    }
  }
  return best;
}
