/** Route-contract cases of this module (one per route; collected by twin-server/src/http/openapi.test.ts). */
import { HttpClient } from '../../auth/testing.ts';
import { q, type ContractCases } from '../../http/contract.ts';
import { PNG_BYTES, rawUploadClient } from '../repairs/testing.ts';
import { newGuestLink, newOpportunity, newProspect, photoPng, SAMPLE_PROSPECT } from './testing.ts';

export const CONTRACT: ContractCases = {
  // leasing pipeline, guest links and unit photos (modules/leasing)
  'GET /api/leasing/prospects/meta': async (f) => ({ client: await f.as('leasing:read'), path: '/api/leasing/prospects/meta' }),
  'GET /api/leasing/prospects': async (f) => (await newProspect(await f.as('leasing:write')), { client: await f.as('leasing:read'), path: `/api/leasing/prospects${q({ limit: 5, sort: 'updatedAt' })}` }),
  'GET /api/leasing/prospects/export': async (f) => ({ client: await f.as('leasing:read'), path: `/api/leasing/prospects/export${q({ format: 'csv', lang: 'en' })}` }),
  'GET /api/leasing/prospects/assignable': async (f) => ({ client: await f.as('leasing:write'), path: '/api/leasing/prospects/assignable' }),
  'GET /api/leasing/prospects/:id': async (f) => ({ client: await f.as('leasing:read'), path: `/api/leasing/prospects/${(await newProspect(await f.as('leasing:write'))).id}` }),
  'PATCH /api/leasing/prospects/:id': async (f) => {
    const r = await newProspect(await f.as('leasing:write'));
    return { client: await f.as('leasing:write'), path: `/api/leasing/prospects/${r.id}`, body: { version: r.version, data: { needArea: 400 } } };
  },
  'POST /api/leasing/prospects/:id/transitions/:name': async (f) => {
    const r = await newProspect(await f.as('leasing:write'));
    return { client: await f.as('leasing:write'), path: `/api/leasing/prospects/${r.id}/transitions/archive`, body: { version: r.version, note: 'contract test' } };
  },
  'PUT /api/leasing/prospects/:id/assignees': async (f) => {
    const r = await newProspect(await f.as('leasing:write'));
    return { client: await f.as('leasing:write'), path: `/api/leasing/prospects/${r.id}/assignees`, body: { version: r.version, assignees: [(await f.user(['investment'])).id] } };
  },
  'POST /api/leasing/prospects/:id/comments': async (f) => ({ client: await f.as('leasing:read'), path: `/api/leasing/prospects/${(await newProspect(await f.as('leasing:write'))).id}/comments`, body: { body: '电话沟通' } }),
  'POST /api/leasing/prospects/:id/attachments': async (f) => ({
    client: rawUploadClient(await f.as('leasing:read'), 'image/png', PNG_BYTES), path: `/api/leasing/prospects/${(await newProspect(await f.as('leasing:write'))).id}/attachments${q({ name: 'photo.png' })}`,
  }),
  'GET /api/leasing/prospects/:id/attachments/:aid': async (f) => {
    const r = await newProspect(await f.as('leasing:write'));
    const up = await rawUploadClient(await f.as('leasing:read'), 'image/png', PNG_BYTES).req('POST', `/api/leasing/prospects/${r.id}/attachments?name=photo.png`);
    return { client: await f.as('leasing:read'), path: `/api/leasing/prospects/${r.id}/attachments/${(up.body as { id: number }).id}` };
  },
  'POST /api/leasing/prospects': async (f) => ({ client: await f.as('leasing:write'), path: '/api/leasing/prospects', body: { data: SAMPLE_PROSPECT } }),
  'GET /api/leasing/opportunities/meta': async (f) => ({ client: await f.as('leasing:read'), path: '/api/leasing/opportunities/meta' }),
  'GET /api/leasing/opportunities': async (f) => (await newOpportunity(await f.as('leasing:write')), { client: await f.as('leasing:read'), path: `/api/leasing/opportunities${q({ limit: 5, sort: 'updatedAt' })}` }),
  'GET /api/leasing/opportunities/export': async (f) => ({ client: await f.as('leasing:read'), path: `/api/leasing/opportunities/export${q({ format: 'csv', lang: 'en' })}` }),
  'GET /api/leasing/opportunities/assignable': async (f) => ({ client: await f.as('leasing:write'), path: '/api/leasing/opportunities/assignable' }),
  'GET /api/leasing/opportunities/:id': async (f) => ({ client: await f.as('leasing:read'), path: `/api/leasing/opportunities/${(await newOpportunity(await f.as('leasing:write'))).id}` }),
  'PATCH /api/leasing/opportunities/:id': async (f) => {
    const r = await newOpportunity(await f.as('leasing:write'));
    return { client: await f.as('leasing:write'), path: `/api/leasing/opportunities/${r.id}`, body: { version: r.version, data: { area: 400 } } };
  },
  'POST /api/leasing/opportunities/:id/transitions/:name': async (f) => {
    const r = await newOpportunity(await f.as('leasing:write'));
    return { client: await f.as('leasing:write'), path: `/api/leasing/opportunities/${r.id}/transitions/visit`, body: { version: r.version, note: 'contract test' } };
  },
  'PUT /api/leasing/opportunities/:id/assignees': async (f) => {
    const r = await newOpportunity(await f.as('leasing:write'));
    return { client: await f.as('leasing:write'), path: `/api/leasing/opportunities/${r.id}/assignees`, body: { version: r.version, assignees: [(await f.user(['investment'])).id] } };
  },
  'POST /api/leasing/opportunities/:id/comments': async (f) => ({ client: await f.as('leasing:read'), path: `/api/leasing/opportunities/${(await newOpportunity(await f.as('leasing:write'))).id}/comments`, body: { body: '电话沟通' } }),
  'POST /api/leasing/opportunities/:id/attachments': async (f) => ({
    client: rawUploadClient(await f.as('leasing:read'), 'image/png', PNG_BYTES), path: `/api/leasing/opportunities/${(await newOpportunity(await f.as('leasing:write'))).id}/attachments${q({ name: 'photo.png' })}`,
  }),
  'GET /api/leasing/opportunities/:id/attachments/:aid': async (f) => {
    const r = await newOpportunity(await f.as('leasing:write'));
    const up = await rawUploadClient(await f.as('leasing:read'), 'image/png', PNG_BYTES).req('POST', `/api/leasing/opportunities/${r.id}/attachments?name=photo.png`);
    return { client: await f.as('leasing:read'), path: `/api/leasing/opportunities/${r.id}/attachments/${(up.body as { id: number }).id}` };
  },
  'POST /api/leasing/opportunities': async (f) => ({ client: await f.as('leasing:write'), path: '/api/leasing/opportunities', body: { data: { title: '契约测试商机', prospectId: (await newProspect(await f.as('leasing:write'))).id, area: 100 } } }),
  'GET /api/leasing/funnel': async (f) => ({ client: await f.as('leasing:read'), path: '/api/leasing/funnel' }),
  'GET /api/leasing/holds': async (f) => ({ client: await f.as('leasing:read'), path: `/api/leasing/holds${q({ units: await f.unit() })}` }),
  'POST /api/leasing/guest-links': async (f) => ({ client: await f.as('leasing:write'), path: '/api/leasing/guest-links', body: { title: '契约测试', units: [await f.unit()], days: 7 } }),
  'GET /api/leasing/guest-links': async (f) => ({ client: await f.as('leasing:read'), path: '/api/leasing/guest-links' }),
  'DELETE /api/leasing/guest-links/:id': async (f) => ({ client: await f.as('leasing:write'), path: `/api/leasing/guest-links/${(await newGuestLink(await f.as('leasing:write'), [await f.unit()])).id}` }),
  'GET /api/leasing/guest/:token': async (f) => ({ client: new HttpClient(f.s.server.url), path: `/api/leasing/guest/${(await newGuestLink(await f.as('leasing:write'), [await f.unit()])).token}` }),
  'GET /api/leasing/guest/:token/page': async (f) => ({ client: new HttpClient(f.s.server.url), path: `/api/leasing/guest/${(await newGuestLink(await f.as('leasing:write'), [await f.unit()])).token}/page` }),
  'GET /api/leasing/guest/:token/photos/:id': async (f) => {
    const unit = await f.unit();
    const up = await rawUploadClient(await f.as('leasing:write'), 'image/png', await photoPng()).req('POST', `/api/leasing/units/${unit}/photos`);
    return { client: new HttpClient(f.s.server.url), path: `/api/leasing/guest/${(await newGuestLink(await f.as('leasing:write'), [unit])).token}/photos/${(up.body as { id: number }).id}` };
  },
  'GET /api/leasing/units/:idx/photos': async (f) => ({ client: await f.as('leasing:read'), path: `/api/leasing/units/${await f.unit()}/photos` }),
  'POST /api/leasing/units/:idx/photos': async (f) => ({ client: rawUploadClient(await f.as('leasing:write'), 'image/png', await photoPng()), path: `/api/leasing/units/${await f.unit()}/photos` }),
  'GET /api/leasing/units/:idx/photos/:id': async (f) => {
    const unit = await f.unit();
    const up = await rawUploadClient(await f.as('leasing:write'), 'image/png', await photoPng()).req('POST', `/api/leasing/units/${unit}/photos`);
    return { client: await f.as('leasing:read'), path: `/api/leasing/units/${unit}/photos/${(up.body as { id: number }).id}${q({ size: 'thumb' })}` };
  },
  'DELETE /api/leasing/units/:idx/photos/:id': async (f) => {
    const unit = await f.unit();
    const up = await rawUploadClient(await f.as('leasing:write'), 'image/png', await photoPng()).req('POST', `/api/leasing/units/${unit}/photos`);
    return { client: await f.as('leasing:write'), path: `/api/leasing/units/${unit}/photos/${(up.body as { id: number }).id}` };
  },
};
