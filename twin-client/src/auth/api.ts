/**
 * The auth API as the browser uses it. Mutations echo the CSRF cookie in X-CSRF-Token (double
 * submit); polls can mark themselves as background so they do not keep an idle session alive.
 */

import { api as typed, ApiError, csrfToken, request, type GetAnswer } from '../api/client.ts';

/** An API failure with its status and the server's message (the typed client's ApiError). */
export { ApiError as AuthApiError, csrfToken };

/** The signed-in principal, from GET /api/auth/me (its type comes from the route's schema). */
export type Me = GetAnswer<'/api/auth/me'>;

/**
 * Calls the API by raw method and path; throws AuthApiError. Legacy: new code uses the typed
 * client (`api.get('/api/…')` from `../api/client.ts`), which checks paths, parameters and bodies.
 */
export function api<T>(method: string, path: string, body?: unknown, opts: { background?: boolean } = {}): Promise<T> {
  return request<T>(method, path, { body, background: opts.background });
}

/** Who is signed in, or null when nobody is (401). */
export async function fetchMe(opts: { background?: boolean } = {}): Promise<Me | null> {
  try {
    return await typed.get('/api/auth/me', { background: opts.background ?? false });
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
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
