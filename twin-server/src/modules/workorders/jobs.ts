/**
 * The module's jobs besides the kit's SLA escalation: the alarm sweep (open alarms that a dispatch
 * rule wants an order for and that have none: a missed NOTIFY) and preventive maintenance from
 * each equipment's maintenance interval. Both idempotent: one order per alarm, one per equipment
 * and due date (the unique (source, source_ref) of wo_order).
 */
import type { ServerContext } from '../../context.ts';
import { runningAuthService } from '../../auth/index.ts';
import { createWorkOrder, workOrderFromAlarm } from './service.ts';

/** Orders for open alarms raised in the last day that have none yet; returns how many it made. */
export async function sweepAlarms(sc: ServerContext, limit = 50): Promise<number> {
  const r = await sc.db.query<{ id: string }>(
    `SELECT a.id FROM alarm a JOIN equipment e ON e.idx = a.idx
     WHERE a.state <> 'cleared' AND a.raised_at > now() - interval '1 day'
       AND EXISTS (SELECT 1 FROM wo_dispatch_rule d WHERE d.enabled AND d.auto_create AND d.equipment_type = e.type
                   AND (d.alarm_kind IS NULL OR d.alarm_kind = a.kind) AND a.severity >= d.min_severity)
       AND NOT EXISTS (SELECT 1 FROM wo_order w WHERE w.source = 'alarm' AND w.source_ref = a.id::text)
     ORDER BY a.id LIMIT $1`, [limit]);
  let n = 0;
  for (const row of r.rows) if ((await workOrderFromAlarm(sc, Number(row.id)))?.created) n++;
  return n;
}

/** Most open preventive orders at once: the backlog is worked down most-overdue first, not flooded. */
export const PREVENTIVE_BACKLOG = 40;

/**
 * Preventive orders for equipment whose next maintenance (last maintained, or installed, plus
 * its interval) falls within `leadDays`; most overdue first, at most `PREVENTIVE_BACKLOG` open
 * at a time; none for equipment that already has an open preventive order. Returns how many it made.
 */
export async function generatePreventive(sc: ServerContext, leadDays = 7, now = runningAuthService(sc)?.now() ?? new Date()): Promise<number> {
  const open = await sc.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM wo_order w JOIN kit_record r ON r.id = w.record_id WHERE w.source = 'preventive' AND r.state NOT IN ('closed', 'cancelled')`);
  const room = PREVENTIVE_BACKLOG - (open.rows[0]?.n ?? 0);
  if (room <= 0) return 0;
  const due = await sc.db.query<{ idx: number; code: string; type: string; name: string; name_en: string | null; due: string; overdue: number }>(
    `WITH d AS (
       SELECT e.idx, e.code, e.type, o.name, o.name_en,
              (COALESCE(e.last_maintained, e.install_date) + e.maintenance_interval_days) AS due
       FROM equipment e JOIN twin_object o ON o.idx = e.idx)
     SELECT d.idx, d.code, d.type, d.name, d.name_en, to_char(d.due, 'YYYY-MM-DD') AS due,
            (($1::timestamptz AT TIME ZONE 'Asia/Shanghai')::date - d.due) AS overdue
     FROM d
     WHERE d.due <= ($1::timestamptz AT TIME ZONE 'Asia/Shanghai')::date + $2::int
       AND EXISTS (SELECT 1 FROM wo_dispatch_rule r WHERE r.enabled AND r.equipment_type = d.type)
       AND NOT EXISTS (SELECT 1 FROM kit_record k JOIN wo_order w ON w.record_id = k.id
                       WHERE k.object_idx = d.idx AND w.source = 'preventive' AND k.state NOT IN ('closed', 'cancelled'))
     ORDER BY d.due, d.idx LIMIT $3`, [now, leadDays, room]);
  let n = 0;
  for (const e of due.rows) {
    const overdue = Number(e.overdue) > 0;
    const r = await createWorkOrder(sc, {
      objectIdx: e.idx, source: 'preventive', sourceRef: `${e.idx}@${e.due}`, priority: overdue ? 'normal' : 'low', actor: null, autoDispatch: false,
      title: { zh: `${e.name} 定期保养（${e.due} 到期）`, en: `${e.name_en ?? e.name} preventive maintenance (due ${e.due})` },
      fault: 'preventive', description: `保养周期到期 ${e.due} / maintenance interval due ${e.due}`,
    });
    if (r.created) n++;
  }
  return n;
}
