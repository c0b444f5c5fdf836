/**
 * `/admin/parks`: every park with its origin, area and building count; create a park (boundary
 * drawn on a metre plan around the origin, or derived from a footprint GeoJSON file), rename it,
 * re-derive its boundary from its buildings, delete it. The server checks everything again and its
 * message (400/409/422) is shown as it is.
 */
import { useCallback, useEffect, useState, type MouseEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type GetAnswer } from '../../api/client.ts';
import { ImportPanel } from './ImportPanel.tsx';
import { FilePick } from './FilePick.tsx';
import './parks.css';

type Park = GetAnswer<'/api/parks'>['parks'][number];
type Mode = 'draw' | 'file';

/** Metres per degree at latitude `lat` (a plan of a few km: the local flat approximation is enough). */
const mPerDeg = (lat: number) => ({ lon: 111_320 * Math.cos((lat * Math.PI) / 180), lat: 110_574 });
const PLAN_HALF = 1000; // the plan shows ±1 km around the origin

/** The boundary drawn on the plan as a GeoJSON polygon (closed ring, lon/lat). */
export function ringToPolygon(points: Array<[number, number]>, origin: { lon: number; lat: number }) {
  const k = mPerDeg(origin.lat);
  const ring = points.map(([e, n]) => [origin.lon + e / k.lon, origin.lat + n / k.lat]);
  return { type: 'Polygon' as const, coordinates: [[...ring, ring[0]!]] };
}

const EMPTY_FORM = { code: '', name: '', nameEn: '', city: '', lon: '', lat: '', h: '0', margin: '30' };

