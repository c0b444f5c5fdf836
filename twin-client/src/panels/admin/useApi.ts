/** Loads an API resource for an admin panel, with reload and an error message. */
import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * `load` is a typed client call (`() => api.get('/api/users')`); `data` is null until loaded and
 * `reload()` fetches again (after a change). `key` names the resource: a new key loads anew.
 */
export function useApi<T>(load: () => Promise<T>, key: string): { data: T | null; error: string | null; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [n, setN] = useState(0);
  const loader = useRef(load);
  loader.current = load;
  useEffect(() => {
    let live = true;
    loader.current().then((d) => live && (setData(d), setError(null)), (e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [key, n]);
  return { data, error, reload: useCallback(() => setN((x) => x + 1), []) };
}

/** Formats a timestamp in the UI language's local form. */
export function when(v: string | null | undefined, lang: string): string {
  return v ? new Date(v).toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', { hour12: false }) : '—';
}
