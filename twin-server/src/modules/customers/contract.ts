/** Route-contract cases of this module (one per route; collected by twin-server/src/http/openapi.test.ts). */
import { CONTRACT_PARK, q, type ContractCases, type Fixture } from '../../http/contract.ts';

/** Adds a contact person to the fixture's enterprise and returns its id. */
async function contactId(f: Fixture): Promise<number> {
  const r = await (await f.as('customers:write')).req('POST', `/api/customers/enterprises/${f.ids.enterprise}/contacts`, { name: '合同测试联系人', phone: '13800001111' });
  if (r.status !== 201) throw new Error(`contact not added: ${r.status} ${r.text}`);
  return (r.body as { id: number }).id;
}

export const CONTRACT: ContractCases = {
  // customer registry and profiles (modules/customers)
  'GET /api/customers': async (f) => ({ client: await f.as('enterprise:read'), path: `/api/customers${q({ park: CONTRACT_PARK, q: '', limit: 20 })}` }),
  'GET /api/customers/enterprises/:idx': async (f) => ({ client: await f.as('enterprise:read'), path: `/api/customers/enterprises/${f.ids.enterprise}` }),
  'POST /api/customers/enterprises/:idx/contacts': async (f) => ({
    client: await f.as('customers:write'), path: `/api/customers/enterprises/${f.ids.enterprise}/contacts`, body: { name: '李经理', title: '行政主管', phone: '13900002222', primary: true },
  }),
  'DELETE /api/customers/contacts/:id': async (f) => ({ client: await f.as('customers:write'), path: `/api/customers/contacts/${await contactId(f)}` }),
  'POST /api/customers/visitors': async (f) => ({
    client: await f.as('customers:write'), path: '/api/customers/visitors', body: { park: CONTRACT_PARK, name: '访客甲', hostIdx: f.ids.enterprise, visitDate: '2026-03-02' },
  }),
};
