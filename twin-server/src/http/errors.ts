import type Koa from 'koa';
import { ZodError } from 'zod';
import type { Logger } from '../log.ts';
import type { TwinState } from './route.ts';

/** JSON shape of every error response. */
export interface ErrorBody {
  error: { status: number; message: string; requestId: string; issues?: { path: string; message: string }[] };
}

/** Turns a zod error into short "path: message" lines a user can act on. */
export function zodIssues(err: ZodError): { path: string; message: string }[] {
  return err.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}

/**
 * The one error middleware, mounted first: user errors (ctx.throw 4xx, zod) keep their message;
 * anything else becomes a 500 whose details go to the log only, never to the client.
 */
export function errorMiddleware(log: Logger): Koa.Middleware<TwinState> {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) ctx.throw(404, `no route for ${ctx.method} ${ctx.path}`);
    } catch (raw) {
      const err = raw as Error & { status?: number; statusCode?: number; expose?: boolean; type?: string };
      let status = err.status ?? err.statusCode ?? 500;
      let message = err.message;
      let issues: ErrorBody['error']['issues'];
      if (raw instanceof ZodError) {
        status = 400;
        issues = zodIssues(raw);
        message = `invalid input: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`;
      } else if (err.type === 'entity.too.large') {
        status = 413;
        message = 'request body too large';
      } else if (err.type === 'entity.parse.failed' || (raw instanceof SyntaxError && status === 400)) {
        status = 400;
        message = 'request body is not valid JSON';
      }
      if (status >= 500 || !(err.expose ?? status < 500)) {
        log.error({ err, requestId: ctx.state.requestId, path: ctx.path }, 'request failed');
        status = 500;
        message = 'internal error';
      } else {
        log.info({ requestId: ctx.state.requestId, status, path: ctx.path, message }, 'request rejected');
      }
      ctx.status = status;
      ctx.body = { error: { status, message, requestId: ctx.state.requestId, ...(issues ? { issues } : {}) } } satisfies ErrorBody;
    }
  };
}
