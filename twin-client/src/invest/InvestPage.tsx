/**
 * The investment view (`/invest`, standard G1 visual investment attraction): the 3D park with the
 * vacant and soon-vacant units lit from the lease data and everything else dimmed, a filtered list
 * beside it that stays in step with the scene, a unit panel (numbers, floor plan, photos,
 * neighbours), a comparison of up to three units, and a link that reopens exactly this view
 * (filters, selection, comparison, camera) for a prospect.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Box3, Vector3 } from 'three';
import { MAX_COMPARE, type UnitDetail, type UnitsResult } from '@park-twin/layers';
import { LEASE_COLOURS, type TwinController } from '../scene/controller.ts';
import { FLAG } from '../scene/featureState.ts';
import { TwinCanvas } from '../scene/TwinCanvas.tsx';
import { LiveIndicator, Tooltip } from '../scene/TwinView.tsx';
import { useTwinPark } from '../scene/useTwinPark.ts';
import { fetchUnit, fetchUnits } from './api.ts';
import { Compare } from './Compare.tsx';
import { Filters } from './Filters.tsx';
import { registerInvestI18n } from './i18n.ts';
import { UnitList, type RowHandlers } from './UnitList.tsx';
import { UnitPanel } from './UnitPanel.tsx';
import { filterParams, investSearch, parseInvestUrl, type InvestFilters } from './url.ts';
import './invest.css';

registerInvestI18n();

type Rgb = readonly [number, number, number];
/** Unit colours by availability (the lease legend's vacant and expiring hues). */
const LIT: Record<string, Rgb> = { vacant: LEASE_COLOURS.vacant!, soon: LEASE_COLOURS.expiring!, reserved: LEASE_COLOURS.reserved! };
/**
 * Buildings holding lit units: drawn solid in this hue (not dimmed), so a prospect sees from afar
 * which buildings have units. Only a building's shell carries the building's id, and up close its
 * interior replaces the shell (tileset refinement), so the solid shell never hides the lit units.
 */
const BUILDING_TINT: Rgb = [80, 200, 235];

/** Flies to a unit, framed from its outline and storey (works before its tiles are loaded). */
function frameUnit(ctl: TwinController, d: UnitDetail): void {
  const { rooms, elevation, height } = d.floorPlan;
  const box = new Box3();
  // Park metres (x east, y north) to the scene's frame (ReorientationPlugin: x west, y up, z north).
  for (const [x, y] of rooms.find((r) => r.idx === d.unit.idx)?.rings[0] ?? []) {
    box.expandByPoint(new Vector3(-x, elevation, y));
    box.expandByPoint(new Vector3(-x, elevation + height, y));
  }
  if (!box.isEmpty()) ctl.frameBox(box, 4);
}

/** A loaded list and the filter string it answers (tests wait for it). */
type Loaded = UnitsResult & { query: string };

