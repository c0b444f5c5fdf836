/**
 * The alarm rules (`/alarms/rules`): every rule with its scope, condition, duration and severity;
 * with `alarm:control`, create, edit (with the version read: a concurrent edit is a 409 and a
 * reload), enable / disable and delete (shipped defaults can only be disabled). The server checks
 * everything again; its 400/422 message is shown as it is.
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, type GetAnswer } from '../../api/client.ts';
import { useAuth } from '../../auth/SessionGate.tsx';
import './alarms.css';

type Rules = GetAnswer<'/api/alarm-console/rules'>;
type Rule = Rules['rules'][number];

/** What the form edits (JSON texts for the condition trees). */
interface Draft {
  id: number | null; version: number; code: string; nameZh: string; nameEn: string; layer: string; kind: string;
  equipmentType: string; building: string; floor: string; object: string; zone: string;
  condition: string; forSeconds: number; latch: boolean; clearOn: string; noDataMinutes: string; severity: 1 | 2 | 3; messageZh: string; messageEn: string; enabled: boolean;
}

const EMPTY: Draft = {
  id: null, version: 0, code: '', nameZh: '', nameEn: '', layer: 'equipment', kind: '', equipmentType: '', building: '', floor: '', object: '', zone: '',
  condition: '{"op":"above","field":"temperature","value":28,"hysteresis":1}', forSeconds: 300, latch: false, clearOn: '', noDataMinutes: '', severity: 2,
  messageZh: '{value} °C，持续 {minutes} 分钟', messageEn: '{value} °C for {minutes} min', enabled: true,
};

function draftOf(r: Rule): Draft {
  const s = r.scope as Record<string, string | number | undefined>;
  const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  return {
    id: r.id, version: r.version, code: r.code, nameZh: r.name.zh, nameEn: r.name.en, layer: r.layer, kind: r.kind,
    equipmentType: str(s.equipmentType), building: str(s.building), floor: str(s.floor), object: str(s.object), zone: str(s.zone),
    condition: r.condition ? JSON.stringify(r.condition) : '', forSeconds: r.forSeconds, latch: r.latch, clearOn: r.clearOn ? JSON.stringify(r.clearOn) : '',
    noDataMinutes: str(r.noDataMinutes), severity: Math.min(3, Math.max(1, r.severity)) as 1 | 2 | 3, messageZh: r.message.zh, messageEn: r.message.en, enabled: r.enabled,
  };
}

/** The rule body the server takes, from a draft (throws on JSON that does not parse). */
function bodyOf(d: Draft) {
  const num = (v: string) => (v.trim() ? Number(v) : undefined);
  const scope = Object.fromEntries(Object.entries({
    equipmentType: d.equipmentType.trim() || undefined, building: num(d.building), floor: num(d.floor), object: num(d.object), zone: num(d.zone),
  }).filter(([, v]) => v !== undefined));
  return {
    code: d.code.trim(), name: { zh: d.nameZh.trim(), en: d.nameEn.trim() }, layer: d.layer, kind: d.kind.trim(), scope,
    condition: d.condition.trim() ? JSON.parse(d.condition) as never : null, forSeconds: d.forSeconds, latch: d.latch,
    clearOn: d.clearOn.trim() ? JSON.parse(d.clearOn) as never : null, noDataMinutes: num(d.noDataMinutes) ?? null,
    severity: d.severity, message: { zh: d.messageZh, en: d.messageEn }, enabled: d.enabled,
  };
}

