/**
 * Applies a re-tiled park's new tileset.json to the running 3d-tiles-renderer in place. Content
 * files are named by their content hash, so a tile whose file name changed is the only thing to
 * load again: it is unloaded and fetches its new file when the traversal next needs it; changed
 * bounding volumes and geometric errors are copied over; every other tile keeps its loaded
 * content (nothing unchanged is downloaded or parsed again, and the scene never goes blank).
 * When the tree's shape changed (a building added or removed re-plans the quadtree) the caller
 * reloads the whole tileset instead. (Remounting the renderer on a new URL would re-request and
 * re-parse every tile in view.)
 */

/** A tile as tileset.json describes it (the fields an update may change). */
export interface TileJson {
  boundingVolume: { box?: number[]; sphere?: number[]; region?: number[] };
  geometricError: number;
  refine?: string;
  transform?: number[];
  content?: { uri: string };
  children?: TileJson[];
}

/** What differs for one tile between the running tree and the new tileset.json. */
export interface TileChange<T extends TileJson> {
  tile: T;
  next: TileJson;
  /** Its content file changed (new hash): unload, load the new file. */
  content: boolean;
  /** Its bounding box changed. */
  volume: boolean;
  error: boolean;
}

const HASH = /-[0-9a-f]{20}(\.[a-z0-9]+)$/;

/** A content file name without its content hash: what stays the same across re-tiles. */
export function contentStem(uri: string): string {
  return uri.replace(HASH, '$1');
}

const same = (a: readonly number[] | undefined, b: readonly number[] | undefined) =>
  a === b || (a !== undefined && b !== undefined && a.length === b.length && a.every((v, i) => v === b[i]));

/**
 * Walks both trees in parallel. Returns the tiles that differ, or null when the new tree is not
 * the same shape (children, content stems, refine, transforms) or changes a non-box volume:
 * then only a full reload is right.
 */
export function diffTilesets<T extends TileJson>(current: T, next: TileJson): TileChange<T>[] | null {
  const out: TileChange<T>[] = [];
  // The renderer writes the inherited refine into every tile; tileset.json may leave it out.
  const walk = (a: T, b: TileJson, aRefine: string, bRefine: string): boolean => {
    const ac = (a.children ?? []) as T[];
    const bc = b.children ?? [];
    const ar = a.refine ?? aRefine;
    const br = b.refine ?? bRefine;
    if (ac.length !== bc.length || ar !== br || !same(a.transform, b.transform)) return false;
    if (Boolean(a.content) !== Boolean(b.content)) return false;
    if (a.content && b.content && contentStem(a.content.uri) !== contentStem(b.content.uri)) return false;
    const content = Boolean(a.content && b.content && a.content.uri !== b.content.uri);
    const volume = !same(a.boundingVolume.box, b.boundingVolume.box) || !same(a.boundingVolume.sphere, b.boundingVolume.sphere)
      || !same(a.boundingVolume.region, b.boundingVolume.region);
    if (volume && !(a.boundingVolume.box && b.boundingVolume.box)) return false;
    const error = a.geometricError !== b.geometricError;
    if (content || volume || error) out.push({ tile: a, next: b, content, volume, error });
    return ac.every((c, i) => walk(c, bc[i]!, ar, br));
  };
  return walk(current, next, 'REPLACE', 'REPLACE') ? out : null;
}

/** The parts of a three.js 3d-tiles-renderer tile an update touches (it preprocesses the JSON in place). */
export interface RendererTile extends TileJson {
  children: RendererTile[];
  engineData: { boundingVolume: { setObbData(box: number[], transform: unknown): void } | null; transform?: unknown };
}

/** The parts of the renderer an update touches. */
export interface UpdatableRenderer {
  readonly root: unknown;
  readonly rootTileset: { asset?: unknown } | null;
  readonly lruCache: { remove(tile: unknown): boolean };
  dispatchEvent(e: { type: string }): void;
}

/** Outcome of `applyTilesetUpdate`. */
export interface TilesetUpdateResult {
  /** Tiles whose content file changed (unloaded; the new file loads when in view). */
  contentChanged: number;
  /** Of those, tiles that had content loaded (so their new file will be requested while in view). */
  unloaded: number;
  /** Tiles whose volume or error changed. */
  reshaped: number;
}

/**
 * Patches the running renderer to the new tileset.json. Returns null (nothing touched) when the
 * tree changed shape; the caller then reloads the tileset.
 */
export function applyTilesetUpdate(tiles: UpdatableRenderer, json: { asset?: unknown; root: TileJson }): TilesetUpdateResult | null {
  const root = tiles.root as RendererTile | null;
  if (!root) return null;
  const diff = diffTilesets(root, json.root);
  if (!diff) return null;
  const res: TilesetUpdateResult = { contentChanged: 0, unloaded: 0, reshaped: 0 };
  for (const d of diff) {
    const t = d.tile;
    if (d.volume) {
      t.boundingVolume = d.next.boundingVolume;
      t.engineData.boundingVolume?.setObbData(d.next.boundingVolume.box!, t.engineData.transform);
    }
    if (d.error) t.geometricError = d.next.geometricError;
    if (d.volume || d.error) res.reshaped++;
    if (d.content) {
      res.contentChanged++;
      // Disposes the old content (aborting a download in flight) and marks the tile unloaded.
      if (tiles.lruCache.remove(t)) res.unloaded++;
      t.content!.uri = d.next.content!.uri;
    }
  }
  if (tiles.rootTileset && json.asset) tiles.rootTileset.asset = json.asset;
  tiles.dispatchEvent({ type: 'needs-update' });
  return res;
}
