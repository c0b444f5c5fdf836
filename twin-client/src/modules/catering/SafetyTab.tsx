/**
 * Food safety of a canteen (issue 19, L1): the bright kitchen (the kitchen's cameras, opened in the
 * twin with their video when the video module is on), pesticide rapid tests, retained samples (kept
 * 48 hours; due ones marked, disposal by food safety staff) and the traceability of a dish to the
 * supplier batches of its ingredients.
 */
import { useCallback, useEffect, useState } from 'react';
import { kitFetch } from '../../kit/api.ts';
import { twinHref } from '../../app/links.tsx';
import { useModuleAccess } from '../registry.ts';
import type { CanteenRef } from './OrderTab.tsx';

export interface Camera { idx: number; code: string; name: string; floorIdx: number | null; roomIdx: number | null; hasVideo: boolean }
interface Test { id: number; sample: string; inhibitionPct: number; result: 'pass' | 'fail'; tester: string; testedAt: string; note: string | null }
interface Sample { id: number; meal: string; dishes: string; weightG: number; keptAt: string; disposeDue: string; state: 'keeping' | 'due' | 'disposed' }
interface Safety { tests: Test[]; samples: Sample[]; cameras: Camera[]; dueSamples: number }
interface Dish { id: number; name: string; nameEn: string | null }
interface Trace { batches: { batchId: number; ingredient: string; batchNo: string; receivedAt: string; quantityKg: number; certificate: string | null; supplier: { name: string; licence: string | null }; tests: { result: 'pass' | 'fail' }[] }[] }

const T = {
  canteen: ['食堂', 'Canteen'], kitchen: ['明厨亮灶', 'Bright kitchen'], noCams: ['暂无后厨摄像头', 'No kitchen camera'], watch: ['查看视频', 'Watch'], noVideo: ['视频模块未启用', 'Video is off'],
  tests: ['农残快检', 'Pesticide tests'], pass: ['合格', 'Pass'], fail: ['不合格', 'Fail'], inhibition: ['抑制率', 'Inhibition'], samples: ['留样', 'Retained samples'],
  keeping: ['留样中', 'Keeping'], due: ['已满48小时，待处理', 'Due for disposal (48 h)'], disposed: ['已处理', 'Disposed'], dispose: ['处理', 'Dispose'], due_n: ['待处理留样', 'samples due'],
  trace: ['菜品溯源', 'Dish traceability'], pick: ['选择菜品', 'Pick a dish'], supplier: ['供应商', 'Supplier'], batch: ['批次', 'Batch'], received: ['进货', 'Received'],
  add: ['登记', 'Record'], sample: ['样品', 'Sample'], dishes: ['菜品', 'Dishes'], weight: ['重量(g)', 'Weight (g)'], none: ['暂无', 'None'],
  lunch: ['午餐', 'Lunch'], dinner: ['晚餐', 'Dinner'], breakfast: ['早餐', 'Breakfast'], refused: ['未完成：', 'Not done: '],
} as const;
const when = (iso: string, en: 0 | 1) => new Date(iso).toLocaleString(en ? 'en-GB' : 'zh-CN', { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });

/** The kitchen's cameras: each opens in the twin (its panel plays the video when the video module is on). */
export function KitchenCameras({ cameras, en }: { cameras: Camera[]; en: 0 | 1 }) {
  const { enabled } = useModuleAccess();
  const video = enabled === null || enabled.has('video');
  if (cameras.length === 0) return <p className="muted">{T.noCams[en]}</p>;
  return (
    <ul className="catering-cams">
      {cameras.map((c) => (
        <li key={c.idx} data-kitchen-camera={c.idx}>
          <span>{c.name}</span> {video ? <a href={twinHref(c.idx)}>{T.watch[en]}</a> : <span className="muted">{T.noVideo[en]}</span>}
        </li>
      ))}
    </ul>
  );
}

