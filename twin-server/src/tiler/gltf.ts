/**
 * A small glTF 2.0 binary (GLB) writer: buffer views, accessors, meshes, nodes, and the 3D Tiles
 * metadata extensions (EXT_mesh_features, EXT_structural_metadata, EXT_mesh_gpu_instancing,
 * EXT_instance_features). Input geometry is in the tiler's z-up ENU frame; glTF is y-up, so every
 * position and normal is written as (x, z, -y), which 3D Tiles runtimes rotate back. Buffer views
 * are written straight into the GLB when it is serialized (no intermediate copies), so arrays
 * handed to a document must stay unchanged until `toGlb`.
 */
import type { MeshBuilder } from './mesh.ts';
import { encodePropertyTable, METADATA_SCHEMA, type FeatureRow } from './metadata.ts';

const BYTE = 5120;
const FLOAT = 5126;
const UBYTE = 5121;
const USHORT = 5123;
const UINT = 5125;
const ARRAY_BUFFER = 34962;
const ELEMENT_ARRAY_BUFFER = 34963;

type Json = Record<string, unknown>;

/** The bytes of one buffer view, produced when the GLB is serialized. */
export interface Chunk {
  readonly byteLength: number;
  /** Writes the bytes at `at` (4-byte aligned) of `out`. */
  write(out: Uint8Array, at: number): void;
}

const bytesChunk = (b: Uint8Array): Chunk => ({ byteLength: b.byteLength, write: (out, at) => out.set(b, at) });

/** `count` z-up vec3s of `src` as y-up floats: (x, y, z) -> (x, z, -y). */
function yUpChunk(src: Float32Array, count: number): Chunk {
  return {
    byteLength: count * 12,
    write(out, at) {
      const f = new Float32Array(out.buffer, out.byteOffset + at, count * 3);
      for (let i = 0; i < count * 3; i += 3) {
        const y = src[i + 1]!;
        f[i] = src[i]!;
        f[i + 1] = src[i + 2]!;
        f[i + 2] = y === 0 ? 0 : -y; // no negative zero in min/max
      }
    },
  };
}

/**
 * `count` z-up unit vec3s of `src` as y-up normalized signed bytes (KHR_mesh_quantization), 4 bytes
 * per vertex (a vertex attribute element must be 4-byte aligned): a third of the float size.
 */
function normalBytesChunk(src: Float32Array, count: number): Chunk {
  return {
    byteLength: count * 4,
    write(out, at) {
      const q = new Int8Array(out.buffer, out.byteOffset + at, count * 4);
      for (let i = 0, j = 0; i < count * 3; i += 3, j += 4) {
        q[j] = Math.round(src[i]! * 127);
        q[j + 1] = Math.round(src[i + 2]! * 127);
        q[j + 2] = Math.round(-src[i + 1]! * 127);
      }
    },
  };
}

/** Triangle indices, as 16-bit when every vertex index fits. */
function indexChunk(src: Uint32Array, count: number, short: boolean): Chunk {
  return {
    byteLength: count * (short ? 2 : 4),
    write(out, at) {
      if (short) new Uint16Array(out.buffer, out.byteOffset + at, count).set(src.subarray(0, count));
      else out.set(new Uint8Array(src.buffer, src.byteOffset, count * 4), at);
    },
  };
}

