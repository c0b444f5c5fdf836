/**
 * `/scan`: the phone page that reads an equipment label. The back camera's frames are decoded
 * with ZXing (a few per second, on a canvas no larger than 640 px); a label of this twin resolves
 * (permission-checked, GET /api/labels/resolve/:uuid) to its object, and the twin opens on it with
 * its panel. Needs `camera` allowed for this origin (the server's Permissions-Policy) and HTTPS or
 * localhost.
 */
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api/client.ts';
import { navigate, twinHref } from '../../app/links.tsx';
import { decodeFrame, uuidOfLabel } from './scan.ts';
import './xr.css';

/** The scanner page. */
export default function ScanView() {
  const { t } = useTranslation('xr');
  const video = useRef<HTMLVideoElement>(null);
  const [status, setStatus] = useState<{ kind: 'idle' | 'scanning' | 'found' | 'error'; text: string }>({ kind: 'idle', text: t('scanHint') });
  const [running, setRunning] = useState(true);

  useEffect(() => {
    if (!running) return;
    const ac = new AbortController();
    let stream: MediaStream | null = null;
    let timer = 0;
    const canvas = document.createElement('canvas');
    const g = canvas.getContext('2d', { willReadFrequently: true })!;
    const tick = async () => {
      const v = video.current;
      if (ac.signal.aborted || !v) return;
      if (v.readyState >= 2 && v.videoWidth > 0) {
        const k = Math.min(1, 640 / Math.max(v.videoWidth, v.videoHeight));
        canvas.width = Math.round(v.videoWidth * k);
        canvas.height = Math.round(v.videoHeight * k);
        g.drawImage(v, 0, 0, canvas.width, canvas.height);
        const text = decodeFrame(g.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
        const uuid = text ? uuidOfLabel(text) : null;
        if (text && !uuid) setStatus({ kind: 'error', text: t('scanUnknown') });
        if (uuid) {
          try {
            const o = await api.get('/api/labels/resolve/{uuid}', { params: { uuid }, signal: ac.signal });
            setStatus({ kind: 'found', text: t('scanFound', { name: o.name }) });
            stream?.getTracks().forEach((tr) => tr.stop());
            navigate(twinHref(o.idx, { building: o.building ?? 0, floor: o.floor ?? 0 }));
            return;
          } catch (e) {
            if (ac.signal.aborted) return;
            setStatus({ kind: 'error', text: e instanceof ApiError && e.status === 403 ? t('scanForbidden') : t('scanUnknown') });
          }
        }
      }
      timer = window.setTimeout(() => void tick(), 200);
    };
    (async () => {
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment', width: { ideal: 1280 } }, audio: false });
        if (ac.signal.aborted) return stream.getTracks().forEach((tr) => tr.stop());
        const v = video.current!;
        v.srcObject = stream;
        await v.play().catch(() => {});
        setStatus({ kind: 'scanning', text: t('scanHint') });
        void tick();
      } catch (e) {
        setStatus({ kind: 'error', text: t('scanNoCamera', { msg: (e as Error).message }) });
        setRunning(false);
      }
    })();
    return () => {
      ac.abort();
      clearTimeout(timer);
      stream?.getTracks().forEach((tr) => tr.stop());
    };
  }, [running, t]);

  return (
    <div className="scan-view" data-scan={status.kind}>
      <h2>{t('scanTitle')}</h2>
      <video ref={video} muted playsInline />
      <p className="scan-status" role="status">{status.text}</p>
      {!running && <button type="button" onClick={() => setRunning(true)}>{t('scanStart')}</button>}
    </div>
  );
}
