/** The room panel's section: the room's repair requests (newest first), each opening in the repairs view. */
import { useTranslation } from 'react-i18next';
import { RecordList } from '../../kit/RecordList.tsx';
import { useEntityMeta } from '../../kit/RecordsPage.tsx';
import { navigate, viewHref } from '../../app/links.tsx';
import type { SectionProps } from '../types.ts';
import '../../kit/kit.css';

/** The section. */
export function RoomRepairs({ obj }: SectionProps) {
  const { t } = useTranslation('repairs');
  const { meta, error } = useEntityMeta('repairs');
  if (error) return null;
  if (!meta) return <div className="kit-empty">{t('loading')}</div>;
  return (
    <div className="repairs-room" data-room={obj.idx}>
      <RecordList meta={{ ...meta, columns: ['id', 'title', 'state', 'createdAt'] }} fixed={{ objectIdx: obj.idx }} compact
        onOpen={(id) => navigate(viewHref('/service/repairs', { id }))} />
    </div>
  );
}
