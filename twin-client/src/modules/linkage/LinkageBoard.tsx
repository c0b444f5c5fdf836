/**
 * `/linkage/board`: the command wall's view of security linkage. The running plans in large type,
 * their steps changing state as they run (pushed), then the last finished ones. Read-only.
 */
import { useTranslation } from 'react-i18next';
import { RunCard, useRuns } from './runs.tsx';
import './linkage.css';

/** The view. */
export default function LinkageBoard() {
  const { t } = useTranslation('linkage');
  const { runs, reload } = useRuns('all', 6);
  const running = runs?.filter((r) => r.state === 'running') ?? [];
  const recent = runs?.filter((r) => r.state !== 'running').slice(0, 2) ?? [];
  return (
    <div className="linkage-board" data-view="linkage-board">
      <h1>{t('board')}</h1>
      {!runs && <p>{t('loading')}</p>}
      {runs && runs.length === 0 && <p className="muted">{t('none')}</p>}
      <div className="board-runs">
        {running.map((r) => <RunCard key={r.id} run={r} big onChange={() => void reload()} />)}
        {recent.map((r) => <RunCard key={r.id} run={r} big onChange={() => void reload()} />)}
      </div>
    </div>
  );
}
