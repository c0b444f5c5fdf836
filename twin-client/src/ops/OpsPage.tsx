/**
 * The maintenance view (`/ops`, standard G3 "hidden works made visible"): the twin with x-ray
 * (buildings and ground see-through, the infrastructure tileset shown with depth shading and a
 * depth gauge), a section box per building or floor, pipe attributes, network traces highlighted
 * through the state texture, and picked equipment's panel (with its open work orders).
 * URL: `?xray=0|1&trace=<node>:<downstream|upstream>&sec=<building>[:<floor>]` plus the drill link.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Html } from '@react-three/drei';
import { Box3, BufferGeometry, Float32BufferAttribute, Vector3 } from 'three';
import { NETWORKS, NETWORK_COLOURS, type ParkNetworks, type TraceDirection, type TraceResult } from '@park-twin/layers';
import { api } from '../api/client.ts';
import { localName } from '../i18n/index.ts';
import { ObjectPanel } from '../panels/ObjectPanel.tsx';
import type { TwinController } from '../scene/controller.ts';
import { TwinCanvas } from '../scene/TwinCanvas.tsx';
import { DrillBar, LiveIndicator, Tooltip } from '../scene/TwinView.tsx';
import { drillToUrl, useTwinPark } from '../scene/useTwinPark.ts';
import { InfraTiles, infraStatus, type InfraStatus } from './InfraTiles.tsx';
import { PipePanel, TraceSummary } from './panels.tsx';
import { SectionBox, sceneBox, sectionBox, type SectionChoice } from './section.tsx';
import { installOpsHook } from './testHook.ts';
import { CLOSED_VALVE_RGB, DEPTH_RANGE, TRACE_RGB, applyGhost, networkColour, paintNetworks } from './xray.ts';

/** A trace on screen: the API result plus the segment it was started from, if any. */
export interface ShownTrace {
  result: TraceResult;
  via: number | null;
}

function readUrl(): { xray: boolean; trace: { node: number; direction: TraceDirection } | null; sec: { building: number; floor: number } | null } {
  const q = new URLSearchParams(location.search);
  const tr = /^(\d+):(downstream|upstream)$/.exec(q.get('trace') ?? '');
  const sec = /^(\d+)(?::(\d+))?$/.exec(q.get('sec') ?? '');
  return {
    xray: q.get('xray') !== '0',
    trace: tr ? { node: Number(tr[1]), direction: tr[2] as TraceDirection } : null,
    sec: sec ? { building: Number(sec[1]), floor: Number(sec[2] ?? 0) } : null,
  };
}

function writeUrl(xray: boolean, trace: ShownTrace | null, sec: { building: number; floor: number } | null): void {
  const q = new URLSearchParams(location.search);
  q.set('xray', xray ? '1' : '0');
  if (trace && trace.via === null) q.set('trace', `${trace.result.node}:${trace.result.direction}`);
  else q.delete('trace');
  if (sec) q.set('sec', sec.floor ? `${sec.building}:${sec.floor}` : String(sec.building));
  else q.delete('sec');
  history.replaceState(history.state, '', `${location.pathname}?${q.toString()}`);
}

/** A line from the ground down to the picked pipe or node, labelled with its depth. */
function DepthGauge({ ctl, idx }: { ctl: TwinController; idx: number }) {
  // A vertex scan: once per object and tile load, not on every hover re-render.
  const loaded = ctl.tilesLoaded;
  const b = useMemo(() => (loaded >= 0 ? ctl.boundsOf(idx) : null), [ctl, idx, loaded]);
  const geom = useMemo(() => new BufferGeometry(), []);
  useEffect(() => () => geom.dispose(), [geom]);
  if (!b || b.max.y > 0) return null;
  const c = b.getCenter(new Vector3());
  geom.setAttribute('position', new Float32BufferAttribute([c.x, 0, c.z, c.x, b.max.y, c.z], 3));
  return (
    <group>
      <lineSegments geometry={geom}>
        <lineBasicMaterial color="#ffffff" />
      </lineSegments>
      <Html position={[c.x, b.max.y / 2, c.z]} center className="ops-depth-label" zIndexRange={[10, 0]}>
        {`−${(-b.max.y).toFixed(2)} m`}
      </Html>
    </group>
  );
}

