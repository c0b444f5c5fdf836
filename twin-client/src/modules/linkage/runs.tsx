/**
 * A linkage run as the operator and the wall see it: the plan, the alarm and its object (fly to),
 * each step with its state as it runs (commands with their device results, the cameras that see
 * the spot, the work order made), confirm / cancel on a step waiting for the operator, stop.
 * `useRuns` keeps the list live from the stream's `linkage.run` pushes.
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, type GetAnswer } from '../../api/client.ts';
import { ObjectLink, twinHref, followLink } from '../../app/links.tsx';
import { useAuth } from '../../auth/SessionGate.tsx';
import { kindLabel } from '../alarms/text.ts';

export type Run = GetAnswer<'/api/linkage/runs'>['runs'][number];
type Step = Run['steps'][number];
type Cameras = GetAnswer<'/api/video/cameras/seeing'>['cameras'];

/** The runs, reloaded on every `linkage.run` push (and every 10 s as a fallback). */
export function useRuns(state: 'all' | 'running' = 'all', limit = 20): { runs: Run[] | null; reload: () => Promise<void> } {
  const [runs, setRuns] = useState<Run[] | null>(null);
  const reload = useCallback(async () => {
    const r = await api.get('/api/linkage/runs', { query: { state, limit }, background: true });
    setRuns(r.runs);
  }, [state, limit]);
  useEffect(() => {
    void reload().catch(() => setRuns([]));
    let ws: WebSocket | null = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      try {
        const m = JSON.parse(ev.data) as { type?: string };
        if (m.type === 'linkage.run' || m.type === 'control.command') void reload().catch(() => {});
      } catch {
        // not JSON
      }
    };
    const poll = setInterval(() => void reload().catch(() => {}), 10_000);
    return () => {
      clearInterval(poll);
      ws?.close();
      ws = null;
    };
  }, [reload]);
  return { runs, reload };
}

/** What a step does, in the UI language. */
export function stepTitle(s: Pick<Step, 'spec'>, t: (k: string, o?: Record<string, unknown>) => string, lang: 'zh' | 'en'): string {
  const spec = s.spec;
  switch (spec.kind) {
    case 'command': {
      if (spec.label) return lang === 'en' ? spec.label.en : spec.label.zh;
      const target = typeof spec.target === 'string' ? t(`target.${spec.target}`) : t('target.idx');
      return `${t(`action.${spec.action}`, { defaultValue: spec.action })} · ${target}`;
    }
    case 'announce':
    case 'display':
      return `${t(`step.${spec.kind}`)}：${lang === 'en' ? spec.text.en : spec.text.zh}`;
    case 'work_order':
      return `${t('step.work_order')}：${lang === 'en' ? spec.title.en : spec.title.zh}`;
    default:
      return t(`step.${spec.kind}`);
  }
}

function CameraList({ alarm, idx, limit }: { alarm: number | null; idx: number; limit: number }) {
  const { t, i18n } = useTranslation('linkage');
  const { can } = useAuth();
  const [cams, setCams] = useState<Cameras | null>(null);
  useEffect(() => {
    if (!can('security:read')) return;
    const query = alarm ? { alarm, limit } : { idx, limit };
    void api.get('/api/video/cameras/seeing', { query, background: true }).then((r) => setCams(r.cameras), () => setCams([]));
  }, [alarm, idx, limit, can]);
  if (!can('security:read')) return <small>{t('cameras.noAccess')}</small>;
  if (!cams) return <small>{t('loading')}</small>;
  if (cams.length === 0) return <small>{t('cameras.none')}</small>;
  return (
    <ul className="linkage-cameras" data-cameras={cams.length}>
      {cams.map((c) => (
        <li key={c.idx} data-camera={c.idx}>
          <ObjectLink idx={c.idx}>{i18n.language === 'en' ? (c.nameEn ?? c.name) : c.name}</ObjectLink> · {t('cameras.distance', { m: Math.round(c.distanceM) })}
        </li>
      ))}
    </ul>
  );
}

