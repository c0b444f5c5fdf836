/** Route-contract cases of the enterprise-services module (one per route; collected by twin-server/src/http/openapi.test.ts). */
import { q, type ContractCases, type Fixture } from '../../http/contract.ts';
import type { HttpClient } from '../../auth/testing.ts';
import { PNG_BYTES, rawUploadClient } from '../repairs/testing.ts';

/** A complete move-in application (every document ticked). */
export const SAMPLE_MOVEIN = {
  company: '星河智能科技有限公司', creditCode: '91310115MA1K4A0B1C', contact: '周明', phone: '021-5555 0102', moveInDate: '2030-05-01',
  docLicense: true, docLegalId: true, docArticles: true, docLeaseIntent: true, docSafety: true,
} as const;
/** A service request. */
export const SAMPLE_SERVICE = { title: '申报高新技术企业认定', category: 'technical', description: '协助梳理研发费用材料' } as const;

/** Creates a record at `path` on `room` as `client`; throws unless created. */
export async function newRecord(client: HttpClient, path: string, room: number, data: Record<string, unknown>): Promise<{ id: number; version: number }> {
  const r = await client.req('POST', `/api/${path}`, { objectIdx: room, data });
  if (r.status !== 201) throw new Error(`${path} not created: ${r.status} ${r.text}`);
  return r.body as { id: number; version: number };
}

function cases(path: string, data: Record<string, unknown>, transition: string, edit: Record<string, unknown>): ContractCases {
  const mk = async (f: Fixture) => newRecord(await f.as('enterprise-services:apply'), path, f.ids.room, data);
  return {
    [`GET /api/${path}/meta`]: async (f) => ({ client: await f.as('enterprise-services:read'), path: `/api/${path}/meta` }),
    [`GET /api/${path}`]: async (f) => (await mk(f), { client: await f.as('enterprise-services:read'), path: `/api/${path}${q({ limit: 5 })}` }),
    [`GET /api/${path}/export`]: async (f) => ({ client: await f.as('enterprise-services:read'), path: `/api/${path}/export${q({ format: 'csv', lang: 'zh' })}` }),
    [`GET /api/${path}/assignable`]: async (f) => ({ client: await f.as('enterprise-services:review'), path: `/api/${path}/assignable` }),
    [`POST /api/${path}`]: async (f) => ({ client: await f.as('enterprise-services:apply'), path: `/api/${path}`, body: { objectIdx: f.ids.room, data } }),
    [`GET /api/${path}/:id`]: async (f) => ({ client: await f.as('enterprise-services:read'), path: `/api/${path}/${(await mk(f)).id}` }),
    [`PATCH /api/${path}/:id`]: async (f) => {
      const r = await mk(f);
      return { client: await f.as('enterprise-services:review'), path: `/api/${path}/${r.id}`, body: { version: r.version, data: edit } };
    },
    [`POST /api/${path}/:id/transitions/:name`]: async (f) => {
      const r = await mk(f);
      const staff = await f.user(['investment']);
      if (path === 'service-requests') await staff.client.req('PUT', `/api/${path}/${r.id}/assignees`, { version: r.version, assignees: [staff.id] });
      return { client: staff.client, path: `/api/${path}/${r.id}/transitions/${transition}`, body: { version: path === 'service-requests' ? r.version + 1 : r.version } };
    },
    [`PUT /api/${path}/:id/assignees`]: async (f) => {
      const r = await mk(f);
      return { client: await f.as('enterprise-services:review'), path: `/api/${path}/${r.id}/assignees`, body: { version: r.version, assignees: [(await f.user(['investment'])).id] } };
    },
    [`POST /api/${path}/:id/comments`]: async (f) => ({ client: await f.as('enterprise-services:read'), path: `/api/${path}/${(await mk(f)).id}/comments`, body: { body: '请补充材料' } }),
    [`POST /api/${path}/:id/attachments`]: async (f) => ({
      client: rawUploadClient(await f.as('enterprise-services:read'), 'image/png', PNG_BYTES), path: `/api/${path}/${(await mk(f)).id}/attachments${q({ name: 'doc.png' })}`,
    }),
    [`GET /api/${path}/:id/attachments/:aid`]: async (f) => {
      const r = await mk(f);
      const up = await rawUploadClient(await f.as('enterprise-services:read'), 'image/png', PNG_BYTES).req('POST', `/api/${path}/${r.id}/attachments?name=doc.png`);
      return { client: await f.as('enterprise-services:read'), path: `/api/${path}/${r.id}/attachments/${(up.body as { id: number }).id}` };
    },
  };
}

export const CONTRACT: ContractCases = {
  ...cases('move-ins', SAMPLE_MOVEIN, 'check_docs', { contact: '周明明' }),
  ...cases('service-requests', SAMPLE_SERVICE, 'accept', { description: '补充说明' }),
};
