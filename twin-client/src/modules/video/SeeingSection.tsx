/**
 * "Cameras that see this" on an object's panel (equipment, rooms, buildings, zones, pipe nodes):
 * the nearest cameras whose range and field of view cover it (GET /api/video/cameras/seeing), the
 * first one playing live beside the scene; click another to switch.
 *
 * Alarm linkage: when the object has an open alarm (the alarm console's "fly to" opens this
 * panel), the section is about the newest one: the cameras that see the alarm's spot
 * (`?alarm=<id>`), its time, and "replay from before the alarm": the recording from
 * PRE_ROLL_S seconds before it was raised (POST /api/video/cameras/:idx/replay).
 */
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type GetAnswer } from '../../api/client.ts';
import { moduleOn, registeredModules, useModuleAccess } from '../registry.ts';
import type { SectionProps } from '../types.ts';
import { VideoPlayer } from './VideoPlayer.tsx';

type Seeing = GetAnswer<'/api/video/cameras/seeing'>;
type Alarm = { id: number; raisedAt: string };

/** Seconds of recording shown before the alarm was raised, and how long the replay runs. */
export const PRE_ROLL_S = 10;
const REPLAY_SECONDS = 60;

/** The object's newest open alarm (null: none, or alarms are off or not readable). */
function useOpenAlarm(idx: number, skip: boolean): Alarm | null | undefined {
  const access = useModuleAccess();
  const alarms = registeredModules().find((m) => m.name === 'alarms');
  const readable = !skip && Boolean(alarms && moduleOn(alarms, access.enabled) && access.can('alarm:read'));
  const [alarm, setAlarm] = useState<Alarm | null | undefined>(readable ? undefined : null);
  useEffect(() => {
    if (!readable) {
      setAlarm(null);
      return;
    }
    const ac = new AbortController();
    setAlarm(undefined);
    api.get('/api/alarm-console/alarms', { query: { state: 'open', idx, limit: 20 }, signal: ac.signal, background: true })
      .then((r) => {
        const newest = [...r.alarms].sort((a, b) => Date.parse(b.raisedAt) - Date.parse(a.raisedAt))[0];
        setAlarm(newest ? { id: newest.id, raisedAt: newest.raisedAt } : null);
      })
      .catch(() => setAlarm(null));
    return () => ac.abort();
  }, [idx, readable]);
  return alarm;
}

/** The section (nothing when no camera sees the object, or for a camera itself). */
export default function SeeingSection({ obj }: SectionProps) {
  const { t, i18n } = useTranslation('video');
  const isCamera = obj.details.attributes.type === 'camera';
  const alarm = useOpenAlarm(obj.idx, isCamera);
  const [seeing, setSeeing] = useState<Seeing | null>(null);
  const [chosen, setChosen] = useState<number | null>(null);
  const [replay, setReplay] = useState(false);

  useEffect(() => {
    if (isCamera || alarm === undefined) return;
    const ac = new AbortController();
    setSeeing(null);
    setChosen(null);
    setReplay(false);
    api.get('/api/video/cameras/seeing', { query: alarm ? { alarm: alarm.id, limit: 3 } : { idx: obj.idx, limit: 3 }, signal: ac.signal })
      .then(setSeeing)
      .catch(() => setSeeing(null));
    return () => ac.abort();
  }, [obj.idx, isCamera, alarm]);

  const raisedAt = alarm ? Date.parse(alarm.raisedAt) : null;
  // One object per choice: the player restarts when it changes.
  const replayOf = useMemo(() => (replay && raisedAt !== null ? { from: new Date(raisedAt - PRE_ROLL_S * 1000).toISOString(), seconds: REPLAY_SECONDS } : undefined), [replay, raisedAt]);
  const cams = (seeing?.cameras ?? []).filter((c) => c.source !== null);
  if (isCamera || cams.length === 0) return null;
  const playing = chosen ?? cams[0]!.idx;
  const lang = i18n.language === 'en' ? 'en-GB' : 'zh-CN';
  return (
    <div className="video-seeing" data-cameras={cams.map((c) => c.idx).join(',')} data-alarm={alarm?.id ?? ''}>
      <h3>{alarm ? t('alarmCameras') : t('seeing')}</h3>
      {alarm && (
        <p className="video-alarm-time" data-raised-at={alarm.raisedAt}>
          {t('alarmAt', { time: new Date(alarm.raisedAt).toLocaleTimeString(lang, { hour12: false }) })}
          {replayOf && ` · ${t('replayFromAlarm', { s: PRE_ROLL_S })}`}
        </p>
      )}
      <VideoPlayer key={`${playing}-${replayOf ? 'r' : 'l'}`} camera={playing} label={cams.find((c) => c.idx === playing)?.code ?? ''} {...(replayOf ? { replay: replayOf } : {})} />
      {alarm && (
        <div className="video-modes">
          <button type="button" data-action="video.live" disabled={!replay} onClick={() => setReplay(false)}>{t('liveButton')}</button>
          <button type="button" data-action="video.alarm-replay" disabled={replay} onClick={() => setReplay(true)}>{t('alarmReplayButton', { s: PRE_ROLL_S })}</button>
        </div>
      )}
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
