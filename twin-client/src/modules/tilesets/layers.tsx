/**
 * The twin view's third-party tileset layers: each shown layer of the park (`GET
 * /api/tilesets/:park`, `visible` set by an administrator) drawn by its own 3D Tiles renderer in
 * the park frame (the server serves its root transform placed and nudged), with implicit tiling;
 * a panel toggles each one for this viewer. `window.__twinLayers` lets tests read what loaded and
 * frame a layer.
 */
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { Box3, Sphere, Vector3 } from 'three';
import { TilesPlugin, TilesRenderer } from '3d-tiles-renderer/r3f';
import { ImplicitTilingPlugin } from '3d-tiles-renderer/plugins';
import type { TilesRenderer as TilesRendererImpl } from '3d-tiles-renderer/three';
import { api, type GetAnswer } from '../../api/client.ts';
import { moduleOn, registeredModules, useModuleAccess } from '../registry.ts';
import type { TwinController } from '../../scene/controller.ts';
import { TwinTilesPlugins, type TwinCanvasProps } from '../../scene/TwinCanvas.tsx';
import './tilesets.css';

type Layer = GetAnswer<'/api/tilesets/{park}'>['layers'][number];

/** The park's layers, which ones this viewer hid, and what each loaded (DOM panel and canvas share it). */
class LayerStore {
  layers: Layer[] = [];
  readonly hidden = new Set<number>();
  readonly loaded = new Map<number, number>();
  /** Each drawn layer's renderer (its root bounding volume frames it before anything loaded). */
  readonly roots = new Map<number, TilesRendererImpl>();
  #v = 0;
  readonly #listeners = new Set<() => void>();
  subscribe = (fn: () => void) => {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  };
  snapshot = () => this.#v;
  setLayers(l: Layer[]): void {
    this.layers = l;
    this.emit();
  }
  toggle(id: number, on: boolean): void {
    if (on) this.hidden.delete(id);
    else this.hidden.add(id);
    this.emit();
  }
  emit(): void {
    this.#v++;
    for (const fn of this.#listeners) fn();
  }
}
export const layerStore = new LayerStore();

/**
 * Whether this principal sees tileset layers: tiles:read, and the server said it runs the module
 * (not while the module list is still loading: asking a server without it would only be a 404).
 */
function useLayersAllowed(): boolean {
  const access = useModuleAccess();
  const m = registeredModules().find((x) => x.name === 'tilesets');
  return Boolean(m && access.enabled !== null && moduleOn(m, access.enabled) && access.can('tiles:read'));
}

/** What tests read and do (window.__twinLayers). */
export interface TwinLayersHook {
  list(): Array<{ id: number; name: string; shown: boolean; loaded: number }>;
  /** Frames the layer's root bounding volume (false before its tileset.json is in). */
  frame(id: number): boolean;
  toggle(id: number, on: boolean): void;
}

function LayerTiles({ ctl, layer, origin }: { ctl: TwinController; layer: Layer; origin: TwinCanvasProps['origin'] }) {
  const ref = useRef<TilesRendererImpl>(null);
  // The served root transform changes with the placement: a new URL reloads the layer.
  const n = layer.nudge;
  const url = `${layer.url}?p=${[layer.anchor, n.east, n.north, n.up, n.heading, n.scale].join(',')}`;
  useEffect(() => () => {
    layerStore.roots.delete(layer.id);
    layerStore.loaded.delete(layer.id);
  }, [layer.id, url]);
  return (
    <TilesRenderer
      ref={ref}
      url={url}
      errorTarget={12}
      onLoadTileset={() => {
        if (ref.current) layerStore.roots.set(layer.id, ref.current);
        ctl.invalidate();
      }}
      onLoadModel={() => {
        layerStore.loaded.set(layer.id, (layerStore.loaded.get(layer.id) ?? 0) + 1);
        layerStore.emit();
        ctl.invalidate();
      }}
    >
      <TwinTilesPlugins origin={origin} />
      <TilesPlugin plugin={ImplicitTilingPlugin} />
    </TilesRenderer>
  );
}

/** The shown layers of `park`, inside the twin's canvas. */
export function TilesetLayers({ ctl, park, origin }: { ctl: TwinController; park: string; origin: TwinCanvasProps['origin'] }) {
  const allowed = useLayersAllowed();
  useSyncExternalStore(layerStore.subscribe, layerStore.snapshot);
  useEffect(() => {
    if (!allowed) return;
    const ac = new AbortController();
    const fetchLayers = () => void api.get('/api/tilesets/{park}', { params: { park }, signal: ac.signal, background: true })
      .then((r) => layerStore.setLayers(r.layers.filter((l) => l.visible)))
      .catch(() => {});
    fetchLayers();
    // An administrator's change (another tab) shows when the viewer comes back to the twin.
    window.addEventListener('focus', fetchLayers);
    const hook: TwinLayersHook = {
      list: () => layerStore.layers.map((l) => ({ id: l.id, name: l.name, shown: !layerStore.hidden.has(l.id), loaded: layerStore.loaded.get(l.id) ?? 0 })),
      frame: (id) => {
        const tiles = layerStore.roots.get(id);
        const sphere = new Sphere();
        if (!tiles?.getBoundingSphere(sphere)) return false;
        tiles.group.updateMatrixWorld(true);
        sphere.applyMatrix4(tiles.group.matrixWorld);
        ctl.frameBox(new Box3().setFromCenterAndSize(sphere.center, new Vector3(1, 1, 1).multiplyScalar(sphere.radius)), 1.2, 0);
        return true;
      },
      toggle: (id, on) => layerStore.toggle(id, on),
    };
    (window as unknown as { __twinLayers?: TwinLayersHook }).__twinLayers = hook;
    return () => {
      ac.abort();
      window.removeEventListener('focus', fetchLayers);
      layerStore.setLayers([]);
      delete (window as unknown as { __twinLayers?: TwinLayersHook }).__twinLayers;
    };
  }, [allowed, park, ctl]);
  if (!allowed) return null;
  return <>{layerStore.layers.filter((l) => !layerStore.hidden.has(l.id)).map((l) => <LayerTiles key={l.id} ctl={ctl} layer={l} origin={origin} />)}</>;
}

/** The twin's panel of tileset layers: one checkbox each (nothing when the park has none). */
export function TilesetLayerToggles() {
  const { t } = useTranslation('tilesets');
  useSyncExternalStore(layerStore.subscribe, layerStore.snapshot);
  if (layerStore.layers.length === 0) return null;
  return (
    <section className="panel twin-layer-toggles" data-panel="tileset-layers">
      <h3>{t('layersTitle')}</h3>
      {layerStore.layers.map((l) => (
        <label key={l.id}>
          <input type="checkbox" data-layer-toggle={l.id} checked={!layerStore.hidden.has(l.id)} onChange={(e) => layerStore.toggle(l.id, e.target.checked)} />
          {l.name}
        </label>
      ))}
    </section>
  );
}