// The GLB buffer tile contents are serialized into, one per thread, grown as needed.
let scratch = new Uint8Array(1 << 20);

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
  private chunks: Array<{ at: number; chunk: Chunk }> = [];
  private length = 0;

  /** Appends bytes as a buffer view, 8-byte aligned (required for metadata, harmless elsewhere). */
  bufferView(bytes: Uint8Array | Chunk, target?: number, byteStride?: number): number {
    this.length += (8 - (this.length % 8)) % 8;
    this.chunks.push({ at: this.length, chunk: bytes instanceof Uint8Array ? bytesChunk(bytes) : bytes });
    const view: Json = { buffer: 0, byteOffset: this.length, byteLength: bytes.byteLength };
    if (byteStride !== undefined) view.byteStride = byteStride;
    if (target !== undefined) view.target = target;
    this.length += bytes.byteLength;
    this.json.bufferViews.push(view);
    return this.json.bufferViews.length - 1;
  }

  /** Adds an accessor over a new buffer view holding `data` (or `chunk`, `data`'s bytes in another form). */
  accessor(
    data: Float32Array | Uint8Array | Uint16Array | Uint32Array,
    type: 'SCALAR' | 'VEC3' | 'VEC4',
    opts: { target?: number; normalized?: boolean; minMax?: [number[], number[]]; chunk?: Chunk; componentType?: number; byteStride?: number } = {},
  ): number {
    const comps = type === 'SCALAR' ? 1 : type === 'VEC3' ? 3 : 4;
    const componentType = opts.componentType ??
      (data instanceof Float32Array ? FLOAT : data instanceof Uint8Array ? UBYTE : data instanceof Uint16Array ? USHORT : UINT);
    const view = this.bufferView(opts.chunk ?? new Uint8Array(data.buffer, data.byteOffset, data.byteLength), opts.target, opts.byteStride);
    const acc: Json = { bufferView: view, componentType, count: data.length / comps, type };
    if (opts.normalized) acc.normalized = true;
    if (opts.minMax) {
      acc.min = opts.minMax[0];
      acc.max = opts.minMax[1];
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

  /**
   * Serializes to GLB (12-byte header, JSON chunk, BIN chunk), each view written in place. With
   * `reuse`, into this thread's scratch buffer (valid until the next such call; no allocation and no
   * fresh pages per content), else into a new array.
   */
  toGlb(reuse = false): Uint8Array {
    this.length += (4 - (this.length % 4)) % 4;
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
    if (reuse && scratch.length < total) scratch = new Uint8Array(Math.max(total, scratch.length * 2));
    const out = reuse ? scratch.subarray(0, total).fill(0) : new Uint8Array(total);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, 0x46546c67, true); // 'glTF'
    dv.setUint32(4, 2, true);
    dv.setUint32(8, total, true);
    dv.setUint32(12, jsonLen, true);
    dv.setUint32(16, 0x4e4f534a, true); // 'JSON'
    out.set(jsonBytes, 20);
    out.fill(0x20, 20 + jsonBytes.length, 20 + jsonLen);
    if (this.length) {
      const o = 20 + jsonLen;
      dv.setUint32(o, this.length, true);
      dv.setUint32(o + 4, 0x004e4942, true); // 'BIN\0'
      for (const { at, chunk } of this.chunks) chunk.write(out, o + 8 + at);
    }
    return out;
  }
}

/** Min and max of `count` z-up vec3s of `src`, in y-up axes. */
function minMaxYUp(src: Float32Array, count: number): [number[], number[]] {
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < count * 3; i += 3) {
    const x = src[i]!;
    const y = src[i + 2]!;
    const z = src[i + 1] === 0 ? 0 : -src[i + 1]!;
    if (x < min[0]!) min[0] = x;
    if (x > max[0]!) max[0] = x;
    if (y < min[1]!) min[1] = y;
    if (y > max[1]!) max[1] = y;
    if (z < min[2]!) min[2] = z;
    if (z > max[2]!) max[2] = z;
  }
  return [min, max];
}

/** Min and max per component of a small array (instance translations). */
function minMaxOf(data: Float32Array, comps: number): [number[], number[]] {
  const min = new Array<number>(comps).fill(Infinity);
  const max = new Array<number>(comps).fill(-Infinity);
  for (let i = 0; i < data.length; i++) {
    const k = i % comps;
    const v = data[i]!;
    if (v < min[k]!) min[k] = v;
    if (v > max[k]!) max[k] = v;
  }
  return [min, max];
}

/**
 * Adds a mesh primitive with POSITION, NORMAL, COLOR_0 and optional feature-id attributes. Tile
 * contents quantize normals to bytes (KHR_mesh_quantization, required); the models/ catalog keeps
 * float normals so its files load anywhere.
 */
