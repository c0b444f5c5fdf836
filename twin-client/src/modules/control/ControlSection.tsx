/**
 * The equipment panel's remote-control section: what the device last reported (running, setpoint,
 * mode, door state), a button per command of its profile (setpoint with a number input, mode with
 * a choice), a second confirmation for risky commands (the server sends them only with the token
 * of the request), and the latest commands with their outcome, live from the stream's
 * `control.command` pushes (sent → done / refused / timeout).
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, type GetAnswer } from '../../api/client.ts';
import { useAuth } from '../../auth/SessionGate.tsx';
import type { SectionProps } from '../types.ts';
import './control.css';

type Device = GetAnswer<'/api/control/devices/{idx}'>;
type Command = Device['recent'][number];
type Spec = Device['commands'][number];
type Pending = { command: Command; token: string; expiresAt: string; label: string };

/** The section. */
export default function ControlSection({ obj }: SectionProps) {
  const { t, i18n } = useTranslation('control');
  const lang = i18n.language === 'en' ? 'en' : 'zh';
  const { can } = useAuth();
  const [dev, setDev] = useState<Device | null>(null);
  const [failed, setFailed] = useState(false);
  const [values, setValues] = useState<Record<string, string>>({});
  const [pending, setPending] = useState<Pending | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    const d = await api.get('/api/control/devices/{idx}', { params: { idx: obj.idx }, background: true });
    setDev(d);
  }, [obj.idx]);
  useEffect(() => {
    setDev(null);
    setPending(null);
    setError(null);
    void load().catch(() => setFailed(true));
    // Live: every node pushes control.command when a command of any device changes.
    let ws: WebSocket | null = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      try {
        const m = JSON.parse(ev.data) as { type?: string; idx?: number };
        if (m.type === 'control.command' && m.idx === obj.idx) void load().catch(() => {});
      } catch {
        // not JSON: ignore
      }
    };
    // A slow poll covers a lost socket (a timeout is decided by the server's clock).
    const poll = setInterval(() => void load().catch(() => {}), 5000);
    return () => {
      clearInterval(poll);
      ws?.close();
      ws = null;
    };
  }, [load, obj.idx]);

  if (failed) return <p className="control-none">{t('error.generic')}</p>;
  if (!dev) return <p>{t('loading')}</p>;
  if (dev.commands.length === 0) return <p className="control-none" data-control="none">{t('none')}</p>;

  const label = (c: Pick<Spec, 'label'>) => (lang === 'en' ? c.label.en : c.label.zh);
  const specOf = (action: string) => dev.commands.find((c) => c.action === action);
  const explain = (e: unknown) => {
    const s = e instanceof ApiError ? e.status : 0;
    return t(`error.${[400, 403, 404, 409, 422, 503].includes(s) ? s : 'generic'}`);
  };
  const send = async (c: Spec) => {
    setError(null);
    let value: number | string | undefined;
    if (c.value?.kind === 'number') {
      const v = Number(values[c.action] ?? '');
      if (values[c.action] === undefined || values[c.action] === '' || !Number.isFinite(v)) return setError(t('error.400'));
      value = v;
    } else if (c.value?.kind === 'enum') value = values[c.action] ?? c.value.options[0];
    setBusy(true);
    try {
      const r = (await api.post('/api/control/commands', { body: { idx: obj.idx, action: c.action, ...(value === undefined ? {} : { value }) } })) as { command: Command; confirmation: { token: string; expiresAt: string } | null };
      if (r.confirmation) setPending({ command: r.command, token: r.confirmation.token, expiresAt: r.confirmation.expiresAt, label: label(c) });
      await load();
    } catch (e) {
      setError(explain(e));
    } finally {
      setBusy(false);
    }
  };
  const decide = async (ok: boolean) => {
    if (!pending) return;
    setBusy(true);
    try {
      if (ok) await api.post('/api/control/commands/{id}/confirm', { params: { id: pending.command.id }, body: { token: pending.token } });
      else await api.post('/api/control/commands/{id}/cancel', { params: { id: pending.command.id }, body: {} });
      setPending(null);
      await load();
    } catch (e) {
      setPending(null);
      setError(explain(e));
      await load().catch(() => {});
    } finally {
      setBusy(false);
    }
  };

  const st = dev.state;
  const fmtValue = (c: Command) => {
    if (c.value === null) return '';
    if (typeof c.value === 'object') return lang === 'en' ? c.value.en : c.value.zh;
    if (c.action === 'mode' && typeof c.value === 'string') return t(`modeName.${c.value}`, { defaultValue: c.value });
    const unit = specOf(c.action)?.value;
    return `${c.value}${unit?.kind === 'number' && unit.unit ? ` ${unit.unit}` : ''}`;
  };
  const actionLabel = (c: Command) => {
    const s = specOf(c.action);
    return s ? label(s) : c.action;
  };
  const control = can('equipment:control');
  const latest = dev.recent[0];

  return (
    <div className="control-section" data-control={dev.device}>
      <div className="control-state" data-state={JSON.stringify(st ?? {})}>
        <strong>{t('state.title')}</strong>{' '}
        {st ? (
          <>
            {typeof st.running === 'boolean' && <span className={`chip ${st.running ? 'on' : 'off'}`}>{t(st.running ? 'state.running' : 'state.stopped')}</span>}
            {typeof st.setpoint === 'number' && <span className="chip" data-setpoint={st.setpoint}>{t('state.setpoint')} {st.setpoint}{specOf('setpoint')?.value?.kind === 'number' ? ` ${(specOf('setpoint')!.value as { unit?: string }).unit ?? ''}` : ''}</span>}
            {typeof st.mode === 'string' && <span className="chip">{t('state.mode')} {t(`modeName.${st.mode}`, { defaultValue: st.mode })}</span>}
            {typeof st.access === 'string' && <span className={`chip access-${st.access}`}>{t('state.access')} {t(`access.${st.access}`)}</span>}
            {st.recalled === true && <span className="chip off">{t('state.recalled')}</span>}
            {dev.stateAt && <small> · {t('state.at', { t: new Date(dev.stateAt).toLocaleTimeString(lang === 'en' ? 'en-GB' : 'zh-CN') })}</small>}
          </>
        ) : <small>{t('state.unknown')}</small>}
      </div>
      {!control && <p className="control-readonly">{t('noPermission')}</p>}
      {control && (
        <div className="control-commands">
          {dev.commands.map((c) => (
            <div key={c.action} className="control-command" data-command={c.action}>
              {c.value?.kind === 'number' && (
                <input type="number" data-input={c.action} min={c.value.min} max={c.value.max} step={c.value.step ?? 'any'} placeholder={`${c.value.min}–${c.value.max}`}
                  value={values[c.action] ?? ''} onChange={(e) => setValues({ ...values, [c.action]: e.target.value })} aria-label={label(c)} />
              )}
              {c.value?.kind === 'enum' && (
                <select data-input={c.action} value={values[c.action] ?? c.value.options[0]} onChange={(e) => setValues({ ...values, [c.action]: e.target.value })} aria-label={label(c)}>
                  {c.value.options.map((o) => <option key={o} value={o}>{t(`modeName.${o}`, { defaultValue: o })}</option>)}
                </select>
              )}
              <button type="button" data-action={`control.${c.action}`} className={c.risky ? 'risky' : ''} disabled={busy || !c.allowed || pending !== null}
                title={c.allowed ? undefined : t('error.403')} onClick={() => void send(c)}>
                {label(c)}{c.value ? ` · ${t('send')}` : ''}{c.risky && <span className="risky-mark"> ⚠ {t('risky')}</span>}
              </button>
            </div>
          ))}
        </div>
      )}
      {pending && (
        <div className="control-confirm" role="alertdialog" data-confirm={pending.command.id}>
          <strong>{t('confirm.title')}</strong>
          <p>{t('confirm.text', { action: pending.label, device: obj.details.name })}</p>
          <small>{t('confirm.expires', { s: Math.max(0, Math.round((Date.parse(pending.expiresAt) - Date.now()) / 1000)) })}</small>
          <div>
            <button type="button" className="risky" data-action="control.confirm" disabled={busy} onClick={() => void decide(true)}>{t('confirm.ok')}</button>{' '}
            <button type="button" data-action="control.cancel" disabled={busy} onClick={() => void decide(false)}>{t('confirm.cancel')}</button>
          </div>
        </div>
      )}
      {error && <p className="control-error" role="alert" data-error>{error}</p>}
      {latest && (
        <p className={`control-latest cmd-${latest.state}`} data-command-id={latest.id} data-command-state={latest.state}>
          {actionLabel(latest)} {fmtValue(latest)} · <strong>{t(`cmd.${latest.state}`)}</strong>
          {latest.state === 'refused' && latest.error ? ` (${latest.error})` : ''}
        </p>
      )}
      {dev.recent.length > 1 && (
        <details className="control-recent">
          <summary>{t('recent')}</summary>
          <ul>
            {dev.recent.slice(1).map((c) => (
              <li key={c.id} data-command-id={c.id} data-command-state={c.state}>
                {new Date(c.createdAt).toLocaleTimeString(lang === 'en' ? 'en-GB' : 'zh-CN')} · {actionLabel(c)} {fmtValue(c)} · {t(`cmd.${c.state}`)} · {t(`source.${c.source}`)} {c.requestedBy}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
