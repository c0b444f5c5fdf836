/**
 * HTTPS settings (Y3: encryption in transit): TWIN_TLS_CERT and TWIN_TLS_KEY name PEM files;
 * without them the server generates a self-signed certificate unless it listens on loopback only
 * or TWIN_TLS=off (tlsFor).
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type https from 'node:https';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../config.ts';

/**
 * Cipher suites offered: TLS 1.3's three AEAD suites, and for TLS 1.2 only ECDHE key exchange
 * (forward secrecy) with AEAD ciphers (GCM, ChaCha20-Poly1305): no static-RSA key exchange, no
 * CBC, no SHA-1 MACs. The Mozilla "intermediate" profile minus DHE.
 */
export const TLS_CIPHERS = [
  'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** Server TLS options: certificate, key, TLS 1.2 minimum and the modern cipher list above. */
export interface TlsOptions {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly minVersion: 'TLSv1.2';
  readonly ciphers: string;
  readonly honorCipherOrder: true;
}

/** Certificate and key for https.createServer, or null for plain HTTP (e.g. behind a TLS proxy). */
export function tlsFromEnv(env: NodeJS.ProcessEnv = process.env): TlsOptions | null {
  const certFile = env.TWIN_TLS_CERT?.trim();
  const keyFile = env.TWIN_TLS_KEY?.trim();
  if (!certFile && !keyFile) return null;
  if (!certFile || !keyFile) throw new ConfigError(['TWIN_TLS_CERT and TWIN_TLS_KEY must be set together']);
  const read = (name: string, file: string) => {
    try {
      return fs.readFileSync(file);
    } catch (e) {
      throw new ConfigError([`${name}=${JSON.stringify(file)}: ${(e as Error).message}`]);
    }
  };
  return { cert: read('TWIN_TLS_CERT', certFile), key: read('TWIN_TLS_KEY', keyFile), minVersion: 'TLSv1.2', ciphers: TLS_CIPHERS, honorCipherOrder: true };
}

/** What TWIN_TLS asks for: `auto` (default), `on` (HTTPS, self-signed if no certificate), `off` (plain HTTP). */
export type TlsMode = 'auto' | 'on' | 'off';

/** True for hosts that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** The self-signed certificate's files in the data folder. */
export function selfSignedPaths(dataDir: string): { cert: string; key: string } {
  return { cert: path.join(dataDir, 'tls-cert.pem'), key: path.join(dataDir, 'tls-key.pem') };
}

/**
 * Generates (once) a self-signed ECDSA P-256 certificate into `<dataDir>/tls-cert.pem` and
 * `tls-key.pem` (0600), valid 825 days for localhost, this host's name and its addresses, with
 * the `openssl` of the system (Debian's package; Node cannot write X.509 itself). Reused while it
 * is valid for at least 30 more days; regenerated otherwise.
 */
export function ensureSelfSigned(dataDir: string, warn: (msg: string) => void): { cert: Buffer; key: Buffer; generated: boolean } {
  const files = selfSignedPaths(dataDir);
  if (fs.existsSync(files.cert) && fs.existsSync(files.key)) {
    const cert = fs.readFileSync(files.cert);
    try {
      const valid = new Date(new X509Certificate(cert).validTo).getTime();
      if (valid - Date.now() > 30 * 86_400_000) return { cert, key: fs.readFileSync(files.key), generated: false };
    } catch { /* unreadable: generate anew */ }
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const ips = new Set(['127.0.0.1', '::1']);
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) if (!a.internal || a.address) ips.add(a.address.split('%')[0]!);
  const names = new Set(['localhost', os.hostname()]);
  const san = [...[...names].map((n) => `DNS:${n}`), ...[...ips].map((ip) => `IP:${ip}`)].join(',');
  const tmpKey = `${files.key}.partial-${process.pid}`;
  const tmpCert = `${files.cert}.partial-${process.pid}`;
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-sha256', '-days', '825',
      '-subj', `/O=Park Twin/CN=${os.hostname().slice(0, 60)}`, '-addext', `subjectAltName=${san}`, '-addext', 'extendedKeyUsage=serverAuth',
      '-keyout', tmpKey, '-out', tmpCert], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    fs.rmSync(tmpKey, { force: true });
    fs.rmSync(tmpCert, { force: true });
    throw new ConfigError([`TWIN_TLS: no certificate configured and openssl could not generate a self-signed one (${(e as Error).message.split('\n')[0]}); install openssl, set TWIN_TLS_CERT/TWIN_TLS_KEY, or TWIN_TLS=off behind a TLS proxy`]);
  }
  fs.chmodSync(tmpKey, 0o600);
  fs.renameSync(tmpKey, files.key);
  fs.renameSync(tmpCert, files.cert);
  const fingerprint = new X509Certificate(fs.readFileSync(files.cert)).fingerprint256;
  warn(`no TLS certificate configured (TWIN_TLS_CERT/TWIN_TLS_KEY): generated a self-signed one in ${files.cert} (SHA-256 ${fingerprint}). Browsers will warn until you install a certificate from your CA; check this fingerprint when they do`);
  return { cert: fs.readFileSync(files.cert), key: fs.readFileSync(files.key), generated: true };
}