/** X-ray toggle, depth legend and network colours. */
function XrayPanel({ xray, onToggle, trace }: { xray: boolean; onToggle: () => void; trace: boolean }) {
  const { t } = useTranslation('ops');
  const rgb = (c: readonly number[]) => `rgb(${c[0]},${c[1]},${c[2]})`;
  return (
    <section className="panel ops-xray-panel">
      <label className="ops-switch" title={t('xrayHint')}>
        <input type="checkbox" data-action="xray" checked={xray} onChange={onToggle} /> {t('xray')}
      </label>
      {xray && (
        <>
          <ul className="legend">
            {NETWORKS.map((n) => (
              <li key={n}><span className="swatch" style={{ background: rgb(NETWORK_COLOURS[n]) }} />{t(`network.${n}`)}</li>
            ))}
            <li><span className="swatch" style={{ background: rgb(CLOSED_VALVE_RGB) }} />{t('closedValve')}</li>
            {trace && <li><span className="swatch" style={{ background: rgb(TRACE_RGB) }} />{t('traced')}</li>}
          </ul>
          <h3>{t('depthLegend')}</h3>
          <div className="ops-depth-ramp" style={{ background: `linear-gradient(90deg, ${rgb(networkColour('water', DEPTH_RANGE[0]))}, ${rgb(networkColour('water', DEPTH_RANGE[1]))})` }} />
          <div className="ops-depth-scale"><span>{DEPTH_RANGE[0]} m · {t('depthShallow')}</span><span>{t('depthDeep')} · {DEPTH_RANGE[1]} m</span></div>
        </>
      )}
    </section>
  );
}

/** Building / floor chooser and sliders of the section box. */
function SectionPanel({ ctl, sec, onChange, choice, setChoice, error }: {
  ctl: TwinController;
  sec: { building: number; floor: number } | null;
  onChange: (s: { building: number; floor: number } | null) => void;
  choice: SectionChoice | null;
  setChoice: (c: SectionChoice | null) => void;
  error: string | null;
}) {
  const { t } = useTranslation('ops');
  const h = ctl.h;
  if (!h) return null;
  const buildings = Array.from(h.all).filter((i) => h.kindOf(i) === 'building');
  const label = (i: number) => (h.names.get(i) ? localName(h.names.get(i)!) : `#${i}`);
  return (
    <section className="panel ops-section-panel">
      <h3>{t('section.title')}</h3>
      <select data-action="section-building" value={sec?.building ?? 0}
        onChange={(e) => onChange(Number(e.target.value) ? { building: Number(e.target.value), floor: 0 } : null)}>
        <option value={0}>{t('section.none')}</option>
        {buildings.map((b) => <option key={b} value={b}>{label(b)}</option>)}
      </select>
      {sec && (
        <select data-action="section-floor" value={sec.floor} onChange={(e) => onChange({ building: sec.building, floor: Number(e.target.value) })}>
          <option value={0}>{t('section.wholeBuilding')}</option>
          {h.floorsOf(sec.building).reverse().map((f) => <option key={f} value={f}>{label(f)}</option>)}
        </select>
      )}
      {error && <p className="error">{t('error', { message: error })}</p>}
      {choice && (
        <>
          <label>{t('section.margin')} {choice.margin}
            <input type="range" min={0} max={40} step={1} value={choice.margin} onChange={(e) => setChoice({ ...choice, margin: Number(e.target.value) })} />
          </label>
          <label>{t('section.below')} {choice.below}
            <input type="range" min={0} max={12} step={0.5} value={choice.below} onChange={(e) => setChoice({ ...choice, below: Number(e.target.value) })} />
          </label>
          <button type="button" onClick={() => onChange(null)}>{t('section.clear')}</button>
        </>
      )}
    </section>
  );
}

