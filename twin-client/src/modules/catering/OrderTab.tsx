/**
 * Ordering on a phone (issue 19, L1): pick a canteen, add dishes (prices in yuan from the menu),
 * pay from one's own meal card (one idempotency key per intended order: a double tap or a retry
 * never pays twice), then show the pickup QR code with the 8-digit code and a printable ticket.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { kitFetch } from '../../kit/api.ts';

interface Dish { id: number; name: string; nameEn: string | null; priceFen: number; category: string; available: boolean }
interface Card { id: number; cardNo: string; status: string; balanceFen: number; holderUserId: string | null }
export interface Order {
  id: number; orderNo: string; canteenIdx: number; canteenName: string | null; holderName: string; totalFen: number; status: 'paid' | 'picked_up'; createdAt: string; pickedAt: string | null;
  lines: { dishId: number; name: string; priceFen: number; qty: number }[]; pickup: { token: string; code: string; qrSvg: string } | null;
}
export interface CanteenRef { idx: number; name: string; nameEn: string | null }

const T = {
  canteen: ['食堂', 'Canteen'], menu: ['菜单', 'Menu'], soldOut: ['已售罄', 'Sold out'], cart: ['已选', 'Your order'], total: ['合计', 'Total'], card: ['饭卡', 'Meal card'],
  pay: ['饭卡支付并下单', 'Pay with meal card'], empty: ['请先选择菜品', 'Pick a dish first'], mine: ['我的订单', 'My orders'], waiting: ['待取餐', 'Ready for pickup'], picked: ['已取餐', 'Picked up'],
  code: ['取餐码', 'Pickup code'], print: ['打印取餐小票', 'Print ticket'], paid: ['下单成功，凭二维码取餐', 'Ordered: show the QR code at the counter'], noCard: ['没有可用的饭卡', 'No usable meal card'],
  insufficient: ['余额不足，未下单', 'Insufficient balance: nothing was ordered'], refused: ['未下单：', 'Not ordered: '], noOrders: ['暂无订单', 'No orders yet'], ticket: ['取餐小票', 'Pickup ticket'],
  balance: ['余额', 'balance'],
} as const;
export const yuan = (fen: number) => `${fen < 0 ? '-' : ''}¥${(Math.abs(fen) / 100).toFixed(2)}`;
const newKey = () => `ord-${crypto.randomUUID()}`;
export const svgSrc = (svg: string) => `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;

/** The ordering tab. */
export function OrderTab({ en, canteens, userId }: { en: 0 | 1; canteens: CanteenRef[]; userId: string | null }) {
  const l = (k: keyof typeof T) => T[k][en];
  const [canteen, setCanteen] = useState<number | null>(canteens[0]?.idx ?? null);
  const [menu, setMenu] = useState<Dish[]>([]);
  const [qty, setQty] = useState<Record<number, number>>({});
  const [cards, setCards] = useState<Card[]>([]);
  const [cardId, setCardId] = useState<number | null>(null);
  const [orders, setOrders] = useState<Order[]>([]);
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const [key, setKey] = useState(newKey);
  const [busy, setBusy] = useState(false);
  const [ticket, setTicket] = useState<Order | null>(null);
  useEffect(() => { if (canteen === null && canteens[0]) setCanteen(canteens[0].idx); }, [canteens, canteen]);
  useEffect(() => {
    if (canteen === null) return;
    setQty({});
    kitFetch<{ dishes: Dish[] }>('GET', `/api/catering/canteens/${canteen}/menu`).then((r) => setMenu(r.dishes), () => setMenu([]));
  }, [canteen]);
  const loadOrders = useCallback(() => { kitFetch<{ orders: Order[] }>('GET', '/api/catering/orders?mine=1&limit=20').then((r) => setOrders(r.orders), () => setOrders([])); }, []);
  useEffect(() => {
    kitFetch<{ cards: Card[] }>('GET', '/api/catering/cards?limit=20').then((r) => {
      const own = r.cards.filter((c) => c.status === 'active' && c.holderUserId === userId);
      setCards(own);
      setCardId(own[0]?.id ?? null);
    }, () => setCards([]));
    loadOrders();
  }, [userId, loadOrders]);
  const lines = useMemo(() => menu.filter((d) => (qty[d.id] ?? 0) > 0).map((d) => ({ dish: d, qty: qty[d.id]! })), [menu, qty]);
  const total = lines.reduce((s, x) => s + x.dish.priceFen * x.qty, 0);
  const bump = (id: number, by: number) => {
    setQty((q) => ({ ...q, [id]: Math.max(0, Math.min(20, (q[id] ?? 0) + by)) }));
    setKey(newKey());
  };
  const pay = async () => {
    if (!cardId || canteen === null || lines.length === 0) return;
    setBusy(true);
    setMsg(null);
    try {
      const o = await kitFetch<Order>('POST', '/api/catering/orders', { key, cardId, canteenIdx: canteen, lines: lines.map((x) => ({ dishId: x.dish.id, qty: x.qty })) });
      setMsg({ ok: true, text: l('paid') });
      setQty({});
      setKey(newKey());
      setTicket(o);
      loadOrders();
    } catch (e) {
      const m = (e as Error).message;
      setMsg({ ok: false, text: /insufficient balance/.test(m) ? l('insufficient') : `${l('refused')}${m}` });
      setKey(newKey());
    } finally {
      setBusy(false);
    }
  };
  const name = (d: { name: string; nameEn: string | null }) => (en && d.nameEn ? d.nameEn : d.name);
  const card = cards.find((c) => c.id === cardId);
  return (
    <div className="catering-order" data-catering-tab="order">
      <section className="panel">
        <label className="catering-row">{l('canteen')}
          <select value={canteen ?? ''} onChange={(e) => setCanteen(Number(e.target.value))} data-order="canteen">
            {canteens.map((c) => <option key={c.idx} value={c.idx}>{name(c)}</option>)}
          </select>
        </label>
        <h4>{l('menu')}</h4>
        <ul className="catering-menu">
          {menu.map((d) => (
            <li key={d.id} data-dish={d.id} className={d.available ? '' : 'off'}>
              <span className="dish-name">{name(d)}</span>
              <span className="dish-price">{yuan(d.priceFen)}</span>
              {d.available ? (
                <span className="dish-qty">
                  <button type="button" aria-label="-" onClick={() => bump(d.id, -1)} disabled={!qty[d.id]}>−</button>
                  <b data-qty={d.id}>{qty[d.id] ?? 0}</b>
                  <button type="button" aria-label="+" onClick={() => bump(d.id, 1)} data-add={d.id}>+</button>
                </span>
              ) : <span className="muted">{l('soldOut')}</span>}
            </li>
          ))}
        </ul>
        <div className="catering-cart">
          <span>{l('total')} <b data-order="total">{yuan(total)}</b></span>
          {cards.length === 0 ? <span className="muted">{l('noCard')}</span> : (
            <label className="catering-row">{l('card')}
              <select value={cardId ?? ''} onChange={(e) => { setCardId(Number(e.target.value)); setKey(newKey()); }}>
                {cards.map((c) => <option key={c.id} value={c.id}>{c.cardNo} · {l('balance')} {yuan(c.balanceFen)}</option>)}
              </select>
            </label>
          )}
          <button type="button" className="primary" disabled={busy || !card || lines.length === 0} onClick={() => void pay()} data-order="pay">{lines.length ? l('pay') : l('empty')}</button>
        </div>
        {msg && <p className={`catering-msg ${msg.ok ? 'ok' : 'bad'}`} role={msg.ok ? 'status' : 'alert'} data-order-result={msg.ok ? 'ok' : 'refused'}>{msg.text}</p>}
      </section>
      <section className="panel">
        <h4>{l('mine')}</h4>
        {orders.length === 0 ? <p className="muted">{l('noOrders')}</p> : (
          <ul className="catering-orders">
            {orders.map((o) => (
              <li key={o.id} data-order-id={o.id} data-order-status={o.status}>
                <div className="order-head"><b>{o.orderNo}</b> <span>{o.status === 'paid' ? l('waiting') : l('picked')}</span> <span>{yuan(o.totalFen)}</span></div>
                <div className="muted">{o.lines.map((x) => `${x.name}×${x.qty}`).join('，')}</div>
                {o.pickup && (
                  <div className="order-pickup">
                    <img src={svgSrc(o.pickup.qrSvg)} alt={`${l('code')} ${o.pickup.code}`} className="order-qr" data-order-qr={o.id} />
                    <div>{l('code')}<br /><b className="pickup-code" data-pickup-code={o.id}>{o.pickup.code}</b><br />
                      <button type="button" onClick={() => { setTicket(o); setTimeout(() => window.print(), 50); }} data-order-print={o.id}>{l('print')}</button>
                    </div>
                  </div>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      {ticket?.pickup && (
        // Printed alone (catering.css @media print): the ticket with its QR code and code.
        <div className="catering-ticket" data-ticket={ticket.id}>
          <h3>{l('ticket')}</h3>
          <p>{ticket.canteenName} · {ticket.orderNo}</p>
          <p>{new Date(ticket.createdAt).toLocaleString(en ? 'en-GB' : 'zh-CN')}</p>
          <table><tbody>{ticket.lines.map((x) => <tr key={x.dishId}><td>{x.name}</td><td>×{x.qty}</td><td>{yuan(x.priceFen * x.qty)}</td></tr>)}</tbody></table>
          <p>{l('total')} {yuan(ticket.totalFen)}</p>
          <img src={svgSrc(ticket.pickup.qrSvg)} alt="" />
          <p className="pickup-code">{l('code')} {ticket.pickup.code}</p>
        </div>
      )}
    </div>
  );
}
