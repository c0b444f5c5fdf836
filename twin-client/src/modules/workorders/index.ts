/**
 * Work orders (issue 15, G3 O&M; server module `workorders`): the crew's phone page
 * `/workorders/my` (my orders, accept, start, photo, procedure, parts, done), the dispatcher's
 * desk `/workorders` (the records kit's list, form and detail, with the crews on duty), and the
 * equipment/room panel's work orders and maintenance history (the drill-down to an order).
 */
import { lazy } from 'react';
import { viewHref } from '../../app/links.tsx';
import type { ClientModule } from '../types.ts';
import { workordersI18n } from './i18n.ts';

/** Work orders (server module `workorders`). */
export const workordersClientModule: ClientModule = {
  name: 'workorders',
  i18n: workordersI18n,
  views: [
    { path: '/workorders', nav: { zh: '工单', en: 'Work orders' }, all: ['workorders:read'], order: 17, component: lazy(() => import('./DeskPage.tsx')) },
    { path: '/workorders/my', nav: { zh: '我的工单', en: 'My orders' }, all: ['workorders:execute'], order: 18, component: lazy(() => import('./CrewPage.tsx')) },
  ],
  sections: [
    { id: 'workorders.object', kinds: ['equipment', 'room'], title: { zh: '工单与维保', en: 'Work orders and maintenance' }, all: ['workorders:read'], order: 42,
      component: lazy(() => import('./ObjectOrders.tsx')) },
  ],
  actions: [
    { id: 'workorders.new', kinds: ['equipment'], all: ['workorders:write'], label: { zh: '新建工单', en: 'New work order' },
      href: (obj) => viewHref('/workorders', { new: 1, object: obj.idx }) },
  ],
};
