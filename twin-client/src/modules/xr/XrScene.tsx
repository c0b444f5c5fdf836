/**
 * The XR part of the twin canvas (inside `<XR>`): the XR origin that maps the session's reference
 * space into the park frame (placement.ts), the XR camera registered with the tiles renderers so
 * their screen-space error follows the headset (its pose, its per-eye framebuffer size), the
 * controllers' rays (drawn, and on `select` picking the object they hit), the AR hit-test reticle
 * and marker placement, and the in-world panel of the picked object.
 */
import { useEffect, useMemo, useRef } from 'react';
import { useFrame, useThree } from '@react-three/fiber';
import { XROrigin, useXR, useXRControllerLocomotion } from '@react-three/xr';
import {
  BufferGeometry, CanvasTexture, DoubleSide, Float32BufferAttribute, Group, Line, LineBasicMaterial, Matrix4, Mesh, MeshBasicMaterial,
  PlaneGeometry, Quaternion, RingGeometry, Vector3, type Object3D,
} from 'three';
import type { TwinController } from '../../scene/controller.ts';
import { yawOf } from './placement.ts';
import type { XrState } from './xrState.ts';
import { RepairPanel } from './RepairPanel.tsx';
import { DigWindow } from './DigWindow.tsx';

/** The tiles renderer calls used to register the XR camera (3d-tiles-renderer's TilesRenderer). */
interface CameraTiles {
  setCamera(c: Object3D): boolean;
  deleteCamera(c: Object3D): boolean;
  setResolution(c: Object3D, w: number, h: number): boolean;
}

const tmpM = new Matrix4();
const tmpQ = new Quaternion();

/**
 * Registers the XR (array) camera with every tiles renderer of the scene while a session runs,
 * at the per-eye framebuffer resolution, so tiles refine as the headset moves, not as the desktop
 * camera was left. Runs before the tiles' own update (priority -1).
 */
function XrTilesCamera({ ctl, xs }: { ctl: TwinController; xs: XrState }) {
  const gl = useThree((s) => s.gl);
  const registered = useRef(new Set<CameraTiles>());
  useFrame(() => {
    const xrCam = gl.xr.getCamera();
    const session = gl.xr.getSession();
    const renderers = [ctl.tilesRenderer, ...xs.extraTiles()].filter(Boolean) as unknown as CameraTiles[];
    if (!session) {
      for (const t of registered.current) t.deleteCamera(xrCam);
      registered.current.clear();
      return;
    }
    const layer = session.renderState.baseLayer;
    const eyes = Math.max(1, xrCam.cameras.length);
    const w = Math.max(1, Math.round((layer?.framebufferWidth ?? gl.domElement.width) / eyes));
    const h = Math.max(1, layer?.framebufferHeight ?? gl.domElement.height);
    xrCam.updateMatrixWorld(true);
    xs.xrCamera = xrCam;
    for (const t of renderers) {
      if (!registered.current.has(t)) {
        t.setCamera(xrCam);
        registered.current.add(t);
      }
      t.setResolution(xrCam, w, h);
    }
    xs.xrResolution = [w, h];
    for (const t of renderers) patchResolution(t, xs);
  }, -1);
  useEffect(() => () => {
    const xrCam = gl.xr.getCamera();
    for (const t of registered.current) t.deleteCamera(xrCam);
  }, [gl]);
  return null;
}

const patched = new WeakSet<object>();

/**
 * 3d-tiles-renderer's R3F component sizes the scene camera from the canvas every frame; in a
 * session that camera is the XR one, whose screen-space error must use the per-eye framebuffer.
 */
function patchResolution(t: CameraTiles, xs: XrState): void {
  if (patched.has(t)) return;
  patched.add(t);
  const r = t as CameraTiles & { setResolutionFromRenderer(c: Object3D, renderer: unknown): boolean };
  const orig = r.setResolutionFromRenderer.bind(r);
  r.setResolutionFromRenderer = (c, renderer) =>
    c === xs.xrCamera && xs.session && xs.xrResolution[0] > 0 ? r.setResolution(c, xs.xrResolution[0], xs.xrResolution[1]) : orig(c, renderer);
}

