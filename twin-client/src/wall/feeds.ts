/**
 * The wall's data feeds: KPIs refetched periodically (sooner after an alarm) with retry and
 * backoff, and the alarm ticker (open alarms from the API, then the live socket's alarm
 * messages; refetched after every reconnect so nothing raised during a cut is missed).
 */
import { useEffect, useRef, useState } from 'react';
import type { ServerMessage } from '@park-twin/layers';
import type { WallKpis } from '@park-twin/layers/wall.ts';
import { api } from '../api/client.ts';
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

/** A poller's controls. */
export interface Poller {
  /** Fetch soon (after `kickMs`), once: while a fetch runs, the next one starts soon after it. */
  kick(): void;
  stop(): void;
}

/**
 * Calls `fetchOnce` now and then every `periodMs` after each success; after a failure it retries
 * with backoff (`retryMinMs` doubling to `retryMaxMs`). There is only ever one chain of fetches
 * and at most one fetch running: a kick while a fetch runs does not start a second chain (which
 * would poll forever beside the first, one more chain for every alarm on a busy day), it makes
 * the chain's next fetch come `kickMs` after the running one ends.
 */
export function startPoller(fetchOnce: () => Promise<void>, opts: { periodMs: number; kickMs: number; retryMinMs: number; retryMaxMs: number }): Poller {
  let stopped = false;
  let running = false;
  let kicked = false;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const schedule = (ms: number) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(run, ms);
  };
  const run = async () => {
    timer = null;
    if (stopped || running) return;
    running = true;
    kicked = false;
    try {
      await fetchOnce();
      failures = 0;
    } catch {
      failures++;
    } finally {
      running = false;
    }
    if (stopped) return;
    schedule(kicked ? opts.kickMs : failures ? Math.min(opts.retryMaxMs, opts.retryMinMs * 2 ** (failures - 1)) : opts.periodMs);
  };
  void run();
  return {
    kick() {
      if (stopped) return;
      if (running) kicked = true;
      else schedule(opts.kickMs);
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

/**
 * Fetches `/api/wall/kpis` every `refreshS` and after `bump` changes; on failure keeps the last
 * numbers, marks them stale and retries with backoff.
 */
export function useKpis(park: string | null, refreshS: number, bump: number): KpiFeed {
  const [feed, setFeed] = useState<KpiFeed>({ kpis: null, stale: false });
  const pollerRef = useRef<Poller | null>(null);
  useEffect(() => {
    if (!park) return;
    let stop = false;
    const poller = startPoller(async () => {
      try {
        const k = await api.get('/api/wall/kpis', { query: { park }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), background: true });
        if (!stop) setFeed({ kpis: k, stale: false });
      } catch (err) {
        if (!stop) setFeed((f) => (f.stale ? f : { ...f, stale: true }));
        throw err;
      }
    }, { periodMs: refreshS * 1000, kickMs: 1_000, retryMinMs: RETRY_MIN_MS, retryMaxMs: RETRY_MAX_MS });
    pollerRef.current = poller;
    return () => {
      stop = true;
      pollerRef.current = null;
      poller.stop();
    };
  }, [park, refreshS]);
  // A bump (alarm) fetches soon, once, instead of waiting for the period.
  useEffect(() => {
    if (bump > 0) pollerRef.current?.kick();
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
      api.get('/api/alarms', { query: { state: 'open', limit: TICKER_MAX * 2 }, background: true })
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
