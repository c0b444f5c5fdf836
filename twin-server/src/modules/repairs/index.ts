/**
 * The repairs module (issue 19, P2 service centre: property repair requests), built on the
 * records kit: its permissions with the roles that hold them, the kit's generated routes under
 * /api/repairs, the SLA escalation job and sample requests on the first start's park. Everything
 * else (tables, audit, notifications, the client list/form/detail) comes from the kit.
 */
import type { TwinModule } from '../types.ts';
import { recordRoutes } from '../../kit/records/routes.ts';
import { slaJob } from '../../kit/records/sla.ts';
import { repairEntity } from './definition.ts';
import { seedRepairs } from './seed.ts';
import type { ServerContext } from '../../context.ts';
import type { EntityDef } from '../../kit/records/define.ts';

const defs = new WeakMap<ServerContext, EntityDef>();
const defOf = (sc: ServerContext) => {
  let d = defs.get(sc);
  if (!d) {
    d = repairEntity(sc);
    defs.set(sc, d);
  }
  return d;
};

/** The repairs module. */
export const repairsModule: TwinModule = {
  name: 'repairs',
  permissions: [
    { permission: 'repairs:read', summary: 'See repair requests (enterprise users: their own enterprise\'s)', roles: ['property_manager', 'maintenance', 'enterprise_user', 'leadership_viewer'] },
    { permission: 'repairs:report', summary: 'Report a repair on a room; rate or send back one\'s own', roles: ['enterprise_user', 'property_manager'] },
    { permission: 'repairs:manage', summary: 'Assign, dispatch and cancel repair requests', roles: ['property_manager'] },
    { permission: 'repairs:work', summary: 'Start and finish assigned repairs', roles: ['maintenance'] },
  ],
  routes: (sc) => recordRoutes(sc, defOf(sc)),
  jobs: (sc) => [slaJob(sc, defOf(sc))],
  seed: (sc, park) => seedRepairs(sc, defOf(sc), park.parkIdx),
};
