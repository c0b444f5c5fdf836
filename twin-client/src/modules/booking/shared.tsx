/**
 * The booking module's shared client parts: types of the routes' answers, the zh/en strings, and
 * the booking form used by the room panel section and the /service/booking view. A slot already
 * taken (409, another user was faster) is said plainly, with the time that is taken.
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { kitFetch, KitError } from '../../kit/api.ts';

export interface Booking {
  id: number; roomIdx: number; title: string | null; attendees: number; bookedByName: string | null; mine: boolean;
  startsAt: string; endsAt: string; status: 'booked' | 'checked_in' | 'cancelled' | 'released'; checkedInAt: string | null;
}
export interface MeetingRoom {
  idx: number; code: string; name: string; nameEn: string | null; building: string; buildingEn: string | null; level: number;
  capacity: number; equipment: string[]; now: 'free' | 'booked'; current: Booking | null; next: Booking | null;
}

const T = {
  free: ['当前空闲', 'Free now'], booked: ['当前已预订', 'Booked now'], next: ['下一场：', 'Next: '], capacity: ['容纳', 'Seats'], people: ['人', ''],
  date: ['日期', 'Date'], start: ['开始', 'Start'], duration: ['时长', 'Duration'], title: ['会议主题', 'Meeting title'], attendees: ['人数', 'Attendees'],
  book: ['预订', 'Book'], booking: ['正在预订…', 'Booking…'], done: ['预订成功', 'Booked'], taken: ['该时段已被他人预订，请选择其他时间', 'This slot has just been booked by someone else. Please pick another time'],
  takenAt: ['已占用：', 'Taken: '], failed: ['预订失败：', 'Booking failed: '], needTitle: ['请填写会议主题', 'Enter a meeting title'],
  mine: ['我的预订', 'My bookings'], none: ['暂无预订', 'No bookings'], checkIn: ['签到', 'Check in'], cancel: ['取消', 'Cancel'],
  today: ['今日安排', 'Today'], hidden: ['（其他企业）', '(another company)'], min: ['分钟', 'min'], hours: ['小时', 'h'],
  rooms: ['会议室', 'Meeting rooms'], minCap: ['至少容纳', 'At least'], any: ['全部', 'Any'], loading: ['加载中…', 'Loading…'], showIn3d: ['在三维中查看', 'Show in 3D'],
} as const;
export const STATUS: Record<Booking['status'], [string, string]> = { booked: ['已预订', 'Booked'], checked_in: ['已签到', 'Checked in'], cancelled: ['已取消', 'Cancelled'], released: ['未签到已释放', 'Released (no-show)'] };
export const EQUIPMENT: Record<string, [string, string]> = {
  projector: ['投影仪', 'Projector'], screen: ['显示屏', 'Screen'], video_conf: ['视频会议', 'Video conferencing'], whiteboard: ['白板', 'Whiteboard'], speakers: ['音响', 'Speakers'], microphone: ['麦克风', 'Microphone'],
};

/** The strings in the UI language. */
export function useL(): { en: 0 | 1; l: (k: keyof typeof T) => string; time: (iso: string) => string; day: (iso: string) => string } {
  const { i18n } = useTranslation();
  const en = i18n.language.startsWith('en') ? 1 : 0;
  const locale = en ? 'en-GB' : 'zh-CN';
  return {
    en, l: (k) => T[k][en],
    time: (iso) => new Date(iso).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
    day: (iso) => new Date(iso).toLocaleDateString(locale, { month: 'short', day: 'numeric', weekday: 'short' }),
  };
}

const pad = (n: number) => String(n).padStart(2, '0');
const localDate = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
/** Start times on the half hour (the server checks the room's opening hours). */
const STARTS = Array.from({ length: 48 }, (_, i) => `${pad(Math.floor(i / 2))}:${i % 2 ? '30' : '00'}`);
const DURATIONS = [30, 60, 90, 120, 180, 240];

