/**
 * `/admin/tilesets`: a park's third-party 3D Tiles layers. Upload a zip or 3tz (sent as the raw
 * body; the server unpacks and checks it and answers 400/413/422 with the reasons when it is
 * broken, keeping nothing), list the layers with what the check found (version, contents, missing
 * files, placement), show or hide each in the twin, change its placement and nudge, delete it.
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, apiUrl, csrfToken, type GetAnswer } from '../../api/client.ts';
import { localName } from '../../i18n/index.ts';
import './tilesets.css';

type Layer = GetAnswer<'/api/tilesets/{park}'>['layers'][number];
type Park = GetAnswer<'/api/twin/parks'>['parks'][number];
type Nudge = Layer['nudge'];

/** One layer's row: visibility, placement and nudge, delete. */
function LayerRow({ layer, onChange, onMessage }: { layer: Layer; onChange: () => Promise<void>; onMessage: (m: { ok: boolean; text: string }) => void }) {
  const { t } = useTranslation('tilesets');
  const [nudge, setNudge] = useState<Record<keyof Nudge, string>>(() => {
    const n = layer.nudge;
    return { east: String(n.east), north: String(n.north), up: String(n.up), heading: String(n.heading), scale: String(n.scale) };
  });
  const patch = async (body: { visible?: boolean; anchor?: 'georeferenced' | 'park'; nudge?: Partial<Nudge> }) => {
    try {
      await api.patch('/api/tilesets/{park}/{id}', { params: { park: layer.park, id: layer.id }, body });
      onMessage({ ok: true, text: t('saved') });
      await onChange();
    } catch (e) {
      onMessage({ ok: false, text: (e as Error).message });
    }
  };
  return (
    <tr data-layer-id={layer.id} data-layer-name={layer.name}>
      <td>{layer.name}</td>
      <td>{layer.version}</td>
      <td>{layer.source === 'upload' ? t('sourceUpload') : t('sourcePath')}</td>
      <td>
        {layer.contents}
        {layer.missing.length > 0 && <div className="tilesets-missing" data-missing={layer.missing.length}>{t('missing', { n: layer.missing.length, files: layer.missing.slice(0, 3).join(', ') })}</div>}
      </td>
      <td>
        <select aria-label={t('anchor')} value={layer.anchor} onChange={(e) => void patch({ anchor: e.target.value as 'georeferenced' | 'park' })}>
          <option value="georeferenced" disabled={!layer.georeferenced}>{t('anchorGeo')}</option>
          <option value="park">{t('anchorPark')}</option>
        </select>
        {layer.distanceKm !== null && <div className="tilesets-hint">{t('distance', { km: layer.distanceKm.toLocaleString() })}</div>}
      </td>
      <td>
        <label className="tilesets-check">
          <input type="checkbox" data-action="visible" checked={layer.visible} onChange={(e) => void patch({ visible: e.target.checked })} />
          {t('shown')}
        </label>
      </td>
      <td className="tilesets-nudge">
        {(['east', 'north', 'up', 'heading', 'scale'] as const).map((k) => (
          <label key={k}>{t(k)}
            <input name={k} inputMode="decimal" value={nudge[k]} onChange={(e) => setNudge({ ...nudge, [k]: e.target.value })} />
          </label>
        ))}
        <button type="button" data-action="nudge" onClick={() => void patch({ nudge: Object.fromEntries(Object.entries(nudge).map(([k, v]) => [k, Number(v)])) as Nudge })}>{t('save')}</button>
      </td>
      <td>
        <a href={`/?park=${encodeURIComponent(layer.park)}`}>{t('open')}</a>{' '}
        <button type="button" className="danger" data-action="delete" onClick={() => {
          if (!window.confirm(t('confirmDelete', { name: layer.name }))) return;
          void (async () => {
            try {
              await api.delete('/api/tilesets/{park}/{id}', { params: { park: layer.park, id: layer.id } });
              onMessage({ ok: true, text: t('deleted', { name: layer.name }) });
              await onChange();
            } catch (e) {
              onMessage({ ok: false, text: (e as Error).message });
            }
          })();
        }}>{t('delete')}</button>
      </td>
    </tr>
  );
}

