/**
 * The pipeline view (`/leasing`): the funnel (count and area per stage, conversion, win rate),
 * the guest links (create from unit numbers, copy, revoke) and the opportunities list of the
 * records kit below.
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { RecordsPage } from '../../kit/RecordsPage.tsx';
import { kitFetch } from '../../kit/api.ts';
import './leasing.css';

interface Funnel {
  stages: { stage: string; count: number; area: number; reached: number; conversion: number | null }[];
  lost: { count: number; area: number };
  open: number;
  winRate: number | null;
}
interface GuestLink { id: number; title: string; units: number[]; expiresAt: string; revokedAt: string | null; opens: number }

const STAGE = { lead: ['线索', 'Lead'], visit: ['带看', 'Visit'], proposal: ['方案', 'Proposal'], negotiation: ['谈判', 'Negotiation'], signed: ['已签约', 'Signed'] } as const;
const T = {
  funnel: ['招商漏斗', 'Funnel'], count: ['个', ''], conv: ['转化', 'conversion'], win: ['成交率', 'Win rate'], lost: ['流失', 'Lost'],
  links: ['访客链接', 'Guest links'], title: ['标题', 'Title'], units: ['房源编号（逗号分隔）', 'Unit numbers (comma separated)'], days: ['有效天数', 'Valid days'],
  create: ['生成链接', 'Create link'], revoke: ['撤销', 'Revoke'], revoked: ['已撤销', 'Revoked'], opens: ['打开次数', 'Opens'], until: ['有效期至', 'Valid until'],
  copy: ['新链接（仅显示一次）', 'New link (shown once)'],
} as const;

/** The page. */
export default function PipelinePage() {
  const { i18n } = useTranslation();
  const en = i18n.language.startsWith('en') ? 1 : 0;
  const l = (k: keyof typeof T) => T[k][en];
  const [funnel, setFunnel] = useState<Funnel | null>(null);
  const [links, setLinks] = useState<GuestLink[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [made, setMade] = useState<string | null>(null);
  const [form, setForm] = useState({ title: '', units: '', days: 14 });
  const load = useCallback(() => {
    kitFetch<Funnel>('GET', '/api/leasing/funnel').then(setFunnel, (e: Error) => setError(e.message));
    kitFetch<{ links: GuestLink[] }>('GET', '/api/leasing/guest-links').then((r) => setLinks(r.links), (e: Error) => setError(e.message));
  }, []);
  useEffect(load, [load]);
  const create = async () => {
    setError(null);
    try {
      const units = form.units.split(/[,，\s]+/).filter(Boolean).map(Number);
      const r = await kitFetch<{ url: string }>('POST', '/api/leasing/guest-links', { title: form.title, units, days: Number(form.days) });
      setMade(`${location.origin}${r.url}`);
      load();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const revoke = async (id: number) => {
    await kitFetch('DELETE', `/api/leasing/guest-links/${id}`).catch((e: Error) => setError(e.message));
    load();
  };
  const max = Math.max(1, ...(funnel?.stages.map((s) => s.reached) ?? [1]));
  return (
    <div className="leasing-page">
      <div className="leasing-top">
        <section className="panel leasing-funnel" data-funnel>
          <h2>{l('funnel')}</h2>
          {funnel?.stages.map((s) => (
            <div key={s.stage} className="funnel-row" data-stage={s.stage} data-count={s.count}>
              <span className="funnel-label">{STAGE[s.stage as keyof typeof STAGE]?.[en] ?? s.stage}</span>
              <span className="funnel-bar" style={{ width: `${(s.reached / max) * 100}%` }} />
              <span className="funnel-n">{s.count}{l('count')} · {s.area.toLocaleString()} m²{s.conversion !== null ? ` · ${l('conv')} ${s.conversion}%` : ''}</span>
            </div>
          ))}
          {funnel && <p className="muted">{l('lost')} {funnel.lost.count} · {l('win')} {funnel.winRate ?? '—'}%</p>}
        </section>
        <section className="panel leasing-links" data-guest-links>
          <h2>{l('links')}</h2>
          <div className="link-form">
            <input aria-label={l('title')} placeholder={l('title')} value={form.title} onChange={(e) => setForm({ ...form, title: e.target.value })} />
            <input aria-label={l('units')} placeholder={l('units')} value={form.units} onChange={(e) => setForm({ ...form, units: e.target.value })} />
            <input aria-label={l('days')} type="number" min={1} max={90} value={form.days} onChange={(e) => setForm({ ...form, days: Number(e.target.value) })} />
            <button type="button" onClick={() => void create()}>{l('create')}</button>
          </div>
          {made && <p className="made">{l('copy')}: <a href={made} data-guest-url target="_blank" rel="noreferrer">{made}</a></p>}
          {error && <p className="error" role="alert">{error}</p>}
          <ul>
            {links.map((k) => (
              <li key={k.id} data-link={k.id}>
                <b>{k.title}</b> · {k.units.length} · {l('until')} {k.expiresAt.slice(0, 10)} · {l('opens')} {k.opens}
                {k.revokedAt ? <span className="muted"> · {l('revoked')}</span> : <button type="button" onClick={() => void revoke(k.id)}>{l('revoke')}</button>}
              </li>
            ))}
          </ul>
        </section>
      </div>
      <div className="leasing-records"><RecordsPage path="leasing/opportunities" /></div>
    </div>
  );
}
