/**
 * One-stop enterprise services (issue 19, P2), built on the records kit: the move-in
 * applications view (document checklist, approval steps) and the service requests view
 * (technical, talent, finance, public, digitalization; routed to a department or provider), with
 * the drill-down actions on a room ("入驻申请" on a unit, "企业服务" on a tenant's room) and on an
 * enterprise ("企业服务").
 */
import { lazy } from 'react';
import { viewHref } from '../../app/links.tsx';
import type { ClientModule } from '../types.ts';

/** Enterprise services (server module `enterprise-services`). */
export const enterpriseServicesClientModule: ClientModule = {
  name: 'enterprise-services',
  views: [
    { path: '/service/enterprise', nav: { zh: '企业服务', en: 'Enterprise services' }, all: ['enterprise-services:read'], order: 65, component: lazy(() => import('./ServiceRequestsPage.tsx')) },
    { path: '/service/move-ins', nav: { zh: '入驻申请', en: 'Move-ins' }, all: ['enterprise-services:review'], order: 66, component: lazy(() => import('./MoveInsPage.tsx')) },
  ],
  actions: [
    { id: 'enterprise-services.request', kinds: ['room', 'enterprise'], all: ['enterprise-services:apply'], label: { zh: '企业服务', en: 'Enterprise services' },
      href: (obj) => viewHref('/service/enterprise', { new: 1, object: obj.idx }) },
    { id: 'enterprise-services.move-in', kinds: ['room'], all: ['enterprise-services:review'], label: { zh: '入驻申请', en: 'Move-in application' },
      href: (obj) => viewHref('/service/move-ins', { new: 1, object: obj.idx }) },
  ],
};
