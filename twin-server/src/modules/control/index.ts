/**
 * The control module (issue 15, G3 item 2 / G4): remote commands to equipment over MQTT with a
 * correlation id, second confirmation of risky commands (server-enforced), results and timeouts
 * shown to the operator, each command and its outcome audited. docs/control.md.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TwinModule } from '../types.ts';
import type { ServerContext } from '../../context.ts';
import type { RouteSpec, TwinContext } from '../../http/route.ts';
import type { Principal } from '../../auth/types.ts';
import { principalActor } from '../actors.ts';
import { bodyOf, paramsOf, queryOf } from '../../http/input.ts';
import { idxParams } from '../../http/schemas.ts';
import { withStatus } from '../../http/openapi.ts';
import { controlRuntimeOf, ControlRefusal, startControl, stopControl, wireCommand, type Actor, type CommandRow } from './service.ts';
import { commandBody, commandIdParams, commandResponse, commandsQuery, commandsResponse, confirmBody, deviceResponse, emptyBody, profilesResponse, requestResponse } from './schemas.ts';

/** Module options (tests shorten the device timeout). */
export interface ControlOptions {
  /** Overrides every profile's timeout (ms). */
  readonly timeoutMs?: number;
}

const actorOf = (p: Principal): Actor => principalActor(p);
const canOf = (p: Principal) => (perm: string) => p.permissions.has(perm as never);

