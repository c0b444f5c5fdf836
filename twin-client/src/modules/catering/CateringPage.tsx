/**
 * /service/catering: meal cards. A card holder sees their cards (balance in yuan, the ledger),
 * tops up (with an idempotency key per attempt: a retried click never charges twice) and reports
 * a loss. A canteen cashier or card manager finds any card by number or holder, charges a meal at a
 * canteen, refunds a charge, grants a subsidy, issues, activates, replaces and closes cards.
 * Refusals (insufficient balance, a lost card) are shown as the server words them.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { kitFetch } from '../../kit/api.ts';
import { useAuth } from '../../auth/SessionGate.tsx';
import { OrderTab } from './OrderTab.tsx';
import { CounterTab } from './CounterTab.tsx';
import { SafetyTab } from './SafetyTab.tsx';
import './catering.css';

interface Card { id: number; cardNo: string; holderName: string; holderUserId: string | null; status: string; balanceFen: number; floorFen: number; version: number; replacedBy: number | null }
interface Entry { id: number; kind: string; amountFen: number; balanceAfterFen: number; canteenIdx: number | null; refEntry: number | null; note: string | null; actorName: string; at: string }
interface Canteen { idx: number; name: string; nameEn: string | null; chargesToday: number; takingsTodayFen: number }
interface Detail { card: Card; entries: Entry[]; canCharge: boolean; canManage: boolean }

const T = {
  cards: ['饭卡', 'Meal cards'], search: ['卡号或持卡人', 'Card number or holder'], balance: ['余额', 'Balance'], floor: ['可透支至', 'Overdraft to'], ledger: ['流水', 'Ledger'],
  amount: ['金额（元）', 'Amount (yuan)'], topup: ['充值', 'Top up'], charge: ['扣款', 'Charge'], subsidy: ['发放餐补', 'Meal subsidy'], refund: ['退款', 'Refund'],
  loss: ['挂失', 'Report lost'], activate: ['激活', 'Activate'], replace: ['补卡', 'Replace'], close: ['退卡（退余额）', 'Close (refund balance)'], issue: ['发卡', 'Issue a card'],
  holder: ['持卡人', 'Holder'], canteen: ['食堂', 'Canteen'], none: ['暂无饭卡', 'No meal cards'], done: ['已完成', 'Done'], canteens: ['食堂今日', 'Canteens today'],
  meals: ['笔', 'meals'], method: ['支付方式', 'Method'], loading: ['加载中…', 'Loading…'], newCard: ['新卡号：', 'New card: '],
  insufficient: ['余额不足，未扣款', 'Insufficient balance: nothing was charged'], notNow: ['卡片当前状态不允许此操作：', 'Not possible with the card\'s state: '],
  refused: ['操作未完成：', 'Not done: '],
} as const;
const STATUS: Record<string, [string, string]> = { pending: ['待激活', 'Pending'], active: ['正常', 'Active'], lost: ['已挂失', 'Lost'], replaced: ['已换卡', 'Replaced'], closed: ['已退卡', 'Closed'] };
const KIND: Record<string, [string, string]> = {
  topup: ['充值', 'Top-up'], subsidy: ['餐补', 'Subsidy'], charge: ['消费', 'Meal'], refund: ['退款', 'Refund'], transfer_in: ['转入', 'Moved in'], transfer_out: ['转出', 'Moved out'], cash_out: ['退卡退款', 'Balance refunded'],
};
const METHODS: Record<string, [string, string]> = { wechat: ['微信', 'WeChat Pay'], alipay: ['支付宝', 'Alipay'], cash: ['现金', 'Cash'], bank: ['银行卡', 'Bank card'], payroll: ['工资代扣', 'Payroll'] };
/** Yuan with the sign before the currency symbol: -¥12.50. */
const yuan = (fen: number) => `${fen < 0 ? '-' : ''}¥${(Math.abs(fen) / 100).toFixed(2)}`;
const newKey = () => `ui-${crypto.randomUUID()}`;

const TABS = { cards: ['饭卡', 'Meal cards'], order: ['点餐', 'Order'], counter: ['取餐核销', 'Counter'], safety: ['食品安全', 'Food safety'] } as const;
type Tab = keyof typeof TABS;