/** The tileset layers page. */
export default function TilesetsPage() {
  const { t } = useTranslation('tilesets');
  const [parks, setParks] = useState<Park[]>([]);
  const [park, setPark] = useState<string>(() => new URLSearchParams(location.search).get('park') ?? '');
  const [layers, setLayers] = useState<Layer[] | null>(null);
  const [name, setName] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  useEffect(() => {
    void api.get('/api/twin/parks').then((r) => {
      setParks(r.parks);
      setPark((p) => (r.parks.some((x) => x.code === p) ? p : r.parks[0]?.code ?? ''));
    }).catch((e: Error) => setMessage({ ok: false, text: e.message }));
  }, []);

  const load = useCallback(async () => {
    if (!park) return;
    setLayers((await api.get('/api/tilesets/{park}', { params: { park } })).layers);
  }, [park]);
  useEffect(() => {
    setLayers(null);
    void load().catch((e: Error) => setMessage({ ok: false, text: e.message }));
  }, [load]);

  const upload = async () => {
    setMessage(null);
    if (!name.trim()) return setMessage({ ok: false, text: t('needName') });
    if (!file) return setMessage({ ok: false, text: t('needFile') });
    setBusy(true);
    try {
      const r = await fetch(apiUrl('/api/tilesets/{park}/upload', { park }, { name: name.trim() }), {
        method: 'POST', credentials: 'same-origin', body: file,
        headers: { 'Content-Type': 'application/zip', 'X-CSRF-Token': csrfToken(), Accept: 'application/json' },
      });
      const j = (await r.json().catch(() => null)) as (Layer & { error?: { message?: string } }) | null;
      if (!r.ok) throw new Error(j?.error?.message ?? `${r.status} ${r.statusText}`);
      setMessage({ ok: true, text: t('added', { name: j!.name, contents: j!.contents }) + (j!.missing.length ? ` · ${t('missing', { n: j!.missing.length, files: j!.missing.slice(0, 3).join(', ') })}` : '') });
      setName('');
      setFile(null);
      await load();
    } catch (e) {
      setMessage({ ok: false, text: (e as Error).message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="tilesets-page" data-view="tilesets">
      <h1>{t('title')}</h1>
      <label className="tilesets-park">{t('park')}
        <select data-field="park" value={park} onChange={(e) => setPark(e.target.value)}>
          {parks.map((p) => <option key={p.code} value={p.code}>{localName(p)} ({p.code})</option>)}
        </select>
      </label>
      {message && <p className={message.ok ? 'tilesets-ok' : 'tilesets-error'} role={message.ok ? 'status' : 'alert'} data-outcome={message.ok ? 'ok' : 'error'}>{message.text}</p>}
      <section className="tilesets-upload">
        <h2>{t('upload')}</h2>
        <label>{t('name')}<input data-field="name" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} /></label>
        <label className="file-pick">
          <span>{t('file')}</span>
          <span className="file-pick-row">
            <input className="file-pick-input" data-field="file" type="file" accept=".zip,.3tz,application/zip" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
            <span className="file-pick-button">{t('chooseFile')}</span>
            <span className="file-pick-name">{file?.name ?? t('noFile')}</span>
          </span>
        </label>
        <button type="button" className="primary" data-action="upload" disabled={busy} onClick={() => void upload()}>{busy ? t('uploading') : t('add')}</button>
      </section>
      <section>
        <h2>{t('list')}</h2>
        {layers && layers.length === 0 && <p>{t('none')}</p>}
        {layers && layers.length > 0 && (
          <table className="tilesets-table">
            <thead>
              <tr><th>{t('name')}</th><th>{t('version')}</th><th>{t('source')}</th><th>{t('contents')}</th><th>{t('anchor')}</th><th>{t('shown')}</th><th>{t('nudge')}</th><th /></tr>
            </thead>
            <tbody>
              {layers.map((l) => <LayerRow key={`${l.id}-${l.nudge.east}-${l.nudge.north}-${l.nudge.up}-${l.nudge.heading}-${l.nudge.scale}`} layer={l} onChange={load} onMessage={setMessage} />)}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
