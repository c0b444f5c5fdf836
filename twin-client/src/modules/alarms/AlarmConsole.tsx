/**
 * The alarm console (`/alarms`): counts per severity in the header, filters (severity, kind,
 * building, state, time; kept in the URL), the live list (a push `alarms.changed` on the stream
 * reloads it, a slow poll covers a lost socket), the selected alarm's details and actions
 * (acknowledge, comment, assign, shelve, unshelve, clear: each shown only with its permission),
 * and "fly to": the twin drilled to the alarm's object with its panel open. New critical alarms
 * sound a tone generated with WebAudio and show a banner; both switchable (remembered).
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, type GetAnswer } from '../../api/client.ts';
import { useAuth } from '../../auth/SessionGate.tsx';
import { navigate, twinHref } from '../../app/links.tsx';
import { playAlarmTone } from './sound.ts';
import { alarmText, kindLabel } from './text.ts';
import './alarms.css';

type List = GetAnswer<'/api/alarm-console/alarms'>;
type Alarm = List['alarms'][number];
type Detail = GetAnswer<'/api/alarm-console/alarms/{id}'>;
type Filters = { state: string; severity: string; kind: string; building: string; from: string; to: string };

const STATES = ['open', 'raised', 'acknowledged', 'shelved', 'cleared', 'all'] as const;
const SOUND_KEY = 'twin.alarms.sound';

/** Reads the filters from the URL. */
function filtersFromUrl(): Filters {
  const q = new URLSearchParams(location.search);
  return { state: q.get('state') ?? 'open', severity: q.get('severity') ?? '', kind: q.get('kind') ?? '', building: q.get('building') ?? '', from: q.get('from') ?? '', to: q.get('to') ?? '' };
}

