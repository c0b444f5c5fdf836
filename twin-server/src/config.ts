/**
 * All settings come from the environment, are validated once at start, and have defaults that
 * run the embedded mode (PGlite + in-process aedes + simulator) with nothing else installed.
 */
import path from 'node:path';
import { z } from 'zod';

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'], {
    error: 'expected one of 1/0, true/false, yes/no, on/off',
  })
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const port = z.coerce
  .number({ error: 'expected a port number' })
  .int('expected a whole number')
  .min(0, 'ports are 0-65535')
  .max(65535, 'ports are 0-65535');

const urlWithScheme = (schemes: string[]) =>
  z.string().refine(
    (v) => {
      try {
        // A multi-host list (postgres://u@h1:5432,h2:5432/db, failover) is checked on its first host.
        return schemes.includes(new URL(v.replace(/^([a-z]+:\/\/(?:[^@/]*@)?[^/,?]+)(?:,[^/,?]+)+/, '$1')).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    { message: `expected a URL starting with ${schemes.map((s) => `${s}://`).join(' or ')}` },
  );

const envSchema = z.object({
  PORT: port.default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  TWIN_DATA_DIR: z.string().min(1).default('./.twin-data'),
  DATABASE_URL: urlWithScheme(['postgres', 'postgresql']).optional(),
  MQTT_URL: urlWithScheme(['mqtt', 'mqtts', 'tcp', 'ws', 'wss']).optional(),
  /** Port of the in-process aedes broker when MQTT_URL is not set (1883 is usually taken by mosquitto). */
  TWIN_MQTT_PORT: port.default(18830),
  /** Address the embedded broker listens on (default loopback only; devices elsewhere need 0.0.0.0 and identity on). */
  TWIN_MQTT_HOST: z.string().min(1).default('127.0.0.1'),
  /** MQTT over TLS on the embedded broker on this port (certificate: TWIN_TLS_CERT/KEY or the generated one); unset: off. */
  TWIN_MQTTS_PORT: port.optional(),
  /** Device identity on the embedded broker: auto (on unless it listens on loopback only), on, off. */
  TWIN_MQTT_AUTH: z.enum(['auto', 'on', 'off'], { error: 'expected auto, on or off' }).default('auto'),
  TWIN_SIMULATOR: bool.optional(),
  TWIN_TILESET_DIR: z.string().min(1).default('./tilesets'),
  TWIN_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TWIN_SEED: z.coerce.number().int().min(0).default(20261125),
  TWIN_SCALE: z.coerce.number().min(0.05, 'scale must be at least 0.05').max(100, 'scale must be at most 100').default(1),
  TWIN_SEED_ON_START: bool.default(true),
  /** Comma list of module names to run (core modules always run); `none` keeps only the core; unset: all. */
  TWIN_MODULES: z
    .string()
    .transform((v) => v.split(',').map((x) => x.trim()).filter((x) => x !== ''))
    .refine((names) => names.every((n) => /^[a-z][a-z0-9-]{0,39}$/.test(n)), {
      message: 'expected a comma list of module names (a-z, 0-9 and -), or none',
    })
    .optional(),
  /** Folder of the scheduled backups (default: `<data dir>-backups`, beside the data folder, never inside it). */
  TWIN_BACKUP_DIR: z.string().min(1).optional(),
  /** Hours between scheduled backups of a running server; 0 turns them off. */
  TWIN_BACKUP_INTERVAL_HOURS: z.coerce.number({ error: 'expected a number of hours' }).min(0, 'hours cannot be negative').max(24 * 31, 'at most 744 hours').default(24),
  /** Scheduled archives kept (older ones are deleted after a successful backup). */
  TWIN_BACKUP_KEEP: z.coerce.number({ error: 'expected a whole number' }).int('expected a whole number').min(1, 'keep at least 1').max(1000, 'at most 1000').default(7),
});

export type DbConfig =
  | { readonly backend: 'pglite'; readonly dataDir: string }
  | { readonly backend: 'postgres'; readonly url: string };

/** The validated, typed settings of one twin-server process. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly db: DbConfig;
  /** Broker URL, or undefined to run the embedded aedes broker on `embeddedMqttPort`. */
  readonly mqttUrl: string | undefined;
  readonly embeddedMqttPort: number;
  /** Embedded broker: listen address and whether clients must present issued credentials (ingest/identity.ts). */
  readonly embeddedMqttHost?: string;
  readonly mqttAuth?: boolean;
  /** Embedded broker: MQTT over TLS on this port as well (TWIN_MQTTS_PORT). */
  readonly embeddedMqttTlsPort?: number;
  readonly simulator: boolean;
  readonly tilesetDir: string;
  readonly logLevel: z.infer<typeof envSchema>['TWIN_LOG_LEVEL'];
  readonly seed: number;
  readonly scale: number;
  readonly seedOnStart: boolean;
  /**
   * The modules TWIN_MODULES asks for (core modules run whatever it says), or null for all.
   * Names are checked against the registered modules at start (modules/index.ts, selectModules).
   */
  readonly modules: readonly string[] | null;
  /** Scheduled backups (backup/schedule.ts): folder, hours between runs (0 = off), archives kept. */
  readonly backup?: { readonly dir: string | undefined; readonly intervalHours: number; readonly keep: number };
}

/** A configuration problem, with one line per offending variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates the settings. Empty strings count as unset, so `PORT= npm start` behaves
 * like no PORT at all instead of failing.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const cleaned = Object.fromEntries(
    Object.keys(envSchema.shape).flatMap((k) => {
      const v = env[k];
      return v === undefined || v.trim() === '' ? [] : [[k, v.trim()]];
    }),
  );
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const key = String(i.path[0] ?? '?');
        const shown = key === 'DATABASE_URL' || key === 'MQTT_URL' ? '(hidden)' : JSON.stringify(cleaned[key]);
        return `${key}=${shown}: ${i.message}`;
      }),
    );
  }
  const e = parsed.data;
  const embedded = !e.DATABASE_URL && !e.MQTT_URL;
  return {
    port: e.PORT,
    host: e.HOST,
    db: e.DATABASE_URL
      ? { backend: 'postgres', url: e.DATABASE_URL }
      : { backend: 'pglite', dataDir: path.resolve(cwd, e.TWIN_DATA_DIR) },
    mqttUrl: e.MQTT_URL,
    embeddedMqttPort: e.TWIN_MQTT_PORT,
    embeddedMqttHost: e.TWIN_MQTT_HOST,
    ...(e.TWIN_MQTTS_PORT !== undefined ? { embeddedMqttTlsPort: e.TWIN_MQTTS_PORT } : {}),
    mqttAuth: e.TWIN_MQTT_AUTH === 'on' || (e.TWIN_MQTT_AUTH === 'auto' && !/^(127\.|localhost$|::1$)/.test(e.TWIN_MQTT_HOST)),
    simulator: e.TWIN_SIMULATOR ?? embedded,
    tilesetDir: path.resolve(cwd, e.TWIN_TILESET_DIR),
    logLevel: e.TWIN_LOG_LEVEL,
    seed: e.TWIN_SEED,
    scale: e.TWIN_SCALE,
    seedOnStart: e.TWIN_SEED_ON_START,
    modules: e.TWIN_MODULES === undefined ? null : e.TWIN_MODULES.filter((n) => n !== 'none'),
    backup: { dir: e.TWIN_BACKUP_DIR ? path.resolve(cwd, e.TWIN_BACKUP_DIR) : undefined, intervalHours: e.TWIN_BACKUP_INTERVAL_HOURS, keep: e.TWIN_BACKUP_KEEP },
  };
}
