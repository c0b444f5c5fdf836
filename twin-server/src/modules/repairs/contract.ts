/** Route-contract cases of this module (one per route; collected by twin-server/src/http/openapi.test.ts). */
import { q, type ContractCases } from '../../http/contract.ts';
import { newRepair, PNG_BYTES, rawUploadClient, SAMPLE_REPAIR } from './testing.ts';

export const CONTRACT: ContractCases = {
  'GET /api/repairs/meta': async (f) => ({ client: await f.as('repairs:read'), path: '/api/repairs/meta' }),
  'GET /api/repairs': async (f) => (await newRepair(await f.as('repairs:report'), f.ids.room), { client: await f.as('repairs:read'), path: `/api/repairs${q({ limit: 5, sort: 'updatedAt' })}` }),
  'GET /api/repairs/export': async (f) => ({ client: await f.as('repairs:read'), path: `/api/repairs/export${q({ format: 'csv', lang: 'en' })}` }),
  'GET /api/repairs/assignable': async (f) => ({ client: await f.as('repairs:manage'), path: '/api/repairs/assignable' }),
  'POST /api/repairs': async (f) => ({ client: await f.as('repairs:report'), path: '/api/repairs', body: { objectIdx: f.ids.room, data: SAMPLE_REPAIR } }),
  'GET /api/repairs/:id': async (f) => ({ client: await f.as('repairs:read'), path: `/api/repairs/${(await newRepair(await f.as('repairs:report'), f.ids.room)).id}` }),
  'PATCH /api/repairs/:id': async (f) => {
    const r = await newRepair(await f.as('repairs:report'), f.ids.room);
    return { client: await f.as('repairs:manage'), path: `/api/repairs/${r.id}`, body: { version: r.version, data: { urgency: 'normal' } } };
  },
  'POST /api/repairs/:id/transitions/:name': async (f) => {
    const r = await newRepair(await f.as('repairs:report'), f.ids.room);
    return { client: await f.as('repairs:manage'), path: `/api/repairs/${r.id}/transitions/cancel`, body: { version: r.version, note: 'contract test' } };
  },
  'PUT /api/repairs/:id/assignees': async (f) => {
    const r = await newRepair(await f.as('repairs:report'), f.ids.room);
    return { client: await f.as('repairs:manage'), path: `/api/repairs/${r.id}/assignees`, body: { version: r.version, assignees: [(await f.user(['maintenance'])).id] } };
  },
  'POST /api/repairs/:id/comments': async (f) => ({ client: await f.as('repairs:read'), path: `/api/repairs/${(await newRepair(await f.as('repairs:report'), f.ids.room)).id}/comments`, body: { body: '已联系物业' } }),
  'POST /api/repairs/:id/attachments': async (f) => ({
    client: rawUploadClient(await f.as('repairs:read'), 'image/png', PNG_BYTES), path: `/api/repairs/${(await newRepair(await f.as('repairs:report'), f.ids.room)).id}/attachments${q({ name: 'photo.png' })}`,
  }),
  'GET /api/repairs/:id/attachments/:aid': async (f) => {
    const r = await newRepair(await f.as('repairs:report'), f.ids.room);
    const up = await rawUploadClient(await f.as('repairs:read'), 'image/png', PNG_BYTES).req('POST', `/api/repairs/${r.id}/attachments?name=photo.png`);
    return { client: await f.as('repairs:read'), path: `/api/repairs/${r.id}/attachments/${(up.body as { id: number }).id}` };
  },
};
