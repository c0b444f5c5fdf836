/**
 * The canteen counter (issue 19, L1): a QR scanner types the pickup token into the field (or the
 * cashier types the 8-digit code) and Enter hands the meal over once; a second pickup is refused
 * with when it was picked up. Below: the waiting orders and the latest face checkouts.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { kitFetch } from '../../kit/api.ts';
import { yuan, type CanteenRef, type Order } from './OrderTab.tsx';

interface FaceEvent { terminal: string; eventId: string; identity: string; amountFen: number; canteenIdx: number | null; outcome: 'charged' | 'refused'; reason: string | null; at: string }
const T = {
  scan: ['扫描二维码或输入8位取餐码', 'Scan the QR code or type the 8-digit code'], hand: ['核销取餐', 'Hand over'], done: ['取餐成功', 'Handed over'],
  twice: ['该订单已取餐，不能重复取餐', 'Already picked up: not handed over again'], at: ['取餐时间', 'picked up at'], bad: ['无效的取餐码', 'Not a valid pickup code'],
  unknown: ['未找到该取餐码的订单', 'No order with this code'], other: ['该订单不属于本食堂', 'This order is for another canteen'], refused: ['未核销：', 'Not handed over: '],
  waiting: ['待取餐订单', 'Waiting orders'], face: ['刷脸消费', 'Face checkouts'], charged: ['已扣款', 'Charged'], notCharged: ['未扣款', 'Not charged'], none: ['暂无', 'None'],
  canteen: ['食堂', 'Canteen'],
} as const;
const time = (iso: string, en: 0 | 1) => new Date(iso).toLocaleTimeString(en ? 'en-GB' : 'zh-CN', { hour: '2-digit', minute: '2-digit' });

export function CounterTab({ en, canteens }: { en: 0 | 1; canteens: CanteenRef[] }) {
  const l = (k: keyof typeof T) => T[k][en];
  const [canteen, setCanteen] = useState<number | null>(canteens[0]?.idx ?? null);
  const [code, setCode] = useState('');
  const [msg, setMsg] = useState<{ ok: boolean; text: string; order?: Order } | null>(null);
  const [waiting, setWaiting] = useState<Order[]>([]);
  const [faces, setFaces] = useState<FaceEvent[]>([]);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => { if (canteen === null && canteens[0]) setCanteen(canteens[0].idx); }, [canteens, canteen]);
  const load = useCallback(() => {
    if (canteen === null) return;
    kitFetch<{ orders: Order[] }>('GET', `/api/catering/orders?canteen=${canteen}&status=paid&limit=30`).then((r) => setWaiting(r.orders), () => setWaiting([]));
    kitFetch<{ events: FaceEvent[] }>('GET', '/api/catering/face-events?limit=30').then((r) => setFaces(r.events.filter((e) => e.canteenIdx === canteen)), () => setFaces([]));
  }, [canteen]);
  useEffect(load, [load]);
  const submit = async () => {
    const c = code.trim();
    if (!c || canteen === null) return;
    setMsg(null);
    try {
      const o = await kitFetch<Order>('POST', '/api/catering/pickup', { code: c, canteenIdx: canteen });
      setMsg({ ok: true, text: `${l('done')} · ${o.orderNo} · ${o.holderName}`, order: o });
      load();
    } catch (e) {
      const m = (e as Error).message;
      const at = /already picked up at (\S+)/.exec(m);
      const text = at ? `${l('twice')}（${l('at')} ${time(at[1]!, en)}）` : /signature|not a pickup code/.test(m) ? l('bad') : /no order/.test(m) ? l('unknown') : /another canteen/.test(m) ? l('other') : `${l('refused')}${m}`;
      setMsg({ ok: false, text });
    }
    setCode('');
    input.current?.focus();
  };
  return (
    <div className="catering-counter" data-catering-tab="counter">
      <section className="panel">
        <label className="catering-row">{l('canteen')}
          <select value={canteen ?? ''} onChange={(e) => setCanteen(Number(e.target.value))} data-counter="canteen">
            {canteens.map((c) => <option key={c.idx} value={c.idx}>{en && c.nameEn ? c.nameEn : c.name}</option>)}
          </select>
        </label>
        <form className="catering-scan" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
          <input ref={input} autoFocus value={code} onChange={(e) => setCode(e.target.value)} placeholder={l('scan')} data-counter="code" autoComplete="off" />
          <button type="submit" className="primary" data-counter="hand">{l('hand')}</button>
        </form>
        {msg && (
          <div className={`catering-msg ${msg.ok ? 'ok' : 'bad'}`} role={msg.ok ? 'status' : 'alert'} data-counter-result={msg.ok ? 'ok' : 'refused'}>
            <b>{msg.text}</b>
            {msg.order && <div>{msg.order.lines.map((x) => `${x.name}×${x.qty}`).join('，')}</div>}
          </div>
        )}
        <h4>{l('waiting')}</h4>
        {waiting.length === 0 ? <p className="muted">{l('none')}</p> : (
          <ul className="catering-orders">{waiting.map((o) => <li key={o.id} data-waiting={o.id}><b>{o.orderNo}</b> {o.holderName} · {o.lines.map((x) => `${x.name}×${x.qty}`).join('，')} · {yuan(o.totalFen)}</li>)}</ul>
        )}
      </section>
      <section className="panel">
        <h4>{l('face')}</h4>
        {faces.length === 0 ? <p className="muted">{l('none')}</p> : (
          <table className="catering-ledger"><tbody>
            {faces.map((f) => (
              <tr key={`${f.terminal}-${f.eventId}`} data-face={f.eventId} data-outcome={f.outcome}>
                <td>{time(f.at, en)}</td><td>{f.terminal}</td><td>{f.identity}</td><td>{yuan(f.amountFen)}</td><td>{f.outcome === 'charged' ? l('charged') : l('notCharged')}</td>
              </tr>
            ))}
          </tbody></table>
        )}
      </section>
    </div>
  );
}
