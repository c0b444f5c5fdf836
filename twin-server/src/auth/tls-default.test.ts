/**
 * Secure transport by default (issue 21): a server listening beyond loopback without a configured
 * certificate generates a self-signed one into its data folder and serves HTTPS (and WSS on the
 * same port), answering plain HTTP with a redirect; the certificate is reused on the next start;
 * loopback-only or TWIN_TLS=off serve plain HTTP. Checked with real TLS clients that verify the
 * chain against the generated certificate.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../config.ts';
import { startTestServer } from '../testing/server.ts';
import { healthModule } from '../modules/health.ts';
import { selfSignedPaths, tlsFor } from './tls.ts';
import { createLiveModule } from '../modules/live.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-tls-default-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A verifying TLS client: GET path, returns protocol, status line and headers. */
function tlsGet(port: number, ca: Buffer, p: string): Promise<{ protocol: string | null; head: string }> {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, rejectUnauthorized: true }, () => {
      sock.write(`GET ${p} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    });
    let buf = '';
    sock.on('data', (c: Buffer) => (buf += c.toString('utf8')));
    sock.on('end', () => resolve({ protocol: sock.getProtocol(), head: buf.split('\r\n\r\n')[0]! }));
    sock.on('error', reject);
  });
}

async function withEnv<T>(env: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const old = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(old)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
}

describe('secure transport by default', () => {
  const dataDir = path.join(root, 'data');

  it('beyond loopback without a certificate: generates one, serves HTTPS and WSS, redirects HTTP, reuses it on restart', async () => {
    const modules = () => [healthModule, createLiveModule({ mqtt: false, auth: () => ({ authenticateUpgrade: async () => null, can: () => false }) as never })];
    const s = await withEnv({ TWIN_TLS: undefined, TWIN_TLS_CERT: undefined, TWIN_TLS_KEY: undefined },
      () => startTestServer('pglite', { env: { HOST: '0.0.0.0', TWIN_DATA_DIR: dataDir }, modules: modules() }));
    let fingerprint: string;
    try {
      expect(s.url).toMatch(/^https:\/\/localhost:\d+$/);
      const files = selfSignedPaths(dataDir);
      expect(fs.statSync(files.key).mode & 0o777).toBe(0o600);
      const ca = fs.readFileSync(files.cert);
      const cert = new crypto.X509Certificate(ca);
      fingerprint = cert.fingerprint256;
      expect(cert.subjectAltName).toContain('DNS:localhost');
      expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
      // A verifying client trusts it once given the certificate; TLS 1.3 (HSTS comes with the auth module: tls.test.ts).
      const h = await tlsGet(s.port, ca, '/api/health');
      expect(h.protocol).toBe('TLSv1.3');
      expect(h.head).toMatch(/^HTTP\/1\.1 200/);
      // Without it, verification fails (self-signed), as a browser would warn.
      await expect(tlsGet(s.port, Buffer.from(''), '/api/health').catch((e: Error) => { throw new Error(e.message); })).rejects.toThrow(/self.signed|unable to verify|certificate/i);
      // Plain HTTP on the same port: a redirect to https, nothing else.
      const red = await new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port: s.port, path: '/api/health?ready=1', headers: { Host: `localhost:${s.port}` } }, (r) => {
          r.resume();
          resolve({ status: r.statusCode ?? 0, location: r.headers.location });
        }).on('error', reject);
      });
      expect(red).toEqual({ status: 308, location: `https://localhost:${s.port}/api/health?ready=1` });
      // WSS on the same port: the upgrade is answered over TLS (401: no credential).
      const ws = new WebSocket(`wss://localhost:${s.port}/ws`, { ca });
      const refused = await new Promise<number>((resolve, reject) => {
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => reject(new Error('opened without a credential')));
        ws.on('error', reject);
      });
      expect(refused).toBe(401);
    } finally {
      await s.stop();
    }
    const again = await withEnv({ TWIN_TLS: undefined }, () => startTestServer('pglite', { env: { HOST: '0.0.0.0', TWIN_DATA_DIR: dataDir }, modules: [healthModule] }));
    try {
      expect(new crypto.X509Certificate(fs.readFileSync(selfSignedPaths(dataDir).cert)).fingerprint256).toBe(fingerprint);
      expect((await tlsGet(again.port, fs.readFileSync(selfSignedPaths(dataDir).cert), '/api/health')).head).toMatch(/^HTTP\/1\.1 200/);
    } finally {
      await again.stop();
    }
  }, 120_000);

  it('serves plain HTTP on loopback (auto) or with TWIN_TLS=off; refuses bad settings', () => {
    const other = path.join(root, 'other');
    expect(tlsFor({ host: '127.0.0.1', dataDir: other, env: {}, warn: () => {} })).toBeNull();
    expect(tlsFor({ host: '0.0.0.0', dataDir: other, env: { TWIN_TLS: 'off' }, warn: () => {} })).toBeNull();
    expect(fs.existsSync(other)).toBe(false);
    const warned: string[] = [];
    expect(tlsFor({ host: '127.0.0.1', dataDir: other, env: { TWIN_TLS: 'on' }, warn: (m) => warned.push(m) })).not.toBeNull();
    expect(warned[0]).toMatch(/generated a self-signed one in .*tls-cert\.pem \(SHA-256 [0-9A-F:]{95}\)/);
    expect(() => tlsFor({ host: '0.0.0.0', dataDir: other, env: { TWIN_TLS: 'maybe' }, warn: () => {} })).toThrow(ConfigError);
    expect(() => tlsFor({ host: '0.0.0.0', dataDir: other, env: { TWIN_TLS: 'off', TWIN_TLS_CERT: selfSignedPaths(other).cert, TWIN_TLS_KEY: selfSignedPaths(other).key }, warn: () => {} })).toThrow(/contradicts/);
  });
});