/** The maintenance view. */
export default function OpsPage() {
  const { t } = useTranslation();
  const { ctl, stats, park, problem, live, tilesetUrl } = useTwinPark({ layers: ['equipment'] });
  const initial = useMemo(readUrl, []);
  const [xray, setXray] = useState(initial.xray);
  const [nets, setNets] = useState<ParkNetworks | null>(null);
  const [trace, setTrace] = useState<ShownTrace | null>(null);
  const [traceBusy, setTraceBusy] = useState(false);
  const [traceError, setTraceError] = useState<string | null>(null);
  const [sec, setSec] = useState(initial.sec);
  const [choice, setChoice] = useState<SectionChoice | null>(null);
  const [secError, setSecError] = useState<string | null>(null);
  const [infra] = useState<InfraStatus>(infraStatus);
  const tipRef = useRef<HTMLDivElement>(null);
  const h = ctl.h;

  useEffect(() => {
    if (ctl.layer !== 'equipment') ctl.setLayer('equipment');
  }, [ctl, h]);

  // The park's networks (depth and valve state per pipe) for the x-ray colours.
  useEffect(() => {
    if (!park) return;
    const ac = new AbortController();
    api.get('/api/ops/parks/{code}/networks', { params: { code: park.code }, signal: ac.signal }).then(setNets).catch(() => {});
    return () => ac.abort();
  }, [park]);

  const runTrace = useCallback((node: number, direction: TraceDirection, via?: number) => {
    setTraceBusy(true);
    setTraceError(null);
    api.get('/api/ops/trace', { query: { node: String(node), direction } })
      .then((result) => setTrace({ result, via: via ?? null }))
      .catch((e: Error) => setTraceError(e.message))
      .finally(() => setTraceBusy(false));
  }, []);
  useEffect(() => {
    if (initial.trace) runTrace(initial.trace.node, initial.trace.direction);
  }, [initial, runTrace]);

  // X-ray and trace into the state texture (after any layer repaint, which clears colours).
  useEffect(() => {
    if (!h) return;
    applyGhost(ctl.state, h, xray);
    if (nets) {
      const segments = new Set(trace?.result.segments ?? []);
      if (trace?.via) segments.add(trace.via);
      paintNetworks(ctl.state, nets, trace ? { segments, nodes: new Set([trace.result.node, ...trace.result.nodes]) } : null);
    }
    ctl.invalidate();
  }, [ctl, h, nets, xray, trace, ctl.layer]);

  // The section box around the building or floor (from the database, so it need not be loaded).
  useEffect(() => {
    setChoice(null);
    setSecError(null);
    if (!sec) return;
    const ac = new AbortController();
    api.get('/api/ops/section/{idx}', { params: { idx: sec.floor || sec.building }, signal: ac.signal })
      .then((b) => {
        const base = sceneBox(b);
        setChoice({ base, margin: 4, below: sec.floor ? 0 : 6 });
        ctl.frameBox(base, 1.4);
      })
      .catch((e: Error) => {
        if (e.name !== 'AbortError') setSecError(e.message);
      });
    return () => ac.abort();
  }, [ctl, sec]);
  const box = useMemo(() => (choice ? sectionBox(choice) : null), [choice]);

  useEffect(() => {
    if (h) {
      drillToUrl(ctl.drill, ctl.layer);
      writeUrl(xray, trace, sec);
    }
  });

  useEffect(() => installOpsHook(ctl, infra, () => ({
    xray, trace: trace?.result ?? null, networks: nets !== null, section: choice && box ? { base: choice.base, box } : null,
  })), [ctl, infra, xray, trace, nets, choice, box]);

  const frameTrace = () => {
    if (!trace) return;
    const all = new Box3();
    for (const s of [...trace.result.segments, ...(trace.via ? [trace.via] : [])]) {
      const b = ctl.boundsOf(s);
      if (b) all.union(b);
    }
    if (!all.isEmpty()) ctl.frameBox(all, 1.1);
  };

  if (problem) {
    return <div className="center-message" data-problem={problem}>{problem === 'login' ? t('scene.loginNeeded') : problem === 'empty' ? t('scene.noPark') : problem}</div>;
  }
  const selected = ctl.drill.selected;
  const kind = selected && h ? h.kindOf(selected) : undefined;
  const infraUrl = tilesetUrl?.replace('/tileset.json', '/infra.json') ?? null;
  const moveTip = (x: number, y: number) => {
    const el = tipRef.current;
    if (el) el.style.transform = `translate(${x + 14}px, ${y + 14}px)`;
  };
  return (
    <div className="twin-view ops-view" data-xray={xray ? '1' : '0'}>
      {!park && <div className="center-message">{t('scene.loading')}</div>}
      {park && tilesetUrl && (
        <TwinCanvas ctl={ctl} stats={stats} tilesetUrl={tilesetUrl} origin={park.origin} onHoverMove={moveTip} groundOpacity={xray ? 0.3 : 1}>
          {infraUrl && <InfraTiles ctl={ctl} url={infraUrl} origin={park.origin} visible={xray} status={infra} onHoverMove={moveTip} />}
          {xray && selected > 0 && (kind === 'pipe_segment' || kind === 'pipe_node') && <DepthGauge ctl={ctl} idx={selected} />}
          <SectionBox ctl={ctl} box={box} />
        </TwinCanvas>
      )}
      <div className="overlay">
        <div className="overlay-top">
          <DrillBar ctl={ctl} />
          <LiveIndicator live={live} />
        </div>
        <div className="ops-left">
          <XrayPanel xray={xray} onToggle={() => setXray(!xray)} trace={trace !== null} />
          <SectionPanel ctl={ctl} sec={sec} onChange={setSec} choice={choice} setChoice={setChoice} error={secError} />
          <TraceSummary trace={trace?.result ?? null} busy={traceBusy} error={traceError} onFrame={frameTrace}
            onClear={() => { setTrace(null); setTraceError(null); }} />
        </div>
        {selected > 0 && (kind === 'pipe_segment' || kind === 'pipe_node') && (
          <PipePanel idx={selected} onTrace={runTrace} onSelect={(i) => ctl.setDrill({ ...ctl.drill, selected: i }, { fly: false })}
            onClose={() => ctl.setDrill({ ...ctl.drill, selected: 0 }, { fly: false })} />
        )}
        {selected > 0 && kind !== 'pipe_segment' && kind !== 'pipe_node' && (
          <ObjectPanel ctl={ctl} idx={selected} onClose={() => ctl.setDrill({ ...ctl.drill, selected: 0 }, { fly: false })} />
        )}
        <Tooltip ctl={ctl} tipRef={tipRef} />
      </div>
    </div>
  );
}
