/**
 * The sample kit's client side (lives only under test/): a view listing its tasks with the records
 * kit's page, a room panel section with the room's tasks, and an action opening the create form on
 * the room. Registered in one line by the tests that use it (`registerModule(sampleKitClientModule)`).
 */
import { createElement, lazy } from 'react';
import type { ClientModule, SectionProps } from '../../../twin-client/src/modules/types.ts';

const Page = lazy(() => import('../../../twin-client/src/kit/RecordsPage.tsx').then((m) => ({ default: () => createElement(m.RecordsPage, { path: 'sample-kit/tasks' }) })));
const RoomTasks = lazy(() => import('../../../twin-client/src/kit/index.ts').then((m) => ({
  default: ({ obj }: SectionProps) => {
    const { meta } = m.useEntityMeta('sample-kit/tasks');
    return meta ? createElement(m.RecordList, { meta, fixed: { objectIdx: obj.idx }, compact: true, onOpen: () => {} }) : null;
  },
})));

/** The sample kit's client module. */
export const sampleKitClientModule: ClientModule = {
  name: 'sample-kit',
  views: [{ path: '/sample-kit', nav: { zh: '示例', en: 'Sample' }, all: ['sample-kit:read'], order: 90, component: Page }],
  sections: [{ id: 'sample-kit.tasks', kinds: ['room'], title: { zh: '示例任务', en: 'Sample tasks' }, all: ['sample-kit:read'], component: RoomTasks }],
  actions: [{ id: 'sample-kit.new-task', kinds: ['room'], all: ['sample-kit:write'], label: { zh: '新建示例任务', en: 'New sample task' },
    href: (obj) => `/sample-kit?new=1&object=${obj.idx}` }],
};
