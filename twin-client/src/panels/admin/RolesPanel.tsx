/** Roles (security administrator): the permission matrix and who holds which role. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type BodyOf, type GetAnswer } from '../../api/client.ts';
import { useApi } from './useApi.ts';

type Assignment = GetAnswer<'/api/roles/assignments'>['users'][number];

/** The roles tab. */
export function RolesPanel() {
  const { t, i18n } = useTranslation('auth');
  const roles = useApi(() => api.get('/api/roles'), 'roles');
  const users = useApi(() => api.get('/api/roles/assignments'), 'assignments');
  const [edits, setEdits] = useState<Record<string, string[]>>({});
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const lang = i18n.language === 'en' ? 'en' : 'zh-CN';
  const r = roles.data;
  const save = async (u: Assignment) => {
    try {
      await api.put('/api/users/{id}/roles', { params: { id: u.id }, body: { roles: (edits[u.id] ?? u.roles) as BodyOf<'put', '/api/users/{id}/roles'>['roles'] } });
      setMsg({ ok: true, text: `${u.username}: ${t('admin.roles.saved')}` });
      setEdits((e) => Object.fromEntries(Object.entries(e).filter(([k]) => k !== u.id)));
      users.reload();
    } catch (e) {
      setMsg({ ok: false, text: t('admin.error', { message: (e as Error).message }) });
    }
  };
  return (
    <section data-testid="roles-panel">
      {(roles.error || users.error) && <p className="error">{roles.error ?? users.error}</p>}
      <h3>{t('admin.roles.matrix')}</h3>
      {r && (
        <table className="matrix">
          <thead><tr><th>{t('admin.roles.module')}</th>{r.roles.map((x) => <th key={x.id} title={x.id}>{x.name[lang]}</th>)}</tr></thead>
          <tbody>
            {r.modules.map((m) => (
              <tr key={m}><th>{m}</th>
                {r.roles.map((x) => {
                  const acts = r.actions.filter((a) => x.permissions.includes(`${m}:${a}`));
                  return <td key={x.id} className={acts.length ? 'has' : ''}>{acts.map((a) => t(`admin.roles.actions.${a}`)).join('') || '·'}</td>;
                })}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>{t('admin.roles.assignments')}</h3>
      <p className="muted">{t('admin.roles.adminNote')}</p>
      {msg && <p className={msg.ok ? 'ok' : 'error'}>{msg.text}</p>}
      <table>
        <tbody>
          {users.data?.users.map((u) => {
            const current = edits[u.id] ?? u.roles;
            return (
              <tr key={u.id}>
                <td>{u.username}<br /><code>{u.displayName}</code></td>
                <td>
                  {r?.roles.map((x) => (
                    <label key={x.id} style={{ marginRight: 10, whiteSpace: 'nowrap' }}>
                      <input type="checkbox" checked={current.includes(x.id)}
                        onChange={(e) => setEdits({ ...edits, [u.id]: e.target.checked ? [...current, x.id] : current.filter((y) => y !== x.id) })} />
                      {x.name[lang]}
                    </label>
                  ))}
                </td>
                <td><button type="button" disabled={!edits[u.id]} onClick={() => void save(u)}>{t('admin.roles.save')}</button></td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
