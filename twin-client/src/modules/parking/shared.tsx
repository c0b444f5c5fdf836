/**
 * The parking module's shared client parts: the routes' answer types, the zh/en strings, the
 * card list with the actions the caller may take (approve or reject; record a payment with one
 * idempotency key per intended payment, so a double click or a retry never records two), and the
 * application form. Used by the car park's panel section and the /service/parking view.
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { kitFetch, KitError } from '../../kit/api.ts';
import { useAuth } from '../../auth/SessionGate.tsx';

export interface Lot {
  idx: number; name: string; nameEn: string | null; building: string; buildingEn: string | null; level: number; buildingIdx: number; floorIdx: number;
  capacity: number; monthlyFeeFen: number; spaces: number; held: number; activeCards: number; occupied: number | null; occupiedAt: string | null;
}
export interface Card {
  id: number; lotIdx: number; lotName: string; spaceCode: string | null; plate: string; holderName: string; enterpriseIdx: number | null; enterpriseName: string | null;
  applicantName: string; mine: boolean; months: number; status: 'pending' | 'approved' | 'active' | 'expired' | 'rejected'; startsOn: string | null; endsOn: string | null;
  feeFen: number; note: string | null; version: number; createdAt: string;
}
export interface Payment { id: number; months: number; amountFen: number; method: string; coversFrom: string; coversTo: string; actorName: string; paidAt: string }

const T = {
  lot: ['停车场', 'Car park'], lots: ['停车场', 'Car parks'], occupied: ['在场车辆', 'Vehicles in'], capacity: ['车位', 'Spaces'], free: ['空余', 'Free'],
  held: ['月卡占用车位', 'Spaces held by cards'], fee: ['月租', 'Monthly fee'], perMonth: ['/月', '/month'], noReading: ['暂无数据', 'No reading yet'],
  cards: ['月卡', 'Monthly cards'], none: ['暂无月卡', 'No cards'], apply: ['申请月卡', 'Apply for a card'], plate: ['车牌号', 'Plate'], holder: ['车主', 'Holder'],
  months: ['月数', 'Months'], submit: ['提交申请', 'Apply'], applied: ['申请已提交，等待物业审批', 'Applied; property management will decide'],
  approve: ['批准', 'Approve'], reject: ['不批准', 'Reject'], pay: ['登记缴费', 'Record payment'], method: ['支付方式', 'Method'], paid: ['缴费已登记', 'Payment recorded'],
  space: ['车位', 'Space'], valid: ['有效期', 'Valid'], amount: ['金额', 'Amount'], payments: ['缴费记录', 'Payments'], refused: ['未完成：', 'Not done: '],
  badPlate: ['请填写正确的车牌号，如 沪A12345', 'Enter a valid plate such as 沪A12345'], needHolder: ['请填写车主姓名', 'Enter the holder\'s name'],
  loading: ['加载中…', 'Loading…'], showIn3d: ['在三维中查看', 'Show in 3D'], enterprise: ['企业', 'Company'], all: ['全部状态', 'All states'], updated: ['更新于', 'Updated'],
} as const;
export const STATUS: Record<Card['status'], [string, string]> = {
  pending: ['待审批', 'Pending'], approved: ['已批准，待缴费', 'Approved, payment due'], active: ['有效', 'Active'], expired: ['已过期', 'Expired'], rejected: ['未批准', 'Rejected'],
};
export const METHODS: Record<string, [string, string]> = { wechat: ['微信', 'WeChat Pay'], alipay: ['支付宝', 'Alipay'], cash: ['现金', 'Cash'], bank_transfer: ['对公转账', 'Bank transfer'] };
const PLATE_RE = /^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][A-HJ-NP-Z0-9]{5,6}$/;

/** Yuan from integer fen: ¥300.00. */
export const yuan = (fen: number) => `¥${(fen / 100).toFixed(2)}`;

/** The strings in the UI language. */
export function useL(): { en: 0 | 1; l: (k: keyof typeof T) => string; name: (o: { name: string; nameEn: string | null }) => string } {
  const { i18n } = useTranslation();
  const en = i18n.language.startsWith('en') ? 1 : 0;
  return { en, l: (k) => T[k][en], name: (o) => (en && o.nameEn ? o.nameEn : o.name) };
}

/** Occupancy of a car park: vehicles in / spaces, with a bar. */
export function Occupancy({ lot }: { lot: Lot }) {
  const { l } = useL();
  const share = lot.occupied === null ? 0 : Math.min(1, lot.occupied / lot.capacity);
  return (
    <div className="parking-occ" data-occupied={lot.occupied ?? ''} data-capacity={lot.capacity}>
      <div><span>{l('occupied')}</span> <b data-parking="occupied">{lot.occupied ?? '—'}</b> / {lot.capacity} · {l('free')} {lot.occupied === null ? '—' : Math.max(0, lot.capacity - lot.occupied)}</div>
      <div className="parking-bar"><i style={{ width: `${Math.round(share * 100)}%`, background: share > 0.9 ? '#e74c3c' : share > 0.7 ? '#f39c12' : '#27ae60' }} /></div>
      {lot.occupied === null && <div className="muted">{l('noReading')}</div>}
      <div className="muted">{l('held')} {lot.held} · {l('fee')} {yuan(lot.monthlyFeeFen)}{l('perMonth')}</div>
    </div>
  );
}

