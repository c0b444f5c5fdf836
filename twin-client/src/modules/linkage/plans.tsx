/**
 * The linkage plans: the list (trigger, steps) and, for principals holding `linkage:write`, the
 * editor (name, trigger kinds, severity, zone or building, steps added, removed, reordered, each
 * with its own fields). The server checks everything again (400 naming the field, 422 unknown
 * command, zone or building, 409 someone else's edit).
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, type GetAnswer } from '../../api/client.ts';
import { stepTitle } from './runs.tsx';

type Plans = GetAnswer<'/api/linkage/plans'>;
type Plan = Plans['plans'][number];
type StepSpec = Plan['steps'][number];
type Draft = { id: number | null; version: number; code: string; nameZh: string; nameEn: string; kinds: string; minSeverity: number; zone: string; building: string; enabled: boolean; steps: StepSpec[] };

const blank: Draft = { id: null, version: 0, code: '', nameZh: '', nameEn: '', kinds: 'perimeter_intrusion', minSeverity: 1, zone: '', building: '', enabled: true, steps: [{ kind: 'fly_to' }] };
const toDraft = (p: Plan): Draft => ({
  id: p.id, version: p.version, code: p.code, nameZh: p.name.zh, nameEn: p.name.en, kinds: p.trigger.kinds.join(', '), minSeverity: p.trigger.minSeverity,
  zone: p.trigger.zone === null ? '' : String(p.trigger.zone), building: p.trigger.building === null ? '' : String(p.trigger.building), enabled: p.enabled, steps: p.steps,
});
const NEW_STEP: Record<StepSpec['kind'], StepSpec> = {
  fly_to: { kind: 'fly_to' },
  cameras: { kind: 'cameras', limit: 4 },
  command: { kind: 'command', target: 'zone_access_points', action: 'lock', confirm: true },
  announce: { kind: 'announce', text: { zh: '', en: '' } },
  display: { kind: 'display', text: { zh: '', en: '' } },
  work_order: { kind: 'work_order', title: { zh: '', en: '' }, priority: 'urgent', trade: 'weak_current' },
};

/** One step's fields. */
function StepFields({ step, targets, onChange }: { step: StepSpec; targets: Plans['targets']; onChange: (s: StepSpec) => void }) {
  const { t } = useTranslation('linkage');
  const bi = (v: { zh: string; en: string }, zh: string, en: string, set: (v: { zh: string; en: string }) => void) => (
    <>
      <label>{t(zh)}<input value={v.zh} data-field={`${zh}`} onChange={(e) => set({ ...v, zh: e.target.value })} /></label>
      <label>{t(en)}<input value={v.en} data-field={`${en}`} onChange={(e) => set({ ...v, en: e.target.value })} /></label>
    </>
  );
  switch (step.kind) {
    case 'cameras':
      return <label>{t('plan.limit')}<input type="number" min={1} max={8} value={step.limit} onChange={(e) => onChange({ ...step, limit: Number(e.target.value) })} /></label>;
    case 'command':
      return (
        <>
          <label>{t('plan.target')}
            <select value={typeof step.target === 'string' ? step.target : 'zone_access_points'} data-field="target" onChange={(e) => onChange({ ...step, target: e.target.value as typeof targets[number] })}>
              {targets.map((x) => <option key={x} value={x}>{t(`target.${x}`)}</option>)}
            </select>
          </label>
          <label>{t('plan.actionCode')}
            <select value={step.action} data-field="action" onChange={(e) => onChange({ ...step, action: e.target.value })}>
              {['lock', 'unlock', 'normal', 'recall', 'release', 'start', 'stop'].map((a) => <option key={a} value={a}>{t(`action.${a}`)}</option>)}
            </select>
          </label>
          {bi(step.label ?? { zh: '', en: '' }, 'plan.labelZh', 'plan.labelEn', (v) => onChange({ ...step, ...(v.zh || v.en ? { label: v } : {}) }))}
        </>
      );
    case 'announce':
    case 'display':
      return bi(step.text, 'plan.textZh', 'plan.textEn', (v) => onChange({ ...step, text: v }));
    case 'work_order':
      return (
        <>
          {bi(step.title, 'plan.titleZh', 'plan.titleEn', (v) => onChange({ ...step, title: v }))}
          <label>{t('plan.priority')}
            <select value={step.priority} onChange={(e) => onChange({ ...step, priority: e.target.value as typeof step.priority })}>
              {(['urgent', 'high', 'normal', 'low'] as const).map((p) => <option key={p} value={p}>{t(`priority.${p}`)}</option>)}
            </select>
          </label>
        </>
      );
    default:
      return null;
  }
}

