/**
 * SLA timers of the records kit: a record that stays in a state with an `sla` past its deadline
 * is escalated once (audited, and the state's escalation roles plus the assignees are notified).
 */
import type { ServerContext } from '../../context.ts';
import type { ScheduledJob } from '../../modules/types.ts';
import { authService } from '../../auth/index.ts';
import { notify } from '../notifications/service.ts';
import { recordLink, type EntityDef } from './define.ts';

/** Escalates every overdue record of the entity once; returns how many it escalated. */
export async function escalateOverdue(sc: ServerContext, def: EntityDef): Promise<number> {
  const auth = authService(sc);
  const now = auth.now();
  return sc.db.transaction(async (tx) => {
    const due = await tx.query<{ id: number; state: string; title: string; assignees: string[] }>(
      `UPDATE kit_record SET escalated_at = $2 WHERE id IN (
         SELECT id FROM kit_record WHERE entity = $1 AND due_at IS NOT NULL AND due_at <= $2 AND escalated_at IS NULL ORDER BY id LIMIT 200 FOR UPDATE SKIP LOCKED)
       RETURNING id, state, title, assignees`, [def.entity, now]);
    for (const r of due.rows) {
      const state = def.workflow.states[r.state];
      await auth.auditIn(tx, { action: `${def.entity}.escalate`, outcome: 'success', actor: { kind: 'system', name: 'sla' }, object: `${def.entity}:${r.id}`,
        detail: { state: r.state, withinMinutes: state?.sla?.withinMinutes ?? null } });
      const title = { zh: `${def.label.zh}超时未处理：${r.title}（${state?.label.zh ?? r.state}）`, en: `${def.label.en} overdue: ${r.title} (${state?.label.en ?? r.state})` };
      const link = recordLink(def, r.id);
      if (state?.sla?.escalateToRoles.length) await notify(sc, { to: { roles: state.sla.escalateToRoles }, kind: `${def.entity}.overdue`, title, link }, tx);
      if (r.assignees.length > 0) await notify(sc, { to: r.assignees, kind: `${def.entity}.overdue`, title, link }, tx);
    }
    return due.rows.length;
  });
}

/** The scheduled job that runs `escalateOverdue` every minute. */
export function slaJob(sc: ServerContext, def: EntityDef, everyMs = 60_000): ScheduledJob {
  return { name: `${def.entity}-sla`, everyMs, run: async () => { await escalateOverdue(sc, def); } };
}