const newKey = () => `ui-${crypto.randomUUID()}`;

/** One card with the actions the caller may take. */
export function CardLine({ card, lot, onChange }: { card: Card; lot: Lot | null; onChange: () => void }) {
  const { en, l } = useL();
  const { can } = useAuth();
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const [months, setMonths] = useState(card.months);
  const [method, setMethod] = useState('wechat');
  // One key per intended payment: kept across retries and double clicks, renewed after a success.
  const [key, setKey] = useState(newKey);
  const [busy, setBusy] = useState(false);
  const manage = can('parking:manage');
  const run = async (f: () => Promise<unknown>, ok: string) => {
    setBusy(true);
    try {
      await f();
      setMsg({ ok: true, text: ok });
      onChange();
    } catch (e) {
      setMsg({ ok: false, text: `${l('refused')}${e instanceof KitError ? e.message : String(e)}` });
    } finally {
      setBusy(false);
    }
  };
  const decide = (decision: 'approve' | 'reject') => run(() => kitFetch('POST', `/api/parking/cards/${card.id}/decision`, { version: card.version, decision }), STATUS[decision === 'approve' ? 'approved' : 'rejected'][en]);
  const fee = lot ? lot.monthlyFeeFen : card.feeFen / card.months;
  const pay = () => run(async () => {
    await kitFetch('POST', `/api/parking/cards/${card.id}/payments`, { key, months, amountFen: fee * months, method });
    setKey(newKey());
  }, l('paid'));
  return (
    <li className="parking-card" data-card={card.id} data-status={card.status}>
      <div>
        <b data-parking="plate">{card.plate}</b> {card.holderName}{card.enterpriseName ? ` · ${card.enterpriseName}` : ''}{' '}
        <span className="parking-status" data-parking="status">{STATUS[card.status][en]}</span>
      </div>
      <div className="muted">
        {card.spaceCode && <>{l('space')} {card.spaceCode} · </>}
        {card.startsOn && card.endsOn ? <>{l('valid')} <span data-parking="valid">{card.startsOn} – {card.endsOn}</span> · </> : null}
        {card.months}{en ? ' mo' : ' 个月'} · {yuan(card.feeFen)}
      </div>
      {manage && card.status === 'pending' && (
        <div className="parking-actions">
          <button type="button" disabled={busy} data-parking-action="approve" onClick={() => void decide('approve')}>{l('approve')}</button>
          <button type="button" disabled={busy} data-parking-action="reject" onClick={() => void decide('reject')}>{l('reject')}</button>
        </div>
      )}
      {manage && (card.status === 'approved' || card.status === 'active' || card.status === 'expired') && (
        <div className="parking-actions">
          <label>{l('months')} <select value={months} onChange={(e) => setMonths(Number(e.target.value))} data-parking="pay-months">
            {[1, 2, 3, 6, 12].map((m) => <option key={m} value={m}>{m}</option>)}
          </select></label>
          <label>{l('method')} <select value={method} onChange={(e) => setMethod(e.target.value)}>
            {Object.entries(METHODS).map(([k, v]) => <option key={k} value={k}>{v[en]}</option>)}
          </select></label>
          <button type="button" disabled={busy} data-parking-action="pay" onClick={() => void pay()}>{l('pay')} {yuan(fee * months)}</button>
        </div>
      )}
      {msg && <div className={`parking-msg ${msg.ok ? 'ok' : 'bad'}`} data-parking="msg">{msg.text}</div>}
    </li>
  );
}

/** The application form for one car park. */
export function ApplyForm({ lot, onApplied }: { lot: Lot; onApplied: () => void }) {
  const { l } = useL();
  const [plate, setPlate] = useState('');
  const [holder, setHolder] = useState('');
  const [months, setMonths] = useState(3);
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const p = plate.trim().toUpperCase();
    if (!PLATE_RE.test(p)) return setMsg({ ok: false, text: l('badPlate') });
    if (!holder.trim()) return setMsg({ ok: false, text: l('needHolder') });
    try {
      await kitFetch('POST', '/api/parking/cards', { lotIdx: lot.idx, plate: p, holderName: holder.trim(), months });
      setMsg({ ok: true, text: l('applied') });
      setPlate('');
      onApplied();
    } catch (err) {
      setMsg({ ok: false, text: `${l('refused')}${err instanceof KitError ? err.message : String(err)}` });
    }
  };
  return (
    <form className="parking-form" data-parking="apply" onSubmit={(e) => void submit(e)}>
      <label>{l('plate')}<input value={plate} onChange={(e) => setPlate(e.target.value)} placeholder="沪A12345" data-parking="plate-input" /></label>
      <label>{l('holder')}<input value={holder} onChange={(e) => setHolder(e.target.value)} data-parking="holder-input" /></label>
      <label>{l('months')}<select value={months} onChange={(e) => setMonths(Number(e.target.value))} data-parking="months-input">
        {[1, 2, 3, 6, 12].map((m) => <option key={m} value={m}>{m}</option>)}
      </select></label>
      <button type="submit" data-parking="submit">{l('submit')}</button>
      {msg && <div className={`parking-msg ${msg.ok ? 'ok' : 'bad'}`} data-parking="apply-msg">{msg.text}</div>}
    </form>
  );
}
