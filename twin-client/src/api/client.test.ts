/**
 * The typed API client: URLs are built from the route's path template, parameters and query; and
 * calls that do not match a route do not compile (the `@ts-expect-error` lines below are checked
 * by the type check of `npm test`: if one of them compiled, the check would fail).
 */
import { expect, it } from 'vitest';
import { api, apiUrl } from './client.ts';

it('fills path parameters (encoded) and appends the query, leaving out undefined values', () => {
  expect(apiUrl('/api/twin/objects/{idx}/history', { idx: 42 }, { layer: 'energy', hours: 24, missing: undefined }))
    .toBe('/api/twin/objects/42/history?layer=energy&hours=24');
  expect(apiUrl('/api/tiles/{park}/version', { park: 'a b/c' })).toBe('/api/tiles/a%20b%2Fc/version');
  expect(apiUrl('/api/twin/parks')).toBe('/api/twin/parks');
  expect(apiUrl('/api/invest/compare', undefined, { units: [3, 5] })).toBe('/api/invest/compare?units=3%2C5');
  expect(() => apiUrl('/api/ops/pipes/{idx}', {})).toThrow(/missing path parameter idx/);
  expect(api.url('/api/audit/export')).toBe('/api/audit/export');
});

/** Never called: only type-checked. Each marked line is a mistake the compiler must refuse. */
export function typeChecks(): void {
  void api.get('/api/twin/objects/{idx}', { params: { idx: 1 } });
  void api.get('/api/ops/trace', { query: { node: '5', direction: 'upstream' } });
  void api.post('/api/wall/bookmarks', { body: { park: 'p', name: 'n', camera: [0, 0, 0, 0, 0, 0], layer: 'energy' } });
  // @ts-expect-error no such route
  void api.get('/api/no/such/route');
  // @ts-expect-error the path parameter is required
  void api.get('/api/twin/objects/{idx}');
  // @ts-expect-error idx is a number, not a string
  void api.get('/api/twin/objects/{idx}', { params: { idx: 'x' } });
  // @ts-expect-error direction must be downstream or upstream
  void api.get('/api/ops/trace', { query: { node: '5', direction: 'sideways' } });
  // @ts-expect-error the route takes no GET
  void api.get('/api/telemetry');
  // @ts-expect-error the body lacks the required park
  void api.post('/api/wall/bookmarks', { body: { name: 'n', camera: [0, 0, 0, 0, 0, 0], layer: 'energy' } });
  const answer = async () => (await api.get('/api/twin/parks')).parks[0]?.code;
  // @ts-expect-error the answer is typed: parks have no `colour`
  const wrong = async () => (await api.get('/api/twin/parks')).parks[0]?.colour;
  void answer;
  void wrong;
}
