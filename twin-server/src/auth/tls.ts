/** HTTPS settings (Y3: encryption in transit): TWIN_TLS_CERT and TWIN_TLS_KEY name PEM files. */
import fs from 'node:fs';
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
