/**
 * The GPU feature-state texture: one RGBA8 texel per twin idx (design guide, "the twin index").
 * RGB is the layer colour (sRGB), A holds flag bits. Tile materials look the texel up by the
 * feature id of each vertex (see shaderPatch.ts), so recolouring a room is one texel write and an
 * upload of the changed part of one row: never a material per feature, never a tile reload.
 */
import { DataTexture, NearestFilter, RGBAFormat, UnsignedByteType } from 'three';

/** Flag bits stored in the alpha byte. */
export const FLAG = {
  /** Not drawn at all (floors above the picked floor, isolated-away objects). */
  hidden: 1,
  /** Drawn dimmed and screen-door transparent (other buildings while one is isolated). */
  faded: 2,
  /** Pointer hover. */
  hover: 4,
  /** The picked object. */
  selected: 8,
  /** RGB holds a layer colour; without it the tile's own material colour is kept. */
  coloured: 16,
  /** Drawn as a sparse see-through ghost and not pickable (x-ray: walls and floors seen through). */
  ghost: 32,
} as const;

// A texel as one 32-bit word (the platform's byte order, read through the same views as the bytes):
// a live recolour is then one compare and one store instead of four of each.
const probe = new Uint8Array(4);
const probeWord = new Uint32Array(probe.buffer);
function word(r: number, g: number, b: number, a: number): number {
  probe[0] = r;
  probe[1] = g;
  probe[2] = b;
  probe[3] = a;
  return probeWord[0]!;
}
const ALPHA_WORD = word(0, 0, 0, 255);
const COLOURED_WORD = word(0, 0, 0, FLAG.coloured);

/** An sRGB colour packed as the texel word `setColourWord` takes (alpha byte empty). */
export function packRgb(r: number, g: number, b: number): number {
  return word(r, g, b, 0);
}

/** Texture width in texels; a power of two keeps the row/column split a shift in the shader. */
export const STATE_WIDTH = 1024;
const ROW_SHIFT = Math.log2(STATE_WIDTH);

/**
 * The parts of three's WebGLRenderer a direct row upload uses (its state cache, so three's own
 * bookkeeping of bindings and unpack parameters stays right).
 */
export interface UploadRenderer {
  getContext(): WebGLRenderingContext | WebGL2RenderingContext;
  /** three's per-object GPU records (typed `unknown` by three: read as the fields used here). */
  properties: { get(o: object): unknown };
  state: { bindTexture(type: number, tex: WebGLTexture, slot?: number): void; pixelStorei(name: number, value: number | boolean): void };
}

/** A uniform-shaped holder, so a grown texture reaches every material that already compiled. */
export interface TextureUniform {
  value: DataTexture;
}

/**
 * Feature state by idx. Writes go to a CPU-side Uint8Array; `flush(renderer)` (once per frame,
 * before the render) uploads only the changed part: each run of adjacent dirty rows is one
 * `texSubImage2D` of the rectangle spanning their dirty columns, straight into the texture three
 * already holds on the GPU (no `needsUpdate`, which would go through three's per-row ranges).
 * Without a renderer (or before the first upload) it falls back to three's `addUpdateRange`.
 */
export class FeatureStateTexture {
  readonly width = STATE_WIDTH;
  /** Rows currently allocated. */
  height: number;
  /** RGBA bytes, 4 per idx. */
  data: Uint8Array;
  /** The same bytes as one word per idx. */
  private words: Uint32Array;
  /** Shared by every patched material (`twinState` uniform). */
  readonly uniform: TextureUniform;
  /** Bytes uploaded by the last flush (for the bench and tests). */
  lastUploadBytes = 0;
  /** Rows touched by the last flush. */
  lastUploadRows = 0;
  private dirtyMin: Int32Array;
  private dirtyMax: Int32Array;
  private dirtyRows: number[] = [];
  private fullUpload = true;

  /** Allocates room for at least `capacity` idx values (grows later on demand). */
  constructor(capacity = STATE_WIDTH * 16) {
    this.height = Math.max(1, Math.ceil(capacity / STATE_WIDTH));
    this.data = new Uint8Array(this.width * this.height * 4);
    this.words = new Uint32Array(this.data.buffer);
    this.dirtyMin = new Int32Array(this.height).fill(-1);
    this.dirtyMax = new Int32Array(this.height).fill(-1);
    this.uniform = { value: this.makeTexture() };
  }

