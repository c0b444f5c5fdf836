/**
 * The work-orders module (issue 15, G3 O&M), on the records kit: orders from alarms (dispatch
 * rules, on-duty roster, nearest crew), from repair requests and by hand; the crew's lifecycle
 * on the phone; SLA escalation; preventive maintenance from each equipment's interval; parts,
 * photos, notes; the O&M knowledge base with procedure ticks; the equipment's maintenance
 * history. docs/workorders.md.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TwinModule } from '../types.ts';
import type { ServerContext } from '../../context.ts';
import { recordRoutes } from '../../kit/records/routes.ts';
import { slaJob } from '../../kit/records/sla.ts';
import { markWorkordersEnabled, workOrderDef, workOrderFromAlarm } from './service.ts';
import { extraRoutes } from './routes.ts';
import { generatePreventive, sweepAlarms } from './jobs.ts';
import { seedReference, seedWorkOrders } from './seed.ts';

/** Creates the module; each server gets its own instance (its NOTIFY listener). */
export function workordersModule(): TwinModule {
  let stop: (() => Promise<void>) | null = null;
  let pending: Promise<unknown> = Promise.resolve();
  return {
    name: 'workorders',
    migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
    permissions: [
      { permission: 'workorders:read', summary: 'See work orders (enterprise users: only those of their own repair requests), crews, the knowledge base, maintenance history',
        roles: ['maintenance', 'property_manager', 'security_operator', 'leadership_viewer', 'enterprise_user'] },
      { permission: 'workorders:write', summary: 'Create work orders by hand and edit them', roles: ['maintenance', 'property_manager', 'security_operator'] },
      { permission: 'workorders:dispatch', summary: 'Dispatch, verify, send back and cancel work orders; edit crews, roster and dispatch rules', roles: ['property_manager'] },
      { permission: 'workorders:execute', summary: 'Accept, start, hold, finish the orders dispatched to one\'s crew; parts and procedure ticks', roles: ['maintenance'] },
      { permission: 'workorders:rate', summary: 'Rate and close a verified order one asked for', roles: ['enterprise_user', 'property_manager'] },
    ],
    async initialize(sc) {
      markWorkordersEnabled(sc);
      // Trades, dispatch rules and the knowledge base exist whether or not a park was seeded.
      const has = await sc.db.query('SELECT 1 FROM wo_trade LIMIT 1');
      if (has.rows.length === 0) await sc.db.transaction((tx) => seedReference(tx));
      // Every node hears each raised alarm; creation is idempotent per alarm, so all may try.
      stop = await sc.db.listen('twin_alarm', (payload) => {
        let m: { id?: number | null; action?: string };
        try {
          m = JSON.parse(payload) as typeof m;
        } catch {
          return;
        }
        if (m.action !== 'raise' || typeof m.id !== 'number') return;
        const id = m.id;
        pending = pending.then(() => workOrderFromAlarm(sc, id)).catch((err: unknown) => sc.log.warn({ err, alarm: id }, 'work order from alarm failed'));
      });
    },
    routes: (sc) => [...extraRoutes(sc), ...recordRoutes(sc, workOrderDef(sc))],
    jobs: (sc: ServerContext) => [
      slaJob(sc, workOrderDef(sc)),
      // A missed NOTIFY (listener reconnecting, another node down): open alarms without an order.
      { name: 'alarm-sweep', everyMs: 30_000, run: async () => { await sweepAlarms(sc); } },
      { name: 'preventive', everyMs: 10 * 60_000, run: async () => { await generatePreventive(sc); } },
    ],
    seed: (sc, park) => seedWorkOrders(sc, park.parkIdx),
    async finalize() {
      await stop?.();
      stop = null;
      await pending;
    },
  };
}
