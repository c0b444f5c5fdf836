/**
 * Administration (D4, Y6): users for the system administrator, roles and devices for the
 * security administrator, the audit trail for the auditor, the backup state for `system:read`. Tabs follow the caller's permissions;
 * the server enforces the same rules on every call.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../auth/SessionGate.tsx';
import { UsersPanel } from './UsersPanel.tsx';
import { RolesPanel } from './RolesPanel.tsx';
import { DevicesPanel } from './DevicesPanel.tsx';
import { AuditPanel } from './AuditPanel.tsx';
import { BackupPanel } from './BackupPanel.tsx';

const TABS = [
  { id: 'users', permission: 'system:admin', Panel: UsersPanel },
  { id: 'roles', permission: 'security:admin', Panel: RolesPanel },
  { id: 'devices', permission: 'security:admin', Panel: DevicesPanel },
  { id: 'audit', permission: 'audit:read', Panel: AuditPanel },
  { id: 'backup', permission: 'system:read', Panel: BackupPanel },
] as const;

/** The admin view (route /admin). */
export default function AdminPage() {
  const { t } = useTranslation('auth');
  const { can } = useAuth();
  const tabs = TABS.filter((x) => can(x.permission));
  const [active, setActive] = useState<string | null>(null);
  const current = tabs.find((x) => x.id === active) ?? tabs[0];
  if (!current) return <div className="admin"><h2>{t('admin.title')}</h2><p className="muted">{t('admin.noAccess')}</p></div>;
  const Panel = current.Panel;
  return (
    <div className="admin" data-testid="admin-page">
      <h2>{t('admin.title')}</h2>
      <div className="tabs" role="tablist">
        {tabs.map((x) => (
          <button key={x.id} type="button" role="tab" aria-selected={x === current} className={x === current ? 'active' : ''} onClick={() => setActive(x.id)}>
            {t(`admin.tabs.${x.id}`)}
          </button>
        ))}
      </div>
      <Panel />
    </div>
  );
}
