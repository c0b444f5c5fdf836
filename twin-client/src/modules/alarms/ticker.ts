/**
 * Alarm texts for the wall's ticker. The ticker's feed (`/api/alarms` and the stream's `alarm`
 * messages) carries only the server's English rendering; this hook looks the open alarms up in
 * the console list (rule template and parameters, by `idx/kind`) so that the ticker renders each
 * one in the UI language like the console does (`alarmText`). Without the alarms module (404) or
 * before the lookup answers, `alarmText` falls back to the kind's label on a Chinese screen.
 */
import { useEffect, useRef, useState } from 'react';
import { api } from '../../api/client.ts';
import type { LiveClient } from '../../live/client.ts';
import type { AlarmTexts } from './text.ts';
import { moduleOn, registeredModules, useModuleAccess } from '../registry.ts';

/** Texts by `idx/kind` of the open alarms. */
export type AlarmTextMap = ReadonlyMap<string, AlarmTexts>;

/** How long a failed lookup waits before the next (module off, no permission, server away). */
const RETRY_MS = 30_000;

/**
 * The texts of the ticker's alarms (`key` = `idx/kind`, `at` its raise time): fetched at once; again
 * (debounced) when an alarm appears that was not asked for yet (a new key, or the same key raised
 * again) and when the alarms module announces a change (`alarms.changed`, sent once the alarm's
 * rule and parameters are stored).
 */
export function useAlarmTexts(items: ReadonlyArray<{ readonly key: string; readonly at: number }>, live: LiveClient | null): AlarmTextMap {
  const [texts, setTexts] = useState<AlarmTextMap>(new Map());
  // Asked only with the alarms module on and alarm:read (else every lookup is a 404 or 403 in the console).
  const access = useModuleAccess();
  const alarms = registeredModules().find((m) => m.name === 'alarms');
  const on = Boolean(alarms && moduleOn(alarms, access.enabled) && access.can('alarm:read'));
  const [changes, setChanges] = useState(0);
  const asked = useRef(new Set<string>());
  const missing = items.map((a) => `${a.key}@${a.at}`).filter((k) => !asked.current.has(k)).join(',');
  useEffect(() => {
    if (!live) return;
    return live.addMessageListener((m) => {
      if ((m as { type?: string }).type === 'alarms.changed') setChanges((n) => n + 1);
    });
  }, [live]);
  useEffect(() => {
    if (!on) return;
    let stop = false;
    // A burst of alarms and changes is one lookup.
    const timer = setTimeout(() => {
      const wanted = missing ? missing.split(',') : [];
      for (const k of wanted) asked.current.add(k);
      api.get('/api/alarm-console/alarms', { query: { state: 'all', limit: 500 }, background: true })
        .then((r) => {
          if (stop) return;
          const m = new Map<string, AlarmTexts>();
          // Newest first: the first row of a key is its latest (the open) alarm.
          for (const a of r.alarms) {
            const k = `${a.idx}/${a.kind}`;
            if (!m.has(k)) m.set(k, { kind: a.kind, message: a.message, template: a.template, params: a.params, ruleName: a.ruleName });
          }
          setTexts(m);
        }, () => {
          // Module off, no permission or the server away: ask again later.
          if (stop) return;
          for (const k of wanted) asked.current.delete(k);
          setTimeout(() => setChanges((n) => n + 1), RETRY_MS);
        });
    }, 400);
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [missing, changes, on]);
  return texts;
}
