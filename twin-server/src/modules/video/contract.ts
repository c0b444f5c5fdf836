/** Route-contract cases of this module (one per route; collected by twin-server/src/http/openapi.test.ts). */
import { CONTRACT_PARK, q, type ContractCases } from '../../http/contract.ts';
import { recordedCamera, simulatedCamera, watchUrl } from './testing.ts';

export const CONTRACT: ContractCases = {
  // video
  'GET /api/video/cameras': async (f) => ({ client: await f.as('security:read'), path: `/api/video/cameras${q({ park: CONTRACT_PARK, coverage: 'lobby', limit: 5 })}` }),
  'POST /api/video/cameras/:idx/watch': async (f) => ({ client: await f.as('security:read'), path: `/api/video/cameras/${await simulatedCamera(f.s.server.sc.db)}/watch` }),
  'DELETE /api/video/cameras/:idx/watch': async (f) => ({ client: await f.as('security:read'), path: `/api/video/cameras/${await simulatedCamera(f.s.server.sc.db)}/watch` }),
  'GET /api/video/live/:idx/:token/:file': async (f) => ({ client: await f.as('security:read'), path: await watchUrl(await f.as('security:read'), await simulatedCamera(f.s.server.sc.db)) }),
  'GET /api/video/cameras/seeing': async (f) => ({ client: await f.as('security:read'), path: `/api/video/cameras/seeing${q({ idx: await simulatedCamera(f.s.server.sc.db) })}` }),
  'POST /api/video/cameras/:idx/replay': async (f) => ({ client: await f.as('security:read'), ...(await recordedCamera(f)) }),
  'GET /api/video/rec/:idx/:token/:file': async (f) => {
    const c = await f.as('security:read');
    const r = await c.req('POST', (await recordedCamera(f)).path, (await recordedCamera(f)).body);
    return { client: c, path: (r.body as { url: string }).url };
  },
  'GET /api/video/frustums': async (f) => ({ client: await f.as('security:read'), path: `/api/video/frustums${q({ park: CONTRACT_PARK })}` }),
  'GET /api/video/coverage': async (f) => ({ client: await f.as('security:read'), path: `/api/video/coverage${q({ park: CONTRACT_PARK })}` }),
  'PUT /api/video/cameras/:idx/source': async (f) => ({ client: await f.as('video:configure'), path: `/api/video/cameras/${await simulatedCamera(f.s.server.sc.db)}/source`, body: { kind: 'simulated' } }),
  'GET /api/video/status': async (f) => ({ client: await f.as('security:read'), path: '/api/video/status' }),
};
