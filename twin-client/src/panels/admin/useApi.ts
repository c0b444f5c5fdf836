/** Loads an API resource for an admin panel, with reload and an error message. */
import { useCallback, useEffect, useState } from 'react';
import { api } from '../../auth/api.ts';

/** `data` is null until loaded; `reload()` fetches again (after a change). */
export function useApi<T>(path: string): { data: T | null; error: string | null; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    api<T>('GET', path).then((d) => live && (setData(d), setError(null)), (e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [path, n]);
  return { data, error, reload: useCallback(() => setN((x) => x + 1), []) };
}

/** Formats a timestamp in the UI language's local form. */
export function when(v: string | null | undefined, lang: string): string {
  return v ? new Date(v).toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', { hour12: false }) : '—';
}