/** The view. */
export default function InvestPage() {
  const { t } = useTranslation('invest');
  const initial = useMemo(() => parseInvestUrl(location.search), []);
  const { ctl, stats, park, problem, live, tilesetUrl } = useTwinPark({ deepLink: false, layers: ['occupancy'] });
  const [filters, setFilters] = useState<InvestFilters>(initial.filters);
  const [result, setResult] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState(initial.selected);
  const [compare, setCompare] = useState<number[]>(initial.compare);
  const [notice, setNotice] = useState<string | null>(null);
  const [share, setShare] = useState<{ url: string; copied: boolean } | null>(null);
  const tipRef = useRef<HTMLDivElement>(null);
  const query = filterParams(filters).toString();
  const [reload, setReload] = useState(0);

  // Colours come from the spotlight only; a shared link's camera wins over the overview framing.
  useEffect(() => {
    ctl.layer = 'none';
    if (initial.camera) ctl.pendingCamera = { pos: new Vector3(...initial.camera.pos), target: new Vector3(...initial.camera.target) };
  }, [ctl, initial]);

  // Without a camera in the link, a linked selection frames its building once the hierarchy is in.
  const h = ctl.h;
  useEffect(() => {
    if (h && initial.selected && !initial.camera) ctl.pendingFrame = h.buildingOf[initial.selected] ?? 0;
  }, [ctl, h, initial]);

  useEffect(() => {
    if (!park) return;
    const ac = new AbortController();
    fetchUnits(park.code, filters, ac.signal).then((r) => {
      setResult({ ...r, query });
      setError(null);
    }, (e: Error) => {
      if (e.name !== 'AbortError') setError(e.message);
    });
    return () => ac.abort();
  }, [park, filters, query, reload]);

  // A proposal held units or a contract let them (leasing module push): load the list again.
  useEffect(() => live?.addMessageListener((m) => {
    if ((m as { type: string }).type === 'leasing.units') setReload((n) => n + 1);
  }), [live]);

  // The selected unit's panel data; a selection from the list or the comparison also flies there.
  const [detail, setDetail] = useState<UnitDetail | null>(null);
  const [detailError, setDetailError] = useState<string | null>(null);
  const flyTo = useRef(0);
  const detailRef = useRef(detail);
  detailRef.current = detail;
  useEffect(() => {
    if (!park || !selected) return;
    const ac = new AbortController();
    setDetailError(null);
    fetchUnit(park.code, selected, filters.within, ac.signal).then((d) => {
      setDetail(d);
      if (flyTo.current === d.unit.idx) frameUnit(ctl, d);
      flyTo.current = 0;
    }, (e: Error) => {
      if (e.name !== 'AbortError') setDetailError(e.message);
    });
    return () => ac.abort();
  }, [ctl, park, selected, filters.within]);

  // The spotlight: units of the list lit, their buildings tinted and solid, everything else dimmed.
  const tintedRef = useRef<ReadonlySet<number>>(new Set());
  useEffect(() => {
    if (!h || !result) return;
    const lit = new Map<number, Rgb>();
    const tinted = new Map<number, Rgb>();
    for (const u of [...result.units, ...(result.held ?? [])]) {
      lit.set(u.idx, LIT[u.availability] ?? LIT.vacant!);
      tinted.set(u.buildingIdx, BUILDING_TINT);
    }
    ctl.spotlight(lit, tinted);
    for (const b of tinted.keys()) ctl.state.setFlag(b, FLAG.faded, false);
    tintedRef.current = new Set(tinted.keys());
    ctl.invalidate();
  }, [ctl, h, result]);

  // Selection highlight (after the spotlight, which resets flags).
  const shownSel = useRef(0);
  useEffect(() => {
    if (shownSel.current) ctl.state.setFlag(shownSel.current, FLAG.selected, false);
    if (selected) ctl.state.setFlag(selected, FLAG.selected, true);
    shownSel.current = selected;
    ctl.invalidate();
  }, [ctl, selected, h, result]);

  // The address bar follows the view (the camera goes into share links only).
  useEffect(() => {
    if (!park) return;
    history.replaceState(history.state, '', `${location.pathname}?${investSearch(park.code, { filters, selected, compare, camera: null })}`);
    setShare(null);
  }, [park, filters, selected, compare]);

  const compareRef = useRef(compare);
  compareRef.current = compare;
  const toggleCompare = useCallback((idx: number) => {
    const c = compareRef.current;
    if (c.includes(idx)) {
      setCompare(c.filter((x) => x !== idx));
      setNotice(null);
    } else if (c.length >= MAX_COMPARE) {
      setNotice(t('compare.full', { max: MAX_COMPARE }));
    } else {
      setCompare([...c, idx]);
      setNotice(null);
    }
  }, [t]);

  const handlers = useMemo<RowHandlers>(() => ({
    onHover: (idx) => ctl.setHover(idx),
    onSelect: (idx) => {
      if (detailRef.current?.unit.idx === idx) frameUnit(ctl, detailRef.current);
      else flyTo.current = idx;
      setSelected(idx);
    },
    onToggleCompare: toggleCompare,
  }), [ctl, toggleCompare]);

  // Clicks in the scene select (only lit units can be hit: dimmed objects are not pickable); a
  // click on a building with units flies in, where its interior (and the lit units) show.
  useEffect(() => {
    ctl.pickHandler = (idx) => {
      const kind = ctl.h?.kindOf(idx);
      if (kind === 'room') setSelected(idx);
      else if (kind === 'building' && tintedRef.current.has(idx)) {
        const box = ctl.boundsOf(idx);
        if (box) ctl.frameBox(box, 1.2);
      }
    };
    return () => {
      ctl.pickHandler = null;
    };
  }, [ctl]);

  const makeShare = () => {
    if (!park) return;
    const camera = ctl.camera && ctl.controls
      ? { pos: ctl.camera.position.toArray() as [number, number, number], target: ctl.controls.target.toArray() as [number, number, number] }
      : null;
    const url = `${location.origin}/invest?${investSearch(park.code, { filters, selected, compare, camera })}`;
    setShare({ url, copied: false });
    // The clipboard may be refused (permissions, plain http): the field shows the link for a manual copy.
    navigator.clipboard?.writeText(url).then(() => setShare((s) => (s?.url === url ? { url, copied: true } : s)), () => {});
  };

  if (problem) {
    return <div className="center-message" data-problem={problem}>{problem === 'login' ? t('translation:scene.loginNeeded') : problem === 'empty' ? t('translation:scene.noPark') : problem}</div>;
  }
  const counts = { vacant: 0, soon: 0 };
  for (const u of result?.units ?? []) if (u.availability === 'vacant' || u.availability === 'soon') counts[u.availability]++;
  return (
    <div className="invest-view" data-loaded={result?.query} data-filters={query} data-total={result?.total}>
      <div className="invest-scene">
        {!park && <div className="center-message">{t('loading')}</div>}
        {park && tilesetUrl && (
          <TwinCanvas ctl={ctl} stats={stats} tilesetUrl={tilesetUrl} origin={park.origin}
            onHoverMove={(x, y) => {
              const el = tipRef.current;
              if (el) el.style.transform = `translate(${x + 14}px, ${y + 14}px)`;
            }} />
        )}
        <div className="overlay">
          <div className="overlay-top">
            <ul className="panel legend invest-legend">
              {(['vacant', 'soon'] as const).map((k) => (
                <li key={k} data-legend={k}><span className="swatch" style={{ background: `rgb(${LIT[k]!.join(',')})` }} />{t(`legend.${k}`)} {counts[k]}</li>
              ))}
              <li data-legend="held"><span className="swatch" style={{ background: `rgb(${LIT.reserved!.join(',')})` }} />{t('legend.held')} {result?.held?.length ?? 0}</li>
              <li data-legend="building"><span className="swatch" style={{ background: `rgb(${BUILDING_TINT.join(',')})` }} />{t('legend.building')}</li>
            </ul>
            <LiveIndicator live={live} />
          </div>
          {selected > 0 && park && (
            <UnitPanel idx={selected} detail={detail} error={detailError} compared={compare.includes(selected)}
              onCompare={() => toggleCompare(selected)} onClose={() => setSelected(0)} />
          )}
          {park && (
            <Compare park={park.code} units={compare} within={filters.within} notice={notice}
              onRemove={toggleCompare} onClear={() => { setCompare([]); setNotice(null); }} onSelect={handlers.onSelect} />
          )}
          <Tooltip ctl={ctl} tipRef={tipRef} />
        </div>
      </div>
      <aside className="invest-side">
        <header className="invest-head">
          <h2>{t('title')}</h2>
          <button type="button" className="primary share-button" onClick={makeShare} disabled={!park}>{t('share.button')}</button>
        </header>
        {share && (
          <div className="share">
            <div className="muted small" role="status">{share.copied ? t('share.copied') : t('share.manual')}</div>
            <input className="share-url" readOnly aria-label={t('share.label')} value={share.url} onFocus={(e) => e.target.select()} />
          </div>
        )}
        <Filters filters={filters} buildings={result?.buildings ?? []} onChange={setFilters} />
        {error && <div className="error" role="alert">{t('failed', { message: error })}</div>}
        {result && (
          <div className="invest-summary muted">
            {t('summary', { count: result.total, asOf: result.asOf, cutoff: result.cutoff })}
            {result.truncated && <div>{t('truncated', { shown: result.units.length })}</div>}
          </div>
        )}
        {!result && !error && <div className="muted">{t('loading')}</div>}
        {result?.units.length === 0 && <div className="muted">{t('empty')}</div>}
        <UnitList units={result?.units ?? []} selected={selected} hovered={ctl.hover} compare={compare} handlers={handlers} />
        {result?.held && result.held.length > 0 && (
          <section className="invest-held" data-held-units={result.held.map((u) => u.idx).join(',')}>
            <h3>{t('held.title', { count: result.held.length })}</h3>
            <div className="muted small">{t('held.note')}</div>
            <UnitList units={result.held} selected={selected} hovered={ctl.hover} compare={compare} handlers={handlers} />
          </section>
        )}
      </aside>
    </div>
  );
}