/** The parks page. */
export default function ParksPage() {
  const { t } = useTranslation('parks');
  const [parks, setParks] = useState<Park[] | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [form, setForm] = useState(EMPTY_FORM);
  const [mode, setMode] = useState<Mode>('draw');
  const [points, setPoints] = useState<Array<[number, number]>>([]);
  const [footprints, setFootprints] = useState<{ doc: unknown; n: number } | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [editName, setEditName] = useState('');

  const load = useCallback(async () => {
    setParks((await api.get('/api/parks')).parks);
  }, []);
  useEffect(() => {
    void load().catch((e: Error) => setMessage({ ok: false, text: e.message }));
  }, [load]);

  const origin = form.lon.trim() && form.lat.trim() ? { lon: Number(form.lon), lat: Number(form.lat), height: Number(form.h || 0) } : null;
  const act = async (fn: () => Promise<string>) => {
    setMessage(null);
    try {
      setMessage({ ok: true, text: await fn() });
      await load();
    } catch (e) {
      setMessage({ ok: false, text: (e as Error).message });
    }
  };

  const create = () => act(async () => {
    const boundary = mode === 'draw'
      ? (points.length >= 3 && origin ? { polygon: ringToPolygon(points, origin) } : undefined)
      : footprints ? { footprints: footprints.doc, margin: Number(form.margin || 30) } : undefined;
    const p = await api.post('/api/parks', {
      body: {
        code: form.code.trim(), name: form.name.trim(), ...(form.nameEn.trim() ? { nameEn: form.nameEn.trim() } : {}),
        ...(form.city.trim() ? { city: form.city.trim() } : {}), ...(origin ? { origin } : {}), ...(boundary ? { boundary: boundary as never } : {}),
      },
    });
    setPoints([]);
    setFootprints(null);
    setForm(EMPTY_FORM);
    return t('created', { code: p.code });
  });

  const onPlanClick = (e: MouseEvent<SVGSVGElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    const east = ((e.clientX - r.left) / r.width - 0.5) * 2 * PLAN_HALF;
    const north = (0.5 - (e.clientY - r.top) / r.height) * 2 * PLAN_HALF;
    setPoints((p) => [...p, [Math.round(east), Math.round(north)]]);
  };

  const onFile = async (file: File | undefined) => {
    if (!file) return;
    try {
      const doc = JSON.parse(await file.text()) as { features?: unknown[] };
      setFootprints({ doc, n: Array.isArray(doc.features) ? doc.features.length : 1 });
    } catch (e) {
      setMessage({ ok: false, text: (e as Error).message });
    }
  };

  const toPlan = (e: number, n: number) => `${(e / PLAN_HALF) * 100},${(-n / PLAN_HALF) * 100}`;

  return (
    <div className="parks-page" data-view="parks">
      <h1>{t('title')}</h1>
      {message && <p className={message.ok ? 'parks-ok' : 'parks-error'} role={message.ok ? 'status' : 'alert'}>{message.text}</p>}
      <section>
        <h2>{t('list')}</h2>
        {parks && parks.length === 0 && <p>{t('none')}</p>}
        <table className="parks-table">
          <thead>
            <tr><th>{t('code')}</th><th>{t('name')}</th><th>{t('city')}</th><th>{t('origin')}</th><th>{t('area')}</th><th>{t('buildings')}</th><th /></tr>
          </thead>
          <tbody>
            {(parks ?? []).map((p) => (
              <tr key={p.code} data-park={p.code}>
                <td>{p.code}</td>
                <td>
                  {editing === p.code
                    ? <input aria-label={t('name')} value={editName} onChange={(e) => setEditName(e.target.value)} />
                    : p.name}
                </td>
                <td>{p.city}</td>
                <td>{p.origin.lon.toFixed(5)}, {p.origin.lat.toFixed(5)}, {p.origin.height}</td>
                <td>{t('hectares', { n: (p.area / 10_000).toFixed(1) })}</td>
                <td>{p.buildings}</td>
                <td className="parks-actions">
                  <a href={`/?park=${encodeURIComponent(p.code)}`} data-action="open">{t('open')}</a>
                  {editing === p.code ? (
                    <>
                      <button type="button" onClick={() => act(async () => {
                        await api.patch('/api/parks/{park}', { params: { park: p.code }, body: { name: editName } });
                        setEditing(null);
                        return t('saved');
                      })}>{t('save')}</button>
                      <button type="button" onClick={() => setEditing(null)}>{t('cancel')}</button>
                    </>
                  ) : (
                    <button type="button" onClick={() => { setEditing(p.code); setEditName(p.name); }}>{t('edit')}</button>
                  )}
                  {p.buildings > 0 && (
                    <button type="button" onClick={() => act(async () => {
                      await api.patch('/api/parks/{park}', { params: { park: p.code }, body: { boundary: { fromBuildings: true } } });
                      return t('saved');
                    })}>{t('rederive')}</button>
                  )}
                  <button type="button" className="danger" onClick={() => {
                    if (!window.confirm(t('confirmDelete', { name: p.name }))) return;
                    void act(async () => {
                      await api.delete('/api/parks/{park}', { params: { park: p.code } });
                      return t('deleted', { code: p.code });
                    });
                  }}>{t('delete')}</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {parks && parks.length > 0 && <ImportPanel parks={parks} onDone={load} />}
      <section className="parks-create">
        <h2>{t('create')}</h2>
        <div className="parks-fields">
          {(['code', 'name', 'nameEn', 'city'] as const).map((k) => (
            <label key={k}>{t(k)}<input name={k} value={form[k]} onChange={(e) => setForm({ ...form, [k]: e.target.value })} /></label>
          ))}
          <label>{t('origin')}
            <span className="parks-origin">
              <input name="lon" inputMode="decimal" placeholder="104.0668" value={form.lon} onChange={(e) => setForm({ ...form, lon: e.target.value })} />
              <input name="lat" inputMode="decimal" placeholder="30.5405" value={form.lat} onChange={(e) => setForm({ ...form, lat: e.target.value })} />
              <input name="h" inputMode="decimal" value={form.h} onChange={(e) => setForm({ ...form, h: e.target.value })} />
            </span>
          </label>
        </div>
        <fieldset className="parks-boundary">
          <legend>{t('boundary')}</legend>
          <label><input type="radio" checked={mode === 'draw'} onChange={() => setMode('draw')} />{t('boundaryDraw')}</label>
          <label><input type="radio" checked={mode === 'file'} onChange={() => setMode('file')} />{t('boundaryFile')}</label>
          {mode === 'draw' ? (
            <div>
              <p className="parks-hint">{origin ? t('drawHint') : t('needOrigin')}</p>
              <svg className="parks-plan" viewBox="-100 -100 200 200" onClick={origin ? onPlanClick : undefined} role="img" aria-label={t('boundaryDraw')}>
                {Array.from({ length: 21 }, (_, i) => -100 + i * 10).map((v) => (
                  <g key={v}>
                    <line x1={v} y1={-100} x2={v} y2={100} className={v === 0 ? 'axis' : ''} />
                    <line x1={-100} y1={v} x2={100} y2={v} className={v === 0 ? 'axis' : ''} />
                  </g>
                ))}
                {points.length > 0 && <polygon points={points.map(([e, n]) => toPlan(e, n)).join(' ')} />}
                {points.map(([e, n], i) => {
                  const [x, y] = toPlan(e, n).split(',').map(Number);
                  return <circle key={i} cx={x} cy={y} r={2} />;
                })}
              </svg>
              <span>{t('points', { n: points.length })}</span> <button type="button" onClick={() => setPoints([])}>{t('clear')}</button>
            </div>
          ) : (
            <div>
              <FilePick label={t('footprints')} button={t('chooseFile')} chosen={footprints ? '' : t('noFile')} accept=".geojson,.json,application/geo+json" field="boundary-file" onFile={(f) => void onFile(f)} />
              {footprints && <span>{t('fileLoaded', { n: footprints.n })}</span>}
              <label>{t('margin')}<input name="margin" inputMode="decimal" value={form.margin} onChange={(e) => setForm({ ...form, margin: e.target.value })} /></label>
            </div>
          )}
        </fieldset>
        <button type="button" className="primary" onClick={() => void create()}>{t('create')}</button>
      </section>
    </div>
  );
}
