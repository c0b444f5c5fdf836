/**
 * The twin module's panel sections: live values of every readable layer, the object's
 * attributes (an enterprise name links to the enterprise), and the history chart of the layer
 * the layer registry names for the object's kind.
 */
import { useEffect, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { LAYERS, historyLayer } from '@park-twin/layers';
import { api } from '../../api/client.ts';
import { ObjectLink } from '../../app/links.tsx';
import { HistoryChart, type HistoryPoint } from '../../panels/HistoryChart.tsx';
import { readableLayers } from '../../scene/layerAccess.ts';
import { useModuleAccess } from '../registry.ts';
import type { SectionProps } from '../types.ts';

const SHOWN: Record<string, string[]> = {
  room: ['code', 'use', 'area', 'capacity', 'lease_status', 'rent', 'enterprise_name', 'lease_end', 'floor_level'],
  equipment: ['code', 'type', 'model', 'manufacturer', 'status', 'install_date', 'last_maintained', 'rated_power_kw'],
  floor: ['level', 'elevation', 'height', 'rooms'],
  building: ['code', 'use', 'height', 'floors_above', 'floors_below', 'year'],
  pipe_segment: ['code', 'network', 'diameter_mm', 'depth', 'material'],
  pipe_node: ['code', 'network'],
  enterprise: ['credit_code', 'industry', 'registered_capital', 'staff', 'founded', 'is_leading', 'high_tech'],
};

/** Live values of every layer the principal reads that has one for the object; refreshed every second. */
export function LiveValuesSection({ obj, ctl }: SectionProps) {
  const { t, i18n } = useTranslation();
  const readable = readableLayers(useModuleAccess().can);
  const [, tick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, []);
  const rows = LAYERS.filter((l) => readable.includes(l.name)).map((l) => ({ l, v: ctl.store.get(l.name, obj.idx) })).filter((r) => r.v !== null);
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
function formatValue(key: string, v: unknown, t: (k: string, o?: { defaultValue: string }) => string): string {
  if (v === null || v === undefined) return '—';
  if (key === 'lease_status') return t(`lease.${String(v)}`);
  if (key === 'industry') return t(`twin:industry.${String(v)}`, { defaultValue: String(v) });
  if (key === 'status' && typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? '✓' : '✗';
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) return v.slice(0, 10);
  return String(v);
}

/** The object's attributes; the tenant's name links to the enterprise. */
export function AttributesSection({ obj, ctl }: SectionProps) {
  const { t, i18n } = useTranslation();
  // A unit's lease status follows the twin's live index (held, released, let: pushed by the
  // leasing module), so it says what the 3D lease colour shows, not what it was when the panel opened.
  useSyncExternalStore(ctl.subscribe, ctl.getVersion);
  const live = obj.kind === 'room' ? ctl.h?.lease.get(obj.idx) : undefined;
  const a = live && live !== obj.details.attributes.lease_status ? { ...obj.details.attributes, lease_status: live } : obj.details.attributes;
  const en = i18n.language === 'en';
  return (
    <table className="attrs">
      <tbody>
        {(SHOWN[obj.kind] ?? Object.keys(a)).filter((k) => k in a).map((k) => (
          <tr key={k} data-attr={k}>
            <th>{t(`attr.${k}`, { defaultValue: k })}</th>
            <td>
              {k === 'enterprise_name' && typeof a.enterprise_idx === 'number' && a.enterprise_name
                ? <ObjectLink idx={a.enterprise_idx}>{en && a.enterprise_name_en ? String(a.enterprise_name_en) : String(a.enterprise_name)}</ObjectLink>
                : formatValue(k, a[k], t)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The last 24 h of the layer the registry charts for this kind of object (when the principal reads it). */
export function HistorySection({ obj }: SectionProps) {
  const { t, i18n } = useTranslation();
  const readable = readableLayers(useModuleAccess().can);
  const layer = historyLayer(obj.kind, (l) => readable.includes(l.name));
  const [history, setHistory] = useState<HistoryPoint[] | null>(null);
  useEffect(() => {
    if (!layer) return;
    const ac = new AbortController();
    setHistory(null);
    api.get('/api/twin/objects/{idx}/history', { params: { idx: obj.idx }, query: { layer: layer.name, hours: 24 }, signal: ac.signal })
      .then((h) => setHistory(h.points))
      .catch((e: Error) => {
        if (e.name !== 'AbortError') setHistory([]);
      });
    return () => ac.abort();
  }, [obj.idx, layer]);
  if (!layer) return null;
  const en = i18n.language === 'en';
  return (
    <>
      <h3>{t('panel.history')} · {en ? layer.title.en : layer.title.zh}</h3>
      {history === null ? <p className="muted">{t('panel.loading')}</p>
        : history.length === 0 ? <p className="muted">{t('panel.noHistory')}</p>
        : <HistoryChart points={history} unit={en ? layer.unit.en : layer.unit.zh} />}
    </>
  );
}
