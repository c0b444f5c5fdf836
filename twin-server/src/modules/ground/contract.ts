/** Route-contract cases of the ground module (collected by twin-server/src/http/openapi.test.ts). */
import { CONTRACT_PARK, type ContractCases } from '../../http/contract.ts';

export const CONTRACT: ContractCases = {
  'GET /api/ground/:code': async (f) => ({ client: await f.as('twin:read'), path: `/api/ground/${CONTRACT_PARK}` }),
};