export function SafetyTab({ en, canteens, canRecord }: { en: 0 | 1; canteens: CanteenRef[]; canRecord: boolean }) {
  const l = (k: keyof typeof T) => T[k][en];
  const [canteen, setCanteen] = useState<number | null>(() => Number(new URLSearchParams(location.search).get('canteen')) || (canteens[0]?.idx ?? null));
  const [s, setS] = useState<Safety | null>(null);
  const [dishes, setDishes] = useState<Dish[]>([]);
  const [trace, setTrace] = useState<Trace | null>(null);
  const [msg, setMsg] = useState<string | null>(null);
  const [form, setForm] = useState({ sample: '', pct: '', meal: 'lunch', dishes: '', weight: '150' });
  useEffect(() => { if (canteen === null && canteens[0]) setCanteen(canteens[0].idx); }, [canteens, canteen]);
  const load = useCallback(() => {
    if (canteen === null) return;
    kitFetch<Safety>('GET', `/api/catering/canteens/${canteen}/safety`).then(setS, () => setS(null));
    kitFetch<{ dishes: Dish[] }>('GET', `/api/catering/canteens/${canteen}/menu`).then((r) => setDishes(r.dishes), () => setDishes([]));
    setTrace(null);
  }, [canteen]);
  useEffect(load, [load]);
  const run = async (p: Promise<unknown>) => {
    setMsg(null);
    try {
      await p;
      load();
    } catch (e) {
      setMsg(`${l('refused')}${(e as Error).message}`);
    }
  };
  return (
    <div className="catering-safety" data-catering-tab="safety">
      <section className="panel">
        <label className="catering-row">{l('canteen')}
          <select value={canteen ?? ''} onChange={(e) => setCanteen(Number(e.target.value))} data-safety="canteen">
            {canteens.map((c) => <option key={c.idx} value={c.idx}>{en && c.nameEn ? c.nameEn : c.name}</option>)}
          </select>
        </label>
        <h4>{l('kitchen')}</h4>
        {s && <KitchenCameras cameras={s.cameras} en={en} />}
        <h4>{l('tests')}</h4>
        {s && (s.tests.length === 0 ? <p className="muted">{l('none')}</p> : (
          <table className="catering-ledger"><tbody>
            {s.tests.map((t) => (
              <tr key={t.id} data-test={t.id} data-result={t.result}>
                <td>{when(t.testedAt, en)}</td><td>{t.sample}</td><td>{l('inhibition')} {t.inhibitionPct}%</td><td className={t.result === 'fail' ? 'neg' : 'pos'}>{l(t.result)}</td>
              </tr>
            ))}
          </tbody></table>
        ))}
        {canRecord && (
          <div className="catering-form">
            <label>{l('sample')}<input value={form.sample} onChange={(e) => setForm({ ...form, sample: e.target.value })} data-safety="test-sample" /></label>
            <label>{l('inhibition')} %<input inputMode="decimal" value={form.pct} onChange={(e) => setForm({ ...form, pct: e.target.value })} data-safety="test-pct" /></label>
            <button type="button" disabled={!form.sample || form.pct === ''} data-safety="test-add"
              onClick={() => void run(kitFetch('POST', '/api/catering/pesticide-tests', { canteenIdx: canteen, sample: form.sample, inhibitionPct: Number(form.pct) }))}>{l('add')}</button>
          </div>
        )}
        {msg && <p className="catering-msg bad" role="alert">{msg}</p>}
      </section>
      <section className="panel">
        <h4>{l('samples')}{s && s.dueSamples > 0 && <span className="catering-due" data-safety="due"> · {s.dueSamples} {l('due_n')}</span>}</h4>
        {s && (s.samples.length === 0 ? <p className="muted">{l('none')}</p> : (
          <table className="catering-ledger"><tbody>
            {s.samples.map((x) => (
              <tr key={x.id} data-sample={x.id} data-state={x.state}>
                <td>{when(x.keptAt, en)}</td><td>{l(x.meal as 'lunch')}</td><td>{x.dishes}</td><td className={x.state === 'due' ? 'neg' : ''}>{l(x.state)}</td>
                <td>{canRecord && x.state === 'due' && <button type="button" onClick={() => void run(kitFetch('POST', `/api/catering/samples/${x.id}/dispose`))} data-dispose={x.id}>{l('dispose')}</button>}</td>
              </tr>
            ))}
          </tbody></table>
        ))}
        {canRecord && (
          <div className="catering-form">
            <label>{l('dishes')}<input value={form.dishes} onChange={(e) => setForm({ ...form, dishes: e.target.value })} /></label>
            <label>{l('weight')}<input inputMode="numeric" value={form.weight} onChange={(e) => setForm({ ...form, weight: e.target.value })} /></label>
            <select value={form.meal} onChange={(e) => setForm({ ...form, meal: e.target.value })}>{(['breakfast', 'lunch', 'dinner'] as const).map((m) => <option key={m} value={m}>{l(m)}</option>)}</select>
            <button type="button" disabled={!form.dishes} onClick={() => void run(kitFetch('POST', '/api/catering/samples', { canteenIdx: canteen, meal: form.meal, dishes: form.dishes, weightG: Number(form.weight) }))}>{l('add')}</button>
          </div>
        )}
        <h4>{l('trace')}</h4>
        <select defaultValue="" data-safety="trace-dish" onChange={(e) => { const id = Number(e.target.value); if (id) kitFetch<Trace>('GET', `/api/catering/dishes/${id}/trace`).then(setTrace, () => setTrace(null)); }}>
          <option value="">{l('pick')}</option>
          {dishes.map((d) => <option key={d.id} value={d.id}>{en && d.nameEn ? d.nameEn : d.name}</option>)}
        </select>
        {trace && (
          <table className="catering-ledger" data-safety="trace"><tbody>
            {trace.batches.map((b) => (
              <tr key={b.batchId} data-batch={b.batchId}>
                <td>{b.ingredient}</td><td>{l('batch')} {b.batchNo}</td><td>{l('supplier')} {b.supplier.name}</td><td>{l('received')} {when(b.receivedAt, en)}</td>
                <td>{b.tests.length ? b.tests.map((t) => l(t.result)).join('/') : ''}</td>
              </tr>
            ))}
          </tbody></table>
        )}
      </section>
    </div>
  );
}
