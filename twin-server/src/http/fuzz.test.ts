/**
 * Issue 14 must-show 6: a bounded fuzz run over every route of the live route table (read from
 * the server, so routes added later are fuzzed too), each sent by a principal allowed to call it
 * so the input reaches the handler: NUL bytes, huge and negative integers, invalid UTF-8 and
 * percent-encodings in path parameters, query strings and bodies; corrupt gzip / deflate / br
 * bodies, unknown encodings and charsets, wrong content types, deep nesting; junk cookies and
 * authorization headers. Not one response may be a 500: bad input is a clear 4xx.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ZodType } from 'zod';
import { allModules } from '../modules/index.ts';
import type { RouteSpec } from './route.ts';
import type { Permission } from '../auth/types.ts';
import { ROLES } from '../auth/roles.ts';
import { HttpClient, startAuthServer, type AuthTestServer } from '../auth/testing.ts';

/** Routes left out: they end the fuzzing principal's own session. */
const SKIP = new Set(['POST /api/auth/logout']);

const PARAM_VALUES = ['%00', 'a%00b', '1%00', '99999999999999999999', '2147483648', '-2147483649', '-1', '0', '1e400', 'NaN',
  '%FF%FE', '%C0%AF', '%E2%82', '%25', 'x'.repeat(600), '00000000-0000-0000-0000-00000000000%00'];
const QUERY_VALUES = ['%00', 'x%00y', '99999999999999999999', '2147483648', '-99999999999', '1e400', '%FF', '%C3%28',
  '', '2026-13-45T99:99:99Z', '1,2,3,999999999999', '%5B%5D'];
const COMMON_QUERY_KEYS = ['limit', 'before', 'from', 'to', 'q', 'park', 'bbox', 'layer', 'state', 'idx', 'level', 'kind', 'actor', 'action', 'outcome', 'at', 'since'];

/** Keys of an object schema (through optional/default/pipe wrappers), else []. */
function shapeKeys(schema: ZodType | undefined): string[] {
  let s = schema as unknown as { shape?: Record<string, unknown>; def?: { innerType?: unknown; in?: unknown; schema?: unknown } } | undefined;
  for (let i = 0; i < 5 && s; i++) {
    if (s.shape && typeof s.shape === 'object') return Object.keys(s.shape);
    s = (s.def?.innerType ?? s.def?.in ?? s.def?.schema) as typeof s;
  }
  return [];
}

/** One fuzz request: method, path+query, raw body and headers. */
interface Case { readonly label: string; readonly path: string; readonly body?: Buffer | string; readonly headers?: Record<string, string> }

