/**
 * One canonical path for routing and for every check (issue 14 item 4). The router matches
 * exactly (case-sensitive, no optional trailing slash), and this middleware refuses, before any
 * route runs, the spellings under the server's own namespaces (/api, /tiles, /ws) that some
 * other component could read as a different path than the router or a guard does: a namespace
 * in another case (`/API/...`), a trailing slash, empty or dot segments, backslashes, and
 * percent-encoded characters that need no encoding (`%6C` for `l`) or that change the path's
 * structure (`%2F`, `%5C`, `%2E`). What passes is the only spelling: the rate limiters, the
 * Origin check, the cache headers and the router all see the same string.
 */
import type Koa from 'koa';

/** The server's own path namespaces (everything else is the client app and its view routes). */
export const NAMESPACES = ['api', 'tiles', 'ws'] as const;

/** Percent-encoded bytes that must appear literally: unreserved characters, and / \ . which change structure. */
const NEEDLESS_OR_STRUCTURAL = /%(?:[46][1-9A-Fa-f]|[57][0-9Aa]|3[0-9]|2[DdEeFf]|5[CcFf]|7[Ee])/;

/** The namespace a path falls under, compared case-insensitively, or null. */
export function namespaceOf(path: string): string | null {
  const first = path.split(/[/\\]/)[1] ?? '';
  const lower = first.toLowerCase();
  return (NAMESPACES as readonly string[]).includes(lower) ? lower : null;
}

/**
 * Why a path is not the canonical spelling of a server path (null when it is, or when it is not
 * under a server namespace at all).
 */
export function nonCanonical(path: string): string | null {
  const ns = namespaceOf(path);
  if (!ns) return null;
  if (path.includes('\\')) return 'no backslashes';
  const segments = path.split('/').slice(1);
  if (segments[0] !== ns) return `the /${ns} prefix is lower-case`;
  if (path.length > 1 && path.endsWith('/')) return 'no trailing slash';
  if (segments.some((s) => s === '')) return 'no empty path segments';
  if (segments.some((s) => s === '.' || s === '..')) return 'no dot segments';
  if (NEEDLESS_OR_STRUCTURAL.test(path)) return 'no percent-encoded letters, digits, -._~ / \\';
  return null;
}

/**
 * A folded key for a path under a server namespace: lower-cased, trailing slashes and empty
 * segments dropped. Guards that classify paths (login rate limit, no-store) use it, so that even
 * a spelling the router would never match is counted as the path it imitates.
 */
export function foldedPath(path: string): string {
  return `/${path.toLowerCase().split('/').filter(Boolean).join('/')}`;
}

/**
 * Refuses non-canonical spellings of server paths with the same JSON 404 an unknown route gets,
 * naming the rule; mounted before the routes.
 */
export function canonicalPaths(): Koa.Middleware {
  return async (ctx, next) => {
    const why = nonCanonical(ctx.path);
    if (why) ctx.throw(404, `no route for ${ctx.method} ${ctx.path} (paths are exact: ${why})`);
    await next();
  };
}
