/**
 * The room panel's canteen section (a canteen in the 3D twin): today's meals paid by card and the
 * takings, the bright kitchen (its cameras; their video when the video module is on), the latest
 * pesticide test and retained samples due, links to ordering and food safety. Nothing for rooms
 * that are not canteens.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { kitFetch } from '../../kit/api.ts';
import { viewHref } from '../../app/links.tsx';
import type { SectionProps } from '../types.ts';
import { KitchenCameras, type Camera } from './SafetyTab.tsx';

interface Canteen { idx: number; chargesToday: number; takingsTodayFen: number }
interface Safety { cameras: Camera[]; dueSamples: number; tests: { result: 'pass' | 'fail'; sample: string }[] }

/** The section. */
export function CanteenSection({ obj }: SectionProps) {
  const { i18n } = useTranslation();
  const en = i18n.language.startsWith('en') ? 1 : 0;
  const [c, setC] = useState<Canteen | null>(null);
  const [s, setS] = useState<Safety | null>(null);
  useEffect(() => {
    kitFetch<{ canteens: Canteen[] }>('GET', '/api/catering/canteens').then((r) => {
      const x = r.canteens.find((y) => y.idx === obj.idx) ?? null;
      setC(x);
      if (x) kitFetch<Safety>('GET', `/api/catering/canteens/${x.idx}/safety`).then(setS, () => setS(null));
    }, () => setC(null));
  }, [obj.idx]);
  if (!c) return null;
  const last = s?.tests[0];
  return (
    <div className="canteen-section" data-canteen={c.idx}>
      <h4>{en ? 'Canteen' : '食堂'}</h4>
      <p>{en ? 'Meals paid by card today: ' : '今日刷卡就餐：'}<b data-canteen-meals>{c.chargesToday}</b>{en ? ', takings ' : ' 笔，营业额 '}<b>¥{(c.takingsTodayFen / 100).toFixed(2)}</b></p>
      {s && (
        <>
          <h4>{en ? 'Bright kitchen' : '明厨亮灶'}</h4>
          <KitchenCameras cameras={s.cameras} en={en} />
          <p data-canteen-safety>
            {last ? `${en ? 'Latest pesticide test' : '最近农残快检'}：${last.sample} ${last.result === 'pass' ? (en ? 'pass' : '合格') : (en ? 'FAIL' : '不合格')}` : ''}
            {s.dueSamples > 0 ? ` · ${s.dueSamples} ${en ? 'samples due for disposal' : '份留样待处理'}` : ''}
          </p>
        </>
      )}
      <a href={viewHref('/service/catering', { tab: 'order' })}>{en ? 'Order a meal' : '点餐'}</a>{' · '}
      <a href={viewHref('/service/catering', { tab: 'safety', canteen: c.idx })}>{en ? 'Food safety' : '食品安全'}</a>{' · '}
      <a href={viewHref('/service/catering', {})}>{en ? 'Meal cards' : '饭卡'}</a>
    </div>
  );
}
