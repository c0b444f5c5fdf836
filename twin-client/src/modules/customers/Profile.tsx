/**
 * An enterprise's profile (GET /api/customers/enterprises/:idx): tags, advice for managers,
 * labelled register fields, business figures with a 12-month output chart, leased units (each a
 * link into the twin), services, alarms, payment behaviour, contacts (staff with customers:write
 * add and remove them) and staff accounts.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type GetAnswer } from '../../api/client.ts';
import { ObjectLink } from '../../app/links.tsx';
import { useModuleAccess } from '../registry.ts';

export type ProfileData = GetAnswer<'/api/customers/enterprises/{idx}'>;

const fmt = (v: number | null | undefined, digits = 0, lang = 'zh-CN') => (v === null || v === undefined ? '—' : v.toLocaleString(lang, { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const pct = (v: number | null, lang: string) => (v === null ? '—' : `${v >= 0 ? '' : '−'}${fmt(Math.abs(v) * 100, 1, lang)}%`);

/** Twelve months of output as bars (SVG, scales to its box). */
function OutputBars({ months, title }: { months: ProfileData['economy']['months']; title: string }) {
  if (months.length === 0) return null;
  const max = Math.max(...months.map((m) => m.output), 1);
  const w = 100 / months.length;
  return (
    <figure className="cust-bars" data-chart="output">
      <figcaption>{title}</figcaption>
      <svg viewBox="0 0 100 40" preserveAspectRatio="none" role="img" aria-label={title}>
        {months.map((m, i) => {
          const h = (m.output / max) * 36;
          return <rect key={m.month} x={i * w + w * 0.15} y={40 - h} width={w * 0.7} height={h} fill="#2f81f7"><title>{`${m.month}: ${m.output}`}</title></rect>;
        })}
      </svg>
      <div className="cust-bars-axis"><span>{months[0]!.month}</span><span>{months[months.length - 1]!.month}</span></div>
    </figure>
  );
}

/** Contacts with the add form (customers:write). */
function Contacts({ p, reload }: { p: ProfileData; reload: () => void }) {
  const { t } = useTranslation('customers');
  const can = useModuleAccess().can('customers:write');
  const [name, setName] = useState('');
  const [title, setTitle] = useState('');
  const [phone, setPhone] = useState('');
  const [primary, setPrimary] = useState(false);
  const [msg, setMsg] = useState<string | null>(null);
  const add = async (e: FormEvent) => {
    e.preventDefault();
    setMsg(null);
    try {
      await api.post('/api/customers/enterprises/{idx}/contacts', { params: { idx: p.idx }, body: { name, ...(title ? { title } : {}), ...(phone ? { phone } : {}), primary } });
      setName('');
      setTitle('');
      setPhone('');
      reload();
    } catch (err) {
      setMsg((err as Error).message);
    }
  };
  const remove = async (id: number) => {
    try {
      await api.delete('/api/customers/contacts/{id}', { params: { id } });
      reload();
    } catch (err) {
      setMsg((err as Error).message);
    }
  };
  return (
    <section className="cust-card" data-part="contacts">
      <h3>{t('contacts')}</h3>
      {p.contacts.length === 0 ? <p className="muted">{t('none')}</p> : (
        <ul className="cust-list">
          {p.contacts.map((c) => (
            <li key={c.id} data-contact={c.id}>
              <b>{c.name}</b>{c.primary && <span className="cust-tag">{t('primary')}</span>} {c.title ?? ''} {c.phone ?? ''} {c.email ?? ''}
              {can && <button type="button" className="link" onClick={() => void remove(c.id)}>{t('remove')}</button>}
            </li>
          ))}
        </ul>
      )}
      {can && (
        <form className="cust-form" onSubmit={(e) => void add(e)} data-form="contact">
          <input required maxLength={60} placeholder={t('contactName')} aria-label={t('contactName')} value={name} onChange={(e) => setName(e.target.value)} />
          <input maxLength={60} placeholder={t('contactTitle')} aria-label={t('contactTitle')} value={title} onChange={(e) => setTitle(e.target.value)} />
          <input maxLength={20} placeholder={t('contactPhone')} aria-label={t('contactPhone')} value={phone} onChange={(e) => setPhone(e.target.value)} />
          <label><input type="checkbox" checked={primary} onChange={(e) => setPrimary(e.target.checked)} /> {t('primary')}</label>
          <button type="submit" className="primary">{t('addContact')}</button>
        </form>
      )}
      {msg && <p className="error" role="alert">{msg}</p>}
    </section>
  );
}

