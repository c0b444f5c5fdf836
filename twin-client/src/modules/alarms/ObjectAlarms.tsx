/**
 * The object panel's alarms section (any object kind): the object's open alarms with their
 * severity, kind and text in the UI language, acknowledge (with `alarm:write`) and a link to the
 * alarm in the console. Reloads on the stream's `alarms.changed` for this object.
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type GetAnswer } from '../../api/client.ts';
import { useAuth } from '../../auth/SessionGate.tsx';
import { navigate, viewHref } from '../../app/links.tsx';
import type { SectionProps } from '../types.ts';
import { alarmText, kindLabel } from './text.ts';

type Alarm = GetAnswer<'/api/alarm-console/alarms'>['alarms'][number];

/** The section. */
export default function ObjectAlarms({ obj }: SectionProps) {
  const { t, i18n } = useTranslation('alarms');
  const lang = i18n.language === 'en' ? 'en' : 'zh';
  const { can } = useAuth();
  const [alarms, setAlarms] = useState<Alarm[] | null>(null);
  const load = useCallback(async () => {
    const r = await api.get('/api/alarm-console/alarms', { query: { state: 'open', idx: obj.idx, limit: 20 }, background: true });
    setAlarms(r.alarms);
  }, [obj.idx]);
  useEffect(() => {
    void load().catch(() => setAlarms([]));
    let ws: WebSocket | null = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      try {
        const m = JSON.parse(ev.data) as { type?: string; idx?: number };
        if (m.type === 'alarms.changed' && m.idx === obj.idx) void load().catch(() => {});
      } catch {
        // not JSON: ignore
      }
    };
    return () => {
      ws?.close();
      ws = null;
    };
  }, [load, obj.idx]);
  if (!alarms) return <p>{t('loading')}</p>;
  if (alarms.length === 0) return <p className="alarm-none" data-object-alarms="0">{t('none')}</p>;
  return (
    <ul className="object-alarms" data-object-alarms={alarms.length}>
      {alarms.map((a) => (
        <li key={a.id} data-alarm={a.id} data-state={a.state}>
          <span className={`sev-badge sev-${a.severity}`}>{t(`severity.${a.severity}`)}</span> {kindLabel(a, lang)} · {alarmText(a, lang)} · {t(`state.${a.state}`)}
          {' '}
          {can('alarm:write') && a.state === 'raised' && (
            <button type="button" data-action="alarm.acknowledge" onClick={() => void api.post('/api/alarm-console/alarms/{id}/acknowledge', { params: { id: a.id }, body: {} }).then(load, load)}>
              {t('act.acknowledge')}
            </button>
          )}
          {' '}
          <a href={viewHref('/alarms', { id: a.id, state: 'all' })} onClick={(e) => { e.preventDefault(); navigate(viewHref('/alarms', { id: a.id, state: 'all' })); }}>{t('title')}</a>
        </li>
      ))}
    </ul>
  );
}
