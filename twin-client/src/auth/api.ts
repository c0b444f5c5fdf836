/**
 * The auth API as the browser uses it. Mutations echo the CSRF cookie in X-CSRF-Token (double
 * submit); polls can mark themselves as background so they do not keep an idle session alive.
 */

/** An API failure with its status and the server's message. */
export class AuthApiError extends Error {
  /** Wraps a failed response. */
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** The signed-in principal, from GET /api/auth/me. */
export interface Me {
  readonly kind: 'user' | 'device' | 'exchange';
  readonly id: string;
  readonly name: string;
  readonly displayName: string;
  readonly roles: string[];
  readonly permissions: string[];
  readonly enterpriseIdx: number | null;
  readonly mustChangePassword: boolean;
  readonly idleMinutes: number | null;
  readonly passwordPolicy: { minLength: number; minClasses: number };
}

/** The CSRF token the server set in a readable cookie. */
export function csrfToken(): string {
  const m = /(?:^|;\s*)twin_csrf=([^;]*)/.exec(globalThis.document?.cookie ?? '');
  return m ? decodeURIComponent(m[1]!) : '';
}

/** Calls the API with the session cookie (and the CSRF header on mutations); throws AuthApiError. */
export async function api<T>(method: string, path: string, body?: unknown, opts: { background?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken();
  if (opts.background) headers['X-Twin-Background'] = '1';
  const r = await fetch(path, { method, credentials: 'same-origin', headers, body: body === undefined ? null : JSON.stringify(body) });
  if (!r.ok) {
    let msg = r.statusText;
    try {
      msg = ((await r.json()) as { error?: { message?: string } }).error?.message ?? msg;
    } catch {
      // not JSON: keep the status text
    }
    throw new AuthApiError(r.status, msg);
  }
  if (r.status === 204) return undefined as T;
  const type = r.headers.get('Content-Type') ?? '';
  return (type.includes('json') && !type.includes('ndjson') ? await r.json() : await r.text()) as T;
}

/** Who is signed in, or null when nobody is (401). */
export async function fetchMe(opts: { background?: boolean } = {}): Promise<Me | null> {
  try {
    return await api<Me>('GET', '/api/auth/me', undefined, opts);
  } catch (e) {
    if (e instanceof AuthApiError && e.status === 401) return null;
    throw e;
  }
}

/** Reads and removes `#device=<token>` from the address, so the token does not linger in history. */
export function takeDeviceTokenFromUrl(): string | null {
  const m = /(?:^#|&)device=([A-Za-z0-9_-]{10,200})/.exec(globalThis.location?.hash ?? '');
  if (!m) return null;
  const rest = location.hash.replace(/^#/, '').split('&').filter((p) => !p.startsWith('device=')).join('&');
  history.replaceState(null, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
  return m[1]!;
}
