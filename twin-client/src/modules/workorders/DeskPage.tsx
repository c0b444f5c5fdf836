/**
 * The dispatcher's desk (`/workorders`): the records kit's list with filters and create form (from
 * an equipment panel too), the desk's own order detail (`DeskDetail`: labelled values in the UI
 * language, times in park time; dispatch, verify, send back, cancel, rate), and the crews with
 * their trade, members and whether they are on duty now.
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type GetAnswer } from '../../api/client.ts';
import { kitFetch, pick, type RecordItem } from '../../kit/api.ts';
import { useEntityMeta } from '../../kit/RecordsPage.tsx';
import { RecordList } from '../../kit/RecordList.tsx';
import { RecordForm } from '../../kit/RecordForm.tsx';
import '../../kit/kit.css';
import { DeskDetail } from './DeskDetail.tsx';
import './workorders.css';

type Crew = GetAnswer<'/api/maintenance/crews'>['crews'][number];

const CREATE_FIELDS = ['title', 'titleEn', 'priority', 'trade', 'fault', 'description'];

/** `?id=` opens an order, `?new=1&object=<idx>` the create form for an object (links from notifications and panels). */
function readUrl(): { id: number | null; creating: boolean; object: number | null } {
  const q = new URLSearchParams(location.search);
  const n = (k: string) => (/^\d{1,12}$/.test(q.get(k) ?? '') ? Number(q.get(k)) : null);
  return { id: n('id'), creating: q.get('new') === '1', object: n('object') };
}

function writeUrl(next: { id?: number | null; creating?: boolean; object?: number | null }): void {
  const q = new URLSearchParams(location.search);
  for (const k of ['id', 'new', 'object']) q.delete(k);
  if (next.id) q.set('id', String(next.id));
  if (next.creating) q.set('new', '1');
  if (next.creating && next.object) q.set('object', String(next.object));
  const s = q.toString();
  history.replaceState(null, '', s ? `${location.pathname}?${s}` : location.pathname);
}

/** The page: the kit's list and create form, the desk's own order detail (labelled values, park time). */
export default function DeskPage() {
  const { t, i18n } = useTranslation('kit');
  const { meta, error } = useEntityMeta('workorders');
  const [url, setUrlState] = useState(readUrl);
  const [reload, setReload] = useState(0);
  const [visit, setVisit] = useState(0);
  useEffect(() => {
    const on = () => {
      setUrlState(readUrl());
      setVisit((n) => n + 1);
    };
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);
  const go = useCallback((next: { id?: number | null; creating?: boolean; object?: number | null }) => {
    writeUrl(next);
    setUrlState(readUrl());
  }, []);
  return (
    <div className="wo-desk" data-view="workorders">
      {error && <div className="center-message" data-problem="kit">{error}</div>}
      {!error && !meta && <div className="center-message">{t('loading')}</div>}
      {meta && (
        <div className="kit-page" data-entity={meta.entity}>
          <div className="kit-page-list">
            <div className="kit-page-head">
              <h2>{pick(meta.label, i18n.language)}</h2>
              {meta.can.create && <button type="button" className="primary" data-kit="create" onClick={() => go({ creating: true })}>{t('create')}</button>}
            </div>
            <RecordList meta={meta} reloadKey={reload} onOpen={(id) => go({ id })} />
          </div>
          {(url.creating || url.id) && (
            <aside className="kit-page-side panel">
              {url.creating ? (
                <>
                  <div className="kit-detail-head">
                    <h3>{t('newTitle', { label: pick(meta.label, i18n.language) })}</h3>
                    <button type="button" className="kit-close" onClick={() => go({})} aria-label={t('close')}>×</button>
                  </div>
                  <RecordForm meta={meta} name="create" fields={CREATE_FIELDS} submitLabel={t('submit')} onCancel={() => go({})}
                    onSubmit={async (data) => {
                      const r = await kitFetch<RecordItem>('POST', '/api/workorders', { objectIdx: url.object, data });
                      setReload((n) => n + 1);
                      go({ id: r.id });
                    }} />
                </>
              ) : (
                <DeskDetail key={`${url.id}-${visit}`} id={url.id!} onChanged={() => setReload((n) => n + 1)} onClose={() => go({})} />
              )}
            </aside>
          )}
        </div>
      )}
      <Crews />
    </div>
  );
}

function Crews() {
  const { t, i18n } = useTranslation('workorders');
  const en = i18n.language === 'en';
  const [crews, setCrews] = useState<Crew[] | null>(null);
  const [trades, setTrades] = useState<Record<string, { zh: string; en: string }>>({});
  useEffect(() => {
    void api.get('/api/maintenance/crews', { background: true }).then((r) => setCrews(r.crews), () => setCrews([]));
    void api.get('/api/maintenance/dispatch-rules', { background: true }).then((r) => setTrades(Object.fromEntries(r.trades.map((x) => [x.code, x.name]))), () => {});
  }, []);
  if (!crews || crews.length === 0) return null;
  return (
    <section className="wo-crews" data-wo="crews">
      <h3>{t('desk.crews')}</h3>
      <table>
        <thead><tr><th>{t('fact.crew')}</th><th>{t('desk.trade')}</th><th>{t('fact.state')}</th><th>{t('desk.members')}</th></tr></thead>
        <tbody>
          {crews.map((c) => (
            <tr key={c.id} data-crew={c.code} data-on-duty={c.onDuty ? '1' : '0'}>
              <td>{en ? c.name.en : c.name.zh}</td>
              <td>{trades[c.trade] ? (en ? trades[c.trade]!.en : trades[c.trade]!.zh) : c.trade}</td>
              <td className={c.onDuty ? 'wo-on' : 'wo-muted'}>{c.onDuty ? t('desk.onDuty') : t('desk.offDuty')}</td>
              <td>{c.members.length ? c.members.map((m) => m.name).join('、') : <span className="wo-muted">{t('desk.noMembers')}</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
