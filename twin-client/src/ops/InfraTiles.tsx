/**
 * The infrastructure tileset (`infra.json`: pipes and cables as tubes at their real depth, nodes)
 * as a second 3D Tiles renderer in the twin canvas, in the same re-oriented frame as the park
 * tileset. Its tiles go through the controller like the park's (feature ids, state texture), and
 * while shown its root is scanned and picked with the park (`ctl.extraRoots`).
 */
import { useEffect, useRef } from 'react';
import { TilesRenderer } from '3d-tiles-renderer/r3f';
import type { TilesRenderer as TilesRendererImpl } from '3d-tiles-renderer/three';
import type { Object3D } from 'three';
import type { TwinController } from '../scene/controller.ts';
import { TwinTilesPlugins, pickEvents, useTilesetUrl } from '../scene/TwinCanvas.tsx';

/** Load state of the infrastructure tiles, for the view's status and the test hook. */
export interface InfraStatus {
  tiles: TilesRendererImpl | null;
  loaded: number;
  /** Re-tiles followed: in-place patches, full reloads, tiles whose content changed, the URL applied. */
  updates: TwinController['tileUpdates'];
}

/** A fresh status (nothing loaded yet). */
export function infraStatus(): InfraStatus {
  return { tiles: null, loaded: 0, updates: { notices: 0, version: '', patched: 0, reloaded: 0, contentChanged: 0 } };
}

/** Props: the controller, the infra.json URL, the park origin, whether it is shown. */
export interface InfraTilesProps {
  ctl: TwinController;
  url: string;
  origin: { lon: number; lat: number; h: number };
  visible: boolean;
  status: InfraStatus;
  onHoverMove?: (x: number, y: number) => void;
}

/**
 * The networks in 3D. A re-tile (new `?v=`) is patched into the running renderer like the park
 * tileset (tilesetUpdate.ts): only tiles whose content changed load again, none when the networks
 * did not change; only a re-planned tree remounts the renderer.
 */
export function InfraTiles({ ctl, url, origin, visible, status, onHoverMove }: InfraTilesProps) {
  const ref = useRef<TilesRendererImpl>(null);
  const mountUrl = useTilesetUrl(ctl, url, ref, status.updates);
  const register = () => {
    const t = ref.current;
    if (!t) return;
    status.tiles = t;
    t.group.visible = visible;
    if (visible) ctl.extraRoots.add(t.group);
    else ctl.extraRoots.delete(t.group);
    ctl.invalidate();
  };
  useEffect(() => {
    register();
    const group = ref.current?.group;
    return () => {
      if (group) ctl.extraRoots.delete(group);
    };
  });
  return (
    // Pointer handlers only while shown: hidden pipes must not be hit.
    <group {...(visible ? pickEvents(ctl, onHoverMove) : {})}>
      <TilesRenderer
        ref={ref}
        url={mountUrl}
        errorTarget={12}
        onLoadModel={(e) => {
          status.loaded++;
          ctl.onTileLoaded(e.scene as Object3D);
        }}
        onLoadTileset={register}
      >
        <TwinTilesPlugins origin={origin} />
      </TilesRenderer>
    </group>
  );
}