/** Builds the bounded case list of one route. */
function casesFor(r: RouteSpec, fill: (r: RouteSpec) => string): Case[] {
  const out: Case[] = [];
  const base = fill(r);
  const params = r.path.match(/:[A-Za-z_]+/g) ?? [];
  if (params.length > 0) {
    for (const v of PARAM_VALUES) out.push({ label: `param=${v.slice(0, 20)}`, path: r.path.replace(/:[A-Za-z_]+/g, v) });
  }
  const keys = [...new Set([...shapeKeys(r.query), ...(r.method === 'GET' ? COMMON_QUERY_KEYS : [])])];
  if (keys.length > 0) {
    for (const v of QUERY_VALUES) out.push({ label: `query=${v}`, path: `${base}?${keys.map((k) => `${k}=${v}`).join('&')}` });
    out.push({ label: 'query-repeated', path: `${base}?${keys.map((k) => `${k}=1&${k}=2`).join('&')}` });
  }
  if (r.method !== 'GET') {
    const json = { 'Content-Type': 'application/json' };
    const fields = shapeKeys(r.body);
    const names = fields.length > 0 ? fields : ['name', 'idx', 'id'];
    const obj = (v: unknown) => JSON.stringify(Object.fromEntries(names.map((k) => [k, v])));
    const values: [string, unknown][] = [
      ['nul-string', 'a\u0000b'], ['nul-only', '\u0000'], ['huge-int', 1e20], ['int4+1', 2147483648], ['int8+1', 2 ** 63],
      ['negative', -2147483649], ['float', 1.5], ['long-string', 'x'.repeat(20_000)], ['array', ['\u0000', 2147483648]],
      ['object', { a: '\u0000', b: 1e300 }], ['null', null], ['bool', true], ['lone-surrogate', '\ud800x'],
      ['noncharacter', '\uffff\ufffe'], ['sql', "' OR 1=1 --"], ['digit-string', '99999999999999999999'], ['tiny', 1e-320],
      ['date-junk', '2026-02-30T25:61:00Z'], ['control-chars', '\u0001\u001b[31m\u007f'],
    ];
    for (const [label, v] of values) out.push({ label: `body-${label}`, path: base, body: obj(v), headers: json });
    out.push({ label: 'body-nul-keys', path: base, body: JSON.stringify({ 'a\u0000': 1 }), headers: json });
    // Bytes that are not UTF-8 inside a JSON string.
    out.push({ label: 'body-invalid-utf8', path: base, body: Buffer.concat([Buffer.from(`{"${names[0]}":"`), Buffer.from([0xff, 0xfe, 0xc0, 0xaf, 0x00]), Buffer.from('"}')]), headers: json });
    const good = obj('x');
    out.push({ label: 'gzip-corrupt', path: base, body: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x03, 0x01, 0x02, 0x03]), headers: { ...json, 'Content-Encoding': 'gzip' } });
    out.push({ label: 'gzip-truncated', path: base, body: gzipSync(good).subarray(0, 12), headers: { ...json, 'Content-Encoding': 'gzip' } });
    out.push({ label: 'gzip-not-gzip', path: base, body: good, headers: { ...json, 'Content-Encoding': 'gzip' } });
    out.push({ label: 'deflate-corrupt', path: base, body: Buffer.from([0x78, 0x9c, 0xff, 0xff, 0xff, 0x00]), headers: { ...json, 'Content-Encoding': 'deflate' } });
    out.push({ label: 'br-corrupt', path: base, body: Buffer.from([0xff, 0xff, 0xff, 0xff]), headers: { ...json, 'Content-Encoding': 'br' } });
    out.push({ label: 'encoding-unknown', path: base, body: good, headers: { ...json, 'Content-Encoding': 'x-twin-nope' } });
    out.push({ label: 'gzip-of-garbage-json', path: base, body: gzipSync(Buffer.from([0xff, 0x00, 0x7b])), headers: { ...json, 'Content-Encoding': 'gzip' } });
    out.push({ label: 'charset-latin1', path: base, body: good, headers: { 'Content-Type': 'application/json; charset=latin1' } });
    out.push({ label: 'charset-bogus', path: base, body: good, headers: { 'Content-Type': 'application/json; charset=x-nope' } });
    out.push({ label: 'text-plain', path: base, body: good, headers: { 'Content-Type': 'text/plain' } });
    out.push({ label: 'form', path: base, body: 'a=%00&b=%FF', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    out.push({ label: 'multipart', path: base, body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n\u0000\r\n--x--', headers: { 'Content-Type': 'multipart/form-data; boundary=x' } });
    out.push({ label: 'not-json', path: base, body: '{"a":', headers: json });
    out.push({ label: 'deep-nesting', path: base, body: `${'['.repeat(5000)}${']'.repeat(5000)}`, headers: json });
    out.push({ label: 'empty', path: base, body: '', headers: json });
  }
  out.push({ label: 'path-nul-suffix', path: `${base}%00` });
  out.push({ label: 'path-bad-utf8-segment', path: `${base}/%FF%FE` });
  out.push({ label: 'query-nul-key', path: `${base}?%00=%00&a=%` });
  out.push({ label: 'query-huge', path: `${base}?limit=${'9'.repeat(400)}` });
  out.push({ label: 'cookie-junk', path: base, headers: { Cookie: 'twin_session=%FF%00; twin_csrf=%E0%A4%A' } });
  out.push({ label: 'auth-junk', path: base, headers: { Authorization: `Bearer twd_${'%00'.repeat(10)}` } });
  out.push({ label: 'auth-basic', path: base, headers: { Authorization: 'Basic Og==' } });
  return out;
}

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`fuzz over every route [${backend}]`, () => {
    let s: AuthTestServer;
    const byRole = new Map<string, HttpClient>();
    let parkCode = '';
    let entIdx = 0;

    beforeAll(async () => {
      s = await startAuthServer(backend, { modules: allModules() });
      const db = s.server.sc.db;
      parkCode = 'fuzz-park';
      const park = await db.query<{ idx: number }>("INSERT INTO twin_object (kind, name) VALUES ('park', 'Fuzz park') RETURNING idx");
      await db.query(`INSERT INTO park (idx, code, city, origin, boundary) VALUES ($1, $2, 'Hangzhou',
        ST_SetSRID(ST_MakePoint(120.1, 30.2, 0), 4326), ST_GeomFromText('POLYGON((120.1 30.2,120.11 30.2,120.11 30.21,120.1 30.21,120.1 30.2))', 4326))`,
      [park.rows[0]!.idx, parkCode]);
      const o = await db.query<{ idx: number }>("INSERT INTO twin_object (kind, name) VALUES ('enterprise', 'Fuzz Co') RETURNING idx");
      await db.query(`INSERT INTO enterprise (idx, park_idx, credit_code, industry, registered_capital, staff) VALUES ($1, $2, '91330100MA2FUZZ01X', 'ai', 100, 10)`,
        [o.rows[0]!.idx, park.rows[0]!.idx]);
      entIdx = o.rows[0]!.idx;
      for (const r of ROLES) byRole.set(r.id, (await s.userWith([r.id], r.enterpriseScoped ? entIdx : null)).client);
    }, 180_000);

    afterAll(async () => {
      await s?.server.stop();
    });

    it('answers a few thousand hostile requests with 0 responses of 500', async () => {
      const routes = s.server.routes.filter((r) => !SKIP.has(`${r.method} ${r.path}`));
      expect(routes.length).toBeGreaterThan(40);
      const fill = (r: RouteSpec) => r.path.replace(/:([A-Za-z_]+)/g, (_m, name: string) =>
        (name === 'park' || name === 'code' ? parkCode : name === 'id' ? '00000000-0000-4000-8000-000000000000' : String(entIdx)));
      const clientFor = (r: RouteSpec): HttpClient => {
        if (r.permission === 'public') return new HttpClient(s.server.url);
        const role = ROLES.find((x) => r.permission === 'authenticated' || x.permissions.includes(r.permission as Permission));
        return byRole.get(role?.id ?? ROLES[0]!.id)!;
      };
      const statuses = new Map<number, number>();
      const failures: string[] = [];
      let sent = 0;
      for (const r of routes) {
        const client = clientFor(r);
        for (const c of casesFor(r, fill)) {
          const h: Record<string, string> = {};
          if (client.cookies.size > 0) h.Cookie = [...client.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ');
          if (r.method !== 'GET' && client.cookies.get('twin_csrf')) h['X-CSRF-Token'] = client.cookies.get('twin_csrf')!;
          const res = await fetch(s.server.url + c.path, { method: r.method, headers: { ...h, ...c.headers }, body: c.body ?? null, redirect: 'manual' })
            .then(async (x) => ({ status: x.status, text: await x.text() }), (e: Error) => ({ status: -1, text: e.message }));
          sent++;
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status >= 500 || res.status < 0) failures.push(`${r.method} ${r.path} [${c.label}] -> ${res.status} ${res.text.slice(0, 160)}`);
        }
      }
      console.log(`[fuzz] ${backend}: ${routes.length} routes, ${sent} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
      if (failures.length > 0) console.log(failures.slice(0, 60).join('\n'));
      expect(sent).toBeGreaterThan(1500);
      expect(failures).toEqual([]);
      // Still serving afterwards.
      expect((await fetch(`${s.server.url}/api/health`)).status).toBe(200);
    }, 900_000);
  });
}
