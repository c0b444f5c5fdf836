/**
 * `/economy/review`: park staff see the enterprises' filings (submitted first), compare a filing
 * with the same month a year before, and approve it (its figures become the month's record) or
 * return it with a reason. A filing changed meanwhile is refused (409) and the list reloads.
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { kitFetch } from '../../kit/api.ts';
import { EnterpriseLink } from '../customers/link.tsx';
import { INDICATORS, monthLabel, strings, type Figures, type Filing } from './strings.ts';
import './economy.css';

type Detail = Filing & { lastYear: Figures | null; recorded: Figures | null };

/** The page. */
export default function ReviewPage() {
  const { i18n } = useTranslation();
  const en = i18n.language.startsWith('en');
  const s = strings(en);
  const [status, setStatus] = useState<'submitted' | 'returned' | 'approved' | ''>('submitted');
  const [filings, setFilings] = useState<Filing[] | null>(null);
  const [details, setDetails] = useState<Record<number, Detail>>({});
  const [notes, setNotes] = useState<Record<number, string>>({});
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    kitFetch<{ filings: Filing[] }>('GET', `/api/economy/filings${status ? `?status=${status}` : ''}`).then((r) => {
      setFilings(r.filings);
      for (const f of r.filings.filter((x) => x.status === 'submitted').slice(0, 50)) {
        kitFetch<Detail>('GET', `/api/economy/filings/${f.id}`).then((d) => setDetails((m) => ({ ...m, [f.id]: d })), () => {});
      }
    }, (e: Error) => setError(e.message));
  }, [status]);
  useEffect(load, [load]);
  const act = async (f: Filing, what: 'approve' | 'return') => {
    setError(null);
    const note = (notes[f.id] ?? '').trim();
    if (what === 'return' && !note) {
      setError(s.t('noteNeeded'));
      return;
    }
    try {
      await kitFetch('POST', `/api/economy/filings/${f.id}/${what}`, what === 'approve' ? { version: f.version } : { version: f.version, note });
    } catch (e) {
      setError((e as Error).message);
    }
    load();
  };
  const yoy = (now: number, before: number | undefined) => (before && before > 0 ? `${now >= before ? '+' : ''}${s.num(((now - before) / before) * 100, 1)}%` : '—');

  return (
    <div className="economy-page" data-view="economy-review">
      <h1>{s.t('reviewTitle')}</h1>
      <div className="economy-filter">
        {(['submitted', 'returned', 'approved', ''] as const).map((x) => (
          <button key={x || 'all'} type="button" className={status === x ? 'primary' : ''} onClick={() => setStatus(x)} data-filter={x || 'all'}>
            {x ? s.status(x) : s.t('all')}
          </button>
        ))}
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      <section className="panel">
        {filings === null ? <p className="muted">{s.t('loading')}</p> : filings.length === 0 ? <p className="muted">{s.t('none')}</p> : (
          <div className="economy-table-wrap">
            <table className="economy-table">
              <thead>
                <tr>
                  <th>{s.t('enterprise')}</th><th>{s.t('month')}</th><th>{s.t('status')}</th>
                  {INDICATORS.map((i) => <th key={i.key}>{en ? `${i.en} (${i.unit[1]})` : `${i.zh}（${i.unit[0]}）`}</th>)}
                  <th>{s.t('filedBy')}</th><th />
                </tr>
              </thead>
              <tbody>
                {filings.map((f) => {
                  const d = details[f.id];
                  return (
                    <tr key={f.id} data-filing={f.id} data-status={f.status}>
                      <td><EnterpriseLink idx={f.enterpriseIdx}>{en ? f.enterpriseEn ?? f.enterprise : f.enterprise}</EnterpriseLink></td>
                      <td>{monthLabel(f.month, en)}</td>
                      <td><span className={`badge status-${f.status}`}>{s.status(f.status)}</span> <span className="muted">{s.source(f.source)}</span></td>
                      {INDICATORS.map((i) => (
                        <td key={i.key} className="num">
                          {s.num(f[i.key])}
                          {d?.lastYear && <div className="compare" title={s.t('lastYear')}>{s.t('lastYear')} {yoy(f[i.key], d.lastYear[i.key])}</div>}
                        </td>
                      ))}
                      <td>{f.filedByName}{f.reviewNote ? <div className="compare">{f.reviewNote}</div> : null}</td>
                      <td>
                        {f.status === 'submitted' && (
                          <div className="economy-review-actions">
                            <button type="button" className="primary" onClick={() => void act(f, 'approve')} data-action="approve">{s.t('approve')}</button>
                            <input placeholder={s.t('note')} value={notes[f.id] ?? ''} onChange={(e) => setNotes({ ...notes, [f.id]: e.target.value })} data-field="note" />
                            <button type="button" onClick={() => void act(f, 'return')} data-action="return">{s.t('return')}</button>
                          </div>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
