/**
 * The WebGL part of the twin view: the park tileset through 3d-tiles-renderer's R3F components,
 * re-oriented so the park origin is (0,0,0) with +Y up, lit for the dark theme, orbit controls,
 * picking and hover. Renders on demand; the state texture is flushed right before each render.
 */
import { useEffect, useRef, useState, type ReactNode, type RefObject } from 'react';
import { Canvas, advance, useFrame, useThree, type ThreeEvent } from '@react-three/fiber';
import { OrbitControls } from '@react-three/drei';
import { TilesPlugin, TilesRenderer } from '3d-tiles-renderer/r3f';
import { GLTFExtensionsPlugin, ReorientationPlugin } from '3d-tiles-renderer/plugins';
import type { TilesRenderer as TilesRendererImpl } from '3d-tiles-renderer/three';
import { Color, Sphere, type Object3D } from 'three';
import type { OrbitControls as OrbitControlsImpl } from 'three-stdlib';
import type { ControlsLike, TwinController } from './controller.ts';
import { getJson } from '../api.ts';
import { applyTilesetUpdate, type TileJson } from './tilesetUpdate.ts';

const DEG = Math.PI / 180;
const BACKGROUND = new Color('#070d18');

/** Frame statistics for the bench and the test hook. */
export interface FrameStats {
  frames: number;
  /** CPU+GPU time of the last frames (ms), when `measure` is on (glFinish makes it honest). */
  times: number[];
  drawCalls: number;
  triangles: number;
  measure: boolean;
  /** Update work (decode, store, texture writes) done since the last frame, added to its time. */
  pendingWorkMs: number;
  /** Runs one whole frame of this canvas now, synchronously (every useFrame callback, then the render); set once mounted. */
  advance?: () => void;
}

/** The object under the pointer (see TwinController.pickFromHits). */
function firstPick(ctl: TwinController, e: ThreeEvent<PointerEvent | MouseEvent>): number {
  return ctl.pickFromHits(e.intersections);
}

function FrameDriver({ ctl, stats }: { ctl: TwinController; stats: FrameStats }) {
  const invalidate = useThree((s) => s.invalidate);
  const camera = useThree((s) => s.camera);
  const getState = useThree((s) => s.get);
  useEffect(() => {
    stats.advance = () => advance(performance.now(), false, getState());
    return () => {
      delete stats.advance;
    };
  }, [stats, getState]);
  // OrbitControls with makeDefault registers here once mounted (a separate React root from the view).
  const controls = useThree((s) => s.controls) as unknown as ControlsLike | null;
  useEffect(() => {
    ctl.invalidate = () => invalidate();
    ctl.camera = camera;
    ctl.controls = controls;
    if (controls && ctl.pendingFrame) ctl.retryPendingFrame();
    return () => {
      ctl.invalidate = () => {};
    };
  }, [ctl, invalidate, camera, controls]);
  // Priority 1: this callback renders (after the tiles' update at priority 0).
  useFrame((s) => {
    const t0 = performance.now();
    ctl.stepFlight(t0);
    ctl.state.flush(s.gl);
    s.gl.render(s.scene, s.camera);
    stats.frames++;
    stats.drawCalls = s.gl.info.render.calls;
    stats.triangles = s.gl.info.render.triangles;
    if (stats.measure) {
      s.gl.getContext().finish();
      stats.times.push(performance.now() - t0 + stats.pendingWorkMs);
      stats.pendingWorkMs = 0;
      if (stats.times.length > 10_000) stats.times.splice(0, 5_000);
    }
  }, 1);
  return null;
}

/**
 * Follows `url` with the renderer mounted at the returned URL: a new version of the same tileset is
 * patched into the running renderer (only changed tiles load again, see tilesetUpdate.ts); a
 * different tileset, or a re-planned tree, remounts the renderer. `counts` (default the park
 * tileset's) records what happened; a second tileset (the networks) keeps its own.
 */
export function useTilesetUrl(
  ctl: TwinController, url: string, tilesRef: RefObject<TilesRendererImpl | null>, counts: TwinController['tileUpdates'] = ctl.tileUpdates,
): string {
  const [mountUrl, setMountUrl] = useState(url);
  const applied = useRef(url);
  useEffect(() => {
    if (url === applied.current) return;
    const ac = new AbortController();
    const samePath = url.split('?')[0] === applied.current.split('?')[0];
    void (async () => {
      const tiles = tilesRef.current;
      let res = null;
      if (samePath && tiles?.root) {
        try {
          const json = await getJson<{ asset?: unknown; root: TileJson }>(url, ac.signal, { background: true });
          if (ac.signal.aborted) return;
          res = applyTilesetUpdate(tiles as unknown as Parameters<typeof applyTilesetUpdate>[0], json);
        } catch {
          if (ac.signal.aborted) return;
        }
      }
      applied.current = url;
      counts.version = url;
      if (res) {
        counts.patched++;
        counts.contentChanged += res.contentChanged;
        ctl.invalidate();
      } else {
        counts.reloaded++;
        setMountUrl(url);
      }
    })();
    return () => ac.abort();
  }, [ctl, url, tilesRef, counts]);
  return mountUrl;
}

