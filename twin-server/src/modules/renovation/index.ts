/**
 * Renovation applications (issue 19, P2 service centre), built on the records kit: approval with
 * the deposit, deposit received, works, on-site inspection (pass or rectify), deposit refund. The
 * kit gives the tables, routes, audit, notifications, export and the client's list/form/detail.
 */
import type { TwinModule } from '../types.ts';
import type { ServerContext } from '../../context.ts';
import type { EntityDef } from '../../kit/records/define.ts';
import { recordRoutes } from '../../kit/records/routes.ts';
import { slaJob } from '../../kit/records/sla.ts';
import { renovationEntity } from './definition.ts';
import { seedRenovations } from './seed.ts';

const defs = new WeakMap<ServerContext, EntityDef>();
const defOf = (sc: ServerContext) => {
  let d = defs.get(sc);
  if (!d) {
    d = renovationEntity(sc);
    defs.set(sc, d);
  }
  return d;
};

/** The renovation module. */
export const renovationModule: TwinModule = {
  name: 'renovation',
  permissions: [
    { permission: 'renovation:read', summary: 'See renovation applications (enterprise users: their own enterprise\'s)', roles: ['property_manager', 'maintenance', 'enterprise_user', 'leadership_viewer'] },
    { permission: 'renovation:apply', summary: 'Apply to renovate a room; start the works and ask for the inspection of one\'s own application', roles: ['enterprise_user', 'property_manager'] },
    { permission: 'renovation:manage', summary: 'Approve or reject, record the deposit, refund it', roles: ['property_manager'] },
    { permission: 'renovation:inspect', summary: 'Inspect finished works on site: pass or send back to rectify', roles: ['maintenance', 'property_manager'] },
  ],
  routes: (sc) => recordRoutes(sc, defOf(sc)),
  jobs: (sc) => [slaJob(sc, defOf(sc))],
  seed: (sc, park) => seedRenovations(sc, defOf(sc), park.parkIdx),
};
