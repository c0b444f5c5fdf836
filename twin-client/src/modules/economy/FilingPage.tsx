/**
 * `/economy/filing`: an enterprise account files a closed month's figures, by uploading the Excel
 * report (the template is downloadable; every problem is listed with its row, and nothing is
 * filed until all are fixed) or by the form, and sees its filings with their review state.
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { csrfToken } from '../../auth/api.ts';
import { kitFetch } from '../../kit/api.ts';
import { closedMonths, INDICATORS, monthLabel, strings, type Filing, type Figures, type RowError } from './strings.ts';
import './economy.css';

type Outcome = 'created' | 'updated' | 'unchanged';

/** The page. */
export default function FilingPage() {
  const { i18n } = useTranslation();
  const en = i18n.language.startsWith('en');
  const s = strings(en);
  const months = closedMonths(24);
  const [month, setMonth] = useState(months[0]!);
  const [form, setForm] = useState<Record<string, string>>({});
  const [filings, setFilings] = useState<Filing[] | null>(null);
  const [rowErrors, setRowErrors] = useState<RowError[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<Outcome | null>(null);
  const load = useCallback(() => {
    kitFetch<{ filings: Filing[] }>('GET', '/api/economy/filings').then((r) => setFilings(r.filings), (e: Error) => setError(e.message));
  }, []);
  useEffect(load, [load]);

  const result = (o: Outcome) => {
    setDone(o);
    setRowErrors([]);
    setError(null);
    load();
  };
  const upload = async (file: File | undefined) => {
    if (!file) return;
    setDone(null);
    setError(null);
    setRowErrors([]);
    const r = await fetch('/api/economy/filings/upload', {
      method: 'POST', credentials: 'same-origin', body: file,
      headers: { 'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'X-CSRF-Token': csrfToken(), Accept: 'application/json' },
    });
    const body = (await r.json().catch(() => ({}))) as { outcome?: Outcome; rows?: RowError[]; error?: { message?: string } };
    if (r.ok && body.outcome) result(body.outcome);
    else if (r.status === 422 && body.rows) setRowErrors(body.rows);
    else setError(body.error?.message ?? r.statusText);
  };
  const submit = async () => {
    setDone(null);
    setError(null);
    setRowErrors([]);
    const figures = Object.fromEntries(INDICATORS.map((i) => [i.key, form[i.key] === undefined || form[i.key] === '' ? NaN : Number(form[i.key])])) as Figures;
    const bad = INDICATORS.filter((i) => !Number.isFinite(figures[i.key]) || figures[i.key] < 0);
    if (bad.length) {
      setError(`${bad.map((i) => (en ? i.en : i.zh)).join(en ? ', ' : '、')}${en ? ': enter a number of 0 or more' : '：请填写不小于 0 的数字'}`);
      return;
    }
    try {
      result((await kitFetch<{ outcome: Outcome }>('POST', '/api/economy/filings', { month, ...figures })).outcome);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const edit = (f: Filing) => {
    setMonth(f.month);
    setForm(Object.fromEntries(INDICATORS.map((i) => [i.key, String(f[i.key])])));
  };

  return (
    <div className="economy-page" data-view="economy-filing">
      <h1>{s.t('filingTitle')}</h1>
      <section className="panel economy-file">
        <label>{s.t('month')}{' '}
          <select value={month} onChange={(e) => setMonth(e.target.value)} data-field="month">
            {months.map((m) => <option key={m} value={m}>{monthLabel(m, en)}</option>)}
          </select>
        </label>
        <div className="economy-excel">
          <a href={`/api/economy/template?month=${month}`} download data-action="template">{s.t('template')}</a>
          {/* The browser's own file button speaks the browser's language: hidden behind ours. */}
          <label className="upload-button">{s.t('upload')}
            <input type="file" accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" data-field="report"
              onChange={(e) => { void upload(e.target.files?.[0]); e.target.value = ''; }} />
          </label>
        </div>
        {rowErrors.length > 0 && (
          <div className="economy-errors" role="alert" data-errors={rowErrors.length}>
            <p>{s.t('errorsTitle')}</p>
            <ul>{rowErrors.map((e, k) => <li key={k} data-error-row={e.row} data-error-field={e.field}>{s.rowError(e)}</li>)}</ul>
          </div>
        )}
        <p className="muted">{s.t('orForm')}</p>
        <div className="economy-form">
          {INDICATORS.map((i) => (
            <label key={i.key}>
              <span>{en ? `${i.en} (${i.unit[1]})` : `${i.zh}（${i.unit[0]}）`}</span>
              <input type="number" min={0} step={i.step} inputMode="decimal" value={form[i.key] ?? ''} data-field={i.key}
                onChange={(e) => setForm({ ...form, [i.key]: e.target.value })} />
            </label>
          ))}
        </div>
        <button type="button" className="primary" onClick={() => void submit()} data-action="submit">{s.t('submit')}</button>
        {done && <p className="ok" role="status" data-outcome={done}>{s.t(done)}</p>}
        {error && <p className="error" role="alert">{error}</p>}
      </section>
      <section className="panel">
        <h2>{s.t('mine')}</h2>
        {filings === null ? <p className="muted">{s.t('loading')}</p> : filings.length === 0 ? <p className="muted">{s.t('none')}</p> : (
          <div className="economy-table-wrap">
            <table className="economy-table">
              <thead><tr><th>{s.t('month')}</th><th>{s.t('status')}</th>{INDICATORS.slice(0, 3).map((i) => <th key={i.key}>{en ? i.en : i.zh}</th>)}<th>{s.t('reviewNote')}</th></tr></thead>
              <tbody>
                {filings.map((f) => (
                  <tr key={f.id} data-filing={f.id} data-status={f.status}>
                    <td>{f.status === 'approved' ? monthLabel(f.month, en) : <button type="button" className="link" onClick={() => edit(f)}>{monthLabel(f.month, en)}</button>}</td>
                    <td><span className={`badge status-${f.status}`}>{s.status(f.status)}</span></td>
                    {INDICATORS.slice(0, 3).map((i) => <td key={i.key} className="num">{s.num(f[i.key])}</td>)}
                    <td>{f.reviewNote ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
