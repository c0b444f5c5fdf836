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
  readonly name: string;
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