  /** Number of idx slots. */
  get capacity(): number {
    return this.width * this.height;
  }

  private makeTexture(): DataTexture {
    const t = new DataTexture(this.data, this.width, this.height, RGBAFormat, UnsignedByteType);
    t.magFilter = NearestFilter;
    t.minFilter = NearestFilter;
    t.generateMipmaps = false;
    t.flipY = false;
    t.needsUpdate = true;
    return t;
  }

  /** Makes sure `idx` has a texel; growing replaces the texture (rare: new objects after a re-tile). */
  ensure(idx: number): void {
    if (idx < this.capacity) return;
    const rows = Math.ceil((idx + 1) / this.width);
    const height = Math.max(rows, this.height * 2);
    const data = new Uint8Array(this.width * height * 4);
    data.set(this.data);
    const old = this.uniform.value;
    this.data = data;
    this.words = new Uint32Array(data.buffer);
    this.height = height;
    this.dirtyMin = new Int32Array(height).fill(-1);
    this.dirtyMax = new Int32Array(height).fill(-1);
    this.dirtyRows = [];
    this.uniform.value = this.makeTexture();
    this.fullUpload = true;
    old.dispose();
  }

  private mark(idx: number): void {
    const row = idx >>> ROW_SHIFT;
    const col = idx & (STATE_WIDTH - 1);
    if (this.dirtyMin[row] === -1) {
      this.dirtyMin[row] = col;
      this.dirtyMax[row] = col;
      this.dirtyRows.push(row);
    } else {
      if (col < this.dirtyMin[row]!) this.dirtyMin[row] = col;
      if (col > this.dirtyMax[row]!) this.dirtyMax[row] = col;
    }
  }

  /** Sets the layer colour of `idx` (sRGB bytes) and marks it coloured. */
  setColour(idx: number, r: number, g: number, b: number): void {
    if (idx <= 0) return;
    this.ensure(idx);
    const o = idx * 4;
    const d = this.data;
    const a = d[o + 3]! | FLAG.coloured;
    if (d[o] === r && d[o + 1] === g && d[o + 2] === b && d[o + 3] === a) return;
    d[o] = r;
    d[o + 1] = g;
    d[o + 2] = b;
    d[o + 3] = a;
    this.mark(idx);
  }

  /** `setColour` with the colour from `packRgb` (the live-update hot path). */
  setColourWord(idx: number, rgb: number): void {
    if (idx <= 0) return;
    if (idx >= this.capacity) this.ensure(idx);
    const old = this.words[idx]!;
    const next = ((old & ALPHA_WORD) | COLOURED_WORD | rgb) >>> 0;
    if (next === old) return;
    this.words[idx] = next;
    this.mark(idx);
  }

  /** Drops the layer colour of `idx`, so its tile material colour shows again. */
  clearColour(idx: number): void {
    this.setFlag(idx, FLAG.coloured, false);
  }

  /** Sets or clears flag bits of `idx`. */
  setFlag(idx: number, flag: number, on: boolean): void {
    if (idx <= 0) return;
    this.ensure(idx);
    const o = idx * 4 + 3;
    const before = this.data[o]!;
    const after = on ? before | flag : before & ~flag;
    if (after === before) return;
    this.data[o] = after;
    this.mark(idx);
  }

  /** Clears `flag` on every idx (e.g. leaving an isolation). */
  clearFlagEverywhere(flag: number): void {
    const d = this.data;
    for (let i = 3; i < d.length; i += 4) {
      if (d[i]! & flag) {
        d[i] = d[i]! & ~flag;
        this.mark((i - 3) >> 2);
      }
    }
  }

  /** Clears every layer colour (layer switch), keeping the drill-down flags. */
  clearAllColours(): void {
    this.clearFlagEverywhere(FLAG.coloured);
  }

  /** The flag byte of `idx`. */
  flags(idx: number): number {
    return idx < this.capacity ? this.data[idx * 4 + 3]! : 0;
  }

  /** The RGB bytes of `idx`. */
  colour(idx: number): [number, number, number] {
    const o = idx * 4;
    return [this.data[o] ?? 0, this.data[o + 1] ?? 0, this.data[o + 2] ?? 0];
  }