/** The view: tabs for meal cards, ordering, the counter (cashiers) and food safety. */
export default function CateringPage() {
  const { i18n } = useTranslation();
  const { me, can } = useAuth();
  const en = i18n.language.startsWith('en') ? 1 : 0;
  const [tab, setTab] = useState<Tab>(() => {
    const t = new URLSearchParams(location.search).get('tab');
    return t && t in TABS ? t as Tab : 'cards';
  });
  const [canteens, setCanteens] = useState<{ idx: number; name: string; nameEn: string | null }[]>([]);
  useEffect(() => { kitFetch<{ canteens: { idx: number; name: string; nameEn: string | null }[] }>('GET', '/api/catering/canteens').then((r) => setCanteens(r.canteens), () => setCanteens([])); }, []);
  const tabs = (Object.keys(TABS) as Tab[]).filter((t) => t !== 'counter' || can('catering:charge'));
  const pick = (t: Tab) => {
    setTab(t);
    const u = new URL(location.href);
    u.searchParams.set('tab', t);
    history.replaceState(history.state, '', u);
  };
  return (
    <div className="catering-shell">
      <nav className="catering-tabs" role="tablist">
        {tabs.map((t) => <button key={t} type="button" role="tab" aria-selected={tab === t} className={tab === t ? 'on' : ''} onClick={() => pick(t)} data-catering-tabbtn={t}>{TABS[t][en]}</button>)}
      </nav>
      <div className="catering-body">
        {tab === 'cards' && <CardsTab />}
        {tab === 'order' && <OrderTab en={en} canteens={canteens} userId={me.id ?? null} />}
        {tab === 'counter' && <CounterTab en={en} canteens={canteens} />}
        {tab === 'safety' && <SafetyTab en={en} canteens={canteens} canRecord={can('catering:safety')} />}
      </div>
    </div>
  );
}

