/** Route-contract cases of this module (one per route; collected by twin-server/src/http/openapi.test.ts). */
import { HttpClient } from '../../auth/testing.ts';
import { q, type ContractCases } from '../../http/contract.ts';
import { rawUploadClient } from '../repairs/testing.ts';
import { newArticle, publishedArticle, SAMPLE_ARTICLE, testPng } from './testing.ts';

const author = async (f: Parameters<ContractCases[string]>[0]) => (await f.user(['investment'])).client;
const anon = (f: Parameters<ContractCases[string]>[0]) => new HttpClient(f.s.server.url);
const upload = async (f: Parameters<ContractCases[string]>[0]) => {
  const r = await rawUploadClient(await author(f), 'image/png', await testPng(64, 48)).req('POST', '/api/portal/images');
  return (r.body as { id: number }).id;
};

export const CONTRACT: ContractCases = {
  'GET /api/portal/articles/meta': async (f) => ({ client: await f.as('portal:read'), path: '/api/portal/articles/meta' }),
  'GET /api/portal/articles': async (f) => (await newArticle(await author(f)), { client: await f.as('portal:read'), path: `/api/portal/articles${q({ limit: 5 })}` }),
  'GET /api/portal/articles/export': async (f) => ({ client: await f.as('portal:read'), path: `/api/portal/articles/export${q({ format: 'csv', lang: 'zh' })}` }),
  'GET /api/portal/articles/assignable': async (f) => ({ client: await f.as('portal:publish'), path: '/api/portal/articles/assignable' }),
  'POST /api/portal/articles': async (f) => ({ client: await f.as('portal:write'), path: '/api/portal/articles', body: { data: SAMPLE_ARTICLE } }),
  'GET /api/portal/articles/:id': async (f) => ({ client: await f.as('portal:read'), path: `/api/portal/articles/${(await newArticle(await author(f))).id}` }),
  'PATCH /api/portal/articles/:id': async (f) => {
    const c = await author(f);
    const a = await newArticle(c);
    return { client: c, path: `/api/portal/articles/${a.id}`, body: { version: a.version, data: { summary: '改过的摘要' } } };
  },
  'POST /api/portal/articles/:id/transitions/:name': async (f) => {
    const c = await author(f);
    const a = await newArticle(c);
    return { client: c, path: `/api/portal/articles/${a.id}/transitions/submit`, body: { version: a.version } };
  },
  'PUT /api/portal/articles/:id/assignees': async (f) => {
    const a = await newArticle(await author(f));
    return { client: await f.as('portal:publish'), path: `/api/portal/articles/${a.id}/assignees`, body: { version: a.version, assignees: [] } };
  },
  'POST /api/portal/articles/:id/comments': async (f) => ({ client: await f.as('portal:read'), path: `/api/portal/articles/${(await newArticle(await author(f))).id}/comments`, body: { body: '请补充图片' } }),
  'POST /api/portal/articles/:id/attachments': async (f) => ({
    client: rawUploadClient(await f.as('portal:read'), 'image/png', await testPng(32, 32)), path: `/api/portal/articles/${(await newArticle(await author(f))).id}/attachments${q({ name: 'a.png' })}`,
  }),
  'GET /api/portal/articles/:id/attachments/:aid': async (f) => {
    const a = await newArticle(await author(f));
    const up = await rawUploadClient(await f.as('portal:read'), 'image/png', await testPng(32, 32)).req('POST', `/api/portal/articles/${a.id}/attachments?name=a.png`);
    return { client: await f.as('portal:read'), path: `/api/portal/articles/${a.id}/attachments/${(up.body as { id: number }).id}` };
  },
  'GET /api/portal/public/overview': async (f) => ({ client: anon(f), path: '/api/portal/public/overview' }),
  'GET /api/portal/public/articles': async (f) => (await publishedArticle(await author(f), await f.as('portal:publish')), { client: anon(f), path: `/api/portal/public/articles${q({ q: '新闻', limit: 5 })}` }),
  'GET /api/portal/public/articles/:id': async (f) => ({ client: anon(f), path: `/api/portal/public/articles/${await publishedArticle(await author(f), await f.as('portal:publish'))}` }),
  'GET /api/portal/public/units': async (f) => ({ client: anon(f), path: '/api/portal/public/units' }),
  'GET /api/portal/public/images/:id': async (f) => {
    const img = await upload(f);
    await publishedArticle(await author(f), await f.as('portal:publish'), { ...SAMPLE_ARTICLE, cover: img });
    return { client: anon(f), path: `/api/portal/public/images/${img}` };
  },
  'GET /api/portal/images/:id': async (f) => ({ client: await f.as('portal:read'), path: `/api/portal/images/${await upload(f)}` }),
  'POST /api/portal/images': async (f) => ({ client: rawUploadClient(await author(f), 'image/png', await testPng(64, 48)), path: '/api/portal/images' }),
};
