/** The auth platform as a TwinModule: provides the guard, the security middleware and its routes. */
import type { ServerContext } from '../context.ts';
import type { TwinModule } from '../modules/types.ts';
import { authService, releaseAuthService } from './index.ts';
import { authGuardDeps, securityMiddleware } from './http.ts';
import { authRoutes } from './routes.ts';
import type { AuthServiceOptions } from './service.ts';

/**
 * Builds the auth module. Options are for tests (clock, settings, data key); production reads
 * everything from the environment.
 */
export function authModule(opts: AuthServiceOptions = {}): TwinModule {
  let ctx: ServerContext | undefined;
  const clock = opts.clock ?? Date.now;
  return {
    name: 'auth',
    async initialize(sc) {
      ctx = sc;
      await authService(sc, opts).initialize();
    },
    guard: (sc) => authGuardDeps(authService(sc)),
    middleware: (sc) => securityMiddleware(authService(sc), clock),
    routes: (sc) => authRoutes(sc, authService(sc)),
    async finalize() {
      if (ctx) await releaseAuthService(ctx);
    },
  };
}
