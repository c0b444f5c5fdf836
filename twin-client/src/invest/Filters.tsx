/**
 * The filter form: area, rent and floor ranges, building, suitable industry, the "soon vacant"
 * horizon and the sort. Number fields apply after a short pause in typing; the server validates
 * (a min above its max comes back as a clear message under the form).
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { INDUSTRIES, type Industry, type UnitsResult } from '@park-twin/layers';
import { localName } from '../i18n/index.ts';
import { DEFAULT_FILTERS, SORTS, type InvestFilters, type RangeKey, type Sort } from './url.ts';

const TYPING_MS = 400;

/** One number field bound to a range key; empty = no bound. */
function RangeInput({ k, value, onChange, placeholder }: { k: RangeKey; value: number | undefined; onChange: (k: RangeKey, v: number | undefined) => void; placeholder: string }) {
  const [text, setText] = useState(value === undefined ? '' : String(value));
  useEffect(() => setText(value === undefined ? '' : String(value)), [value]);
  useEffect(() => {
    const v = text.trim() === '' ? undefined : Number(text);
    if (v === value || (v !== undefined && !Number.isFinite(v))) return;
    const timer = setTimeout(() => onChange(k, v), TYPING_MS);
    return () => clearTimeout(timer);
  }, [text, value, k, onChange]);
  return <input type="number" name={k} inputMode="decimal" value={text} placeholder={placeholder} onChange={(e) => setText(e.target.value)} />;
}

/** Props of the form. */
export interface FiltersProps {
  filters: InvestFilters;
  buildings: UnitsResult['buildings'];
  onChange: (f: InvestFilters) => void;
}

/** The form. */
export function Filters({ filters, buildings, onChange }: FiltersProps) {
  const { t } = useTranslation('invest');
  // Stable between renders (hover re-renders the view), so a pending typing timer is not reset.
  const setRange = useCallback((k: RangeKey, v: number | undefined) => {
    const next = { ...filters };
    if (v === undefined) delete next[k];
    else next[k] = v;
    onChange(next);
  }, [filters, onChange]);
  const range = (label: string, lo: RangeKey, hi: RangeKey) => (
    <label className="range">
      <span>{label}</span>
      <RangeInput k={lo} value={filters[lo]} onChange={setRange} placeholder={t('filters.min')} />
      <span className="dash">–</span>
      <RangeInput k={hi} value={filters[hi]} onChange={setRange} placeholder={t('filters.max')} />
    </label>
  );
  const pick = <K extends 'building' | 'industry'>(k: K, v: string) => {
    const next = { ...filters };
    if (v) next[k] = v as InvestFilters[K];
    else delete next[k];
    onChange(next);
  };
  return (
    <form className="invest-filters" onSubmit={(e) => e.preventDefault()}>
      {range(t('filters.area'), 'minArea', 'maxArea')}
      {range(t('filters.rent'), 'minRent', 'maxRent')}
      {range(t('filters.level'), 'minLevel', 'maxLevel')}
      <label>
        <span>{t('filters.building')}</span>
        <select name="building" value={filters.building ?? ''} onChange={(e) => pick('building', e.target.value)}>
          <option value="">{t('filters.any')}</option>
          {buildings.map((b) => <option key={b.code} value={b.code}>{localName(b)}</option>)}
        </select>
      </label>
      <label>
        <span>{t('filters.industry')}</span>
        <select name="industry" value={filters.industry ?? ''} onChange={(e) => pick('industry', e.target.value as Industry | '')}>
          <option value="">{t('filters.any')}</option>
          {INDUSTRIES.map((i) => <option key={i} value={i}>{t(`map:industry.${i}`)}</option>)}
        </select>
      </label>
      <label className="within">
        <span>{t('filters.within', { months: filters.within })}</span>
        <input type="range" name="within" min={0} max={36} step={1} value={filters.within}
          onChange={(e) => onChange({ ...filters, within: Number(e.target.value) })} />
      </label>
      <label>
        <span>{t('filters.sort')}</span>
        <select name="sort" value={filters.sort} onChange={(e) => onChange({ ...filters, sort: e.target.value as Sort })}>
          {SORTS.map((s) => <option key={s} value={s}>{t(`filters.sorts.${s}`)}</option>)}
        </select>
      </label>
      <button type="button" className="link" onClick={() => onChange({ ...DEFAULT_FILTERS })}>{t('filters.reset')}</button>
    </form>
  );
}
