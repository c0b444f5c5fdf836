/**
 * The session gate: wraps the app and shows it only to a signed-in principal. A command wall
 * opened with `#device=<token>` exchanges the token for a device session (no login prompt); a
 * user without activity for the idle limit is returned to the login page.
 */
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { fetchMe, takeDeviceTokenFromUrl, type Me } from './api.ts';
import { api } from '../api/client.ts';
import { registerAuthI18n } from './i18n.ts';
import { LoginPage } from './LoginPage.tsx';
import { ChangePassword } from './ChangePassword.tsx';
import './auth.css';

/** What views can ask about the signed-in principal. */
export interface AuthState {
  readonly me: Me;
  can(permission: string): boolean;
  logout(): Promise<void>;
  /** Re-reads /api/auth/me (after a role change, for example). */
  refresh(): Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

/** The signed-in principal; only valid under <SessionGate>. */
export function useAuth(): AuthState {
  const a = useContext(AuthContext);
  if (!a) throw new Error('useAuth outside <SessionGate>');
  return a;
}

type Phase =
  | { kind: 'loading' }
  | { kind: 'login'; notice?: string }
  | { kind: 'device-failed' }
  | { kind: 'error'; message: string }
  | { kind: 'in'; me: Me };

/** The wall's token exchange, shared by every load of this page (the token is read from the URL once). */
let deviceExchange: Promise<boolean> | null = null;

/** User interaction within this many ms counts as activity worth telling the server about. */
const KEEPALIVE_MS = 60_000;

/** Wraps the app: login page, forced password change, or the children with an AuthContext. */
export function SessionGate({ children, showUserMenu = true }: { children: ReactNode; showUserMenu?: boolean }) {
  registerAuthI18n();
  const { t } = useTranslation('auth');
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  const lastActivity = useRef(Date.now());

  const load = useCallback(async () => {
    try {
      const token = takeDeviceTokenFromUrl();
      if (token) deviceExchange = api.post('/api/auth/device/session', { body: { token } }).then(() => true, () => false);
      // A second load racing the first (StrictMode, fast remounts) waits for the same exchange.
      if (deviceExchange && !(await deviceExchange)) {
        setPhase({ kind: 'device-failed' });
        return;
      }
      const me = await fetchMe();
      setPhase(me ? { kind: 'in', me } : { kind: 'login' });
    } catch (e) {
      setPhase({ kind: 'error', message: (e as Error).message });
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  // Idle handling for people (walls have no idle limit): real interaction keeps the session,
  // polling does not; after the idle limit the gate checks and falls back to the login page.
  const idleMinutes = phase.kind === 'in' ? phase.me.idleMinutes : null;
  useEffect(() => {
    if (!idleMinutes) return;
    let lastPing = Date.now();
    const onActivity = () => {
      lastActivity.current = Date.now();
      if (Date.now() - lastPing > KEEPALIVE_MS) {
        lastPing = Date.now();
        void fetchMe().then((me) => {
          if (!me) setPhase({ kind: 'login', notice: t('session.expired') });
        });
      }
    };
    const events = ['pointerdown', 'keydown', 'wheel'] as const;
    for (const e of events) window.addEventListener(e, onActivity, { passive: true });
    const timer = setInterval(() => {
      if (Date.now() - lastActivity.current < idleMinutes * 60_000) return;
      void fetchMe({ background: true }).then((me) => {
        if (!me) setPhase({ kind: 'login', notice: t('session.expired') });
      });
    }, 30_000);
    return () => {
      for (const e of events) window.removeEventListener(e, onActivity);
      clearInterval(timer);
    };
  }, [idleMinutes, t]);

  if (phase.kind === 'loading') return <div className="auth-screen"><p className="hint">{t('session.loading')}</p></div>;
  if (phase.kind === 'error') return <div className="auth-screen"><p className="error" role="alert">{t('session.error', { message: phase.message })}</p></div>;
  if (phase.kind === 'device-failed') {
    return <div className="auth-screen" data-testid="device-failed"><p className="error" role="alert">{t('pair.tokenFailed')}</p></div>;
  }
  if (phase.kind === 'login') return <LoginPage notice={phase.notice} onDone={() => void load()} />;
  const me = phase.me;
  if (me.mustChangePassword) return <ChangePassword me={me} forced onDone={() => void load()} />;
  const state: AuthState = {
    me,
    can: (p) => me.permissions.includes(p),
    async logout() {
      await api.post('/api/auth/logout').catch(() => {});
      setPhase({ kind: 'login' });
    },
    refresh: load,
  };
  return (
    <AuthContext.Provider value={state}>
      {children}
      {showUserMenu && me.kind === 'user' && <UserMenu />}
    </AuthContext.Provider>
  );
}

/** Name and a sign-out button; the gate shows it in a corner, the shell may place it in its top bar instead. */
export function UserMenu() {
  const { t } = useTranslation('auth');
  const { me, logout } = useAuth();
  return (
    <div className="user-chip" data-testid="user-menu">
      <span title={me.roles.join(', ')}>{me.displayName}</span>
      <button type="button" onClick={() => void logout()}>{t('session.logout')}</button>
    </div>
  );
}
