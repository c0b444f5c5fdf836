/**
 * A bare Chrome DevTools Protocol connection to one headless Chromium page, for long soaks.
 *
 * Playwright enables the `Network` domain on every page it drives, and with it Chromium keeps the
 * response bodies of the page's requests in a DevTools buffer (`NetworkResourcesData`) that grows
 * for as long as the page polls: over an hour that buffer alone is a measurable share of a heap
 * reading, and a wall with no DevTools attached has no such buffer. This client enables only what
 * it asks for (Runtime, Log, HeapProfiler, Emulation), so what it measures is the page itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { BROWSER_FLAGS, CHROMIUM_PATH } from './browser.ts';

type Json = Record<string, unknown>;
type Listener = (params: Json) => void;

/** One page target driven over CDP (flattened session on the browser connection). */
export interface CdpPage {
  /** Chromium's product string, e.g. "Chrome/142.0.0.0". */
  readonly version: string;
  /** Sends a command to the page session and resolves with its result (rejects on a protocol error). */
  send<T = Json>(method: string, params?: Json): Promise<T>;
  /** Subscribes to a page event; returns an unsubscribe function. */
  on(event: string, listener: Listener): () => void;
  /** Evaluates an expression in the page (promises awaited) and returns its JSON value. */
  evaluate<T>(expression: string): Promise<T>;
  /** Polls `expression` every `intervalMs` until it is truthy; rejects after `timeoutMs`. */
  waitFor(expression: string, timeoutMs: number, intervalMs?: number): Promise<void>;
  /** Console errors, uncaught exceptions and error log entries seen since the page opened. */
  readonly errors: string[];
  close(): Promise<void>;
}

/** Reads Chromium's "DevTools listening on ws://..." line from its stderr. */
function browserEndpoint(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`chromium did not print its DevTools endpoint within ${timeoutMs} ms:\n${text.slice(-2000)}`)), timeoutMs);
    const onData = (d: Buffer) => {
      text += d.toString();
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        child.stderr!.off('data', onData);
        child.stderr!.resume(); // keep draining, so a chatty browser never blocks on a full pipe
        resolve(m[1]!);
      }
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`chromium exited with ${code} before it was ready:\n${text.slice(-2000)}`));
    });
  });
}

/**
 * Launches Chromium (the project's standard flags plus `extraArgs`), opens a page of
 * `width` x `height` CSS pixels at `url`, and returns it once the document has loaded.
 */
export async function openCdpPage(url: string, opts: { width: number; height: number; extraArgs?: readonly string[] }): Promise<CdpPage> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-cdp-'));
  const child = spawn(CHROMIUM_PATH, [
    ...BROWSER_FLAGS, ...(opts.extraArgs ?? []),
    '--remote-debugging-port=0', `--user-data-dir=${profile}`, `--window-size=${opts.width},${opts.height}`, 'about:blank',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  const cleanup = () => fs.rmSync(profile, { recursive: true, force: true });
  let endpoint: string;
  try {
    endpoint = await browserEndpoint(child, 30_000);
  } catch (err) {
    child.kill('SIGKILL');
    cleanup();
    throw err;
  }
  const ws = new WebSocket(endpoint, { perMessageDeflate: false, maxPayload: 2 ** 31 - 1 });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let nextId = 1;
  const pending = new Map<number, { resolve(v: Json): void; reject(e: Error): void; method: string }>();
  const listeners = new Map<string, Set<Listener>>();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { id?: number; result?: Json; error?: { message: string }; method?: string; params?: Json; sessionId?: string };
    if (msg.id !== undefined) {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
      else p.resolve(msg.result ?? {});
    } else if (msg.method) {
      for (const l of listeners.get(`${msg.sessionId ?? ''}|${msg.method}`) ?? []) l(msg.params ?? {});
    }
  });
  ws.on('close', () => {
    for (const p of pending.values()) p.reject(new Error(`${p.method}: the DevTools connection closed`));
    pending.clear();
  });
  const call = <T>(method: string, params: Json = {}, sessionId?: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: Json) => void, reject, method });
      ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  const listen = (sessionId: string, event: string, l: Listener) => {
    const key = `${sessionId}|${event}`;
    const set = listeners.get(key) ?? new Set();
    set.add(l);
    listeners.set(key, set);
    return () => set.delete(l);
  };

  const { product } = await call<{ product: string }>('Browser.getVersion');
  // The tab Chromium opened on about:blank (no second renderer beside it for the whole soak).
  const { targetInfos } = await call<{ targetInfos: { targetId: string; type: string }[] }>('Target.getTargets');
  const first = targetInfos.find((t) => t.type === 'page');
  const targetId = first ? first.targetId : (await call<{ targetId: string }>('Target.createTarget', { url: 'about:blank' })).targetId;
  const { sessionId } = await call<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
  const send = <T>(method: string, params?: Json) => call<T>(method, params, sessionId);
  const errors: string[] = [];
  const describe = (args: { type: string; value?: unknown; description?: string }[] | undefined) =>
    (args ?? []).map((a) => a.description ?? (typeof a.value === 'string' ? a.value : JSON.stringify(a.value ?? a.type))).join(' ');
  listen(sessionId, 'Runtime.consoleAPICalled', (p) => {
    if (p.type === 'error' || p.type === 'assert') errors.push(describe(p.args as never));
  });
  listen(sessionId, 'Runtime.exceptionThrown', (p) => {
    const d = p.exceptionDetails as { text: string; exception?: { description?: string } };
    errors.push(`pageerror: ${d.exception?.description ?? d.text}`);
  });
  listen(sessionId, 'Log.entryAdded', (p) => {
    const e = p.entry as { level: string; text: string; url?: string };
    if (e.level === 'error') errors.push(`${e.text}${e.url ? ` (${e.url})` : ''}`);
  });
  await send('Runtime.enable');
  await send('Log.enable');
  await send('Page.enable'); // only for the load event below
  await send('Emulation.setDeviceMetricsOverride', { width: opts.width, height: opts.height, deviceScaleFactor: 1, mobile: false });
  const loaded = new Promise<void>((resolve) => {
    const off = listen(sessionId, 'Page.loadEventFired', () => {
      off();
      resolve();
    });
  });
  const nav = await send<{ errorText?: string }>('Page.navigate', { url });
  if (nav.errorText) throw new Error(`navigating to ${url}: ${nav.errorText}`);
  await loaded;
  await send('Page.disable');

  const evaluate = async <T>(expression: string): Promise<T> => {
    const r = await send<{ result: { value?: T }; exceptionDetails?: { text: string; exception?: { description?: string } } }>('Runtime.evaluate', {
      expression, awaitPromise: true, returnByValue: true,
    });
    if (r.exceptionDetails) throw new Error(`evaluate: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  };
  return {
    version: product,
    send,
    on: (event, l) => listen(sessionId, event, l),
    evaluate,
    async waitFor(expression, timeoutMs, intervalMs = 500) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        if (await evaluate<boolean>(`Boolean(${expression})`)) return;
        if (Date.now() >= end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${expression}`);
        await new Promise((r) => setTimeout(r, Math.min(intervalMs, Math.max(0, end - Date.now()))));
      }
    },
    errors,
    async close() {
      await call('Browser.close').catch(() => undefined);
      ws.close();
      if (child.exitCode === null) {
        await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => setTimeout(r, 5_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      cleanup();
    },
  };
}
