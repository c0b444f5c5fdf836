/**
 * The unit list beside the scene, in step with it: hovering a row lights the unit in 3D and
 * hovering the unit in 3D marks its row; a click selects either way (the selected row scrolls
 * into view). Rows are memoized, so a hover re-renders two rows, not the list.
 */
import { memo, useEffect, useRef } from 'react';
import type { UnitRow } from '@park-twin/layers';
import { useUnitFormat } from './UnitPanel.tsx';

/** Row handlers; they must be stable between renders. */
export interface RowHandlers {
  onHover: (idx: number) => void;
  onSelect: (idx: number) => void;
  onToggleCompare: (idx: number) => void;
}

const Row = memo(function Row({ u, selected, hovered, compared, h }: { u: UnitRow; selected: boolean; hovered: boolean; compared: boolean; h: RowHandlers }) {
  const f = useUnitFormat();
  const { t } = f;
  const cls = ['unit-row', selected ? 'selected' : '', hovered ? 'hover' : '', `row-${u.availability}`].filter(Boolean).join(' ');
  return (
    <tr className={cls} data-idx={u.idx} aria-selected={selected} onMouseEnter={() => h.onHover(u.idx)} onMouseLeave={() => h.onHover(0)}
      onClick={() => h.onSelect(u.idx)}>
      <td><span className="dot" /><strong>{u.buildingCode}</strong> {u.code}<div className="muted small">{f.level(u)} · {f.use(u)}</div></td>
      <td className="num">{f.area(u)}</td>
      <td className="num">{u.rent}</td>
      <td className="num small">{u.availability === 'vacant' || u.availability === 'reserved' ? t(`availability.${u.availability}`) : u.availableFrom}</td>
      <td>
        <button type="button" className={`cmp ${compared ? 'on' : ''}`} aria-pressed={compared} title={compared ? t('panel.uncompare') : t('panel.compare')}
          onClick={(e) => { e.stopPropagation(); h.onToggleCompare(u.idx); }}>{compared ? '✓' : '+'}</button>
      </td>
    </tr>
  );
});

/** Props of the list. */
export interface UnitListProps {
  units: readonly UnitRow[];
  selected: number;
  hovered: number;
  compare: readonly number[];
  handlers: RowHandlers;
}

/** The list. */
export function UnitList({ units, selected, hovered, compare, handlers }: UnitListProps) {
  const { t } = useUnitFormat();
  const body = useRef<HTMLTableSectionElement>(null);
  useEffect(() => {
    body.current?.querySelector(`tr[data-idx="${selected}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [selected]);
  return (
    <div className="unit-list">
      <table>
        <thead>
          <tr><th>{t('list.unit')}</th><th className="num">{t('list.area')}</th><th className="num">{t('list.rent')}</th><th className="num">{t('list.from')}</th><th /></tr>
        </thead>
        <tbody ref={body}>
          {units.map((u) => (
            <Row key={u.idx} u={u} selected={u.idx === selected} hovered={u.idx === hovered} compared={compare.includes(u.idx)} h={handlers} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
