/**
 * The CesiumJS globe, fully offline: no ion token, the NaturalEarthII imagery bundled with Cesium
 * (copied to /cesium/ by the Vite build), the park outline from /api/map/parks and the park's own
 * 3D Tiles from /tiles/<park>/tileset.json. When the tileset is not built yet, building footprints
 * from /api/map/buildings are extruded instead, so the park is never an empty patch.
 */
import {
  BoundingSphere, Cartesian3, Cesium3DTileset, CesiumWidget, Color, HeadingPitchRange, ImageryLayer, Ion, Math as CesiumMath,
  Matrix4, PolygonHierarchy, SceneTransforms, TileMapServiceImageryProvider, buildModuleUrl,
} from 'cesium';
import 'cesium/Build/Cesium/Widgets/widgets.css';
import { getCollection, MapApiError, type BuildingProps, type Feature, type ParkProps, type Polygon } from '../map/api.ts';
import { industryColour } from '../map/style.ts';

// Vite defines CESIUM_BASE_URL (see vite.config.ts); Cesium reads the global of that name to find
// its Workers and Assets. Setting it on window too keeps it right when the define is absent (dev).
declare const CESIUM_BASE_URL: string | undefined;
const w = window as unknown as { CESIUM_BASE_URL?: string };
w.CESIUM_BASE_URL ??= typeof CESIUM_BASE_URL === 'string' ? CESIUM_BASE_URL : '/cesium/';

/** What the globe reports on `window.twinGlobeStatus`, so tests wait on real events. */
export interface GlobeStatus {
  state: 'loading' | 'ready' | 'login' | 'error' | 'empty';
  /** 'ready' once the tileset's allTilesLoaded fired; 'missing' when the park has no tileset yet. */
  tileset: 'none' | 'loading' | 'ready' | 'missing' | 'error';
  /** Globe imagery tiles for the current view are all loaded. */
  imagery: boolean;
  /** Buildings drawn from footprints (tileset missing). */
  footprints: number;
  error?: string;
}

declare global {
  interface Window {
    twinGlobeStatus?: GlobeStatus;
    /** Test mode only: page pixel of a lon/lat/height (height above the park datum), or null when off screen. */
    twinGlobeProject?: (lon: number, lat: number, height: number) => [number, number] | null;
  }
}

/** Options of the globe. */
export interface GlobeOptions {
  readonly park?: string | undefined;
  /** Deterministic rendering for tests: no MSAA, sky, atmosphere, fog or FXAA. */
  readonly test: boolean;
  readonly onStatus?: (s: GlobeStatus) => void;
  /** Aborting stops loading and destroys the widget (React unmounts, StrictMode's double mount). */
  readonly signal?: AbortSignal;
}

/** A running globe; `destroy` frees the WebGL context and listeners. */
export interface Globe {
  readonly widget: CesiumWidget;
  readonly park: Feature<ParkProps, Polygon> | null;
  flyHome(): void;
  destroy(): void;
}