/** A datetime-local value as ISO with the browser's offset (the server wants an offset). */
function isoOf(local: string): string | undefined {
  if (!local) return undefined;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export { alarmText, kindLabel };

/** The console page. */
export default function AlarmConsole() {
  const { t, i18n } = useTranslation('alarms');
  const lang = i18n.language === 'en' ? 'en' : 'zh';
  const { can } = useAuth();
  const [filters, setFilters] = useState<Filters>(filtersFromUrl);
  const [data, setData] = useState<List | null>(null);
  const [selected, setSelected] = useState<number | null>(() => Number(new URLSearchParams(location.search).get('id')) || null);
  const [detail, setDetail] = useState<Detail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sound, setSound] = useState(() => localStorage.getItem(SOUND_KEY) !== 'off');
  const [banner, setBanner] = useState<Alarm | null>(null);
  const [detailStale, setDetailStale] = useState(0);
  const seen = useRef<Set<number> | null>(null);
  const soundRef = useRef(sound);
  soundRef.current = sound;

  const load = useCallback(async () => {
    try {
      const q: Record<string, string | number> = { state: filters.state, limit: 300 };
      if (filters.severity) q.severity = Number(filters.severity);
      if (filters.kind) q.kind = filters.kind;
      if (filters.building) q.building = Number(filters.building);
      const from = isoOf(filters.from);
      const to = isoOf(filters.to);
      if (from) q.from = from;
      if (to) q.to = to;
      const r = await api.get('/api/alarm-console/alarms', { query: q as never, background: true });
      // New critical alarms since the last load: the tone and the banner (not on the first load).
      const prev = seen.current;
      const fresh = prev ? r.alarms.filter((a) => !prev.has(a.id) && a.severity >= 3 && a.state === 'raised' && !a.shelved) : [];
      seen.current = new Set([...(prev ?? []), ...r.alarms.map((a) => a.id)]);
      if (fresh.length) {
        setBanner(fresh[0]!);
        if (soundRef.current) playAlarmTone();
      }
      setData(r);
      setError(null);
    } catch (e) {
      setError(t('error.generic', { msg: (e as Error).message }));
    }
  }, [filters, t]);

  // Filters in the URL (shareable), then load.
  useEffect(() => {
    const q = new URLSearchParams(location.search);
    for (const [k, v] of Object.entries(filters)) {
      if (v && !(k === 'state' && v === 'open')) q.set(k, v);
      else q.delete(k);
    }
    history.replaceState(null, '', `${location.pathname}${q.toString() ? `?${q}` : ''}`);
    void load();
  }, [filters, load]);

  // Live: the stream pushes alarms.changed (this node's and every other's); a slow poll as a fallback.
  useEffect(() => {
    let ws: WebSocket | null = null;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let pending: ReturnType<typeof setTimeout> | null = null;
    const open = () => {
      if (stopped) return;
      ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
      ws.onmessage = (ev) => {
        if (typeof ev.data !== 'string') return;
        try {
          const m = JSON.parse(ev.data) as { type?: string };
          if (m.type !== 'alarms.changed') return;
        } catch {
          return;
        }
        // A burst of changes is one reload.
        if (!pending) pending = setTimeout(() => { pending = null; void load(); setDetailStale((n) => n + 1); }, 150);
      };
      ws.onclose = () => { if (!stopped) timer = setTimeout(open, 3000); };
    };
    open();
    const poll = setInterval(() => void load(), 30_000);
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (pending) clearTimeout(pending);
      clearInterval(poll);
      ws?.close();
    };
  }, [load]);

  useEffect(() => {
    if (!selected) {
      setDetail(null);
      return;
    }
    let live = true;
    api.get('/api/alarm-console/alarms/{id}', { params: { id: selected } }).then((d) => { if (live) setDetail(d); }, () => { if (live) setDetail(null); });
    return () => { live = false; };
  }, [selected, detailStale]);

  const select = (id: number | null) => {
    setSelected(id);
    const q = new URLSearchParams(location.search);
    if (id) q.set('id', String(id));
    else q.delete('id');
    history.replaceState(null, '', `${location.pathname}?${q}`);
  };

  const flyTo = (a: Pick<Alarm, 'idx' | 'building' | 'floor' | 'layer'>) => navigate(twinHref(a.idx, { building: a.building ?? 0, floor: a.floor ?? 0, layer: a.layer ?? '' }));

  const kinds = useMemo(() => [...new Set((data?.alarms ?? []).map((a) => a.kind))].sort(), [data]);
  const buildings = useMemo(() => [...new Set((data?.alarms ?? []).map((a) => a.building).filter((b): b is number => b !== null))].sort((a, b) => a - b), [data]);
  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setFilters((f) => ({ ...f, [k]: e.target.value }));
  const counts = data?.counts;

  return (
    <div className="alarm-console" data-view="alarms">
      <header className="alarm-head">
        <h1>{t('title')}</h1>
        <div className="alarm-counts" data-counts>
          {([3, 2, 1] as const).map((s) => (
            <button key={s} type="button" className={`alarm-count sev-${s}`} data-severity-count={s} onClick={() => setFilters((f) => ({ ...f, severity: String(s), state: 'open' }))}>
              <span>{t(`severity.${s}`)}</span><strong>{counts?.[s] ?? '–'}</strong>
            </button>
          ))}
          <span className="alarm-count shelved" data-shelved-count>{t('count.shelved', { n: counts?.shelved ?? 0 })}</span>
        </div>
        <button type="button" className="alarm-sound" data-sound={sound ? 'on' : 'off'} aria-pressed={sound}
          onClick={() => { const v = !sound; setSound(v); localStorage.setItem(SOUND_KEY, v ? 'on' : 'off'); if (v) playAlarmTone(0.05); }}>
          {sound ? t('sound.on') : t('sound.off')}
        </button>
      </header>
      {banner && (
        <div className="alarm-banner" role="alert" data-banner={banner.id}>
          <strong>{t('banner.critical')}</strong>
          <button type="button" className="link" onClick={() => { select(banner.id); flyTo(banner); }}>{banner.objectName ?? `#${banner.idx}`} · {kindLabel(banner, lang)} · {alarmText(banner, lang)}</button>
          <button type="button" onClick={() => setBanner(null)}>{t('banner.dismiss')}</button>
        </div>
      )}
      <form className="alarm-filters" onSubmit={(e) => e.preventDefault()}>
        <label>{t('filter.state')}
          <select value={filters.state} onChange={set('state')} data-filter="state">
            {STATES.map((s) => <option key={s} value={s}>{t(`state.${s}`)}</option>)}
          </select>
        </label>
        <label>{t('filter.severity')}
          <select value={filters.severity} onChange={set('severity')} data-filter="severity">
            <option value="">{t('filter.any')}</option>
            {[1, 2, 3].map((s) => <option key={s} value={s}>{t('filter.minSeverity', { s: t(`severity.${s}`) })}</option>)}
          </select>
        </label>
        <label>{t('filter.kind')}
          <select value={filters.kind} onChange={set('kind')} data-filter="kind">
            <option value="">{t('filter.any')}</option>
            {[...new Set([...kinds, ...(filters.kind ? [filters.kind] : [])])].map((k) => <option key={k} value={k}>{kindLabel({ kind: k, ruleName: data?.alarms.find((a) => a.kind === k)?.ruleName ?? null }, lang)}</option>)}
          </select>
        </label>
        <label>{t('filter.building')}
          <select value={filters.building} onChange={set('building')} data-filter="building">
            <option value="">{t('filter.any')}</option>
            {[...new Set([...buildings.map(String), ...(filters.building ? [filters.building] : [])])].map((b) => <option key={b} value={b}>#{b}</option>)}
          </select>
        </label>
        <label>{t('filter.from')}<input type="datetime-local" value={filters.from} onChange={set('from')} data-filter="from" /></label>
        <label>{t('filter.to')}<input type="datetime-local" value={filters.to} onChange={set('to')} data-filter="to" /></label>
      </form>
      {error && <p className="alarm-error" role="alert">{error}</p>}
      <div className="alarm-body">
        <table className="alarm-list">
          <thead>
            <tr><th>{t('col.time')}</th><th>{t('col.object')}</th><th>{t('col.kind')}</th><th>{t('col.message')}</th><th>{t('col.state')}</th><th>{t('col.assignee')}</th></tr>
          </thead>
          <tbody>
            {!data && <tr><td colSpan={6}>{t('loading')}</td></tr>}
            {data && data.alarms.length === 0 && <tr><td colSpan={6} className="alarm-none">{t('none')}</td></tr>}
            {data?.alarms.map((a) => (
              <tr key={a.id} className={`sev-${a.severity}${a.id === selected ? ' selected' : ''}`} data-alarm={a.id} data-idx={a.idx} data-state={a.state} data-severity={a.severity}
                onClick={() => { select(a.id); }}>
                <td><time dateTime={a.raisedAt}>{new Date(a.raisedAt).toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', { hour12: false })}</time></td>
                <td>
                  <button type="button" className="link" data-fly={a.idx} title={t('act.flyTo')} onClick={(e) => { e.stopPropagation(); flyTo(a); }}>
                    {(lang === 'en' ? a.objectNameEn ?? a.objectName : a.objectName) ?? `#${a.idx}`}
                  </button>
                </td>
                <td><span className={`sev-badge sev-${a.severity}`}>{t(`severity.${a.severity}`)}</span> {kindLabel(a, lang)}</td>
                <td>{alarmText(a, lang)}</td>
                <td>{t(`state.${a.shelved ? 'shelved' : a.state}`)}</td>
                <td>{a.assignedName ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {selected && detail && (
          <AlarmDetail detail={detail} lang={lang} can={can} onFly={() => flyTo(detail.alarm)} onClose={() => select(null)}
            onChanged={() => { void load(); setDetailStale((n) => n + 1); }} onError={setError} />
        )}
      </div>
    </div>
  );
}

/** The selected alarm: facts, comments and the actions the principal may take. */
function AlarmDetail({ detail, lang, can, onFly, onClose, onChanged, onError }: {
  detail: Detail; lang: string; can: (p: string) => boolean; onFly(): void; onClose(): void; onChanged(): void; onError(msg: string | null): void;
}) {
  const { t } = useTranslation('alarms');
  const a = detail.alarm;
  const [text, setText] = useState('');
  const [minutes, setMinutes] = useState(30);
  const [people, setPeople] = useState<Array<{ id: string; name: string }> | null>(null);
  const [busy, setBusy] = useState(false);
  const write = can('alarm:write');
  const control = can('alarm:control');
  const open = a.state !== 'cleared';

  useEffect(() => {
    if (!write) return;
    api.get('/api/alarm-console/assignees').then((r) => setPeople(r.users), () => setPeople([]));
  }, [write]);

  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
      onError(null);
      setText('');
    } catch (e) {
      const s = e instanceof ApiError ? e.status : 0;
      onError(s === 409 ? t('error.409') : s === 403 ? t('error.403') : t('error.generic', { msg: (e as Error).message }));
    } finally {
      setBusy(false);
      onChanged();
    }
  };
  const id = { id: a.id };
  const note = text.trim() ? { comment: text.trim() } : {};

  return (
    <aside className="alarm-detail panel" data-alarm-detail={a.id} data-state={a.state}>
      <header>
        <h2>{t('selected')}</h2>
        <button type="button" onClick={onClose} aria-label="×">×</button>
      </header>
      <p className={`sev-badge sev-${a.severity}`}>{t(`severity.${a.severity}`)} · {kindLabel(a, lang)}</p>
      <p><button type="button" className="link" data-fly-detail={a.idx} onClick={onFly}>{(lang === 'en' ? a.objectNameEn ?? a.objectName : a.objectName) ?? `#${a.idx}`} → {t('act.flyTo')}</button></p>
      <p>{alarmText(a, lang)}</p>
      <p>{t('raisedAt')} <time>{new Date(a.raisedAt).toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', { hour12: false })}</time> · {t(`state.${a.shelved ? 'shelved' : a.state}`)}
        {a.acknowledgedBy ? ` · ${t('state.acknowledged')}: ${a.acknowledgedBy}` : ''}{a.clearedBy ? ` · ${t('state.cleared')}: ${a.clearedBy}` : ''}</p>
      {(write || control) && (
        <div className="alarm-actions">
          {write && <textarea value={text} maxLength={1000} onChange={(e) => setText(e.target.value)} placeholder={t('act.comment')} data-input="comment" />}
          {write && a.state === 'raised' && <button type="button" disabled={busy} data-action="acknowledge" onClick={() => void act(() => api.post('/api/alarm-console/alarms/{id}/acknowledge', { params: id, body: note }))}>{t('act.acknowledge')}</button>}
          {write && <button type="button" disabled={busy || !text.trim()} data-action="comment" onClick={() => void act(() => api.post('/api/alarm-console/alarms/{id}/comment', { params: id, body: { text: text.trim() } }))}>{t('act.comment')}</button>}
          {write && open && (
            <label>{t('act.assign')}
              <select value={a.assignedTo ?? ''} disabled={busy || !people} data-action="assign"
                onChange={(e) => void act(() => api.post('/api/alarm-console/alarms/{id}/assign', { params: id, body: { userId: e.target.value || null } }))}>
                <option value="">{t('act.nobody')}</option>
                {(people ?? []).map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
              </select>
            </label>
          )}
          {control && open && !a.shelved && (
            <span className="alarm-shelve">
              <input type="number" min={1} max={1440} value={minutes} onChange={(e) => setMinutes(Number(e.target.value))} aria-label={t('act.minutes')} />{t('act.minutes')}
              <button type="button" disabled={busy} data-action="shelve" onClick={() => void act(() => api.post('/api/alarm-console/alarms/{id}/shelve', { params: id, body: { minutes } }))}>{t('act.shelve')}</button>
            </span>
          )}
          {control && a.shelved && <button type="button" disabled={busy} data-action="unshelve" onClick={() => void act(() => api.post('/api/alarm-console/alarms/{id}/unshelve', { params: id, body: {} }))}>{t('act.unshelve')}</button>}
          {write && open && <button type="button" disabled={busy} data-action="clear" onClick={() => void act(() => api.post('/api/alarm-console/alarms/{id}/clear', { params: id, body: note }))}>{t('act.clear')}</button>}
        </div>
      )}
      {detail.comments.length > 0 && (
        <section className="alarm-comments">
          <h3>{t('act.comments')}</h3>
          <ol>{detail.comments.map((c) => <li key={c.id} data-comment={c.id}><strong>{c.author}</strong> <time>{new Date(c.at).toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', { hour12: false })}</time><p>{c.text}</p></li>)}</ol>
        </section>
      )}
    </aside>
  );
}
