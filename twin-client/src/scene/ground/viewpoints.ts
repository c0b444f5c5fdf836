/**
 * Saved viewpoints of the twin (issue 20, "framing and roaming"): a camera position and orbit
 * target per entry, kept per park in this browser (localStorage), at most MAX_VIEWPOINTS. A click
 * flies the camera there smoothly (the controller's eased flight).
 */

/** One saved viewpoint (scene metres, +Y up). */
export interface Viewpoint {
  id: string;
  pos: [number, number, number];
  target: [number, number, number];
}

export const MAX_VIEWPOINTS = 6;

const key = (park: string) => `twin.viewpoints.${park}`;
const finite3 = (v: unknown): v is [number, number, number] => Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/** The park's saved viewpoints (a damaged entry is dropped, not thrown). */
export function loadViewpoints(park: string): Viewpoint[] {
  try {
    const raw = JSON.parse(localStorage.getItem(key(park)) ?? '[]') as unknown;
    if (!Array.isArray(raw)) return [];
    return raw.filter((v): v is Viewpoint => typeof v?.id === 'string' && finite3(v.pos) && finite3(v.target)).slice(0, MAX_VIEWPOINTS);
  } catch {
    return [];
  }
}

/** Stores the park's viewpoints. */
export function saveViewpoints(park: string, list: readonly Viewpoint[]): void {
  try {
    localStorage.setItem(key(park), JSON.stringify(list.slice(0, MAX_VIEWPOINTS)));
  } catch {
    // Storage full or off (private mode): the list lives for this page only.
  }
}

/** The list with a new viewpoint appended (the oldest dropped beyond MAX_VIEWPOINTS). */
export function addViewpoint(list: readonly Viewpoint[], pos: [number, number, number], target: [number, number, number]): Viewpoint[] {
  const used = new Set(list.map((v) => v.id));
  let n = 1;
  while (used.has(String(n))) n++;
  const round = (p: [number, number, number]) => p.map((x) => Math.round(x * 100) / 100) as [number, number, number];
  return [...list, { id: String(n), pos: round(pos), target: round(target) }].slice(-MAX_VIEWPOINTS);
}
