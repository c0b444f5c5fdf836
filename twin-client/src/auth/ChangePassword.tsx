/** Forced (first login, expired) or voluntary password change. */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { AuthApiError, type Me } from './api.ts';
import { api } from '../api/client.ts';

/** The form; `onDone` runs after the server has issued the fresh session. */
export function ChangePassword({ me, forced, onDone }: { me: Me; forced: boolean; onDone: () => void }) {
  const { t } = useTranslation('auth');
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (next !== repeat) return setError(t('change.mismatch'));
    try {
      await api.post('/api/auth/password', { body: { current, next } });
      onDone();
    } catch (err) {
      setError(err instanceof AuthApiError ? err.message.replace(/^password not changed: /, '') : String(err));
    }
  };
  return (
    <div className="auth-screen" data-testid="change-password">
      <form className="auth-card" onSubmit={submit}>
        <h1>{t('change.title')}</h1>
        <h2>{me.displayName} ({me.name})</h2>
        {forced && <p className="hint">{t('change.forced')}</p>}
        <p className="hint">{t('change.policy', me.passwordPolicy)}</p>
        <label>{t('change.current')}
          <input type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} required />
        </label>
        <label>{t('change.next')}
          <input type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} required minLength={me.passwordPolicy.minLength} />
        </label>
        <label>{t('change.repeat')}
          <input type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} required />
        </label>
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" className="primary">{t('change.submit')}</button>
      </form>
    </div>
  );
}
