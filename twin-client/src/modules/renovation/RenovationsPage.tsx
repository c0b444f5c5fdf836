/** The renovations view (`/service/renovations`): the records kit's page for the `renovations` entity. */
import { RecordsPage } from '../../kit/RecordsPage.tsx';

/** The page. */
export default function RenovationsPage() {
  return <RecordsPage path="renovations" />;
}
