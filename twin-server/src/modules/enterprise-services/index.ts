/**
 * One-stop enterprise services (issue 19, P2 service centre), built on the records kit: move-in
 * applications (document checklist, two approval steps) under /api/move-ins and service requests
 * (technical, talent, finance, public, digitalization; routed to the responsible department or
 * provider) under /api/service-requests. Permissions with their roles, the kit's routes, SLA
 * escalation jobs and sample records on the first start.
 */
import type { TwinModule } from '../types.ts';
import type { ServerContext } from '../../context.ts';
import type { EntityDef } from '../../kit/records/define.ts';
import { recordRoutes } from '../../kit/records/routes.ts';
import { slaJob } from '../../kit/records/sla.ts';
import { moveInEntity, serviceRequestEntity } from './definition.ts';
import { seedEnterpriseServices } from './seed.ts';

const defs = new WeakMap<ServerContext, { movein: EntityDef; service: EntityDef }>();
/** The module's two entity definitions for a server (built once). */
export const defsOf = (sc: ServerContext) => {
  let d = defs.get(sc);
  if (!d) {
    d = { movein: moveInEntity(sc), service: serviceRequestEntity(sc) };
    defs.set(sc, d);
  }
  return d;
};

/** The enterprise-services module. */
export const enterpriseServicesModule: TwinModule = {
  name: 'enterprise-services',
  permissions: [
    { permission: 'enterprise-services:read', summary: 'See move-in applications and enterprise service requests (enterprise users: their own enterprise\'s)', roles: ['enterprise_user', 'investment', 'property_manager', 'leadership_viewer'] },
    { permission: 'enterprise-services:apply', summary: 'Apply to move in; file, follow, confirm and rate one\'s own service requests', roles: ['enterprise_user', 'investment', 'property_manager'] },
    { permission: 'enterprise-services:review', summary: 'Enterprise-service staff: check move-in documents, record move-ins, accept and resolve routed service requests', roles: ['investment'] },
    { permission: 'enterprise-services:approve', summary: 'Park management: approve or reject checked move-in applications', roles: ['property_manager'] },
  ],
  routes: (sc) => [...recordRoutes(sc, defsOf(sc).movein), ...recordRoutes(sc, defsOf(sc).service)],
  jobs: (sc) => [slaJob(sc, defsOf(sc).movein), slaJob(sc, defsOf(sc).service)],
  seed: (sc, park) => seedEnterpriseServices(sc, defsOf(sc), park.parkIdx),
};
