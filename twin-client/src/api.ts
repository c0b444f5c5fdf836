/** Small fetch helpers for the JSON API (same origin; the session cookie rides along). */

/** An HTTP error with its status, so views can tell "log in" (401) from "missing" (404). */
export class ApiError extends Error {
  /** Wraps a failed response. */
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** GETs JSON from the API; throws ApiError on a non-2xx answer. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const r = await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' }, ...(signal ? { signal } : {}) });
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
