/** The camera panel's live video section (shown on equipment whose type is camera). */
import { useTranslation } from 'react-i18next';
import type { SectionProps } from '../types.ts';
import { VideoPlayer } from './VideoPlayer.tsx';

/** The section: the camera's live picture, or why there is none. */
export default function CameraSection({ obj }: SectionProps) {
  const { t } = useTranslation('video');
  if (obj.details.attributes.type !== 'camera') return null;
  return (
    <div className="video-section">
      <h3>{t('live')}</h3>
      <VideoPlayer camera={obj.idx} />
    </div>
  );
}
