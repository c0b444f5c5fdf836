import type Koa from 'koa';
import type { ObjectRef, RouteSpec, TwinState } from '../http/route.ts';
import type { Principal } from './types.ts';

/** Why a request was refused; the auth platform audits each one. */
export interface Denial {
  readonly status: 401 | 403;
  readonly reason: 'no-credential' | 'invalid-credential' | 'missing-permission' | 'foreign-object';
  readonly route: string;
  readonly object?: ObjectRef | null;
}

/** What the guard needs from the auth platform. */
export interface GuardDeps {
  /** Resolves the caller from cookie / bearer token; null when there is no valid credential. */
  resolvePrincipal(ctx: Koa.ParameterizedContext<TwinState>): Promise<{ principal: Principal | null; presented: boolean }>;
  /** Records the refusal (audit) before the response goes out. */
  onDenied(ctx: Koa.ParameterizedContext<TwinState>, denial: Denial): Promise<void>;
}

/**
 * Builds the middleware that runs before every route handler: authenticate, check the route's
 * permission, then (if the route declares one) check the touched object belongs to the caller.
 * Everything fails closed.
 */
export function guardFor(spec: RouteSpec, deps: GuardDeps): Koa.Middleware<TwinState> {
  const route = `${spec.method} ${spec.path}`;
  return async (ctx, next) => {
    if (spec.permission === 'public') {
      // A public read may show more to a principal that holds a permission (GET /api/health
      // details for system:read): a presented credential is resolved, and ignored when invalid.
      if ((ctx.method === 'GET' || ctx.method === 'HEAD') && (ctx.get('Authorization') || ctx.cookies.get('twin_session'))) {
        const { principal } = await deps.resolvePrincipal(ctx);
        if (principal) ctx.state.principal = principal;
      }
      return next();
    }
    const { principal, presented } = await deps.resolvePrincipal(ctx);
    const deny = async (d: Omit<Denial, 'route'>) => {
      await deps.onDenied(ctx, { ...d, route });
      ctx.throw(d.status, d.status === 401 ? 'login required' : 'permission denied');
    };
    if (!principal) {
      return deny({ status: 401, reason: presented ? 'invalid-credential' : 'no-credential' });
    }
    ctx.state.principal = principal;
    if (spec.permission !== 'authenticated' && !principal.permissions.has(spec.permission)) {
      return deny({ status: 403, reason: 'missing-permission' });
    }
    if (spec.object && principal.enterpriseIdx !== undefined) {
      const obj = await spec.object(ctx as never);
      if (!obj || obj.enterpriseIdx !== principal.enterpriseIdx) {
        return deny({ status: 403, reason: 'foreign-object', object: obj });
      }
    }
    return next();
  };
}

/** Until accounts exist, nobody is authenticated: every non-public route is refused. */
export const closedGuardDeps: GuardDeps = {
  async resolvePrincipal(ctx) {
    return { principal: null, presented: Boolean(ctx.get('Authorization') || ctx.cookies.get('twin_session')) };
  },
  async onDenied() {},
};