/** Canvas texture of the in-world panel: the object's name, kind and rows of values. */
function drawPanel(canvas: HTMLCanvasElement, title: string, rows: ReadonlyArray<readonly [string, string]>): void {
  const g = canvas.getContext('2d')!;
  g.fillStyle = 'rgba(8,18,34,0.92)';
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.strokeStyle = '#3d8bfd';
  g.lineWidth = 6;
  g.strokeRect(3, 3, canvas.width - 6, canvas.height - 6);
  g.fillStyle = '#ffffff';
  g.font = 'bold 44px "Noto Sans SC Variable", sans-serif';
  g.fillText(title, 28, 64);
  g.font = '32px "Noto Sans SC Variable", sans-serif';
  rows.slice(0, 9).forEach(([k, v], i) => {
    g.fillStyle = '#9fb3cc';
    g.fillText(k, 28, 120 + i * 46);
    g.fillStyle = '#ffffff';
    g.fillText(v, 300, 120 + i * 46);
  });
}

/** The session's content: origin, camera registration, rays, picking, AR placement, panel. */
export function XrScene({ ctl, xs }: { ctl: TwinController; xs: XrState }) {
  const gl = useThree((s) => s.gl);
  const session = useXR((s) => s.session);
  const mode = useXR((s) => s.mode);
  const origin = useRef<Group>(null);
  const reticle = useMemo(() => {
    const m = new Mesh(new RingGeometry(0.12, 0.16, 32).rotateX(-Math.PI / 2), new MeshBasicMaterial({ color: '#4cd964' }));
    m.matrixAutoUpdate = false;
    m.visible = false;
    return m;
  }, []);
  const rays = useMemo(() => [0, 1].map(() => {
    const geo = new BufferGeometry();
    geo.setAttribute('position', new Float32BufferAttribute([0, 0, 0, 0, 0, -1], 3));
    const l = new Line(geo, new LineBasicMaterial({ color: '#7fd1ff' }));
    l.matrixAutoUpdate = false;
    l.frustumCulled = false;
    l.visible = false;
    return l;
  }), []);
  const panel = useMemo(() => {
    const canvas = document.createElement('canvas');
    canvas.width = 768;
    canvas.height = 560;
    const tex = new CanvasTexture(canvas);
    const m = new Mesh(new PlaneGeometry(0.96, 0.7), new MeshBasicMaterial({ map: tex, side: DoubleSide, transparent: true }));
    m.visible = false;
    return { canvas, tex, mesh: m };
  }, []);
  useXRControllerLocomotion(origin, { speed: xs.scaleMode ? 0.5 : 2 });

  // The origin follows the placement (AR marker, table model, teleport, nudge).
  useFrame(() => {
    const o = origin.current;
    if (!o) return;
    o.matrixAutoUpdate = false;
    if (!o.matrix.equals(xs.origin)) {
      o.matrix.copy(xs.origin);
      o.matrixWorldNeedsUpdate = true;
    }
  }, -2);

  // Per frame: controller ray poses (in the park frame), AR hit-test, the panel's pose.
  useFrame((_s, _d, frame?: XRFrame) => {
    const ref = gl.xr.getReferenceSpace();
    if (!frame || !ref || !origin.current) return;
    origin.current.updateMatrixWorld(true);
    const om = origin.current.matrixWorld;
    let i = 0;
    xs.rays.length = 0;
    for (const src of frame.session.inputSources) {
      const pose = frame.getPose(src.targetRaySpace, ref);
      if (!pose) continue;
      const world = new Matrix4().fromArray(pose.transform.matrix).premultiply(om);
      xs.rays.push({ handedness: src.handedness, matrix: world, profile: src.targetRayMode });
      const l = rays[i++];
      if (l) {
        l.matrix.copy(world).multiply(tmpM.makeScale(1, 1, 300 * xs.scale()));
        l.matrixWorldNeedsUpdate = true;
        l.visible = src.targetRayMode === 'tracked-pointer';
      }
    }
    for (; i < rays.length; i++) rays[i]!.visible = false;
    if (xs.hitSource) {
      const hits = frame.getHitTestResults(xs.hitSource);
      const pose = hits[0]?.getPose(ref);
      if (pose) {
        const m = new Matrix4().fromArray(pose.transform.matrix);
        xs.lastHit = { position: [pose.transform.position.x, pose.transform.position.y, pose.transform.position.z], matrix: m };
        reticle.matrix.copy(m).premultiply(om);
        reticle.matrixWorldNeedsUpdate = true;
        reticle.visible = !xs.placed;
      }
    }
    const viewer = frame.getViewerPose(ref);
    if (viewer) {
      const t = viewer.transform;
      xs.viewer = { position: [t.position.x, t.position.y, t.position.z], yaw: yawOf(tmpQ.set(t.orientation.x, t.orientation.y, t.orientation.z, t.orientation.w)) };
    }
  });

  // Session start/end: hit-test source in AR, select handling, the initial placement.
  useEffect(() => {
    if (!session) return;
    xs.session = session;
    xs.mode = mode;
    let cancelled = false;
    if (mode === 'immersive-ar' && session.requestHitTestSource) {
      void session.requestReferenceSpace('viewer').then((viewerSpace) => session.requestHitTestSource!({ space: viewerSpace }))
        .then((src) => {
          if (cancelled) src?.cancel();
          else xs.hitSource = src ?? null;
        })
        .catch((e: unknown) => { xs.hitError = String(e); });
    }
    const onSelect = (e: XRInputSourceEvent) => {
      if (xs.mode === 'immersive-ar' && !xs.placed && xs.lastHit) {
        xs.placeAtHit();
        return;
      }
      const ray = xs.rays.find((r) => r.handedness === e.inputSource.handedness) ?? xs.rays[0];
      if (ray && !xs.uiHit?.(ray.matrix)) xs.selectAlong(ray.matrix);
    };
    session.addEventListener('select', onSelect);
    xs.onSessionStart(mode);
    return () => {
      cancelled = true;
      session.removeEventListener('select', onSelect);
      xs.hitSource?.cancel();
      xs.hitSource = null;
      xs.onSessionEnd();
    };
  }, [session, mode, xs]);

  // The in-world panel: redrawn when the selection's data changes, placed before the user.
  useEffect(() => xs.onPanel((p) => {
    if (!p) {
      panel.mesh.visible = false;
      return;
    }
    drawPanel(panel.canvas, p.title, p.rows);
    panel.tex.needsUpdate = true;
    const v = xs.viewer;
    const om = origin.current?.matrixWorld ?? new Matrix4();
    const s = xs.scale();
    // 1.2 m in front of the user at eye height, facing them (in the reference space, then the park frame).
    const local = new Matrix4().compose(
      new Vector3(v.position[0] - Math.sin(v.yaw) * 1.2, v.position[1], v.position[2] - Math.cos(v.yaw) * 1.2),
      new Quaternion().setFromAxisAngle(new Vector3(0, 1, 0), v.yaw), new Vector3(1, 1, 1));
    local.premultiply(om);
    local.decompose(panel.mesh.position, panel.mesh.quaternion, panel.mesh.scale);
    panel.mesh.scale.setScalar(s);
    panel.mesh.visible = true;
    ctl.invalidate();
  }), [xs, panel, ctl]);

  return (
    <>
      <XROrigin ref={origin} />
      <XrTilesCamera ctl={ctl} xs={xs} />
      <primitive object={reticle} />
      {rays.map((l, i) => <primitive key={i} object={l} />)}
      <primitive object={panel.mesh} />
      <RepairPanel xs={xs} origin={origin} />
      <DigWindow xs={xs} origin={origin} />
    </>
  );
}
