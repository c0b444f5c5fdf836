/**
 * Legacy fetch helper for JSON under a raw URL. API calls go through the typed client
 * (`./api/client.ts`: `api.get('/api/...', { params, query })`), derived from the server's route
 * schemas; this stays for URLs that are not API routes. ApiError is the client's one error class.
 */
import { ApiError, request } from './api/client.ts';

export { ApiError };

/**
 * GETs JSON from a raw URL; throws ApiError on a non-2xx answer. `background` marks automatic
 * polls, which must not count as user activity (an idle operator's session has to time out).
 */
export function getJson<T>(path: string, signal?: AbortSignal, opts: { background?: boolean } = {}): Promise<T> {
  return request<T>('GET', path, { signal, background: opts.background });
}
