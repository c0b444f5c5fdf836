/**
 * The room panel's car-park section (a car park in the 3D twin): vehicles in now against the
 * spaces (the occupancy the ingest stored, re-read every 10 s), spaces held by cards, the monthly
 * fee, the cards the caller may see with their actions, and the application form. Nothing for
 * rooms that are not car parks (asked as a list filter: an empty list, not a failed request).
 */
import { useCallback, useEffect, useState } from 'react';
import { kitFetch } from '../../kit/api.ts';
import { useAuth } from '../../auth/SessionGate.tsx';
import type { SectionProps } from '../types.ts';
import { ApplyForm, CardLine, Occupancy, useL, type Card, type Lot } from './shared.tsx';
import './parking.css';

/** The section. */
export function LotSection({ obj }: SectionProps) {
  const { l } = useL();
  const { can } = useAuth();
  const [lot, setLot] = useState<Lot | null | false>(null);
  const [cards, setCards] = useState<Card[]>([]);
  const load = useCallback(() => {
    kitFetch<{ lots: Lot[] }>('GET', `/api/parking/lots?room=${obj.idx}`, undefined, { background: true }).then((r) => {
      setLot(r.lots[0] ?? false);
      if (!r.lots[0]) return;
      kitFetch<{ cards: Card[] }>('GET', `/api/parking/cards?lot=${obj.idx}&limit=20`, undefined, { background: true }).then((c) => setCards(c.cards), () => setCards([]));
    }, () => setLot(false));
  }, [obj.idx]);
  useEffect(() => {
    load();
    const t = setInterval(load, 10_000);
    return () => clearInterval(t);
  }, [load]);
  if (lot === false) return null;
  if (lot === null) return <p className="muted">{l('loading')}</p>;
  return (
    <div className="parking-lot" data-parking-lot={obj.idx}>
      <h4>{l('lot')}</h4>
      <Occupancy lot={lot} />
      <h4>{l('cards')}</h4>
      <ul className="parking-cards">
        {cards.length === 0 ? <li className="muted">{l('none')}</li> : cards.map((c) => <CardLine key={c.id} card={c} lot={lot} onChange={load} />)}
      </ul>
      {can('parking:apply') && (
        <details className="parking-apply">
          <summary data-parking="apply-open">{l('apply')}</summary>
          <ApplyForm lot={lot} onApplied={load} />
        </details>
      )}
    </div>
  );
}
