/** The prospects view (`/leasing/prospects`): the records kit's page for the `prospect` entity. */
import { RecordsPage } from '../../kit/RecordsPage.tsx';

/** The page. */
export default function ProspectsPage() {
  return <RecordsPage path="leasing/prospects" />;
}
