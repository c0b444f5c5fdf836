import { describe, expect, it } from 'vitest';
import { Vector3 } from 'three';
import { DIG_SIDES, digPlanes, isClipped } from './dig.ts';

describe('dig window planes', () => {
  it('clip the ground inside the radius around the user and nowhere else', () => {
    const c = new Vector3(120, 1.6, -40);
    const planes = digPlanes(c, 4);
    expect(planes).toHaveLength(DIG_SIDES);
    for (let a = 0; a < Math.PI * 2; a += 0.37) {
      const dir = new Vector3(Math.cos(a), 0, Math.sin(a));
      expect(isClipped(planes, new Vector3(120, 0, -40).addScaledVector(dir, 3.9))).toBe(true);
      expect(isClipped(planes, new Vector3(120, -3, -40).addScaledVector(dir, 1))).toBe(true);
      expect(isClipped(planes, new Vector3(120, 0, -40).addScaledVector(dir, 4.1))).toBe(false);
      expect(isClipped(planes, new Vector3(120, 0, -40).addScaledVector(dir, 40))).toBe(false);
    }
    // Planes are reused when the user moves.
    const again = digPlanes(new Vector3(0, 0, 0), 2, DIG_SIDES, planes);
    expect(again).toBe(planes);
    expect(isClipped(planes, new Vector3(120, 0, -40))).toBe(false);
    expect(isClipped(planes, new Vector3(1, 0, 1))).toBe(true);
  });
});
