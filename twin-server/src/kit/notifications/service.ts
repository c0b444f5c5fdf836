/**
 * The notification centre. Modules raise a notification with one call:
 *
 *   await notify(sc, { to: [userId] | { roles: ['maintenance'] }, kind: 'repair.done',
 *                      title: { zh: '报修已完成', en: 'Repair done' }, link: '/service/repairs/12' }, tx);
 *
 * It stores one in-app row per recipient (inside the caller's transaction when given, so it
 * commits with the change it reports), queues the outbound channels the recipient's preferences
 * name for that kind (an outbox drained by the sender), and NOTIFYs `twin_notification`: on commit
 * every node pushes the new unread count to the recipient's open WebSockets.
 */
import type { ServerContext } from '../../context.ts';
import type { Queryable } from '../../db/index.ts';
import { authService } from '../../auth/index.ts';
import { channelsFromEnv, type OutboundChannel } from './channels.ts';

/** What a module passes to `notify`. */
export interface NotifyInput {
  /** User ids, or every active user holding one of the roles. */
  readonly to: readonly string[] | { readonly roles: readonly string[] };
  /** Dotted kind, e.g. `repair.assigned`: preferences are per kind. */
  readonly kind: string;
  readonly title: { readonly zh: string; readonly en: string };
  /** In-app path the notification opens (starts with `/`). */
  readonly link?: string | null;
}

/** A notification as the API returns it. */
export interface NotificationItem {
  readonly id: number;
  readonly kind: string;
  readonly title: { readonly zh: string; readonly en: string };
  readonly link: string | null;
  readonly createdAt: string;
  readonly read: boolean;
}

/** The message pushed to a user's sockets. */
export interface NotificationPush {
  readonly type: 'notification';
  readonly unread: number;
  readonly notification: NotificationItem;
}

const CHANNEL = 'twin_notification';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Per-server state: channels, push listeners, the LISTEN subscription and the outbox timer. */
export class NotificationCenter {
  channels: OutboundChannel[];
  readonly stats = { created: 0, pushed: 0, sent: 0, failed: 0 };
  readonly #listeners = new Set<(userId: string, m: NotificationPush) => void>();
  #unlisten: (() => Promise<void>) | null = null;
  #timer: NodeJS.Timeout | null = null;
  #draining: Promise<void> | null = null;
  #pushes: Promise<void> = Promise.resolve();

  constructor(private readonly sc: ServerContext, channels?: OutboundChannel[]) {
    this.channels = channels ?? channelsFromEnv();
  }