/**
 * Pointer handlers for a group of twin tiles: a click picks and a move hovers the most specific
 * object at the spot, over every tileset in the scene (the park and, in x-ray, the networks).
 */
export function pickEvents(ctl: TwinController, onHoverMove?: (x: number, y: number) => void) {
  return {
    onClick: (e: ThreeEvent<MouseEvent>) => {
      e.stopPropagation();
      ctl.pick(firstPick(ctl, e));
    },
    onPointerMove: (e: ThreeEvent<PointerEvent>) => {
      e.stopPropagation();
      ctl.setHover(firstPick(ctl, e));
      onHoverMove?.(e.nativeEvent.offsetX, e.nativeEvent.offsetY);
    },
    onPointerOut: () => ctl.setHover(0),
  };
}

/** The plugins every twin tileset loads with: glTF extensions, and the park frame (origin at 0, +Y up). */
export function TwinTilesPlugins({ origin }: { origin: TwinCanvasProps['origin'] }) {
  return (
    <>
      <TilesPlugin plugin={GLTFExtensionsPlugin} args={[{ metadata: false, rtc: true, autoDispose: true }]} />
      <TilesPlugin
        plugin={ReorientationPlugin}
        args={[{ lat: origin.lat * DEG, lon: origin.lon * DEG, height: origin.h, up: '+y', recenter: true }]}
      />
    </>
  );
}

/** Props of the canvas. */
export interface TwinCanvasProps {
  ctl: TwinController;
  tilesetUrl: string;
  origin: { lon: number; lat: number; h: number };
  stats: FrameStats;
  /** Called with pointer position (CSS px) when the hovered object changes or moves. */
  onHoverMove?: (x: number, y: number) => void;
  /** Extra scene content of a view (markers, the infrastructure tileset, clipping helpers). */
  children?: ReactNode;
  /** Opacity of the ground disc (default 1; the x-ray view sees through it to what lies below). */
  groundOpacity?: number;
}

/** The 3D canvas of the twin view. */
export function TwinCanvas({ ctl, tilesetUrl, origin, stats, onHoverMove, children, groundOpacity = 1 }: TwinCanvasProps) {
  const tilesRef = useRef<TilesRendererImpl>(null);
  const controlsRef = useRef<OrbitControlsImpl>(null);
  const mountUrl = useTilesetUrl(ctl, tilesetUrl, tilesRef);

  const onTileset = () => {
    const tiles = tilesRef.current;
    if (!tiles) return;
    ctl.tilesRoot = tiles.group as Object3D;
    ctl.tilesRenderer = tiles as unknown as TwinController['tilesRenderer'];
    ctl.tilesetReady = true;
    ctl.parkSphere = () => {
      const sphere = new Sphere();
      if (!tiles.getBoundingSphere(sphere)) return null;
      tiles.group.updateMatrixWorld(true);
      return sphere.applyMatrix4(tiles.group.matrixWorld);
    };
    if (!ctl.tilesetFramed) {
      ctl.tilesetFramed = true;
      if (!ctl.pendingFrame) ctl.pendingOverview = true;
      ctl.retryPendingFrame();
    }
    ctl.invalidate();
  };

  return (
    <Canvas
      frameloop="demand"
      dpr={1}
      gl={{ antialias: true, powerPreference: 'high-performance', preserveDrawingBuffer: true }}
      camera={{ position: [400, 350, 450], fov: 45, near: 1, far: 40_000 }}
      scene={{ background: BACKGROUND }}
      onPointerMissed={() => ctl.setHover(0)}
      style={{ position: 'absolute', inset: 0 }}
    >
      <FrameDriver ctl={ctl} stats={stats} />
      <hemisphereLight args={['#9cc3ff', '#0a1322', 1.4]} />
      <directionalLight position={[300, 600, 200]} intensity={2.2} color="#fff4e0" />
      <directionalLight position={[-400, 200, -300]} intensity={0.6} color="#6fa8ff" />
      <gridHelper args={[4000, 80, '#1d3a5c', '#112238']} position={[0, -0.05, 0]} />
      <mesh rotation={[-Math.PI / 2, 0, 0]} position={[0, -0.1, 0]}>
        <circleGeometry args={[3000, 64]} />
        <meshStandardMaterial color="#0c1626" roughness={1} transparent={groundOpacity < 1} opacity={groundOpacity} depthWrite={groundOpacity >= 1} />
      </mesh>
      <group {...pickEvents(ctl, onHoverMove)}>
        <TilesRenderer
          ref={tilesRef}
          url={mountUrl}
          errorTarget={12}
          onLoadModel={(e) => ctl.onTileLoaded(e.scene as Object3D)}
          onLoadTileset={onTileset}
        >
          <TwinTilesPlugins origin={origin} />
        </TilesRenderer>
      </group>
      {children}
      <OrbitControls
        ref={controlsRef}
        makeDefault
        enableDamping={false}
        maxPolarAngle={Math.PI * 0.495}
        minDistance={5}
        maxDistance={8000}
      />
    </Canvas>
  );
}
