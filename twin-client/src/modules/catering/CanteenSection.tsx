/**
 * The room panel's canteen section (a canteen in the 3D twin): today's meals paid by card and the
 * takings, and a link to the meal cards. Nothing for rooms that are not canteens.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { kitFetch } from '../../kit/api.ts';
import { viewHref } from '../../app/links.tsx';
import type { SectionProps } from '../types.ts';

interface Canteen { idx: number; chargesToday: number; takingsTodayFen: number }

/** The section. */
export function CanteenSection({ obj }: SectionProps) {
  const { i18n } = useTranslation();
  const en = i18n.language.startsWith('en');
  const [c, setC] = useState<Canteen | null>(null);
  useEffect(() => {
    kitFetch<{ canteens: Canteen[] }>('GET', '/api/catering/canteens').then((r) => setC(r.canteens.find((x) => x.idx === obj.idx) ?? null), () => setC(null));
  }, [obj.idx]);
  if (!c) return null;
  return (
    <div className="canteen-section" data-canteen={c.idx}>
      <h4>{en ? 'Canteen' : '食堂'}</h4>
      <p>{en ? 'Meals paid by card today: ' : '今日刷卡就餐：'}<b data-canteen-meals>{c.chargesToday}</b>{en ? ', takings ' : ' 笔，营业额 '}<b>¥{(c.takingsTodayFen / 100).toFixed(2)}</b></p>
      <a href={viewHref('/service/catering', {})}>{en ? 'Meal cards' : '饭卡'}</a>
    </div>
  );
}
