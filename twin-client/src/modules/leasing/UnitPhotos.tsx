/**
 * A unit's photos (the server's re-encoded thumbnails), with an upload for investment staff
 * (`leasing:write`): used by the investment view's unit panel. A refused upload (not an image:
 * 400, too large: 413) shows the server's message.
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { kitFetch } from '../../kit/api.ts';
import { useAuth } from '../../auth/SessionGate.tsx';
import { api } from '../../api/client.ts';
import './leasing.css';

/** The photos block. */
export function UnitPhotos({ idx }: { idx: number }) {
  const { i18n } = useTranslation();
  const en = i18n.language.startsWith('en');
  const auth = useAuth();
  const [photos, setPhotos] = useState<{ id: number }[] | null>(null);
  const [msg, setMsg] = useState<string | null>(null);
  const [on, setOn] = useState(false);
  useEffect(() => {
    // Only when the server runs the leasing module (TWIN_MODULES may switch it off).
    api.get('/api/modules', { background: true }).then((r) => setOn(r.modules.includes('leasing')), () => setOn(false));
  }, []);
  const load = useCallback(() => {
    if (!on) return;
    kitFetch<{ photos: { id: number }[] }>('GET', `/api/leasing/units/${idx}/photos`).then((r) => setPhotos(r.photos), () => setPhotos([]));
  }, [idx, on]);
  useEffect(load, [load]);
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
  if (!on) return <p className="muted">{en ? 'No photos yet' : '暂无实景照片'}</p>;
  return (
    <div className="unit-leasing" data-unit-photos={idx}>
      {photos && photos.length === 0 && <p className="muted">{en ? 'No photos yet' : '暂无实景照片'}</p>}
      {photos && photos.length > 0 && (
        <div className="photos">{photos.map((p) => <img key={p.id} src={`/api/leasing/units/${idx}/photos/${p.id}?size=thumb`} alt="" data-photo={p.id} />)}</div>
      )}
      {auth.can('leasing:write') && (
        <label className="upload">{en ? 'Upload a photo' : '上传照片'} <input type="file" accept="image/jpeg,image/png,image/webp" onChange={(e) => void upload(e.target.files?.[0])} /></label>
      )}
      {msg && <p className="error" role="alert">{msg}</p>}
    </div>
  );
}
