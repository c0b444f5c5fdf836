/**
 * The dispatcher's desk (`/workorders`): the records kit's page for the `workorders` entity
 * (list with filters, create form from an equipment panel, detail with dispatch, verify, send back,
 * cancel), and the crews with their trade, members and whether they are on duty now.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type GetAnswer } from '../../api/client.ts';
import { RecordsPage } from '../../kit/RecordsPage.tsx';
import './workorders.css';

type Crew = GetAnswer<'/api/maintenance/crews'>['crews'][number];

/** The page. */
export default function DeskPage() {
  return (
    <div className="wo-desk" data-view="workorders">
      <RecordsPage path="workorders" createFields={['title', 'titleEn', 'priority', 'trade', 'fault', 'description']} />
      <Crews />
    </div>
  );
}

function Crews() {
  const { t, i18n } = useTranslation('workorders');
  const en = i18n.language === 'en';
  const [crews, setCrews] = useState<Crew[] | null>(null);
  const [trades, setTrades] = useState<Record<string, { zh: string; en: string }>>({});
  useEffect(() => {
    void api.get('/api/maintenance/crews', { background: true }).then((r) => setCrews(r.crews), () => setCrews([]));
    void api.get('/api/maintenance/dispatch-rules', { background: true }).then((r) => setTrades(Object.fromEntries(r.trades.map((x) => [x.code, x.name]))), () => {});
  }, []);
  if (!crews || crews.length === 0) return null;
  return (
    <section className="wo-crews" data-wo="crews">
      <h3>{t('desk.crews')}</h3>
      <table>
        <thead><tr><th>{t('fact.crew')}</th><th>{t('desk.trade')}</th><th>{t('fact.state')}</th><th>{t('desk.members')}</th></tr></thead>
        <tbody>
          {crews.map((c) => (
            <tr key={c.id} data-crew={c.code} data-on-duty={c.onDuty ? '1' : '0'}>
              <td>{en ? c.name.en : c.name.zh}</td>
              <td>{trades[c.trade] ? (en ? trades[c.trade]!.en : trades[c.trade]!.zh) : c.trade}</td>
              <td className={c.onDuty ? 'wo-on' : 'wo-muted'}>{c.onDuty ? t('desk.onDuty') : t('desk.offDuty')}</td>
              <td>{c.members.length ? c.members.map((m) => m.name).join('、') : <span className="wo-muted">{t('desk.noMembers')}</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
