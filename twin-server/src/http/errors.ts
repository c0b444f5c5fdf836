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
 * PostgreSQL data exceptions that only bad input can cause (a value the database cannot hold or
 * parse), with the message the client gets. Anything else from the database stays a 500.
 */
export const INPUT_SQLSTATES: Readonly<Record<string, string>> = {
  '22P05': 'a text value contains a character the database cannot store (NUL bytes are not allowed)',
  '22021': 'a text value is not valid UTF-8 or contains a NUL byte',
  '22003': 'a number is out of range',
  '22P02': 'a value has the wrong format for its type',
  '22001': 'a text value is too long',
  '22007': 'a date or time has the wrong format',
  '22008': 'a date or time is out of range',
  '22025': 'a search pattern has an invalid escape sequence',
  '2201B': 'a search pattern is not a valid regular expression',
  '54000': 'a value is too large to be stored or indexed',
};

/** zlib's codes for a corrupt or truncated compressed body (gzip/deflate `Z_*`, brotli `ERR__ERROR_*` / `ERR_BROTLI_*`). */
const ZLIB_CODE = /^(Z_(DATA|BUF|NEED_DICT|STREAM)_ERROR|Z_NEED_DICT|ERR__ERROR_[A-Z0-9_]+|ERR_BROTLI_[A-Z_]+)$/;

/** What an error from the request's own input maps to, or null when it is a server fault. */
export function inputError(raw: unknown): { status: number; message: string; issues?: ErrorBody['error']['issues']; cause: string } | null {
  if (raw instanceof ZodError) {
    const issues = zodIssues(raw);
    return { status: 400, message: `invalid input: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues, cause: 'validation' };
  }
  const err = raw as Error & { status?: number; statusCode?: number; type?: string; code?: string; errno?: number };
  if (!err || typeof err !== 'object') return null;
  if (err.type === 'entity.too.large') return { status: 413, message: 'request body too large', cause: err.type };
  if (err.type === 'entity.parse.failed' || (raw instanceof SyntaxError && (err.status ?? 0) === 400)) {
    return { status: 400, message: 'request body is not valid JSON', cause: 'entity.parse.failed' };
  }
  if (err.type === 'encoding.unsupported') return { status: 415, message: 'unsupported Content-Encoding (use gzip, deflate or none)', cause: err.type };
  if (err.type === 'charset.unsupported') return { status: 415, message: 'unsupported charset (use utf-8)', cause: err.type };
  if (err.type === 'request.size.invalid' || err.type === 'request.aborted') {
    return { status: 400, message: 'request body was cut short or its length is wrong', cause: err.type };
  }
  if (typeof err.code === 'string' && ZLIB_CODE.test(err.code)) {
    return { status: 400, message: 'request body could not be decompressed: its Content-Encoding does not match its bytes', cause: err.code };
  }
  if (typeof err.code === 'string' && Object.hasOwn(INPUT_SQLSTATES, err.code)) {
    return { status: 400, message: `invalid input: ${INPUT_SQLSTATES[err.code]}`, cause: `sqlstate ${err.code}` };
  }
  if (raw instanceof URIError) return { status: 400, message: 'malformed percent-encoding in the request', cause: 'URIError' };
  return null;
}

/**
 * The one error middleware, mounted first: user errors (ctx.throw 4xx, zod, unreadable bodies,
 * values the database cannot hold) answer 4xx with a clear message and an info/warn log line;
 * anything else becomes a 500 whose details go to the log only, never to the client.
 */
export function errorMiddleware(log: Logger): Koa.Middleware<TwinState> {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) ctx.throw(404, `no route for ${ctx.method} ${ctx.path}`);
    } catch (raw) {
      const err = raw as Error & { status?: number; statusCode?: number; expose?: boolean };
      let status = err.status ?? err.statusCode ?? 500;
      let message = err.message;
      let issues: ErrorBody['error']['issues'];
      const input = inputError(raw);
      if (input) {
        ({ status, message } = input);
        issues = input.issues;
        // Input that reached the database is worth a warning: a check upstream (a route's schema) missed it.
        const level = input.cause.startsWith('sqlstate') ? 'warn' : 'info';
        log[level]({ requestId: ctx.state.requestId, status, method: ctx.method, path: ctx.path, cause: input.cause, detail: err.message },
          'request rejected: bad input');
      } else if (status >= 500 || !(err.expose ?? status < 500)) {
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
