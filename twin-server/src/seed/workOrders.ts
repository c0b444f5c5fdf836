/**
 * Sample maintenance work orders for the seeded equipment (standard G3, O&M): a repair order for
 * every faulty, warning or under-maintenance unit, and preventive/inspection orders on a few
 * others, some still open and some closed. Deterministic from the seed; dates relative to asOf.
 */
import { Rng } from './prng.ts';
import { addDays } from './dates.ts';
import { EQUIPMENT_NAMES } from './catalog.ts';
import type { EquipmentObj, WorkOrderObj, WorkOrderStatus } from './model.ts';

const CREWS = ['运维一班 王磊', '运维一班 李娜', '运维二班 张伟', '运维二班 刘洋', '机电组 陈静', '弱电组 杨帆'];

const KINDS = {
  repair: { zh: '故障维修', en: 'repair' },
  preventive: { zh: '定期保养', en: 'preventive maintenance' },
  inspection: { zh: '巡检', en: 'inspection' },
  replacement: { zh: '部件更换', en: 'part replacement' },
} as const;

/** Generates the work orders of `equipment` (in equipment order, codes WO-00001...). */
export function generateWorkOrders(seed: number, asOf: string, equipment: readonly EquipmentObj[]): WorkOrderObj[] {
  const rng = new Rng(seed, 'work-orders');
  const out: WorkOrderObj[] = [];
  const add = (e: EquipmentObj, type: keyof typeof KINDS, status: WorkOrderStatus, ageDays: number, priority: WorkOrderObj['priority']) => {
    const opened = addDays(asOf, -ageDays);
    const closed = status === 'done' || status === 'cancelled';
    const name = EQUIPMENT_NAMES[e.type];
    out.push({
      equipment: e,
      code: `WO-${String(out.length + 1).padStart(5, '0')}`,
      title: `${e.code} ${name.zh}${KINDS[type].zh}`,
      titleEn: `${e.code} ${name.en} ${KINDS[type].en}`,
      type,
      priority,
      status,
      assignee: status === 'open' ? null : rng.pick(CREWS),
      opened,
      due: addDays(opened, priority === 'urgent' ? 1 : priority === 'high' ? 3 : rng.int(7, 30)),
      closed: closed ? addDays(opened, rng.int(0, Math.max(0, ageDays))) : null,
    });
  };
  for (const e of equipment) {
    if (e.status === 'fault') add(e, 'repair', rng.pick(['open', 'assigned', 'in_progress'] as const), rng.int(0, 5), rng.chance(0.5) ? 'urgent' : 'high');
    else if (e.status === 'warning') add(e, rng.chance(0.5) ? 'repair' : 'inspection', rng.pick(['open', 'assigned'] as const), rng.int(0, 10), 'normal');
    else if (e.status === 'maintenance') add(e, 'preventive', 'in_progress', rng.int(0, 3), 'normal');
    else if (rng.chance(0.04)) {
      const type = rng.pick(['preventive', 'inspection', 'replacement'] as const);
      add(e, type, rng.weighted({ open: 3, on_hold: 1, done: 4, cancelled: 1 }), rng.int(1, 60), rng.chance(0.2) ? 'high' : 'low');
    }
  }
  return out;
}
