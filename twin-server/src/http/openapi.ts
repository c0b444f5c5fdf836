/**
 * The OpenAPI 3.1 description of the live route table: every route the app mounted (modules
 * switched off by TWIN_MODULES are simply absent), with its permission, security schemes,
 * parameters and body from its zod schemas, its success response and every error it may answer.
 * Served at `GET /api/openapi.json` and, rendered on the server as plain HTML (no script, no
 * CDN: the CSP allows neither inline scripts nor other origins), at `GET /api/docs`.
 */
import { z, type ZodType } from 'zod';
import type { RouteSpec } from './route.ts';

/** A JSON Schema object as zod writes it. */
type JsonSchema = Record<string, unknown>;

/** Success statuses other than 200, set by `withStatus` on a route's response schema. */
const SUCCESS_STATUS = new WeakMap<ZodType, number>();

/**
 * Marks a response schema as answered with `status` (201 Created, 202 Accepted) instead of 200,
 * for the document and the contract test. A DELETE without a response schema answers 204.
 */
export function withStatus<S extends ZodType>(status: 201 | 202, schema: S): S {
  // A copy: the same schema may answer other routes with 200 (GET and PATCH of what POST creates).
  const copy = schema.clone() as S;
  SUCCESS_STATUS.set(copy, status);
  return copy;
}

/** `response: noContent` declares a route that answers 204 with no body (e.g. POST /api/auth/logout). */
export const noContent = z.null().describe('204 No Content');

/** The success status a route answers (200 unless marked; 204 for `noContent` or a DELETE with no body). */
export function successStatus(spec: Pick<RouteSpec, 'method' | 'response' | 'produces'>): number {
  if (spec.response === noContent) return 204;
  if (spec.response) return SUCCESS_STATUS.get(spec.response) ?? 200;
  return spec.method === 'DELETE' && !spec.produces ? 204 : 200;
}