/** Meal cards. */
function CardsTab() {
  const { i18n } = useTranslation();
  const en = i18n.language.startsWith('en') ? 1 : 0;
  const l = (k: keyof typeof T) => T[k][en];
  const [q, setQ] = useState('');
  const [cards, setCards] = useState<Card[] | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [canteens, setCanteens] = useState<Canteen[]>([]);
  const loadCards = useCallback(() => {
    kitFetch<{ cards: Card[] }>('GET', `/api/catering/cards?limit=50${q ? `&q=${encodeURIComponent(q)}` : ''}`).then((r) => {
      setCards(r.cards);
      setOpen((o) => o ?? r.cards[0]?.id ?? null);
    }, () => setCards([]));
    kitFetch<{ canteens: Canteen[] }>('GET', '/api/catering/canteens').then((r) => setCanteens(r.canteens), () => setCanteens([]));
  }, [q]);
  useEffect(loadCards, [loadCards]);
  return (
    <div className="catering-page" data-view="catering">
      <section className="panel">
        <h3>{l('cards')}</h3>
        <input className="catering-search" placeholder={l('search')} value={q} onChange={(e) => setQ(e.target.value)} data-catering="search" />
        {cards === null ? <p>{l('loading')}</p> : cards.length === 0 ? <p className="muted">{l('none')}</p> : (
          <ul className="catering-cards">
            {cards.map((c) => (
              <li key={c.id}>
                <button type="button" className={open === c.id ? 'active' : ''} onClick={() => setOpen(c.id)} data-card={c.id} data-status={c.status}>
                  <span>{c.cardNo}</span> <span>{c.holderName}</span> <b>{yuan(c.balanceFen)}</b> <span className="muted">{STATUS[c.status]?.[en]}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
        {canteens.length > 0 && (
          <>
            <h4>{l('canteens')}</h4>
            <ul className="catering-canteens">{canteens.map((c) => <li key={c.idx} data-canteen={c.idx}>{en && c.nameEn ? c.nameEn : c.name}: {c.chargesToday} {l('meals')}, {yuan(c.takingsTodayFen)}</li>)}</ul>
          </>
        )}
      </section>
      {open !== null && <CardPanel id={open} en={en} canteens={canteens} onChanged={loadCards} onOpen={setOpen} />}
    </div>
  );
}

function CardPanel({ id, en, canteens, onChanged, onOpen }: { id: number; en: 0 | 1; canteens: Canteen[]; onChanged: () => void; onOpen: (id: number) => void }) {
  const l = (k: keyof typeof T) => T[k][en];
  const [d, setD] = useState<Detail | null>(null);
  const [amount, setAmount] = useState('20.00');
  const [method, setMethod] = useState('wechat');
  const [canteen, setCanteen] = useState<number | ''>('');
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  // One key per intended operation: a double click or a retry after a timeout sends the same key.
  const [key, setKey] = useState(newKey);
  const load = useCallback(() => { kitFetch<Detail>('GET', `/api/catering/cards/${id}?limit=50`).then(setD, (e: Error) => setMsg({ ok: false, text: e.message })); }, [id]);
  useEffect(load, [load]);
  const fen = useMemo(() => Math.round(Number(amount) * 100), [amount]);
  /** The server's refusal in the UI language (the common ones by their cause, others as worded). */
  const refusal = (m: string) => {
    if (/insufficient balance/.test(m)) return l('insufficient');
    const st = /the card is (\w+)/.exec(m);
    if (st) return `${l('notNow')}${STATUS[st[1]!]?.[en] ?? st[1]}`;
    return `${l('refused')}${m}`;
  };
  if (!d) return <section className="panel"><p>{l('loading')}</p></section>;
  const c = d.card;
  const mine = !d.canCharge && !d.canManage;
  const op = async (body: Record<string, unknown>) => {
    setMsg(null);
    try {
      const r = await kitFetch<{ card: Card; newCard: Card | null }>('POST', `/api/catering/cards/${id}/ops`, { key, ...body });
      setMsg({ ok: true, text: r.newCard ? `${l('newCard')}${r.newCard.cardNo}` : `${l('done')} · ${l('balance')} ${yuan(r.card.balanceFen)}` });
      setKey(newKey());
      load();
      onChanged();
      if (r.newCard) onOpen(r.newCard.id);
    } catch (e) {
      setMsg({ ok: false, text: refusal((e as Error).message) });
      setKey(newKey());
    }
  };
  const status = async (action: 'report_loss' | 'activate') => {
    setMsg(null);
    try {
      await kitFetch('POST', `/api/catering/cards/${id}/status`, { action });
      load();
      onChanged();
    } catch (e) {
      setMsg({ ok: false, text: refusal((e as Error).message) });
    }
  };
  const validAmount = Number.isFinite(fen) && fen >= 1;
  return (
    <section className="panel catering-card" data-card-detail={c.id} data-status={c.status} data-balance={c.balanceFen}>
      <h3>{c.cardNo} · {c.holderName}</h3>
      <p className="catering-balance">{l('balance')} <b data-catering="balance">{yuan(c.balanceFen)}</b> <span className="muted">{STATUS[c.status]?.[en]}{c.floorFen < 0 ? ` · ${l('floor')} ${yuan(c.floorFen)}` : ''}</span></p>
      <div className="catering-form">
        <label>{l('amount')}<input inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} data-catering="amount" /></label>
        <label>{l('method')}<select value={method} onChange={(e) => setMethod(e.target.value)}>{Object.entries(METHODS).map(([k, v]) => <option key={k} value={k}>{v[en]}</option>)}</select></label>
        <button type="button" disabled={!validAmount} onClick={() => void op({ op: 'topup', amountFen: fen, method })} data-catering-op="topup">{l('topup')}</button>
        {d.canCharge && (
          <>
            <label>{l('canteen')}<select value={canteen} onChange={(e) => setCanteen(e.target.value ? Number(e.target.value) : '')}>
              <option value="">-</option>{canteens.map((x) => <option key={x.idx} value={x.idx}>{en && x.nameEn ? x.nameEn : x.name}</option>)}
            </select></label>
            <button type="button" disabled={!validAmount} onClick={() => void op({ op: 'charge', amountFen: fen, canteenIdx: canteen || null })} data-catering-op="charge">{l('charge')}</button>
          </>
        )}
        {d.canManage && <button type="button" disabled={!validAmount} onClick={() => void op({ op: 'subsidy', amountFen: fen })} data-catering-op="subsidy">{l('subsidy')}</button>}
      </div>
      <div className="catering-actions">
        {(mine || d.canManage) && (c.status === 'active' || c.status === 'pending') && <button type="button" onClick={() => void status('report_loss')} data-catering-op="report_loss">{l('loss')}</button>}
        {d.canManage && (c.status === 'pending' || c.status === 'lost') && <button type="button" onClick={() => void status('activate')} data-catering-op="activate">{l('activate')}</button>}
        {d.canManage && (c.status === 'lost' || c.status === 'active') && <button type="button" onClick={() => void op({ op: 'replace' })} data-catering-op="replace">{l('replace')}</button>}
        {d.canManage && c.status !== 'closed' && c.status !== 'replaced' && <button type="button" onClick={() => void op({ op: 'close' })} data-catering-op="close">{l('close')}</button>}
      </div>
      {msg && <p className={`catering-msg ${msg.ok ? 'ok' : 'bad'}`} role={msg.ok ? 'status' : 'alert'} data-catering-result={msg.ok ? 'ok' : 'refused'}>{msg.text}</p>}
      <h4>{l('ledger')}</h4>
      <table className="catering-ledger">
        <tbody>
          {d.entries.map((e) => (
            <tr key={e.id} data-entry={e.id} data-kind={e.kind}>
              <td>{new Date(e.at).toLocaleString(en ? 'en-GB' : 'zh-CN', { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })}</td>
              <td>{KIND[e.kind]?.[en] ?? e.kind}</td>
              <td className={e.amountFen < 0 ? 'neg' : 'pos'}>{e.amountFen > 0 ? '+' : ''}{yuan(e.amountFen)}</td>
              <td>{yuan(e.balanceAfterFen)}</td>
              <td>{d.canCharge && e.kind === 'charge' && <button type="button" onClick={() => void op({ op: 'refund', entryId: e.id, amountFen: -e.amountFen })} data-catering-refund={e.id}>{l('refund')}</button>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