function addPrimitive(doc: GltfDoc, b: MeshBuilder, material: number, withFeatures: boolean, quantizeNormals: boolean): Json {
  const n = b.vertexCount;
  if (quantizeNormals) doc.use('KHR_mesh_quantization', true);
  const attributes: Json = {
    POSITION: doc.accessor(b.positions.subarray(0, n * 3), 'VEC3', { target: ARRAY_BUFFER, minMax: minMaxYUp(b.positions, n), chunk: yUpChunk(b.positions, n) }),
    NORMAL: quantizeNormals
      ? doc.accessor(b.normals.subarray(0, n * 3), 'VEC3', { target: ARRAY_BUFFER, chunk: normalBytesChunk(b.normals, n), componentType: BYTE, normalized: true, byteStride: 4 })
      : doc.accessor(b.normals.subarray(0, n * 3), 'VEC3', { target: ARRAY_BUFFER, chunk: yUpChunk(b.normals, n) }),
    COLOR_0: doc.accessor(b.colors.subarray(0, n * 4), 'VEC4', { target: ARRAY_BUFFER, normalized: true }),
  };
  if (withFeatures) {
    attributes._FEATURE_ID_0 = doc.accessor(b.ids.subarray(0, n), 'SCALAR', { target: ARRAY_BUFFER });
    attributes._FEATURE_ID_1 = doc.accessor(b.rows.subarray(0, n), 'SCALAR', { target: ARRAY_BUFFER });
  }
  const short = n <= 65535;
  return {
    attributes,
    indices: doc.accessor(b.indices.subarray(0, b.indexCount), 'SCALAR', {
      target: ELEMENT_ARRAY_BUFFER, chunk: indexChunk(b.indices, b.indexCount, short), componentType: short ? USHORT : UINT,
    }),
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

/** The property table: rows, or its row count and a function that encodes it into the views it is given. */
export type Table = readonly FeatureRow[] | { readonly count: number; encode(view: (bytes: Uint8Array) => number): Record<string, unknown> };

const tableRows = (t: Table): number => ('encode' in t ? t.count : t.length);

function addMetadata(doc: GltfDoc, rows: Table): void {
  doc.use('EXT_structural_metadata');
  const view = (bytes: Uint8Array) => doc.bufferView(bytes);
  const table = 'encode' in rows ? rows.encode(view) : encodePropertyTable(rows, view);
  doc.json.extensions.EXT_structural_metadata = { schema: METADATA_SCHEMA, propertyTables: [table] };
}

/**
 * A content GLB of merged features: one primitive, feature ids per vertex, and a property table
 * whose row r describes the vertices whose _FEATURE_ID_1 is r. In this thread's reused buffer.
 */
export function featureGlb(b: MeshBuilder, rows: Table, name: string): Uint8Array {
  const doc = new GltfDoc();
  doc.use('EXT_mesh_features');
  const prim = addPrimitive(doc, b, doc.material(name), true, true);
  prim.extensions = { EXT_mesh_features: { featureIds: featureIdSets(tableRows(rows)) } };
  doc.json.meshes.push({ name, primitives: [prim] });
  doc.node({ name, mesh: 0 });
  addMetadata(doc, rows);
  return doc.toGlb(true);
}

/**
 * Placed copies of one model, packed 6 numbers per instance: x, y, z (local z-up metres), heading
 * (degrees clockwise from north), twin idx, property-table row.
 */
export interface Instances {
  readonly name: string;
  readonly mesh: MeshBuilder;
  readonly packed: readonly number[];
}

/**
 * A content GLB of instanced models (EXT_mesh_gpu_instancing + EXT_instance_features): one node
 * per model, its instances carrying the twin idx and the property-table row. In this thread's
 * reused buffer.
 */
export function instancedGlb(groups: readonly Instances[], rows: Table): Uint8Array {
  const doc = new GltfDoc();
  doc.use('EXT_mesh_gpu_instancing', true);
  doc.use('EXT_instance_features');
  const material = doc.material('equipment');
  for (const g of groups) {
    const n = g.packed.length / 6;
    if (n === 0) continue;
    const mesh = doc.json.meshes.length;
    doc.json.meshes.push({ name: g.name, primitives: [addPrimitive(doc, g.mesh, material, false, true)] });
    const t = new Float32Array(n * 3);
    const r = new Float32Array(n * 4);
    const id = new Float32Array(n);
    const row = new Float32Array(n);
    const p = g.packed;
    for (let i = 0, j = 0; i < n; i++, j += 6) {
      const y = p[j + 1]!;
      t[i * 3] = p[j]!;
      t[i * 3 + 1] = p[j + 2]!;
      t[i * 3 + 2] = y === 0 ? 0 : -y;
      // Heading is clockwise from north: a rotation of -heading about the up axis (glTF +Y).
      const half = (-p[j + 3]! * Math.PI) / 360;
      r[i * 4 + 1] = Math.sin(half);
      r[i * 4 + 3] = Math.cos(half);
      id[i] = p[j + 4]!;
      row[i] = p[j + 5]!;
    }
    doc.node({
      name: g.name,
      mesh,
      extensions: {
        EXT_mesh_gpu_instancing: {
          attributes: {
            TRANSLATION: doc.accessor(t, 'VEC3', { minMax: minMaxOf(t, 3) }),
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
  return doc.toGlb(true);
}

/** A plain model GLB (no features), for the models/ catalog. */
export function modelGlb(b: MeshBuilder, name: string, extras: Json = {}): Uint8Array {
  const doc = new GltfDoc();
  doc.json.asset.extras = extras;
  doc.json.meshes.push({ name, primitives: [addPrimitive(doc, b, doc.material(name), false, false)] });
  doc.node({ name, mesh: 0 });
  return doc.toGlb();
}
