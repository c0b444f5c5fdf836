/** The repairs view (`/service/repairs`): the records kit's page for the `repairs` entity. */
import { RecordsPage } from '../../kit/RecordsPage.tsx';

/** The page. */
export default function RepairsPage() {
  return <RecordsPage path="repairs" />;
}
