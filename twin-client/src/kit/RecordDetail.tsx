/**
 * The generic record detail: fields, state and SLA, the transitions the caller may fire (with the
 * fields a transition sets, e.g. a rating), assignees, comments, attachments and the history. A
 * 409 (someone else changed the record meanwhile) reloads it and says so.
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { KitError, kitFetch, pick, type EntityMeta, type RecordDetailData } from './api.ts';
import { RecordForm } from './RecordForm.tsx';
import { fieldText, shortTime } from './RecordList.tsx';
import './i18n.ts';

/** Props of the detail. */
export interface RecordDetailProps {
  readonly meta: EntityMeta;
  readonly id: number;
  /** Told after every change (the list reloads). */
  readonly onChanged?: () => void;
  readonly onClose?: () => void;
}

/** The detail. */
export function RecordDetail({ meta, id, onChanged, onClose }: RecordDetailProps) {
  const { t, i18n } = useTranslation('kit');
  const lang = i18n.language;
  const [d, setD] = useState<RecordDetailData | null>(null);
  const [msg, setMsg] = useState<string | null>(null);
  const [firing, setFiring] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const [note, setNote] = useState('');
  const [comment, setComment] = useState('');
  const [assignable, setAssignable] = useState<{ id: string; name: string }[] | null>(null);
  const base = `/api/${meta.path}/${id}`;

  const load = useCallback(async () => {
    setD(await kitFetch<RecordDetailData>('GET', base));
  }, [base]);
  useEffect(() => {
    setD(null);
    load().catch((e: Error) => setMsg(e.message));
  }, [load]);
  useEffect(() => {
    if (!meta.can.assign) return;
    kitFetch<{ users: { id: string; name: string }[] }>('GET', `/api/${meta.path}/assignable`).then((r) => setAssignable(r.users)).catch(() => setAssignable([]));
  }, [meta.path, meta.can.assign]);

  const explain = (e: unknown) => (e instanceof KitError && e.status === 409 && /changed by someone else/.test(e.message) ? t('conflict')
    : e instanceof KitError && e.status === 403 ? t('noPermission') : (e as Error).message);
  const act = async (fn: () => Promise<unknown>) => {
    setMsg(null);
    try {
      await fn();
      setFiring(null);
      setNote('');
      onChanged?.();
    } catch (e) {
      setMsg(explain(e));
    }
    await load().catch(() => {});
  };

  if (!d) return <div className="kit-detail kit-empty">{msg ?? t('loading')}</div>;
  const r = d.record;
  const fire = (name: string, data?: Record<string, unknown>) => act(() => kitFetch('POST', `${base}/transitions/${name}`, { version: r.version, ...(note.trim() ? { note: note.trim() } : {}), ...(data ? { data } : {}) }));
  const upload = async (file: File) => {
    if (file.size > meta.attachments.maxBytes) return setMsg(t('tooLarge', { max: `${Math.round(meta.attachments.maxBytes / 1024 / 1024)} MB` }));
    if (!meta.attachments.types.includes(file.type)) return setMsg(t('badType'));
    await act(() => kitFetch('POST', `${base}/attachments?name=${encodeURIComponent(file.name)}`, undefined, { raw: file }));
  };
  const stateLabel = (s: string) => pick(meta.states[s]?.label, lang) || s;
  return (
    <div className="kit-detail" data-record={r.id} data-state={r.state} data-version={r.version}>
      <div className="kit-detail-head">
        <h3>{t('detailTitle', { label: pick(meta.label, lang), id: r.id })} · {r.title}</h3>
        {onClose && <button type="button" className="kit-close" onClick={onClose} aria-label={t('close')}>×</button>}
      </div>
      <dl className="kit-facts">
        <dt>{t('state')}</dt><dd><span className={`kit-state kit-state-${r.state}`} data-kit="state">{stateLabel(r.state)}</span></dd>
        {r.objectName && <><dt>{t('object')}</dt><dd>{r.objectName}</dd></>}
        <dt>{t('createdBy')}</dt><dd>{r.createdByName} · {shortTime(r.createdAt)}</dd>
        {r.dueAt && <><dt>{t('dueAt')}</dt><dd className={r.escalatedAt ? 'kit-overdue' : ''}>{shortTime(r.dueAt)}{r.escalatedAt ? ` · ${t('overdue')}` : ''}</dd></>}
        <dt>{t('assignees')}</dt><dd data-kit="assignees">{r.assignees.length ? r.assignees.map((a) => d.assigneeNames[a] ?? a).join('、') : t('noAssignees')}</dd>
        {Object.keys(meta.fields).filter((f) => r.data[f] !== undefined && r.data[f] !== '').map((f) => (
          <FragmentRow key={f} label={pick(meta.fields[f]!.label, lang)} value={fieldText(meta, f, r.data[f], lang, [t('yes'), t('no')])} />
        ))}
      </dl>
      {meta.can.assign && assignable && !meta.states[r.state]?.final && (
        <div className="kit-assign">
          <select aria-label={t('assign')} data-kit="assign-select" defaultValue="" onChange={(e) => {
            const v = e.target.value;
            if (v) void act(() => kitFetch('PUT', `${base}/assignees`, { version: r.version, assignees: [...new Set([...r.assignees, v])] }));
          }}>
            <option value="">{t('assign')}…</option>
            {assignable.filter((u) => !r.assignees.includes(u.id)).map((u) => <option key={u.id} value={u.id}>{u.name}</option>)}
          </select>
        </div>
      )}
      {meta.can.write && !meta.states[r.state]?.final && !editing && (
        <div className="kit-transitions"><button type="button" data-kit="edit" onClick={() => setEditing(true)}>{t('edit')}</button></div>
      )}
      {editing && (
        <RecordForm meta={meta} name="edit" submitLabel={t('save')} initial={r.data} onCancel={() => setEditing(false)}
          fields={Object.keys(meta.fields).filter((f) => meta.fields[f]!.editable && meta.fields[f]!.onCreate)}
          onSubmit={async (data) => {
            await act(() => kitFetch('PATCH', base, { version: r.version, data }));
            setEditing(false);
          }} />
      )}
      {d.allowed.length > 0 && (
        <div className="kit-transitions">
          <input type="text" placeholder={t('note')} aria-label={t('note')} value={note} onChange={(e) => setNote(e.target.value)} />
          {d.allowed.map((name) => {
            const tr = meta.transitions[name]!;
            return (
              <button key={name} type="button" className="primary" data-transition={name}
                onClick={() => (tr.sets.length > 0 ? setFiring(name) : void fire(name))}>{pick(tr.label, lang)}</button>
            );
          })}
        </div>
      )}
      {firing && (
        <RecordForm meta={meta} name={`transition-${firing}`} fields={meta.transitions[firing]!.sets} required={meta.transitions[firing]!.requires} submitLabel={pick(meta.transitions[firing]!.label, lang)}
          onCancel={() => setFiring(null)} onSubmit={(data) => fire(firing, data)} />
      )}
      {msg && <div className="kit-error" role="alert" data-kit="message">{msg}</div>}
      <section className="kit-section">
        <h4>{t('attachments')}</h4>
        <ul>{d.attachments.map((a) => <li key={a.id}><a href={`${base}/attachments/${a.id}`} download={a.name}>{a.name}</a> <small>{Math.ceil(a.size / 1024)} KB · {a.byName}</small></li>)}</ul>
        {meta.can.comment && (
          <label className="kit-button">{t('upload')}
            <input type="file" hidden accept={meta.attachments.types.join(',')} data-kit="upload" onChange={(e) => { const f = e.target.files?.[0]; if (f) void upload(f); e.target.value = ''; }} />
          </label>
        )}
      </section>
      <section className="kit-section">
        <h4>{t('comments')}</h4>
        <ul className="kit-comments">{d.comments.map((c) => <li key={c.id}><b>{c.authorName}</b> <small>{shortTime(c.at)}</small><p>{c.body}</p></li>)}</ul>
        {meta.can.comment && (
          <form onSubmit={(e) => { e.preventDefault(); if (comment.trim()) void act(() => kitFetch('POST', `${base}/comments`, { body: comment.trim() })).then(() => setComment('')); }}>
            <textarea rows={2} placeholder={t('commentPlaceholder')} aria-label={t('addComment')} value={comment} onChange={(e) => setComment(e.target.value)} data-kit="comment" />
            <button type="submit">{t('addComment')}</button>
          </form>
        )}
      </section>
      <section className="kit-section">
        <h4>{t('history')}</h4>
        <ol className="kit-history">
          {d.transitions.map((h) => (
            <li key={h.id} data-transition={h.transition}>{shortTime(h.at)} · {pick(meta.transitions[h.transition]?.label, lang) || h.transition}: {stateLabel(h.from)} → {stateLabel(h.to)} · {t('by', { name: h.byName ?? '' })}{h.note ? ` · ${h.note}` : ''}</li>
          ))}
        </ol>
      </section>
    </div>
  );
}

function FragmentRow({ label, value }: { label: string; value: string }) {
  return <><dt>{label}</dt><dd>{value}</dd></>;
}