/** The profile of enterprise `idx`. */
export function Profile({ idx, onClose }: { idx: number; onClose?: () => void }) {
  const { t, i18n } = useTranslation('customers');
  const lang = i18n.language;
  const en = lang === 'en';
  const [p, setP] = useState<ProfileData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [n, setN] = useState(0);
  const reload = useCallback(() => setN((x) => x + 1), []);
  useEffect(() => {
    const ac = new AbortController();
    setError(null);
    api.get('/api/customers/enterprises/{idx}', { params: { idx }, signal: ac.signal }).then(setP, (e: Error) => {
      if (e.name !== 'AbortError') setError(e.message);
    });
    return () => ac.abort();
  }, [idx, n]);
  if (error) return <div className="cust-profile" data-profile={idx}><p className="error" role="alert">{error}</p></div>;
  if (!p || p.idx !== idx) return <div className="cust-profile" data-profile={idx}><p className="muted">{t('loading')}</p></div>;
  const ec = p.economy;
  const yn = (b: boolean) => (b ? t('yes') : t('no'));
  const rows: [string, string][] = [
    ['creditCode', p.creditCode], ['industry', t(`twin:industry.${p.industry}`, { defaultValue: p.industry })], ['size', t(`sizeClass.${p.size}`)],
    ['staff', fmt(p.staff, 0, lang)], ['registeredCapital', fmt(p.registeredCapital, 0, lang)], ['founded', p.founded ?? '—'],
    ['isLeading', yn(p.isLeading)], ['highTech', yn(p.highTech)], ['leasedArea', fmt(p.leasedArea, 1, lang)],
  ];
  const svc = (v: number | null) => (v === null ? t('notPresent') : fmt(v, 0, lang));
  return (
    <div className="cust-profile" data-profile={p.idx}>
      <header className="cust-profile-head">
        <h2 data-profile-name>{en && p.nameEn ? p.nameEn : p.name}</h2>
        <div className="cust-actions">
          <ObjectLink idx={p.idx} className="action">{t('openTwin')}</ObjectLink>
          {onClose && <button type="button" onClick={onClose}>{t('close')}</button>}
        </div>
      </header>
      <div className="cust-tags" data-tags={p.tags.join(' ')}>
        {p.tags.map((g) => <span key={g} className={`cust-tag tag-${g}`} data-tag={g}>{t(`tag.${g}`)}</span>)}
      </div>
      {p.advice.length > 0 && (
        <section className="cust-card cust-advice" data-part="advice">
          <h3>{t('adviceTitle')}</h3>
          <ul>{p.advice.map((a) => <li key={a.code} data-advice={a.code}>{t(`advice.${a.code}`, { amount: fmt(a.amount ?? 0, 0, lang), units: a.units?.length ?? 0 })}</li>)}</ul>
        </section>
      )}
      <div className="cust-grid">
        <section className="cust-card" data-part="basics">
          <h3>{t('basics')}</h3>
          <table className="attrs"><tbody>{rows.map(([k, v]) => <tr key={k} data-field={k}><th>{t(`f.${k}`)}</th><td>{v}</td></tr>)}</tbody></table>
        </section>
        <section className="cust-card" data-part="business">
          <h3>{t('business')}</h3>
          <table className="attrs"><tbody>
            <tr data-field="output12"><th>{t('f.output12')}</th><td>{fmt(ec.output12, 1, lang)}</td></tr>
            <tr data-field="growth"><th>{t('f.growth')}</th><td className={ec.growth !== null && ec.growth < 0 ? 'down' : 'up'}>{pct(ec.growth, lang)}</td></tr>
            <tr data-field="revenue12"><th>{t('f.revenue12')}</th><td>{fmt(ec.revenue12, 1, lang)}</td></tr>
            <tr data-field="tax12"><th>{t('f.tax12')}</th><td>{fmt(ec.tax12, 1, lang)}</td></tr>
            <tr data-field="rdIntensity"><th>{t('f.rdIntensity')}</th><td>{pct(ec.rdIntensity, lang)}</td></tr>
            <tr data-field="energyIntensity"><th>{t('f.energyIntensity')}</th><td>{fmt(ec.energyIntensity, 1, lang)} <span className="muted">({t('f.parkMedian')} {fmt(ec.parkMedianIntensity, 1, lang)})</span></td></tr>
          </tbody></table>
          <OutputBars months={ec.months} title={t('f.months')} />
        </section>
        <section className="cust-card" data-part="units">
          <h3>{t('unitsTitle')}</h3>
          {p.units.length === 0 ? <p className="muted">{t('none')}</p> : (
            <div className="cust-table-wrap"><table className="cust-table cust-units"><tbody>
              {p.units.map((u) => (
                <tr key={u.idx} data-unit={u.idx}>
                  <td><ObjectLink idx={u.idx} at={{ building: u.building, floor: u.floor, layer: 'lease' }}>{u.buildingName} {u.code}</ObjectLink></td>
                  <td>{fmt(u.area, 1, lang)} m²</td><td>{t('f.leaseEnd')} {u.leaseEnd}</td>
                </tr>
              ))}
            </tbody></table></div>
          )}
        </section>
        <section className="cust-card" data-part="services">
          <h3>{t('services')}</h3>
          <table className="attrs"><tbody>
            <tr data-field="repairs"><th>{t('f.repairs')}</th><td>{svc(p.services.repairs)}</td></tr>
            <tr data-field="openRepairs"><th>{t('f.openRepairs')}</th><td>{svc(p.services.openRepairs)}</td></tr>
            <tr data-field="bookings"><th>{t('f.bookings')}</th><td>{svc(p.services.bookings)}</td></tr>
            <tr data-field="mealCards"><th>{t('f.mealCards')}</th><td>{svc(p.services.mealCards)}</td></tr>
            <tr data-field="mealSpend"><th>{t('f.mealSpend')}</th><td>{p.services.mealSpend30d === null ? t('notPresent') : fmt(p.services.mealSpend30d, 2, lang)}</td></tr>
            <tr data-field="visitors90d"><th>{t('f.visitors90d')}</th><td>{fmt(p.visitors90d, 0, lang)}</td></tr>
          </tbody></table>
        </section>
        <section className="cust-card" data-part="alarms">
          <h3>{t('alarmsTitle')}</h3>
          <table className="attrs"><tbody>
            <tr data-field="last90d"><th>{t('f.last90d')}</th><td>{p.alarms.last90d}</td></tr>
            <tr data-field="open"><th>{t('f.open')}</th><td>{p.alarms.open}</td></tr>
          </tbody></table>
        </section>
        <section className="cust-card" data-part="payment">
          <h3>{t('payment')}</h3>
          <table className="attrs"><tbody>
            <tr data-field="onTimeRate"><th>{t('f.onTimeRate')}</th><td>{pct(p.payment.onTimeRate, lang)} <span className="muted">({p.payment.onTime}/{p.payment.invoices})</span></td></tr>
            <tr data-field="avgDaysLate"><th>{t('f.avgDaysLate')}</th><td>{fmt(p.payment.avgDaysLate, 1, lang)}</td></tr>
            <tr data-field="overdue"><th>{t('f.overdue')}</th><td className={p.payment.overdueCount > 0 ? 'down' : ''}>{p.payment.overdueCount > 0 ? `${p.payment.overdueCount} · ¥${fmt(p.payment.overdueAmount, 0, lang)}` : t('none')}</td></tr>
          </tbody></table>
        </section>
        <Contacts p={p} reload={reload} />
        {p.accounts.length > 0 && (
          <section className="cust-card" data-part="accounts">
            <h3>{t('accounts')}</h3>
            <ul className="cust-list">{p.accounts.map((a) => <li key={a.username}>{a.name} <span className="muted">{a.username}</span></li>)}</ul>
          </section>
        )}
      </div>
    </div>
  );
}