/** The plan editor. */
function PlanEditor({ draft: initial, targets, onDone }: { draft: Draft; targets: Plans['targets']; onDone: () => void }) {
  const { t } = useTranslation('linkage');
  const [d, setD] = useState<Draft>(initial);
  const [error, setError] = useState<string | null>(null);
  const setStep = (i: number, s: StepSpec) => setD({ ...d, steps: d.steps.map((x, j) => (j === i ? s : x)) });
  const move = (i: number, by: number) => {
    const s = [...d.steps];
    const [x] = s.splice(i, 1);
    s.splice(i + by, 0, x!);
    setD({ ...d, steps: s });
  };
  const save = async () => {
    setError(null);
    const num = (v: string) => (v.trim() === '' ? null : Number(v));
    const plan = {
      code: d.code.trim(), name: { zh: d.nameZh.trim(), en: d.nameEn.trim() },
      trigger: { kinds: d.kinds.split(/[,，\s]+/).filter(Boolean), minSeverity: d.minSeverity, zone: num(d.zone), building: num(d.building) },
      steps: d.steps, enabled: d.enabled,
    };
    try {
      if (d.id === null) await api.post('/api/linkage/plans', { body: plan });
      else await api.put('/api/linkage/plans/{id}', { params: { id: d.id }, body: { version: d.version, plan } });
      onDone();
    } catch (e) {
      const s = e instanceof ApiError ? e.status : 0;
      setError(t(`error.${[400, 403, 404, 409, 422].includes(s) ? s : 'generic'}`));
    }
  };
  return (
    <form className="linkage-editor" data-editor={d.id ?? 'new'} onSubmit={(e) => { e.preventDefault(); void save(); }}>
      <div className="row">
        <label>{t('plan.code')}<input value={d.code} data-field="code" onChange={(e) => setD({ ...d, code: e.target.value })} /></label>
        <label>{t('plan.nameZh')}<input value={d.nameZh} data-field="nameZh" onChange={(e) => setD({ ...d, nameZh: e.target.value })} /></label>
        <label>{t('plan.nameEn')}<input value={d.nameEn} data-field="nameEn" onChange={(e) => setD({ ...d, nameEn: e.target.value })} /></label>
      </div>
      <div className="row">
        <label>{t('plan.kinds')}<input value={d.kinds} data-field="kinds" onChange={(e) => setD({ ...d, kinds: e.target.value })} /></label>
        <label>{t('plan.minSeverity')}<select value={d.minSeverity} onChange={(e) => setD({ ...d, minSeverity: Number(e.target.value) })}>{[1, 2, 3].map((n) => <option key={n} value={n}>{n}</option>)}</select></label>
        <label>{t('plan.zone')}<input value={d.zone} inputMode="numeric" data-field="zone" onChange={(e) => setD({ ...d, zone: e.target.value })} /></label>
        <label>{t('plan.building')}<input value={d.building} inputMode="numeric" onChange={(e) => setD({ ...d, building: e.target.value })} /></label>
        <label className="check"><input type="checkbox" checked={d.enabled} onChange={(e) => setD({ ...d, enabled: e.target.checked })} />{t('plan.enabled')}</label>
      </div>
      <h4>{t('plan.steps')}</h4>
      <ol className="linkage-edit-steps">
        {d.steps.map((s, i) => (
          <li key={i} data-edit-step={i}>
            <label>{t('plan.kind')}
              <select value={s.kind} data-field="kind" onChange={(e) => setStep(i, NEW_STEP[e.target.value as StepSpec['kind']])}>
                {(Object.keys(NEW_STEP) as StepSpec['kind'][]).map((k) => <option key={k} value={k}>{t(`step.${k}`)}</option>)}
              </select>
            </label>
            <StepFields step={s} targets={targets} onChange={(x) => setStep(i, x)} />
            <label className="check"><input type="checkbox" checked={Boolean(s.confirm)} onChange={(e) => setStep(i, { ...s, confirm: e.target.checked })} />{t('plan.confirmStep')}</label>
            <span className="buttons">
              <button type="button" disabled={i === 0} onClick={() => move(i, -1)}>{t('act.up')}</button>
              <button type="button" disabled={i === d.steps.length - 1} onClick={() => move(i, 1)}>{t('act.down')}</button>
              <button type="button" disabled={d.steps.length === 1} onClick={() => setD({ ...d, steps: d.steps.filter((_, j) => j !== i) })}>{t('act.remove')}</button>
            </span>
          </li>
        ))}
      </ol>
      <button type="button" data-action="linkage.addStep" onClick={() => setD({ ...d, steps: [...d.steps, { kind: 'cameras', limit: 4 }] })}>{t('act.addStep')}</button>
      {error && <p className="linkage-error" role="alert" data-error>{error}</p>}
      <div className="buttons">
        <button type="submit" data-action="linkage.save">{t('act.save')}</button>
        <button type="button" onClick={onDone}>{t('act.close')}</button>
      </div>
    </form>
  );
}

/** The list of plans with the editor. */
export function PlansPanel({ plans, canWrite, reload }: { plans: Plans | null; canWrite: boolean; reload: () => void }) {
  const { t, i18n } = useTranslation('linkage');
  const lang = i18n.language === 'en' ? 'en' : 'zh';
  const [editing, setEditing] = useState<Draft | null>(null);
  if (!plans) return <p>{t('loading')}</p>;
  return (
    <section className="linkage-plans">
      <h2>{t('plans')}</h2>
      {!canWrite && <p className="muted">{t('plan.readOnly')}</p>}
      {canWrite && !editing && <button type="button" data-action="linkage.addPlan" onClick={() => setEditing({ ...blank })}>{t('act.add')}</button>}
      {editing && <PlanEditor draft={editing} targets={plans.targets} onDone={() => { setEditing(null); reload(); }} />}
      <ul>
        {plans.plans.map((p) => (
          <li key={p.id} data-plan={p.code} className={p.enabled ? '' : 'disabled'}>
            <strong>{lang === 'en' ? p.name.en : p.name.zh}</strong>{' '}
            <small>{t('plan.trigger', { kinds: p.trigger.kinds.map((k) => t(`kind.${k}`, { defaultValue: k })).join('、') })} · {t('plan.version', { v: p.version })}</small>
            {canWrite && <button type="button" className="link" data-action="linkage.edit" onClick={() => setEditing(toDraft(p))}>{t('act.edit')}</button>}
            <ol>{p.steps.map((s, i) => <li key={i}>{stepTitle({ spec: s }, t, lang)}{s.confirm ? ' ⚠' : ''}</li>)}</ol>
          </li>
        ))}
      </ul>
    </section>
  );
}
