/** Route-contract cases of the catering module (one per route; collected by twin-server/src/http/openapi.test.ts). */
import { randomBytes } from 'node:crypto';
import { q, type ContractCases, type Fixture } from '../../http/contract.ts';

const k = () => `ct-${randomBytes(6).toString('hex')}`;
/** An active card with 100 yuan on it, made by a card manager. */
async function card(f: Fixture): Promise<{ id: number; version: number }> {
  const m = await f.as('catering:manage');
  const r = await m.req('POST', '/api/catering/cards', { key: k(), holderName: '测试持卡人', activate: true });
  const c = (r.body as { card: { id: number } }).card;
  const t = await m.req('POST', `/api/catering/cards/${c.id}/ops`, { key: k(), op: 'subsidy', amountFen: 10_000 });
  return (t.body as { card: { id: number; version: number } }).card;
}

export const CONTRACT: ContractCases = {
  'GET /api/catering/canteens': async (f) => ({ client: await f.as('catering:use'), path: '/api/catering/canteens' }),
  'GET /api/catering/cards': async (f) => (await card(f), { client: await f.as('catering:charge'), path: `/api/catering/cards${q({ q: '测试', limit: 5 })}` }),
  'POST /api/catering/cards': async (f) => ({ client: await f.as('catering:manage'), path: '/api/catering/cards', body: { key: k(), holderName: '张伟', floorFen: -2000 } }),
  'GET /api/catering/cards/:id': async (f) => ({ client: await f.as('catering:charge'), path: `/api/catering/cards/${(await card(f)).id}` }),
  'PATCH /api/catering/cards/:id': async (f) => {
    const c = await card(f);
    return { client: await f.as('catering:manage'), path: `/api/catering/cards/${c.id}`, body: { version: c.version, holderName: '李娜' } };
  },
  'POST /api/catering/cards/:id/status': async (f) => ({ client: await f.as('catering:manage'), path: `/api/catering/cards/${(await card(f)).id}/status`, body: { action: 'report_loss' } }),
  'POST /api/catering/cards/:id/ops': async (f) => ({ client: await f.as('catering:charge'), path: `/api/catering/cards/${(await card(f)).id}/ops`, body: { key: k(), op: 'charge', amountFen: 1500 } }),
  'GET /api/catering/reports': async (f) => ({
    client: await f.as('catering:report'), path: `/api/catering/reports${q({ from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date(Date.now() + 86_400_000).toISOString() })}`,
  }),
};
