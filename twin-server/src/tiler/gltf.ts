/**
 * A small glTF 2.0 binary (GLB) writer: buffer views, accessors, meshes, nodes, and the 3D Tiles
 * metadata extensions (EXT_mesh_features, EXT_structural_metadata, EXT_mesh_gpu_instancing,
 * EXT_instance_features). Input geometry is in the tiler's z-up ENU frame; glTF is y-up, so every
 * position and normal is written as (x, z, -y), which 3D Tiles runtimes rotate back.
 */
import type { MeshBuilder } from './mesh.ts';
import { encodePropertyTable, METADATA_SCHEMA, type FeatureRow } from './metadata.ts';

const FLOAT = 5126;
const UBYTE = 5121;
const USHORT = 5123;
const UINT = 5125;
const ARRAY_BUFFER = 34962;
const ELEMENT_ARRAY_BUFFER = 34963;

type Json = Record<string, unknown>;

/** Builds one glTF document and its single binary buffer. */
export class GltfDoc {
  readonly json = {
    asset: { version: '2.0', generator: 'park-twin tiler' } as Json,
    scene: 0,
    scenes: [{ nodes: [] as number[] }],
    nodes: [] as Json[],
    meshes: [] as Json[],
    materials: [] as Json[],
    accessors: [] as Json[],
    bufferViews: [] as Json[],
    buffers: [{ byteLength: 0 }],
    extensionsUsed: [] as string[],
    extensionsRequired: [] as string[],
    extensions: {} as Json,
  };
  private chunks: Uint8Array[] = [];
  private length = 0;

  /** Appends raw bytes as a buffer view, 8-byte aligned (required for metadata, harmless elsewhere). */
  bufferView(bytes: Uint8Array, target?: number): number {
    const pad = (8 - (this.length % 8)) % 8;
    if (pad) {
      this.chunks.push(new Uint8Array(pad));
      this.length += pad;
    }
    this.chunks.push(bytes);
    const view: Json = { buffer: 0, byteOffset: this.length, byteLength: bytes.byteLength };
    if (target !== undefined) view.target = target;
    this.length += bytes.byteLength;
    this.json.bufferViews.push(view);
    return this.json.bufferViews.length - 1;
  }

