/** The enterprise services view (`/service/enterprise`): the records kit's page for the `service-requests` entity. */
import { RecordsPage } from '../../kit/RecordsPage.tsx';

/** The page. */
export default function ServiceRequestsPage() {
  return <RecordsPage path="service-requests" />;
}
