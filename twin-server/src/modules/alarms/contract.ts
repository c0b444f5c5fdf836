/** Route-contract cases of this module (one per route; collected by twin-server/src/http/openapi.test.ts). */
import { q, type ContractCases } from '../../http/contract.ts';

/** A valid alarm rule body (modules/alarms) with the given code. */
const CONTRACT_RULE = (code: string) => ({
  code, name: { zh: '契约测试', en: 'Contract test' }, layer: 'energy', kind: 'contract_test', condition: { op: 'above', field: 'kw', value: 900000 },
  severity: 1, message: { zh: '{value} kW', en: '{value} kW' },
});

export const CONTRACT: ContractCases = {
  // alarm console and rules (modules/alarms)
  'GET /api/alarm-console/alarms': async (f) => (await f.alarm(), { client: await f.as('alarm:read'), path: `/api/alarm-console/alarms${q({ state: 'all', severity: 1, limit: 10 })}` }),
  'GET /api/alarm-console/alarms/:id': async (f) => ({ client: await f.as('alarm:read'), path: `/api/alarm-console/alarms/${await f.alarm()}` }),
  'POST /api/alarm-console/alarms/:id/acknowledge': async (f) => ({ client: await f.as('alarm:write'), path: `/api/alarm-console/alarms/${await f.alarm()}/acknowledge`, body: { comment: '已确认' } }),
  'POST /api/alarm-console/alarms/:id/comment': async (f) => ({ client: await f.as('alarm:write'), path: `/api/alarm-console/alarms/${await f.alarm()}/comment`, body: { text: '现场检查中' } }),
  'POST /api/alarm-console/alarms/:id/assign': async (f) => ({ client: await f.as('alarm:write'), path: `/api/alarm-console/alarms/${await f.alarm()}/assign`, body: { userId: null } }),
  'POST /api/alarm-console/alarms/:id/shelve': async (f) => ({ client: await f.as('alarm:control'), path: `/api/alarm-console/alarms/${await f.alarm()}/shelve`, body: { minutes: 30 } }),
  'POST /api/alarm-console/alarms/:id/unshelve': async (f) => {
    const id = await f.alarm();
    await (await f.as('alarm:control')).req('POST', `/api/alarm-console/alarms/${id}/shelve`, { minutes: 5 });
    return { client: await f.as('alarm:control'), path: `/api/alarm-console/alarms/${id}/unshelve`, body: {} };
  },
  'POST /api/alarm-console/alarms/:id/clear': async (f) => ({ client: await f.as('alarm:write'), path: `/api/alarm-console/alarms/${await f.alarm()}/clear`, body: {} }),
  'GET /api/alarm-console/assignees': async (f) => ({ client: await f.as('alarm:write'), path: '/api/alarm-console/assignees' }),
  'GET /api/alarm-console/rules': async (f) => ({ client: await f.as('alarm:read'), path: '/api/alarm-console/rules' }),
  'POST /api/alarm-console/rules': async (f) => ({ client: await f.as('alarm:control'), path: '/api/alarm-console/rules', body: CONTRACT_RULE(`contract.${Math.random().toString(36).slice(2, 8)}`) }),
  'PUT /api/alarm-console/rules/:id': async (f) => {
    const r = await (await f.as('alarm:control')).req('POST', '/api/alarm-console/rules', CONTRACT_RULE(`contract.${Math.random().toString(36).slice(2, 8)}`));
    const rule = r.body as { id: number; code: string; version: number };
    return { client: await f.as('alarm:control'), path: `/api/alarm-console/rules/${rule.id}`, body: { version: rule.version, rule: { ...CONTRACT_RULE(rule.code), enabled: false } } };
  },
  'DELETE /api/alarm-console/rules/:id': async (f) => {
    const r = await (await f.as('alarm:control')).req('POST', '/api/alarm-console/rules', CONTRACT_RULE(`contract.${Math.random().toString(36).slice(2, 8)}`));
    return { client: await f.as('alarm:control'), path: `/api/alarm-console/rules/${(r.body as { id: number }).id}` };
  },
};
