/**
 * Test helpers of the records kit: a small probe entity with a three-permission workflow, a
 * module serving it, and a fixture enterprise leasing a room (for enterprise scoping).
 */
import { z } from 'zod';
import type { Queryable } from '../../db/index.ts';
import type { TwinModule } from '../../modules/types.ts';
import { defineEntity, type EntityDef } from './define.ts';
import { recordRoutes } from './routes.ts';

/**
 * The probe: open -(start: equipment:write)-> working -(finish: equipment:control)-> done;
 * open|working -(cancel: alarm:control)-> cancelled; done -(reopen: equipment:write, guard: only
 * while `reopenable`)-> open.
 */
export function probeEntity(attachmentsMaxBytes = 64 * 1024): EntityDef {
  return defineEntity({
    entity: 'probe', label: { zh: '测试单', en: 'Probe' }, path: 'probes',
    fields: {
      subject: { label: { zh: '标题', en: 'Subject' }, schema: z.string().trim().min(1).max(120) },
      detail: { label: { zh: '说明', en: 'Detail' }, schema: z.string().max(2000).optional(), input: 'textarea' },
      priority: { label: { zh: '优先级', en: 'Priority' }, schema: z.enum(['low', 'high']), options: { low: { zh: '低', en: 'Low' }, high: { zh: '高', en: 'High' } } },
      reopenable: { label: { zh: '可重开', en: 'Reopenable' }, schema: z.boolean().default(true), input: 'checkbox' },
    },
    titleField: 'subject',
    columns: ['id', 'subject', 'priority', 'state', 'object', 'createdAt'],
    filters: ['priority'],
    search: ['subject', 'detail'],
    objectKinds: ['room'],
    permissions: { read: 'park:read', create: 'park:read', write: 'equipment:write', assign: 'equipment:write' },
    enterpriseScoped: true,
    workflow: {
      initial: 'open',
      states: {
        open: { label: { zh: '待处理', en: 'Open' }, sla: { withinMinutes: 30, escalateToRoles: ['property_manager'] } },
        working: { label: { zh: '处理中', en: 'Working' } },
        done: { label: { zh: '已完成', en: 'Done' } },
        cancelled: { label: { zh: '已取消', en: 'Cancelled' }, final: true },
      },
      transitions: {
        start: { from: ['open'], to: 'working', label: { zh: '开始', en: 'Start' }, permission: 'equipment:write' },
        finish: { from: ['working'], to: 'done', label: { zh: '完成', en: 'Finish' }, permission: 'equipment:control' },
        cancel: { from: ['open', 'working'], to: 'cancelled', label: { zh: '取消', en: 'Cancel' }, permission: 'alarm:control' },
        reopen: {
          from: ['done'], to: 'open', label: { zh: '重开', en: 'Reopen' }, permission: 'equipment:write',
          guards: [({ record }) => (record.data.reopenable === false ? 'this probe may not be reopened' : null)],
        },
      },
    },
    attachments: { maxBytes: attachmentsMaxBytes, types: ['image/png', 'text/plain', 'application/pdf'] },
  });
}

/** A module serving one entity's routes. */
export function entityModule(def: EntityDef, attachmentsDir?: string): TwinModule {
  return { name: def.entity, routes: (sc) => recordRoutes(sc, def, attachmentsDir ? { attachmentsDir } : {}) };
}

/** Inserts an enterprise with an active lease on `roomIdx`; returns the enterprise idx. */
export async function leaseRoomTo(db: Queryable, parkIdx: number, roomIdx: number, name: string, creditCode: string): Promise<number> {
  const o = await db.query<{ idx: number }>(`INSERT INTO twin_object (kind, name) VALUES ('enterprise', $1) RETURNING idx`, [name]);
  const idx = o.rows[0]!.idx;
  await db.query(`INSERT INTO enterprise (idx, park_idx, credit_code, industry, registered_capital, staff) VALUES ($1, $2, $3, 'software', 100, 10)`,
    [idx, parkIdx, creditCode]);
  await db.query(`INSERT INTO lease (room_idx, enterprise_idx, start_date, end_date, rent, status) VALUES ($1, $2, '2024-01-01', '2030-01-01', 90, 'active')`,
    [roomIdx, idx]);
  return idx;
}
