/** Small fetch helpers for the JSON API (same origin; the session cookie rides along). */

/** An HTTP error with its status, so views can tell "log in" (401) from "missing" (404). */
export class ApiError extends Error {
  /** Wraps a failed response. */
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * GETs JSON from the API; throws ApiError on a non-2xx answer. `background` marks automatic polls,
 * which must not count as user activity (an idle operator's session has to time out).
 */
export async function getJson<T>(path: string, signal?: AbortSignal, opts: { background?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (opts.background) headers['X-Twin-Background'] = '1';
  const r = await fetch(path, { credentials: 'same-origin', headers, ...(signal ? { signal } : {}) });
  if (!r.ok) {
    let msg = r.statusText;
    try {
      msg = ((await r.json()) as { error?: { message?: string } }).error?.message ?? msg;
    } catch {
      // not JSON: keep the status text
    }
    throw new ApiError(r.status, msg);
  }
  return (await r.json()) as T;
}
