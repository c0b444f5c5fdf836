/**
 * The notifications module: the in-app notification centre's routes (unread count, list, mark
 * read, preferences) for every signed-in user, each seeing only its own notifications.
 */
import { z } from 'zod';
import type { TwinModule } from '../../modules/types.ts';
import type { TwinContext } from '../../http/route.ts';
import type { ServerContext } from '../../context.ts';
import { notificationCenter } from './service.ts';

const label = z.object({ zh: z.string(), en: z.string() });
const item = z.object({ id: z.number(), kind: z.string(), title: label, link: z.string().nullable(), createdAt: z.string(), read: z.boolean() });
const listQuery = z.object({
  limit: z.coerce.number<string>().int().min(1).max(100).default(20),
  before: z.coerce.number<string>().int().min(1).optional(),
  unread: z.enum(['0', '1']).optional(),
}).strict();
const channelName = z.string().regex(/^[a-z][a-z0-9_-]{1,30}$/);
const prefsBody = z.object({
  email: z.email().max(200).nullable(),
  channels: z.record(z.string().regex(/^(\*|[a-z][a-z0-9_.-]{1,60})$/), z.array(channelName).max(5)),
}).strict();

function userOf(ctx: TwinContext): string {
  const p = ctx.state.principal;
  if (!p || p.kind !== 'user') return ctx.throw(403, 'notifications are for user accounts');
  return p.id;
}

/** The notification centre's module (routes; LISTEN and the outbox sender while it runs). One per server. */
export function notificationsModule(): TwinModule {
  let started: ServerContext | null = null;
  return {
  name: 'notifications',
  async initialize(sc) {
    started = sc;
    await notificationCenter(sc).start();
  },
  routes: (sc) => {
    const nc = () => notificationCenter(sc);
    return [
      {
        method: 'GET', path: '/api/notifications', permission: 'authenticated', query: listQuery,
        summary: 'The caller\'s notifications, newest first, with the unread count (?limit=&before=&unread=1)',
        response: z.object({ unread: z.number(), items: z.array(item) }),
        async handler(ctx) {
          const u = userOf(ctx);
          const q = listQuery.parse(ctx.state.query ?? ctx.query);
          ctx.body = { unread: await nc().unread(u), items: await nc().list(u, { limit: q.limit, before: q.before, unreadOnly: q.unread === '1' }) };
        },
      },
      {
        method: 'POST', path: '/api/notifications/read', permission: 'authenticated',
        body: z.union([z.object({ ids: z.array(z.number().int().min(1)).min(1).max(500) }).strict(), z.object({ all: z.literal(true) }).strict()]),
        summary: 'Marks notifications of the caller read (ids, or all); answers the new unread count',
        response: z.object({ unread: z.number() }),
        async handler(ctx) {
          const b = ctx.request.body as { ids?: number[]; all?: true };
          ctx.body = { unread: await nc().markRead(userOf(ctx), b.all ? 'all' : b.ids!) };
        },
      },
      {
        method: 'GET', path: '/api/notifications/prefs', permission: 'authenticated',
        summary: 'The caller\'s delivery preferences and the channels this server offers',
        response: z.object({ email: z.string().nullable(), channels: z.record(z.string(), z.array(z.string())), available: z.array(z.string()) }),
        async handler(ctx) {
          const r = await sc.db.query<{ email: string | null; channels: Record<string, string[]> | string }>(
            'SELECT email, channels FROM kit_notification_pref WHERE user_id = $1', [userOf(ctx)]);
          const row = r.rows[0];
          ctx.body = {
            email: row?.email ?? null,
            channels: row ? (typeof row.channels === 'string' ? JSON.parse(row.channels) as Record<string, string[]> : row.channels) : { '*': ['inapp'] },
            available: ['inapp', ...nc().channels.map((c) => c.name)],
          };
        },
      },
      {
        method: 'PUT', path: '/api/notifications/prefs', permission: 'authenticated', body: prefsBody,
        summary: 'Sets the caller\'s email address and channels per notification kind (`*` for the rest)',
        response: z.object({ ok: z.literal(true) }),
        async handler(ctx) {
          const b = ctx.request.body as z.infer<typeof prefsBody>;
          const known = new Set(['inapp', ...nc().channels.map((c) => c.name)]);
          const unknown = Object.values(b.channels).flat().filter((c) => !known.has(c));
          if (unknown.length > 0) ctx.throw(400, `unknown channel: ${[...new Set(unknown)].join(', ')}`);
          await sc.db.query(
            `INSERT INTO kit_notification_pref (user_id, email, channels, updated_at) VALUES ($1, $2, $3::jsonb, now())
             ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, channels = EXCLUDED.channels, updated_at = now()`,
            [userOf(ctx), b.email, JSON.stringify(b.channels)],
          );
          ctx.body = { ok: true };
        },
      },
    ];
  },
  async finalize() {
    if (started) await notificationCenter(started).stop();
    started = null;
  },
  };
}
