/** The content desk (`/portal-admin`): the records kit's page for portal articles, with a link to the public portal. */
import { useTranslation } from 'react-i18next';
import { RecordsPage } from '../../kit/RecordsPage.tsx';

/** The page. */
export default function ContentDesk() {
  const { t } = useTranslation('portal');
  return (
    <div style={{ height: '100%', display: 'flex', flexDirection: 'column' }}>
      <p style={{ margin: '6px 12px' }}><a href="/portal" target="_blank" rel="noopener" style={{ color: 'var(--accent)' }}>{t('title')} ↗</a></p>
      <div style={{ flex: 1, minHeight: 0 }}><RecordsPage path="portal/articles" /></div>
    </div>
  );
}
