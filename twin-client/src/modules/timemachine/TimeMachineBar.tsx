/**
 * The time slider on the twin (issue 20): open a window (last hour, same time yesterday, last
 * night, last week), drag or play it at 1x to 3,600x, back to live in one click. zh/en.
 * `window.__timemachine` lets browser tests drive it.
 */
import { useEffect, useMemo, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import type { LayerName } from '@park-twin/layers';
import type { TwinController } from '../../scene/controller.ts';
import { useModuleAccess } from '../registry.ts';
import { SPEEDS, TimeMachine, colourOf } from './replay.ts';
import './timemachine.css';

const HOUR = 3_600_000;
const floorMinute = (t: number) => Math.floor(t / 60_000) * 60_000;

/** The test surface (`window.__timemachine`). */
export interface TimeMachineTestHook {
  open(from: number, to: number, at?: number): Promise<void>;
  seek(t: number): void;
  play(speed?: number): void;
  pause(): void;
  close(): void;
  state(): { active: boolean; loading: boolean; error: string; t: number; from: number; to: number; playing: boolean; speed: number; resolution: string | null; rows: number };
  stateOf(idx: number): [number, number] | null;
  colourOf(layer: LayerName, value: number, status: number): [number, number, number];
}

export function TimeMachineBar({ ctl }: { ctl: TwinController }) {
  const { t, i18n } = useTranslation('timemachine');
  const tm = useMemo(() => new TimeMachine(ctl), [ctl]);
  useSyncExternalStore(tm.subscribe, tm.getVersion);
  useEffect(() => () => tm.close(), [tm]);
  useEffect(() => {
    const hook: TimeMachineTestHook = {
      open: (from, to, at) => tm.open(from, to, at),
      seek: (x) => tm.seek(x),
      play: (speed) => {
        if (speed) tm.setSpeed(speed);
        tm.play();
      },
      pause: () => tm.pause(),
      close: () => tm.close(),
      state: () => ({ active: tm.active, loading: tm.loading, error: tm.error, t: tm.t, from: tm.from, to: tm.to, playing: tm.playing, speed: tm.speed, resolution: tm.data?.resolution ?? null, rows: tm.data?.rows.t.length ?? 0 }),
      stateOf: (idx) => tm.stateOf(idx),
      colourOf,
    };
    (window as unknown as { __timemachine?: TimeMachineTestHook }).__timemachine = hook;
    return () => {
      delete (window as unknown as { __timemachine?: TimeMachineTestHook }).__timemachine;
    };
  }, [tm]);

  const now = () => floorMinute(Date.now());
  const presets: Array<{ key: string; run: () => void }> = [
    { key: 'lastHour', run: () => void tm.open(now() - HOUR, now()) },
    { key: 'yesterday', run: () => void tm.open(now() - 24 * HOUR - HOUR / 2, now() - 24 * HOUR + HOUR / 2, now() - 24 * HOUR) },
    {
      key: 'lastNight',
      run: () => {
        const d = new Date();
        d.setHours(6, 0, 0, 0);
        const end = d.getTime() <= Date.now() ? d.getTime() : d.getTime() - 24 * HOUR;
        void tm.open(end - 12 * HOUR, end);
      },
    },
    { key: 'lastWeek', run: () => void tm.open(Math.floor(Date.now() / HOUR) * HOUR - 7 * 24 * HOUR, Math.floor(Date.now() / HOUR) * HOUR) },
  ];
  const fmt = (x: number) => new Date(x).toLocaleString(i18n.language === 'en' ? 'en-GB' : 'zh-CN', { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });

  const { enabled, can } = useModuleAccess();
  if (enabled && !enabled.has('timemachine')) return null;
  if (!can('twin:read')) return null;
  if (!tm.active) {
    return (
      <div className="timemachine panel closed">
        <button type="button" data-tm="open" onClick={() => presets[0]!.run()}>{t('open')}</button>
      </div>
    );
  }
  const step = tm.data?.stepMs ?? 60_000;
  return (
    <section className="timemachine panel" aria-label={t('title')} data-active="true">
      <header>
        <strong>{t('title')}</strong>
        <button type="button" data-tm="live" className="live-button" onClick={() => tm.close()}>{t('live')}</button>
      </header>
      <div className="tm-presets">
        {presets.map((p) => <button key={p.key} type="button" data-tm={p.key} onClick={p.run}>{t(p.key)}</button>)}
      </div>
      <div className="tm-row">
        <button type="button" data-tm="play" onClick={() => (tm.playing ? tm.pause() : tm.play())}>{tm.playing ? t('pause') : t('play')}</button>
        <input
          type="range" aria-label={t('playhead')} data-tm="slider" min={tm.from} max={tm.to} step={step} value={tm.t}
          onChange={(e) => tm.seek(Number(e.target.value))}
        />
        <label className="tm-speed">
          {t('speed')}
          <select data-tm="speed" value={tm.speed} onChange={(e) => tm.setSpeed(Number(e.target.value))}>
            {SPEEDS.map((s) => <option key={s} value={s}>{s}×</option>)}
          </select>
        </label>
      </div>
      <div className="tm-time" data-tm="time">
        <span>{fmt(tm.from)}</span>
        <strong>{fmt(tm.t)}</strong>
        <span>{fmt(tm.to)}</span>
      </div>
      {tm.loading && <div className="muted">{t('loading')}</div>}
      {tm.error && <div className="error" data-tm="error">{tm.error === 'layer' ? t('noLayer') : t('failed')}</div>}
      {tm.data && <div className="muted">{t('rows', { n: tm.data.rows.t.length })}</div>}
    </section>
  );
}
