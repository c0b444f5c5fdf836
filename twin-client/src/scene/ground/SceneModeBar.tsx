/** Day/night and labels switches of the twin scene, and its saved viewpoints (DOM overlay). */
import { useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { Vector3 } from 'three';
import type { TwinController } from '../controller.ts';
import { addGroundStrings, groundSettings } from './settings.ts';
import { addViewpoint, loadViewpoints, saveViewpoints, MAX_VIEWPOINTS, type Viewpoint } from './viewpoints.ts';
import './ground.css';

addGroundStrings();

/** How long a flight to a saved viewpoint takes (ms). */
const FLIGHT_MS = 900;

export function SceneModeBar({ ctl, park }: { ctl?: TwinController; park?: string }) {
  const { t } = useTranslation('ground');
  useSyncExternalStore(groundSettings.subscribe, groundSettings.version);
  const s = groundSettings.get();
  const [views, setViews] = useState<Viewpoint[]>(() => (park ? loadViewpoints(park) : []));
  const [viewsPark, setViewsPark] = useState(park);
  if (park !== viewsPark) {
    setViewsPark(park);
    setViews(park ? loadViewpoints(park) : []);
  }
  const store = (list: Viewpoint[]) => {
    setViews(list);
    if (park) saveViewpoints(park, list);
  };
  const save = () => {
    const cam = ctl?.camera;
    const target = ctl?.controls?.target;
    if (!cam || !target) return;
    store(addViewpoint(views, cam.position.toArray() as [number, number, number], target.toArray() as [number, number, number]));
  };
  return (
    <div className="scene-mode panel" role="group" aria-label={t('mode')}>
      <button type="button" data-mode="day" aria-pressed={!s.night} onClick={() => groundSettings.set({ night: false })}>{t('day')}</button>
      <button type="button" data-mode="night" aria-pressed={s.night} onClick={() => groundSettings.set({ night: true })}>{t('night')}</button>
      <button type="button" data-mode="labels" aria-pressed={s.labels} onClick={() => groundSettings.set({ labels: !s.labels })}>{t('labels')}</button>
      {ctl && park && (
        <span className="scene-viewpoints" role="group" aria-label={t('viewpoints')}>
          <button type="button" data-action="save-view" title={t('saveViewHint')} onClick={save}>{t('saveView')}</button>
          {views.map((v) => (
            <span key={v.id} className="scene-viewpoint">
              <button type="button" data-viewpoint={v.id} onClick={() => ctl.flyTo(new Vector3(...v.pos), new Vector3(...v.target), FLIGHT_MS)}>
                {t('viewN', { n: v.id })}
              </button>
              <button type="button" className="scene-viewpoint-remove" data-remove-viewpoint={v.id} aria-label={t('removeView', { n: v.id })}
                onClick={() => store(views.filter((x) => x.id !== v.id))}>×</button>
            </span>
          ))}
          {views.length >= MAX_VIEWPOINTS && <span className="scene-viewpoints-full">{t('viewsFull', { n: MAX_VIEWPOINTS })}</span>}
        </span>
      )}
    </div>
  );
}
