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

/** A canteen of the contract park (its first room made a canteen) with one dish on the menu. */
async function canteenWithDish(f: Fixture): Promise<{ idx: number; dish: number }> {
  const db = f.s.server.sc.db;
  await db.query("UPDATE room SET use = 'canteen' WHERE idx = $1", [f.ids.room]);
  const m = await f.as('catering:manage');
  const r = await m.req('POST', '/api/catering/dishes', { canteenIdx: f.ids.room, name: `菜-${randomBytes(3).toString('hex')}`, priceFen: 1200 });
  return { idx: f.ids.room, dish: (r.body as { id: number }).id };
}
/** A paid order of a holder (its client, the order and its pickup code). */
async function paidOrder(f: Fixture) {
  const c = await canteenWithDish(f);
  const u = await f.user(['enterprise_user']);
  const m = await f.as('catering:manage');
  const issued = await m.req('POST', '/api/catering/cards', { key: k(), holderName: '点餐人', holderUserId: u.id, activate: true });
  const id = (issued.body as { card: { id: number } }).card.id;
  await m.req('POST', `/api/catering/cards/${id}/ops`, { key: k(), op: 'subsidy', amountFen: 10_000 });
  const o = await u.client.req('POST', '/api/catering/orders', { key: k(), cardId: id, canteenIdx: c.idx, lines: [{ dishId: c.dish, qty: 1 }] });
  return { client: u.client, cardId: id, canteen: c, order: o.body as { id: number; pickup: { token: string } } };
}

Object.assign(CONTRACT, {
  'GET /api/catering/canteens/:idx/menu': async (f) => ({ client: await f.as('catering:use'), path: `/api/catering/canteens/${(await canteenWithDish(f)).idx}/menu` }),
  'POST /api/catering/dishes': async (f) => {
    const c = await canteenWithDish(f);
    return { client: await f.as('catering:manage'), path: '/api/catering/dishes', body: { canteenIdx: c.idx, name: `汤-${randomBytes(3).toString('hex')}`, nameEn: 'Soup', priceFen: 300, category: 'soup' } };
  },
  'PATCH /api/catering/dishes/:id': async (f) => ({ client: await f.as('catering:manage'), path: `/api/catering/dishes/${(await canteenWithDish(f)).dish}`, body: { available: false } }),
  'POST /api/catering/orders': async (f) => {
    const o = await paidOrder(f);
    return { client: o.client, path: '/api/catering/orders', body: { key: k(), cardId: o.cardId, canteenIdx: o.canteen.idx, lines: [{ dishId: o.canteen.dish, qty: 2 }] } };
  },
  'GET /api/catering/orders': async (f) => ({ client: (await paidOrder(f)).client, path: `/api/catering/orders${q({ mine: 1, limit: 10 })}` }),
  'GET /api/catering/orders/:id': async (f) => {
    const o = await paidOrder(f);
    return { client: o.client, path: `/api/catering/orders/${o.order.id}` };
  },
  'POST /api/catering/pickup': async (f) => ({ client: await f.as('catering:charge'), path: '/api/catering/pickup', body: { code: (await paidOrder(f)).order.pickup.token } }),
  'POST /api/catering/face-events': async (f) => {
    const o = await paidOrder(f);
    const terminal = `T-${randomBytes(3).toString('hex')}`;
    await f.s.server.sc.db.query('INSERT INTO catering_terminal (code, canteen_idx, name) VALUES ($1, $2, $3)', [terminal, o.canteen.idx, '刷脸机']);
    const identity = `fid-${randomBytes(4).toString('hex')}`;
    await (await f.as('catering:manage')).req('POST', `/api/catering/cards/${o.cardId}/face`, { identity });
    return { client: await f.as('catering:charge'), path: '/api/catering/face-events', body: { terminal, event: { id: `ev-${randomBytes(4).toString('hex')}`, identity, amountFen: 900 } } };
  },
  'GET /api/catering/face-events': async (f) => ({ client: await f.as('catering:charge'), path: '/api/catering/face-events' }),
  'POST /api/catering/cards/:id/face': async (f) => ({ client: await f.as('catering:manage'), path: `/api/catering/cards/${(await card(f)).id}/face`, body: { identity: `fid-${randomBytes(4).toString('hex')}` } }),
  'GET /api/catering/canteens/:idx/safety': async (f) => ({ client: await f.as('catering:use'), path: `/api/catering/canteens/${(await canteenWithDish(f)).idx}/safety` }),
  'POST /api/catering/pesticide-tests': async (f) => ({ client: await f.as('catering:safety'), path: '/api/catering/pesticide-tests', body: { canteenIdx: (await canteenWithDish(f)).idx, sample: '青菜', inhibitionPct: 12.5 } }),
  'POST /api/catering/samples': async (f) => ({ client: await f.as('catering:safety'), path: '/api/catering/samples', body: { canteenIdx: (await canteenWithDish(f)).idx, meal: 'lunch', dishes: '青菜', weightG: 150 } }),
  'POST /api/catering/samples/:id/dispose': async (f) => {
    const c = await canteenWithDish(f);
    const m = await f.as('catering:safety');
    const r = await m.req('POST', '/api/catering/samples', { canteenIdx: c.idx, meal: 'dinner', dishes: '青菜', weightG: 150, keptAt: new Date(Date.now() - 50 * 3_600_000).toISOString() });
    return { client: m, path: `/api/catering/samples/${(r.body as { id: number }).id}/dispose` };
  },
  'POST /api/catering/batches': async (f) => ({
    client: await f.as('catering:safety'), path: '/api/catering/batches',
    body: { supplier: { name: '契约农场' }, ingredient: '青菜', batchNo: `B-${randomBytes(3).toString('hex')}`, receivedAt: new Date().toISOString(), quantityKg: 5, dishIds: [(await canteenWithDish(f)).dish] },
  }),
  'GET /api/catering/dishes/:id/trace': async (f) => ({ client: await f.as('catering:use'), path: `/api/catering/dishes/${(await canteenWithDish(f)).dish}/trace` }),
} satisfies ContractCases);
