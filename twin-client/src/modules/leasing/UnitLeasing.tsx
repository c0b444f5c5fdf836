/**
 * The room panel's leasing section (investment staff): whether the unit is held by a proposal
 * (and for which opportunity), its photos with an upload (resized by the server; a non-image or an
 * oversized file shows the server's message), and "hold for an opportunity": adds the unit to the
 * proposal of an opportunity in the visit or proposal stage (the unit turns reserved in 3D).
 */
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { kitFetch } from '../../kit/api.ts';
import type { SectionProps } from '../types.ts';
import './leasing.css';

interface Hold { unit: number; opportunityId: number; title: string }
interface Photo { id: number; width: number; height: number }
interface Opp { id: number; title: string; state: string; version: number; data: Record<string, unknown> }

const T = {
  held: ['已被商机预留：', 'Held for opportunity: '], free: ['未预留', 'Not held'], photos: ['照片', 'Photos'], none: ['暂无照片', 'No photos yet'],
  upload: ['上传照片', 'Upload a photo'], hold: ['预留给商机', 'Hold for opportunity'], pick: ['选择商机…', 'Choose an opportunity…'], go: ['预留', 'Hold'],
  status: ['租赁状态', 'Lease status'],
} as const;
const STATUS: Record<string, [string, string]> = { vacant: ['空置', 'Vacant'], reserved: ['已预留', 'Reserved'], leased: ['已出租', 'Leased'], expiring: ['即将到期', 'Expiring'] };

/** The section. */
export function UnitLeasing({ obj, ctl }: SectionProps) {
  const { i18n } = useTranslation();
  const en = i18n.language.startsWith('en') ? 1 : 0;
  const l = (k: keyof typeof T) => T[k][en];
  const idx = obj.idx;
  const [hold, setHold] = useState<Hold | null>(null);
  const [fetched, setStatus] = useState<string | null>(null);
  // The twin's live lease index (pushed on holds, releases and signings) wins over the fetched
  // value, so this section, the attributes and the 3D colour say the same.
  useSyncExternalStore(ctl.subscribe, ctl.getVersion);
  const status = (fetched !== null && ctl.h?.lease.get(obj.idx)) || fetched;
  const [photos, setPhotos] = useState<Photo[]>([]);
  const [opps, setOpps] = useState<Opp[]>([]);
  const [pick, setPick] = useState('');
  const [msg, setMsg] = useState<string | null>(null);
  const load = useCallback(() => {
    kitFetch<{ holds: Hold[] }>('GET', `/api/leasing/holds?units=${idx}`).then((r) => setHold(r.holds[0] ?? null), () => setHold(null));
    kitFetch<{ photos: Photo[] }>('GET', `/api/leasing/units/${idx}/photos`).then((r) => setPhotos(r.photos), () => setPhotos([]));
    kitFetch<{ attributes: Record<string, unknown> }>('GET', `/api/twin/objects/${idx}`).then((r) => setStatus(String(r.attributes.lease_status ?? '')), () => undefined);
    kitFetch<{ items: Opp[] }>('GET', '/api/leasing/opportunities?state=visit,proposal&limit=100').then((r) => setOpps(r.items), () => setOpps([]));
  }, [idx]);
  useEffect(load, [load]);
  if (status === 'not_leasable') return null;
  const upload = async (f: File | undefined) => {
    if (!f) return;
    setMsg(null);
    try {
      await kitFetch('POST', `/api/leasing/units/${idx}/photos`, undefined, { raw: f });
      load();
    } catch (e) {
      setMsg((e as Error).message);
    }
  };
  const doHold = async () => {
    const o = opps.find((x) => String(x.id) === pick);
    if (!o) return;
    setMsg(null);
    try {
      const units = [...new Set([...((o.data.units as number[] | undefined) ?? []), idx])];
      await kitFetch('POST', `/api/leasing/opportunities/${o.id}/transitions/propose`, { version: o.version, data: { units } });
      load();
    } catch (e) {
      setMsg((e as Error).message);
    }
  };
  return (
    <div className="unit-leasing" data-unit-leasing={idx}>
      {status && <p>{l('status')}: <b data-lease-status={status}>{STATUS[status]?.[en] ?? status}</b></p>}
      <p data-held={hold ? hold.opportunityId : ''}>{hold ? <span className="held">{l('held')}{hold.title}</span> : <span className="muted">{l('free')}</span>}</p>
      <h4>{l('photos')}</h4>
      {photos.length === 0 ? <p className="muted">{l('none')}</p> : (
        <div className="photos">{photos.map((p) => <img key={p.id} src={`/api/leasing/units/${idx}/photos/${p.id}?size=thumb`} alt="" data-photo={p.id} />)}</div>
      )}
      <label className="upload">{l('upload')} <input type="file" accept="image/jpeg,image/png,image/webp" data-photo-upload onChange={(e) => void upload(e.target.files?.[0])} /></label>
      {status === 'vacant' || hold ? (
        <div className="hold-form">
          <select aria-label={l('hold')} value={pick} onChange={(e) => setPick(e.target.value)} data-hold-select>
            <option value="">{l('pick')}</option>
            {opps.map((o) => <option key={o.id} value={o.id}>{o.title}</option>)}
          </select>
          <button type="button" disabled={!pick} onClick={() => void doHold()} data-hold>{l('go')}</button>
        </div>
      ) : null}
      {msg && <p className="error" role="alert">{msg}</p>}
    </div>
  );
}
