/**
 * `/customers`: the customer registry. One search box over enterprises (name, credit code,
 * industry), people (contact persons and staff accounts) and visitors, filtered by type; every
 * enterprise name opens its profile (`?e=<idx>`, beside the list on wide screens, under it on
 * phones). Enterprise accounts see their own enterprise only (the server scopes the answer).
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type GetAnswer } from '../../api/client.ts';
import { followLink } from '../../app/links.tsx';
import { Profile } from './Profile.tsx';
import { profileHref } from './strings.ts';
import './customers.css';

type Registry = GetAnswer<'/api/customers'>;
type Kind = 'all' | 'enterprise' | 'person' | 'visitor';

const param = (k: string) => new URLSearchParams(location.search).get(k);

/** An enterprise name that opens its profile. */
export function EnterpriseName({ idx, name, nameEn }: { idx: number; name: string; nameEn?: string | null }) {
  const { i18n } = useTranslation();
  const href = profileHref(idx);
  return <a className="enterprise-link" href={href} data-enterprise={idx} onClick={(e) => followLink(e, href)}>{i18n.language === 'en' && nameEn ? nameEn : name}</a>;
}

/** The page. */
export default function CustomersPage() {
  const { t, i18n } = useTranslation('customers');
  const [park, setPark] = useState<string | null>(param('park'));
  const [q, setQ] = useState(param('q') ?? '');
  const [typed, setTyped] = useState(q);
  const [kind, setKind] = useState<Kind>('all');
  const [res, setRes] = useState<Registry | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<number | null>(Number(param('e')) || null);

  // The park: ?park= or the first one.
  useEffect(() => {
    if (park) return;
    void api.get('/api/twin/parks').then((r) => setPark(r.parks[0]?.code ?? null), (e: Error) => setError(e.message));
  }, [park]);
  // The selected profile follows the address (in-app links to ?e=).
  useEffect(() => {
    const on = () => setSelected(Number(param('e')) || null);
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);
  useEffect(() => {
    const timer = setTimeout(() => setQ(typed.trim()), 300);
    return () => clearTimeout(timer);
  }, [typed]);
  useEffect(() => {
    if (!park) return;
    const ac = new AbortController();
    api.get('/api/customers', { query: { park, q, type: kind, limit: 200 }, signal: ac.signal }).then((r) => {
      setRes(r);
      setError(null);
    }, (e: Error) => {
      if (e.name !== 'AbortError') setError(e.message);
    });
    return () => ac.abort();
  }, [park, q, kind]);
  const close = () => {
    history.pushState(null, '', `/customers${park ? `?park=${encodeURIComponent(park)}` : ''}`);
    setSelected(null);
  };
  const ind = (code: string) => t(`twin:industry.${code}`, { defaultValue: code });
  const empty = res && res.enterprises.length + res.people.length + res.visitors.length === 0;

  return (
    <div className={`cust-page${selected ? ' with-profile' : ''}`} data-view="customers">
      <div className="cust-main">
        <h1>{t('title')}</h1>
        <div className="cust-search">
          <input type="search" value={typed} onChange={(e) => setTyped(e.target.value)} placeholder={t('search')} aria-label={t('search')} data-search maxLength={60} />
          <div className="cust-kinds" role="radiogroup">
            {(['all', 'enterprise', 'person', 'visitor'] as const).map((k) => (
              <button key={k} type="button" role="radio" aria-checked={kind === k} className={kind === k ? 'primary' : ''} data-kind={k} onClick={() => setKind(k)}>
                {t(k === 'all' ? 'all' : k === 'enterprise' ? 'enterprises' : k === 'person' ? 'people' : 'visitors')}
              </button>
            ))}
          </div>
        </div>
        {error && <p className="error" role="alert">{error}</p>}
        {!res && !error && <p className="muted">{t('loading')}</p>}
        {empty && <p className="muted" data-empty>{t('noResult')}</p>}
        {res && res.enterprises.length > 0 && (
          <section className="cust-card" data-results="enterprises">
            <h2>{t('enterprises')} <span className="muted">{t('count', { n: res.totals.enterprises })}</span></h2>
            <div className="cust-table-wrap">
              <table className="cust-table">
                <thead><tr><th>{t('col.name')}</th><th>{t('col.industry')}</th><th className="num">{t('col.staff')}</th><th className="num">{t('col.units')}</th><th className="num">{t('col.area')}</th></tr></thead>
                <tbody>
                  {res.enterprises.map((e) => (
                    <tr key={e.idx} data-idx={e.idx} className={selected === e.idx ? 'selected' : ''}>
                      <td><EnterpriseName idx={e.idx} name={e.name} nameEn={e.nameEn} /></td>
                      <td>{ind(e.industry)}</td><td className="num">{e.staff}</td><td className="num">{e.units}</td><td className="num">{e.leasedArea.toLocaleString(i18n.language)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        )}
        {res && res.people.length > 0 && (
          <section className="cust-card" data-results="people">
            <h2>{t('people')} <span className="muted">{t('count', { n: res.totals.people })}</span></h2>
            <div className="cust-table-wrap">
              <table className="cust-table">
                <thead><tr><th>{t('col.name')}</th><th>{t('col.kind')}</th><th>{t('col.title')}</th><th>{t('col.phone')}</th><th>{t('col.enterprise')}</th></tr></thead>
                <tbody>
                  {res.people.map((p) => (
                    <tr key={`${p.kind}-${p.id}`} data-person={p.kind}>
                      <td>{p.name}</td><td>{t(`personKind.${p.kind}`)}</td><td>{p.title ?? '—'}</td><td>{p.phone ?? '—'}</td>
                      <td><EnterpriseName idx={p.enterpriseIdx} name={p.enterprise} nameEn={p.enterpriseEn} /></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        )}
        {res && res.visitors.length > 0 && (
          <section className="cust-card" data-results="visitors">
            <h2>{t('visitors')} <span className="muted">{t('count', { n: res.totals.visitors })}</span></h2>
            <div className="cust-table-wrap">
              <table className="cust-table">
                <thead><tr><th>{t('col.name')}</th><th>{t('col.company')}</th><th>{t('col.purpose')}</th><th>{t('col.date')}</th><th>{t('col.host')}</th></tr></thead>
                <tbody>
                  {res.visitors.map((v) => (
                    <tr key={v.id} data-visitor={v.id}>
                      <td>{v.name}</td><td>{v.company ?? '—'}</td><td>{v.purpose ?? '—'}</td><td>{v.visitDate}</td>
                      <td>{v.hostIdx && v.host ? <EnterpriseName idx={v.hostIdx} name={v.host} nameEn={v.hostEn} /> : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        )}
      </div>
      {selected && (
        <aside className="cust-side">
          <Profile idx={selected} onClose={close} />
        </aside>
      )}
    </div>
  );
}
