/**
 * The client side of the records kit (generic list, form, detail and page driven by the server's
 * entity meta) and the notification bell. See docs/records-kit.md.
 */
export { RecordList, type RecordListProps } from './RecordList.tsx';
export { RecordForm, formSchema, type RecordFormProps } from './RecordForm.tsx';
export { RecordDetail, type RecordDetailProps } from './RecordDetail.tsx';
export { RecordsPage, useEntityMeta, type RecordsPageProps } from './RecordsPage.tsx';
export { NotificationBell } from './NotificationBell.tsx';
export { kitFetch, KitError, type EntityMeta, type RecordItem } from './api.ts';
