/** Accounts (system administrator): create, edit status, reset password, unlock, delete. */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { useApi, when } from './useApi.ts';

/** The users tab. */
export function UsersPanel() {
  const { t, i18n } = useTranslation('auth');
  const { data, error, reload } = useApi(() => api.get('/api/users'), 'users');
  const [form, setForm] = useState({ username: '', displayName: '', phone: '', enterpriseIdx: '' });
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const act = async (fn: () => Promise<unknown>, ok?: (r: unknown) => string) => {
    try {
      const r = await fn();
      setMsg(ok ? { ok: true, text: ok(r) } : null);
      reload();
    } catch (e) {
      setMsg({ ok: false, text: t('admin.error', { message: (e as Error).message }) });
    }
  };
  const create = (e: FormEvent) => {
    e.preventDefault();
    void act(() => api.post('/api/users', { body: {
      username: form.username, displayName: form.displayName,
      ...(form.phone ? { phone: form.phone } : {}), ...(form.enterpriseIdx ? { enterpriseIdx: Number(form.enterpriseIdx) } : {}),
    } }), (r) => t('admin.users.initialPassword', { password: (r as { initialPassword: string }).initialPassword }));
    setForm({ username: '', displayName: '', phone: '', enterpriseIdx: '' });
  };
  const field = (k: keyof typeof form) => ({ value: form[k], onChange: (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value }) });
  return (
    <section data-testid="users-panel">
      <form className="inline" onSubmit={create}>
        <label>{t('admin.users.username')}<input required pattern="[a-z][a-z0-9._\-]{2,31}" {...field('username')} /></label>
        <label>{t('admin.users.displayName')}<input required maxLength={100} {...field('displayName')} /></label>
        <label>{t('admin.users.phone')}<input {...field('phone')} /></label>
        <label>{t('admin.users.enterprise')}<input type="number" min={1} {...field('enterpriseIdx')} /></label>
        <button type="submit" className="primary">{t('admin.users.create')}</button>
      </form>
      <p className="muted">{t('admin.users.rolesHint')}</p>
      {msg && <p className={msg.ok ? 'secret' : 'error'}>{msg.text}</p>}
      {error && <p className="error">{error}</p>}
      <table>
        <thead><tr>
          <th>{t('admin.users.username')}</th><th>{t('admin.users.displayName')}</th><th>{t('admin.users.roles')}</th>
          <th>{t('admin.users.phone')}</th><th>{t('admin.users.status')}</th><th>{t('admin.users.lastLogin')}</th><th>{t('admin.users.actions')}</th>
        </tr></thead>
        <tbody>
          {data?.users.map((u) => (
            <tr key={u.id}>
              <td>{u.username}</td><td>{u.displayName}</td><td>{u.roles.join(', ') || t('admin.users.none')}</td><td>{u.phone ?? ''}</td>
              <td>{[u.disabled && t('admin.users.disabled'), u.locked && t('admin.users.locked'), u.mustChangePassword && t('admin.users.mustChange')]
                .filter(Boolean).join(' · ') || t('admin.users.active')}</td>
              <td>{when(u.lastLoginAt, i18n.language)}</td>
              <td>
                <button type="button" onClick={() => void act(() => api.post('/api/users/{id}/reset-password', { params: { id: u.id } }),
                  (r) => `${u.username}: ${t('admin.users.initialPassword', { password: (r as { initialPassword: string }).initialPassword })}`)}>
                  {t('admin.users.resetPassword')}</button>
                {u.locked && <button type="button" onClick={() => void act(() => api.post('/api/users/{id}/unlock', { params: { id: u.id } }))}>{t('admin.users.unlock')}</button>}
                <button type="button" onClick={() => void act(() => api.patch('/api/users/{id}', { params: { id: u.id }, body: { disabled: !u.disabled } }))}>
                  {u.disabled ? t('admin.users.enable') : t('admin.users.disable')}</button>
                <button type="button" onClick={() => {
                  if (confirm(t('admin.users.confirmDelete', { name: u.username }))) void act(() => api.delete('/api/users/{id}', { params: { id: u.id } }));
                }}>{t('admin.users.delete')}</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
