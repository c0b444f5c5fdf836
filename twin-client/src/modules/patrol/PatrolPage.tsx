/**
 * `/patrol`: the security operator's patrol and access-control desk. Rounds with each
 * checkpoint's visit (visited green, missed red with its alarm, due grey), access-point events
 * (refused visitor passes, forced and held-open doors), watch-list hits (the match, never an
 * image), visitor passes (issue with a validity window, revoke) and the routes. Reloaded every
 * few seconds and on every alarm change pushed by the stream.
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, type GetAnswer } from '../../api/client.ts';
import { ObjectLink } from '../../app/links.tsx';
import { useAuth } from '../../auth/SessionGate.tsx';
import './patrol.css';

type Rounds = GetAnswer<'/api/patrol/rounds'>['rounds'];
type Events = GetAnswer<'/api/patrol/access-events'>['events'];
type Watch = GetAnswer<'/api/patrol/watchlist'>;
type Passes = GetAnswer<'/api/patrol/passes'>['passes'];
type Routes = GetAnswer<'/api/patrol/routes'>['routes'];
interface Data { rounds: Rounds; events: Events; watch: Watch; passes: Passes; routes: Routes; at: number }

/** The view. */
export default function PatrolPage() {
  const { t, i18n } = useTranslation('patrol');
  const lang = i18n.language === 'en' ? 'en' : 'zh';
  const locale = lang === 'en' ? 'en-GB' : 'zh-CN';
  const { can } = useAuth();
  const urlPark = new URLSearchParams(location.search).get('park') ?? undefined;
  const [data, setData] = useState<Data | null>(null);
  const [failed, setFailed] = useState(false);
  const load = useCallback(async () => {
    const q = urlPark ? { park: urlPark } : {};
    const [r, e, w, p, ro] = await Promise.all([
      api.get('/api/patrol/rounds', { query: { ...q, limit: 12 }, background: true }),
      api.get('/api/patrol/access-events', { query: { ...q, limit: 40 }, background: true }),
      api.get('/api/patrol/watchlist', { query: { ...q, limit: 20 }, background: true }),
      api.get('/api/patrol/passes', { query: { ...q, limit: 30 }, background: true }),
      api.get('/api/patrol/routes', { query: q, background: true }),
    ]);
    setData({ rounds: r.rounds, events: e.events, watch: w, passes: p.passes, routes: ro.routes, at: Date.now() });
    setFailed(false);
  }, [urlPark]);
  useEffect(() => {
    void load().catch(() => setFailed(true));
    let ws: WebSocket | null = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      try {
        if ((JSON.parse(ev.data) as { type?: string }).type === 'alarms.changed') void load().catch(() => {});
      } catch {
        // not JSON
      }
    };
    const poll = setInterval(() => void load().catch(() => {}), 4000);
    return () => {
      clearInterval(poll);
      ws?.close();
      ws = null;
    };
  }, [load]);

  const time = (s: string) => new Date(s).toLocaleTimeString(locale, { hour12: false });
  const dateTime = (s: string) => new Date(s).toLocaleString(locale, { hour12: false, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  const objName = (o: { idx: number; name: string | null; nameEn: string | null }) => (lang === 'en' ? (o.nameEn ?? o.name) : o.name) ?? `#${o.idx}`;
  const reason = (r: string | null) => {
    if (!r) return '';
    if (r === 'unknown visitor pass') return t('reason.unknown');
    if (r === 'visitor pass revoked') return t('reason.revoked');
    if (r.startsWith('visitor pass valid')) return t('reason.window');
    return '';
  };

  if (failed && !data) return <div className="patrol-page" data-view="patrol"><p className="patrol-error">{t('error')}</p></div>;
  if (!data) return <div className="patrol-page" data-view="patrol"><p>{t('loading')}</p></div>;
  const park = urlPark ?? data.routes[0]?.park;
  return (
    <div className="patrol-page" data-view="patrol">
      <h1>{t('title')} <small className="muted">{t('updated', { t: time(new Date(data.at).toISOString()) })}</small></h1>
      <div className="patrol-grid">
        <section data-patrol="rounds">
          <h2>{t('tabs.rounds')}</h2>
          {data.rounds.length === 0 && <p className="muted">{t('none')}</p>}
          {data.rounds.map((r) => (
            <article key={r.id} className={`patrol-round round-${r.state}`} data-round={r.id} data-round-state={r.state}>
              <header>
                <strong>{lang === 'en' ? r.routeName.en : r.routeName.zh}</strong>
                <span className="patrol-badge">{t(`round.${r.state}`)}</span>
                <small>{t('round.planned', { t: dateTime(r.plannedAt) })}</small>
              </header>
              <ul className="patrol-visits">
                {r.visits.map((v) => (
                  <li key={v.n} className={`visit-${v.state}`} data-visit={v.tag} data-visit-state={v.state} title={v.guard ? t('round.guard', { who: v.guard }) : t('visit.due', { t: time(v.dueAt) })}>
                    {v.tag} · {objName(v)} · {t(`visit.${v.state}`)}{v.state === 'visited' && v.visitedAt ? ` ${time(v.visitedAt)}` : ''}{v.state === 'pending' ? ` ${t('visit.due', { t: time(v.dueAt) })}` : ''}
                  </li>
                ))}
              </ul>
            </article>
          ))}
        </section>
        <section data-patrol="access">
          <h2>{t('tabs.access')}</h2>
          {data.events.length === 0 ? <p className="muted">{t('none')}</p> : (
            <table className="patrol-table">
              <thead><tr><th>{t('col.time')}</th><th>{t('col.point')}</th><th>{t('col.event')}</th><th>{t('col.outcome')}</th><th className="wide">{t('col.detail')}</th></tr></thead>
              <tbody>
                {data.events.map((e) => (
                  <tr key={e.id} className={`out-${e.outcome}`} data-access={e.id} data-event={e.event} data-outcome={e.outcome}>
                    <td>{time(e.at)}</td>
                    <td><ObjectLink idx={e.idx}>{objName(e)}</ObjectLink></td>
                    <td>{t(`event.${e.event}`)}{e.heldSeconds ? ` ${t('held', { s: e.heldSeconds })}` : ''}</td>
                    <td><span className="patrol-badge">{t(`outcome.${e.outcome}`)}</span></td>
                    <td className="wide">
                      {[e.pass ? t('pass', { code: e.pass }) : e.card ? t('card', { card: e.card }) : '', e.visitor ?? '', reason(e.reason), e.alarm ? t('alarm', { id: e.alarm }) : ''].filter(Boolean).join(' · ')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section data-patrol="watch">
          <h2>{t('tabs.watch')}</h2>
          {data.watch.hits.length === 0 ? <p className="muted">{t('none')}</p> : (
            <table className="patrol-table">
              <thead><tr><th>{t('col.time')}</th><th>{t('col.terminal')}</th><th>{t('col.entry')}</th><th>{t('col.score')}</th></tr></thead>
              <tbody>
                {data.watch.hits.map((h) => (
                  <tr key={h.id} className="out-alarm" data-hit={h.id}>
                    <td>{time(h.at)}</td><td><ObjectLink idx={h.idx}>{objName(h)}</ObjectLink></td><td>{h.label} ({h.entry})</td><td>{Math.round(h.score * 100)}%</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section data-patrol="passes">
          <h2>{t('tabs.passes')}</h2>
          {can('security:write') && park ? <NewPass park={park} onDone={() => void load().catch(() => {})} /> : <p className="muted">{t('noWrite')}</p>}
          <table className="patrol-table">
            <thead><tr><th>{t('col.code')}</th><th>{t('col.visitor')}</th><th className="wide">{t('col.host')}</th><th>{t('col.valid')}</th><th>{t('col.status')}</th><th /></tr></thead>
            <tbody>
              {data.passes.map((p) => (
                <tr key={p.id} data-pass={p.code} data-pass-status={p.status} className={p.status === 'valid' ? 'out-granted' : 'out-denied'}>
                  <td>{p.code}</td><td>{p.visitor}</td><td className="wide">{p.host}</td><td>{dateTime(p.validFrom)} – {dateTime(p.validTo)}</td>
                  <td><span className="patrol-badge">{t(`status.${p.status}`)}</span></td>
                  <td>{can('security:write') && p.status !== 'revoked' && p.status !== 'expired' && (
                    <button type="button" data-action="patrol.revoke" onClick={() => void api.post('/api/patrol/passes/{id}/revoke', { params: { id: p.id }, body: {} }).then(load, () => {})}>{t('newPass.revoke')}</button>
                  )}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section data-patrol="routes">
          <h2>{t('tabs.routes')}</h2>
          {data.routes.map((r) => (
            <div key={r.id} className="patrol-route" data-route={r.code}>
              <strong>{lang === 'en' ? r.name.en : r.name.zh}</strong>
              {r.schedules.map((s) => <small key={s.id}> · {t('schedule', { m: Math.round(s.everyS / 60), g: s.graceS })}</small>)}
              <ol>{r.checkpoints.map((c) => <li key={c.n}>{c.tag} · <ObjectLink idx={c.idx}>{objName(c)}</ObjectLink> · {t('due', { m: Math.round(c.dueS / 6) / 10 })}</li>)}</ol>
            </div>
          ))}
        </section>
      </div>
    </div>
  );
}

/** The form that issues a visitor pass (validity window at most 30 days; the server checks again). */
function NewPass({ park, onDone }: { park: string; onDone: () => void }) {
  const { t } = useTranslation('patrol');
  const local = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  const [f, setF] = useState(() => ({ visitor: '', host: '', from: local(new Date()), to: local(new Date(Date.now() + 4 * 3_600_000)) }));
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const submit = async () => {
    const from = new Date(f.from);
    const to = new Date(f.to);
    if (!f.visitor.trim() || !f.host.trim() || Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) return setMsg({ ok: false, text: t('newPass.bad') });
    try {
      const p = await api.post('/api/patrol/passes', { body: { park, visitor: f.visitor.trim(), host: f.host.trim(), validFrom: from.toISOString(), validTo: to.toISOString() } });
      setMsg({ ok: true, text: t('newPass.issued', { code: p.code }) });
      setF({ ...f, visitor: '' });
      onDone();
    } catch (e) {
      setMsg({ ok: false, text: e instanceof ApiError && (e.status === 400 || e.status === 422) ? t('newPass.bad') : t('error') });
    }
  };
  return (
    <form className="patrol-form" data-form="pass" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
      <label>{t('newPass.visitor')}<input name="visitor" value={f.visitor} maxLength={60} onChange={(e) => setF({ ...f, visitor: e.target.value })} /></label>
      <label>{t('newPass.host')}<input name="host" value={f.host} maxLength={100} onChange={(e) => setF({ ...f, host: e.target.value })} /></label>
      <label>{t('newPass.from')}<input name="from" type="datetime-local" value={f.from} onChange={(e) => setF({ ...f, from: e.target.value })} /></label>
      <label>{t('newPass.to')}<input name="to" type="datetime-local" value={f.to} onChange={(e) => setF({ ...f, to: e.target.value })} /></label>
      <button type="submit" data-action="patrol.issue">{t('newPass.submit')}</button>
      {msg && <span className={msg.ok ? 'muted' : 'patrol-error'} role="status" data-pass-msg={msg.ok ? 'ok' : 'error'}>{msg.text}</span>}
    </form>
  );
}
