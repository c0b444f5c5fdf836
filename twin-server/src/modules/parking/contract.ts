/** Route-contract cases of the parking module (one per route; collected by twin-server/src/http/openapi.test.ts). */
import { randomBytes } from 'node:crypto';
import { q, type ContractCases, type Fixture } from '../../http/contract.ts';
import type { HttpClient } from '../../auth/testing.ts';

/** The fixture's room made a car park (once) with 20 spaces at 300 yuan a month. */
async function lot(f: Fixture): Promise<number> {
  const db = f.s.server.sc.db;
  const ins = await db.query('INSERT INTO parking_lot (idx, park_idx, capacity, monthly_fee_fen) VALUES ($1, $2, 20, 30000) ON CONFLICT DO NOTHING RETURNING idx', [f.ids.room, f.ids.park]);
  if (ins.rows.length) await db.query("INSERT INTO parking_space (lot_idx, code) SELECT $1, 'B1-' || lpad(n::text, 3, '0') FROM generate_series(1, 20) n", [f.ids.room]);
  return f.ids.room;
}
let plate = 10000;
/** A pending card applied for by a manager (so no enterprise scoping applies). */
async function applied(f: Fixture): Promise<{ client: HttpClient; id: number; version: number }> {
  const client = await f.as('parking:manage');
  const r = await client.req('POST', '/api/parking/cards', { lotIdx: await lot(f), plate: `沪A${plate++}`, holderName: '测试', months: 1 });
  if (r.status !== 201) throw new Error(`card not created: ${r.status} ${r.text}`);
  return { client, ...(r.body as { id: number; version: number }) };
}

export const CONTRACT: ContractCases = {
  'GET /api/parking/lots': async (f) => (await lot(f), { client: await f.as('parking:read'), path: `/api/parking/lots${q({ room: f.ids.room })}` }),
  'GET /api/parking/cards': async (f) => (await applied(f), { client: await f.as('parking:manage'), path: `/api/parking/cards${q({ status: 'pending' })}` }),
  'GET /api/parking/cards/:id': async (f) => {
    const c = await applied(f);
    return { client: c.client, path: `/api/parking/cards/${c.id}` };
  },
  'POST /api/parking/cards': async (f) => ({ client: await f.as('parking:manage'), path: '/api/parking/cards', body: { lotIdx: await lot(f), plate: `沪B${plate++}`, holderName: '测试', months: 3 } }),
  'POST /api/parking/cards/:id/decision': async (f) => {
    const c = await applied(f);
    return { client: c.client, path: `/api/parking/cards/${c.id}/decision`, body: { version: c.version, decision: 'approve' } };
  },
  'POST /api/parking/cards/:id/payments': async (f) => {
    const c = await applied(f);
    await c.client.req('POST', `/api/parking/cards/${c.id}/decision`, { version: c.version, decision: 'approve' });
    return { client: c.client, path: `/api/parking/cards/${c.id}/payments`, body: { key: `pay-${randomBytes(6).toString('hex')}`, months: 1, amountFen: 30000, method: 'wechat' } };
  },
};
