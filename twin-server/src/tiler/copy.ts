/**
 * A reader for PostgreSQL's binary COPY format (`COPY ... TO STDOUT (FORMAT binary)`): a header,
 * then per row a field count and per field a length (-1 = NULL) and the value in the type's binary
 * send format (big-endian numbers, UTF-8 text, 16-byte uuid, EWKB geometry). Pure and allocation-
 * light: numbers are read in place and geometry comes back as a view into the input.
 */

const SIGNATURE = 'PGCOPY\n\xff\r\n\0';

const HEX_DIGITS = Buffer.from('0123456789abcdef');

/** Iterates the rows of one binary COPY result; read each row's fields in SELECT order. */
export class CopyReader {
  private readonly dv: DataView;
  /** The input as a plain Uint8Array (views of it are cheaper than Buffer slices) and as a Buffer (fast UTF-8 decoding). */
  private readonly buf: Uint8Array;
  private readonly text: Buffer;
  private readonly scratch = Buffer.alloc(36);
  private o: number;
  private fieldsLeft = 0;

  constructor(input: Uint8Array) {
    const buf = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    this.buf = buf;
    this.text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    for (let i = 0; i < SIGNATURE.length; i++) {
      if (buf[i] !== SIGNATURE.charCodeAt(i)) throw new Error('not a binary COPY stream');
    }
    // Signature, flags (int32), header extension length (int32) and the extension itself.
    this.o = 19 + this.dv.getUint32(15);
  }

  /** Moves to the next row; false at the end of the data. */
  next(): boolean {
    if (this.fieldsLeft !== 0) throw new Error(`COPY row read short by ${this.fieldsLeft} fields`);
    if (this.o + 2 > this.buf.byteLength) return false;
    const n = this.dv.getInt16(this.o);
    this.o += 2;
    if (n === -1) return false;
    this.fieldsLeft = n;
    return true;
  }

  /** Length of the next field (-1 = NULL), moving past its length word. */
  private field(): number {
    if (this.fieldsLeft-- <= 0) throw new Error('COPY row has fewer fields than read');
    const len = this.dv.getInt32(this.o);
    this.o += 4;
    return len;
  }

  /** int2, int4 or int8 (as a number); null for NULL. */
  intOrNull(): number | null {
    const len = this.field();
    const o = this.o;
    if (len < 0) return null;
    this.o += len;
    if (len === 2) return this.dv.getInt16(o);
    if (len === 4) return this.dv.getInt32(o);
    if (len === 8) return Number(this.dv.getBigInt64(o));
    throw new Error(`unexpected integer width ${len}`);
  }

  /** A non-null integer column. */
  int(): number {
    const v = this.intOrNull();
    if (v === null) throw new Error('unexpected NULL integer');
    return v;
  }

  /** real (float4, returned exactly, e.g. 3.2 reads as 3.200000047683716) or double precision. */
  real(): number {
    const len = this.field();
    const o = this.o;
    this.o += len;
    if (len === 4) return this.dv.getFloat32(o);
    if (len === 8) return this.dv.getFloat64(o);
    throw new Error(len < 0 ? 'unexpected NULL number' : `unexpected float width ${len}`);
  }

  /** text, varchar or an enum label; NULL reads as "". */
  str(): string {
    const len = this.field();
    if (len <= 0) return '';
    // Buffer's own slice method: toString('utf8', a, b) costs as much again in argument handling.
    const s = (this.text as unknown as { utf8Slice(a: number, b: number): string }).utf8Slice(this.o, this.o + len);
    this.o += len;
    return s;
  }

  /** A uuid in its usual text form. */
  uuid(): string {
    const len = this.field();
    if (len !== 16) throw new Error(`unexpected uuid width ${len}`);
    const b = this.buf;
    const o = this.o;
    const out = this.scratch;
    this.o += 16;
    for (let i = 0, k = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) out[k++] = 0x2d; // '-'
      const v = b[o + i]!;
      out[k++] = HEX_DIGITS[v >> 4]!;
      out[k++] = HEX_DIGITS[v & 15]!;
    }
    return out.toString('latin1', 0, 36);
  }

  /** Raw bytes (geometry as EWKB), a view into the input. */
  bytes(): Uint8Array {
    const len = this.field();
    if (len < 0) throw new Error('unexpected NULL value');
    const v = this.buf.subarray(this.o, this.o + len);
    this.o += len;
    return v;
  }
}

