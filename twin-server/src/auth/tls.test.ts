import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../config.ts';
import { tlsFromEnv } from './tls.ts';
import { startAuthServer, TEST_ADMIN_PASSWORD, type AuthTestServer } from './testing.ts';

function request(url: string, ca: Buffer, method = 'GET', body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ca, headers: body ? { 'Content-Type': 'application/json' } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('HTTPS when a certificate is configured', () => {
  let s: AuthTestServer;
  let ca: Buffer;
  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-tls-'));
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    ca = fs.readFileSync(cert);
    process.env.TWIN_TLS_CERT = cert;
    process.env.TWIN_TLS_KEY = key;
    try {
      s = await startAuthServer('pglite');
    } finally {
      delete process.env.TWIN_TLS_CERT;
      delete process.env.TWIN_TLS_KEY;
    }
  }, 120_000);
  afterAll(async () => {
    await s?.server.stop();
  });

  it('serves HTTPS with HSTS and marks the session cookie Secure', async () => {
    expect(s.server.url).toMatch(/^https:\/\//);
    const base = s.server.url.replace('localhost', '127.0.0.1');
    const h = await request(`${base}/api/health`, ca);
    expect(h.status).toBe(200);
    expect(h.headers['strict-transport-security']).toMatch(/max-age=\d{7,}/);
    const login = await request(`${base}/api/auth/login`, ca, 'POST', JSON.stringify({ username: 'auditor', password: TEST_ADMIN_PASSWORD }));
    expect(login.status).toBe(200);
    const cookie = (login.headers['set-cookie'] as string[]).find((c) => c.startsWith('twin_session='))!;
    expect(cookie).toMatch(/;\s*secure/i);
    expect(cookie).toMatch(/httponly/i);
  });

  it('requires certificate and key together, and readable', () => {
    expect(tlsFromEnv({})).toBeNull();
    expect(() => tlsFromEnv({ TWIN_TLS_CERT: '/x.pem' })).toThrow(ConfigError);
    expect(() => tlsFromEnv({ TWIN_TLS_CERT: '/nonexistent.pem', TWIN_TLS_KEY: '/nonexistent.key' })).toThrow(/nonexistent/);
  });
});
