/** `/linkage`: the runs live (step by step, confirm or cancel), and the plans with their editor. */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type GetAnswer } from '../../api/client.ts';
import { useAuth } from '../../auth/SessionGate.tsx';
import { RunCard, useRuns } from './runs.tsx';
import { PlansPanel } from './plans.tsx';
import './linkage.css';

/** The view. */
export default function LinkagePage() {
  const { t } = useTranslation('linkage');
  const { can } = useAuth();
  const { runs, reload } = useRuns('all', 20);
  const [plans, setPlans] = useState<GetAnswer<'/api/linkage/plans'> | null>(null);
  const loadPlans = useCallback(() => void api.get('/api/linkage/plans').then(setPlans, () => {}), []);
  useEffect(loadPlans, [loadPlans]);
  return (
    <div className="linkage-page" data-view="linkage">
      <h1>{t('title')}</h1>
      <div className="linkage-columns">
        <section className="linkage-runs">
          <h2>{t('runs')}</h2>
          {!runs && <p>{t('loading')}</p>}
          {runs?.length === 0 && <p className="muted">{t('none')}</p>}
          {runs?.map((r) => <RunCard key={r.id} run={r} onChange={() => void reload()} />)}
        </section>
        <PlansPanel plans={plans} canWrite={can('linkage:write')} reload={loadPlans} />
      </div>
    </div>
  );
}
