/**
 * `npm run build:models`: writes one compact GLB per equipment type to models/out/ plus
 * manifest.json (type, file, size in metres, up axis). Models are generated from primitives in
 * models/src/catalog.ts, so the repository holds code, not binaries.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EQUIPMENT_TYPES, equipmentModel } from '../src/catalog.ts';
import { modelGlb } from '../../twin-server/src/tiler/gltf.ts';

/** Writes every model and the manifest into `outDir`; returns the manifest. */
export function buildModels(outDir: string): { type: string; file: string; size: number[]; upAxis: 'Y'; bytes: number }[] {
  fs.mkdirSync(outDir, { recursive: true });
  const manifest = EQUIPMENT_TYPES.map((type) => {
    const m = equipmentModel(type);
    // glTF is y-up; the model's front faces glTF -Z (north), its base sits on y = 0.
    const glb = modelGlb(m.mesh, type, { type, size: m.size, upAxis: 'Y', front: '-Z (north)' });
    const file = `${type}.glb`;
    fs.writeFileSync(path.join(outDir, file), glb);
    return { type, file, size: m.size, upAxis: 'Y' as const, bytes: glb.byteLength };
  });
  fs.writeFileSync(path.join(outDir, 'manifest.json'), `${JSON.stringify({ version: 1, models: manifest }, null, 2)}\n`);
  return manifest;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../out');
  const m = buildModels(out);
  console.log(`wrote ${m.length} equipment models to ${out} (${m.reduce((s, x) => s + x.bytes, 0)} bytes)`);
}