  /** True when writes are waiting for `flush()`. */
  get dirty(): boolean {
    return this.fullUpload || this.dirtyRows.length > 0;
  }

  /**
   * Uploads the changed spans (see the class comment). Returns whether anything changed, so the
   * caller can `invalidate()` only then. Without `renderer`, queues them on the texture instead.
   */
  flush(renderer?: UploadRenderer): boolean {
    const t = this.uniform.value;
    if (this.fullUpload) {
      this.fullUpload = false;
      for (const row of this.dirtyRows) this.dirtyMin[row] = this.dirtyMax[row] = -1;
      this.dirtyRows = [];
      t.clearUpdateRanges();
      t.needsUpdate = true;
      this.lastUploadRows = this.height;
      this.lastUploadBytes = this.data.length;
      return true;
    }
    if (this.dirtyRows.length === 0) {
      this.lastUploadRows = 0;
      this.lastUploadBytes = 0;
      return false;
    }
    if (renderer && this.uploadDirect(renderer, t)) return true;
    let bytes = 0;
    for (const row of this.dirtyRows) {
      const lo = this.dirtyMin[row]!;
      const hi = this.dirtyMax[row]!;
      // Ranges are in array elements (4 per texel) and must stay within one row.
      t.addUpdateRange((row * this.width + lo) * 4, (hi - lo + 1) * 4);
      bytes += (hi - lo + 1) * 4;
      this.dirtyMin[row] = this.dirtyMax[row] = -1;
    }
    this.lastUploadRows = this.dirtyRows.length;
    this.lastUploadBytes = bytes;
    this.dirtyRows = [];
    t.needsUpdate = true;
    return true;
  }

  /**
   * The dirty rows as rectangles written straight into the GPU texture: rows sorted, adjacent
   * rows merged into one rectangle over their widest dirty column span. False (nothing done) when
   * the texture is not current on the GPU yet or the context is WebGL 1.
   */
  private uploadDirect(renderer: UploadRenderer, t: DataTexture): boolean {
    const gl = renderer.getContext();
    if (typeof WebGL2RenderingContext === 'undefined' || !(gl instanceof WebGL2RenderingContext)) return false;
    const p = renderer.properties.get(t) as { __webglTexture?: WebGLTexture; __version?: number };
    if (!p.__webglTexture || p.__version !== t.version) return false;
    const st = renderer.state;
    st.bindTexture(gl.TEXTURE_2D, p.__webglTexture);
    st.pixelStorei(gl.UNPACK_ALIGNMENT, 4);
    st.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, false);
    st.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, false);
    st.pixelStorei(gl.UNPACK_ROW_LENGTH, this.width);
    st.pixelStorei(gl.UNPACK_SKIP_PIXELS, 0);
    st.pixelStorei(gl.UNPACK_SKIP_ROWS, 0);
    const rows = this.dirtyRows.sort((a, b) => a - b);
    let bytes = 0;
    for (let i = 0; i < rows.length; ) {
      const r0 = rows[i]!;
      let lo = this.dirtyMin[r0]!;
      let hi = this.dirtyMax[r0]!;
      let j = i + 1;
      while (j < rows.length && rows[j] === rows[j - 1]! + 1) {
        lo = Math.min(lo, this.dirtyMin[rows[j]!]!);
        hi = Math.max(hi, this.dirtyMax[rows[j]!]!);
        j++;
      }
      const n = j - i;
      gl.texSubImage2D(gl.TEXTURE_2D, 0, lo, r0, hi - lo + 1, n, gl.RGBA, gl.UNSIGNED_BYTE, this.data, (r0 * this.width + lo) * 4);
      bytes += (hi - lo + 1) * n * 4;
      for (let k = i; k < j; k++) this.dirtyMin[rows[k]!] = this.dirtyMax[rows[k]!] = -1;
      i = j;
    }
    st.pixelStorei(gl.UNPACK_ROW_LENGTH, 0);
    this.lastUploadRows = rows.length;
    this.lastUploadBytes = bytes;
    this.dirtyRows = [];
    return true;
  }

  /** Frees the GPU texture. */
  dispose(): void {
    this.uniform.value.dispose();
  }
}
