/**
 * The one typed client of the twin's HTTP API. Paths, parameters, bodies and answers come from
 * `generated.ts`, which `npm run gen:api` writes from the server's OpenAPI document (itself made
 * from the routes' zod schemas), so a call that does not match a route does not compile:
 *
 *   const { parks } = await api.get('/api/twin/parks');
 *   const h = await api.get('/api/twin/objects/{idx}/history', { params: { idx }, query: { layer: 'energy' } });
 *   await api.post('/api/wall/bookmarks', { body: { park, name, camera, layer } });
 *
 * Same origin, the session cookie rides along; mutations echo the CSRF cookie in X-CSRF-Token;
 * `background: true` marks automatic polls (they must not keep an idle session alive). A non-2xx
 * answer throws ApiError with the status and the server's message. The client never imports
 * server code: only the generated types.
 */
import type { paths } from './generated.ts';

/** An HTTP error with its status, so views can tell "log in" (401) from "missing" (404). */
export class ApiError extends Error {
  /** Wraps a failed response. */
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** API paths that have an operation for `M`. */
export type PathsFor<M extends Method> = {
  [P in keyof paths]: [NonNullable<paths[P][M]>] extends [never] ? never : P;
}[keyof paths];

type Op<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;

type PathParams<O> = O extends { parameters: { path?: infer X } } ? ([NonNullable<X>] extends [never] ? never : NonNullable<X>) : never;
type QueryParams<O> = O extends { parameters: { query?: infer X } } ? ([NonNullable<X>] extends [never] ? never : NonNullable<X>) : never;
type JsonBody<O> = O extends { requestBody?: infer RB }
  ? [NonNullable<RB>] extends [never] ? never : NonNullable<RB> extends { content: { 'application/json': infer B } } ? B : never
  : never;
type Content<R> = R extends { content: infer C }
  ? C extends { 'application/json': infer J } ? J : C extends { 'application/geo+json': infer G } ? G : string
  : undefined;

/** What a successful call of operation `O` answers (200, 201 or 204). */
export type Answer<O> = O extends { responses: infer R }
  ? 200 extends keyof R ? Content<R[200]> : 201 extends keyof R ? Content<R[201]> : 204 extends keyof R ? undefined : unknown
  : never;

/** Options of a call: path parameters and query (required when the route requires them), body, signal. */
export type CallOptions<O> =
  & ([PathParams<O>] extends [never] ? { params?: undefined } : { params: PathParams<O> })
  & ([QueryParams<O>] extends [never] ? { query?: undefined } : object extends QueryParams<O> ? { query?: QueryParams<O> } : { query: QueryParams<O> })
  & ([JsonBody<O>] extends [never] ? { body?: undefined } : { body: JsonBody<O> })
  & { signal?: AbortSignal | undefined; background?: boolean };

/** The options argument may be left out when nothing in it is required. */
type OptionsArg<O> = object extends CallOptions<O> ? [opts?: CallOptions<O>] : [opts: CallOptions<O>];

/** The CSRF token the server set in a readable cookie. */
export function csrfToken(): string {
  const m = /(?:^|;\s*)twin_csrf=([^;]*)/.exec(globalThis.document?.cookie ?? '');
  return m ? decodeURIComponent(m[1]!) : '';
}

/** Fills `{name}` segments from `params` and appends the query (undefined values left out). */
export function apiUrl(path: string, params?: Record<string, string | number>, query?: Record<string, unknown>): string {
  const p = path.replace(/\{([A-Za-z0-9_]+)\}/g, (_m, name: string) => {
    const v = params?.[name];
    if (v === undefined) throw new Error(`missing path parameter ${name} for ${path}`);
    return encodeURIComponent(String(v));
  });
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null) continue;
    q.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const s = q.toString();
  return s ? `${p}?${s}` : p;
}

/** Sends one request and decodes the answer (JSON, text for other types, undefined for 204). */
export async function request<T>(method: string, url: string, opts: { body?: unknown; signal?: AbortSignal | undefined; background?: boolean | undefined } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken();
  if (opts.background) headers['X-Twin-Background'] = '1';
  const r = await fetch(url, {
    method, credentials: 'same-origin', headers,
    body: opts.body === undefined ? null : JSON.stringify(opts.body),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (!r.ok) {
    let msg = r.statusText;
    try {
      msg = ((await r.json()) as { error?: { message?: string } }).error?.message ?? msg;
    } catch {
      // not JSON: keep the status text
    }
    throw new ApiError(r.status, msg);
  }
  if (r.status === 204) return undefined as T;
  const type = r.headers.get('Content-Type') ?? '';
  return (/[/+]json\b/.test(type) ? await r.json() : await r.text()) as T;
}

function call<M extends Method>(method: M) {
  return <P extends PathsFor<M>>(path: P, ...[opts]: OptionsArg<Op<P, M>>): Promise<Answer<Op<P, M>>> => {
    const o = (opts ?? {}) as { params?: Record<string, string | number>; query?: Record<string, unknown>; body?: unknown; signal?: AbortSignal; background?: boolean };
    return request(method.toUpperCase(), apiUrl(path, o.params, o.query), o);
  };
}

/** The typed API client: `api.get(path, { params, query })`, `api.post(path, { body })`, … */
export const api = {
  get: call('get'),
  post: call('post'),
  put: call('put'),
  patch: call('patch'),
  delete: call('delete'),
  /** The URL of a GET (for links and downloads, e.g. the audit export). */
  url<P extends PathsFor<'get'>>(path: P, ...[opts]: OptionsArg<Op<P, 'get'>>): string {
    const o = (opts ?? {}) as { params?: Record<string, string | number>; query?: Record<string, unknown> };
    return apiUrl(path, o.params, o.query);
  },
};

/** The JSON answer type of `GET path` (for state that holds an answer). */
export type GetAnswer<P extends PathsFor<'get'>> = Answer<Op<P, 'get'>>;

/** The query parameters of `GET path`. */
export type GetQuery<P extends PathsFor<'get'>> = QueryParams<Op<P, 'get'>>;

/** The JSON body of `method path`. */
export type BodyOf<M extends Method, P extends PathsFor<M>> = JsonBody<Op<P, M>>;
