/** The operations module: the x-ray maintenance view (`/ops`), work orders on equipment, "open in operations". */
import { createElement, lazy } from 'react';
import { viewHref } from '../../app/links.tsx';
import type { ClientModule, SectionProps } from '../types.ts';

/** Open work orders of a piece of equipment (loaded with the panel, not with the app). */
const WorkOrdersSection = lazy(async () => {
  const { WorkOrders } = await import('../../ops/panels.tsx');
  return { default: ({ obj }: SectionProps) => createElement(WorkOrders, { idx: obj.idx }) };
});

/** Operations (server module `ops`). */
export const opsClientModule: ClientModule = {
  name: 'ops',
  views: [
    { path: '/ops', nav: { zh: '运维', en: 'Operations' }, all: ['twin:read', 'tiles:read', 'network:read'], order: 10, component: lazy(() => import('../../ops/OpsPage.tsx')) },
  ],
  sections: [
    { id: 'ops.work-orders', kinds: ['equipment'], all: ['equipment:read'], order: 40, component: WorkOrdersSection },
  ],
  actions: [
    {
      id: 'ops.open', kinds: ['equipment', 'pipe_segment', 'pipe_node'], all: ['network:read', 'twin:read'],
      label: { zh: '在运维视图中打开', en: 'Open in operations' },
      href: (obj) => viewHref('/ops', { o: obj.idx }),
    },
  ],
};