/** One run with its steps. `big` is the wall's large type. */
export function RunCard({ run, onChange, big = false }: { run: Run; onChange: () => void; big?: boolean }) {
  const { t, i18n } = useTranslation('linkage');
  const lang = i18n.language === 'en' ? 'en' : 'zh';
  const { can } = useAuth();
  const operate = can('security:control');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      const s = e instanceof ApiError ? e.status : 0;
      setError(t(`error.${[400, 403, 404, 409, 422].includes(s) ? s : 'generic'}`));
    } finally {
      setBusy(false);
      onChange();
    }
  };
  // An alarm kind this module has no label for: the layers' or the alarms module's label, never the stored code.
  const kind = run.alarmKind ? t(`kind.${run.alarmKind}`, { defaultValue: kindLabel({ kind: run.alarmKind, ruleName: null }, lang) }) : '';
  const name = lang === 'en' ? (run.objectNameEn ?? run.objectName) : run.objectName;
  const href = twinHref(run.idx, { ...(run.building ? { building: run.building } : {}), ...(run.floor ? { floor: run.floor } : {}) });
  return (
    <article className={`linkage-run run-${run.state}${big ? ' big' : ''}`} data-run={run.id} data-run-state={run.state}>
      <header>
        <strong>{lang === 'en' ? run.planName.en : run.planName.zh}</strong>
        <span className={`run-state ${run.state}`}>{t(`runState.${run.state}`)}</span>
        <span className="run-what">{kind}{name ? ` · ${name}` : ''}</span>
        <a href={href} data-action="linkage.flyTo" onClick={(e) => followLink(e, href)}>{t('act.flyTo')}</a>
        <small>{t('startedAt', { t: new Date(run.startedAt).toLocaleTimeString(lang === 'en' ? 'en-GB' : 'zh-CN') })}</small>
        {operate && run.state === 'running' && !big && (
          <button type="button" data-action="linkage.cancelRun" disabled={busy} onClick={() => void act(() => api.post('/api/linkage/runs/{id}/cancel', { params: { id: run.id }, body: {} }))}>{t('act.cancelRun')}</button>
        )}
      </header>
      <ol className="linkage-steps">
        {run.steps.map((s) => (
          <li key={s.n} className={`step-${s.state}`} data-step={s.n} data-step-kind={s.kind} data-step-state={s.state}>
            <span className="step-badge">{t(`stepState.${s.state}`)}</span>{' '}
            <span className="step-title">{stepTitle(s, t, lang)}</span>
            {s.risky && s.state === 'pending' && <span className="step-risky"> ⚠</span>}
            {s.commands.length > 0 && (
              <span className="step-commands"> · {t('sent', { ok: s.commands.filter((c) => c.state === 'succeeded').length, n: s.commands.length })}
                {!big && (
                  <span className="step-devices"> ({s.commands.map((c) => `${c.device} ${t(`cmdState.${c.state}`, { defaultValue: c.state })}`).join('，')})</span>
                )}
              </span>
            )}
            {s.kind === 'work_order' && s.result && typeof s.result.code === 'string' && <span className="step-wo"> · {t('workOrder', { code: s.result.code })}</span>}
            {s.confirmedBy && !big && <small> · {t('confirmedBy', { who: s.confirmedBy })}</small>}
            {s.cancelledBy && !big && <small> · {t('cancelledBy', { who: s.cancelledBy })}</small>}
            {s.kind === 'cameras' && s.state === 'done' && <CameraList alarm={run.alarm} idx={run.idx} limit={s.spec.kind === 'cameras' ? s.spec.limit : 4} />}
            {operate && s.state === 'awaiting_confirmation' && (
              <span className="step-actions">
                <button type="button" className="confirm" data-action="linkage.confirm" disabled={busy}
                  onClick={() => void act(() => api.post('/api/linkage/runs/{id}/steps/{n}/confirm', { params: { id: run.id, n: s.n }, body: {} }))}>{t('act.confirm')}</button>{' '}
                <button type="button" data-action="linkage.cancelStep" disabled={busy}
                  onClick={() => void act(() => api.post('/api/linkage/runs/{id}/steps/{n}/cancel', { params: { id: run.id, n: s.n }, body: {} }))}>{t('act.cancelStep')}</button>
              </span>
            )}
            {operate && (s.state === 'running' || s.state === 'pending') && run.state === 'running' && !big && (
              <button type="button" className="step-cancel" data-action="linkage.cancelStep" disabled={busy}
                onClick={() => void act(() => api.post('/api/linkage/runs/{id}/steps/{n}/cancel', { params: { id: run.id, n: s.n }, body: {} }))}>{t('act.cancelStep')}</button>
            )}
          </li>
        ))}
      </ol>
      {error && <p className="linkage-error" role="alert">{error}</p>}
    </article>
  );
}
