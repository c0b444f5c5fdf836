/**
 * /service/parking: car parks (vehicles in now, spaces, fee; a link to each in 3D on the
 * occupancy layer) and the monthly cards the caller may see, filtered by car park and state, with
 * the application form and, for property management, approval and payment. `?lot=<idx>` selects a
 * car park, `?card=<id>` (what notifications link to) shows one card with its payments.
 */
import { useCallback, useEffect, useState } from 'react';
import { kitFetch } from '../../kit/api.ts';
import { twinHref } from '../../app/links.tsx';
import { useAuth } from '../../auth/SessionGate.tsx';
import { ApplyForm, CardLine, METHODS, Occupancy, STATUS, useL, yuan, type Card, type Lot, type Payment } from './shared.tsx';
import './parking.css';

/** The view. */
export default function ParkingPage() {
  const { en, l, name } = useL();
  const { can } = useAuth();
  // The address is re-read on in-app navigation (a notification opens another card while the view stays mounted).
  const [search, setSearch] = useState(location.search);
  useEffect(() => {
    const on = () => setSearch(location.search);
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);
  const params = new URLSearchParams(search);
  const [lots, setLots] = useState<Lot[] | null>(null);
  const [lotIdx, setLotIdx] = useState<number | null>(params.get('lot') ? Number(params.get('lot')) : null);
  const [status, setStatus] = useState('');
  const [cards, setCards] = useState<Card[]>([]);
  const cardId = params.get('card') ? Number(params.get('card')) : null;
  const [one, setOne] = useState<{ card: Card; payments: Payment[] } | null>(null);
  const load = useCallback(() => {
    kitFetch<{ lots: Lot[] }>('GET', '/api/parking/lots').then((r) => {
      setLots(r.lots);
      setLotIdx((x) => x ?? r.lots[0]?.idx ?? null);
    }, () => setLots([]));
    const qs = new URLSearchParams({ limit: '50' });
    if (lotIdx) qs.set('lot', String(lotIdx));
    if (status) qs.set('status', status);
    kitFetch<{ cards: Card[] }>('GET', `/api/parking/cards?${qs}`).then((r) => setCards(r.cards), () => setCards([]));
    if (cardId) kitFetch<{ card: Card; payments: Payment[] }>('GET', `/api/parking/cards/${cardId}`).then(setOne, () => setOne(null));
  }, [lotIdx, status, cardId]);
  useEffect(load, [load]);
  const lot = lots?.find((x) => x.idx === lotIdx) ?? null;
  return (
    <div className="parking-page" data-view="parking">
      <section className="panel">
        <h3>{l('lots')}</h3>
        {lots === null ? <p>{l('loading')}</p> : (
          <ul className="parking-lots">
            {lots.map((x) => (
              <li key={x.idx} data-lot={x.idx}>
                <button type="button" className={x.idx === lotIdx ? 'active' : ''} onClick={() => setLotIdx(x.idx)}>
                  <b>{name({ name: x.building, nameEn: x.buildingEn })} {name(x)}</b>
                </button>
                <Occupancy lot={x} />
                <a href={twinHref(x.idx, { building: x.buildingIdx, floor: x.floorIdx, layer: 'occupancy' })}>{l('showIn3d')}</a>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="panel">
        {one && (
          <div className="parking-one" data-parking-card={one.card.id}>
            <h3>{l('cards')} · {one.card.plate}</h3>
            <ul className="parking-cards"><CardLine card={one.card} lot={lots?.find((x) => x.idx === one.card.lotIdx) ?? null} onChange={load} /></ul>
            <h4>{l('payments')}</h4>
            <ul className="parking-payments">
              {one.payments.map((p) => <li key={p.id}>{p.paidAt.slice(0, 10)} · {yuan(p.amountFen)} · {METHODS[p.method]?.[en] ?? p.method} · {p.coversFrom} – {p.coversTo} · {p.actorName}</li>)}
            </ul>
          </div>
        )}
        <h3>{l('cards')}{lot ? ` · ${name(lot)}` : ''}</h3>
        <select value={status} onChange={(e) => setStatus(e.target.value)} data-parking="status-filter">
          <option value="">{l('all')}</option>
          {Object.entries(STATUS).map(([k, v]) => <option key={k} value={k}>{v[en]}</option>)}
        </select>
        <ul className="parking-cards">
          {cards.length === 0 ? <li className="muted">{l('none')}</li> : cards.map((c) => <CardLine key={c.id} card={c} lot={lots?.find((x) => x.idx === c.lotIdx) ?? null} onChange={load} />)}
        </ul>
        {lot && can('parking:apply') && (<><h4>{l('apply')}</h4><ApplyForm lot={lot} onApplied={load} /></>)}
      </section>
    </div>
  );
}
