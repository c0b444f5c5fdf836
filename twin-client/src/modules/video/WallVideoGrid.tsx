/**
 * The command wall's video grid (`/wall?video=1|4|9[&vcams=12,40,...]`): 1, 4 or 9 live pictures
 * over the right of the twin. Without `vcams` it shows the first cameras of the park with a
 * source, main gates and perimeter first. While the wall focuses an alarm, the first tile shows
 * the nearest camera that sees the alarm's object (framed red). For principals with
 * security:read (command walls hold it); nothing otherwise. Nobody presses "retry" on a wall: a
 * tile that was refused (channels busy, source down, slow start) tries again every 10 s.
 */
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { VideoPlayer } from './VideoPlayer.tsx';
import { wallVideoParams } from './wallParams.ts';
import './video.css';

const FIRST = ['main_gate', 'perimeter', 'crossroad', 'ground_entrance', 'parking'];

/** The grid. */
export default function WallVideoGrid({ park, focus }: { park: string; focus: number }) {
  const { t } = useTranslation('video');
  const params = useMemo(() => wallVideoParams(location.search), []);
  const [cams, setCams] = useState<{ idx: number; code: string }[]>([]);
  const [alarmCam, setAlarmCam] = useState<{ idx: number; code: string } | null>(null);
  const grid = params?.grid ?? 0;

  useEffect(() => {
    if (!params) return;
    const ac = new AbortController();
    api.get('/api/video/cameras', { query: { park, limit: 1000 }, signal: ac.signal, background: true }).then((r) => {
      const withSource = r.cameras.filter((c) => c.source !== null);
      const byIdx = new Map(withSource.map((c) => [c.idx, c]));
      const chosen = params.cams.length
        ? params.cams.map((i) => byIdx.get(i)).filter((c) => c !== undefined)
        : [...withSource].sort((a, b) => (FIRST.indexOf(a.coverage) + 1 || 99) - (FIRST.indexOf(b.coverage) + 1 || 99) || a.idx - b.idx);
      setCams(chosen.slice(0, params.grid).map((c) => ({ idx: c.idx, code: c.code })));
    }).catch(() => setCams([]));
    return () => ac.abort();
  }, [params, park]);

  useEffect(() => {
    if (!params || !focus) {
      setAlarmCam(null);
      return;
    }
    const ac = new AbortController();
    api.get('/api/video/cameras/seeing', { query: { idx: focus, limit: 3 }, signal: ac.signal, background: true }).then((r) => {
      const c = r.cameras.find((x) => x.source !== null);
      setAlarmCam(c ? { idx: c.idx, code: c.code } : null);
    }).catch(() => setAlarmCam(null));
    return () => ac.abort();
  }, [params, focus]);

  if (!params) return null;
  const tiles = alarmCam ? [alarmCam, ...cams.filter((c) => c.idx !== alarmCam.idx)].slice(0, grid) : cams;
  return (
    <div className={`wall-video wall-video-${grid}`} data-wall-video={grid} style={{ gridTemplateColumns: `repeat(${Math.sqrt(grid)}, minmax(0, 1fr))` }}>
      {Array.from({ length: grid }, (_, i) => {
        const c = tiles[i];
        const isAlarm = Boolean(c && alarmCam && i === 0);
        return (
          <div key={i} className={`wall-video-tile${isAlarm ? ' alarm' : ''}`} data-tile={i} data-camera={c?.idx ?? 0}>
            {c ? <VideoPlayer key={c.idx} camera={c.idx} autoRetryS={10} label={isAlarm ? `${t('wallAlarm')} · ${c.code}` : c.code} /> : <div className="video-empty">{t('noCamera')}</div>}
          </div>
        );
      })}
    </div>
  );
}
