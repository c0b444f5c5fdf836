/** Route-contract cases of this module (one per route; collected by twin-server/src/http/openapi.test.ts). */
import { randomBytes } from 'node:crypto';
import { q, type ContractCases, type Fixture } from '../../http/contract.ts';
import { rawUploadClient, PNG_BYTES } from '../repairs/testing.ts';
import { fire, insertCrew, lonLatOf, newOrder, SAMPLE_ORDER } from './testing.ts';

/** An order dispatched to a fresh crew member and started by them: `{ id, crewClient }`. */
async function startedOrder(f: Fixture) {
  const member = await f.user(['maintenance']);
  const db = f.s.server.sc.db;
  const at = await lonLatOf(db, f.ids.equipment);
  const crew = await insertCrew(db, { code: `contract-${randomBytes(3).toString('hex')}`, trade: 'general', ...at, members: [member.id] });
  const pm = await f.as('workorders:dispatch');
  const o = await newOrder(pm, f.ids.equipment);
  for (const [c, t, d] of [[pm, 'dispatch', { crew }], [member.client, 'accept'], [member.client, 'start']] as const) {
    const r = await fire(c, o.id, t, d);
    if (r.status !== 200) throw new Error(`${t}: ${r.status} ${r.text}`);
  }
  return { id: o.id, crewClient: member.client, crew };
}

export const CONTRACT: ContractCases = {
  'GET /api/workorders/meta': async (f) => ({ client: await f.as('workorders:read'), path: '/api/workorders/meta' }),
  'GET /api/workorders': async (f) => (await newOrder(await f.as('workorders:write'), f.ids.equipment),
    { client: await f.as('workorders:read'), path: `/api/workorders${q({ limit: 5, sort: 'updatedAt', 'f.priority': 'normal' })}` }),
  'GET /api/workorders/export': async (f) => ({ client: await f.as('workorders:read'), path: `/api/workorders/export${q({ format: 'csv', lang: 'zh' })}` }),
  'GET /api/workorders/assignable': async (f) => ({ client: await f.as('workorders:dispatch'), path: '/api/workorders/assignable' }),
  'POST /api/workorders': async (f) => ({ client: await f.as('workorders:write'), path: '/api/workorders', body: { objectIdx: f.ids.equipment, data: SAMPLE_ORDER } }),
  'GET /api/workorders/:id': async (f) => ({ client: await f.as('workorders:read'), path: `/api/workorders/${(await newOrder(await f.as('workorders:write'), f.ids.equipment)).id}` }),
  'PATCH /api/workorders/:id': async (f) => {
    const o = await newOrder(await f.as('workorders:write'), f.ids.equipment);
    return { client: await f.as('workorders:write'), path: `/api/workorders/${o.id}`, body: { version: o.version, data: { priority: 'high' } } };
  },
  'POST /api/workorders/:id/transitions/:name': async (f) => {
    const o = await newOrder(await f.as('workorders:write'), f.ids.equipment);
    return { client: await f.as('workorders:dispatch'), path: `/api/workorders/${o.id}/transitions/cancel`, body: { version: o.version, note: 'contract test' } };
  },
  'PUT /api/workorders/:id/assignees': async (f) => {
    const o = await newOrder(await f.as('workorders:write'), f.ids.equipment);
    return { client: await f.as('workorders:dispatch'), path: `/api/workorders/${o.id}/assignees`, body: { version: o.version, assignees: [(await f.user(['maintenance'])).id] } };
  },
  'POST /api/workorders/:id/comments': async (f) => ({
    client: await f.as('workorders:read'), path: `/api/workorders/${(await newOrder(await f.as('workorders:write'), f.ids.equipment)).id}/comments`, body: { body: '已到现场' },
  }),
  'POST /api/workorders/:id/attachments': async (f) => ({
    client: rawUploadClient(await f.as('workorders:read'), 'image/png', PNG_BYTES),
    path: `/api/workorders/${(await newOrder(await f.as('workorders:write'), f.ids.equipment)).id}/attachments${q({ name: 'photo.png' })}`,
  }),
  'GET /api/workorders/:id/attachments/:aid': async (f) => {
    const o = await newOrder(await f.as('workorders:write'), f.ids.equipment);
    const up = await rawUploadClient(await f.as('workorders:read'), 'image/png', PNG_BYTES).req('POST', `/api/workorders/${o.id}/attachments?name=photo.png`);
    return { client: await f.as('workorders:read'), path: `/api/workorders/${o.id}/attachments/${(up.body as { id: number }).id}` };
  },
  'GET /api/workorders/:id/extra': async (f) => ({ client: await f.as('workorders:read'), path: `/api/workorders/${(await newOrder(await f.as('workorders:write'), f.ids.equipment)).id}/extra` }),
  'POST /api/workorders/:id/parts': async (f) => {
    const o = await startedOrder(f);
    return { client: o.crewClient, path: `/api/workorders/${o.id}/parts`, body: { partCode: 'FLT-600', name: '初效过滤网', qty: 1, unit: '片' } };
  },
  'POST /api/workorders/:id/steps/:n': async (f) => {
    const o = await startedOrder(f);
    return { client: o.crewClient, path: `/api/workorders/${o.id}/steps/0`, body: { done: true } };
  },
  'GET /api/maintenance/objects/:idx/work-orders': async (f) => ({ client: await f.as('workorders:read'), path: `/api/maintenance/objects/${f.ids.equipment}/work-orders` }),
  'GET /api/maintenance/crews': async (f) => ({ client: await f.as('workorders:read'), path: '/api/maintenance/crews' }),
  'PUT /api/maintenance/crews/:id/members': async (f) => {
    const o = await startedOrder(f);
    return { client: await f.as('workorders:dispatch'), path: `/api/maintenance/crews/${o.crew}/members`, body: { userIds: [(await f.user(['maintenance'])).id] } };
  },
  'GET /api/maintenance/dispatch-rules': async (f) => ({ client: await f.as('workorders:read'), path: '/api/maintenance/dispatch-rules' }),
  'PUT /api/maintenance/dispatch-rules/:id': async (f) => {
    const r = await f.s.server.sc.db.query<{ id: number }>("SELECT id FROM wo_dispatch_rule WHERE equipment_type = 'light'");
    return { client: await f.as('workorders:dispatch'), path: `/api/maintenance/dispatch-rules/${r.rows[0]!.id}`, body: { trade: 'electrical', minSeverity: 2, autoCreate: true, enabled: true } };
  },
  'GET /api/maintenance/kb': async (f) => ({ client: await f.as('workorders:read'), path: `/api/maintenance/kb${q({ type: 'chiller', fault: 'equipment_fault' })}` }),
};
