/** HTTPS settings (Y3: encryption in transit): TWIN_TLS_CERT and TWIN_TLS_KEY name PEM files. */
import fs from 'node:fs';
import { ConfigError } from '../config.ts';

/** Certificate and key for https.createServer, or null for plain HTTP (e.g. behind a TLS proxy). */
export function tlsFromEnv(env: NodeJS.ProcessEnv = process.env): { cert: Buffer; key: Buffer } | null {
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
  return { cert: read('TWIN_TLS_CERT', certFile), key: read('TWIN_TLS_KEY', keyFile) };
}
