import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { describeEachBackend } from '../db/testing.ts';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { healthModule } from '../modules/health.ts';
import type { TwinModule } from '../modules/types.ts';
import type { ErrorBody } from './errors.ts';

const errorOf = async (r: Response) => ((await r.json()) as ErrorBody).error;

// A probe module exercising the app's shared behaviour: body validation, user errors and crashes.
const probe: TwinModule = {
  name: 'probe',
  routes: () => [
    {
      method: 'POST', path: '/api/probe/echo', permission: 'public', summary: 'echo',
      body: z.object({ name: z.string().min(1) }).strict(),
      handler(ctx) {
        ctx.body = { got: (ctx.request.body as { name: string }).name };
      },
    },
    {
      method: 'GET', path: '/api/probe/crash', permission: 'public', summary: 'crash',
      handler() {
        throw new Error('secret internal detail');
      },
    },
    {
      method: 'GET', path: '/api/probe/private', permission: 'park:read', summary: 'needs a login',
      handler(ctx) {
        ctx.body = { leaked: true };
      },
    },
  ],
};

describeEachBackend('http app', ({ backend }) => {
  let s: TestServer;
  // A built client with an SPA entry, so the fallback to index.html is exercised.
  const clientDir = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-client-'));
  fs.writeFileSync(path.join(clientDir, 'index.html'), '<!doctype html><title>spa</title>');
  beforeAll(async () => {
    s = await startTestServer(backend, { modules: [healthModule, probe], clientDir });
  });
  afterAll(async () => {
    await s?.stop();
    fs.rmSync(clientDir, { recursive: true, force: true });
  });

  it('serves /api/health to anonymous callers as liveness only (details need system:read: auth/hardening.test.ts)', async () => {
    const r = await fetch(`${s.url}/api/health`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'ok' });
    expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('echoes a well-formed request id and rejects junk ones', async () => {
    const ok = await fetch(`${s.url}/api/health`, { headers: { 'X-Request-Id': 'abc123-DEF.456' } });
    expect(ok.headers.get('x-request-id')).toBe('abc123-DEF.456');
    const junk = await fetch(`${s.url}/api/health`, { headers: { 'X-Request-Id': '<script>' } });
    expect(junk.headers.get('x-request-id')).not.toBe('<script>');
  });

  it('returns JSON errors for unknown routes, bad JSON, invalid bodies and oversized bodies', async () => {
    for (const p of ['/api/nope', '/api/nope/deeper', '/tiles/nope']) {
      const nf = await fetch(`${s.url}${p}`);
      expect(nf.status).toBe(404);
      expect((await errorOf(nf)).message).toContain(`no route for GET ${p}`);
    }

    const post = (body: string) =>
      fetch(`${s.url}/api/probe/echo`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    const bad = await post('{"name":');
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toMatch(/not valid JSON/);

    const invalid = await post(JSON.stringify({ name: '', extra: 1 }));
    expect(invalid.status).toBe(400);
    const ib = await errorOf(invalid);
    expect((ib.issues ?? []).map((i) => i.path)).toEqual(expect.arrayContaining(['name']));

    const big = await post(JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }));
    expect(big.status).toBe(413);

    const good = await post(JSON.stringify({ name: 'ok' }));
    expect(await good.json()).toEqual({ got: 'ok' });
  });

  it('serves the client app for view routes (SPA fallback) but not for API paths', async () => {
    const view = await fetch(`${s.url}/invest/some/deep/link`);
    expect(view.status).toBe(200);
    expect(await view.text()).toContain('<title>spa</title>');
    const escape = await fetch(`${s.url}/..%2f..%2fetc/passwd`);
    expect(await escape.text()).not.toContain('root:');
  });

  it('hides internal error details from the client', async () => {
    const r = await fetch(`${s.url}/api/probe/crash`);
    expect(r.status).toBe(500);
    const text = await r.text();
    expect(text).toContain('internal error');
    expect(text).not.toContain('secret internal detail');
  });

  it('refuses a permissioned route without a principal (fail closed)', async () => {
    const r = await fetch(`${s.url}/api/probe/private`);
    expect(r.status).toBe(401);
    expect(await r.text()).not.toContain('leaked');
  });

  it('lists every mounted route with its permission', () => {
    expect(s.routes.map((r) => `${r.method} ${r.path} ${r.permission}`)).toEqual(
      expect.arrayContaining(['GET /api/health public', 'GET /api/probe/private park:read']),
    );
  });
});