  /** Adds an accessor over a new buffer view holding `data`. */
  accessor(
    data: Float32Array | Uint8Array | Uint16Array | Uint32Array,
    type: 'SCALAR' | 'VEC3' | 'VEC4',
    opts: { target?: number; normalized?: boolean; minMax?: boolean } = {},
  ): number {
    const comps = type === 'SCALAR' ? 1 : type === 'VEC3' ? 3 : 4;
    const componentType =
      data instanceof Float32Array ? FLOAT : data instanceof Uint8Array ? UBYTE : data instanceof Uint16Array ? USHORT : UINT;
    const view = this.bufferView(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), opts.target);
    const acc: Json = { bufferView: view, componentType, count: data.length / comps, type };
    if (opts.normalized) acc.normalized = true;
    if (opts.minMax) {
      const min = new Array<number>(comps).fill(Infinity);
      const max = new Array<number>(comps).fill(-Infinity);
      for (let i = 0; i < data.length; i++) {
        const k = i % comps;
        const v = data[i]!;
        if (v < min[k]!) min[k] = v;
        if (v > max[k]!) max[k] = v;
      }
      acc.min = min;
      acc.max = max;
    }
    this.json.accessors.push(acc);
    return this.json.accessors.length - 1;
  }

  /** Declares an extension as used (and optionally required). */
  use(ext: string, required = false): void {
    if (!this.json.extensionsUsed.includes(ext)) this.json.extensionsUsed.push(ext);
    if (required && !this.json.extensionsRequired.includes(ext)) this.json.extensionsRequired.push(ext);
  }

  /** A matte material; vertex colours (COLOR_0) carry the actual colour. */
  material(name: string, doubleSided = false): number {
    this.json.materials.push({
      name,
      pbrMetallicRoughness: { baseColorFactor: [1, 1, 1, 1], metallicFactor: 0, roughnessFactor: 0.85 },
      ...(doubleSided ? { doubleSided: true } : {}),
    });
    return this.json.materials.length - 1;
  }

  /** Adds a node to the scene and returns its index. */
  node(n: Json): number {
    this.json.nodes.push(n);
    const i = this.json.nodes.length - 1;
    this.json.scenes[0]!.nodes.push(i);
    return i;
  }

  /** Serializes to GLB (12-byte header, JSON chunk, BIN chunk). */
  toGlb(): Uint8Array {
    const pad = (4 - (this.length % 4)) % 4;
    if (pad) {
      this.chunks.push(new Uint8Array(pad));
      this.length += pad;
    }
    this.json.buffers[0]!.byteLength = this.length;
    const j: Json = { ...this.json };
    for (const k of ['extensionsUsed', 'extensionsRequired', 'materials', 'meshes', 'accessors', 'bufferViews'] as const) {
      if ((this.json[k] as unknown[]).length === 0) delete j[k];
    }
    if (Object.keys(this.json.extensions).length === 0) delete j.extensions;
    if (this.length === 0) delete j.buffers;
    const jsonBytes = new TextEncoder().encode(JSON.stringify(j));
    const jsonPad = (4 - (jsonBytes.length % 4)) % 4;
    const jsonLen = jsonBytes.length + jsonPad;
    const total = 12 + 8 + jsonLen + (this.length ? 8 + this.length : 0);
    const out = new Uint8Array(total);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, 0x46546c67, true); // 'glTF'
    dv.setUint32(4, 2, true);
    dv.setUint32(8, total, true);
    dv.setUint32(12, jsonLen, true);
    dv.setUint32(16, 0x4e4f534a, true); // 'JSON'
    out.set(jsonBytes, 20);
    out.fill(0x20, 20 + jsonBytes.length, 20 + jsonLen);
    if (this.length) {
      let o = 20 + jsonLen;
      dv.setUint32(o, this.length, true);
      dv.setUint32(o + 4, 0x004e4942, true); // 'BIN\0'
      o += 8;
      for (const c of this.chunks) {
        out.set(c, o);
        o += c.byteLength;
      }
    }
    return out;
  }
}

/** Copies z-up positions or normals into a y-up array: (x, y, z) -> (x, z, -y). */
export function toYUp(src: Float32Array, count: number): Float32Array {
  const out = new Float32Array(count * 3);
  for (let i = 0; i < count * 3; i += 3) {
    out[i] = src[i]!;
    out[i + 1] = src[i + 2]!;
    out[i + 2] = src[i + 1] === 0 ? 0 : -src[i + 1]!; // no negative zero in min/max
  }
  return out;
}

function indexArray(b: MeshBuilder): Uint16Array | Uint32Array {
  const src = b.indices.subarray(0, b.indexCount);
  return b.vertexCount <= 65535 ? Uint16Array.from(src) : Uint32Array.from(src);
}

/** Adds a mesh primitive with POSITION, NORMAL, COLOR_0 and optional feature-id attributes. */
function addPrimitive(doc: GltfDoc, b: MeshBuilder, material: number, withFeatures: boolean): Json {
  const n = b.vertexCount;
  const attributes: Json = {
    POSITION: doc.accessor(toYUp(b.positions, n), 'VEC3', { target: ARRAY_BUFFER, minMax: true }),
    NORMAL: doc.accessor(toYUp(b.normals, n), 'VEC3', { target: ARRAY_BUFFER }),
    COLOR_0: doc.accessor(b.colors.slice(0, n * 4), 'VEC4', { target: ARRAY_BUFFER, normalized: true }),
  };
  if (withFeatures) {
    attributes._FEATURE_ID_0 = doc.accessor(b.ids.slice(0, n), 'SCALAR', { target: ARRAY_BUFFER });
    attributes._FEATURE_ID_1 = doc.accessor(b.rows.slice(0, n), 'SCALAR', { target: ARRAY_BUFFER });
  }
  return {
    attributes,
    indices: doc.accessor(indexArray(b), 'SCALAR', { target: ELEMENT_ARRAY_BUFFER }),
    material,
    mode: 4,
  };
}

