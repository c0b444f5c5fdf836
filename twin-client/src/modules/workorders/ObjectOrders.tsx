/**
 * The equipment/room panel's work orders: the open ones (each opens the order: the crew's phone
 * page for crew members, the desk for everyone else) and the full maintenance history, with the
 * last maintenance date and interval. Orders made from an alarm name it.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type GetAnswer } from '../../api/client.ts';
import { useAuth } from '../../auth/SessionGate.tsx';
import { navigate, viewHref } from '../../app/links.tsx';
import type { SectionProps } from '../types.ts';
import './workorders.css';

type Answer = GetAnswer<'/api/maintenance/objects/{idx}/work-orders'>;
type Row = Answer['history'][number];

/** The section. */
export default function ObjectOrders({ obj }: SectionProps) {
  const { t, i18n } = useTranslation('workorders');
  const en = i18n.language === 'en';
  const { can } = useAuth();
  const [data, setData] = useState<Answer | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.get('/api/maintenance/objects/{idx}/work-orders', { params: { idx: obj.idx }, background: true })
      .then((d) => live && setData(d), (e: Error) => live && setError(e.message));
    return () => { live = false; };
  }, [obj.idx]);
  if (error) return <p className="wo-error">{t('error', { message: error })}</p>;
  if (!data) return <p className="wo-muted">{t('loading')}</p>;
  const href = (id: number) => (can('workorders:execute') ? viewHref('/workorders/my', { id }) : viewHref('/workorders', { id }));
  const line = (w: Row) => (
    <li key={`${w.code}-${w.id ?? 'core'}`} data-code={w.code} data-state={w.state} data-order={w.id ?? ''}>
      <span className={`wo-badge wo-badge-${w.priority}`}>{t(`priority.${w.priority}`, { defaultValue: w.priority })}</span>{' '}
      {w.id !== null
        ? <a href={href(w.id)} onClick={(e) => { e.preventDefault(); navigate(href(w.id!)); }}>{w.code}</a>
        : <span className="wo-code">{w.code}</span>}{' '}
      {en && w.titleEn ? w.titleEn : w.title}
      <span className="wo-muted"> · {t(`state.${w.state}`, { defaultValue: w.state })} · {t(`source.${w.source}`, { defaultValue: w.source })} · {w.openedAt.slice(0, 10)}{w.crew ? ` · ${w.crew}` : ''}</span>
    </li>
  );
  const closed = data.history.filter((w) => !data.open.some((o) => o.code === w.code));
  return (
    <div className="wo-object" data-wo="object" data-open={data.open.length} data-history={data.history.length}>
      {data.lastMaintained && data.intervalDays && <p className="wo-muted" data-wo="last">{t('section.last', { date: data.lastMaintained, days: data.intervalDays })}</p>}
      <h4>{t('section.open')}</h4>
      {data.open.length === 0 ? <p className="wo-muted">{t('section.none')}</p> : <ul className="wo-lines">{data.open.map(line)}</ul>}
      <h4>{t('section.history')} <span className="wo-muted">{t('section.more', { n: closed.length })}</span></h4>
      {closed.length === 0 ? <p className="wo-muted">{t('section.none')}</p> : <ul className="wo-lines">{closed.slice(0, 20).map(line)}</ul>}
    </div>
  );
}
