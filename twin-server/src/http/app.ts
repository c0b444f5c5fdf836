import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import compress from 'koa-compress';
import { ZodError } from 'zod';
import type { ServerContext } from '../context.ts';
import type { TwinModule } from '../modules/types.ts';
import { guardFor, type GuardDeps } from '../auth/guard.ts';
import { errorMiddleware } from './errors.ts';
import { canonicalPaths } from './canonical.ts';
import { serveDir } from './static.ts';
import type { RouteSpec, TwinContext, TwinState } from './route.ts';
import { validateInput, validateParams } from './input.ts';
import { openApiRoutes } from './openapi.ts';

const CLIENT_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../twin-client/dist');

/** Options of the HTTP app. */
export interface AppOptions {
  readonly modules: readonly TwinModule[];
  readonly guard: GuardDeps;
  /** Extra middleware mounted after the error handler and before routes (security headers, rate limits). */
  readonly before?: readonly Koa.Middleware<TwinState>[];
  /** Folder of the built client; defaults to twin-client/dist. */
  readonly clientDir?: string;
}

/** Builds the Koa app and returns it with the full route table (for docs and the security test). */
export function createApp(sc: ServerContext, opts: AppOptions): { app: Koa<TwinState>; routes: RouteSpec[] } {
  const app = new Koa<TwinState>({ proxy: false });
  app.on('error', (err: Error) => sc.log.error({ err }, 'koa error'));

  app.use(async (ctx, next) => {
    const incoming = ctx.get('X-Request-Id');
    ctx.state.requestId = /^[A-Za-z0-9._-]{8,64}$/.test(incoming) ? incoming : randomUUID();
    ctx.set('X-Request-Id', ctx.state.requestId);
    const t0 = performance.now();
    await next();
    sc.log.debug({ requestId: ctx.state.requestId, method: ctx.method, path: ctx.path, status: ctx.status,
      ms: Math.round(performance.now() - t0) }, 'request');
  });
  app.use(errorMiddleware(sc.log));
  for (const mw of opts.before ?? []) app.use(mw);
  app.use(canonicalPaths()); // one spelling per server path: non-canonical ones 404 before any route
  app.use(compress({ threshold: 1024, br: false }));
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: '1mb', encoding: 'utf-8' }));

  const routes: RouteSpec[] = [];
  const router = new Router<TwinState>({ sensitive: true, strict: true }); // exact paths only (see canonical.ts)
  const moduleOf = new Map<RouteSpec, string>();
  const mount = (spec: RouteSpec, module: string) => {
    routes.push(spec);
    moduleOf.set(spec, module);
    // The guard authenticates and checks the permission; path parameters are parsed before its
    // object check (which reads them), query and body right after it, all before the handler.
    // A scoped caller's malformed path fails closed: no object, so a 403 (audited), not a 400.
    const objectCheck = spec.object;
    const guarded: RouteSpec = objectCheck
      ? {
        ...spec,
        object: async (c) => {
          try {
            validateParams(c, spec);
          } catch (e) {
            if (e instanceof ZodError) return null;
            throw e;
          }
          return objectCheck(c);
        },
      }
      : spec;
    const mw: Koa.Middleware<TwinState>[] = [
      guardFor(guarded, opts.guard),
      async (ctx) => {
        const c = ctx as unknown as TwinContext;
        validateInput(c, spec);
        await spec.handler(c);
      },
    ];
    router.register(spec.path, [spec.method], mw as never);
  };
  for (const m of opts.modules) {
    for (const spec of m.routes?.(sc) ?? []) mount(spec, m.name);
  }
  // The API's own description, generated from the routes mounted above (switched-off modules are absent).
  for (const spec of openApiRoutes(() => routes, (r) => moduleOf.get(r))) mount(spec, 'openapi');
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.use(serveDir(() => opts.clientDir ?? CLIENT_DIST, { prefix: '/', immutable: /-[A-Za-z0-9_-]{8,}\.(js|css|wasm)$/, spaFallback: 'index.html', noFallbackUnder: ['/api', '/tiles', '/ws'] }));
  return { app, routes };
}