/** The two feature-id sets every drawn object carries: 0 = twin idx, 1 = property-table row. */
function featureIdSets(rowCount: number): Json[] {
  return [
    { featureCount: rowCount, attribute: 0, label: 'idx' },
    { featureCount: rowCount, attribute: 1, propertyTable: 0, label: 'row' },
  ];
}

function addMetadata(doc: GltfDoc, rows: readonly FeatureRow[]): void {
  doc.use('EXT_structural_metadata');
  const table = encodePropertyTable(rows, (bytes) => doc.bufferView(bytes));
  doc.json.extensions.EXT_structural_metadata = { schema: METADATA_SCHEMA, propertyTables: [table] };
}

/**
 * A content GLB of merged features: one primitive, feature ids per vertex, and a property table
 * whose row r describes the vertices whose _FEATURE_ID_1 is r.
 */
export function featureGlb(b: MeshBuilder, rows: readonly FeatureRow[], name: string): Uint8Array {
  const doc = new GltfDoc();
  doc.use('EXT_mesh_features');
  const prim = addPrimitive(doc, b, doc.material(name), true);
  prim.extensions = { EXT_mesh_features: { featureIds: featureIdSets(rows.length) } };
  doc.json.meshes.push({ name, primitives: [prim] });
  doc.node({ name, mesh: 0 });
  addMetadata(doc, rows);
  return doc.toGlb();
}

/** One placed copy of a model. */
export interface Instance {
  /** Position in the local z-up frame (metres). */
  readonly at: readonly [number, number, number];
  /** Degrees clockwise from north. */
  readonly heading: number;
  readonly idx: number;
  readonly row: number;
}

/**
 * A content GLB of instanced models (EXT_mesh_gpu_instancing + EXT_instance_features): one node
 * per model, its instances carrying the twin idx and the property-table row.
 */
export function instancedGlb(
  groups: ReadonlyArray<{ name: string; mesh: MeshBuilder; instances: readonly Instance[] }>,
  rows: readonly FeatureRow[],
): Uint8Array {
  const doc = new GltfDoc();
  doc.use('EXT_mesh_gpu_instancing', true);
  doc.use('EXT_instance_features');
  const material = doc.material('equipment');
  for (const g of groups) {
    if (g.instances.length === 0) continue;
    const mesh = doc.json.meshes.length;
    doc.json.meshes.push({ name: g.name, primitives: [addPrimitive(doc, g.mesh, material, false)] });
    const n = g.instances.length;
    const t = new Float32Array(n * 3);
    const r = new Float32Array(n * 4);
    const id = new Float32Array(n);
    const row = new Float32Array(n);
    g.instances.forEach((inst, i) => {
      t[i * 3] = inst.at[0];
      t[i * 3 + 1] = inst.at[2];
      t[i * 3 + 2] = inst.at[1] === 0 ? 0 : -inst.at[1];
      // Heading is clockwise from north: a rotation of -heading about the up axis (glTF +Y).
      const half = (-inst.heading * Math.PI) / 360;
      r[i * 4 + 1] = Math.sin(half);
      r[i * 4 + 3] = Math.cos(half);
      id[i] = inst.idx;
      row[i] = inst.row;
    });
    doc.node({
      name: g.name,
      mesh,
      extensions: {
        EXT_mesh_gpu_instancing: {
          attributes: {
            TRANSLATION: doc.accessor(t, 'VEC3', { minMax: true }),
            ROTATION: doc.accessor(r, 'VEC4'),
            _FEATURE_ID_0: doc.accessor(id, 'SCALAR'),
            _FEATURE_ID_1: doc.accessor(row, 'SCALAR'),
          },
        },
        EXT_instance_features: { featureIds: featureIdSets(n) },
      },
    });
  }
  addMetadata(doc, rows);
  return doc.toGlb();
}

/** A plain model GLB (no features), for the models/ catalog. */
export function modelGlb(b: MeshBuilder, name: string, extras: Json = {}): Uint8Array {
  const doc = new GltfDoc();
  doc.json.asset.extras = extras;
  doc.json.meshes.push({ name, primitives: [addPrimitive(doc, b, doc.material(name), false)] });
  doc.node({ name, mesh: 0 });
  return doc.toGlb();
}
