/**
 * The error middleware maps bad input to 4xx at the root, whatever layer notices it: values the
 * database cannot hold (NUL bytes, out-of-range integers, invalid UTF-8: SQLSTATE 22P05, 22021,
 * 22003, 22P02), corrupt compressed bodies, unknown encodings. Checked with real errors from
 * both backends through a route that hands its input to SQL unchecked.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import { describeEachBackend } from '../db/testing.ts';
import { startTestServer, type TestServer } from '../testing/server.ts';
import type { TwinModule } from '../modules/types.ts';
import { inputError, type ErrorBody } from './errors.ts';

// A careless route: whatever arrives goes to the database as is.
const careless: TwinModule = {
  name: 'careless',
  routes: (sc) => [
    {
      method: 'POST', path: '/api/careless/:type', permission: 'public', summary: 'casts the body value in SQL',
      body: z.object({ v: z.unknown() }),
      async handler(ctx) {
        const type = { int: 'integer', text: 'text', jsonb: 'jsonb', date: 'timestamptz' }[ctx.params.type!] ?? 'text';
        const v = (ctx.request.body as { v: unknown }).v;
        const r = await sc.db.query<{ x: unknown }>(`SELECT $1::${type} AS x`, [typeof v === 'object' ? JSON.stringify(v) : v]);
        ctx.body = { x: r.rows[0]!.x };
      },
    },
  ],
};

describeEachBackend('bad input is a 400 at the root', ({ backend }) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(backend, { modules: [careless] });
  });
  afterAll(async () => {
    await s?.stop();
  });

  const post = (type: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(`${s.url}/api/careless/${type}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });

  it('maps SQLSTATEs that only bad input causes to 400 with a clear message', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['text', 'a\u0000b', /NUL|UTF-8|cannot store/],
      ['int', 2147483648, /out of range/],
      ['int', 1e20, /wrong format|out of range/],
      ['jsonb', '"\\u0000"', /cannot store|NUL/],
      ['date', '2026-13-45', /date or time/],
    ];
    for (const [type, v, msg] of cases) {
      const r = await post(type, JSON.stringify({ v }));
      const body = (await r.json()) as ErrorBody;
      expect({ type, v, status: r.status }).toEqual({ type, v, status: 400 });
      expect(body.error.message).toMatch(msg);
    }
    expect(await (await post('int', JSON.stringify({ v: 7 }))).json()).toEqual({ x: 7 });
  });

  it('maps corrupt gzip, deflate and brotli bodies and unknown encodings to 4xx', async () => {
    const good = JSON.stringify({ v: 1 });
    const statuses = await Promise.all([
      post('int', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4]), { 'Content-Encoding': 'gzip' }),
      post('int', gzipSync(good).subarray(0, 15), { 'Content-Encoding': 'gzip' }),
      post('int', Buffer.from([0x78, 0x9c, 0xff, 0xff]), { 'Content-Encoding': 'deflate' }),
      post('int', Buffer.from([0xff, 0xff, 0xff, 0xff]), { 'Content-Encoding': 'br' }),
      post('int', good, { 'Content-Encoding': 'x-nope' }),
    ].map(async (p) => (await p).status));
    expect(statuses).toEqual([400, 400, 400, 400, 415]);
    expect((await post('int', gzipSync(good), { 'Content-Encoding': 'gzip' })).status).toBe(200);
  });

  it('leaves real server faults a 500', () => {
    expect(inputError(Object.assign(new Error('deadlock detected'), { code: '40P01' }))).toBeNull();
    expect(inputError(new TypeError('x is undefined'))).toBeNull();
  });
});
