/**
 * Reads back what the tiler wrote: GLB chunks, accessors and EXT_structural_metadata property
 * tables. Used by tests and the benchmark to check tiles against PostGIS, and handy for debugging.
 */
import type { FeatureRow } from './metadata.ts';
import { TWIN_PROPERTIES } from './metadata.ts';

type Json = Record<string, unknown> & {
  accessors?: { bufferView: number; componentType: number; count: number; type: string; normalized?: boolean; min?: number[]; max?: number[] }[];
  bufferViews?: { byteOffset?: number; byteLength: number; byteStride?: number }[];
  meshes?: { primitives: { attributes: Record<string, number>; indices?: number; extensions?: Record<string, unknown> }[] }[];
  nodes?: { mesh?: number; extensions?: Record<string, { attributes?: Record<string, number> } & Record<string, unknown>> }[];
  extensions?: Record<string, unknown>;
};

/** A parsed GLB. */
export interface Glb {
  readonly json: Json;
  readonly bin: Uint8Array;
}

/** Splits a GLB into its JSON and binary chunks. */
export function readGlb(bytes: Uint8Array): Glb {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== 0x46546c67) throw new Error('not a GLB');
  const jsonLen = dv.getUint32(12, true);
  const json = JSON.parse(new TextDecoder().decode(bytes.subarray(20, 20 + jsonLen))) as Json;
  const o = 20 + jsonLen;
  const bin = o < bytes.byteLength ? bytes.subarray(o + 8, o + 8 + dv.getUint32(o, true)) : new Uint8Array();
  return { json, bin };
}

function view(g: Glb, i: number): Uint8Array {
  const v = g.json.bufferViews![i]!;
  return g.bin.slice(v.byteOffset ?? 0, (v.byteOffset ?? 0) + v.byteLength);
}

/**
 * The values of an accessor as numbers, element by element (honouring the buffer view's stride),
 * normalized integers mapped back to [-1, 1] / [0, 1] as a renderer would.
 */
export function readAccessor(g: Glb, i: number): number[] {
  const a = g.json.accessors![i]!;
  const v = g.json.bufferViews![a.bufferView]!;
  const bytes = view(g, a.bufferView);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [size, get, scale] = {
    5120: [1, (o: number) => dv.getInt8(o), 127],
    5121: [1, (o: number) => dv.getUint8(o), 255],
    5123: [2, (o: number) => dv.getUint16(o, true), 65535],
    5125: [4, (o: number) => dv.getUint32(o, true), 1],
    5126: [4, (o: number) => dv.getFloat32(o, true), 1],
  }[a.componentType as 5126] as [number, (o: number) => number, number];
  const comps = { SCALAR: 1, VEC2: 2, VEC3: 3, VEC4: 4 }[a.type as 'SCALAR'];
  const stride = v.byteStride ?? size * comps;
  const out: number[] = [];
  for (let e = 0; e < a.count; e++) {
    for (let c = 0; c < comps; c++) {
      const x = get(e * stride + c * size);
      out.push(a.normalized ? Math.max(x / scale, -1) : x);
    }
  }
  return out;
}

/** Decodes the first property table into rows. */
export function readPropertyTable(g: Glb): FeatureRow[] {
  const ext = g.json.extensions?.EXT_structural_metadata as
    | { propertyTables: { count: number; properties: Record<string, { values: number; stringOffsets?: number }> }[] }
    | undefined;
  const table = ext?.propertyTables[0];
  if (!table) return [];
  const rows: Record<string, unknown>[] = Array.from({ length: table.count }, () => ({}));
  for (const [key, p] of Object.entries(table.properties)) {
    const def = TWIN_PROPERTIES[key as keyof FeatureRow];
    const values = view(g, p.values);
    if (def.type === 'STRING') {
      const offBytes = view(g, p.stringOffsets!);
      const off = new Uint32Array(offBytes.buffer, offBytes.byteOffset, offBytes.byteLength / 4);
      const dec = new TextDecoder();
      rows.forEach((r, i) => {
        const s = dec.decode(values.subarray(off[i]!, off[i + 1]!));
        if (s !== def.noData) r[key] = s;
      });
    } else {
      const Arr = def.componentType === 'UINT32' ? Uint32Array : def.componentType === 'INT16' ? Int16Array : Float32Array;
      const a = new Arr(values.buffer as ArrayBuffer, 0, table.count);
      rows.forEach((r, i) => {
        if (a[i] !== def.noData) r[key] = a[i];
      });
    }
  }
  return rows as unknown as FeatureRow[];
}

/** Local z-up bounds of every POSITION in a GLB (undoing the y-up swap, applying instancing). */
export function glbBounds(g: Glb): [number, number, number, number, number, number] {
  const out: [number, number, number, number, number, number] = [Infinity, Infinity, Infinity, -Infinity, -Infinity, -Infinity];
  const add = (x: number, y: number, z: number) => {
    out[0] = Math.min(out[0], x);
    out[1] = Math.min(out[1], y);
    out[2] = Math.min(out[2], z);
    out[3] = Math.max(out[3], x);
    out[4] = Math.max(out[4], y);
    out[5] = Math.max(out[5], z);
  };
  for (const node of g.json.nodes ?? []) {
    if (node.mesh === undefined) continue;
    const inst = node.extensions?.EXT_mesh_gpu_instancing?.attributes;
    const t = inst?.TRANSLATION !== undefined ? readAccessor(g, inst.TRANSLATION) : [0, 0, 0];
    const r = inst?.ROTATION !== undefined ? readAccessor(g, inst.ROTATION) : [0, 0, 0, 1];
    for (const prim of g.json.meshes![node.mesh]!.primitives) {
      const pos = readAccessor(g, prim.attributes.POSITION!);
      for (let k = 0; k < t.length / 3; k++) {
        // Rotation about glTF +Y only (headings), so x/z turn and y stays.
        const qy = r[k * 4 + 1]!;
        const qw = r[k * 4 + 3]!;
        const ang = 2 * Math.atan2(qy, qw);
        const c = Math.cos(ang);
        const s = Math.sin(ang);
        for (let i = 0; i < pos.length; i += 3) {
          const x = pos[i]! * c + pos[i + 2]! * s;
          const z = -pos[i]! * s + pos[i + 2]! * c;
          const gx = x + t[k * 3]!;
          const gy = pos[i + 1]! + t[k * 3 + 1]!;
          const gz = z + t[k * 3 + 2]!;
          add(gx, -gz, gy);
        }
      }
    }
  }
  return out;
}