/**
 * The server's TLS decision (secure transport by default, Y3):
 * - TWIN_TLS_CERT/TWIN_TLS_KEY set: HTTPS with them (TWIN_TLS=off then is a contradiction, refused);
 * - TWIN_TLS=off: plain HTTP (local development, or behind a TLS-terminating proxy);
 * - TWIN_TLS=on, or `auto` (default) when HOST is not a loopback address: HTTPS with a self-signed
 *   certificate generated into the data folder on first start (with a warning naming its fingerprint);
 * - `auto` on a loopback HOST (127.0.0.1, localhost): plain HTTP, nobody else can listen in.
 * With HTTPS, plain HTTP requests on the same port are answered with a redirect to https://.
 */
export function tlsFor(opts: { host: string; dataDir: string; env?: NodeJS.ProcessEnv; warn: (msg: string) => void }): TlsOptions | null {
  const env = opts.env ?? process.env;
  const mode = (env.TWIN_TLS?.trim().toLowerCase() || 'auto') as TlsMode;
  if (!['auto', 'on', 'off'].includes(mode)) throw new ConfigError([`TWIN_TLS=${JSON.stringify(env.TWIN_TLS)}: expected auto, on or off`]);
  const configured = tlsFromEnv(env);
  if (configured) {
    if (mode === 'off') throw new ConfigError(['TWIN_TLS=off contradicts TWIN_TLS_CERT/TWIN_TLS_KEY: unset one of them']);
    return configured;
  }
  if (mode === 'off' || (mode === 'auto' && isLoopbackHost(opts.host))) return null;
  if (opts.dataDir.startsWith('memory:')) throw new ConfigError(['TWIN_TLS: a self-signed certificate needs a data folder (TWIN_DATA_DIR)']);
  const { cert, key } = ensureSelfSigned(opts.dataDir, opts.warn);
  return { cert, key, minVersion: 'TLSv1.2', ciphers: TLS_CIPHERS, honorCipherOrder: true };
}

/**
 * Lets an HTTPS server answer plain HTTP on its own port with a redirect to https:// (308, same
 * host and path), so `http://host:8080` typed by hand still lands on the secure site. The first
 * byte of each connection tells them apart (a TLS handshake starts with 0x16); only the redirect
 * is ever served over plain HTTP.
 */
export function redirectPlainHttp(server: https.Server): void {
  const tlsListeners = server.listeners('connection') as ((s: net.Socket) => void)[];
  server.removeAllListeners('connection');
  const plain = http.createServer((req, res) => {
    const hostHeader = String(req.headers.host ?? '');
    const host = /^[A-Za-z0-9.\-:[\]]{1,255}$/.test(hostHeader) ? hostHeader : 'localhost';
    const target = `https://${host}${(req.url ?? '/').startsWith('/') ? req.url : '/'}`;
    res.writeHead(308, { Location: target, 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
    res.end(`This server speaks HTTPS only: ${target}\n`);
  });
  plain.headersTimeout = 10_000;
  plain.requestTimeout = 10_000;
  server.on('connection', (socket: net.Socket) => {
    // A connection that sends nothing is dropped after 20 s; the timeout ends with the first byte.
    socket.setTimeout(20_000, () => socket.destroy());
    socket.once('data', (chunk: Buffer) => {
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(chunk);
      if (chunk[0] === 0x16) for (const l of tlsListeners) l.call(server, socket);
      else plain.emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
  });
}
