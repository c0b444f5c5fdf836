/** Route-contract cases of the parks module (one per route; collected by twin-server/src/http/openapi.test.ts). */
import { CONTRACT_PARK, type ContractCases, type Fixture } from '../../http/contract.ts';

/** A small square boundary around (lon, lat), about 200 m a side. */
const square = (lon: number, lat: number) => ({
  type: 'Polygon' as const,
  coordinates: [[[lon - 0.001, lat - 0.001], [lon + 0.001, lat - 0.001], [lon + 0.001, lat + 0.001], [lon - 0.001, lat + 0.001], [lon - 0.001, lat - 0.001]]],
});
const fresh = () => `contract-${Math.random().toString(36).slice(2, 8)}`;

/** Creates a throwaway park (Chengdu) and returns its code. */
async function newPark(f: Fixture): Promise<string> {
  const code = fresh();
  const r = await (await f.as('parks:admin')).req('POST', '/api/parks', { code, name: '契约测试园', boundary: { polygon: square(104.06, 30.57) } });
  if (r.status !== 201) throw new Error(`park create failed: ${r.status}`);
  return code;
}

export const CONTRACT: ContractCases = {
  'GET /api/parks': async (f) => ({ client: await f.as('parks:read'), path: '/api/parks' }),
  'GET /api/parks/:park': async (f) => ({ client: await f.as('parks:read'), path: `/api/parks/${CONTRACT_PARK}` }),
  'POST /api/parks': async (f) => ({ client: await f.as('parks:admin'), path: '/api/parks', body: { code: fresh(), name: '新园区', origin: { lon: 104.06, lat: 30.57 } } }),
  'PATCH /api/parks/:park': async (f) => ({ client: await f.as('parks:admin'), path: `/api/parks/${await newPark(f)}`, body: { name: '改名园区', city: '成都' } }),
  'DELETE /api/parks/:park': async (f) => ({ client: await f.as('parks:admin'), path: `/api/parks/${await newPark(f)}` }),
};
