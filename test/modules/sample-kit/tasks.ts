/**
 * The sample kit's workflow: a records-kit entity "sample task" attached to rooms, with a
 * two-step workflow whose transitions need `sample-kit:write` (issue 13 must-show 2: the test
 * module brings a workflow). Served under /api/sample-kit/tasks by the sample kit's routes.
 */
import { z } from 'zod';
import { defineEntity, type EntityDef } from '../../../twin-server/src/kit/records/define.ts';

/** The entity: open -> doing -> done (write permission), any but done -> dropped. */
export function sampleTaskEntity(): EntityDef {
  return defineEntity({
    entity: 'sample_task', label: { zh: '示例任务', en: 'Sample task' }, path: 'sample-kit/tasks', uiPath: '/sample-kit',
    fields: { text: { label: { zh: '内容', en: 'Text' }, schema: z.string().trim().min(1).max(200) } },
    titleField: 'text',
    columns: ['id', 'text', 'state', 'object', 'createdAt'],
    search: ['text'],
    objectKinds: ['room'],
    permissions: { read: 'sample-kit:read', create: 'sample-kit:write', write: 'sample-kit:write', assign: 'sample-kit:write' },
    enterpriseScoped: true,
    workflow: {
      initial: 'open',
      states: {
        open: { label: { zh: '待办', en: 'Open' } },
        doing: { label: { zh: '进行中', en: 'Doing' } },
        done: { label: { zh: '已完成', en: 'Done' }, final: true },
        dropped: { label: { zh: '已放弃', en: 'Dropped' }, final: true },
      },
      transitions: {
        begin: { from: ['open'], to: 'doing', label: { zh: '开始', en: 'Begin' }, permission: 'sample-kit:write' },
        finish: { from: ['doing'], to: 'done', label: { zh: '完成', en: 'Finish' }, permission: 'sample-kit:write' },
        drop: { from: ['open', 'doing'], to: 'dropped', label: { zh: '放弃', en: 'Drop' }, permission: 'sample-kit:write' },
      },
    },
  });
}
