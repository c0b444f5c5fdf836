import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import validator from 'gltf-validator';
import { buildModels } from './build-models.ts';
import { EQUIPMENT_TYPES } from '../src/catalog.ts';

describe('equipment models', () => {
  it('covers every equipment.type of the core schema', () => {
    const sql = fs.readFileSync(path.resolve(import.meta.dirname, '../../twin-server/src/db/migrations/001_core.sql'), 'utf8');
    const block = /type text NOT NULL CHECK \(type IN \(([^)]*)\)\)/.exec(sql)![1]!;
    const types = [...block.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]);
    expect([...EQUIPMENT_TYPES].sort()).toEqual(types.sort());
  });

  it('writes one compact GLB per type that passes gltf-validator, and a manifest with sizes and up axis', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-models-'));
    const manifest = buildModels(dir);
    expect(manifest).toHaveLength(EQUIPMENT_TYPES.length);
    const onDisk = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(onDisk.models.map((m: { type: string }) => m.type)).toEqual([...EQUIPMENT_TYPES]);
    for (const m of manifest) {
      expect(m.upAxis).toBe('Y');
      expect(Math.min(...m.size)).toBeGreaterThan(0);
      expect(m.bytes).toBeLessThan(16_000);
      const report = await validator.validateBytes(new Uint8Array(fs.readFileSync(path.join(dir, m.file))));
      expect(report.issues.numErrors, m.file).toBe(0);
      expect(report.issues.numWarnings, m.file).toBe(0);
    }
    // Real-world scale: a chiller is metres long, a smoke detector centimetres.
    const size = (t: string) => manifest.find((m) => m.type === t)!.size;
    expect(size('chiller')[0]).toBeGreaterThan(3);
    expect(Math.max(...size('fire_detector'))).toBeLessThan(0.3);
  });
});
