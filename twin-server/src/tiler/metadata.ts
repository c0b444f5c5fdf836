/**
 * The metadata every drawn twin object carries (EXT_structural_metadata): one class, `twin`, with
 * the object's idx and kind and the attributes that are nobody's secret. Optional properties use
 * `noData` (0 or ""); every table has every property (a column of noData when no row has it).
 *
 * Tiles are static files shared by every principal, enterprise users included, so they carry no
 * tenant data: rooms and equipment have no name, uuid, code, lease status or equipment status
 * here (the class has no lease or status property at all). Clients take names and lease status from
 * the permission-checked API (the twin index, per principal) by idx; see docs/tiles.md.
 */

/** One row of a tile's property table. */
export interface FeatureRow {
  idx: number;
  /** Buildings, floors, networks only ("" for rooms and equipment). */
  uuid?: string;
  kind: string;
  /** Buildings, floors, networks only ("" for rooms and equipment). */
  name?: string;
  code?: string;
  /** Building code (rooms, floors, equipment inside a building). */
  building?: string;
  /** Floor level (1 = ground, -1 = B1; 0 = none, there is no level 0). */
  floor?: number;
  /** m²: usable area of rooms, footprint area of buildings and floors. */
  area?: number;
  use?: string;
  height?: number;
  type?: string;
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
  uuid: { type: 'STRING', noData: '', description: 'stable object UUID (buildings, floors, networks)' },
  kind: { type: 'STRING', required: true, description: 'building, floor, room, equipment, pipe_segment, pipe_node' },
  name: { type: 'STRING', noData: '', description: 'display name, zh-CN (buildings, floors, networks)' },
  code: { type: 'STRING', noData: '', description: 'object code within its parent' },
  building: { type: 'STRING', noData: '', description: 'building code' },
  floor: { type: 'SCALAR', componentType: 'INT16', noData: 0, description: 'floor level, 1 = ground, -1 = B1' },
  area: { type: 'SCALAR', componentType: 'FLOAT32', noData: 0, description: 'area in square metres' },
  use: { type: 'STRING', noData: '', description: 'building or room use' },
  height: { type: 'SCALAR', componentType: 'FLOAT32', noData: 0, description: 'height in metres' },
  type: { type: 'STRING', noData: '', description: 'equipment type or pipe node type' },
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
  type: (r) => r.type, network: (r) => r.network,
  diameter_mm: (r) => r.diameter_mm, depth: (r) => r.depth,
};

/** The EXT_structural_metadata schema embedded in every content GLB. */
export const METADATA_SCHEMA = {
  id: 'park_twin',
  name: 'Park Twin objects',
  version: '1',
  classes: { twin: { name: 'Twin object', properties: TWIN_PROPERTIES } },
};

const HEX = Buffer.from('0123456789abcdef');

/**
 * A STRING column built in place: UTF-8 bytes and UINT32 offsets, filled from JS strings or
 * straight from bytes that already are UTF-8 (a binary COPY), without a string per value.
 */
export class StringColumn {
  private bytes: Buffer & { utf8Write(s: string, at: number): number };
  readonly offsets: Uint32Array;
  private n = 0;
  private end = 0;
  /** Whether any value is not empty (an optional column of only "" is left out). */
  present = false;

  constructor(readonly count: number, bytesPerValue = 16) {
    this.bytes = Buffer.allocUnsafeSlow(Math.max(64, count * bytesPerValue)) as StringColumn['bytes'];
    this.offsets = new Uint32Array(count + 1);
  }

  private room(k: number): void {
    if (this.end + k <= this.bytes.length) return;
    const b = Buffer.allocUnsafeSlow(Math.max(this.end + k, this.bytes.length * 2)) as StringColumn['bytes'];
    this.bytes.copy(b, 0, 0, this.end);
    this.bytes = b;
  }

  /** Appends bytes a..b of `src` (UTF-8). */
  addBytes(src: Uint8Array, a: number, b: number): void {
    const k = b - a;
    this.room(k);
    this.offsets[this.n++] = this.end;
    const out = this.bytes;
    for (let i = 0, o = this.end; i < k; i++) out[o + i] = src[a + i]!;
    this.end += k;
    if (k > 0) this.present = true;
  }

  /** Appends the same UTF-8 bytes (a constant column: encode once, copy per row). */
  addCopy(bytes: Uint8Array): void {
    this.addBytes(bytes, 0, bytes.byteLength);
  }

  /** Appends a string. */
  add(s: string): void {
    this.room(s.length * 3);
    this.offsets[this.n++] = this.end;
    if (s.length > 0) {
      this.end += this.bytes.utf8Write(s, this.end);
      this.present = true;
    }
  }

