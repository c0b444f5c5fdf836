/**
 * The crew's phone page (`/workorders/my`, 390 px first): the orders dispatched to me, and one
 * order with its big action buttons (accept, start, hold, resume, done), the knowledge-base
 * procedure with ticks, photos from the camera (shrunk to a 1600 px JPEG before upload), notes
 * and parts used. `?id=` opens an order (what notifications and the equipment panel link to).
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, type GetAnswer } from '../../api/client.ts';
import { kitFetch } from '../../kit/api.ts';
import { viewHref, navigate, twinHref } from '../../app/links.tsx';
import './workorders.css';

type Detail = GetAnswer<'/api/workorders/{id}'>;
type Extra = GetAnswer<'/api/workorders/{id}/extra'>;
type Item = GetAnswer<'/api/workorders'>['items'][number];

/** States a crew still works on. */
export const OPEN_STATES = ['dispatched', 'accepted', 'in_progress', 'on_hold', 'done'] as const;
/** Transitions the phone offers (in this order); others stay on the desk. */
const CREW_ACTIONS = ['accept', 'start', 'resume', 'hold', 'finish', 'decline'] as const;
/** Transitions that need a text first, and the field it goes in. */
const NEEDS_TEXT: Readonly<Record<string, 'holdReason' | 'resolution'>> = { hold: 'holdReason', finish: 'resolution' };
/** Longest edge of an uploaded photo, pixels, and the server's limit in bytes. */
const PHOTO_EDGE = 1600;
const PHOTO_MAX = 1024 * 1024;

const idFromUrl = () => {
  const v = new URLSearchParams(location.search).get('id');
  return v && /^\d{1,12}$/.test(v) ? Number(v) : null;
};

/** Minutes from now to `iso` (negative: past). */
export function minutesTo(iso: string, now = Date.now()): number {
  return Math.round((Date.parse(iso) - now) / 60_000);
}

/** Shrinks a camera photo to a JPEG of at most PHOTO_EDGE px on its longest edge. */
async function shrink(file: File): Promise<Blob> {
  if (file.size <= PHOTO_MAX && !/^image\/(heic|heif)$/.test(file.type) && file.type !== '') {
    // Small enough already, and a type the server takes as it is.
    if (['image/jpeg', 'image/png', 'image/webp'].includes(file.type)) return file;
  }
  const bmp = await createImageBitmap(file);
  const k = Math.min(1, PHOTO_EDGE / Math.max(bmp.width, bmp.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(bmp.width * k));
  canvas.height = Math.max(1, Math.round(bmp.height * k));
  canvas.getContext('2d')!.drawImage(bmp, 0, 0, canvas.width, canvas.height);
  bmp.close();
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('encode failed'))), 'image/jpeg', 0.82));
}