/** Creates the globe in `container` and loads the park into it. */
export async function createGlobe(container: HTMLElement, opts: GlobeOptions): Promise<Globe> {
  // No ion: an empty token means nothing ever asks api.cesium.com for anything.
  Ion.defaultAccessToken = '';
  let status: GlobeStatus = { state: 'loading', tileset: 'none', imagery: false, footprints: 0 };
  const report = (s: Partial<GlobeStatus>) => {
    status = { ...status, ...s };
    window.twinGlobeStatus = status;
    opts.onStatus?.(status);
  };
  report({});

  const imagery = ImageryLayer.fromProviderAsync(
    TileMapServiceImageryProvider.fromUrl(buildModuleUrl('Assets/Textures/NaturalEarthII')),
  );
  const widget = new CesiumWidget(container, {
    baseLayer: imagery,
    ...(opts.test
      ? { msaaSamples: 1, skyBox: false as const, skyAtmosphere: false as const, useBrowserRecommendedResolution: true }
      : { msaaSamples: 4 }),
    contextOptions: { webgl: { preserveDrawingBuffer: opts.test } },
  });
  const scene = widget.scene;
  if (opts.test) {
    scene.fog.enabled = false;
    scene.globe.showGroundAtmosphere = false;
    scene.postProcessStages.fxaa.enabled = false;
    if (scene.sun) scene.sun.show = false;
    if (scene.moon) scene.moon.show = false;
  }
  scene.globe.depthTestAgainstTerrain = false;
  if (opts.test) {
    window.twinGlobeProject = (lon, lat, height) => {
      const h = park?.properties.origin[2] ?? 0;
      const p = SceneTransforms.worldToWindowCoordinates(scene, Cartesian3.fromDegrees(lon, lat, h + height));
      const r = widget.canvas.getBoundingClientRect();
      return p ? [r.left + p.x, r.top + p.y] : null;
    };
  }
  scene.backgroundColor = Color.fromCssColorString('#05080f');

  let tileset: Cesium3DTileset | null = null;
  let park: Feature<ParkProps, Polygon> | null = null;
  let sphere: BoundingSphere | null = null;
  const offPostRender = scene.postRender.addEventListener(() => {
    const imageryDone = scene.globe.tilesLoaded;
    if (imageryDone !== status.imagery) report({ imagery: imageryDone });
    const tilesDone = status.tileset === 'ready' || status.tileset === 'missing' || status.tileset === 'error';
    if (status.state === 'loading' && park && imageryDone && tilesDone) report({ state: 'ready' });
  });

  const flyHome = () => {
    if (!sphere) return;
    const range = Math.max(sphere.radius * 2.6, 400);
    widget.camera.viewBoundingSphere(sphere, new HeadingPitchRange(CesiumMath.toRadians(15), CesiumMath.toRadians(-35), range));
    // viewBoundingSphere locks the camera onto the sphere; release it so the mouse orbits freely.
    widget.camera.lookAtTransform(Matrix4.IDENTITY);
  };

  // Checked after every await: an aborted globe frees its WebGL context and stops fetching.
  const live = () => {
    if (!opts.signal?.aborted) return;
    offPostRender();
    if (!widget.isDestroyed()) widget.destroy();
    throw new DOMException('globe disposed', 'AbortError');
  };
  try {
    const parks = await getCollection<ParkProps, Polygon>('parks', opts.park ? { park: opts.park } : {}, opts.signal);
    live();
    park = parks.features[0] ?? null;
    if (!park) {
      report({ state: 'empty' });
    } else {
      const [, , h] = park.properties.origin;
      const ring = park.geometry.coordinates[0] ?? [];
      const positions = Cartesian3.fromDegreesArrayHeights(ring.flatMap(([lon, lat]) => [lon!, lat!, h + 0.5]));
      sphere = BoundingSphere.fromPoints(positions);
      widget.entities.add({
        name: 'park-boundary',
        polygon: {
          hierarchy: new PolygonHierarchy(positions),
          perPositionHeight: true,
          material: Color.fromCssColorString('#2d6cdf').withAlpha(0.25),
        },
        polyline: { positions, width: 3, material: Color.fromCssColorString('#ffd24a') },
      });
      flyHome();
      tileset = await loadTileset(widget, park.properties.code, report, opts.signal);
      live();
      if (!tileset) {
        const n = await drawFootprints(widget, park, h, opts.signal);
        live();
        report({ footprints: n });
      }
    }
  } catch (err) {
    if (opts.signal?.aborted) {
      live();
    }
    const login = err instanceof MapApiError && err.status === 401;
    report({ state: login ? 'login' : 'error', error: err instanceof Error ? err.message : String(err) });
  }
  scene.requestRender();

  return {
    widget,
    park,
    flyHome,
    destroy() {
      offPostRender();
      if (!widget.isDestroyed()) widget.destroy();
    },
  };
}

/** Loads the park tileset; null when the park has none yet (404) or it cannot be read. */
async function loadTileset(widget: CesiumWidget, code: string, report: (s: Partial<GlobeStatus>) => void, signal?: AbortSignal): Promise<Cesium3DTileset | null> {
  const url = `/tiles/${encodeURIComponent(code)}/tileset.json`;
  // Ask first with a plain fetch: a missing tileset is a normal state, not an error to log.
  const head = await fetch(url, { credentials: 'same-origin', ...(signal ? { signal } : {}) }).catch(() => null);
  if (signal?.aborted) return null;
  if (!head || !head.ok) {
    report({ tileset: head && (head.status === 404 || head.status === 403) ? 'missing' : 'error' });
    return null;
  }
  report({ tileset: 'loading' });
  try {
    const tileset = await Cesium3DTileset.fromUrl(url, { maximumScreenSpaceError: 8 });
    tileset.allTilesLoaded.addEventListener(() => report({ tileset: 'ready' }));
    tileset.tileFailed.addEventListener((e: { url: string; message: string }) => report({ error: `tile ${e.url}: ${e.message}` }));
    widget.scene.primitives.add(tileset);
    return tileset;
  } catch (err) {
    report({ tileset: 'error', error: err instanceof Error ? err.message : String(err) });
    return null;
  }
}

/** Extrudes building footprints coloured by industry (the stand-in while tiles are not built). */
async function drawFootprints(widget: CesiumWidget, park: Feature<ParkProps, Polygon>, h: number, signal?: AbortSignal): Promise<number> {
  const buildings = await getCollection<BuildingProps, Polygon>('buildings', { park: park.properties.code }, signal);
  if (signal?.aborted) return 0;
  for (const b of buildings.features) {
    const ring = (b.geometry.coordinates[0] ?? []).slice(0, -1);
    const [r, g, bl] = industryColour(b.properties.industry);
    widget.entities.add({
      name: b.properties.name,
      polygon: {
        hierarchy: new PolygonHierarchy(Cartesian3.fromDegreesArray(ring.flatMap(([lon, lat]) => [lon!, lat!]))),
        height: h,
        extrudedHeight: h + b.properties.height,
        material: Color.fromBytes(r, g, bl, 235),
        outline: false,
      },
    });
  }
  return buildings.features.length;
}