/** JSON shape of every error response (see errors.ts); some routes add fields (422 problems). */
export const errorBodySchema = z.object({
  error: z.looseObject({
    status: z.number().int(),
    message: z.string(),
    requestId: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input (path, query or body), with the zod issues',
  401: 'No valid credential (login required)',
  403: 'The caller lacks the permission, or the object belongs to another enterprise',
  404: 'Not found',
  409: 'Conflict with the current state',
  413: 'Request body too large',
  422: 'Well-formed but rejected; nothing was written',
  429: 'Too many requests (Retry-After says when to retry)',
  503: 'Temporarily unavailable; retry',
};

/** The error statuses a route may answer: the guard's, the body parser's and its declared ones. */
export function errorStatuses(spec: RouteSpec): number[] {
  const s = new Set<number>(spec.errors ?? []);
  if (spec.params || spec.query || spec.body) s.add(400);
  if (spec.body) s.add(413);
  if (spec.permission !== 'public') s.add(401);
  if ((spec.permission !== 'public' && spec.permission !== 'authenticated') || spec.object) s.add(403);
  if (spec.path.startsWith('/api/')) s.add(429);
  return [...s].sort((a, b) => a - b);
}

const jsonSchema = (schema: ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  return rest;
};

/** The OpenAPI path template of a Koa path: `/a/:id/b` becomes `/a/{id}/b`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** A stable operationId: method plus the path's words (`get_twin_objects_idx_children`). */
function operationId(spec: RouteSpec): string {
  const words = spec.path.replace(/^\/(api\/)?/, '').split(/[^A-Za-z0-9]+/).filter(Boolean);
  return [spec.method.toLowerCase(), ...words].join('_');
}

function parameters(spec: RouteSpec): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const names = [...spec.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
  const p = spec.params ? jsonSchema(spec.params, 'input') : {};
  const pProps = (p.properties ?? {}) as Record<string, JsonSchema>;
  for (const name of names) {
    out.push({ name, in: 'path', required: true, schema: pProps[name] ?? { type: 'string' } });
  }
  if (spec.query) {
    const q = jsonSchema(spec.query, 'input');
    const required = new Set((q.required ?? []) as string[]);
    for (const [name, schema] of Object.entries((q.properties ?? {}) as Record<string, JsonSchema>)) {
      const { description, ...rest } = schema;
      out.push({ name, in: 'query', required: required.has(name), schema: rest, ...(typeof description === 'string' ? { description } : {}) });
    }
  }
  return out;
}

/** What a route's permission means, in words, for the operation description. */
function permissionText(p: RouteSpec['permission']): string {
  if (p === 'public') return 'Permission: none (public).';
  if (p === 'authenticated') return 'Permission: any authenticated caller.';
  return `Permission: \`${p}\`.`;
}

function operation(spec: RouteSpec, module: string | undefined): Record<string, unknown> {
  const ok = successStatus(spec);
  const responses: Record<string, unknown> = {};
  if (ok === 204) {
    responses['204'] = { description: 'Done (no content)' };
  } else {
    const content: Record<string, unknown> = {};
    const types = spec.produces === undefined ? [] : typeof spec.produces === 'string' ? [spec.produces] : spec.produces;
    if (spec.response) content[types[0] ?? 'application/json'] = { schema: jsonSchema(spec.response, 'output') };
    if (types.length > 0 && !spec.response) for (const t of types) content[t] = { schema: { type: 'string', contentMediaType: t } };
    if (!spec.response && !spec.produces) content['application/json'] = { schema: {} };
    responses[String(ok)] = { description: spec.summary, content };
  }
  for (const s of errorStatuses(spec)) {
    responses[String(s)] = { description: ERROR_TEXT[s] ?? 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  }
  const mutating = spec.method !== 'GET';
  const security = spec.permission === 'public' ? [] : [
    mutating ? { sessionCookie: [], csrfToken: [] } : { sessionCookie: [] },
    { deviceToken: [] },
  ];
  return {
    operationId: operationId(spec),
    summary: spec.summary,
    description: `${spec.summary}\n\n${permissionText(spec.permission)}${spec.object ? ' Enterprise-scoped callers only reach their own enterprise\'s objects.' : ''}`,
    ...(module ? { tags: [module] } : {}),
    'x-permission': spec.permission,
    security,
    ...(parameters(spec).length ? { parameters: parameters(spec) } : {}),
    ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } } } } : {}),
    responses,
  };
}

/** The OpenAPI document object (a loose shape: the validator test checks the rest). */
export const openApiDocumentSchema = z.looseObject({
  openapi: z.literal('3.1.0'),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.record(z.string(), z.looseObject({ operationId: z.string(), 'x-permission': z.string() }))),
  components: z.looseObject({}),
});

