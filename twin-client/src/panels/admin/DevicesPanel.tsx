/** Device identities (security administrator): command walls and exchange clients. */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { useApi, when } from './useApi.ts';

/** The devices tab. */
export function DevicesPanel() {
  const { t, i18n } = useTranslation('auth');
  const { data, error, reload } = useApi(() => api.get('/api/devices'), 'devices');
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'wall' | 'exchange'>('wall');
  const [secret, setSecret] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const run = async (fn: () => Promise<string | null>) => {
    setErr(null);
    try {
      setSecret(await fn());
      reload();
    } catch (e) {
      setErr(t('admin.error', { message: (e as Error).message }));
    }
  };
  const create = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const c = await api.post('/api/devices', { body: { name, kind } });
      setName('');
      return [`${t('admin.devices.token')}: ${c.token}`, c.pairingCode && `${t('admin.devices.pairingCode')}: ${c.pairingCode}`,
        c.wallUrl && `${t('admin.devices.wallUrl')}: ${location.origin}${c.wallUrl}`].filter(Boolean).join('\n');
    });
  };
  return (
    <section data-testid="devices-panel">
      <form className="inline" onSubmit={create}>
        <label>{t('admin.devices.name')}<input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} /></label>
        <label>{t('admin.devices.kind')}
          <select value={kind} onChange={(e) => setKind(e.target.value as 'wall' | 'exchange')}>
            <option value="wall">{t('admin.devices.wall')}</option><option value="exchange">{t('admin.devices.exchange')}</option>
          </select>
        </label>
        <button type="submit" className="primary">{t('admin.devices.create')}</button>
      </form>
      {secret && <pre className="secret">{secret}</pre>}
      {(err || error) && <p className="error">{err ?? error}</p>}
      <table>
        <thead><tr><th>{t('admin.devices.name')}</th><th>{t('admin.devices.kind')}</th><th>{t('admin.devices.lastSeen')}</th>
          <th>{t('admin.devices.sessions')}</th><th /></tr></thead>
        <tbody>
          {data?.devices.map((d) => (
            <tr key={d.id}>
              <td>{d.name}</td><td>{t(`admin.devices.${d.kind}`)}</td><td>{when(d.lastSeenAt, i18n.language)}</td>
              <td>{d.revokedAt ? t('admin.devices.revoked') : d.activeSessions}</td>
              <td>{!d.revokedAt && (<>
                {d.kind === 'wall' && <button type="button" onClick={() => void run(async () => {
                  const r = await api.post('/api/devices/{id}/pairing', { params: { id: d.id } });
                  return `${d.name} — ${t('admin.devices.pairingCode')}: ${r.pairingCode}`;
                })}>{t('admin.devices.newCode')}</button>}
                <button type="button" onClick={() => {
                  if (confirm(t('admin.devices.confirmRevoke', { name: d.name }))) void run(async () => (await api.post('/api/devices/{id}/revoke', { params: { id: d.id } }), null));
                }}>{t('admin.devices.revoke')}</button>
              </>)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
