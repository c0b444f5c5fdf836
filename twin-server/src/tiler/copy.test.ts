import { expect, it } from 'vitest';
import { describeEachBackend } from '../db/testing.ts';
import { CopyReader } from './copy.ts';
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
});
