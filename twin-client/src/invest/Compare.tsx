/**
 * The comparison tray: up to three units side by side (numbers, availability, suitable and
 * neighbouring industries). Loaded from `/api/invest/compare`, so units from a shared link show
 * even when today's filters would hide them.
 */
import { useEffect, useState } from 'react';
import type { UnitRow } from '@park-twin/layers';
import { localName } from '../i18n/index.ts';
import { fetchCompare } from './api.ts';
import { useUnitFormat } from './UnitPanel.tsx';

/** Props of the tray. */
export interface CompareProps {
  park: string;
  units: readonly number[];
  within: number;
  /** Why the last add was refused, if it was. */
  notice: string | null;
  onRemove: (idx: number) => void;
  onClear: () => void;
  onSelect: (idx: number) => void;
}

/** The tray; renders nothing when no unit is compared. */
export function Compare({ park, units, within, notice, onRemove, onClear, onSelect }: CompareProps) {
  const f = useUnitFormat();
  const { t } = f;
  const [rows, setRows] = useState<UnitRow[]>([]);
  const [error, setError] = useState<string | null>(null);
  const key = units.join(',');
  useEffect(() => {
    if (!key) return setRows([]);
    const ac = new AbortController();
    setError(null);
    fetchCompare(park, key.split(',').map(Number), within, ac.signal).then((r) => setRows(r.units), (e: Error) => {
      if (e.name !== 'AbortError') setError(e.message);
    });
    return () => ac.abort();
  }, [park, key, within]);
  if (units.length === 0 && !notice) return null;
  const shown = units.map((i) => rows.find((r) => r.idx === i)).filter((r): r is UnitRow => r !== undefined);
  const line = (label: string, attr: string, cell: (u: UnitRow) => React.ReactNode) => (
    <tr data-attr={attr}><th>{label}</th>{shown.map((u) => <td key={u.idx}>{cell(u)}</td>)}</tr>
  );
  return (
    <section className="panel compare-tray" data-units={key}>
      <header>
        <h3>{t('compare.title')} ({units.length}/3)</h3>
        {units.length > 0 && <button type="button" className="link" onClick={onClear}>{t('compare.clear')}</button>}
      </header>
      {notice && <div className="notice" role="alert">{notice}</div>}
      {error && <div className="error">{t('failed', { message: error })}</div>}
      {shown.length > 0 && (
        <table className="compare-table">
          <thead>
            <tr>
              <th />
              {shown.map((u) => (
                <th key={u.idx} data-idx={u.idx}>
                  <button type="button" className="link" onClick={() => onSelect(u.idx)}>{localName(u)}</button>
                  <button type="button" className="icon" aria-label={t('compare.remove')} onClick={() => onRemove(u.idx)}>×</button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {line(t('panel.building'), 'building', f.building)}
            {line(t('panel.floor'), 'floor', f.level)}
            {line(t('panel.area'), 'area', f.area)}
            {line(t('panel.rent'), 'rent', f.rent)}
            {line(t('panel.monthly'), 'monthly', f.monthly)}
            {line(t('panel.status'), 'status', (u) => t(`availability.${u.availability}`))}
            {line(t('panel.availableFrom'), 'availableFrom', (u) => u.availableFrom)}
            {line(t('panel.suitable'), 'suitable', (u) => u.suitable.map(f.industry).join('、'))}
            {line(t('compare.neighbourIndustries'), 'neighbours', (u) => u.neighbourIndustries.map(f.industry).join('、') || '—')}
          </tbody>
        </table>
      )}
    </section>
  );
}
