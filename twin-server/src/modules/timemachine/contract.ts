/** Route-contract cases of the time-machine module (collected by twin-server/src/http/openapi.test.ts). */
import { q, type ContractCases } from '../../http/contract.ts';

export const CONTRACT: ContractCases = {
  // A leadership viewer holds twin:read and the occupancy layer's permission.
  'GET /api/timemachine/replay': async (f) => ({
    client: (await f.user(['leadership_viewer'])).client,
    path: `/api/timemachine/replay${q({ layer: 'occupancy', from: '2026-01-05T08:00:00Z', to: '2026-01-05T09:00:00Z', resolution: 'minute' })}`,
  }),
};
