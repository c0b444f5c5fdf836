/** Route-contract cases of the O2O module (one per route; collected by twin-server/src/http/openapi.test.ts). */
import { randomBytes } from 'node:crypto';
import { q, type ContractCases, type Fixture } from '../../http/contract.ts';
import { seedO2o } from './seed.ts';

/** The sample catalogue, and an order of a fresh user (its client and the order id). */
async function ordered(f: Fixture, pay = false) {
  await seedO2o(f.s.server.sc, f.ids.park);
  const u = await f.user(['enterprise_user']);
  const cat = (await u.client.req('GET', '/api/o2o/catalogue?audience=staff')).body as { services: { id: number }[] };
  const o = (await u.client.req('POST', '/api/o2o/orders', { serviceId: cat.services[0]!.id, qty: 1, audience: 'staff' })).body as { id: number };
  if (pay) await u.client.req('POST', `/api/o2o/orders/${o.id}/pay`, { key: `o2o-${randomBytes(6).toString('hex')}`, method: 'wechat' });
  return { client: u.client, id: o.id, serviceId: cat.services[0]!.id };
}

export const CONTRACT: ContractCases = {
  'GET /api/o2o/catalogue': async (f) => (await seedO2o(f.s.server.sc, f.ids.park), { client: await f.as('o2o:use'), path: `/api/o2o/catalogue${q({ category: 'printing' })}` }),
  'POST /api/o2o/orders': async (f) => {
    const o = await ordered(f);
    return { client: o.client, path: '/api/o2o/orders', body: { serviceId: o.serviceId, qty: 2, audience: 'staff', note: '下午三点前' } };
  },
  'GET /api/o2o/orders': async (f) => ({ client: (await ordered(f)).client, path: '/api/o2o/orders' }),
  'POST /api/o2o/orders/:id/pay': async (f) => {
    const o = await ordered(f);
    return { client: o.client, path: `/api/o2o/orders/${o.id}/pay`, body: { key: `o2o-${randomBytes(6).toString('hex')}`, method: 'alipay' } };
  },
  'POST /api/o2o/orders/:id/status': async (f) => ({ client: await f.as('o2o:fulfil'), path: `/api/o2o/orders/${(await ordered(f, true)).id}/status`, body: { action: 'accept' } }),
  'POST /api/o2o/orders/:id/rate': async (f) => {
    const o = await ordered(f, true);
    const desk = await f.as('o2o:fulfil');
    await desk.req('POST', `/api/o2o/orders/${o.id}/status`, { action: 'accept' });
    await desk.req('POST', `/api/o2o/orders/${o.id}/status`, { action: 'fulfil' });
    return { client: o.client, path: `/api/o2o/orders/${o.id}/rate`, body: { rating: 5, comment: '很好' } };
  },
  'GET /api/o2o/settlement': async (f) => ({
    client: await f.as('o2o:report'), path: `/api/o2o/settlement${q({ from: new Date(Date.now() - 30 * 86_400_000).toISOString(), to: new Date(Date.now() + 86_400_000).toISOString() })}`,
  }),
};
