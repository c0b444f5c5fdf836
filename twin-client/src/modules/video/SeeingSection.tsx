/**
 * "Cameras that see this" on an object's panel (equipment, rooms, zones, pipe nodes): the nearest
 * cameras whose range and field of view cover it (GET /api/video/cameras/seeing), the first one
 * playing live; click another to switch. For an alarm on the object, these are the pictures of it.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type GetAnswer } from '../../api/client.ts';
import type { SectionProps } from '../types.ts';
import { VideoPlayer } from './VideoPlayer.tsx';

type Seeing = GetAnswer<'/api/video/cameras/seeing'>;

/** The section (nothing when no camera sees the object, or for a camera itself). */
export default function SeeingSection({ obj }: SectionProps) {
  const { t } = useTranslation('video');
  const [seeing, setSeeing] = useState<Seeing | null>(null);
  const [chosen, setChosen] = useState<number | null>(null);
  const isCamera = obj.details.attributes.type === 'camera';

  useEffect(() => {
    if (isCamera) return;
    const ac = new AbortController();
    setSeeing(null);
    setChosen(null);
    api.get('/api/video/cameras/seeing', { query: { idx: obj.idx, limit: 3 }, signal: ac.signal })
      .then(setSeeing)
      .catch(() => setSeeing(null));
    return () => ac.abort();
  }, [obj.idx, isCamera]);

  const cams = (seeing?.cameras ?? []).filter((c) => c.source !== null);
  if (isCamera || cams.length === 0) return null;
  const playing = chosen ?? cams[0]!.idx;
  return (
    <div className="video-seeing" data-cameras={cams.map((c) => c.idx).join(',')}>
      <h3>{t('seeing')}</h3>
      <VideoPlayer key={playing} camera={playing} label={cams.find((c) => c.idx === playing)?.code ?? ''} />
      <ul className="video-seeing-list">
        {cams.map((c) => (
          <li key={c.idx}>
            <button type="button" className={c.idx === playing ? 'on' : ''} data-camera={c.idx} onClick={() => setChosen(c.idx)}>
              {c.code} · {t('metres', { m: Math.round(c.distanceM) })}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
