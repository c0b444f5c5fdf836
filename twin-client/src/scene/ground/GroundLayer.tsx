/**
 * The ground of the twin scene (issue 20): the park's boundary, planning blocks, green, parking,
 * plaza, water and named roads from PostGIS (GET /api/ground/:code), street lights, a generated
 * sky dome and labels (building and road names) that avoid each other. Day and night: at night
 * the sky and the ground darken, the scene's lights dim, street lights and light pools glow and
 * the buildings' windows glow warm. No network beyond the app's own API, no imagery, the app's font.
 *
 * Renders inside the R3F canvas (a child of TwinCanvas); the labels are a DOM overlay on the canvas.
 */
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useFrame, useThree } from '@react-three/fiber';
import { useTranslation } from 'react-i18next';
import {
  AdditiveBlending, AlwaysDepth, BackSide, BoxGeometry, CircleGeometry, Color, InstancedMesh, LineBasicMaterial, LineSegments, Matrix4,
  MeshBasicMaterial, ShaderMaterial, SphereGeometry, Vector3, type Light, type Material, type Mesh, type MeshStandardMaterial, type Object3D,
} from 'three';
import { getJson } from '../../api.ts';
import { useModuleAccess } from '../../modules/registry.ts';
import type { TwinController } from '../controller.ts';
import type { FrameStats } from '../TwinCanvas.tsx';
import { GROUND_COLOURS, groundGeometry, lampLineGeometry, paintGround, paintLamps, streetLights, toScene, type GroundData } from './geometry.ts';
import { groundSettings, type GroundSettings } from './settings.ts';
import { placeLabels, type LabelSpec } from './labels.ts';

const skyDir = new Vector3();

const SKY = {
  day: { top: new Color('#4f86c6'), horizon: new Color('#cfe3f2') },
  night: { top: new Color('#02040a'), horizon: new Color('#0e1a30') },
};
/** How much the scene's own lights keep at night. */
const NIGHT_LIGHT = 0.3;

/** The test and bench surface of the ground (`window.__ground`). */
export interface GroundTestHook {
  /** True once the ground data is in and its meshes are built. */
  ready(): boolean;
  settings(): GroundSettings;
  set(patch: Partial<GroundSettings>): void;
  /** Labels shown now: text, kind and page rectangle (CSS px). */
  labels(): Array<{ text: string; kind: string; x: number; y: number; w: number; h: number }>;
  /** Day/night colours of the ground layers (for pixel checks). */
  colours(): Record<string, { day: string; night: string }>;
  /** Counts of what the ground drew from the data. */
  counts(): { areas: number; roads: number; labels: number; lights: number };
}

function useSettings(): GroundSettings {
  useSyncExternalStore(groundSettings.subscribe, groundSettings.version);
  return groundSettings.get();
}

const skyMaterial = () => new ShaderMaterial({
  side: BackSide,
  depthWrite: false,
  depthTest: false,
  uniforms: { top: { value: SKY.day.top.clone() }, horizon: { value: SKY.day.horizon.clone() } },
  vertexShader: `varying vec3 vDir;
void main() { vDir = normalize(position); gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0); }`,
  fragmentShader: `uniform vec3 top; uniform vec3 horizon; varying vec3 vDir;
void main() { float t = clamp(vDir.y * 2.2, 0.0, 1.0); gl_FragColor = vec4(mix(horizon, top, sqrt(t)), 1.0); }`,
});

