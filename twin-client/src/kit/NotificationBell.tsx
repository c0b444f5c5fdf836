/**
 * The notification centre in the app header: a bell with the unread count and a list panel
 * (open a notification, mark all read). New notifications arrive over the WebSocket (`/ws`
 * pushes `{type: 'notification', unread}` to the user's sockets); a slow background poll covers a
 * socket that is down.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { navigate } from '../app/links.tsx';
import { useAuth } from '../auth/SessionGate.tsx';
import { kitFetch, pick, type Label } from './api.ts';
import { shortTime } from './RecordList.tsx';
import './i18n.ts';
import './kit.css';

interface Item { id: number; kind: string; title: Label; link: string | null; createdAt: string; read: boolean }

/** Opens the push socket and calls `onPush` with each notification message; reconnects with backoff. */
function usePush(onPush: (unread: number) => void): void {
  const cb = useRef(onPush);
  cb.current = onPush;
  useEffect(() => {
    let ws: WebSocket | null = null;
    let stopped = false;
    let delay = 2000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const open = () => {
      if (stopped || typeof WebSocket === 'undefined') return;
      ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
      ws.onopen = () => { delay = 2000; };
      ws.onmessage = (ev) => {
        try {
          const m = JSON.parse(String(ev.data)) as { type?: string; unread?: number };
          if (m.type === 'notification' && typeof m.unread === 'number') cb.current(m.unread);
        } catch {
          // binary frames and other messages are not ours
        }
      };
      ws.onclose = () => {
        if (stopped) return;
        timer = setTimeout(open, delay);
        delay = Math.min(delay * 2, 60_000);
      };
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(timer);
      ws?.close();
    };
  }, []);
}

/** The bell, for user accounts (command-wall devices get none). */
export function NotificationBell() {
  const { me } = useAuth();
  return me.kind === 'user' ? <Bell /> : null;
}

function Bell() {
  const { t, i18n } = useTranslation('kit');
  const [unread, setUnread] = useState<number | null>(null);
  const [items, setItems] = useState<Item[] | null>(null);
  const [open, setOpen] = useState(false);
  const refresh = useCallback(async (background = true) => {
    const r = await kitFetch<{ unread: number; items: Item[] }>('GET', '/api/notifications?limit=20', undefined, { background });
    setUnread(r.unread);
    setItems(r.items);
  }, []);
  useEffect(() => {
    refresh().catch(() => {});
    const iv = setInterval(() => void refresh().catch(() => {}), 60_000);
    return () => clearInterval(iv);
  }, [refresh]);
  usePush((n) => {
    setUnread(n);
    void refresh().catch(() => {});
  });
  const openItem = async (it: Item) => {
    if (!it.read) setUnread((await kitFetch<{ unread: number }>('POST', '/api/notifications/read', { ids: [it.id] })).unread);
    setOpen(false);
    await refresh(false).catch(() => {});
    if (it.link) navigate(it.link);
  };
  return (
    <>
      <button type="button" className="kit-bell" data-kit="bell" data-unread={unread ?? ''} aria-label={`${t('notifications')} ${unread ? t('unread', { n: unread }) : ''}`}
        onClick={() => setOpen((o) => !o)}>
        <svg width="16" height="16" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
          <path d="M18 8a6 6 0 1 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" /><path d="M13.7 21a2 2 0 0 1-3.4 0" />
        </svg>
        {unread ? <span className="kit-bell-count" data-kit="unread">{unread > 99 ? '99+' : unread}</span> : null}
      </button>
      {open && (
        <div className="kit-bell-panel panel" data-kit="notifications">
          <div className="kit-detail-head">
            <h3>{t('notifications')}</h3>
            {!!unread && (
              <button type="button" className="kit-button" data-kit="mark-all"
                onClick={() => void kitFetch<{ unread: number }>('POST', '/api/notifications/read', { all: true }).then((r) => { setUnread(r.unread); return refresh(false); })}>
                {t('markAllRead')}
              </button>
            )}
          </div>
          {items && items.length === 0 && <div className="kit-empty">{t('noNotifications')}</div>}
          <ul>
            {(items ?? []).map((it) => (
              <li key={it.id} className={it.read ? '' : 'unread'} data-notification={it.kind}>
                <a href={it.link ?? '#'} onClick={(e) => { e.preventDefault(); void openItem(it); }}>{pick(it.title, i18n.language)}</a>
                <small>{shortTime(it.createdAt)}</small>
              </li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}
