/**
 * A stand-in identity for route tests: the `X-Test-User` header names a user, and the table given
 * here says what that user may do. The real guard (sessions, devices, idle timeout) has its own
 * tests with the auth platform; route tests use this one to exercise permissions and tenancy only.
 */
import type { Permission, Principal } from '../auth/types.ts';
import type { TwinModule } from '../modules/types.ts';

/** The header route tests send. */
export const TEST_USER_HEADER = 'X-Test-User';

/** One stand-in user: its permissions and, for an enterprise user, its enterprise (read late, after seeding). */
export interface TestUser {
  readonly permissions: readonly Permission[];
  readonly enterpriseIdx?: number | (() => number);
}

/**
 * A guard module that resolves `X-Test-User: <name>` to the named user of `users`. A request with
 * no header is anonymous; an unknown name has no permissions (so tests can ask as "nobody").
 */
export function headerGuard(users: Readonly<Record<string, TestUser>>): TwinModule {
  return {
    name: 'test-guard',
    guard: () => ({
      async resolvePrincipal(ctx) {
        const who = ctx.get(TEST_USER_HEADER);
        if (!who) return { principal: null, presented: false };
        const user = Object.hasOwn(users, who) ? users[who] : undefined;
        const e = user?.enterpriseIdx;
        const p: Principal = {
          kind: 'user', id: who, name: who, roles: [], sessionId: who,
          permissions: new Set(user?.permissions ?? []),
          ...(e === undefined ? {} : { enterpriseIdx: typeof e === 'function' ? e() : e }),
        };
        return { principal: p, presented: true };
      },
      async onDenied() {},
    }),
  };
}
