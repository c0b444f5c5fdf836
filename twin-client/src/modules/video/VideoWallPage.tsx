/**
 * The video wall view (`/video`, security:read): a grid of 1, 4 or 9 live pictures and the
 * camera list (filter by coverage type, search by code or name). Click a tile to select it, then a
 * camera to show there. The grid and the cameras live in the URL (`?grid=4&cams=12,40`), so a
 * layout can be shared or opened on a wall screen.
 */
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type GetAnswer } from '../../api/client.ts';
import { localName } from '../../i18n/index.ts';
import { VideoPlayer } from './VideoPlayer.tsx';
import { CoverageCheck } from './CoverageCheck.tsx';
import './video.css';

type Camera = GetAnswer<'/api/video/cameras'>['cameras'][number];
const GRIDS = [1, 4, 9] as const;
const COVERAGE = ['main_gate', 'crossroad', 'perimeter', 'ground_entrance', 'fire_lane', 'lobby', 'lift_car', 'machine_room', 'canteen', 'parking', 'corridor'] as const;

function readUrl(): { grid: number; cams: number[] } {
  const q = new URLSearchParams(window.location.search);
  const g = Number(q.get('grid'));
  const cams = (q.get('cams') ?? '').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
  return { grid: (GRIDS as readonly number[]).includes(g) ? g : 4, cams };
}

/** The view. */
export default function VideoWallPage() {
  const { t, i18n } = useTranslation('video');
  const initial = useMemo(readUrl, []);
  const [grid, setGrid] = useState(initial.grid);
  const [cams, setCams] = useState<number[]>(initial.cams);
  const [selected, setSelected] = useState(0);
  const [list, setList] = useState<{ cameras: Camera[]; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [coverage, setCoverage] = useState('');
  const [search, setSearch] = useState('');
  const [showCoverage, setShowCoverage] = useState(false);
  const park = new URLSearchParams(window.location.search).get('park') ?? undefined;

  useEffect(() => {
    const ac = new AbortController();
    const timer = window.setTimeout(() => {
      api.get('/api/video/cameras', {
        query: { limit: 300, ...(park ? { park } : {}), ...(coverage ? { coverage: coverage as (typeof COVERAGE)[number] } : {}), ...(search.trim() ? { q: search.trim() } : {}) },
        signal: ac.signal,
      }).then((r) => {
        setList(r);
        setError(null);
        // An empty layout starts with the first cameras that have a source.
        setCams((c) => (c.length > 0 ? c : r.cameras.filter((x) => x.source !== null).slice(0, 4).map((x) => x.idx)));
      }).catch((e: Error) => {
        if (e.name !== 'AbortError') setError(e.message);
      });
    }, 250);
    return () => {
      ac.abort();
      window.clearTimeout(timer);
    };
  }, [park, coverage, search]);

  useEffect(() => {
    const q = new URLSearchParams(window.location.search);
    q.set('grid', String(grid));
    q.set('cams', cams.slice(0, grid).join(','));
    window.history.replaceState(window.history.state, '', `${window.location.pathname}?${q}`);
  }, [grid, cams]);

  const byIdx = new Map((list?.cameras ?? []).map((c) => [c.idx, c]));
  const pick = (idx: number) => setCams((c) => {
    const next = [...c];
    while (next.length <= selected) next.push(0);
    next[selected] = idx;
    return next;
  });
  const cols = Math.sqrt(grid);

  return (
    <div className="video-wall" data-view="video">
      <aside className="video-list panel">
        <h3>{t('cameras')}</h3>
        <input type="search" placeholder={t('search')} value={search} onChange={(e) => setSearch(e.target.value)} />
        <select value={coverage} onChange={(e) => setCoverage(e.target.value)} aria-label={t('allCoverage')}>
          <option value="">{t('allCoverage')}</option>
          {COVERAGE.map((c) => <option key={c} value={c}>{t(`coverage.${c}`)}</option>)}
        </select>
        {error && <p className="error">{error}</p>}
        {list && <p className="muted">{t('total', { n: list.total })}</p>}
        <ul>
          {(list?.cameras ?? []).map((c) => (
            <li key={c.idx}>
              <button type="button" className={cams.slice(0, grid).includes(c.idx) ? 'on' : ''} data-camera={c.idx} disabled={c.source === null} onClick={() => pick(c.idx)}>
                {c.code} <span className="muted">{localName(c)} · {t(`coverage.${c.coverage}`)}</span>
              </button>
            </li>
          ))}
        </ul>
      </aside>
      <main className="video-main">
        <div className="video-toolbar">
          <span>{t('grid')}</span>
          {GRIDS.map((g) => (
            <button key={g} type="button" data-grid={g} className={g === grid ? 'on' : ''} onClick={() => { setGrid(g); setSelected((s) => Math.min(s, g - 1)); }}>{g}</button>
          ))}
          {park && (
            <button type="button" data-action="video.coverage" className={showCoverage ? 'on' : ''} onClick={() => setShowCoverage((v) => !v)}>{t('coverageCheck')}</button>
          )}
        </div>
        {park && showCoverage && <CoverageCheck park={park} />}
        <div className="video-grid" style={{ gridTemplateColumns: `repeat(${cols}, minmax(0, 1fr))` }} data-grid={grid} lang={i18n.language}>
          {Array.from({ length: grid }, (_, i) => {
            const idx = cams[i] ?? 0;
            const cam = byIdx.get(idx);
            return (
              <div key={i} className={`video-tile${i === selected ? ' selected' : ''}`} data-tile={i} onClick={() => setSelected(i)}>
                {idx > 0
                  ? <VideoPlayer key={idx} camera={idx} label={cam ? `${cam.code}` : String(idx)} />
                  : <div className="video-empty">{t('empty')}</div>}
              </div>
            );
          })}
        </div>
      </main>
    </div>
  );
}
