/**
 * Live video of one camera: asks the server to watch it (a short-lived signed playlist URL bound
 * to this session), plays the HLS stream with hls.js, renews the URL before it expires (every
 * request is rewritten to the newest URL), and says why when there is no picture (channels busy,
 * source offline, no source, no permission). Leaving stops watching.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import Hls from 'hls.js';
import { api, ApiError } from '../../api/client.ts';
import './video.css';

type Shown = { kind: 'loading' } | { kind: 'playing' } | { kind: 'error'; key: string; detail: string };

const LIVE_PREFIX = /\/api\/video\/(live|rec)\/\d+\/[^/]+\//;

/** The message key of a refusal's HTTP status. */
function errorKey(status: number): string {
  if (status === 503) return 'busy';
  if (status === 502) return 'down';
  if (status === 504) return 'timeout';
  if (status === 409) return 'noSource';
  if (status === 401 || status === 403) return 'forbidden';
  if (status === 404) return 'notFound';
  return 'error';
}

/** Refusals worth trying again by themselves: busy channels, a source down, a slow start, the network. */
const TRANSIENT = new Set(['busy', 'down', 'timeout', 'error']);

/**
 * Props: the camera's idx, an optional label shown over the picture, `replay` to play the
 * camera's recording from a time (ISO) instead of live, and `autoRetryS` for unattended screens
 * (the command wall): a transient refusal is tried again after that many seconds.
 */
export function VideoPlayer({ camera, label, replay, autoRetryS }: { camera: number; label?: string; replay?: { from: string; seconds: number }; autoRetryS?: number }) {
  const { t } = useTranslation('video');
  const ref = useRef<HTMLVideoElement>(null);
  const [shown, setShown] = useState<Shown>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  /** A replay's first recorded segment's time (ISO): where the picture starts. */
  const [startsAt, setStartsAt] = useState<string | null>(null);
  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  const errorKeyShown = shown.kind === 'error' ? shown.key : null;

  useEffect(() => {
    if (!autoRetryS || !errorKeyShown || !TRANSIENT.has(errorKeyShown)) return;
    const timer = window.setTimeout(retry, autoRetryS * 1000);
    return () => window.clearTimeout(timer);
  }, [autoRetryS, errorKeyShown, attempt, retry]);

  useEffect(() => {
    let cancelled = false;
    let hls: Hls | null = null;
    let renew: number | undefined;
    let prefix = '';
    let recovered = 0;
    const video = ref.current;
    setShown({ kind: 'loading' });
    const watch = () => replay
      ? api.post('/api/video/cameras/{idx}/replay', { params: { idx: camera }, body: { from: replay.from, seconds: replay.seconds } }).then((r) => {
        if (!cancelled) setStartsAt(r.startsAt);
        return { url: r.url, renewInS: 0 };
      })
      : api.post('/api/video/cameras/{idx}/watch', { params: { idx: camera } });
    const fail = (e: unknown) => {
      if (cancelled) return;
      const status = e instanceof ApiError ? e.status : 0;
      setShown({ kind: 'error', key: replay && status === 404 ? 'noRecording' : errorKey(status), detail: e instanceof Error ? e.message : String(e) });
    };
    const onPlaying = () => {
      if (!cancelled) setShown({ kind: 'playing' });
    };

    void (async () => {
      try {
        const w = await watch();
        if (cancelled || !video) return;
        prefix = w.url.replace(/[^/]+$/, '');
        // A replay URL lives for its whole window; a live one is renewed at half its lifetime.
        if (w.renewInS > 0) {
          renew = window.setInterval(() => {
            watch().then((x) => {
              prefix = x.url.replace(/[^/]+$/, '');
            }).catch(fail);
          }, w.renewInS * 1000);
        }
        video.muted = true;
        video.addEventListener('playing', onPlaying);
        if (Hls.isSupported()) {
          hls = new Hls({
            liveSyncDurationCount: 2, maxBufferLength: 8, backBufferLength: 0, enableWorker: true,
            // Every playlist and segment request goes to the newest signed URL.
            xhrSetup: (xhr, url) => xhr.open('GET', url.replace(LIVE_PREFIX, prefix), true),
          });
          hls.on(Hls.Events.ERROR, (_e, data) => {
            if (!data.fatal || cancelled) return;
            const status = data.response?.code ?? 0;
            // A stream that stopped (409) or a media hiccup: recover once, then tell why.
            if (recovered < 2 && data.type === Hls.ErrorTypes.MEDIA_ERROR) {
              recovered++;
              hls?.recoverMediaError();
              return;
            }
            if (recovered < 2 && status === 409 && !replay) {
              recovered++;
              watch().then((x) => {
                prefix = x.url.replace(/[^/]+$/, '');
                hls?.loadSource(x.url);
              }).catch(fail);
              return;
            }
            fail(status ? new ApiError(status, data.details) : new Error(data.details));
          });
          hls.loadSource(w.url);
          hls.attachMedia(video);
        } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
          video.src = w.url; // native HLS (Safari)
        } else {
          setShown({ kind: 'error', key: 'unsupported', detail: '' });
          return;
        }
        video.play().catch(() => { /* autoplay of a muted video is allowed; a refusal leaves the controls */ });
      } catch (e) {
        fail(e);
      }
    })();

    return () => {
      cancelled = true;
      window.clearInterval(renew);
      video?.removeEventListener('playing', onPlaying);
      hls?.destroy();
      if (video) {
        video.removeAttribute('src');
        video.load();
      }
      if (!replay) void api.delete('/api/video/cameras/{idx}/watch', { params: { idx: camera } }).catch(() => {});
    };
  }, [camera, attempt, replay]);

  return (
    <div className="video-player" data-video={camera} data-state={shown.kind} data-mode={replay ? 'replay' : 'live'}
      {...(replay && startsAt ? { 'data-starts-at': startsAt } : {})}>
      <video ref={ref} muted playsInline autoPlay data-camera={camera} />
      {label && <span className="video-label">{label}</span>}
      {shown.kind === 'loading' && <div className="video-message">{t('loading')}</div>}
      {shown.kind === 'error' && (
        <div className="video-message error" data-error={shown.key} title={shown.detail}>
          <span>{t(shown.key)}</span>
          <button type="button" onClick={retry}>{t('retry')}</button>
        </div>
      )}
    </div>
  );
}
