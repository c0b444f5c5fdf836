import { describe, expect, it } from 'vitest';
import { Quaternion, Vector3, Euler } from 'three';
import { nudge, originFromMarker, poseMatrix, tableOrigin, yawOf } from './placement.ts';

describe('XR placement', () => {
  it('a marker seen in the reference space lands on its surveyed park point, facing its heading', () => {
    const survey = { position: [120, 0, -40] as const, yaw: 0.7 };
    const seen = { position: [1.5, 0, -2] as const, yaw: -1.1 };
    const o = originFromMarker(survey, seen);
    const p = new Vector3(...seen.position).applyMatrix4(o);
    expect(p.distanceTo(new Vector3(...survey.position))).toBeLessThan(1e-9);
    // One metre along the marker's arrow in the room is one metre along its surveyed heading in the park.
    const ahead = new Vector3(0, 0, -1).applyMatrix4(poseMatrix(seen)).applyMatrix4(o);
    const want = new Vector3(0, 0, -1).applyMatrix4(poseMatrix(survey));
    expect(ahead.distanceTo(want)).toBeLessThan(1e-9);
    // A point 2 m under the floor stays 2 m under the park ground.
    expect(new Vector3(1.5, -2, -2).applyMatrix4(o).y).toBeCloseTo(-2, 9);
  });
  it('yawOf inverts a yaw rotation; nudge moves and turns about the user', () => {
    for (const y of [-3, -1, 0, 0.5, 2.9]) expect(yawOf(new Quaternion().setFromEuler(new Euler(0, y, 0)))).toBeCloseTo(y, 9);
    const o = originFromMarker({ position: [10, 0, 10], yaw: 0 }, { position: [0, 0, 0], yaw: 0 });
    const user = new Vector3(0, 1.6, 0);
    const n = nudge(o, user, 0.5, 0, Math.PI / 2);
    expect(user.clone().applyMatrix4(n).x).toBeCloseTo(10.5, 9);
    expect(new Vector3(0, 0, -1).applyMatrix4(n).x).toBeCloseTo(9.5, 9);
  });
  it('the table model fits the park into the table size, its centre on the table', () => {
    const o = tableOrigin(new Vector3(200, 0, 100), 300, 1.2, 0.9, 1.2);
    expect(new Vector3(0, 0.9, -1.2).applyMatrix4(o).distanceTo(new Vector3(200, 0, 100))).toBeLessThan(1e-9);
    expect(new Vector3(0.6, 0.9, -1.2).applyMatrix4(o).x).toBeCloseTo(500, 6);
  });
});