/** The page. */
export default function CrewPage() {
  const [id, setId] = useState<number | null>(idFromUrl);
  useEffect(() => {
    const on = () => setId(idFromUrl());
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);
  const open = (next: number | null) => {
    navigate(viewHref('/workorders/my', next ? { id: next } : {}));
    setId(next);
  };
  return (
    <div className="wo-crew" data-view="workorders-my">
      {id === null ? <MyOrders onOpen={open} /> : <OrderDetail id={id} onBack={() => open(null)} />}
    </div>
  );
}

/** The list of my open orders, most urgent first. */
function MyOrders({ onOpen }: { onOpen: (id: number) => void }) {
  const { t, i18n } = useTranslation('workorders');
  const en = i18n.language === 'en';
  const [items, setItems] = useState<Item[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    api.get('/api/workorders', { query: { assignee: 'me', state: OPEN_STATES.join(','), sort: 'updatedAt', dir: 'desc', limit: 100 } })
      .then((r) => setItems([...r.items].sort((a, b) => rank(a) - rank(b))), (e: Error) => setError(e.message));
  }, []);
  useEffect(load, [load]);
  return (
    <section className="wo-my">
      <header className="wo-bar">
        <h2>{t('my.title')}</h2>
        {items && <span className="wo-muted" data-wo="count">{t('my.count', { n: items.length })}</span>}
        <button type="button" className="wo-ghost" onClick={load}>{t('my.refresh')}</button>
      </header>
      {error && <p className="wo-error">{t('error', { message: error })}</p>}
      {!items && !error && <p className="wo-muted">{t('loading')}</p>}
      {items?.length === 0 && <p className="wo-muted" data-wo="empty">{t('my.none')}</p>}
      <ul className="wo-cards">
        {items?.map((w) => {
          const pr = String(w.data.priority ?? 'normal');
          return (
            <li key={w.id}>
              <button type="button" className={`wo-card wo-pr-${pr}`} data-order={w.id} data-state={w.state} onClick={() => onOpen(w.id)}>
                <span className="wo-card-top">
                  <span className={`wo-badge wo-badge-${pr}`}>{t(`priority.${pr}`)}</span>
                  <span className="wo-code">{String(w.data.code ?? '')}</span>
                  <span className={`wo-state wo-state-${w.state}`}>{t(`state.${w.state}`)}</span>
                </span>
                <strong className="wo-card-title">{en && w.data.titleEn ? String(w.data.titleEn) : w.title}</strong>
                <span className="wo-muted">{w.objectName ?? ''}{w.dueAt ? ` · ${dueText(t, w.dueAt)}` : ''}</span>
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

const rank = (w: Item) => ['urgent', 'high', 'normal', 'low'].indexOf(String(w.data.priority ?? 'normal')) * 10 + OPEN_STATES.indexOf(w.state as never);

function dueText(t: (k: string, o?: Record<string, unknown>) => string, iso: string): string {
  const m = minutesTo(iso);
  return m >= 0 ? t('due.left', { m }) : t('due.over', { m: -m });
}

/** One order on the phone. */
function OrderDetail({ id, onBack }: { id: number; onBack: () => void }) {
  const { t, i18n } = useTranslation('workorders');
  const en = i18n.language === 'en';
  const [d, setD] = useState<Detail | null>(null);
  const [x, setX] = useState<Extra | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState<string | null>(null);
  const [text, setText] = useState('');
  const load = useCallback(async () => {
    const [a, b] = await Promise.all([api.get('/api/workorders/{id}', { params: { id } }), api.get('/api/workorders/{id}/extra', { params: { id } })]);
    setD(a);
    setX(b);
  }, [id]);
  useEffect(() => {
    load().catch((e: Error) => setError(e.message));
  }, [load]);

  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setNotice(null);
    try {
      await fn();
      await load();
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && /changed by someone else/.test(e.message)) setNotice(t('changed'));
      else setNotice(t('error', { message: (e as Error).message }));
      await load().catch(() => {});
    } finally {
      setBusy(false);
    }
  };
  const fire = (name: string, data?: Record<string, unknown>) => run(() => api.post('/api/workorders/{id}/transitions/{name}', {
    params: { id, name }, body: { version: d!.record.version, ...(data ? { data } : {}) },
  }));

  if (error) return <p className="wo-error">{t('error', { message: error })}</p>;
  if (!d || !x) return <p className="wo-muted">{t('loading')}</p>;
  const r = d.record;
  const pr = x.priority;
  const actions = CREW_ACTIONS.filter((a) => d.allowed.includes(a));
  const submitText = (e: FormEvent) => {
    e.preventDefault();
    if (!asking) return;
    if (text.trim().length < 2) {
      setNotice(t('needText'));
      return;
    }
    const field = NEEDS_TEXT[asking]!;
    const name = asking;
    setAsking(null);
    setText('');
    void fire(name, { [field]: text.trim() });
  };

  return (
    <article className="wo-detail" data-order={r.id} data-state={r.state} data-version={r.version}>
      <header className="wo-bar">
        <button type="button" className="wo-ghost" data-wo="back" onClick={onBack}>‹ {t('my.back')}</button>
      </header>
      <h2 className="wo-title">{en && r.data.titleEn ? String(r.data.titleEn) : r.title}</h2>
      <dl className="wo-facts">
        <dt>{t('fact.code')}</dt><dd data-wo="code">{x.code}</dd>
        <dt>{t('fact.state')}</dt><dd><span className={`wo-state wo-state-${r.state}`} data-wo="state">{t(`state.${r.state}`)}</span></dd>
        <dt>{t('fact.priority')}</dt><dd><span className={`wo-badge wo-badge-${pr}`}>{t(`priority.${pr}`)}</span></dd>
        <dt>{t('fact.object')}</dt>
        <dd>{r.objectIdx ? <a href={twinHref(r.objectIdx)} onClick={(e) => { e.preventDefault(); navigate(twinHref(r.objectIdx!)); }}>{r.objectName}</a> : '—'}
          {x.equipment && <span className="wo-muted"> · {x.equipment.manufacturer} {x.equipment.model}</span>}</dd>
        <dt>{t('fact.source')}</dt>
        <dd>{t(`source.${x.source}`)}
          {x.alarmId !== null && (
            <> · <a data-wo="alarm" href={viewHref('/alarms', { id: x.alarmId, state: 'all' })}
              onClick={(e) => { e.preventDefault(); navigate(viewHref('/alarms', { id: x.alarmId!, state: 'all' })); }}>
              {t('fact.alarm')} #{x.alarmId}</a>{x.alarmState ? ` (${t(`alarmState.${x.alarmState}`)})` : ''}</>
          )}</dd>
        {x.crew && <><dt>{t('fact.crew')}</dt><dd>{en ? x.crew.name.en : x.crew.name.zh}</dd></>}
        <dt>{t('fact.due')}</dt><dd data-wo="due">{r.dueAt ? dueText(t, r.dueAt) : t('due.none')}</dd>
      </dl>
      {typeof r.data.description === 'string' && (
        <p className="wo-desc" data-wo="description">{en && typeof r.data.descriptionEn === 'string' ? r.data.descriptionEn : r.data.description}</p>
      )}

      {notice && <p className="wo-notice" role="status" data-wo="notice">{notice}</p>}
      {actions.length > 0 && !asking && (
        <div className="wo-actions">
          {actions.map((a) => (
            <button key={a} type="button" disabled={busy} className={`wo-btn wo-btn-${a}`} data-transition={a}
              onClick={() => (NEEDS_TEXT[a] ? (setAsking(a), setText('')) : void fire(a))}>{t(`act.${a}`)}</button>
          ))}
        </div>
      )}
      {asking && (
        <form className="wo-ask" data-form={`transition-${asking}`} onSubmit={submitText}>
          <label>{t(NEEDS_TEXT[asking]!)}<textarea value={text} onChange={(e) => setText(e.target.value)} rows={3} maxLength={2000} data-field={NEEDS_TEXT[asking]} /></label>
          <div className="wo-actions">
            <button type="submit" className={`wo-btn wo-btn-${asking}`} data-wo="confirm" disabled={busy}>{t(`act.${asking}`)}</button>
            <button type="button" className="wo-ghost" onClick={() => setAsking(null)}>{t('act.dismiss')}</button>
          </div>
        </form>
      )}

      <Procedure id={id} x={x} inProgress={r.state === 'in_progress' && d.allowed.length >= 0 && r.assignees.length > 0} onChange={setX} setNotice={setNotice} />
      <Photos id={id} d={d} busy={busy} run={run} setNotice={setNotice} />
      <Notes id={id} d={d} run={run} />
      <Parts id={id} x={x} canAdd={['accepted', 'in_progress', 'on_hold'].includes(r.state)} run={run} />
    </article>
  );
}

/** The knowledge-base procedure with ticks (written back to the order). */
function Procedure({ id, x, inProgress, onChange, setNotice }: { id: number; x: Extra; inProgress: boolean; onChange: (x: Extra) => void; setNotice: (s: string | null) => void }) {
  const { t, i18n } = useTranslation('workorders');
  const en = i18n.language === 'en';
  const p = x.procedure;
  return (
    <section className="wo-block" data-wo="procedure">
      <h3>{t('steps.title')}{p && <span className="wo-muted"> · {en ? p.title.en : p.title.zh} · {t('steps.progress', { done: p.steps.filter((s) => s.done).length, all: p.steps.length })}</span>}</h3>
      {!p && <p className="wo-muted">{t('steps.none')}</p>}
      {p && !inProgress && <p className="wo-muted">{t('steps.onlyInProgress')}</p>}
      {/* The same steps one at a time beside the equipment, in a headset or on the phone (modules/xr). */}
      {p && inProgress && <p><a className="wo-ar" data-wo-ar={id} href={`/xr?wo=${id}`}>{t('steps.ar')}</a></p>}
      {p && (
        <ol className="wo-steps">
          {p.steps.map((s) => (
            <li key={s.n}>
              <label className={s.done ? 'wo-step-done' : ''}>
                <input type="checkbox" checked={s.done} disabled={!inProgress} data-step={s.n}
                  onChange={(e) => {
                    api.post('/api/workorders/{id}/steps/{n}', { params: { id, n: s.n }, body: { done: e.target.checked } })
                      .then(onChange, (err: Error) => setNotice(t('error', { message: err.message })));
                  }} />
                <span>{en ? s.en : s.zh}</span>
              </label>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/** Photos: thumbnails (fetched as bytes, shown from a blob: nothing uploaded is rendered by URL) and the camera button. */
function Photos({ id, d, busy, run, setNotice }: { id: number; d: Detail; busy: boolean; run: (fn: () => Promise<unknown>) => Promise<void>; setNotice: (s: string | null) => void }) {
  const { t } = useTranslation('workorders');
  const [urls, setUrls] = useState<Record<number, string>>({});
  const [uploading, setUploading] = useState(false);
  const photos = d.attachments.filter((a) => a.contentType.startsWith('image/'));
  useEffect(() => {
    let live = true;
    const made: string[] = [];
    void Promise.all(photos.map(async (a) => {
      const r = await fetch(`/api/workorders/${id}/attachments/${a.id}`, { credentials: 'same-origin' });
      if (!r.ok) return null;
      const u = URL.createObjectURL(new Blob([await r.arrayBuffer()], { type: a.contentType }));
      made.push(u);
      return [a.id, u] as const;
    })).then((pairs) => live && setUrls(Object.fromEntries(pairs.filter((p): p is readonly [number, string] => p !== null))));
    return () => {
      live = false;
      for (const u of made) URL.revokeObjectURL(u);
    };
  }, [id, photos.map((p) => p.id).join(',')]);
  const upload = async (file: File) => {
    setUploading(true);
    try {
      const blob = await shrink(file);
      if (blob.size > PHOTO_MAX) {
        setNotice(t('photo.tooBig'));
        return;
      }
      const name = (file.name || 'photo').replace(/\.[A-Za-z0-9]+$/, '') + (blob.type === 'image/jpeg' ? '.jpg' : '');
      await run(() => kitFetch('POST', `/api/workorders/${id}/attachments?name=${encodeURIComponent(name)}`, undefined, { raw: blob }));
    } catch (e) {
      setNotice(t('photo.failed', { message: (e as Error).message }));
    } finally {
      setUploading(false);
    }
  };
  return (
    <section className="wo-block" data-wo="photos" data-count={photos.length}>
      <h3>{t('photo.title')}</h3>
      {photos.length === 0 && <p className="wo-muted">{t('photo.none')}</p>}
      <div className="wo-thumbs">
        {photos.map((a) => (urls[a.id] ? <img key={a.id} src={urls[a.id]} alt={a.name} data-photo={a.id} /> : <span key={a.id} className="wo-thumb-wait" />))}
      </div>
      <label className={`wo-btn wo-btn-photo${busy || uploading ? ' wo-disabled' : ''}`}>
        {uploading ? t('photo.uploading') : t('photo.add')}
        <input type="file" accept="image/*" capture="environment" hidden disabled={busy || uploading} data-wo="photo-input"
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (f) void upload(f);
          }} />
      </label>
    </section>
  );
}

/** Notes (the kit's comments). */
function Notes({ id, d, run }: { id: number; d: Detail; run: (fn: () => Promise<unknown>) => Promise<void> }) {
  const { t } = useTranslation('workorders');
  const [body, setBody] = useState('');
  return (
    <section className="wo-block" data-wo="notes">
      <h3>{t('note.title')}</h3>
      {d.comments.length === 0 && <p className="wo-muted">{t('note.none')}</p>}
      <ul className="wo-notes">
        {d.comments.map((c) => <li key={c.id}><span className="wo-muted">{c.authorName}</span> {c.body}</li>)}
      </ul>
      <form onSubmit={(e) => {
        e.preventDefault();
        if (!body.trim()) return;
        const b = body.trim();
        setBody('');
        void run(() => api.post('/api/workorders/{id}/comments', { params: { id }, body: { body: b } }));
      }}>
        <textarea value={body} onChange={(e) => setBody(e.target.value)} rows={2} maxLength={4000} placeholder={t('note.placeholder')} data-wo="note-input" />
        <button type="submit" className="wo-btn wo-btn-note" data-wo="note-add">{t('note.add')}</button>
      </form>
    </section>
  );
}

/** Parts used. */
function Parts({ id, x, canAdd, run }: { id: number; x: Extra; canAdd: boolean; run: (fn: () => Promise<unknown>) => Promise<void> }) {
  const { t } = useTranslation('workorders');
  const [f, setF] = useState({ partCode: '', name: '', qty: '1', unit: '个' });
  return (
    <section className="wo-block" data-wo="parts" data-count={x.parts.length}>
      <h3>{t('parts.title')}</h3>
      {x.parts.length === 0 && <p className="wo-muted">{t('parts.none')}</p>}
      <ul className="wo-parts">
        {x.parts.map((p) => <li key={p.id}><span className="wo-code">{p.partCode}</span> {p.name} × {p.qty} {p.unit}</li>)}
      </ul>
      {canAdd && (
        <form className="wo-part-form" onSubmit={(e) => {
          e.preventDefault();
          const qty = Number(f.qty);
          if (!f.partCode.trim() || !f.name.trim() || !(qty > 0)) return;
          void run(() => api.post('/api/workorders/{id}/parts', { params: { id }, body: { partCode: f.partCode.trim(), name: f.name.trim(), qty, unit: f.unit.trim() || '个' } }))
            .then(() => setF({ partCode: '', name: '', qty: '1', unit: f.unit }));
        }}>
          <input placeholder={t('parts.code')} value={f.partCode} onChange={(e) => setF({ ...f, partCode: e.target.value })} maxLength={40} data-wo="part-code" />
          <input placeholder={t('parts.name')} value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} maxLength={100} data-wo="part-name" />
          <input placeholder={t('parts.qty')} value={f.qty} onChange={(e) => setF({ ...f, qty: e.target.value })} inputMode="decimal" data-wo="part-qty" />
          <input placeholder={t('parts.unit')} value={f.unit} onChange={(e) => setF({ ...f, unit: e.target.value })} maxLength={10} />
          <button type="submit" className="wo-btn wo-btn-note" data-wo="part-add">{t('parts.add')}</button>
        </form>
      )}
    </section>
  );
}
