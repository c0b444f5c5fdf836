/**
 * The metadata every drawn twin object carries (EXT_structural_metadata): one class, `twin`, with
 * the object's identity and the attributes panels and filters need. Optional properties use
 * `noData` (0 or ""), and a table omits a property that no row has.
 */

/** One row of a tile's property table. */
export interface FeatureRow {
  idx: number;
  uuid: string;
  kind: string;
  name: string;
  code?: string;
  /** Building code (rooms, floors, equipment inside a building). */
  building?: string;
  /** Floor level (1 = ground, -1 = B1; 0 = none, there is no level 0). */
  floor?: number;
  /** m²: usable area of rooms, footprint area of buildings and floors. */
  area?: number;
  use?: string;
  height?: number;
  lease_status?: string;
  type?: string;
  status?: string;
  network?: string;
  diameter_mm?: number;
  depth?: number;
}

type Prop =
  | { type: 'SCALAR'; componentType: 'UINT32' | 'INT16' | 'FLOAT32'; required?: true; noData?: number; description: string }
  | { type: 'STRING'; required?: true; noData?: string; description: string };

/** Class properties in table order. */
export const TWIN_PROPERTIES: Record<keyof FeatureRow, Prop> = {
  idx: { type: 'SCALAR', componentType: 'UINT32', required: true, description: 'twin index (also feature id 0)' },
  uuid: { type: 'STRING', required: true, description: 'stable object UUID' },
  kind: { type: 'STRING', required: true, description: 'building, floor, room, equipment, pipe_segment, pipe_node' },
  name: { type: 'STRING', required: true, description: 'display name (zh-CN)' },
  code: { type: 'STRING', noData: '', description: 'object code within its parent' },
  building: { type: 'STRING', noData: '', description: 'building code' },
  floor: { type: 'SCALAR', componentType: 'INT16', noData: 0, description: 'floor level, 1 = ground, -1 = B1' },
  area: { type: 'SCALAR', componentType: 'FLOAT32', noData: 0, description: 'area in square metres' },
  use: { type: 'STRING', noData: '', description: 'building or room use' },
  height: { type: 'SCALAR', componentType: 'FLOAT32', noData: 0, description: 'height in metres' },
  lease_status: { type: 'STRING', noData: '', description: 'vacant, reserved, leased, expiring, not_leasable' },
  type: { type: 'STRING', noData: '', description: 'equipment type or pipe node type' },
  status: { type: 'STRING', noData: '', description: 'equipment status at tiling time (live state comes by stream)' },
  network: { type: 'STRING', noData: '', description: 'water, drainage, power, gas, telecom, hvac' },
  diameter_mm: { type: 'SCALAR', componentType: 'FLOAT32', noData: 0, description: 'pipe diameter in millimetres' },
  depth: { type: 'SCALAR', componentType: 'FLOAT32', noData: 0, description: 'cover depth to the pipe crown in metres' },
};

/**
 * One reader per property: each is a fixed property access (fast for rows of one shape), where
 * `row[key]` with a changing key would be a slow generic lookup on every row.
 */
const GET: { [K in keyof FeatureRow]-?: (r: FeatureRow) => FeatureRow[K] } = {
  idx: (r) => r.idx, uuid: (r) => r.uuid, kind: (r) => r.kind, name: (r) => r.name, code: (r) => r.code,
  building: (r) => r.building, floor: (r) => r.floor, area: (r) => r.area, use: (r) => r.use, height: (r) => r.height,
  lease_status: (r) => r.lease_status, type: (r) => r.type, status: (r) => r.status, network: (r) => r.network,
  diameter_mm: (r) => r.diameter_mm, depth: (r) => r.depth,
};

/** The EXT_structural_metadata schema embedded in every content GLB. */
export const METADATA_SCHEMA = {
  id: 'park_twin',
  name: 'Park Twin objects',
  version: '1',
  classes: { twin: { name: 'Twin object', properties: TWIN_PROPERTIES } },
};

/**
 * Encodes rows column by column into buffer views (via `view`) and returns the property table
 * JSON. Strings are UTF-8 with UINT32 offsets.
 */
export function encodePropertyTable(rows: readonly FeatureRow[], view: (bytes: Uint8Array) => number): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [key, prop] of Object.entries(TWIN_PROPERTIES) as [keyof FeatureRow, Prop][]) {
    const get = GET[key] as (r: FeatureRow) => string | number | undefined;
    const present = prop.required || rows.some((r) => {
      const v = get(r);
      return v !== undefined && v !== null && v !== prop.noData;
    });
    if (!present) continue;
    if (prop.type === 'STRING') {
      // One UTF-8 encoding of the whole column; offsets from string lengths when it is all ASCII
      // (codes, uuids, kinds), else per string (names).
      const strs = new Array<string>(rows.length);
      for (let i = 0; i < rows.length; i++) strs[i] = String(get(rows[i]!) ?? prop.noData ?? '');
      const joined = strs.join('');
      const values = Buffer.from(joined, 'utf8');
      const offsets = new Uint32Array(rows.length + 1);
      const ascii = values.length === joined.length;
      let total = 0;
      for (let i = 0; i < rows.length; i++) {
        offsets[i] = total;
        total += ascii ? strs[i]!.length : Buffer.byteLength(strs[i]!, 'utf8');
      }
      offsets[rows.length] = total;
      properties[key] = { values: view(new Uint8Array(values.buffer, values.byteOffset, values.length)), stringOffsets: view(new Uint8Array(offsets.buffer)) };
    } else {
      const Arr = prop.componentType === 'UINT32' ? Uint32Array : prop.componentType === 'INT16' ? Int16Array : Float32Array;
      const a = new Arr(rows.length);
      for (let i = 0; i < rows.length; i++) a[i] = Number(get(rows[i]!) ?? prop.noData ?? 0);
      properties[key] = { values: view(new Uint8Array(a.buffer)) };
    }
  }
  return { name: 'twin', class: 'twin', count: rows.length, properties };
}
