/** Route-contract cases of the patrol module (one per route; collected by twin-server/src/http/openapi.test.ts). */
import { randomBytes, randomUUID } from 'node:crypto';
import { CONTRACT_PARK, q, type ContractCases, type Fixture } from '../../http/contract.ts';

/** An access point of the contract park (a route checkpoint and an event source). */
const accessPoint = async (f: Fixture) => {
  const r = await f.s.server.sc.db.query<{ idx: number; code: string }>(
    'SELECT e.idx, e.code FROM equipment e JOIN access_point ap ON ap.idx = e.idx WHERE e.park_idx = $1 ORDER BY e.idx LIMIT 1', [f.ids.park]);
  if (!r.rows[0]) throw new Error('the contract park has no access point');
  return r.rows[0];
};
const newPass = async (f: Fixture) => {
  const from = Date.now();
  const r = await (await f.as('security:write')).req('POST', '/api/patrol/passes', {
    park: CONTRACT_PARK, visitor: '访客甲', host: '园区管理处', validFrom: new Date(from).toISOString(), validTo: new Date(from + 3_600_000).toISOString(),
  });
  if (r.status !== 201) throw new Error(`pass: ${r.status} ${r.text}`);
  return r.body as { id: number };
};

export const CONTRACT: ContractCases = {
  'GET /api/patrol/routes': async (f) => ({ client: await f.as('security:read'), path: `/api/patrol/routes${q({ park: CONTRACT_PARK })}` }),
  'POST /api/patrol/routes': async (f) => ({
    client: await f.as('security:write'), path: '/api/patrol/routes',
    body: {
      park: CONTRACT_PARK, code: `c-${randomBytes(3).toString('hex')}`, name: { zh: '测试巡更', en: 'Test round' },
      checkpoints: [{ tag: `T-${randomBytes(3).toString('hex')}`, idx: (await accessPoint(f)).idx, dueS: 60 }], schedule: { everyS: 3600 },
    },
  }),
  'GET /api/patrol/rounds': async (f) => ({ client: await f.as('security:read'), path: `/api/patrol/rounds${q({ park: CONTRACT_PARK, limit: 5 })}` }),
  'GET /api/patrol/access-events': async (f) => ({ client: await f.as('security:read'), path: `/api/patrol/access-events${q({ park: CONTRACT_PARK, limit: 5 })}` }),
  'GET /api/patrol/watchlist': async (f) => ({ client: await f.as('security:read'), path: `/api/patrol/watchlist${q({ park: CONTRACT_PARK })}` }),
  'GET /api/patrol/passes': async (f) => ({ client: await f.as('security:read'), path: `/api/patrol/passes${q({ park: CONTRACT_PARK })}` }),
  'POST /api/patrol/passes': async (f) => ({
    client: await f.as('security:write'), path: '/api/patrol/passes',
    body: { park: CONTRACT_PARK, visitor: '访客乙', host: '园区管理处', validFrom: '2026-01-01T08:00:00Z', validTo: '2026-01-01T18:00:00Z' },
  }),
  'POST /api/patrol/passes/:id/revoke': async (f) => ({ client: await f.as('security:write'), path: `/api/patrol/passes/${(await newPass(f)).id}/revoke`, body: {} }),
  'POST /api/patrol/events': async (f) => ({
    client: await f.as('security:write'), path: '/api/patrol/events',
    body: { park: CONTRACT_PARK, device: (await accessPoint(f)).code, kind: 'access', event: { id: randomUUID(), event: 'granted', card: 'C1001' } },
  }),
};
