/**
 * The alarm dock (issue 15: "a dock on the twin and the wall"): open alarms per severity and a
 * compact live list, most severe and newest first; a click flies the host to the object (the
 * twin drills to it with its panel open, the wall focuses it). Live: the host's stream pushes
 * `alarms.changed`; a slow poll covers a lost socket. On the twin the title links to the console.
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type GetAnswer } from '../../api/client.ts';
import { navigate, viewHref } from '../../app/links.tsx';
import { localName } from '../../i18n/index.ts';
import type { DockProps } from '../types.ts';
import { alarmText, kindLabel } from './text.ts';
import './alarms.css';

type List = GetAnswer<'/api/alarm-console/alarms'>;
type Alarm = List['alarms'][number];

/** How many alarms each host lists. */
const ROWS = { twin: 6, wall: 8 } as const;

/** Most severe first, then newest. */
export function dockOrder(a: Pick<Alarm, 'severity' | 'raisedAt'>, b: Pick<Alarm, 'severity' | 'raisedAt'>): number {
  return b.severity - a.severity || Date.parse(b.raisedAt) - Date.parse(a.raisedAt);
}

/** The dock. */
export default function AlarmDock({ host, live, flyTo }: DockProps) {
  const { t, i18n } = useTranslation('alarms');
  const lang = i18n.language === 'en' ? 'en' : 'zh';
  const [data, setData] = useState<List | null>(null);
  const [failed, setFailed] = useState(false);
  const load = useCallback(async () => {
    try {
      setData(await api.get('/api/alarm-console/alarms', { query: { state: 'open', limit: 200 }, background: true }));
      setFailed(false);
    } catch {
      setFailed(true);
    }
  }, []);
  useEffect(() => {
    void load();
    const poll = setInterval(() => void load(), 30_000);
    let pending: ReturnType<typeof setTimeout> | null = null;
    const off = live?.addMessageListener((m) => {
      if ((m as { type?: string }).type !== 'alarms.changed') return;
      // A burst of changes is one reload.
      if (!pending) pending = setTimeout(() => { pending = null; void load(); }, 200);
    });
    return () => {
      clearInterval(poll);
      if (pending) clearTimeout(pending);
      off?.();
    };
  }, [live, load]);

  const rows = [...(data?.alarms ?? [])].sort(dockOrder).slice(0, ROWS[host]);
  const counts = data?.counts;
  const total = counts ? counts[1] + counts[2] + counts[3] : 0;
  const title = t('dock.title');
  return (
    <div className={`alarm-dock alarm-dock-${host}`} data-total={total}>
      <header className="alarm-dock-head">
        {host === 'twin'
          ? <a href={viewHref('/alarms', {})} className="alarm-dock-title" onClick={(e) => { e.preventDefault(); navigate(viewHref('/alarms', {})); }}>{title}</a>
          : <span className="alarm-dock-title">{title}</span>}
        <span className="alarm-dock-counts">
          {([3, 2, 1] as const).map((s) => (
            <span key={s} className={`sev-badge sev-${s}`} data-dock-count={s} title={t(`severity.${s}`)}>
              {t(`severity.${s}`)} <strong>{counts ? counts[s] : '–'}</strong>
            </span>
          ))}
        </span>
      </header>
      {failed && !data && <p className="alarm-dock-none">{t('dock.unavailable')}</p>}
      {data && rows.length === 0 && <p className="alarm-dock-none" data-dock-empty>{t('dock.none')}</p>}
      <ol className="alarm-dock-list">
        {rows.map((a) => {
          const name = a.objectName ? localName({ name: a.objectName, nameEn: a.objectNameEn }) : `#${a.idx}`;
          return (
            <li key={a.id} className={`sev-${a.severity}`} data-alarm={a.id} data-idx={a.idx} data-severity={a.severity} data-state={a.state}>
              <button type="button" onClick={() => flyTo({ idx: a.idx, building: a.building, floor: a.floor })} title={alarmText(a, lang)}>
                <span className={`sev-dot sev-${a.severity}`} />
                <span className="alarm-dock-name">{name}</span>
                <span className="alarm-dock-kind">{kindLabel(a, lang)}</span>
                <time dateTime={a.raisedAt}>{new Date(a.raisedAt).toLocaleTimeString(lang === 'en' ? 'en-GB' : 'zh-CN', { hour12: false, hour: '2-digit', minute: '2-digit' })}</time>
              </button>
            </li>
          );
        })}
      </ol>
      {total > rows.length && <p className="alarm-dock-more">{t('dock.more', { n: total - rows.length })}</p>}
    </div>
  );
}
