/** Route-contract cases of the tilesets module (one per route; collected by twin-server/src/http/openapi.test.ts). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import { zipSync } from 'fflate';
import { CONTRACT_PARK, q, type ContractCases, type Fixture } from '../../http/contract.ts';
import { rawUploadClient } from '../repairs/testing.ts';

/** The shared 3D Tiles samples (a same-host path the contract run allows). */
const SAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../shared/fixtures/3d-tiles-samples');
const fresh = () => `contract-${Math.random().toString(36).slice(2, 8)}`;

/** Adds the implicit quadtree sample as a layer of the contract park (allowing the samples folder) and returns its id. */
async function layer(f: Fixture): Promise<number> {
  process.env.TWIN_TILESET_PATHS = SAMPLES;
  const r = await (await f.as('tilesets:admin')).req('POST', `/api/tilesets/${CONTRACT_PARK}/path`, { name: fresh(), path: path.join(SAMPLES, '1.1/SparseImplicitQuadtree') });
  if (r.status !== 201) throw new Error(`layer add failed: ${r.status} ${JSON.stringify(r.body)}`);
  return (r.body as { id: number }).id;
}

/** A zip of a one-tile tileset whose content sits two folders down (a/b/tile.glb, a GLB of the quadtree sample). */
function nestedZip(): Buffer {
  const glb = fs.readFileSync(path.join(SAMPLES, '1.1/SparseImplicitQuadtree/content', fs.readdirSync(path.join(SAMPLES, '1.1/SparseImplicitQuadtree/content'))[0]!));
  const tileset = { asset: { version: '1.1' }, geometricError: 10, root: { boundingVolume: { box: [0.5, 0.5, 0, 0.5, 0, 0, 0, 0.5, 0, 0, 0, 0.1] }, geometricError: 0, content: { uri: 'a/b/tile.glb' } } };
  return Buffer.from(zipSync({ 'tileset.json': new TextEncoder().encode(JSON.stringify(tileset)), 'a/b/tile.glb': new Uint8Array(glb) }));
}

/** Uploads the nested zip as a layer and returns its id. */
async function uploaded(f: Fixture): Promise<number> {
  const c = rawUploadClient(await f.as('tilesets:admin'), 'application/zip', nestedZip());
  const r = await c.req('POST', `/api/tilesets/${CONTRACT_PARK}/upload${q({ name: fresh() })}`);
  if (r.status !== 201) throw new Error(`layer upload failed: ${r.status} ${r.text}`);
  return (r.body as { id: number }).id;
}

export const CONTRACT: ContractCases = {
  'GET /api/tilesets/:park': async (f) => ({ client: await f.as('tiles:read'), path: `/api/tilesets/${CONTRACT_PARK}` }),
  'POST /api/tilesets/:park/upload': async (f) => ({
    client: rawUploadClient(await f.as('tilesets:admin'), 'application/zip', nestedZip()), path: `/api/tilesets/${CONTRACT_PARK}/upload${q({ name: fresh() })}`,
  }),
  'POST /api/tilesets/:park/path': async (f) => {
    process.env.TWIN_TILESET_PATHS = SAMPLES;
    return { client: await f.as('tilesets:admin'), path: `/api/tilesets/${CONTRACT_PARK}/path`, body: { name: fresh(), path: path.join(SAMPLES, '1.1/SparseImplicitOctree') } };
  },
  'PATCH /api/tilesets/:park/:id': async (f) => ({ client: await f.as('tilesets:admin'), path: `/api/tilesets/${CONTRACT_PARK}/${await layer(f)}`, body: { nudge: { east: 5, scale: 50 } } }),
  'DELETE /api/tilesets/:park/:id': async (f) => ({ client: await f.as('tilesets:admin'), path: `/api/tilesets/${CONTRACT_PARK}/${await layer(f)}` }),
  'GET /tiles/:park/layers/:id/:f1': async (f) => ({ client: await f.as('tiles:read'), path: `/tiles/${CONTRACT_PARK}/layers/${await layer(f)}/tileset.json` }),
  'GET /tiles/:park/layers/:id/:d1/:f1': async (f) => ({ client: await f.as('tiles:read'), path: `/tiles/${CONTRACT_PARK}/layers/${await layer(f)}/subtrees/0.0.0.subtree` }),
  'GET /tiles/:park/layers/:id/:d1/:d2/:f1': async (f) => ({ client: await f.as('tiles:read'), path: `/tiles/${CONTRACT_PARK}/layers/${await uploaded(f)}/a/b/tile.glb` }),
};
