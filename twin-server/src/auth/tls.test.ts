import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
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

  it('offers only forward-secret AEAD suites: no static RSA key exchange, no CBC, no TLS 1.1', async () => {
    const { port } = new URL(s.server.url);
    /** Tries a handshake limited to the given suites / versions; resolves the negotiated suite or the error. */
    const hello = (opts: tls.ConnectionOptions) => new Promise<string>((resolve) => {
      const sock = tls.connect({ host: '127.0.0.1', port: Number(port), ca, ...opts }, () => {
        const c = sock.getCipher();
        sock.end();
        resolve(`${sock.getProtocol()} ${c.standardName}`);
      });
      sock.once('error', (e) => resolve(`refused: ${(e as Error).message.slice(0, 60)}`));
    });
    const tls12 = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } as const;
    for (const weak of ['AES128-SHA', 'AES128-GCM-SHA256', 'AES256-SHA256', 'ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA384']) {
      expect(await hello({ ...tls12, ciphers: weak }), weak).toMatch(/^refused/);
    }
    expect(await hello({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' })).toMatch(/^refused/);
    expect(await hello({ ...tls12, ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' })).toBe('TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
    expect(await hello({ ...tls12, ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305' })).toBe('TLSv1.2 TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256');
    expect(await hello({})).toMatch(/^TLSv1\.3 TLS_AES_(128|256)_GCM_SHA(256|384)$/);
  });

  it('requires certificate and key together, and readable', () => {
    expect(tlsFromEnv({})).toBeNull();
    expect(() => tlsFromEnv({ TWIN_TLS_CERT: '/x.pem' })).toThrow(ConfigError);
    expect(() => tlsFromEnv({ TWIN_TLS_CERT: '/nonexistent.pem', TWIN_TLS_KEY: '/nonexistent.key' })).toThrow(/nonexistent/);
  });
});
