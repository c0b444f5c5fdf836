/**
 * The wall's data feeds: KPIs refetched periodically (sooner after an alarm) with retry and
 * backoff, and the alarm ticker (open alarms from the API, then the live socket's alarm
 * messages; refetched after every reconnect so nothing raised during a cut is missed).
 */
import { useEffect, useRef, useState } from 'react';
import type { ServerMessage } from '@park-twin/layers';
import type { WallKpis } from '@park-twin/layers/wall.ts';
import { getJson } from '../api.ts';
import type { LiveClient } from '../live/client.ts';
import type { Hierarchy } from '../scene/hierarchy.ts';

/** Backoff of failed KPI fetches: 2 s doubling to 30 s. */
const RETRY_MIN_MS = 2_000;
const RETRY_MAX_MS = 30_000;
/**
 * A KPI request unanswered this long counts as failed: on a silent cut (nothing closed, nothing
 * answered) it would otherwise hang for many minutes while the boards claim to be current.
 */
const FETCH_TIMEOUT_MS = 15_000;
/** Ticker length: older alarms drop off (bounded memory on an always-on wall). */
export const TICKER_MAX = 40;

/** KPI state: the last good answer, and whether the latest attempt failed. */
export interface KpiFeed {
  kpis: WallKpis | null;
  stale: boolean;
}

/**
 * Fetches `/api/wall/kpis` every `refreshS` and after `bump` changes; on failure keeps the last
 * numbers, marks them stale and retries with backoff.
 */
export function useKpis(park: string | null, refreshS: number, bump: number): KpiFeed {
  const [feed, setFeed] = useState<KpiFeed>({ kpis: null, stale: false });
  const kickRef = useRef<(() => void) | null>(null);
  useEffect(() => {
    if (!park) return;
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let failures = 0;
    const load = async () => {
      timer = null;
      try {
        const k = await getJson<WallKpis>(`/api/wall/kpis?park=${encodeURIComponent(park)}`, AbortSignal.timeout(FETCH_TIMEOUT_MS), { background: true });
        if (stop) return;
        failures = 0;
        setFeed({ kpis: k, stale: false });
      } catch {
        if (stop) return;
        failures++;
        setFeed((f) => (f.stale ? f : { ...f, stale: true }));
      }
      if (!stop) timer = setTimeout(load, failures ? Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** (failures - 1)) : refreshS * 1000);
    };
    // A bump (alarm) fetches soon, once, instead of waiting for the period.
    const kick = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(load, 1_000);
    };
    kickRef.current = kick;
    void load();
    return () => {
      stop = true;
      kickRef.current = null;
      if (timer) clearTimeout(timer);
    };
  }, [park, refreshS]);
  useEffect(() => {
    if (bump > 0) kickRef.current?.();
  }, [bump]);
  return feed;
}

/** One ticker line. */
export interface TickerAlarm {
  key: string;
  id: number | null;
  idx: number;
  kind: string;
  severity: number;
  message: string;
  at: number;
}

interface ApiAlarm {
  id: number;
  idx: number;
  kind: string;
  severity: number;
  message: string;
  raised_at: string;
}

/**
 * The ticker's alarms (newest first, only objects of this park) and a counter bumped on every
 * alarm message; `onCritical` hears each newly raised severity-3 alarm.
 */
export function useAlarmFeed(live: LiveClient | null, h: Hierarchy | null, onCritical: (idx: number) => void): { alarms: TickerAlarm[]; bump: number } {
  const [alarms, setAlarms] = useState<TickerAlarm[]>([]);
  const [bump, setBump] = useState(0);
  const critical = useRef(onCritical);
  critical.current = onCritical;
  useEffect(() => {
    if (!live || !h) return;
    const ours = (idx: number) => idx > 0 && idx < h.size && h.kindOf(idx) !== undefined;
    let stop = false;
    const refetch = () => {
      getJson<ApiAlarm[]>(`/api/alarms?state=open&limit=${TICKER_MAX * 2}`, undefined, { background: true })
        .then((rows) => {
          if (stop) return;
          setAlarms(rows.filter((a) => ours(a.idx)).slice(0, TICKER_MAX).map((a) => ({
            key: `${a.idx}/${a.kind}`, id: a.id, idx: a.idx, kind: a.kind, severity: a.severity, message: a.message, at: Date.parse(a.raised_at),
          })));
        })
        .catch(() => {}); // the next reconnect or alarm tries again; the ticker keeps what it shows
    };
    refetch();
    let wasLive = live.status === 'live';
    const offStatus = live.onStatus(() => {
      const isLive = live.status === 'live';
      // Back after a cut or a server restart: the ticker reloads and the KPIs are fetched now,
      // not at the end of their retry backoff (up to 30 s).
      if (isLive && !wasLive) {
        refetch();
        setBump((b) => b + 1);
      }
      wasLive = isLive;
    });
    const offMsg = live.addMessageListener((m: ServerMessage) => {
      if (m.type !== 'alarm' || !ours(m.alarm.idx)) return;
      const a = m.alarm;
      const key = `${a.idx}/${a.kind}`;
      setAlarms((list) => {
        const rest = list.filter((x) => x.key !== key);
        return a.state === 'raised'
          ? [{ key, id: null, idx: a.idx, kind: a.kind, severity: a.severity, message: a.message, at: Date.now() }, ...rest].slice(0, TICKER_MAX)
          : rest;
      });
      setBump((b) => b + 1);
      if (a.state === 'raised' && a.severity >= 3) critical.current(a.idx);
    });
    return () => {
      stop = true;
      offStatus();
      offMsg();
    };
  }, [live, h]);
  return { alarms, bump };
}
