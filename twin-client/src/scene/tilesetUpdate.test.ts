import { describe, expect, it } from 'vitest';
import { contentStem, diffTilesets, type TileJson } from './tilesetUpdate.ts';

const H1 = '0123456789abcdef0123';
const H2 = 'fedcba9876543210fedc';
const box = (z: number) => [0, 0, z, 10, 0, 0, 0, 10, 0, 0, 0, z];

/** root -> leaf (overview) -> two building shells, like the tiler's buildings tileset. */
function tileset(shell7 = H1, height7 = 5, extra = false): TileJson {
  const shells: TileJson[] = [
    { boundingVolume: { box: box(5) }, geometricError: 4, content: { uri: `b5-shell-${H1}.glb` } },
    { boundingVolume: { box: box(height7) }, geometricError: 4, content: { uri: `b7-shell-${shell7}.glb` } },
  ];
  if (extra) shells.push({ boundingVolume: { box: box(5) }, geometricError: 4, content: { uri: `b9-shell-${H1}.glb` } });
  return {
    boundingVolume: { box: box(Math.max(5, height7)) }, geometricError: 100, refine: 'REPLACE', transform: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
    children: [{ boundingVolume: { box: box(Math.max(5, height7)) }, geometricError: 8, content: { uri: `overview-0-${shell7 === H1 ? H1 : H2}.glb` }, children: shells }],
  };
}

describe('tileset update diff', () => {
  it('strips only the content hash from a file name', () => {
    expect(contentStem(`b12-interior-${H1}.glb`)).toBe('b12-interior.glb');
    expect(contentStem('tileset.json')).toBe('tileset.json');
  });

  it('finds nothing to do for the same tileset', () => {
    expect(diffTilesets(tileset(), tileset())).toEqual([]);
    // The renderer fills in inherited refine values; that is not a change.
    const running = tileset();
    running.children![0]!.refine = 'REPLACE';
    running.children![0]!.children!.forEach((c) => { c.refine = 'REPLACE'; });
    expect(diffTilesets(running, tileset())).toEqual([]);
    const add = tileset();
    add.children![0]!.refine = 'ADD';
    expect(diffTilesets(running, add)).toBeNull();
  });

  it('lists exactly the tiles whose content file or box changed', () => {
    const cur = tileset();
    const d = diffTilesets(cur, tileset(H2, 11))!;
    expect(d.map((c) => [c.tile.content?.uri ?? 'root', c.content, c.volume, c.error])).toEqual([
      ['root', false, true, false],
      [`overview-0-${H1}.glb`, true, true, false],
      [`b7-shell-${H1}.glb`, true, true, false],
    ]);
    // The unchanged building is not touched.
    expect(d.some((c) => c.tile === cur.children![0]!.children![0])).toBe(false);
  });

  it('refuses an in-place update when the tree changed shape or a non-box volume changed', () => {
    expect(diffTilesets(tileset(), tileset(H1, 5, true))).toBeNull();
    const renamed = tileset();
    renamed.children![0]!.children![1]!.content!.uri = `b8-shell-${H2}.glb`;
    expect(diffTilesets(tileset(), renamed)).toBeNull();
    const moved = tileset();
    moved.transform = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 5, 0, 0, 1];
    expect(diffTilesets(tileset(), moved)).toBeNull();
    const sphere = (r: number): TileJson => ({ boundingVolume: { sphere: [0, 0, 0, r] }, geometricError: 1 });
    expect(diffTilesets(sphere(1), sphere(2))).toBeNull();
    expect(diffTilesets(sphere(1), sphere(1))).toEqual([]);
  });
});
