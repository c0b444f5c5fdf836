/** Route-contract cases of the linkage module (one per route; collected by twin-server/src/http/openapi.test.ts). */
import { q, type ContractCases, type Fixture } from '../../http/contract.ts';

const PLAN = (code: string, confirm = false) => ({
  code, name: { zh: '契约测试预案', en: 'Contract plan' }, trigger: { kinds: ['contract_never'], minSeverity: 1, zone: null, building: null },
  steps: [{ kind: 'fly_to', confirm }, { kind: 'cameras', limit: 2 }], enabled: true,
});
const code = () => `contract.${Math.random().toString(36).slice(2, 8)}`;
const newPlan = async (f: Fixture, confirm = false) => {
  const r = await (await f.as('linkage:write')).req('POST', '/api/linkage/plans', PLAN(code(), confirm));
  if (r.status !== 201) throw new Error(`plan: ${r.status} ${r.text}`);
  return r.body as { id: number; code: string; version: number };
};
/** A run of a plan whose first step waits for the operator. */
const waitingRun = async (f: Fixture) => {
  const p = await newPlan(f, true);
  const r = await (await f.as('security:control')).req('POST', `/api/linkage/plans/${p.id}/start`, { alarm: await f.alarm() });
  if (r.status !== 201) throw new Error(`start: ${r.status} ${r.text}`);
  return (r.body as { id: number }).id;
};

export const CONTRACT: ContractCases = {
  'GET /api/linkage/plans': async (f) => ({ client: await f.as('linkage:read'), path: '/api/linkage/plans' }),
  'POST /api/linkage/plans': async (f) => ({ client: await f.as('linkage:write'), path: '/api/linkage/plans', body: PLAN(code()) }),
  'PUT /api/linkage/plans/:id': async (f) => {
    const p = await newPlan(f);
    return { client: await f.as('linkage:write'), path: `/api/linkage/plans/${p.id}`, body: { version: p.version, plan: { ...PLAN(p.code), enabled: false } } };
  },
  'DELETE /api/linkage/plans/:id': async (f) => ({ client: await f.as('linkage:write'), path: `/api/linkage/plans/${(await newPlan(f)).id}` }),
  'POST /api/linkage/plans/:id/start': async (f) => ({ client: await f.as('security:control'), path: `/api/linkage/plans/${(await newPlan(f)).id}/start`, body: { alarm: await f.alarm() } }),
  'GET /api/linkage/runs': async (f) => (await waitingRun(f), { client: await f.as('linkage:read'), path: `/api/linkage/runs${q({ state: 'all', limit: 5 })}` }),
  'GET /api/linkage/runs/:id': async (f) => ({ client: await f.as('linkage:read'), path: `/api/linkage/runs/${await waitingRun(f)}` }),
  'POST /api/linkage/runs/:id/steps/:n/confirm': async (f) => ({ client: await f.as('security:control'), path: `/api/linkage/runs/${await waitingRun(f)}/steps/0/confirm`, body: {} }),
  'POST /api/linkage/runs/:id/steps/:n/cancel': async (f) => ({ client: await f.as('security:control'), path: `/api/linkage/runs/${await waitingRun(f)}/steps/0/cancel`, body: {} }),
  'POST /api/linkage/runs/:id/cancel': async (f) => ({ client: await f.as('security:control'), path: `/api/linkage/runs/${await waitingRun(f)}/cancel`, body: {} }),
};
