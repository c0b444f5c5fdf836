/**
 * The dig window (issue 17): the ground cut away inside a radius around the user, so the pipes
 * below are seen in context (the ground stays everywhere else). The cut is made with three.js
 * clipping planes on the ground's material: a regular polygon of vertical planes tangent to the
 * circle, with `clipIntersection`, so a fragment is dropped only when it lies on the inner side
 * of all of them, i.e. inside the polygon (the circle to 2 mm at 48 sides and 1 m radius).
 */
import { Plane, Vector3 } from 'three';

/** Sides of the polygon that stands for the circle. */
export const DIG_SIDES = 48;
/** Radii offered (metres, on site). */
export const DIG_RADII = [2, 4, 8] as const;
/** How deep the pit's walls go (metres). */
export const DIG_DEPTH = 4;

/**
 * Clipping planes of a vertical cylinder (the window) about `centre` (park frame, +Y up) with
 * `radius`: a point p is clipped by a plane when `plane.distanceToPoint(p) < 0`; with
 * `clipIntersection` only points clipped by all planes go, i.e. those inside the polygon
 * circumscribed about the circle.
 */
export function digPlanes(centre: Vector3, radius: number, sides = DIG_SIDES, into: Plane[] = []): Plane[] {
  into.length = sides;
  for (let i = 0; i < sides; i++) {
    const a = (i / sides) * Math.PI * 2;
    const p = into[i] ?? new Plane();
    // Outward normal o, distance o . (x - centre) - r: zero on the tangent line, negative inside.
    p.normal.set(Math.cos(a), 0, Math.sin(a));
    p.constant = -(p.normal.dot(centre) + radius);
    into[i] = p;
  }
  return into;
}

/** Whether `p` is cut away by the planes in the way the renderer applies them with `clipIntersection`. */
export function isClipped(planes: readonly Plane[], p: Vector3): boolean {
  return planes.length > 0 && planes.every((pl) => pl.distanceToPoint(p) < 0);
}

/** The dig window's scene read-back for tests (DigWindow installs it on the XR state while a session runs). */
export interface DigReadback {
  radius: number;
  centre: [number, number, number];
  localClipping: boolean;
  /** Whether the ground is cut away at each park point, as the renderer applies the ground material's planes. */
  groundCutAt(points: ReadonlyArray<readonly [number, number, number]>): boolean[];
}
