/**
 * Request input validation from a route's declared schemas. The app runs `validateInput` after
 * the guard and before the handler: params replace `ctx.params`, the query's parsed output is at
 * `ctx.state.query`, the body replaces `ctx.request.body`. Handlers read them typed through
 * `paramsOf` / `queryOf` / `bodyOf` and never parse the query string themselves.
 */
import type { ZodType, output } from 'zod';
import type { RouteSpec, TwinContext } from './route.ts';

/** Parses `value` with `schema`; a ZodError (answered 400 with the issues by errors.ts) otherwise. */
function parsePart(schema: ZodType, value: unknown): unknown {
  return schema.parse(value);
}

const PARSED_PARAMS = Symbol('twin.paramsParsed');

/**
 * Parses path parameters with the route's `params` schema (once per request: the guard's object
 * check may need them first). Invalid: a ZodError, which the error middleware answers with 400.
 */
export function validateParams(ctx: TwinContext, spec: Pick<RouteSpec, 'params'>): void {
  const c = ctx as TwinContext & { [PARSED_PARAMS]?: true };
  if (!spec.params || c[PARSED_PARAMS]) return;
  ctx.params = parsePart(spec.params, { ...ctx.params }) as Record<string, string>;
  c[PARSED_PARAMS] = true;
}

/** Validates params, query and body with the route's schemas (400 with the zod message on failure). */
export function validateInput(ctx: TwinContext, spec: Pick<RouteSpec, 'params' | 'query' | 'body'>): void {
  validateParams(ctx, spec);
  if (spec.query) ctx.state.query = parsePart(spec.query, { ...ctx.query });
  if (spec.body) ctx.request.body = parsePart(spec.body, ctx.request.body ?? {});
}

/** The parsed path parameters, typed by the route's `params` schema. */
export function paramsOf<S extends ZodType>(ctx: TwinContext, _schema: S): output<S> {
  return ctx.params as output<S>;
}

/** The parsed query, typed by the route's `query` schema. */
export function queryOf<S extends ZodType>(ctx: TwinContext, _schema: S): output<S> {
  return ctx.state.query as output<S>;
}

/** The parsed body, typed by the route's `body` schema. */
export function bodyOf<S extends ZodType>(ctx: TwinContext, _schema: S): output<S> {
  return ctx.request.body as output<S>;
}
