/**
 * The twin's enterprise panel section: the profile in brief (tags, size, output growth, leased
 * units, payment) with a link to the full profile. Labelled fields only, in the UI language.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { followLink } from '../../app/links.tsx';
import type { SectionProps } from '../types.ts';
import type { ProfileData } from './Profile.tsx';
import { profileHref } from './strings.ts';
import './customers.css';

/** The section. */
export default function EnterpriseSection({ obj }: SectionProps) {
  const { t, i18n } = useTranslation('customers');
  const lang = i18n.language;
  const [p, setP] = useState<ProfileData | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const ac = new AbortController();
    setP(null);
    api.get('/api/customers/enterprises/{idx}', { params: { idx: obj.idx }, signal: ac.signal }).then(setP, (e: Error) => {
      if (e.name !== 'AbortError') setError(e.message);
    });
    return () => ac.abort();
  }, [obj.idx]);
  if (error) return <p className="error">{error}</p>;
  if (!p) return <p className="muted">{t('loading')}</p>;
  const href = profileHref(p.idx);
  const growth = p.economy.growth === null ? '—' : `${p.economy.growth >= 0 ? '+' : '−'}${(Math.abs(p.economy.growth) * 100).toFixed(1)}%`;
  return (
    <div className="cust-summary" data-enterprise-summary={p.idx}>
      <div className="cust-tags">{p.tags.map((g) => <span key={g} className={`cust-tag tag-${g}`} data-tag={g}>{t(`tag.${g}`)}</span>)}</div>
      <table className="attrs"><tbody>
        <tr data-field="size"><th>{t('f.size')}</th><td>{t(`sizeClass.${p.size}`)}</td></tr>
        <tr data-field="growth"><th>{t('f.growth')}</th><td>{growth}</td></tr>
        <tr data-field="leasedArea"><th>{t('f.leasedArea')}</th><td>{p.leasedArea.toLocaleString(lang)} · {p.units.length}</td></tr>
        <tr data-field="onTimeRate"><th>{t('f.onTimeRate')}</th><td>{p.payment.onTimeRate === null ? '—' : `${(p.payment.onTimeRate * 100).toFixed(0)}%`}</td></tr>
      </tbody></table>
      <a className="action" href={href} data-profile-link={p.idx} onClick={(e) => followLink(e, href)}>{t('profile')}</a>
    </div>
  );
}