  /** Subscribes to commits of new notifications (any node) and starts the outbox sender. */
  async start(outboxEveryMs = 5_000): Promise<void> {
    if (this.#unlisten) return;
    this.#unlisten = await this.sc.db.listen(CHANNEL, (payload) => {
      // One at a time, in arrival order: each push carries the unread count after its own
      // notification, so a client never sees a later push with an older (smaller) count.
      this.#pushes = this.#pushes.then(() => this.#onCommitted(payload)).catch((err: unknown) => this.sc.log.warn({ err }, 'notification push failed'));
    });
    this.#timer = setInterval(() => void this.drainOutbox(), outboxEveryMs);
    this.#timer.unref();
  }

  /** Stops listening and sending. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#unlisten?.();
    this.#unlisten = null;
    await this.#pushes;
    await this.#draining;
    for (const c of this.channels) c.close?.();
  }

  /** Hears every committed notification with its recipient (the stream hub pushes it). */
  onPush(fn: (userId: string, m: NotificationPush) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Raises a notification; returns how many users it reached. */
  async notify(input: NotifyInput, tx?: Queryable): Promise<number> {
    if (!/^[a-z][a-z0-9_.-]{1,60}$/.test(input.kind)) throw new Error(`invalid notification kind ${input.kind}`);
    if (input.link != null && !/^\/[^/]/.test(input.link)) throw new Error('notification link must be an in-app path');
    const q = tx ?? this.sc.db;
    const now = authService(this.sc).now();
    const ids = Array.isArray(input.to)
      ? (input.to as string[]).filter((u) => UUID.test(u))
      : (await q.query<{ id: string }>('SELECT id FROM app_user WHERE roles && $1::text[] AND NOT disabled', [(input.to as { roles: string[] }).roles])).rows.map((r) => r.id);
    if (ids.length === 0) return 0;
    const prefs = await q.query<{ user_id: string; channels: Record<string, string[]> | string }>(
      'SELECT user_id, channels FROM kit_notification_pref WHERE user_id = ANY($1::uuid[])', [ids]);
    const byUser = new Map(prefs.rows.map((r) => [r.user_id, typeof r.channels === 'string' ? JSON.parse(r.channels) as Record<string, string[]> : r.channels]));
    const available = new Set(this.channels.map((c) => c.name));
    let n = 0;
    for (const u of [...new Set(ids)]) {
      const pref = byUser.get(u);
      const chosen = pref?.[input.kind] ?? pref?.['*'] ?? ['inapp'];
      const outbound = chosen.filter((c) => c !== 'inapp' && available.has(c));
      const r = await q.query<{ id: number }>(
        `INSERT INTO kit_notification (user_id, kind, title_zh, title_en, link, created_at, outbound, read_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
        [u, input.kind, input.title.zh.slice(0, 200), input.title.en.slice(0, 200), input.link ?? null, now, outbound,
          chosen.includes('inapp') ? null : now],
      );
      await q.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify({ u, id: Number(r.rows[0]!.id) })]);
      n++;
    }
    this.stats.created += n;
    return n;
  }

  /** Unread count of a user. */
  async unread(userId: string): Promise<number> {
    const r = await this.sc.db.query<{ n: number }>('SELECT count(*)::int AS n FROM kit_notification WHERE user_id = $1 AND read_at IS NULL', [userId]);
    return r.rows[0]!.n;
  }

  /** A user's notifications, newest first, before `before` (an id) when given. */
  async list(userId: string, opts: { limit: number; before?: number; unreadOnly?: boolean }): Promise<NotificationItem[]> {
    const r = await this.sc.db.query<Row>(
      `SELECT id, kind, title_zh, title_en, link, created_at, read_at FROM kit_notification
       WHERE user_id = $1 AND ($2::bigint IS NULL OR id < $2) AND (NOT $3 OR read_at IS NULL) ORDER BY id DESC LIMIT $4`,
      [userId, opts.before ?? null, opts.unreadOnly ?? false, opts.limit],
    );
    return r.rows.map(toItem);
  }

  /** Marks the given notifications (or all) of a user read; returns the new unread count. */
  async markRead(userId: string, ids: readonly number[] | 'all'): Promise<number> {
    const now = authService(this.sc).now();
    if (ids === 'all') await this.sc.db.query('UPDATE kit_notification SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL', [userId, now]);
    else await this.sc.db.query('UPDATE kit_notification SET read_at = $3 WHERE user_id = $1 AND id = ANY($2::bigint[]) AND read_at IS NULL', [userId, ids, now]);
    return this.unread(userId);
  }

  /** Sends what the outbox holds; each row is claimed by emptying its `outbound` (no double sends across nodes). */
  drainOutbox(): Promise<void> {
    this.#draining ??= this.#drain().finally(() => { this.#draining = null; });
    return this.#draining;
  }

  async #drain(): Promise<void> {
    try {
      for (;;) {
        const claimed = await this.sc.db.query<Row & { outbound: string[]; email: string | null; display_name: string }>(
          `UPDATE kit_notification n SET outbound = '{}' FROM (
             SELECT k.id, k.outbound AS was FROM kit_notification k WHERE k.outbound <> '{}' ORDER BY k.id LIMIT 20 FOR UPDATE SKIP LOCKED) c
           WHERE n.id = c.id
           RETURNING n.id, n.kind, n.title_zh, n.title_en, n.link, n.created_at, n.read_at, c.was AS outbound,
             (SELECT email FROM kit_notification_pref p WHERE p.user_id = n.user_id) AS email,
             (SELECT display_name FROM app_user a WHERE a.id = n.user_id) AS display_name`,
        );
        if (claimed.rows.length === 0) return;
        for (const row of claimed.rows) {
          const errors: string[] = [];
          for (const name of row.outbound) {
            const ch = this.channels.find((c) => c.name === name);
            if (!ch) continue;
            try {
              await ch.send({ id: Number(row.id), kind: row.kind, title: { zh: row.title_zh, en: row.title_en }, link: row.link, email: row.email, userName: row.display_name });
              this.stats.sent++;
            } catch (err) {
              this.stats.failed++;
              errors.push(`${name}: ${(err as Error).message}`.slice(0, 300));
              this.sc.log.warn({ err, notification: row.id, channel: name }, 'notification channel failed');
            }
          }
          if (errors.length > 0) await this.sc.db.query('UPDATE kit_notification SET outbound_error = $2 WHERE id = $1', [row.id, errors.join('; ')]);
        }
      }
    } catch (err) {
      this.sc.log.warn({ err }, 'notification outbox failed');
    }
  }

  async #onCommitted(payload: string): Promise<void> {
    const { u, id } = JSON.parse(payload) as { u: string; id: number };
    if (this.#listeners.size > 0) {
      const r = await this.sc.db.query<Row>('SELECT id, kind, title_zh, title_en, link, created_at, read_at FROM kit_notification WHERE id = $1', [id]);
      if (r.rows[0]) {
        const m: NotificationPush = { type: 'notification', unread: await this.unread(u), notification: toItem(r.rows[0]) };
        for (const fn of this.#listeners) fn(u, m);
        this.stats.pushed++;
      }
    }
    void this.drainOutbox();
  }
}

interface Row { id: number; kind: string; title_zh: string; title_en: string; link: string | null; created_at: Date; read_at: Date | null }

function toItem(r: Row): NotificationItem {
  return { id: Number(r.id), kind: r.kind, title: { zh: r.title_zh, en: r.title_en }, link: r.link, createdAt: r.created_at.toISOString(), read: r.read_at !== null };
}

const centres = new WeakMap<ServerContext, NotificationCenter>();

/** The notification centre of a server (created on first use). */
export function notificationCenter(sc: ServerContext): NotificationCenter {
  let c = centres.get(sc);
  if (!c) {
    c = new NotificationCenter(sc);
    centres.set(sc, c);
  }
  return c;
}

/** Raises a notification (see the file comment). Pass `tx` to commit it with the change it reports. */
export function notify(sc: ServerContext, input: NotifyInput, tx?: Queryable): Promise<number> {
  return notificationCenter(sc).notify(input, tx);
}

/**
 * Hears notifications committed for a user, for the stream hub to push to that user's sockets.
 * Returns an unsubscribe function.
 */
export function onNotification(sc: ServerContext, fn: (userId: string, m: NotificationPush) => void): () => void {
  return notificationCenter(sc).onPush(fn);
}
