/**
 * Panels of the maintenance view: a pipe segment's or node's attributes with the trace buttons,
 * the current trace's summary, and the open work orders of a piece of equipment (read-only).
 */
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.ts';
import { localName } from '../i18n/index.ts';
import type { PipeEnd, TraceDirection, TraceResult } from '@park-twin/layers';
import { registerOpsI18n } from './i18n.ts';
import './ops.css';

// The work-order list also lives in the common object panel, outside this view.
registerOpsI18n();

/** Runs the typed API call `load` whenever `key` changes (aborting the previous one); null key = nothing. */
function useLoad<T>(key: string | null, load: (signal: AbortSignal) => Promise<T>): { data: T | null; error: string | null } {
  const [state, setState] = useState<{ data: T | null; error: string | null }>({ data: null, error: null });
  const loader = useRef(load);
  loader.current = load;
  useEffect(() => {
    setState({ data: null, error: null });
    if (!key) return;
    const ac = new AbortController();
    loader.current(ac.signal)
      .then((data) => setState({ data, error: null }))
      .catch((e: Error) => {
        if (e.name !== 'AbortError') setState({ data: null, error: e.message });
      });
    return () => ac.abort();
  }, [key]);
  return state;
}

const fmt = (v: number, digits = 2) => String(Math.round(v * 10 ** digits) / 10 ** digits);

/** Props of the pipe panel. */
export interface PipePanelProps {
  idx: number;
  onClose: () => void;
  /** Starts a trace from a node; `via` is a segment to include (tracing from a segment's end). */
  onTrace: (node: number, direction: TraceDirection, via?: number) => void;
  /** Selects another network object (a segment's end node). */
  onSelect: (idx: number) => void;
}

/** Attributes of the picked pipe segment or node, and trace buttons. */
export function PipePanel({ idx, onClose, onTrace, onSelect }: PipePanelProps) {
  const { t } = useTranslation('ops');
  const { data: o, error } = useLoad(`pipe:${idx}`, (signal) => api.get('/api/ops/pipes/{idx}', { params: { idx }, signal }));
  const row = (key: string, label: string, value: React.ReactNode) => (
    <tr key={key} data-attr={key}><th>{label}</th><td>{value}</td></tr>
  );
  const end = (e: PipeEnd) => (
    <button type="button" className="link" data-node={e.idx} onClick={() => onSelect(e.idx)}>
      {e.code} · {t(`nodeType.${e.nodeType}`)}{e.valveOpen === false ? ` (${t('pipe.closed')})` : ''}
    </button>
  );
  return (
    <aside className="panel ops-pipe-panel" data-idx={idx} data-kind={o?.kind ?? ''}>
      <header>
        <div>
          <div className="kind">{o ? t(o.kind === 'pipe_segment' ? 'pipe.segment' : 'pipe.node') : ''}</div>
          <h2>{o ? localName(o) : t('loading')}</h2>
        </div>
        <button type="button" className="icon" onClick={onClose} aria-label={t('close')}>×</button>
      </header>
      {error && <p className="error">{t('error', { message: error })}</p>}
      {o && (
        <table className="attrs">
          <tbody>
            {row('code', t('pipe.code'), o.code)}
            {row('network', t('pipe.network'), <span className={`net net-${o.network}`}>{t(`network.${o.network}`)}</span>)}
            {o.kind === 'pipe_segment' ? [
              row('diameter_mm', t('pipe.diameter'), fmt(o.diameterMm, 0)),
              row('depth', t('pipe.depth'), fmt(o.depth)),
              row('centre_depth', t('pipe.centreDepth'), `${fmt(o.centreDepth[0])} → ${fmt(o.centreDepth[1])}`),
              row('material', t('pipe.material'), t(`material.${o.material}`)),
              row('install_year', t('pipe.installYear'), o.installYear ?? '—'),
              row('length', t('pipe.length'), fmt(o.lengthM, 1)),
              row('from', t('pipe.from'), end(o.from)),
              row('to', t('pipe.to'), end(o.to)),
            ] : [
              row('node_type', t('pipe.nodeType'), t(`nodeType.${o.nodeType}`)),
              ...(o.valveOpen === null ? [] : [row('valve', t('pipe.valve'), o.valveOpen ? t('pipe.open') : t('pipe.closed'))]),
              row('depth', t('pipe.centreDepth'), fmt(o.depth)),
              row('outgoing', t('pipe.outgoing'), o.outgoing.length),
              row('incoming', t('pipe.incoming'), o.incoming.length),
            ]}
          </tbody>
        </table>
      )}
      {o && (
        <div className="ops-trace-buttons">
          <h3>{t('trace.title')}</h3>
          <button type="button" data-trace="downstream"
            onClick={() => (o.kind === 'pipe_node' ? onTrace(o.idx, 'downstream') : onTrace(o.to.idx, 'downstream', o.idx))}>
            {t('trace.downstream')}
          </button>
          <button type="button" data-trace="upstream"
            onClick={() => (o.kind === 'pipe_node' ? onTrace(o.idx, 'upstream') : onTrace(o.from.idx, 'upstream', o.idx))}>
            {t('trace.upstream')}
          </button>
        </div>
      )}
    </aside>
  );
}

