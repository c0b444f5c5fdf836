/**
 * Structural checks of a written tileset, shared by the tiler tests: the 3D Tiles rules a runtime
 * relies on (boxes nest, errors shrink downwards, contents inside their tiles, one root transform).
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { glbBounds, readGlb } from './inspect.ts';

/** A tile as written in tileset.json. */
export interface Tile {
  boundingVolume: { box: number[] };
  geometricError: number;
  refine?: string;
  content?: { uri: string };
  children?: Tile[];
  transform?: number[];
}

const boxBounds = (b: number[]) => [b[0]! - b[3]!, b[1]! - b[7]!, b[2]! - b[11]!, b[0]! + b[3]!, b[1]! + b[7]!, b[2]! + b[11]!];
const inside = (inner: number[], outer: number[], tol = 1e-3) =>
  [0, 1, 2].every((k) => inner[k]! >= outer[k]! - tol && inner[k + 3]! <= outer[k + 3]! + tol);

/** Walks a tileset and checks the 3D Tiles rules a runtime relies on; returns the tiles with content. */
export function checkTileset(dir: string, file: string): { tiles: Tile[]; depth: number } {
  const ts = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  expect(ts.asset.version).toBe('1.1');
  expect(Number(ts.asset.tilesetVersion)).toBeGreaterThan(0);
  expect(ts.geometricError).toBeGreaterThan(ts.root.geometricError);
  const withContent: Tile[] = [];
  let depth = 0;
  const walk = (t: Tile, parent: Tile | null, d: number) => {
    depth = Math.max(depth, d);
    expect(t.boundingVolume.box).toHaveLength(12);
    // Half-axes are axis aligned and positive.
    expect([t.boundingVolume.box[4], t.boundingVolume.box[5], t.boundingVolume.box[6], t.boundingVolume.box[8], t.boundingVolume.box[9], t.boundingVolume.box[10]]).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Math.min(t.boundingVolume.box[3]!, t.boundingVolume.box[7]!, t.boundingVolume.box[11]!)).toBeGreaterThan(0);
    expect(t.geometricError).toBeGreaterThanOrEqual(0);
    if (parent) {
      expect(t.transform).toBeUndefined(); // one frame for the whole tileset
      expect(t.geometricError).toBeLessThan(parent.geometricError);
      expect(inside(boxBounds(t.boundingVolume.box), boxBounds(parent.boundingVolume.box))).toBe(true);
    }
    if (t.content) {
      const bytes = fs.readFileSync(path.join(dir, t.content.uri));
      const b = glbBounds(readGlb(new Uint8Array(bytes)));
      expect(inside(b, boxBounds(t.boundingVolume.box), 0.01), `${t.content.uri} inside its tile`).toBe(true);
      withContent.push(t);
    }
    for (const c of t.children ?? []) walk(c, t, d + 1);
  };
  walk(ts.root, null, 0);
  return { tiles: withContent, depth };
}

/** File name -> mtime of a folder. */
export function snapshot(dir: string): Map<string, number> {
  return new Map(fs.readdirSync(dir).map((f) => [f, fs.statSync(path.join(dir, f)).mtimeMs]));
}

