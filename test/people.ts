/**
 * People for browser journeys: a user with roles is created in the test database, signed in through
 * the real login route, and given a browser context carrying that session (phone-sized viewports
 * get touch and the mobile flag). Every failed API answer is recorded by address, so a console
 * error can be traced to its route.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { collectProblems } from './browser.ts';
import type { SceneServer } from './scene-harness.ts';
import { hashPassword } from '../twin-server/src/auth/password.ts';

export interface Person {
  readonly id: string;
  readonly name: string;
  readonly username: string;
  readonly password: string;
  readonly context: BrowserContext;
  readonly page: Page;
  readonly problems: ReturnType<typeof collectProblems>;
  /** `status METHOD /path` of every answer >= 400 the page received. */
  readonly failed: string[];
}

export interface PersonOptions {
  readonly viewport: { width: number; height: number };
  /** The enterprise an enterprise user belongs to. */
  readonly enterprise?: number | null;
  /** The browser's time zone (a park's local times shown in the page). */
  readonly timezoneId?: string;
}

/** Creates and signs in a user with `roles` named `name`, with a browser context of its own. */
export async function signedInPerson(s: SceneServer, browser: Browser, roles: string[], name: string, opts: PersonOptions): Promise<Person> {
  const username = `u-${randomBytes(3).toString('hex')}`;
  const password = `Pw-${randomBytes(6).toString('hex')}-X1`;
  const r = await s.testDb.db.query<{ id: string }>(
    `INSERT INTO app_user (username, display_name, password_hash, roles, enterprise_idx, must_change_password, password_changed_at, created_at)
     VALUES ($1, $2, $3, $4, $5, false, now(), now()) RETURNING id`, [username, name, await hashPassword(password), roles, opts.enterprise ?? null]);
  const res = await fetch(`${s.server.url}/api/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Origin: s.server.url }, body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`login of ${username} failed: ${res.status} ${await res.text()}`);
  const host = new URL(s.server.url).hostname;
  const phone = opts.viewport.width < 500;
  const context = await browser.newContext({
    viewport: opts.viewport, deviceScaleFactor: 1, ...(opts.timezoneId ? { timezoneId: opts.timezoneId } : {}), ...(phone ? { isMobile: true, hasTouch: true } : {}),
  });
  await context.addCookies(res.headers.getSetCookie().map((c) => {
    const pair = c.split(';')[0]!;
    const eq = pair.indexOf('=');
    return { name: pair.slice(0, eq), value: decodeURIComponent(pair.slice(eq + 1)), domain: host, path: '/' };
  }));
  const page = await context.newPage();
  const failed: string[] = [];
  page.on('response', (answer) => {
    if (answer.status() >= 400) failed.push(`${answer.status()} ${answer.request().method()} ${new URL(answer.url()).pathname}`);
  });
  return { id: r.rows[0]!.id, name, username, password, context, page, problems: collectProblems(page), failed };
}
