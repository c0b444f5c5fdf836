/**
 * /service/o2o: the park's services and merchants (filter by category and audience), order with a
 * quantity for one's company, oneself or as a neighbour; my orders (pay with one idempotency key per
 * intended payment, so a double tap never pays twice; cancel; rate a fulfilled order once); the
 * service desk (accept, fulfil) and the settlement report per merchant for the last 30 days.
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { kitFetch } from '../../kit/api.ts';
import { useAuth } from '../../auth/SessionGate.tsx';
import './o2o.css';

interface Merchant { id: number; name: string; nameEn: string | null; kind: 'park' | 'third_party'; rating: number | null; ratings: number }
interface Service { id: number; merchantId: number; name: string; nameEn: string | null; category: string; priceFen: number; unit: string; audiences: string[] }
interface Order { id: number; orderNo: string; serviceName: string; serviceNameEn: string | null; merchantName: string; buyerName: string; audience: string; qty: number; totalFen: number; status: string; rating: number | null; mine: boolean; createdAt: string }
interface Row { merchantId: number; name: string; orders: number; fulfilled: number; grossFen: number; commissionFen: number; payableFen: number; rating: number | null }

const L = {
  catalogue: ['服务目录', 'Catalogue'], mine: ['我的订单', 'My orders'], desk: ['服务台', 'Service desk'], settle: ['结算报表', 'Settlement'],
  allCat: ['全部类别', 'All categories'], allAud: ['全部对象', 'Everyone'], order: ['下单', 'Order'], qty: ['数量', 'Qty'], for: ['服务对象', 'For'],
  pay: ['支付', 'Pay'], cancel: ['取消', 'Cancel'], accept: ['接单', 'Accept'], fulfil: ['完成服务', 'Mark fulfilled'], rate: ['评价', 'Rate'], none: ['暂无', 'None'],
  ordered: ['下单成功，请支付', 'Ordered: please pay'], paid: ['支付成功', 'Paid'], done: ['已完成', 'Done'], refused: ['未完成：', 'Not done: '], thanks: ['感谢评价', 'Thanks for rating'],
  park: ['园区自营', 'Park service'], third_party: ['第三方商家', 'Merchant'], merchant: ['商家', 'Merchant'], orders: ['订单', 'Orders'], fulfilled: ['已完成', 'Fulfilled'],
  gross: ['交易额', 'Gross'], commission: ['佣金', 'Commission'], payable: ['应结算', 'Payable'], rating: ['评分', 'Rating'], last30: ['近30天（按支付时间）', 'Last 30 days (by payment)'],
  twice: ['该订单已支付，未重复扣款', 'Already paid: not charged again'],
} as const;
const CATS: Record<string, [string, string]> = {
  cleaning: ['保洁', 'Cleaning'], laundry: ['洗衣', 'Laundry'], express: ['快递', 'Express'], printing: ['文印', 'Printing'], catering: ['餐饮', 'Catering'],
  maintenance: ['维修', 'Maintenance'], health: ['健康', 'Health'], travel: ['出行', 'Travel'], office: ['办公', 'Office'],
};
const AUD: Record<string, [string, string]> = { company: ['企业', 'Company'], staff: ['员工个人', 'Staff'], neighbour: ['周边居民', 'Neighbour'] };
const STATUS: Record<string, [string, string]> = { placed: ['待支付', 'To pay'], paid: ['已支付，待接单', 'Paid'], accepted: ['服务中', 'In service'], fulfilled: ['已完成', 'Fulfilled'], cancelled: ['已取消', 'Cancelled'] };
const yuan = (fen: number) => `¥${(fen / 100).toFixed(2)}`;
const newKey = () => `pay-${crypto.randomUUID()}`;
type Tab = 'catalogue' | 'mine' | 'desk' | 'settle';

export default function O2oPage() {
  const { i18n } = useTranslation();
  const { can } = useAuth();
  const en = i18n.language.startsWith('en') ? 1 : 0;
  const l = (k: keyof typeof L) => L[k][en];
  const [tab, setTab] = useState<Tab>('catalogue');
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const tabs: Tab[] = ['catalogue', 'mine', ...(can('o2o:fulfil') ? ['desk' as const] : []), ...(can('o2o:report') ? ['settle' as const] : [])];
  const say = (ok: boolean, text: string) => setMsg({ ok, text });
  const fail = (e: unknown) => {
    const m = (e as Error).message;
    say(false, /it cannot be paid/.test(m) ? l('twice') : `${l('refused')}${m}`);
  };
  return (
    <div className="o2o-page" data-view="o2o">
      <nav className="o2o-tabs">{tabs.map((t) => <button key={t} type="button" className={tab === t ? 'on' : ''} onClick={() => { setTab(t); setMsg(null); }} data-o2o-tab={t}>{l(t)}</button>)}</nav>
      {msg && <p className={`o2o-msg ${msg.ok ? 'ok' : 'bad'}`} role={msg.ok ? 'status' : 'alert'} data-o2o-result={msg.ok ? 'ok' : 'refused'}>{msg.text}</p>}
      {tab === 'catalogue' && <Catalogue en={en} onOrdered={() => { say(true, l('ordered')); setTab('mine'); }} onFail={fail} />}
      {tab === 'mine' && <Orders en={en} all={false} say={say} onFail={fail} />}
      {tab === 'desk' && <Orders en={en} all say={say} onFail={fail} />}
      {tab === 'settle' && <Settlement en={en} />}
    </div>
  );
}

function Catalogue({ en, onOrdered, onFail }: { en: 0 | 1; onOrdered: () => void; onFail: (e: unknown) => void }) {
  const l = (k: keyof typeof L) => L[k][en];
  const [cat, setCat] = useState('');
  const [aud, setAud] = useState('');
  const [data, setData] = useState<{ merchants: Merchant[]; services: Service[] } | null>(null);
  const [qty, setQty] = useState<Record<number, string>>({});
  const [forWhom, setFor] = useState<Record<number, string>>({});
  useEffect(() => {
    const p = new URLSearchParams();
    if (cat) p.set('category', cat);
    if (aud) p.set('audience', aud);
    kitFetch<{ merchants: Merchant[]; services: Service[] }>('GET', `/api/o2o/catalogue?${p}`).then(setData, () => setData({ merchants: [], services: [] }));
  }, [cat, aud]);
  const order = async (s: Service) => {
    try {
      await kitFetch('POST', '/api/o2o/orders', { serviceId: s.id, qty: Number(qty[s.id] ?? '1'), audience: forWhom[s.id] ?? (aud || s.audiences[0]) });
      onOrdered();
    } catch (e) {
      onFail(e);
    }
  };
  const m = (id: number) => data?.merchants.find((x) => x.id === id);
  return (
    <>
      <div className="o2o-filters">
        <select value={cat} onChange={(e) => setCat(e.target.value)} data-o2o="category"><option value="">{l('allCat')}</option>{Object.entries(CATS).map(([k, v]) => <option key={k} value={k}>{v[en]}</option>)}</select>
        <select value={aud} onChange={(e) => setAud(e.target.value)} data-o2o="audience"><option value="">{l('allAud')}</option>{Object.entries(AUD).map(([k, v]) => <option key={k} value={k}>{v[en]}</option>)}</select>
      </div>
      {data && (data.services.length === 0 ? <p className="muted">{l('none')}</p> : (
        <ul className="o2o-list">
          {data.services.map((s) => {
            const mm = m(s.merchantId);
            return (
              <li key={s.id} className="panel" data-service={s.id}>
                <b>{en && s.nameEn ? s.nameEn : s.name}</b> · {CATS[s.category]?.[en]}
                <div className="muted">{mm ? `${en && mm.nameEn ? mm.nameEn : mm.name}（${l(mm.kind)}）${mm.rating !== null ? ` ★${mm.rating}` : ''}` : ''}</div>
                <div>{yuan(s.priceFen)} / {s.unit}</div>
                <div className="row">
                  <label>{l('qty')} <input inputMode="numeric" value={qty[s.id] ?? '1'} onChange={(e) => setQty({ ...qty, [s.id]: e.target.value })} data-o2o-qty={s.id} /></label>
                  <select value={forWhom[s.id] ?? (aud && s.audiences.includes(aud) ? aud : s.audiences[0])} onChange={(e) => setFor({ ...forWhom, [s.id]: e.target.value })} aria-label={l('for')} data-o2o-for={s.id}>
                    {s.audiences.map((a) => <option key={a} value={a}>{AUD[a]?.[en]}</option>)}
                  </select>
                  <button type="button" onClick={() => void order(s)} data-o2o-order={s.id}>{l('order')}</button>
                </div>
              </li>
            );
          })}
        </ul>
      ))}
    </>
  );
}

function Orders({ en, all, say, onFail }: { en: 0 | 1; all: boolean; say: (ok: boolean, t: string) => void; onFail: (e: unknown) => void }) {
  const l = (k: keyof typeof L) => L[k][en];
  const [orders, setOrders] = useState<Order[] | null>(null);
  // One key per order's intended payment: a double tap or retry sends the same key.
  const [keys, setKeys] = useState<Record<number, string>>({});
  const load = useCallback(() => { kitFetch<{ orders: Order[] }>('GET', `/api/o2o/orders?limit=50${all ? '&all=1' : ''}`).then((r) => setOrders(r.orders), () => setOrders([])); }, [all]);
  useEffect(load, [load]);
  const keyOf = (id: number) => {
    const k = keys[id] ?? newKey();
    if (!keys[id]) setKeys((x) => ({ ...x, [id]: k }));
    return k;
  };
  const act = async (p: Promise<unknown>, ok: string) => {
    try {
      await p;
      say(true, ok);
    } catch (e) {
      onFail(e);
    }
    load();
  };
  if (!orders) return null;
  if (orders.length === 0) return <p className="muted">{l('none')}</p>;
  return (
    <ul className="o2o-list">
      {orders.map((o) => (
        <li key={o.id} className="panel" data-o2o-order-id={o.id} data-status={o.status}>
          <b>{en && o.serviceNameEn ? o.serviceNameEn : o.serviceName}</b> ×{o.qty} · {yuan(o.totalFen)}
          <div className="muted">{o.orderNo} · {o.merchantName} · {AUD[o.audience]?.[en]}{all ? ` · ${o.buyerName}` : ''}</div>
          <div className="row">
            <span data-o2o-status={o.id}>{STATUS[o.status]?.[en]}</span>
            {o.rating !== null && <span>★{o.rating}</span>}
            {o.mine && o.status === 'placed' && <button type="button" onClick={() => void act(kitFetch('POST', `/api/o2o/orders/${o.id}/pay`, { key: keyOf(o.id), method: 'wechat' }), l('paid'))} data-o2o-pay={o.id}>{l('pay')}</button>}
            {o.mine && (o.status === 'placed' || o.status === 'paid') && <button type="button" onClick={() => void act(kitFetch('POST', `/api/o2o/orders/${o.id}/status`, { action: 'cancel' }), l('done'))}>{l('cancel')}</button>}
            {all && o.status === 'paid' && <button type="button" onClick={() => void act(kitFetch('POST', `/api/o2o/orders/${o.id}/status`, { action: 'accept' }), l('done'))} data-o2o-accept={o.id}>{l('accept')}</button>}
            {all && o.status === 'accepted' && <button type="button" onClick={() => void act(kitFetch('POST', `/api/o2o/orders/${o.id}/status`, { action: 'fulfil' }), l('done'))} data-o2o-fulfil={o.id}>{l('fulfil')}</button>}
            {o.mine && o.status === 'fulfilled' && o.rating === null && (
              <span className="o2o-stars" aria-label={l('rate')}>
                {[1, 2, 3, 4, 5].map((n) => <button key={n} type="button" onClick={() => void act(kitFetch('POST', `/api/o2o/orders/${o.id}/rate`, { rating: n }), l('thanks'))} data-o2o-star={`${o.id}-${n}`}>★</button>)}
              </span>
            )}
          </div>
        </li>
      ))}
    </ul>
  );
}

function Settlement({ en }: { en: 0 | 1 }) {
  const l = (k: keyof typeof L) => L[k][en];
  const [rows, setRows] = useState<Row[] | null>(null);
  useEffect(() => {
    const to = new Date(Date.now() + 60_000);
    const from = new Date(to.getTime() - 30 * 86_400_000);
    kitFetch<{ rows: Row[] }>('GET', `/api/o2o/settlement?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`).then((r) => setRows(r.rows), () => setRows([]));
  }, []);
  if (!rows) return null;
  return (
    <>
      <p className="muted">{l('last30')}</p>
      <div style={{ overflowX: 'auto' }}>
        <table className="o2o-table" data-o2o="settlement">
          <thead><tr><th>{l('merchant')}</th><th>{l('orders')}</th><th>{l('fulfilled')}</th><th>{l('gross')}</th><th>{l('commission')}</th><th>{l('payable')}</th><th>{l('rating')}</th></tr></thead>
          <tbody>{rows.map((r) => <tr key={r.merchantId} data-merchant={r.merchantId}><td>{r.name}</td><td>{r.orders}</td><td>{r.fulfilled}</td><td>{yuan(r.grossFen)}</td><td>{yuan(r.commissionFen)}</td><td>{yuan(r.payableFen)}</td><td>{r.rating ?? '-'}</td></tr>)}</tbody>
        </table>
      </div>
    </>
  );
}
