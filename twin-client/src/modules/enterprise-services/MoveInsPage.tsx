/** The move-in applications view (`/service/move-ins`): the records kit's page for the `move-ins` entity. */
import { RecordsPage } from '../../kit/RecordsPage.tsx';

/** The page. */
export default function MoveInsPage() {
  return <RecordsPage path="move-ins" />;
}