/** Builds the OpenAPI 3.1 document of a route table; `moduleOf` names each route's module (its tag). */
export function buildOpenApi(routes: readonly RouteSpec[], moduleOf: (r: RouteSpec) => string | undefined = () => undefined): z.infer<typeof openApiDocumentSchema> {
  const paths: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const r of routes) {
    const p = (paths[openApiPath(r.path)] ??= {});
    p[r.method.toLowerCase()] = operation(r, moduleOf(r));
  }
  const tags = [...new Set(routes.map(moduleOf).filter((m): m is string => Boolean(m)))].map((name) => ({ name }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Park Twin API',
      version: '0.1.0',
      description: 'The HTTP API of this Park Twin server, generated from its live route table. Each operation names the permission it needs '
        + '(`x-permission`). Browsers use the session cookie (mutations also send the CSRF token from the `twin_csrf` cookie in '
        + '`X-CSRF-Token`); command walls and exchange clients send their device token as a bearer token. Errors are JSON: '
        + '`{"error": {"status", "message", "requestId", "issues"?}}`.',
    },
    tags,
    paths: paths as z.infer<typeof openApiDocumentSchema>['paths'],
    components: {
      schemas: { Error: jsonSchema(errorBodySchema, 'output') },
      securitySchemes: {
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'twin_session', description: 'Session from POST /api/auth/login (or a wall pairing)' },
        csrfToken: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token', description: 'Copy of the twin_csrf cookie; required with the session cookie on every mutation' },
        deviceToken: { type: 'http', scheme: 'bearer', description: 'Device token of a command wall or exchange client (issued by the security administrator)' },
      },
    },
  };
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Renders the document as one self-contained HTML page (inline CSS only, no script). */
export function renderDocsHtml(doc: z.infer<typeof openApiDocumentSchema>): string {
  const pre = (v: unknown) => `<details><summary>schema</summary><pre>${esc(JSON.stringify(v, null, 2))}</pre></details>`;
  const ops: string[] = [];
  for (const [path, methods] of Object.entries(doc.paths).sort(([a], [b]) => a.localeCompare(b))) {
    for (const [method, op] of Object.entries(methods)) {
      const o = op as unknown as Record<string, unknown> & { parameters?: { name: string; in: string; required: boolean; schema: unknown }[]; responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }> };
      const params = (o.parameters ?? []).map((p) => `<li><code>${esc(p.name)}</code> (${p.in}${p.required ? ', required' : ''}) <code>${esc(JSON.stringify(p.schema))}</code></li>`).join('');
      const body = (o.requestBody as { content: Record<string, { schema: unknown }> } | undefined)?.content['application/json']?.schema;
      const responses = Object.entries(o.responses).map(([status, r]) => {
        const c = Object.entries(r.content ?? {})[0];
        const schema = c && !(c[1].schema as { $ref?: string }).$ref ? pre(c[1].schema) : '';
        return `<li><b>${status}</b> ${esc(r.description)}${c ? ` <code>${esc(c[0])}</code>` : ''}${schema}</li>`;
      }).join('');
      ops.push(`<section id="${esc(String(o.operationId))}"><h2><span class="m ${method}">${method.toUpperCase()}</span> <code>${esc(path)}</code></h2>
<p>${esc(String(o.summary ?? ''))}</p><p class="perm">permission: <code>${esc(String(o['x-permission']))}</code>${(o.tags as string[] | undefined)?.length ? ` · module: ${esc((o.tags as string[]).join(', '))}` : ''}</p>
${params ? `<h3>parameters</h3><ul>${params}</ul>` : ''}${body ? `<h3>request body</h3>${pre(body)}` : ''}<h3>responses</h3><ul>${responses}</ul></section>`);
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(doc.info.title)}</title>
<style>body{font:14px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1d2330}
section{border-top:1px solid #d5dae3;padding:.5rem 0}h2{font-size:1rem;margin:.5rem 0}h3{font-size:.85rem;margin:.4rem 0;color:#566}
.m{display:inline-block;min-width:4.5em;text-align:center;border-radius:3px;color:#fff;font-size:.8rem;padding:0 .3em}
.get{background:#2f7d4f}.post{background:#2d5fa8}.put{background:#8a5a00}.patch{background:#6b4fa8}.delete{background:#a83232}
pre{background:#f3f5f8;padding:.5rem;overflow:auto;max-height:24rem}.perm{color:#566}</style></head>
<body><h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1><p>${esc(String(doc.info.description ?? ''))}</p>
<p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI ${esc(doc.openapi)}). ${ops.length} operations.</p>
${ops.join('\n')}</body></html>`;
}

/**
 * The two routes describing the API. Reading them needs a login (`authenticated`): the document
 * lists every route and permission of this server, which an anonymous visitor has no use for.
 */
export function openApiRoutes(table: () => readonly RouteSpec[], moduleOf: (r: RouteSpec) => string | undefined = () => undefined): RouteSpec[] {
  const doc = () => buildOpenApi(table(), moduleOf);
  return [
    {
      method: 'GET', path: '/api/openapi.json', permission: 'authenticated',
      summary: 'OpenAPI 3.1 document of this server\'s live route table',
      response: openApiDocumentSchema,
      handler(ctx) {
        ctx.body = doc();
      },
    },
    {
      method: 'GET', path: '/api/docs', permission: 'authenticated', produces: 'text/html',
      summary: 'The API reference as a readable page (rendered on the server, works offline)',
      handler(ctx) {
        ctx.type = 'text/html; charset=utf-8';
        ctx.body = renderDocsHtml(doc());
      },
    },
  ];
}