/** The ground layer; `park` is the park code, `stats` receives the label work time while measuring. */
export function GroundLayer({ ctl, park, stats }: { ctl: TwinController; park: string; stats?: FrameStats }) {
  const s = useSettings();
  const { i18n } = useTranslation();
  const en = i18n.language === 'en';
  const [data, setData] = useState<GroundData | null>(null);
  const gl = useThree((st) => st.gl);
  const scene = useThree((st) => st.scene);
  const camera = useThree((st) => st.camera);
  const invalidate = useThree((st) => st.invalidate);

  // Only when the server's ground module is on (the module list is known).
  const moduleOn = useModuleAccess().enabled?.has('ground') ?? false;
  useEffect(() => {
    if (!moduleOn) return;
    const ac = new AbortController();
    getJson<GroundData>(`/api/ground/${encodeURIComponent(park)}`, ac.signal, { background: true })
      .then((d) => setData(d))
      .catch(() => {});
    return () => ac.abort();
  }, [park, moduleOn]);

  // The ground: every flat layer (terrain, park, blocks, green, roads, markings, water) in one
  // vertex-coloured mesh, one draw, painted in layer order (see groundGeometry).
  const ground = useMemo(() => {
    if (!data) return null;
    const built = groundGeometry(data);
    if (!built) return null;
    const material = new MeshBasicMaterial({ vertexColors: true, toneMapped: false, depthFunc: AlwaysDepth });
    paintGround(built.geometry, built.layerOf, 'day');
    return { ...built, material };
  }, [data]);
  useEffect(() => () => {
    ground?.geometry.dispose();
    ground?.material.dispose();
  }, [ground]);

  // Street lights. Low quality: poles and heads as one line draw (a box and a sphere per light
  // cost ~90 vertices each on software WebGL, for a pixel or two at the overview), light pools
  // with 12 segments. High: box poles, sphere heads, 20-segment pools. Pools show at night only.
  const lamps = useMemo(() => {
    if (!data) return null;
    const pts = streetLights(data);
    const n = pts.length / 2;
    if (n === 0) return null;
    const low = s.quality === 'low';
    const line = low ? new LineSegments(lampLineGeometry(pts), new LineBasicMaterial({ vertexColors: true, toneMapped: false })) : null;
    if (line) paintLamps(line.geometry, false);
    const pole = low ? null : new InstancedMesh(new BoxGeometry(0.25, 7, 0.25).translate(0, 3.5, 0), new MeshBasicMaterial({ color: '#5a5f66', toneMapped: false }), n);
    const head = low ? null : new InstancedMesh(new SphereGeometry(0.7, 8, 6).translate(0, 7.2, 0), new MeshBasicMaterial({ color: '#bfc3c8', toneMapped: false }), n);
    const pool = new InstancedMesh(
      new CircleGeometry(9, low ? 12 : 20).rotateX(-Math.PI / 2).translate(0, 0.05, 0),
      new MeshBasicMaterial({ color: '#ffb54a', toneMapped: false, transparent: true, opacity: 0.32, blending: AdditiveBlending, depthWrite: false, polygonOffset: true, polygonOffsetFactor: -12, polygonOffsetUnits: -48 }),
      n,
    );
    const m = new Matrix4();
    for (let i = 0; i < n; i++) {
      m.makeTranslation(...toScene(pts[2 * i]!, pts[2 * i + 1]!));
      pole?.setMatrixAt(i, m);
      head?.setMatrixAt(i, m);
      pool.setMatrixAt(i, m);
    }
    pool.renderOrder = -30;
    for (const x of [pole, head, pool, line]) if (x) x.frustumCulled = false;
    return { pole, head, pool, line, n, objects: [pole, head, pool, line].filter((x): x is NonNullable<typeof x> => x !== null) };
  }, [data, s.quality]);
  useEffect(() => () => {
    for (const x of lamps?.objects ?? []) {
      x.geometry.dispose();
      (x.material as Material).dispose();
      if ('dispose' in x) x.dispose();
    }
  }, [lamps]);

  const sky = useMemo(() => ({ geometry: new SphereGeometry(15_000, 24, 12), material: skyMaterial() }), []);
  useEffect(() => () => {
    sky.geometry.dispose();
    sky.material.dispose();
  }, [sky]);
  const skyRef = useRef<Mesh>(null);

  // Day / night: ground colours, sky, the scene's lights, street lights, building glow.
  const litMaterials = useRef(new Set<MeshStandardMaterial>());
  const seenTiles = useRef(-1);
  useEffect(() => {
    const mode = s.night ? 'night' : 'day';
    if (ground) paintGround(ground.geometry, ground.layerOf, mode);
    sky.material.uniforms.top!.value.copy(SKY[mode].top);
    sky.material.uniforms.horizon!.value.copy(SKY[mode].horizon);
    scene.traverse((o) => {
      const light = o as Light;
      if (!light.isLight) return;
      if (light.userData.dayIntensity === undefined) light.userData.dayIntensity = light.intensity;
      light.intensity = (light.userData.dayIntensity as number) * (s.night ? NIGHT_LIGHT : 1);
    });
    if (lamps) {
      if (lamps.head) (lamps.head.material as MeshBasicMaterial).color.set(s.night ? '#fff1c4' : '#bfc3c8');
      if (lamps.line) paintLamps(lamps.line.geometry, s.night);
      lamps.pool.visible = s.night;
    }
    seenTiles.current = -1; // re-apply the building glow on the next frame
    invalidate();
  }, [s.night, ground, lamps, sky, scene, invalidate]);

  // Labels: a DOM overlay over the canvas, placed on frames where the camera moved.
  const overlay = useMemo(() => {
    const el = document.createElement('div');
    el.className = 'scene-labels';
    el.setAttribute('aria-hidden', 'true');
    return el;
  }, []);
  useEffect(() => {
    const parent = gl.domElement.parentElement;
    parent?.appendChild(overlay);
    return () => overlay.remove();
  }, [gl, overlay]);
  const specs = useMemo<LabelSpec[]>(() => {
    if (!data) return [];
    const out: LabelSpec[] = [];
    for (const b of data.labels) out.push({ key: `b${b.idx}`, kind: 'building', text: (en && b.nameEn) || b.name, pos: new Vector3(...toScene(b.x, b.y, b.height + 4)), priority: 0 });
    for (const r of data.roads) {
      const n = r.line.length / 2;
      // Two anchors along each road (at a third and two thirds), so long roads stay named in view.
      for (const f of [1 / 3, 2 / 3]) {
        const k = Math.min(n - 2, Math.floor(f * (n - 1)));
        const t = f * (n - 1) - k;
        const x = r.line[2 * k]! + (r.line[2 * k + 2]! - r.line[2 * k]!) * t;
        const y = r.line[2 * k + 1]! + (r.line[2 * k + 3]! - r.line[2 * k + 1]!) * t;
        out.push({ key: `r${r.code}${f}`, kind: 'road', text: (en && r.nameEn) || r.name, pos: new Vector3(...toScene(x, y, 0.5)), priority: 1 });
      }
    }
    for (const a of data.areas) {
      if (a.kind !== 'water' && a.kind !== 'green' && a.kind !== 'plaza') continue;
      const ring = a.rings[0] ?? [];
      let x = 0;
      let y = 0;
      for (let i = 0; i < ring.length; i += 2) {
        x += ring[i]!;
        y += ring[i + 1]!;
      }
      const n = ring.length / 2 || 1;
      out.push({ key: `a${a.code}`, kind: a.kind, text: (en && a.nameEn) || a.name, pos: new Vector3(...toScene(x / n, y / n, 0.5)), priority: 2 });
    }
    return out;
  }, [data, en]);
  const elements = useRef(new Map<string, HTMLDivElement>());
  useEffect(() => {
    const map = elements.current;
    for (const el of map.values()) el.remove();
    map.clear();
    for (const l of specs) {
      const el = document.createElement('div');
      el.className = `scene-label scene-label-${l.kind}`;
      el.textContent = l.text;
      el.dataset.kind = l.kind;
      el.style.display = 'none';
      overlay.appendChild(el);
      map.set(l.key, el);
    }
    lastCamera.current.identity().elements[0] = NaN; // force a placement
    invalidate();
  }, [specs, overlay, invalidate]);
  useEffect(() => {
    overlay.style.display = s.labels ? '' : 'none';
    overlay.classList.toggle('night', s.night);
  }, [overlay, s.labels, s.night]);

  const lastCamera = useRef(new Matrix4());
  const viewSize = useThree((st) => st.size);
  useFrame(() => {
    const t0 = performance.now();
    if (skyRef.current) {
      // The sky only where the horizon can be in view (a full-screen pass is dear on software GL).
      const sky = skyRef.current;
      sky.position.copy(camera.position);
      camera.getWorldDirection(skyDir);
      const halfFov = (((camera as { fov?: number }).fov ?? 45) * Math.PI) / 360;
      sky.visible = Math.asin(Math.max(-1, Math.min(1, skyDir.y))) + halfFov * 1.05 > 0;
    }
    // Building glow: new tiles get it as they load (cheap check per frame, a traversal on change).
    if (ctl.tilesRoot && seenTiles.current !== ctl.tilesLoaded) {
      seenTiles.current = ctl.tilesLoaded;
      ctl.tilesRoot.traverse((o: Object3D) => {
        const mesh = o as Mesh;
        if (!mesh.isMesh) return;
        for (const m of Array.isArray(mesh.material) ? mesh.material : [mesh.material]) {
          const std = m as MeshStandardMaterial;
          if (!std.isMeshStandardMaterial) continue;
          litMaterials.current.add(std);
        }
      });
      for (const m of litMaterials.current) {
        m.emissive.set(groundSettings.get().night ? '#ffc46b' : '#000000');
        m.emissiveIntensity = groundSettings.get().night ? 0.22 : 0;
      }
    }
    if (groundSettings.get().labels && specs.length && !lastCamera.current.equals(camera.matrixWorld)) {
      lastCamera.current.copy(camera.matrixWorld);
      camera.updateMatrixWorld();
      placeLabels(specs, elements.current, camera, viewSize.width, viewSize.height);
    }
    if (stats?.measure) stats.pendingWorkMs += performance.now() - t0;
  }, 0);

  useEffect(() => {
    const hook: GroundTestHook = {
      ready: () => data !== null && ground !== null,
      settings: () => groundSettings.get(),
      set: (p) => groundSettings.set(p),
      labels: () => {
        const out: ReturnType<GroundTestHook['labels']> = [];
        for (const el of elements.current.values()) {
          if (el.style.display === 'none' || overlay.style.display === 'none') continue;
          const r = el.getBoundingClientRect();
          out.push({ text: el.textContent ?? '', kind: el.dataset.kind ?? '', x: r.left, y: r.top, w: r.width, h: r.height });
        }
        return out;
      },
      colours: () => GROUND_COLOURS,
      counts: () => ({ areas: data?.areas.length ?? 0, roads: data?.roads.length ?? 0, labels: specs.length, lights: lamps?.n ?? 0 }),
    };
    (window as unknown as { __ground?: GroundTestHook }).__ground = hook;
    return () => {
      delete (window as unknown as { __ground?: GroundTestHook }).__ground;
    };
  }, [data, ground, specs, lamps, overlay]);

  // With the ground on (and its data in), the canvas's dark disc and grid (the old void) are hidden: they lie under the
  // terrain anyway, and a lit full-screen disc is the dearest pass on software WebGL.
  useEffect(() => {
    const hidden: Object3D[] = [];
    scene.traverse((o) => {
      const mesh = o as Mesh;
      const isGrid = o.type === 'GridHelper';
      const isDisc = mesh.isMesh && mesh.geometry?.type === 'CircleGeometry' && ((mesh.geometry as unknown as { parameters: { radius: number } }).parameters.radius >= 2000);
      if ((isGrid || isDisc) && o.visible && s.ground && ground !== null) {
        o.visible = false;
        hidden.push(o);
      }
    });
    invalidate();
    return () => {
      for (const o of hidden) o.visible = true;
      invalidate();
    };
  }, [scene, s.ground, ground, invalidate]);

  if (!s.ground) return null;
  return (
    <group name="ground">
      <mesh ref={skyRef} geometry={sky.geometry} material={sky.material} renderOrder={-1000} frustumCulled={false} raycast={() => null} />
      {ground && <mesh name="ground-layers" geometry={ground.geometry} material={ground.material} renderOrder={-50} raycast={() => null} />}
      {lamps?.objects.map((o) => <primitive key={o.id} object={o} raycast={() => null} />)}
    </group>
  );
}
