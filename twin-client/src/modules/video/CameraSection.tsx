/** The camera panel's video section (equipment of type camera): live, or a replay of the last seconds. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SectionProps } from '../types.ts';
import { VideoPlayer } from './VideoPlayer.tsx';

/** How far back "replay" starts, and how long it plays. */
const REPLAY_BACK_S = 30;
const REPLAY_SECONDS = 60;

/** The section: the camera's live picture (or its recording from 30 s ago), or why there is none. */
export default function CameraSection({ obj }: SectionProps) {
  const { t } = useTranslation('video');
  const [replay, setReplay] = useState<{ from: string; seconds: number } | undefined>(undefined);
  if (obj.details.attributes.type !== 'camera') return null;
  return (
    <div className="video-section">
      <h3>{replay ? t('replayOf', { time: new Date(replay.from).toLocaleTimeString() }) : t('live')}</h3>
      <VideoPlayer camera={obj.idx} {...(replay ? { replay } : {})} />
      <div className="video-modes">
        <button type="button" data-action="video.live" disabled={!replay} onClick={() => setReplay(undefined)}>{t('liveButton')}</button>
        <button type="button" data-action="video.replay" onClick={() => setReplay({ from: new Date(Date.now() - REPLAY_BACK_S * 1000).toISOString(), seconds: REPLAY_SECONDS })}>
          {t('replayButton', { s: REPLAY_BACK_S })}
        </button>
      </div>
    </div>
  );
}
