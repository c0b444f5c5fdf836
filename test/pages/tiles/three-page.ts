/**
 * Browser test page: loads a park tileset with 3DTilesRendererJS (three), shows it in the park's
 * local ENU frame (z up) and exposes `window.tilesTest` so the test can aim the camera, wait for
 * loading to finish and pick what is under a pixel (feature id + metadata).
 */
import * as THREE from 'three';
import { TilesRenderer } from '3d-tiles-renderer';
import { GLTFExtensionsPlugin } from '3d-tiles-renderer/plugins';

interface Picked {
  idx: number | null;
  row: number | null;
  props: Record<string, unknown> | null;
  uri: string | null;
}

declare global {
  interface Window {
    tilesTest: {
      errors: string[];
      loaded: number;
      tilesLoaded: boolean;
      look(from: [number, number, number], to: [number, number, number]): void;
      waitLoaded(): Promise<number>;
      pick(x: number, y: number): Picked | null;
      /** Picks at the pixel where a local (park ENU) point appears. */
      pickWorld(x: number, y: number, z: number): Picked | null;
    };
  }
}

const params = new URLSearchParams(location.search);
const url = params.get('tileset')!;
const renderer = new THREE.WebGLRenderer({ antialias: false, preserveDrawingBuffer: true });
renderer.setPixelRatio(1);
renderer.setSize(window.innerWidth, window.innerHeight);
renderer.setClearColor(0x0b1420);
document.body.style.margin = '0';
document.body.appendChild(renderer.domElement);

const scene = new THREE.Scene();
scene.add(new THREE.HemisphereLight(0xffffff, 0x445566, 2.2));
const sun = new THREE.DirectionalLight(0xffffff, 1.6);
sun.position.set(-0.5, -0.8, 1.5);
scene.add(sun);
const camera = new THREE.PerspectiveCamera(55, window.innerWidth / window.innerHeight, 0.5, 20000);
camera.up.set(0, 0, 1);

const tiles = new TilesRenderer(url);
tiles.registerPlugin(new GLTFExtensionsPlugin({ metadata: true }));
tiles.errorTarget = Number(params.get('errorTarget') ?? 6);
tiles.setCamera(camera);
tiles.setResolutionFromRenderer(camera, renderer);
scene.add(tiles.group);

let framesSinceLook = 0;
/** Frames rendered since the root tileset arrived (-1 before): tiles are queued only by the updates after it. */
let framesSinceRoot = -1;
const state: Omit<Window['tilesTest'], 'pickWorld'> & Partial<Pick<Window['tilesTest'], 'pickWorld'>> = {
  errors: [],
  loaded: 0,
  tilesLoaded: false,
  look(from, to) {
    camera.position.set(...from);
    camera.lookAt(new THREE.Vector3(...to));
    camera.updateMatrixWorld();
    state.tilesLoaded = false;
    framesSinceLook = 0;
  },
  waitLoaded() {
    return new Promise((resolve) => {
      // Settled = a few frames ran with the new camera and nothing is queued, downloading or
      // parsing. Waiting for a fresh 'tiles-load-end' alone would hang when the new view needs no
      // new tiles (they were already loaded for the previous camera).
      // `stats` exists at run time (TilesRendererBase) but is missing from the 0.5.3 typings.
      const { stats } = tiles as unknown as { stats: { queued: number; downloading: number; parsing: number } };
      const idle = () => stats.queued + stats.downloading + stats.parsing === 0;
      // Nothing loaded yet may only mean the first requests were not queued yet (seen under heavy
      // load): "settled with nothing" needs a longer quiet spell.
      const check = () =>
        framesSinceLook >= 3 && framesSinceRoot >= (state.loaded > 0 ? 3 : 60) && tiles.loadProgress === 1 && (state.tilesLoaded || idle())
          ? resolve(state.loaded)
          : setTimeout(check, 50);
      check();
    });
  },
  pick(x, y) {
    const ray = new THREE.Raycaster();
    ray.setFromCamera(new THREE.Vector2((x / window.innerWidth) * 2 - 1, -(y / window.innerHeight) * 2 + 1), camera);
    const hit = ray.intersectObject(tiles.group, true)[0];
    if (!hit) return null;
    const obj = hit.object as THREE.Mesh;
    const features = obj.userData.meshFeatures as
      | { getFeatures(tri: number, bary: THREE.Vector3): (number | null)[]; getFeatureInfo(): { propertyTable?: number | null }[] }
      | undefined;
    let src: THREE.Object3D | null = obj;
    while (src && !src.userData.structuralMetadata) src = src.parent;
    const meta = src?.userData.structuralMetadata as { getPropertyTableData(t: (number | null)[], ids: (number | null)[]): (Record<string, unknown> | null)[] } | undefined;
    if (!features || hit.faceIndex == null || !hit.barycoord) return { idx: null, row: null, props: null, uri: null };
    const ids = features.getFeatures(hit.faceIndex, hit.barycoord);
    const info = features.getFeatureInfo();
    // Only feature-id sets with a property table can be looked up (set 1: the row).
    const k = info.findIndex((i) => i.propertyTable != null);
    const props = meta && k >= 0 ? meta.getPropertyTableData([info[k]!.propertyTable!], [ids[k] ?? null])[0] ?? null : null;
    let tileUri: string | null = null;
    for (let o: THREE.Object3D | null = obj; o; o = o.parent) {
      const t = (o as { userData: { tileUri?: string } }).userData.tileUri;
      if (t) tileUri = t;
    }
    return { idx: ids[0] ?? null, row: ids[1] ?? null, props, uri: tileUri };
  },
};
state.pickWorld = (x, y, z) => {
  const v = new THREE.Vector3(x, y, z).project(camera);
  return state.pick(((v.x + 1) / 2) * window.innerWidth, ((1 - v.y) / 2) * window.innerHeight);
};
window.tilesTest = state as Window['tilesTest'];

tiles.addEventListener('load-root-tileset', (e: { tileset: { root: { transform?: number[] } } }) => {
  // Undo the ENU -> ECEF root transform so the scene works in park metres with z up.
  const m = new THREE.Matrix4().fromArray(e.tileset.root.transform!);
  tiles.group.matrix.copy(m.invert());
  tiles.group.matrixAutoUpdate = false;
  tiles.group.updateMatrixWorld(true);
  framesSinceRoot = 0;
});
tiles.addEventListener('load-model', (e: { scene: THREE.Object3D; tile: { content?: { uri?: string } } }) => {
  state.loaded++;
  e.scene.userData.tileUri = e.tile.content?.uri ?? null;
});
tiles.addEventListener('tiles-load-end', () => {
  state.tilesLoaded = true;
});
tiles.addEventListener('load-error', (e: { error: Error; url: string }) => state.errors.push(`${e.url}: ${e.error.message}`));

function frame() {
  camera.updateMatrixWorld();
  tiles.update();
  framesSinceLook++;
  if (framesSinceRoot >= 0) framesSinceRoot++;
  renderer.render(scene, camera);
  requestAnimationFrame(frame);
}
frame();
