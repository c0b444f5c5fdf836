/**
 * One work order on the dispatcher's desk: every value labelled and in the UI language (state,
 * priority, trade, source, fault as the alarm kind's label, the crew and assignees by name, times
 * in the park's local time), the transitions the caller may fire (dispatch to a crew chosen by
 * name, verify, send back, cancel, rate and close), comments, photos and the history.
 * Replaces the records kit's generic detail on the desk, which shows stored codes and ids.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, type GetAnswer } from '../../api/client.ts';
import { navigate, twinHref, viewHref } from '../../app/links.tsx';
import { kindLabel } from '../alarms/text.ts';

type Detail = GetAnswer<'/api/workorders/{id}'>;
type Extra = GetAnswer<'/api/workorders/{id}/extra'>;
type Crew = GetAnswer<'/api/maintenance/crews'>['crews'][number];
type Bilingual = { zh: string; en: string };

/** The park's time zone (the sample park and every park so far are in China). */
export const PARK_TIME_ZONE = 'Asia/Shanghai';

/** A time as the park's clock shows it: `2026-12-07 18:05` (zh-CN) / `07/12/2026, 18:05` (en-GB). */
export function parkTime(iso: string | null | undefined, language: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const en = language.startsWith('en');
  const f = new Intl.DateTimeFormat(en ? 'en-GB' : 'zh-CN', {
    timeZone: PARK_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  });
  if (en) return f.format(d);
  const p = Object.fromEntries(f.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** Transitions that ask for a field first, and the field. */
const ASKS: Readonly<Record<string, 'crew' | 'holdReason' | 'resolution' | 'rating'>> = { dispatch: 'crew', hold: 'holdReason', finish: 'resolution', close: 'rating' };

/** The detail. */
export function DeskDetail({ id, onChanged, onClose }: { id: number; onChanged: () => void; onClose: () => void }) {
  const { t, i18n } = useTranslation('workorders');
  const lang = i18n.language;
  const en = lang.startsWith('en');
  const pick = (l: Bilingual | null | undefined) => (l ? (en ? l.en : l.zh) : '');
  const [d, setD] = useState<Detail | null>(null);
  const [x, setX] = useState<Extra | null>(null);
  const [crews, setCrews] = useState<Crew[]>([]);
  const [trades, setTrades] = useState<Record<string, Bilingual>>({});
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState<string | null>(null);
  const [value, setValue] = useState('');
  const [feedback, setFeedback] = useState('');
  const [note, setNote] = useState('');
  const [comment, setComment] = useState('');

  const load = useCallback(async () => {
    const [a, b] = await Promise.all([api.get('/api/workorders/{id}', { params: { id } }), api.get('/api/workorders/{id}/extra', { params: { id } })]);
    setD(a);
    setX(b);
  }, [id]);
  useEffect(() => {
    setD(null);
    load().catch((e: Error) => setNotice(t('error', { message: e.message })));
  }, [load, t]);
  useEffect(() => {
    void api.get('/api/maintenance/crews', { background: true }).then((r) => setCrews(r.crews), () => setCrews([]));
    void api.get('/api/maintenance/dispatch-rules', { background: true }).then((r) => setTrades(Object.fromEntries(r.trades.map((c) => [c.code, c.name]))), () => {});
  }, []);

  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setNotice(null);
    try {
      await fn();
      setAsking(null);
      setValue('');
      setFeedback('');
      setNote('');
      onChanged();
    } catch (e) {
      setNotice(e instanceof ApiError && e.status === 409 && /changed by someone else/.test(e.message) ? t('changed')
        : e instanceof ApiError && e.status === 403 ? t('desk.noPermission') : t('error', { message: (e as Error).message }));
    } finally {
      setBusy(false);
      await load().catch(() => {});
    }
  };

  if (!d || !x) return <div className="kit-detail wo-desk-detail">{notice ?? t('loading')}</div>;
  const r = d.record;
  const data = r.data as Record<string, unknown>;
  const text = (k: string) => (typeof data[k] === 'string' && data[k] !== '' ? String(data[k]) : null);
  const fire = (name: string, extra?: Record<string, unknown>) => run(() => api.post('/api/workorders/{id}/transitions/{name}', {
    params: { id, name }, body: { version: r.version, ...(note.trim() ? { note: note.trim() } : {}), ...(extra ? { data: extra } : {}) },
  }));
  const submitAsk = (e: FormEvent) => {
    e.preventDefault();
    if (!asking) return;
    const field = ASKS[asking]!;
    if (field === 'crew' || field === 'rating') {
      if (!value) return setNotice(t('needText'));
      return void fire(asking, field === 'rating' ? { rating: Number(value), ...(feedback.trim() ? { feedback: feedback.trim() } : {}) } : { crew: Number(value) });
    }
    if (value.trim().length < 2) return setNotice(t('needText'));
    void fire(asking, { [field]: value.trim() });
  };
  const stateLabel = (s: string) => t(`state.${s}`, { defaultValue: t('desk.unknown') });
  const trade = x.trade ? pick(trades[x.trade]) || t('desk.unknown') : null;
  // Names the server stores for the platform itself (in Chinese) shown in the UI language.
  const byName = (n: string | null | undefined) => (!n || n === '系统' ? t('desk.system') : n === '自动派单' ? t('desk.autoDispatch') : n);
  // The automatic dispatch notes the crew's code and distance: shown as the crew's name.
  const noteOf = (h: Detail['transitions'][number]) => {
    const m = h.transition === 'dispatch' && h.note ? /^(\S+)(?: (\d+) m)?$/.exec(h.note) : null;
    const c = m ? crews.find((x) => x.code === m[1]) : undefined;
    return c ? `${pick(c.name)}${m![2] ? ` · ${t('desk.metres', { m: m![2] })}` : ''}` : h.note;
  };
  const people = (ids: readonly string[]) => ids.map((u) => d.assigneeNames[u] ?? t('desk.unknownUser')).join('、');
  const overdue = r.dueAt !== null && Date.parse(r.dueAt) < Date.now();
  const fault = text('fault');
  const rating = typeof data.rating === 'number' ? data.rating : null;

  return (
    <div className="kit-detail wo-desk-detail" data-record={r.id} data-state={r.state} data-version={r.version}>
      <div className="kit-detail-head">
        <h3><span data-wo="code">{x.code}</span> · {en && text('titleEn') ? text('titleEn') : r.title}</h3>
        <button type="button" className="kit-close" onClick={onClose} aria-label={t('desk.close')}>×</button>
      </div>
      <dl className="kit-facts wo-facts" data-wo="facts">
        <dt>{t('fact.state')}</dt><dd><span className={`wo-state wo-state-${r.state}`} data-wo="state">{stateLabel(r.state)}</span></dd>
        <dt>{t('fact.priority')}</dt><dd data-wo="priority"><span className={`wo-badge wo-badge-${x.priority}`}>{t(`priority.${x.priority}`, { defaultValue: t('desk.unknown') })}</span></dd>
        {trade && <><dt>{t('fact.trade')}</dt><dd data-wo="trade">{trade}</dd></>}
        <dt>{t('fact.source')}</dt>
        <dd data-wo="source">{t(`source.${x.source}`, { defaultValue: t('desk.unknown') })}
          {x.alarmId !== null && (
            <> · <a data-wo="alarm" href={viewHref('/alarms', { id: x.alarmId, state: 'all' })}
              onClick={(e) => { e.preventDefault(); navigate(viewHref('/alarms', { id: x.alarmId!, state: 'all' })); }}>
              {t('fact.alarm')} #{x.alarmId}</a>{x.alarmState ? ` (${t(`alarmState.${x.alarmState}`, { defaultValue: '' })})` : ''}</>
          )}</dd>
        {fault && <><dt>{t('desk.fault')}</dt><dd data-wo="fault">{kindLabel({ kind: fault, ruleName: null }, lang)}</dd></>}
        <dt>{t('fact.object')}</dt>
        <dd>{r.objectIdx ? <a href={twinHref(r.objectIdx)} onClick={(e) => { e.preventDefault(); navigate(twinHref(r.objectIdx!)); }}>{r.objectName}</a> : '—'}
          {x.equipment && <span className="wo-muted"> · {x.equipment.manufacturer} {x.equipment.model}</span>}</dd>
        <dt>{t('fact.crew')}</dt><dd data-wo="crew">{x.crew ? pick(x.crew.name) : t('desk.noCrew')}</dd>
        <dt>{t('desk.assignees')}</dt><dd data-wo="assignees">{r.assignees.length ? people(r.assignees) : t('desk.nobody')}</dd>
        <dt>{t('desk.created')}</dt><dd data-wo="created">{byName(r.createdByName)} · <time dateTime={r.createdAt}>{parkTime(r.createdAt, lang)}</time></dd>
        <dt>{t('desk.since')}</dt><dd data-wo="since"><time dateTime={r.stateSince}>{parkTime(r.stateSince, lang)}</time></dd>
        <dt>{t('fact.due')}</dt>
        <dd data-wo="due" className={overdue ? 'wo-over' : ''}>{r.dueAt ? <><time dateTime={r.dueAt}>{parkTime(r.dueAt, lang)}</time>{overdue ? ` · ${t('desk.overdue')}` : ''}</> : t('due.none')}</dd>
        {text('description') && <><dt>{t('desk.description')}</dt><dd data-wo="description">{en && text('descriptionEn') ? text('descriptionEn') : text('description')}</dd></>}
        {text('holdReason') && <><dt>{t('holdReason')}</dt><dd>{text('holdReason')}</dd></>}
        {text('resolution') && <><dt>{t('resolution')}</dt><dd data-wo="resolution">{text('resolution')}</dd></>}
        {rating !== null && <><dt>{t('desk.rating')}</dt><dd data-wo="rating">{t('desk.stars', { n: rating })}</dd></>}
        {text('feedback') && <><dt>{t('desk.feedback')}</dt><dd>{text('feedback')}</dd></>}
      </dl>

      {notice && <div className="kit-error" role="alert" data-kit="message">{notice}</div>}
      {d.allowed.length > 0 && !asking && (
        <div className="kit-transitions">
          <input type="text" placeholder={t('desk.note')} aria-label={t('desk.note')} value={note} onChange={(e) => setNote(e.target.value)} />
          {d.allowed.map((name) => (
            <button key={name} type="button" className="primary" data-transition={name} disabled={busy}
              onClick={() => (ASKS[name] ? (setAsking(name), setValue('')) : void fire(name))}>{t(`act.${name}`, { defaultValue: t('desk.unknown') })}</button>
          ))}
        </div>
      )}
      {asking && (
        <form className="wo-ask" data-form={`transition-${asking}`} onSubmit={submitAsk}>
          {ASKS[asking] === 'crew' && (
            <label>{t('fact.crew')}
              <select value={value} onChange={(e) => setValue(e.target.value)} data-field="crew">
                <option value="">{t('desk.pickCrew')}</option>
                {crews.map((c) => <option key={c.id} value={c.id}>{pick(c.name)} · {pick(trades[c.trade]) || ''} · {c.onDuty ? t('desk.onDuty') : t('desk.offDuty')}</option>)}
              </select>
            </label>
          )}
          {ASKS[asking] === 'rating' && (
            <>
              <label>{t('desk.rating')}
                <select value={value} onChange={(e) => setValue(e.target.value)} data-field="rating">
                  <option value="">{t('desk.pickRating')}</option>
                  {[5, 4, 3, 2, 1].map((n) => <option key={n} value={n}>{t('desk.stars', { n })}</option>)}
                </select>
              </label>
              <label>{t('desk.feedback')}<textarea value={feedback} onChange={(e) => setFeedback(e.target.value)} rows={2} maxLength={500} data-field="feedback" /></label>
            </>
          )}
          {(ASKS[asking] === 'holdReason' || ASKS[asking] === 'resolution') && (
            <label>{t(ASKS[asking]!)}<textarea value={value} onChange={(e) => setValue(e.target.value)} rows={3} maxLength={2000} data-field={ASKS[asking]} /></label>
          )}
          <div className="kit-transitions">
            <button type="submit" className="primary" data-wo="confirm" disabled={busy}>{t(`act.${asking}`)}</button>
            <button type="button" onClick={() => setAsking(null)}>{t('act.dismiss')}</button>
          </div>
        </form>
      )}

      <section className="kit-section">
        <h4>{t('photo.title')}</h4>
        {d.attachments.length === 0 ? <p className="wo-muted">{t('photo.none')}</p> : (
          <ul>{d.attachments.map((a) => (
            <li key={a.id}><a href={`/api/workorders/${r.id}/attachments/${a.id}`} download={a.name}>{a.name}</a> <small>{Math.ceil(a.size / 1024)} KB · {a.byName ?? ''} · {parkTime(a.at, lang)}</small></li>
          ))}</ul>
        )}
      </section>
      <section className="kit-section">
        <h4>{t('note.title')}</h4>
        <ul className="kit-comments">{d.comments.map((c) => <li key={c.id}><b>{byName(c.authorName)}</b> <small>{parkTime(c.at, lang)}</small><p>{c.body}</p></li>)}</ul>
        <form onSubmit={(e) => { e.preventDefault(); if (comment.trim()) void run(() => api.post('/api/workorders/{id}/comments', { params: { id }, body: { body: comment.trim() } })).then(() => setComment('')); }}>
          <textarea rows={2} placeholder={t('note.placeholder')} aria-label={t('note.add')} value={comment} onChange={(e) => setComment(e.target.value)} />
          <button type="submit" disabled={busy}>{t('note.add')}</button>
        </form>
      </section>
      <section className="kit-section">
        <h4>{t('desk.history')}</h4>
        <ol className="kit-history" data-wo="history">
          {d.transitions.map((h) => (
            <li key={h.id} data-transition={h.transition}>
              <time dateTime={h.at}>{parkTime(h.at, lang)}</time> · {t(`act.${h.transition}`, { defaultValue: t('desk.unknown') })}: {stateLabel(h.from)} → {stateLabel(h.to)} · {byName(h.byName)}
              {h.note ? ` · ${noteOf(h)}` : ''}
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}
