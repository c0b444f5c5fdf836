/**
 * The unit panel: a unit's numbers (area, rent, monthly total, floor, availability), the
 * industries it suits, its floor plan, its photos (leasing module; upload for investment staff) and the tenants on its floor.
 */
import { useTranslation } from 'react-i18next';
import type { UnitDetail, UnitRow } from '@park-twin/layers';
import { localName } from '../i18n/index.ts';
import { FloorPlan } from './FloorPlan.tsx';
import { ObjectLink } from '../app/links.tsx';
import { EnterpriseLink } from '../modules/customers/link.tsx';
import { UnitPhotos } from '../modules/leasing/UnitPhotos.tsx';

/** Formatting shared by the list, the panel and the comparison. */
export function useUnitFormat() {
  const { t, i18n } = useTranslation('invest');
  const nf = new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 1 });
  return {
    t,
    area: (u: UnitRow) => `${nf.format(u.area)} ${t('unit.m2')}`,
    rent: (u: UnitRow) => `${nf.format(u.rent)} ${t('unit.rent')}`,
    monthly: (u: UnitRow) => `${new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 0 }).format(u.area * u.rent)} ${t('unit.yuan')}`,
    level: (u: UnitRow) => (u.level < 0 ? t('basement', { level: -u.level }) : t('level', { level: u.level })),
    building: (u: UnitRow) => localName({ name: u.buildingName, nameEn: u.buildingNameEn }),
    industry: (i: string) => t(`map:industry.${i}`),
    use: (u: UnitRow) => t(`uses.${u.use}`, { defaultValue: u.use }),
  };
}

/** Props of the panel. */
export interface UnitPanelProps {
  idx: number;
  /** The unit's data (null while loading; another unit's while switching). */
  detail: UnitDetail | null;
  error: string | null;
  compared: boolean;
  onCompare: () => void;
  onClose: () => void;
}

/** The panel of one unit. */
export function UnitPanel({ idx, detail: d, error, compared, onCompare, onClose }: UnitPanelProps) {
  const f = useUnitFormat();
  const { t } = f;
  const u = d?.unit.idx === idx ? d.unit : null;
  return (
    <section className="panel unit-panel" data-idx={idx} aria-live="polite">
      <header>
        <div>
          <div className="kind">{u ? `${f.building(u)} · ${f.level(u)}` : ''}</div>
          <h2 className="unit-name">{u ? localName(u) : '…'}</h2>
        </div>
        <button type="button" className="icon" aria-label={t('panel.close')} onClick={onClose}>×</button>
      </header>
      {error && <div className="error">{t('failed', { message: error })}</div>}
      {u && d && (
        <>
          <div className={`avail avail-${u.availability}`}>{t(`availability.${u.availability}`)}</div>
          <ObjectLink idx={u.idx} at={{ building: u.buildingIdx, floor: u.floorIdx, layer: 'lease' }} className="open-in-twin">{t('panel.openInTwin')}</ObjectLink>
          <table className="attrs">
            <tbody>
              <tr data-attr="area"><th>{t('panel.area')}</th><td>{f.area(u)}</td></tr>
              <tr data-attr="rent"><th>{t('panel.rent')}</th><td>{f.rent(u)}</td></tr>
              <tr data-attr="monthly"><th>{t('panel.monthly')}</th><td>{f.monthly(u)}</td></tr>
              <tr data-attr="floor"><th>{t('panel.floor')}</th><td>{f.level(u)}</td></tr>
              <tr data-attr="use"><th>{t('panel.use')}</th><td>{f.use(u)}</td></tr>
              {u.leaseEnd && <tr data-attr="leaseEnd"><th>{t('panel.leaseEnd')}</th><td>{u.leaseEnd}</td></tr>}
              <tr data-attr="availableFrom"><th>{t('panel.availableFrom')}</th><td>{u.availableFrom}</td></tr>
            </tbody>
          </table>
          <h3>{t('panel.suitable')}</h3>
          <div className="chips">{u.suitable.map((i) => <span key={i} className="chip" data-industry={i}>{f.industry(i)}</span>)}</div>
          <h3>{t('panel.plan')}</h3>
          <FloorPlan detail={d} />
          <h3>{t('panel.photos')}</h3>
          <UnitPhotos idx={idx} />
          <h3>{t('panel.neighbours')}</h3>
          {d.neighbours.length === 0 && <div className="muted">{t('panel.noNeighbours')}</div>}
          <ul className="neighbours">
            {d.neighbours.map((n) => (
              <li key={n.enterpriseIdx} data-enterprise={n.enterpriseIdx} data-industry={n.industry}>
                <span className="chip">{f.industry(n.industry)}</span>
                <span className="neighbour-name">{n.name ? <EnterpriseLink idx={n.enterpriseIdx}>{localName({ name: n.name, nameEn: n.nameEn })}</EnterpriseLink> : <i className="muted">{t('panel.hidden')}</i>}</span>
                <span className="muted">{t('panel.units', { count: n.units })}{n.adjacent ? ` · ${t('panel.adjacent')}` : ''}</span>
              </li>
            ))}
          </ul>
          <button type="button" className="primary compare-toggle" onClick={onCompare}>{compared ? t('panel.uncompare') : t('panel.compare')}</button>
        </>
      )}
    </section>
  );
}
