/** Day/night and labels switches of the twin scene (DOM overlay; writes the ground settings). */
import { useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { addGroundStrings, groundSettings } from './settings.ts';
import './ground.css';

addGroundStrings();

export function SceneModeBar() {
  const { t } = useTranslation('ground');
  useSyncExternalStore(groundSettings.subscribe, groundSettings.version);
  const s = groundSettings.get();
  return (
    <div className="scene-mode panel" role="group" aria-label={t('mode')}>
      <button type="button" data-mode="day" aria-pressed={!s.night} onClick={() => groundSettings.set({ night: false })}>{t('day')}</button>
      <button type="button" data-mode="night" aria-pressed={s.night} onClick={() => groundSettings.set({ night: true })}>{t('night')}</button>
      <button type="button" data-mode="labels" aria-pressed={s.labels} onClick={() => groundSettings.set({ labels: !s.labels })}>{t('labels')}</button>
    </div>
  );
}