  /** Appends the 16 bytes at `o` of `src` as a uuid's usual text (36 characters). */
  addUuid(src: Uint8Array, o: number): void {
    this.room(36);
    this.offsets[this.n++] = this.end;
    const out = this.bytes;
    let k = this.end;
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) out[k++] = 0x2d; // '-'
      const v = src[o + i]!;
      out[k++] = HEX[v >> 4]!;
      out[k++] = HEX[v & 15]!;
    }
    this.end = k;
    this.present = true;
  }

  /** The UTF-8 bytes of all values (call once every value is added). */
  values(): Uint8Array {
    if (this.n !== this.count) throw new Error(`string column has ${this.n} of ${this.count} values`);
    this.offsets[this.n] = this.end;
    return new Uint8Array(this.bytes.buffer, this.bytes.byteOffset, this.end);
  }
}

/** One column of a property table: strings, or numbers of the property's component type. */
export type Column = StringColumn | { values: Uint32Array | Int16Array | Float32Array; present: boolean };

/**
 * Writes a property table from columns and returns its JSON. Every property of the class is in
 * every table, in the class's order (standard validators walk the class's properties and expect
 * each in the table): a property not given, or given with no value, is a column of its `noData`.
 * Columns of only "" share one bufferView for their (empty) values and one for their offsets.
 */
export function encodeColumns(count: number, columns: Partial<Record<keyof FeatureRow, Column>>, view: (bytes: Uint8Array) => number): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  let emptyStrings: { values: number; stringOffsets: number } | undefined;
  const numericNoData = new Map<string, number>();
  for (const [key, prop] of Object.entries(TWIN_PROPERTIES) as [keyof FeatureRow, Prop][]) {
    const c = columns[key];
    if (c && (prop.required || c.present)) {
      if (c instanceof StringColumn) {
        const values = c.values();
        properties[key] = { values: view(values), stringOffsets: view(new Uint8Array(c.offsets.buffer)) };
      } else {
        properties[key] = { values: view(new Uint8Array(c.values.buffer, c.values.byteOffset, c.values.byteLength)) };
      }
      continue;
    }
    if (prop.required) throw new Error(`property table: required property ${key} has no column`);
    if (prop.type === 'STRING') {
      // A bufferView may not be empty: one spare byte that no offset reaches.
      emptyStrings ??= { values: view(new Uint8Array(1)), stringOffsets: view(new Uint8Array(new Uint32Array(count + 1).buffer)) };
      properties[key] = { ...emptyStrings };
    } else {
      const k = `${prop.componentType}:${prop.noData ?? 0}`;
      let v = numericNoData.get(k);
      if (v === undefined) {
        const Arr = prop.componentType === 'UINT32' ? Uint32Array : prop.componentType === 'INT16' ? Int16Array : Float32Array;
        const a = new Arr(Math.max(1, count)).fill(prop.noData ?? 0);
        v = view(new Uint8Array(a.buffer));
        numericNoData.set(k, v);
      }
      properties[key] = { values: v };
    }
  }
  return { name: 'twin', class: 'twin', count, properties };
}

/**
 * Encodes rows column by column into buffer views (via `view`) and returns the property table
 * JSON. Strings are UTF-8 with UINT32 offsets.
 */
export function encodePropertyTable(rows: readonly FeatureRow[], view: (bytes: Uint8Array) => number): Record<string, unknown> {
  const columns: Partial<Record<keyof FeatureRow, Column>> = {};
  for (const [key, prop] of Object.entries(TWIN_PROPERTIES) as [keyof FeatureRow, Prop][]) {
    const get = GET[key] as (r: FeatureRow) => string | number | undefined;
    const present = prop.required || rows.some((r) => {
      const v = get(r);
      return v !== undefined && v !== null && v !== prop.noData;
    });
    if (!present) continue;
    if (prop.type === 'STRING') {
      const c = new StringColumn(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const v = get(rows[i]!);
        c.add(v === undefined || v === null ? (prop.noData ?? '') : typeof v === 'string' ? v : String(v));
      }
      c.present = true;
      columns[key] = c;
    } else {
      const Arr = prop.componentType === 'UINT32' ? Uint32Array : prop.componentType === 'INT16' ? Int16Array : Float32Array;
      const a = new Arr(rows.length);
      for (let i = 0; i < rows.length; i++) a[i] = Number(get(rows[i]!) ?? prop.noData ?? 0);
      columns[key] = { values: a, present: true };
    }
  }
  return encodeColumns(rows.length, columns, view);
}
