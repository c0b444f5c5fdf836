/**
 * The drill-down panel of one twin object (room, unit, equipment, floor, building): metadata from
 * GET /api/twin/objects/:idx, live values from the live store, a short history chart, and for
 * equipment its open work orders (when the user may read equipment).
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LAYERS, type LayerDef } from '@park-twin/layers';
import { getJson } from '../api.ts';
import { localName } from '../i18n/index.ts';
import type { TwinController } from '../scene/controller.ts';
import { HistoryChart, type HistoryPoint } from './HistoryChart.tsx';
import { useAuth } from '../auth/SessionGate.tsx';
import { WorkOrders } from '../ops/panels.tsx';

/** What the details route returns. */
export interface ObjectDetails {
  idx: number;
  uuid: string;
  kind: string;
  name: string;
  nameEn: string | null;
  attributes: Record<string, unknown>;
  path: Array<{ idx: number; kind: string; name: string; nameEn: string | null }>;
}

const SHOWN: Record<string, string[]> = {
  room: ['code', 'use', 'area', 'capacity', 'lease_status', 'rent', 'enterprise_name', 'lease_end', 'floor_level'],
  equipment: ['code', 'type', 'model', 'manufacturer', 'status', 'install_date', 'last_maintained', 'rated_power_kw'],
  floor: ['level', 'elevation', 'height', 'rooms'],
  building: ['code', 'use', 'height', 'floors_above', 'floors_below', 'year'],
  pipe_segment: ['code', 'network', 'diameter_mm', 'depth', 'material'],
  pipe_node: ['code', 'network'],
};

/** The layer whose history the panel charts for a kind of object. */
function historyLayer(kind: string): LayerDef {
  const name = kind === 'equipment' ? 'equipment' : kind === 'enterprise' ? 'economy' : 'occupancy';
  return LAYERS.find((l) => l.name === name)!;
}

/** Live values of every layer that has one for idx; refreshed every second from the store. */
function LiveValues({ ctl, idx }: { ctl: TwinController; idx: number }) {
  const { t, i18n } = useTranslation();
  const [, tick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, []);
  const rows = LAYERS.map((l) => ({ l, v: ctl.store.get(l.name, idx) })).filter((r) => r.v !== null);
  if (rows.length === 0) return <p className="muted">{t('panel.noLive')}</p>;
  const en = i18n.language === 'en';
  return (
    <table className="attrs live-values">
      <tbody>
        {rows.map(({ l, v }) => (
          <tr key={l.name} data-layer={l.name}>
            <th>{en ? l.title.en : l.title.zh}</th>
            <td>
              <span className={`status status-${v!.status}`}>{t(`status.${v!.status}`)}</span>{' '}
              <span className="live-value">{Math.round(v!.value * 10) / 10}</span> {en ? l.unit.en : l.unit.zh}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Formats an attribute value for display (lease statuses translated). */
function formatValue(key: string, v: unknown, t: (k: string) => string): string {
  if (v === null || v === undefined) return '—';
  if (key === 'lease_status') return t(`lease.${String(v)}`);
  if (key === 'status' && typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? '✓' : '✗';
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) return v.slice(0, 10);
  return String(v);
}

/** Props: the controller (live store) and the selected idx. */
export function ObjectPanel({ ctl, idx, onClose }: { ctl: TwinController; idx: number; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const { can } = useAuth();
  const [details, setDetails] = useState<ObjectDetails | null>(null);
  const [history, setHistory] = useState<HistoryPoint[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const ac = new AbortController();
    setDetails(null);
    setHistory(null);
    setError(null);
    getJson<ObjectDetails>(`/api/twin/objects/${idx}`, ac.signal)
      .then((d) => {
        setDetails(d);
        return getJson<{ points: HistoryPoint[] }>(`/api/twin/objects/${idx}/history?layer=${historyLayer(d.kind).name}&hours=24`, ac.signal);
      })
      .then((h) => setHistory(h.points))
      .catch((e: Error) => {
        if (e.name !== 'AbortError') setError(e.message);
      });
    return () => ac.abort();
  }, [idx]);

  const en = i18n.language === 'en';
  const layer = details ? historyLayer(details.kind) : null;
  return (
    <aside className="panel object-panel" data-idx={idx} data-kind={details?.kind ?? ''}>
      <header>
        <div>
          <div className="kind">{details ? t(`kind.${details.kind}`) : ''}</div>
          <h2 className="object-name">{details ? localName(details) : t('panel.loading')}</h2>
        </div>
        <button type="button" className="icon" onClick={onClose} aria-label={t('panel.close')}>×</button>
      </header>
      {error && <p className="error">{t('panel.error')}: {error}</p>}
      {details && (
        <>
          <h3>{t('panel.live')}</h3>
          <LiveValues ctl={ctl} idx={idx} />
          <h3>{t('panel.attributes')}</h3>
          <table className="attrs">
            <tbody>
              {(SHOWN[details.kind] ?? Object.keys(details.attributes)).filter((k) => k in details.attributes).map((k) => (
                <tr key={k} data-attr={k}>
                  <th>{t(`attr.${k}`, { defaultValue: k })}</th>
                  <td>{k === 'enterprise_name' && en && details.attributes.enterprise_name_en ? String(details.attributes.enterprise_name_en) : formatValue(k, details.attributes[k], t)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>{t('panel.history')} · {layer ? (en ? layer.title.en : layer.title.zh) : ''}</h3>
          {history === null ? <p className="muted">{t('panel.loading')}</p>
            : history.length === 0 ? <p className="muted">{t('panel.noHistory')}</p>
            : <HistoryChart points={history} unit={layer ? (en ? layer.unit.en : layer.unit.zh) : ''} />}
          {details.kind === 'equipment' && can('equipment:read') && <WorkOrders idx={idx} />}
        </>
      )}
    </aside>
  );
}
