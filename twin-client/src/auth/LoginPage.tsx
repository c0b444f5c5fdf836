/** The login page (zh-CN by default, English switch), and the wall pairing form. */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { setLanguage } from '../i18n/index.ts';
import { AuthApiError } from './api.ts';
import { api } from '../api/client.ts';

function LanguageSwitch() {
  const { t, i18n } = useTranslation('auth');
  return (
    <button type="button" className="link lang" data-lang={i18n.language} onClick={() => setLanguage(i18n.language === 'en' ? 'zh-CN' : 'en')}>
      {t('login.language')}
    </button>
  );
}

/** Username/password form; calls `onDone` once the session cookie is set. */
export function LoginPage({ onDone, notice }: { onDone: () => void; notice?: string | undefined }) {
  const { t } = useTranslation('auth');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pairing, setPairing] = useState(false);
  if (pairing) return <PairPage onDone={onDone} onBack={() => setPairing(false)} />;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post('/api/auth/login', { body: { username, password } });
      setPassword('');
      onDone();
    } catch (err) {
      const msg = err instanceof AuthApiError ? err.message : String(err);
      setError(err instanceof AuthApiError && err.status === 429 ? t('login.tooMany')
        : /locked/.test(msg) ? t('login.locked') : /disabled/.test(msg) ? t('login.disabled')
          : err instanceof AuthApiError && err.status === 401 ? t('login.wrong') : t('login.failed', { message: msg }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="auth-screen" data-testid="login-page">
      <form className="auth-card" onSubmit={submit}>
        <h1>{t('login.title')}</h1>
        <h2>{t('login.subtitle')}</h2>
        {notice && <p className="hint">{notice}</p>}
        <label>{t('login.username')}
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required maxLength={64} autoFocus />
        </label>
        <label>{t('login.password')}
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required maxLength={256} />
        </label>
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" className="primary" disabled={busy}>{busy ? t('login.busy') : t('login.submit')}</button>
        <div className="row">
          <button type="button" className="link" onClick={() => setPairing(true)}>{t('login.pairLink')}</button>
          <LanguageSwitch />
        </div>
        <p className="notice">{t('login.notice')}</p>
        <p className="notice"><a href="/portal" data-testid="portal-link">{t('portal:loginLink')}</a></p>
      </form>
    </div>
  );
}

/** A wall without a token in its address: type the one-time pairing code instead. */
export function PairPage({ onDone, onBack }: { onDone: () => void; onBack: () => void }) {
  const { t } = useTranslation('auth');
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api.post('/api/auth/device/pair', { body: { code } });
      onDone();
    } catch {
      setError(t('pair.failed'));
    }
  };
  return (
    <div className="auth-screen" data-testid="pair-page">
      <form className="auth-card" onSubmit={submit}>
        <h1>{t('pair.title')}</h1>
        <p className="hint">{t('pair.hint')}</p>
        <label>{t('pair.code')}
          <input name="code" value={code} onChange={(e) => setCode(e.target.value.toUpperCase())} required minLength={4} maxLength={16} autoFocus
            style={{ letterSpacing: 6, textAlign: 'center', fontSize: 22 }} />
        </label>
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" className="primary">{t('pair.submit')}</button>
        <div className="row">
          <button type="button" className="link" onClick={onBack}>{t('pair.back')}</button>
          <LanguageSwitch />
        </div>
      </form>
    </div>
  );
}
