import type http from 'node:http';
import type Koa from 'koa';
import type { GuardDeps } from '../auth/guard.ts';
import type { RouteSpec, TwinState } from '../http/route.ts';
import type { ServerContext } from '../context.ts';

/**
 * A server module: a plain object with a name and optional lifecycle hooks, walked by the host
 * (the 3DTilesRendererJS plugin pattern). `finalize` frees what `initialize` opened.
 */
export interface TwinModule {
  /** Stable id: used in TWIN_MODULES, in module-owned permissions (`<name>:<action>`) and nav. */
  readonly name: string;
  /** Folder of this module's own `NNN_snake_name.sql` migrations, applied after the core ones on both backends. */
  readonly migrations?: string;
  /** Permissions this module adds, and which roles receive each (no central role table to edit). */
  readonly permissions?: readonly ModulePermission[];
  /**
   * Event topics its devices publish as themselves, `park/<park>/<segment>/<device code>/<leaf>`:
   * allowed by the broker's device ACL (ingest/identity.ts) while the module is on.
   */
  readonly deviceTopics?: readonly import('../ingest/identity.ts').DeviceTopic[];
  /** Sample data for `twin seed` and the first start; runs after the sample park exists. Idempotent. */
  seed?(ctx: ServerContext, park: { readonly parkIdx: number }): Promise<void>;
  /** Scheduled jobs (SLA timers, roll-ups); the host starts and stops them. */
  jobs?(ctx: ServerContext): readonly ScheduledJob[];
  /** WebSocket control messages this module handles (`type` values), checked against `permission`. */
  wsHandlers?(ctx: ServerContext): readonly WsHandler[];
  /** Called once at start, after migrations; may open connections or start timers. */
  initialize?(ctx: ServerContext): Promise<void> | void;
  /** HTTP routes this module serves. */
  routes?(ctx: ServerContext): RouteSpec[];
  /** Middleware mounted before all routes (security headers, rate limits). */
  middleware?(ctx: ServerContext): Koa.Middleware<TwinState>[];
  /** The auth platform provides how callers are identified; exactly one module may. */
  guard?(ctx: ServerContext): GuardDeps;
  /** Attaches to the HTTP server once it exists (WebSocket upgrade handling). */
  attach?(server: http.Server, ctx: ServerContext): void;
  /** Called at shutdown, in reverse order of initialize. */
  finalize?(): Promise<void> | void;
}

/** A permission a module registers, with the roles that hold it. */
export interface ModulePermission {
  /** `<module>:<action>`, e.g. `servicedesk:write`. */
  readonly permission: string;
  readonly summary: string;
  /** Role ids that receive it (see auth/roles.ts); unknown ids are a start-up error. */
  readonly roles: readonly string[];
}

/** A job the host runs every `everyMs` while the module is on; errors are logged, never fatal. */
export interface ScheduledJob {
  readonly name: string;
  readonly everyMs: number;
  run(): Promise<void>;
}

/** A WebSocket control message handler owned by a module. */
export interface WsHandler {
  /** The message `type` it answers. */
  readonly type: string;
  readonly permission: string;
  /** Validates the message; an invalid one gets an error frame, never a crash. */
  readonly schema: import('zod').ZodType;
  handle(msg: unknown, principal: import('../auth/types.ts').Principal, reply: (m: unknown) => void): Promise<void> | void;
}
