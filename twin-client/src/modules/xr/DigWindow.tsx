/**
 * The dig window in a session (inside `<XR>`): a ground surface with a round hole about the
 * user (dig.ts planes, moved with them), the pit's earth walls down to DIG_DEPTH, and the canvas's
 * grid cut the same way, so the pipes below show through the hole and stay under the ground
 * elsewhere. On site (AR) the ground is a translucent earth tint over the camera image (the real
 * ground shows through, the pipes outside the hole are dimmed); in VR it is the twin's own
 * ground colour, opaque (XrView hides the canvas's disc while the window is open).
 */
import { useEffect, useMemo, type RefObject } from 'react';
import { useFrame, useThree } from '@react-three/fiber';
import { BackSide, CircleGeometry, CylinderGeometry, Material, Mesh, MeshBasicMaterial, Plane, Vector3, type Object3D } from 'three';
import { DIG_DEPTH, digPlanes, isClipped } from './dig.ts';
import type { XrState } from './xrState.ts';

/** The dig window (mounted while a session runs). */
export function DigWindow({ xs, origin }: { xs: XrState; origin: RefObject<Object3D | null> }) {
  const gl = useThree((s) => s.gl);
  const scene = useThree((s) => s.scene);
  const parts = useMemo(() => {
    const planes: Plane[] = digPlanes(new Vector3(), 1);
    const ground = new Mesh(new CircleGeometry(1500, 96).rotateX(-Math.PI / 2), new MeshBasicMaterial({ color: '#0c1626' }));
    ground.name = 'xr-dig-ground';
    ground.position.y = -0.02;
    ground.renderOrder = 2;
    const wall = new Mesh(new CylinderGeometry(1, 1, DIG_DEPTH, 48, 1, true), new MeshBasicMaterial({ color: '#7a5a3a', side: BackSide, transparent: true, opacity: 0.85 }));
    wall.name = 'xr-dig-wall';
    for (const m of [ground, wall]) m.visible = false;
    for (const mat of [ground.material]) {
      mat.clippingPlanes = planes;
      mat.clipIntersection = true;
    }
    return { planes, ground, wall, centre: new Vector3(Number.NaN, 0, 0), radius: 0 };
  }, []);

  // The canvas's grid is cut by the same planes while the window is open.
  useEffect(() => {
    const clipped: Material[] = [];
    if (xs.digRadius > 0 && xs.session) {
      scene.traverse((o) => {
        if (o.type !== 'GridHelper') return;
        const mats = ([] as Material[]).concat((o as Mesh).material);
        for (const m of mats) {
          m.clippingPlanes = parts.planes;
          m.clipIntersection = true;
          m.needsUpdate = true;
          clipped.push(m);
        }
      });
    }
    return () => {
      for (const m of clipped) {
        m.clippingPlanes = null;
        m.needsUpdate = true;
      }
    };
  });

  useEffect(() => {
    xs.digReadback = () => ({
      radius: xs.digRadius,
      centre: parts.centre.toArray() as [number, number, number],
      localClipping: gl.localClippingEnabled,
      groundCutAt: (points) => {
        const mat = parts.ground.material;
        const on = parts.ground.visible && gl.localClippingEnabled && mat.clipIntersection && (mat.clippingPlanes?.length ?? 0) > 0;
        return points.map((p) => on && isClipped(mat.clippingPlanes!, new Vector3(...p)));
      },
    });
    return () => {
      xs.digReadback = null;
    };
  }, [xs, parts, gl]);

  useFrame(() => {
    const r = xs.digRadius;
    const on = r > 0 && Boolean(xs.session) && (xs.mode !== 'immersive-ar' || xs.placed);
    parts.ground.visible = on;
    parts.wall.visible = on;
    if (!on) return;
    gl.localClippingEnabled = true;
    const ar = xs.mode === 'immersive-ar';
    const gm = parts.ground.material;
    if (ar !== gm.transparent) {
      gm.transparent = ar;
      gm.opacity = ar ? 0.55 : 1;
      gm.depthWrite = !ar;
      gm.color.set(ar ? '#3b2f22' : '#0c1626');
      gm.needsUpdate = true;
    }
    // The user's feet in the park frame; planes move when they do (>= 5 cm) or the radius changes.
    const om = origin.current?.matrixWorld;
    if (!om) return;
    const s = xs.scale();
    const feet = new Vector3(xs.viewer.position[0], 0, xs.viewer.position[2]).applyMatrix4(om);
    const radius = r * s;
    if (Math.hypot(feet.x - parts.centre.x, feet.z - parts.centre.z) > 0.05 * s || radius !== parts.radius || Number.isNaN(parts.centre.x)) {
      parts.centre.copy(feet);
      parts.radius = radius;
      digPlanes(new Vector3(feet.x, 0, feet.z), radius, parts.planes.length, parts.planes);
      parts.wall.position.set(feet.x, -DIG_DEPTH * s / 2, feet.z);
      parts.wall.scale.set(radius, s, radius);
      xs.ctl.invalidate();
    }
  });

  return (
    <>
      <primitive object={parts.ground} />
      <primitive object={parts.wall} />
    </>
  );
}
