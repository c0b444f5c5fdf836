import { expect, it } from 'vitest';
import { describeEachBackend } from '../db/testing.ts';
import { CopyReader, CopyRunSplitter, concatRows } from './copy.ts';
import { decodeEwkb, decodePoint } from './source.ts';

// The binary COPY reader against what each backend really sends (PostgreSQL via pg-copy-streams, PGlite via /dev/blob).
describeEachBackend('binary COPY reader', ({ db }) => {
  it('reads integers, reals, NULLs, uuids, UTF-8 text and EWKB geometry in SELECT order', async () => {
    const bytes = await db().copyBinary(
      `SELECT * FROM (VALUES
         (1::int2, 70000::int4, 9007199254740991::int8, 3.2::real, 2.5::float8, '3f2504e0-4f89-11d3-9a0c-0305e82c3301'::uuid,
          '研发楼 A'::text, ST_GeomFromText('POINT Z (116.3 39.9 -1.5)', 4326), ST_GeomFromText('POLYGON((0 0, 4 0, 4 4, 0 0), (1 1, 2 1, 2 2, 1 1))', 4326), 'x'::text),
         (-1::int2, NULL::int4, 0::int8, -0.5::real, 0::float8, '00000000-0000-0000-0000-00000000000f'::uuid,
          ''::text, ST_GeomFromText('POINT (1 2)', 4326), ST_GeomFromText('POLYGON((0 0, 1 0, 1 1, 0 0))', 4326), NULL::text)
       ) AS t ORDER BY 1 DESC`,
    );
    const r = new CopyReader(bytes);
    const rows: unknown[][] = [];
    while (r.next()) {
      rows.push([r.int(), r.intOrNull(), r.int(), r.real(), r.real(), r.uuid(), r.str(), decodePoint(r.bytes()), decodeEwkb(r.bytes()), r.str()]);
    }
    expect(rows).toEqual([
      [1, 70000, 9007199254740991, Math.fround(3.2), 2.5, '3f2504e0-4f89-11d3-9a0c-0305e82c3301', '研发楼 A', [116.3, 39.9, -1.5],
        [[[0, 0], [4, 0], [4, 4], [0, 0]], [[1, 1], [2, 1], [2, 2], [1, 1]]], 'x'],
      [-1, null, 0, -0.5, 0, '00000000-0000-0000-0000-00000000000f', '', [1, 2, 0], [[[0, 0], [1, 0], [1, 1], [0, 0]]], ''],
    ]);
  });

  it('refuses to read past a row or to skip fields silently', async () => {
    const r = new CopyReader(await db().copyBinary('SELECT 1::int4, 2::int4'));
    expect(r.next()).toBe(true);
    r.int();
    expect(() => r.next()).toThrow(/short by 1/);
    const r2 = new CopyReader(await db().copyBinary('SELECT 1::int4'));
    r2.next();
    r2.int();
    expect(() => r2.int()).toThrow(/fewer fields/);
    expect(() => new CopyReader(new Uint8Array(32))).toThrow(/not a binary COPY/);
  });

  it('rejects a failing COPY with the database error and stays usable', async () => {
    await expect(db().copyBinary('SELECT 1 / (x - x) FROM generate_series(1, 3) x')).rejects.toThrow(/division by zero/);
    for (let i = 0; i < 5; i++) expect((await db().query<{ n: number }>('SELECT 2 AS n')).rows[0]!.n).toBe(2);
    const r = new CopyReader(await db().copyBinary('SELECT 7::int4'));
    expect([r.next(), r.int(), r.next()]).toEqual([true, 7, false]);
  });

  it('splits a streamed COPY into runs of rows by their first column, however the chunks fall', async () => {
    const sql = `SELECT k, i, repeat('楼', i % 7), CASE WHEN i % 3 = 0 THEN NULL ELSE i END
                 FROM (SELECT (i / 4)::int4 AS k, i::int4 AS i FROM generate_series(0, 30) i) t ORDER BY 2`;
    const chunks: Uint8Array[] = [];
    for await (const c of db().copyBinaryStream(sql)) chunks.push(c);
    const all = await db().copyBinary(sql);
    expect(Buffer.concat(chunks)).toEqual(Buffer.from(all));
    const read = (bytes: Uint8Array) => {
      const r = new CopyReader(bytes);
      const out: unknown[][] = [];
      while (r.next()) out.push([r.int(), r.int(), r.str(), r.intOrNull()]);
      return out;
    };
    const expected = read(all);
    expect(expected).toHaveLength(31);
    // Every split point, and one byte at a time: the same runs, reassembled into the same rows.
    for (const step of [1, 3, 7, 64, all.byteLength]) {
      const runs: Array<[number, Uint8Array]> = [];
      const s = new CopyRunSplitter((key, rows) => runs.push([key, rows.slice()]));
      for (let o = 0; o < all.byteLength; o += step) s.push(all.subarray(o, o + step));
      s.end();
      const byKey = new Map<number, Uint8Array[]>();
      for (const [k, r] of runs) byKey.set(k, [...(byKey.get(k) ?? []), r]);
      expect([...byKey.keys()], `step ${step}`).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      for (const [k, list] of byKey) expect(read(concatRows(list)), `step ${step}`).toEqual(expected.filter((r) => r[0] === k));
    }
    const cut = new CopyRunSplitter(() => {});
    cut.push(all.subarray(0, all.byteLength - 9));
    expect(() => cut.end()).toThrow(/inside a row/);
  });
});
