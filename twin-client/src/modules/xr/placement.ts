/**
 * Where the park goes in an XR session. The session's reference space (metres, +Y up, the floor at
 * y = 0 for `local-floor`) is mapped into the park frame (the scene: park origin at 0, +Y up) by
 * the XR origin's matrix O: park = O * reference.
 *
 * - On site (AR), from a surveyed marker: a printed marker lies at a known park point Q with a
 *   known heading; the phone finds the floor under it (hit-test) and its facing, pose P in the
 *   reference space. Then O = Q * P^-1: the marker's reference pose lands on its park point.
 * - Nudge: a small translation / rotation of O about the user, for a marker a little off.
 * - Table model (VR): the whole park scaled down in front of the user (O scales up by `1/s`).
 */
import { Euler, Matrix4, Quaternion, Vector3 } from 'three';

/** A surveyed marker: park-frame point (local metres) and the heading its arrow points (radians, about +Y). */
export interface MarkerSurvey {
  readonly position: readonly [number, number, number];
  readonly yaw: number;
}

/** A pose in the reference space: position and yaw about +Y (radians). */
export interface GroundPose {
  readonly position: readonly [number, number, number];
  readonly yaw: number;
}

/** Matrix of a position + yaw (+Y up, no tilt: markers lie flat, the floor is level). */
export function poseMatrix(p: GroundPose, scale = 1): Matrix4 {
  return new Matrix4().compose(new Vector3(...p.position), new Quaternion().setFromEuler(new Euler(0, p.yaw, 0)), new Vector3(scale, scale, scale));
}

/** The origin matrix that puts the marker seen at `seen` (reference space) on its surveyed park point. */
export function originFromMarker(survey: MarkerSurvey, seen: GroundPose): Matrix4 {
  return poseMatrix(survey).multiply(poseMatrix(seen).invert());
}

/** Yaw (about +Y) of a rotation, from its forward (-Z) vector projected on the floor. */
export function yawOf(q: Quaternion): number {
  const f = new Vector3(0, 0, -1).applyQuaternion(q);
  return Math.atan2(-f.x, -f.z);
}

/** `o` nudged by dx/dz metres (park frame) and dyaw radians about the park point under the user. */
export function nudge(o: Matrix4, user: Vector3, dx: number, dz: number, dyaw: number): Matrix4 {
  const at = user.clone().applyMatrix4(o);
  const rot = new Matrix4().makeTranslation(at.x, 0, at.z)
    .multiply(new Matrix4().makeRotationY(dyaw))
    .multiply(new Matrix4().makeTranslation(-at.x, 0, -at.z));
  return new Matrix4().makeTranslation(dx, 0, dz).multiply(rot).multiply(o);
}

/**
 * Table-model origin: the park (its bounding sphere centre and radius) shown as a model of
 * `tableSize` metres across, its ground at `tableHeight`, `distance` metres in front of the
 * reference origin (towards -Z).
 */
export function tableOrigin(centre: Vector3, radius: number, tableSize = 1.2, tableHeight = 0.9, distance = 1.2): Matrix4 {
  const k = (2 * radius) / tableSize; // park metres per reference metre
  // park = T(centre) * S(k) * T(-(table point)): the table point maps to the park centre (at ground).
  return new Matrix4().makeTranslation(centre.x, 0, centre.z)
    .multiply(new Matrix4().makeScale(k, k, k))
    .multiply(new Matrix4().makeTranslation(0, -tableHeight, distance));
}