/** The 19-byte header of a binary COPY stream without header extension. */
const HEADER = (() => {
  const h = new Uint8Array(19);
  for (let i = 0; i < SIGNATURE.length; i++) h[i] = SIGNATURE.charCodeAt(i);
  return h;
})();

/**
 * Splits a binary COPY stream into runs of whole rows as its chunks arrive (a chunk may end
 * anywhere, even inside a length word). Every row's first column must be a non-null int4, the
 * key: each run is consecutive rows with the same key, as a view of the input (`onRun`). Only
 * field lengths are read, nothing is decoded.
 */
export class CopyRunSplitter {
  /** The unfinished row at the end of the last chunk (or the header, before it is complete). */
  private rest: Uint8Array | null = null;
  private started = false;
  private ended = false;

  constructor(private readonly onRun: (key: number, rows: Uint8Array) => void) {}

  /** Feeds the next chunk. */
  push(chunk: Uint8Array): void {
    if (this.ended) throw new Error('binary COPY data after its end marker');
    let from = 0;
    if (this.rest) {
      // Finish the row begun in the last chunk, joining only as much of this one as it needs
      // (not the whole chunk: that would copy the stream once more).
      const rest = this.rest;
      this.rest = null;
      for (let take = Math.min(chunk.byteLength, 4096); ; take = Math.min(chunk.byteLength, take * 4)) {
        const head = new Uint8Array(rest.byteLength + take);
        head.set(rest);
        head.set(chunk.subarray(0, take), rest.byteLength);
        const used = this.scan(head);
        if (this.ended) return;
        if (used > rest.byteLength) {
          from = used - rest.byteLength;
          break;
        }
        if (take === chunk.byteLength) {
          this.rest = head; // all of this chunk is inside one row
          return;
        }
      }
    }
    const body = from === 0 ? chunk : chunk.subarray(from);
    const used = this.scan(body);
    if (!this.ended && used < body.byteLength) this.rest = body.slice(used);
  }

  /**
   * Reads the header (first time) and every whole row of `buf`, handing out runs of rows as views
   * of it; returns how many bytes it used (up to the end of the last whole row).
   */
  private scan(buf: Uint8Array): number {
    const len = buf.byteLength;
    const dv = new DataView(buf.buffer, buf.byteOffset, len);
    let o = 0;
    if (!this.started) {
      if (len < 19 || len < 19 + dv.getUint32(15)) return 0;
      for (let i = 0; i < SIGNATURE.length; i++) {
        if (buf[i] !== SIGNATURE.charCodeAt(i)) throw new Error('not a binary COPY stream');
      }
      o = 19 + dv.getUint32(15);
      this.started = true;
    }
    let runStart = o;
    let runKey = 0;
    while (o + 2 <= len) {
      const n = dv.getInt16(o);
      if (n === -1) {
        this.ended = true;
        break;
      }
      // Find the row's end; stop if it is not all here yet.
      let p = o + 2;
      let key = 0;
      let whole = true;
      for (let f = 0; f < n; f++) {
        if (p + 4 > len) {
          whole = false;
          break;
        }
        const l = dv.getInt32(p);
        if (f === 0) {
          if (l !== 4) throw new Error('binary COPY row does not start with a non-null int4');
          if (p + 8 > len) {
            whole = false;
            break;
          }
          key = dv.getInt32(p + 4);
        }
        p += 4 + (l > 0 ? l : 0);
        if (p > len) {
          whole = false;
          break;
        }
      }
      if (!whole) break;
      if (key !== runKey || runStart === o) {
        if (runStart < o) this.onRun(runKey, buf.subarray(runStart, o));
        runStart = o;
        runKey = key;
      }
      o = p;
    }
    if (runStart < o) this.onRun(runKey, buf.subarray(runStart, o));
    return this.ended ? o + 2 : o;
  }

  /** The stream is over: it must have ended on a row boundary (with or without its end marker). */
  end(): void {
    if (this.rest) throw new Error('binary COPY stream ended inside a row');
  }
}

/** Runs of rows (from `CopyRunSplitter`) as one binary COPY buffer of their own, header included. */
export function concatRows(runs: readonly Uint8Array[]): Uint8Array {
  let n = HEADER.byteLength;
  for (const r of runs) n += r.byteLength;
  const out = new Uint8Array(n);
  out.set(HEADER);
  let o = HEADER.byteLength;
  for (const r of runs) {
    out.set(r, o);
    o += r.byteLength;
  }
  return out;
}
