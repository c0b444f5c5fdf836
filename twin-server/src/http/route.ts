/**
 * Routes are declared as data: method, path, the permission they need and a handler. The app
 * mounts them behind the guard, so a route cannot be born unprotected, and tests can enumerate
 * every route from this table.
 */
import type Koa from 'koa';
import type { ZodType } from 'zod';
import type { Permission, Principal } from '../auth/types.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** State that middleware puts on every request. */
export interface TwinState {
  requestId: string;
  principal?: Principal;
  /** The route's `query` schema's output, when it declares one. */
  query?: unknown;
}

export type TwinContext = Koa.ParameterizedContext<TwinState> & { params: Record<string, string> };

/** Reference to the object a request touches, for object-level checks (enterprise scoping). */
export interface ObjectRef {
  readonly kind: string;
  readonly idx?: number;
  /** Owning enterprise, when the object belongs to one. */
  readonly enterpriseIdx?: number | null;
}

/** One HTTP route. */
export interface RouteSpec {
  readonly method: Method;
  readonly path: string;
  /** 'public' for the few routes that need no login (health, login itself, static tiles if so configured). */
  readonly permission: Permission | 'public' | 'authenticated';
  readonly summary: string;
  /** Path parameter schema (`:id` segments); parsed values replace `ctx.params`. Invalid: 400. */
  readonly params?: ZodType;
  /** Query-string schema; parsed values are at `ctx.state.query`. Invalid: 400. No hand parsing. */
  readonly query?: ZodType;
  /** Body schema; an invalid body is a 400 with the zod message, before the handler runs. */
  readonly body?: ZodType;
  /** Schema of the 2xx JSON response (OpenAPI and the contract test check handlers against it). */
  readonly response?: ZodType;
  /**
   * Content type of a non-JSON 2xx response (tiles, CSV, images), for the OpenAPI document; a list
   * when the route serves files of several types (a tileset's JSON, subtrees and GLB content).
   */
  readonly produces?: string | readonly string[];
  /** Error statuses this route may answer besides the guard's 400/401/403, for the OpenAPI document. */
  readonly errors?: readonly number[];
  /** Resolves the object touched, so the guard can enforce enterprise scoping before any work. */
  readonly object?: (ctx: TwinContext) => Promise<ObjectRef | null>;
  readonly handler: (ctx: TwinContext) => Promise<void> | void;
}