/** The rules page. */
export default function RulesPage() {
  const { t, i18n } = useTranslation('alarms');
  const lang = i18n.language === 'en' ? 'en' : 'zh';
  const { can } = useAuth();
  const control = can('alarm:control');
  const [data, setData] = useState<Rules | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [msg, setMsg] = useState<string | null>(null);

  const load = useCallback(async () => setData(await api.get('/api/alarm-console/rules')), []);
  useEffect(() => { void load(); }, [load]);

  const fail = (e: unknown) => {
    if (e instanceof SyntaxError) return setMsg(t('rule.badJson'));
    const err = e as ApiError;
    setMsg(err.status === 409 ? `${t('error.409')}: ${err.message}` : t('error.generic', { msg: err.message }));
    if (err.status === 409) void load();
  };
  const save = async () => {
    if (!draft) return;
    try {
      const body = bodyOf(draft);
      if (draft.id === null) await api.post('/api/alarm-console/rules', { body });
      else await api.put('/api/alarm-console/rules/{id}', { params: { id: draft.id }, body: { version: draft.version, rule: body } });
      setDraft(null);
      setMsg(t('rule.saved'));
      await load();
    } catch (e) {
      fail(e);
    }
  };
  const toggle = async (r: Rule) => {
    try {
      await api.put('/api/alarm-console/rules/{id}', { params: { id: r.id }, body: { version: r.version, rule: { ...bodyOf(draftOf(r)), enabled: !r.enabled } } });
      await load();
    } catch (e) {
      fail(e);
    }
  };
  const remove = async (r: Rule) => {
    try {
      await api.delete('/api/alarm-console/rules/{id}', { params: { id: r.id } });
      await load();
    } catch (e) {
      fail(e);
    }
  };
  const field = (k: keyof Draft, label: string, type: 'text' | 'number' = 'text', wide = false) => (
    <label className={wide ? 'wide' : ''}>{label}
      <input type={type} value={String(draft?.[k] ?? '')} data-rule-field={k}
        onChange={(e) => setDraft((d) => d && ({ ...d, [k]: type === 'number' ? Number(e.target.value) : e.target.value }))} />
    </label>
  );
  const area = (k: 'condition' | 'clearOn', label: string) => (
    <label className="wide">{label}<textarea value={draft?.[k] ?? ''} data-rule-field={k} onChange={(e) => setDraft((d) => d && ({ ...d, [k]: e.target.value }))} /></label>
  );

  return (
    <div className="alarm-rules" data-view="alarm-rules">
      <header className="alarm-head">
        <h1>{t('rulesTitle')}</h1>
        {control ? <button type="button" data-rule-action="add" onClick={() => setDraft({ ...EMPTY })}>{t('rule.add')}</button> : <span>{t('rule.readOnly')}</span>}
      </header>
      {msg && <p className="alarm-error" role="status">{msg}</p>}
      {draft && (
        <form className="alarm-rule-form panel" data-rule-form={draft.id ?? 'new'} onSubmit={(e) => { e.preventDefault(); void save(); }}>
          {field('code', t('rule.code'))}
          {field('nameZh', t('rule.nameZh'))}
          {field('nameEn', t('rule.nameEn'))}
          <label>{t('rule.layer')}
            <select value={draft.layer} data-rule-field="layer" onChange={(e) => setDraft({ ...draft, layer: e.target.value })}>
              {(data?.layers ?? []).map((l) => <option key={l.name} value={l.name}>{l.name} ({l.fields.join(', ')})</option>)}
            </select>
          </label>
          {field('kind', t('rule.kind'))}
          <label>{t('rule.severity')}
            <select value={draft.severity} data-rule-field="severity" onChange={(e) => setDraft({ ...draft, severity: Number(e.target.value) as 1 | 2 | 3 })}>
              {[1, 2, 3].map((s) => <option key={s} value={s}>{t(`severity.${s}`)}</option>)}
            </select>
          </label>
          {field('equipmentType', t('rule.scopeType'))}
          {field('building', t('rule.scopeBuilding'))}
          {field('floor', t('rule.scopeFloor'))}
          {field('zone', t('rule.scopeZone'))}
          {field('object', t('rule.scopeObject'))}
          {area('condition', t('rule.condition'))}
          <p className="wide">{t('rule.help')}</p>
          {field('forSeconds', t('rule.forSeconds'), 'number')}
          {field('noDataMinutes', t('rule.noData'))}
          <label><span><input type="checkbox" checked={draft.latch} onChange={(e) => setDraft({ ...draft, latch: e.target.checked })} /> {t('rule.latch')}</span></label>
          <label><span><input type="checkbox" checked={draft.enabled} onChange={(e) => setDraft({ ...draft, enabled: e.target.checked })} /> {t('rule.enabled')}</span></label>
          {area('clearOn', t('rule.clearOn'))}
          {field('messageZh', t('rule.messageZh'), 'text', true)}
          {field('messageEn', t('rule.messageEn'), 'text', true)}
          <div className="wide">
            <button type="submit" data-rule-action="save">{t('rule.save')}</button> <button type="button" onClick={() => setDraft(null)}>{t('act.cancel')}</button>
          </div>
        </form>
      )}
      <table>
        <thead><tr><th>{t('rule.code')}</th><th>{t('rule.kind')}</th><th>{t('rule.layer')}</th><th>{t('rule.scope')}</th><th>{t('rule.condition')}</th><th>{t('rule.severity')}</th><th /></tr></thead>
        <tbody>
          {data?.rules.map((r) => (
            <tr key={r.id} data-rule={r.code} data-enabled={r.enabled}>
              <td>{lang === 'en' ? r.name.en : r.name.zh}<br /><code>{r.code}</code>{r.builtin ? ` · ${t('rule.builtin')}` : ''}</td>
              <td><code>{r.kind}</code></td>
              <td>{r.layer}</td>
              <td><code>{JSON.stringify(r.scope)}</code></td>
              <td><code>{r.condition ? JSON.stringify(r.condition) : `${t('rule.noData')}: ${r.noDataMinutes}`}</code>{r.forSeconds ? ` · ${r.forSeconds} s` : ''}</td>
              <td>{t(`severity.${r.severity}`)}</td>
              <td>
                {control && <button type="button" data-rule-action="edit" onClick={() => setDraft(draftOf(r))}>{t('rule.edit')}</button>}
                {control && <button type="button" data-rule-action="toggle" onClick={() => void toggle(r)}>{r.enabled ? t('rule.disable') : t('rule.enable')}</button>}
                {control && !r.builtin && <button type="button" data-rule-action="delete" onClick={() => void remove(r)}>{t('rule.delete')}</button>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