/** Summary of the shown trace. */
export function TraceSummary({ trace, busy, error, onClear, onFrame }: {
  trace: TraceResult | null; busy: boolean; error: string | null; onClear: () => void; onFrame: () => void;
}) {
  const { t } = useTranslation('ops');
  if (!trace && !busy && !error) return null;
  return (
    <section className="panel ops-trace" data-segments={trace?.segments.length ?? ''}>
      <h3>{t('trace.title')}</h3>
      {busy && <p>{t('trace.running')}</p>}
      {error && <p className="error">{t('error', { message: error })}</p>}
      {trace && (
        <>
          <p className="trace-result">
            {trace.segments.length === 0 ? t('trace.none')
              : t('trace.result', { direction: t(`direction.${trace.direction}`), segments: trace.segments.length, nodes: trace.nodes.length })}
          </p>
          {trace.barriers.length > 0 && <p className="trace-barriers">{t('trace.barriers', { count: trace.barriers.length })}</p>}
          <div className="row">
            {trace.segments.length > 0 && <button type="button" onClick={onFrame}>{t('trace.frame')}</button>}
            <button type="button" data-action="clear-trace" onClick={onClear}>{t('trace.clear')}</button>
          </div>
        </>
      )}
    </section>
  );
}

/** The open work orders of equipment `idx`, most urgent first (a section of the object panel). */
export function WorkOrders({ idx }: { idx: number }) {
  const { t, i18n } = useTranslation('ops');
  const { data, error } = useLoad(`wo:${idx}`, (signal) => api.get('/api/ops/equipment/{idx}/work-orders', { params: { idx }, signal }));
  const en = i18n.language === 'en';
  return (
    <section className="ops-work-orders" data-idx={idx} data-count={data?.workOrders.length ?? ''}>
      <h3>{t('workOrders.title')}</h3>
      {error && <p className="error">{t('error', { message: error })}</p>}
      {!data && !error && <p className="muted">{t('loading')}</p>}
      {data?.workOrders.length === 0 && <p className="muted">{t('workOrders.none')}</p>}
      <ul>
        {data?.workOrders.map((w) => (
          <li key={w.code} data-code={w.code} className={`wo wo-${w.priority}`}>
            <div className="wo-head">
              <span className={`wo-priority wo-priority-${w.priority}`}>{t(`workOrders.priority.${w.priority}`)}</span>
              <strong>{en && w.titleEn ? w.titleEn : w.title}</strong>
            </div>
            <div className="wo-meta muted">
              {w.code} · {t(`workOrders.type.${w.type}`)} · {t(`workOrders.status.${w.status}`)} · {t('workOrders.assignee')}: {w.assignee ?? t('workOrders.unassigned')}
            </div>
            <div className="wo-meta muted">
              {t('workOrders.opened')} {w.openedOn}{w.dueOn ? ` · ${t('workOrders.due')} ${w.dueOn}` : ''}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
