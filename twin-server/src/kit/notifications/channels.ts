/**
 * Outbound notification channels. A channel is a name and a `send`; the service picks the ones a
 * user's preferences name for a notification kind. Built in: email over SMTP (nodemailer) and a
 * webhook for group robots in the WeCom / DingTalk style (markdown message). Both are configured
 * by the operator (TWIN_SMTP_URL, TWIN_NOTIFY_WEBHOOK_URL); unset, the channel does not exist.
 */
import nodemailer from 'nodemailer';
import { z } from 'zod';

/** What a channel is asked to deliver. */
export interface Outgoing {
  readonly id: number;
  readonly kind: string;
  readonly title: { readonly zh: string; readonly en: string };
  readonly link: string | null;
  /** The recipient's address from their preferences (email channel), when they set one. */
  readonly email: string | null;
  readonly userName: string;
}

/** A pluggable outbound channel. */
export interface OutboundChannel {
  /** Name used in preferences, e.g. `email`, `webhook`. */
  readonly name: string;
  /** Delivers one notification; throws on failure (the outbox keeps the error). */
  send(n: Outgoing): Promise<void>;
  close?(): void;
}

/** Email over SMTP. `url` like `smtp://user:pass@host:587`; `from` the sender address. */
export function smtpChannel(url: string, from: string, publicUrl?: string): OutboundChannel {
  const transport = nodemailer.createTransport(url);
  return {
    name: 'email',
    async send(n) {
      if (!n.email) throw new Error('no email address in the recipient\'s preferences');
      const link = n.link && publicUrl ? `${publicUrl.replace(/\/$/, '')}${n.link}` : n.link;
      await transport.sendMail({
        from, to: n.email,
        subject: `${n.title.zh} / ${n.title.en}`,
        text: `${n.title.zh}\n${n.title.en}${link ? `\n\n${link}` : ''}\n`,
      });
    },
    close: () => transport.close(),
  };
}

/** The robot dialects the webhook channel speaks. */
export type WebhookStyle = 'wecom' | 'dingtalk';

/** The JSON body a group robot expects for one notification. */
export function webhookBody(style: WebhookStyle, n: Outgoing): unknown {
  const text = `**${n.title.zh}**\n${n.title.en}${n.link ? `\n${n.link}` : ''}\n> ${n.userName}`;
  return style === 'dingtalk'
    ? { msgtype: 'markdown', markdown: { title: n.title.zh, text } }
    : { msgtype: 'markdown', markdown: { content: text } };
}

/** Posts to a group robot's webhook URL (10 s timeout; non-2xx or errcode != 0 is a failure). */
export function webhookChannel(url: string, style: WebhookStyle = 'wecom'): OutboundChannel {
  return {
    name: 'webhook',
    async send(n) {
      const res = await fetch(url, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(webhookBody(style, n)), signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`webhook answered ${res.status}`);
      const parsed = z.object({ errcode: z.number().optional() }).safeParse(safeJson(text));
      if (parsed.success && parsed.data.errcode !== undefined && parsed.data.errcode !== 0) throw new Error(`webhook errcode ${parsed.data.errcode}`);
    },
  };
}

function safeJson(t: string): unknown {
  try {
    return JSON.parse(t);
  } catch {
    return null;
  }
}

/** Channels from the environment: TWIN_SMTP_URL + TWIN_SMTP_FROM, TWIN_NOTIFY_WEBHOOK_URL (+ _STYLE). */
export function channelsFromEnv(env: NodeJS.ProcessEnv = process.env): OutboundChannel[] {
  const out: OutboundChannel[] = [];
  if (env.TWIN_SMTP_URL) out.push(smtpChannel(env.TWIN_SMTP_URL, env.TWIN_SMTP_FROM ?? 'park-twin@localhost', env.TWIN_PUBLIC_URL));
  if (env.TWIN_NOTIFY_WEBHOOK_URL) out.push(webhookChannel(env.TWIN_NOTIFY_WEBHOOK_URL, env.TWIN_NOTIFY_WEBHOOK_STYLE === 'dingtalk' ? 'dingtalk' : 'wecom'));
  return out;
}
