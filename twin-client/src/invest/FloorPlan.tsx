/**
 * The unit's floor plan as SVG: the floor outline, every room of the floor coloured by its lease
 * status (the unit itself highlighted), a north arrow and a 10 m scale bar. Coordinates are park
 * metres (x east, y north) from the server; SVG's y runs down, so y is negated.
 */
import { useTranslation } from 'react-i18next';
import type { LocalRings, UnitDetail } from '@park-twin/layers';
import { LEASE_COLOURS } from '../scene/controller.ts';

const path = (rings: LocalRings) => rings.map((r) => `M${r.map(([x, y]) => `${x},${-y}`).join('L')}Z`).join('');
const rgb = (c: readonly [number, number, number] | undefined) => (c ? `rgb(${c[0]},${c[1]},${c[2]})` : '#2a3a52');

/** Props: the panel data (plan and the unit). */
export function FloorPlan({ detail }: { detail: UnitDetail }) {
  const { t } = useTranslation('invest');
  const { outline, rooms } = detail.floorPlan;
  const pts = [...outline, ...rooms.flatMap((r) => r.rings)].flat();
  if (pts.length === 0) return null;
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => -p[1]);
  const pad = 4;
  const [x0, y0] = [Math.min(...xs) - pad, Math.min(...ys) - pad];
  const [w, h] = [Math.max(...xs) - x0 + pad, Math.max(...ys) - y0 + pad];
  const unit = rooms.find((r) => r.idx === detail.unit.idx);
  return (
    <svg className="floor-plan" viewBox={`${x0} ${y0} ${w} ${h + 8}`} role="img" aria-label={t('panel.plan')} data-rooms={rooms.length}>
      <path d={path(outline)} fill="#0d1a2c" stroke="#5d7ea8" strokeWidth={0.6} fillRule="evenodd" />
      {rooms.map((r) => (
        <path key={r.idx} d={path(r.rings)} data-room={r.idx} fillRule="evenodd" stroke="#0a1322" strokeWidth={0.3}
          fill={r.idx === detail.unit.idx ? 'none' : rgb(LEASE_COLOURS[r.leaseStatus])} fillOpacity={0.45} />
      ))}
      {unit && <path className="plan-unit" d={path(unit.rings)} fill="#3fc1ff" fillOpacity={0.8} stroke="#ffffff" strokeWidth={0.8} />}
      <g transform={`translate(${x0 + 2} ${y0 + h + 4})`} className="plan-scale">
        <line x1={0} y1={0} x2={10} y2={0} stroke="#d8e6f7" strokeWidth={0.6} />
        <text x={11} y={1.5} fontSize={3.5} fill="#7f98b8">10 m</text>
      </g>
      <g transform={`translate(${x0 + w - 4} ${y0 + h + 4})`}>
        <path d="M0,-3L1.5,1.5L0,0.5L-1.5,1.5Z" fill="#d8e6f7" />
        <text x={2.5} y={1.5} fontSize={3.5} fill="#7f98b8">N</text>
      </g>
    </svg>
  );
}