function routes(sc: ServerContext): RouteSpec[] {
  const rt = () => {
    const r = controlRuntimeOf(sc);
    if (!r) throw new ControlRefusal(503, 'remote control is not running');
    return r;
  };
  /** Runs an action; a refusal is audited (failure row) and answered with its status. */
  async function guarded<T>(ctx: TwinContext, object: string, detail: Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof ControlRefusal)) throw err;
      const p = ctx.state.principal!;
      await controlRuntimeOf(sc)?.auditRefusal(actorOf(p), object, ctx.ip, { ...detail, status: err.status, reason: err.message }).catch(() => {});
      sc.log.info({ object, status: err.status, reason: err.message }, 'command refused');
      return ctx.throw(err.status, err.message);
    }
  }
  const one = async (id: string) => (await sc.db.query<CommandRow>('SELECT * FROM device_command WHERE id = $1', [id])).rows[0];

  return [
    {
      method: 'GET', path: '/api/control/profiles', permission: 'equipment:read', summary: 'The commands each equipment type accepts (value ranges, which need a second confirmation, which permission)',
      response: profilesResponse,
      async handler(ctx) {
        ctx.body = { profiles: [...rt().profiles.values()].map((p) => ({ type: p.type, timeoutMs: p.timeoutMs, commands: [...p.commands] })) };
      },
    },
    {
      method: 'GET', path: '/api/control/devices/:idx', permission: 'equipment:read', summary: 'A device\'s commands (those the caller may send marked), its last reported control state and its recent commands',
      params: idxParams, response: deviceResponse, errors: [404],
      async handler(ctx) {
        const { idx } = paramsOf(ctx, idxParams);
        const t = await rt().target(sc.db, idx);
        if (!t) return ctx.throw(404, `no device ${idx}`);
        const p = ctx.state.principal!;
        const profile = rt().profiles.get(t.type);
        const st = await sc.db.query<{ state: Record<string, string | number | boolean | null>; updated_at: Date }>('SELECT state, updated_at FROM device_control_state WHERE idx = $1', [idx]);
        const recent = await sc.db.query<CommandRow>('SELECT * FROM device_command WHERE idx = $1 ORDER BY created_at DESC LIMIT 10', [idx]);
        ctx.body = {
          idx, device: t.device, type: t.type,
          commands: (profile?.commands ?? []).map((c) => ({ ...c, allowed: p.permissions.has(c.permission as never) })),
          state: st.rows[0]?.state ?? null, stateAt: st.rows[0] ? new Date(st.rows[0].updated_at).toISOString() : null,
          recent: recent.rows.map(wireCommand),
        };
      },
    },
    {
      method: 'POST', path: '/api/control/commands', permission: 'equipment:control',
      summary: 'Send a command to a device (door commands also need security:control). A risky command is stored awaiting a second confirmation and not sent: the answer carries its one-time token',
      body: commandBody, response: withStatus(202, requestResponse), errors: [404, 422, 503],
      async handler(ctx) {
        const b = bodyOf(ctx, commandBody);
        const p = ctx.state.principal!;
        const out = await guarded(ctx, b.endpoint ? `park:${b.idx}/${b.endpoint}` : `object:${b.idx}`, { idx: b.idx, action: b.action }, async () => {
          const t = await rt().target(sc.db, b.idx, b.endpoint);
          if (!t) throw new ControlRefusal(404, b.endpoint ? `no park ${b.idx}` : `no device ${b.idx}: commands go to equipment`);
          return rt().request(actorOf(p), canOf(p), t, b.action, b.value, ctx.ip);
        });
        ctx.status = 202;
        ctx.body = { command: wireCommand(out.row), confirmation: out.token ? { token: out.token, expiresAt: new Date(out.row.confirm_expires!).toISOString() } : null };
      },
    },
    {
      method: 'POST', path: '/api/control/commands/:id/confirm', permission: 'equipment:control',
      summary: 'Second confirmation of a risky command with its token (same operator, within 60 s): only now is it sent',
      params: commandIdParams, body: confirmBody, response: commandResponse, errors: [403, 404, 409, 503],
      async handler(ctx) {
        const { id } = paramsOf(ctx, commandIdParams);
        const b = bodyOf(ctx, confirmBody);
        const p = ctx.state.principal!;
        const row = await guarded(ctx, `command:${id}`, { command: id, step: 'confirm' }, () => rt().confirm(actorOf(p), canOf(p), id, b.token, ctx.ip));
        ctx.body = wireCommand(row);
      },
    },
    {
      method: 'POST', path: '/api/control/commands/:id/cancel', permission: 'equipment:control', summary: 'Drop a risky command that awaits its confirmation',
      params: commandIdParams, body: emptyBody, response: commandResponse, errors: [404, 409],
      async handler(ctx) {
        const { id } = paramsOf(ctx, commandIdParams);
        const p = ctx.state.principal!;
        const row = await guarded(ctx, `command:${id}`, { command: id, step: 'cancel' }, () => rt().cancel(actorOf(p), id, ctx.ip));
        ctx.body = wireCommand(row);
      },
    },
    {
      method: 'GET', path: '/api/control/commands/:id', permission: 'equipment:read', summary: 'One command with its state (sent, succeeded, refused, timeout...)',
      params: commandIdParams, response: commandResponse, errors: [404],
      async handler(ctx) {
        const { id } = paramsOf(ctx, commandIdParams);
        const row = await one(id);
        if (!row) return ctx.throw(404, `no command ${id}`);
        ctx.body = wireCommand(row);
      },
    },
    {
      method: 'GET', path: '/api/control/commands', permission: 'equipment:read', summary: 'Commands, newest first (filters: device idx, state)',
      query: commandsQuery, response: commandsResponse,
      async handler(ctx) {
        const q = queryOf(ctx, commandsQuery);
        const args: unknown[] = [];
        const where: string[] = [];
        if (q.idx) where.push(`idx = $${args.push(q.idx)}`);
        if (q.state) where.push(`state = $${args.push(q.state)}`);
        const r = await sc.db.query<CommandRow>(`SELECT * FROM device_command ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC LIMIT $${args.push(q.limit)}`, args);
        ctx.body = { commands: r.rows.map(wireCommand) };
      },
    },
  ];
}

/** Creates the control module. */
export function controlModule(opts: ControlOptions = {}): TwinModule {
  let started: ServerContext | null = null;
  return {
    name: 'control',
    migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
    async initialize(sc) {
      await startControl(sc, opts);
      started = sc;
    },
    routes,
    jobs: (sc) => [
      // Deadlines of commands sent by any node (each node also arms a timer for its own).
      { name: 'timeouts', everyMs: 2_000, run: async () => { await controlRuntimeOf(sc)?.sweep(); } },
      { name: 'profiles', everyMs: 60_000, run: async () => { await controlRuntimeOf(sc)?.reloadProfiles(); } },
    ],
    async finalize() {
      if (started) await stopControl(started);
      started = null;
    },
  };
}

