import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import validator from 'gltf-validator';
import { describeEachBackend } from '../db/testing.ts';
import { seedPark } from '../seed/index.ts';
import { buildTileset, type BuildResult } from './build.ts';
import { readGlb, readPropertyTable } from './inspect.ts';
import { checkTileset } from './tileset-check.ts';

// The sample park's varied geometry (towers on podiums, courtyards, L-shapes, real networks) through the tiler.
describeEachBackend('tiler on the seeded sample park', ({ db }) => {
  let out: string;
  let r: BuildResult;
  let counts: Readonly<Record<string, number>>;

  beforeAll(async () => {
    counts = (await seedPark(db(), { seed: 20261125, scale: 0.1, code: 'seeded-tiles' })).counts;
    out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'twin-seeded-tiles-')), 'seeded-tiles');
    r = await buildTileset(db(), { outDir: out, park: 'seeded-tiles' });
  }, 240_000);
  afterAll(() => {
    if (out) fs.rmSync(path.dirname(out), { recursive: true, force: true });
  });

  it('draws every building, floor, room, equipment and network object once, as its own feature', async () => {
    const idx = new Map<number, string>();
    for (const f of fs.readdirSync(out).filter((x) => x.endsWith('.glb') && !x.startsWith('overview-') && !x.includes('-shell-'))) {
      for (const row of readPropertyTable(readGlb(new Uint8Array(fs.readFileSync(path.join(out, f)))))) {
        expect(idx.has(row.idx), `idx ${row.idx} drawn twice`).toBe(false);
        idx.set(row.idx, row.kind);
      }
    }
    const kinds = [...idx.values()];
    const n = (k: string) => kinds.filter((x) => x === k).length;
    expect(n('floor')).toBe(counts.floors);
    expect(n('room')).toBe(counts.rooms);
    expect(n('equipment')).toBe(counts.equipment);
    expect(n('pipe_segment')).toBe(counts.pipeSegments);
    expect(n('pipe_node')).toBe(counts.pipeNodes);
    expect(r.features).toBeGreaterThan(counts.rooms! + counts.equipment!);
  });

  it('writes only valid GLBs (Khronos validator, 0 errors) and well-formed tilesets', async () => {
    for (const f of fs.readdirSync(out).filter((x) => x.endsWith('.glb'))) {
      const report = await validator.validateBytes(new Uint8Array(fs.readFileSync(path.join(out, f))), { maxIssues: 20 });
      expect(report.issues.numErrors, `${f}: ${JSON.stringify(report.issues.messages.slice(0, 3))}`).toBe(0);
    }
    checkTileset(out, 'tileset.json');
    checkTileset(out, 'infra.json');
  });
});
