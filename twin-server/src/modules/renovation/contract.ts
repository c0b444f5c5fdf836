/** Route-contract cases of the renovation module (one per route; collected by twin-server/src/http/openapi.test.ts). */
import { q, type ContractCases, type Fixture } from '../../http/contract.ts';
import type { HttpClient } from '../../auth/testing.ts';
import { PNG_BYTES, rawUploadClient } from '../repairs/testing.ts';

/** A valid application's fields. */
export const SAMPLE_RENOVATION = { title: '办公区隔断改造', scope: '新增两间玻璃隔断会议室', contractor: '华建装饰工程有限公司', contractorPhone: '021-5555 0101', startDate: '2027-03-01', endDate: '2027-03-20' } as const;

/** Applies for a renovation of `room` as `client`; throws unless created. */
export async function newRenovation(client: HttpClient, room: number): Promise<{ id: number; version: number }> {
  const r = await client.req('POST', '/api/renovations', { objectIdx: room, data: SAMPLE_RENOVATION });
  if (r.status !== 201) throw new Error(`renovation not created: ${r.status} ${r.text}`);
  return r.body as { id: number; version: number };
}
const mk = async (f: Fixture) => newRenovation(await f.as('renovation:apply'), f.ids.room);

export const CONTRACT: ContractCases = {
  'GET /api/renovations/meta': async (f) => ({ client: await f.as('renovation:read'), path: '/api/renovations/meta' }),
  'GET /api/renovations': async (f) => (await mk(f), { client: await f.as('renovation:read'), path: `/api/renovations${q({ limit: 5 })}` }),
  'GET /api/renovations/export': async (f) => ({ client: await f.as('renovation:read'), path: `/api/renovations/export${q({ format: 'csv', lang: 'zh' })}` }),
  'GET /api/renovations/assignable': async (f) => ({ client: await f.as('renovation:manage'), path: '/api/renovations/assignable' }),
  'POST /api/renovations': async (f) => ({ client: await f.as('renovation:apply'), path: '/api/renovations', body: { objectIdx: f.ids.room, data: SAMPLE_RENOVATION } }),
  'GET /api/renovations/:id': async (f) => ({ client: await f.as('renovation:read'), path: `/api/renovations/${(await mk(f)).id}` }),
  'PATCH /api/renovations/:id': async (f) => {
    const r = await mk(f);
    return { client: await f.as('renovation:manage'), path: `/api/renovations/${r.id}`, body: { version: r.version, data: { endDate: '2027-03-25' } } };
  },
  'POST /api/renovations/:id/transitions/:name': async (f) => {
    const r = await mk(f);
    return { client: await f.as('renovation:manage'), path: `/api/renovations/${r.id}/transitions/approve`, body: { version: r.version, data: { depositYuan: 5000 } } };
  },
  'PUT /api/renovations/:id/assignees': async (f) => {
    const r = await mk(f);
    return { client: await f.as('renovation:manage'), path: `/api/renovations/${r.id}/assignees`, body: { version: r.version, assignees: [(await f.user(['maintenance'])).id] } };
  },
  'POST /api/renovations/:id/comments': async (f) => ({ client: await f.as('renovation:read'), path: `/api/renovations/${(await mk(f)).id}/comments`, body: { body: '请补充施工图纸' } }),
  'POST /api/renovations/:id/attachments': async (f) => ({
    client: rawUploadClient(await f.as('renovation:read'), 'image/png', PNG_BYTES), path: `/api/renovations/${(await mk(f)).id}/attachments${q({ name: 'plan.png' })}`,
  }),
  'GET /api/renovations/:id/attachments/:aid': async (f) => {
    const r = await mk(f);
    const up = await rawUploadClient(await f.as('renovation:read'), 'image/png', PNG_BYTES).req('POST', `/api/renovations/${r.id}/attachments?name=plan.png`);
    return { client: await f.as('renovation:read'), path: `/api/renovations/${r.id}/attachments/${(up.body as { id: number }).id}` };
  },
};
