/** Route-contract cases of this module (one per route; collected by twin-server/src/http/openapi.test.ts). */
import { q, type ContractCases } from '../../http/contract.ts';

export const CONTRACT: ContractCases = {
  'GET /api/labels/sheet': async (f) => ({ client: await f.as('labels:print'), path: `/api/labels/sheet${q({ room: f.ids.room })}` }),
  'GET /api/labels/objects/:idx/qr.png': async (f) => ({ client: await f.as('labels:print'), path: `/api/labels/objects/${f.ids.equipment}/qr.png` }),
  'GET /api/labels/resolve/:uuid': async (f) => {
    const client = await f.as('twin:read');
    const o = (await client.req('GET', `/api/twin/objects/${f.ids.equipment}`)).body as { uuid: string };
    return { client, path: `/api/labels/resolve/${o.uuid}` };
  },
};
