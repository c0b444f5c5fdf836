/**
 * Backup state (system administrator, issue 21 R2/Y2): the scheduled `twin backup` archives of this
 * server (last success, age, size, folder, last error) and a warning when the last good one is too
 * old, from the `backup` and `walArchive` parts of GET /api/health (shown to `system:read` only).
 */
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { useApi, when } from './useApi.ts';

/** Bytes as B / KB / MB / GB (1024-based, one decimal from KB up). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** The backups tab. */
export function BackupPanel() {
  const { t, i18n } = useTranslation('auth');
  const { data, error, reload } = useApi(() => api.get('/api/health'), 'health');
  const b = data?.backup;
  const wal = data?.walArchive;
  const lang = i18n.language;
  return (
    <section data-testid="backup-panel" className="backup-panel">
      {error && <p className="error">{t('admin.error', { message: error })}</p>}
      {data && !b && <p className="muted">{t('admin.backup.unknown')}</p>}
      {b && (
        <>
          {b.overdue && (
            <p className="backup-overdue" role="alert" data-testid="backup-overdue">
              {b.lastSuccessAt ? t('admin.backup.overdue', { hours: Math.round(b.ageHours ?? 0) }) : t('admin.backup.overdueNone')}
            </p>
          )}
          {!b.enabled && <p className="muted" data-testid="backup-disabled">{t('admin.backup.disabled')}</p>}
          <table className="kv">
            <tbody>
              <tr><th>{t('admin.backup.lastSuccess')}</th><td data-testid="backup-last">{b.lastSuccessAt ? when(b.lastSuccessAt, lang) : t('admin.backup.never')}</td></tr>
              <tr><th>{t('admin.backup.age')}</th><td data-testid="backup-age" className={b.overdue ? 'outcome-failure' : ''}>{b.ageHours === null ? '—' : t('admin.backup.hours', { hours: b.ageHours.toFixed(1) })}</td></tr>
              <tr><th>{t('admin.backup.size')}</th><td data-testid="backup-size">{b.bytes === null ? '—' : formatBytes(b.bytes)}</td></tr>
              <tr><th>{t('admin.backup.lastError')}</th><td data-testid="backup-error" className={b.lastError ? 'outcome-failure' : ''}>{b.lastError ?? t('admin.backup.noError')}</td></tr>
              <tr><th>{t('admin.backup.folder')}</th><td data-testid="backup-dir"><code>{b.dir}</code></td></tr>
              {b.alarmAt && <tr><th>{t('admin.backup.alarmAt')}</th><td data-testid="backup-alarm">{when(b.alarmAt, lang)}</td></tr>}
              {wal && (
                <tr>
                  <th>{t('admin.backup.wal')}</th>
                  <td data-testid="backup-wal" className={wal.failed > 0 ? 'outcome-failure' : ''}>
                    {wal.mode === 'off' ? t('admin.backup.walOff') : t('admin.backup.walText', { archived: wal.archived, last: when(wal.lastArchivedAt, lang), failed: wal.failed })}
                  </td>
                </tr>
              )}
            </tbody>
          </table>
          <p className="muted backup-hint">{t('admin.backup.hint')}</p>
        </>
      )}
      <button type="button" onClick={reload}>{t('admin.backup.refresh')}</button>
    </section>
  );
}
