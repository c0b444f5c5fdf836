/**
 * The section box: six clipping planes around a building or one floor (renderer-wide, so the
 * park, the networks and the ground are all cut the same way), its outline, and the controller's
 * clip box so clicks ignore what is cut away.
 */
import { useEffect, useMemo } from 'react';
import { useThree } from '@react-three/fiber';
import { Box3, Plane, Vector3 } from 'three';
import type { SectionBoxJson } from '@park-twin/layers';
import type { TwinController } from '../scene/controller.ts';

/** The six inward-facing planes that keep exactly what is inside `box`. */
export function planesOf(box: Box3): Plane[] {
  const { min, max } = box;
  return [
    new Plane(new Vector3(1, 0, 0), -min.x), new Plane(new Vector3(-1, 0, 0), max.x),
    new Plane(new Vector3(0, 1, 0), -min.y), new Plane(new Vector3(0, -1, 0), max.y),
    new Plane(new Vector3(0, 0, 1), -min.z), new Plane(new Vector3(0, 0, -1), max.z),
  ];
}

/**
 * The scene's box for a park-metres box. The ReorientationPlugin puts the park in its object
 * frame: +y up, +z north, +x west.
 */
export function sceneBox(b: SectionBoxJson): Box3 {
  return new Box3(new Vector3(-b.max[0], b.min[2], b.min[1]), new Vector3(-b.min[0], b.max[2], b.max[1]));
}

/** What the user chose: the object's box (world space) and how far to widen and deepen it. */
export interface SectionChoice {
  /** Box of the building, or of the floor (the building's plan, the floor's elevation and height). */
  base: Box3;
  /** Horizontal margin, metres. */
  margin: number;
  /** How far below the box's bottom to keep, metres (services under a building). */
  below: number;
}

/** The box a choice cuts to. */
export function sectionBox(c: SectionChoice): Box3 {
  const b = c.base.clone();
  b.min.x -= c.margin;
  b.min.z -= c.margin;
  b.max.x += c.margin;
  b.max.z += c.margin;
  b.min.y -= c.below;
  return b;
}

/** Scene part of the section box (inside the canvas). */
export function SectionBox({ ctl, box }: { ctl: TwinController; box: Box3 | null }) {
  const gl = useThree((s) => s.gl);
  const planes = useMemo(() => (box ? planesOf(box) : []), [box]);
  useEffect(() => {
    gl.clippingPlanes = planes;
    ctl.clipBox = box;
    ctl.invalidate();
    return () => {
      gl.clippingPlanes = [];
      ctl.clipBox = null;
    };
  }, [gl, ctl, box, planes]);
  return box ? <box3Helper args={[box, '#3fc1ff']} /> : null;
}
