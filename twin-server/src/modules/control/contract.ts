/** Route-contract cases of the control module (one per route; collected by twin-server/src/http/openapi.test.ts). */
import { q, type ContractCases, type Fixture } from '../../http/contract.ts';

const deviceOf = async (f: Fixture, types: string[]): Promise<number> => {
  const r = await f.s.server.sc.db.query<{ idx: number }>('SELECT idx FROM equipment WHERE park_idx = $1 AND type = ANY($2::text[]) ORDER BY idx LIMIT 1', [f.ids.park, types]);
  if (!r.rows[0]) throw new Error(`the contract park has no ${types.join('/')}`);
  return r.rows[0].idx;
};
/** A risky command awaiting confirmation (a lift recall or a plant stop), asked by the equipment:control client. */
const risky = async (f: Fixture) => {
  const idx = await deviceOf(f, ['elevator', 'chiller', 'boiler', 'pump', 'cooling_tower']);
  const r = await (await f.as('equipment:control')).req('POST', '/api/control/commands', { idx, action: (await f.s.server.sc.db.query<{ type: string }>('SELECT type FROM equipment WHERE idx = $1', [idx])).rows[0]!.type === 'elevator' ? 'recall' : 'stop' });
  if (r.status !== 202) throw new Error(`risky command: ${r.status} ${r.text}`);
  return r.body as { command: { id: string }; confirmation: { token: string } };
};

export const CONTRACT: ContractCases = {
  'GET /api/control/profiles': async (f) => ({ client: await f.as('equipment:read'), path: '/api/control/profiles' }),
  'GET /api/control/devices/:idx': async (f) => ({ client: await f.as('equipment:read'), path: `/api/control/devices/${await deviceOf(f, ['fan_coil', 'ahu'])}` }),
  'POST /api/control/commands': async (f) => ({ client: await f.as('equipment:control'), path: '/api/control/commands', body: { idx: await deviceOf(f, ['fan_coil', 'ahu']), action: 'setpoint', value: 22 } }),
  'POST /api/control/commands/:id/confirm': async (f) => {
    const r = await risky(f);
    return { client: await f.as('equipment:control'), path: `/api/control/commands/${r.command.id}/confirm`, body: { token: r.confirmation.token } };
  },
  'POST /api/control/commands/:id/cancel': async (f) => ({ client: await f.as('equipment:control'), path: `/api/control/commands/${(await risky(f)).command.id}/cancel`, body: {} }),
  'GET /api/control/commands/:id': async (f) => ({ client: await f.as('equipment:read'), path: `/api/control/commands/${(await risky(f)).command.id}` }),
  'GET /api/control/commands': async (f) => ({ client: await f.as('equipment:read'), path: `/api/control/commands${q({ limit: 10 })}` }),
};