/** The booking form of one room. `onBooked` after a success (the caller reloads). */
export function BookForm({ room, onBooked }: { room: MeetingRoom; onBooked: (b: Booking) => void }) {
  const { en, l } = useL();
  const now = new Date();
  const nextHalf = new Date(Math.ceil(now.getTime() / 1_800_000) * 1_800_000);
  const [date, setDate] = useState(localDate(nextHalf));
  const [start, setStart] = useState(() => {
    const s = `${pad(nextHalf.getHours())}:${pad(nextHalf.getMinutes())}`;
    return STARTS.includes(s) ? s : STARTS[18]!;
  });
  const [minutes, setMinutes] = useState(60);
  const [title, setTitle] = useState('');
  const [attendees, setAttendees] = useState(Math.min(4, room.capacity));
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState<{ kind: 'ok' | 'conflict' | 'error'; text: string } | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!title.trim()) return setMsg({ kind: 'error', text: l('needTitle') });
    const s = new Date(`${date}T${start}:00`);
    const body = { roomIdx: room.idx, title: title.trim(), attendees, startsAt: s.toISOString(), endsAt: new Date(s.getTime() + minutes * 60_000).toISOString() };
    setBusy(true);
    setMsg(null);
    try {
      const b = await kitFetch<Booking>('POST', '/api/booking/bookings', body);
      setMsg({ kind: 'ok', text: `${l('done')}: ${date} ${start}` });
      onBooked(b);
    } catch (err) {
      if (err instanceof KitError && err.status === 409) {
        // "the room is already booked from <iso> to <iso>": shown in local time.
        const m = /from (\S+) to (\S+)/.exec(err.message);
        const at = m ? ` ${l('takenAt')}${new Date(m[1]!).toLocaleTimeString(en ? 'en-GB' : 'zh-CN', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })}–${new Date(m[2]!).toLocaleTimeString(en ? 'en-GB' : 'zh-CN', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })}` : '';
        setMsg({ kind: 'conflict', text: `${l('taken')}${at}` });
      } else setMsg({ kind: 'error', text: `${l('failed')}${(err as Error).message}` });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="booking-form" onSubmit={(e) => void submit(e)} data-booking-form={room.idx}>
      <label>{l('title')}<input value={title} maxLength={100} onChange={(e) => setTitle(e.target.value)} data-booking-field="title" /></label>
      <div className="booking-row">
        <label>{l('date')}<input type="date" value={date} onChange={(e) => setDate(e.target.value)} data-booking-field="date" /></label>
        <label>{l('start')}<select value={start} onChange={(e) => setStart(e.target.value)} data-booking-field="start">{STARTS.map((s) => <option key={s}>{s}</option>)}</select></label>
      </div>
      <div className="booking-row">
        <label>{l('duration')}<select value={minutes} onChange={(e) => setMinutes(Number(e.target.value))} data-booking-field="minutes">
          {DURATIONS.map((d) => <option key={d} value={d}>{d < 60 ? `${d} ${l('min')}` : `${d / 60} ${l('hours')}`}</option>)}
        </select></label>
        <label>{l('attendees')}<input type="number" min={1} max={room.capacity} value={attendees} onChange={(e) => setAttendees(Number(e.target.value))} data-booking-field="attendees" /></label>
      </div>
      <button type="submit" disabled={busy} data-booking-submit>{busy ? l('booking') : l('book')}</button>
      {msg && <p className={`booking-msg booking-${msg.kind}`} role={msg.kind === 'ok' ? 'status' : 'alert'} data-booking-result={msg.kind}>{msg.text}</p>}
    </form>
  );
}

/** One booking line: time, title, state; check-in and cancel for one's own. */
export function BookingLine({ b, onChange, withDay }: { b: Booking; onChange: () => void; withDay?: boolean }) {
  const { en, l, time, day } = useL();
  const [err, setErr] = useState<string | null>(null);
  const act = async (what: 'check-in' | 'cancel') => {
    setErr(null);
    try {
      await kitFetch('POST', `/api/booking/bookings/${b.id}/${what}`);
      onChange();
    } catch (e) {
      setErr((e as Error).message);
    }
  };
  const live = b.status === 'booked' || b.status === 'checked_in';
  return (
    <li data-booking={b.id} data-status={b.status}>
      <span className="booking-time">{withDay ? `${day(b.startsAt)} ` : ''}{time(b.startsAt)}–{time(b.endsAt)}</span>{' '}
      <span>{b.title ?? l('hidden')}</span>{' '}
      <span className="booking-state">{STATUS[b.status][en]}</span>
      {b.mine && b.status === 'booked' && <button type="button" onClick={() => void act('check-in')} data-booking-action="check-in">{l('checkIn')}</button>}
      {b.mine && live && <button type="button" onClick={() => void act('cancel')} data-booking-action="cancel">{l('cancel')}</button>}
      {err && <span className="booking-error" role="alert">{err}</span>}
    </li>
  );
}
