/** The audit trail (auditor): search, chain verification and export for off-host anchoring. */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type GetAnswer, type GetQuery } from '../../api/client.ts';
import { when } from './useApi.ts';

type Row = GetAnswer<'/api/audit'>['rows'][number];
type Verify = GetAnswer<'/api/audit/verify'>;

/** The audit tab. */
export function AuditPanel() {
  const { t, i18n } = useTranslation('auth');
  const [f, setF] = useState({ actor: '', action: '', outcome: '', q: '', from: '', to: '' });
  const [rows, setRows] = useState<Row[] | null>(null);
  const [verify, setVerify] = useState<Verify | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const search = async (before?: number) => {
    setErr(null);
    const query: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(f)) if (v) query[k] = k === 'from' || k === 'to' ? new Date(v).toISOString() : v;
    if (before) query.before = before;
    try {
      // The form's fields are the route's query parameters; the server validates each one.
      const r = await api.get('/api/audit', { query: query as GetQuery<'/api/audit'> });
      setRows(before ? [...(rows ?? []), ...r.rows] : r.rows);
    } catch (e) {
      setErr(t('admin.error', { message: (e as Error).message }));
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void search();
  };
  const field = (k: keyof typeof f) => ({ value: f[k], onChange: (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value }) });
  return (
    <section data-testid="audit-panel">
      <form className="inline" onSubmit={submit}>
        <label>{t('admin.audit.actor')}<input {...field('actor')} /></label>
        <label>{t('admin.audit.action')}<input placeholder="auth.login" {...field('action')} /></label>
        <label>{t('admin.audit.outcome')}
          <select {...field('outcome')}>
            <option value="">{t('admin.audit.any')}</option>
            {(['success', 'failure', 'denied'] as const).map((o) => <option key={o} value={o}>{t(`admin.audit.outcomes.${o}`)}</option>)}
          </select>
        </label>
        <label>{t('admin.audit.text')}<input {...field('q')} /></label>
        <label>{t('admin.audit.from')}<input type="datetime-local" {...field('from')} /></label>
        <label>{t('admin.audit.to')}<input type="datetime-local" {...field('to')} /></label>
        <button type="submit" className="primary">{t('admin.audit.search')}</button>
        <button type="button" onClick={() => void api.get('/api/audit/verify').then(setVerify, (e: Error) => setErr(e.message))}>
          {t('admin.audit.verify')}</button>
        <a href={api.url('/api/audit/export')} download><button type="button">{t('admin.audit.export')}</button></a>
      </form>
      {verify && (verify.ok
        ? <p className="ok">{t('admin.audit.intact', { rows: verify.rows, seq: verify.head.seq })}</p>
        : <p className="error">{t('admin.audit.broken', { row: verify.brokenAt, reason: verify.reason })}</p>)}
      {err && <p className="error">{err}</p>}
      {rows && (
        <table>
          <thead><tr><th>#</th><th>{t('admin.audit.time')}</th><th>{t('admin.audit.actor')}</th><th>{t('admin.audit.action')}</th>
            <th>{t('admin.audit.object')}</th><th>{t('admin.audit.outcome')}</th><th>{t('admin.audit.source')}</th><th>{t('admin.audit.detail')}</th></tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.seq}>
                <td>{r.seq}</td><td>{when(r.at, i18n.language)}</td><td>{r.actor_name ?? r.actor_kind}</td><td>{r.action}</td>
                <td>{r.object}</td><td className={`outcome-${r.outcome}`}>{t(`admin.audit.outcomes.${r.outcome}`)}</td><td>{r.source}</td>
                <td><code>{JSON.stringify(r.detail)}</code></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {rows && rows.length > 0 && rows.length % 100 === 0 && (
        <button type="button" onClick={() => void search(rows.at(-1)!.seq)}>{t('admin.audit.more')}</button>
      )}
    </section>
  );
}
