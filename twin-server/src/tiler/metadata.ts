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
    const present = prop.required || rows.some((r) => r[key] !== undefined && r[key] !== null && r[key] !== prop.noData);
    if (!present) continue;
    if (prop.type === 'STRING') {
      // One pass: write each string into a buffer sized for the worst case (3 bytes per UTF-16 unit).
      const offsets = new Uint32Array(rows.length + 1);
      let cap = 0;
      const strs = rows.map((r) => {
        const str = String(r[key] ?? prop.noData ?? '');
        cap += str.length * 3;
        return str;
      });
      const values = Buffer.allocUnsafe(cap);
      let total = 0;
      strs.forEach((str, i) => {
        offsets[i] = total;
        total += values.write(str, total, 'utf8');
      });
      offsets[rows.length] = total;
      properties[key] = { values: view(new Uint8Array(values.buffer, values.byteOffset, total)), stringOffsets: view(new Uint8Array(offsets.buffer)) };
    } else {
      const Arr = prop.componentType === 'UINT32' ? Uint32Array : prop.componentType === 'INT16' ? Int16Array : Float32Array;
      const a = new Arr(rows.length);
      rows.forEach((r, i) => {
        a[i] = Number(r[key] ?? prop.noData ?? 0);
      });
      properties[key] = { values: view(new Uint8Array(a.buffer)) };
    }
  }
  return { name: 'twin', class: 'twin', count: rows.length, properties };
}
