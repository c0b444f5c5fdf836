import type { Config } from './config.ts';
import type { Db } from './db/index.ts';
import type { Logger } from './log.ts';

/** What every server module receives at initialize: settings, the database and a logger. */
export interface ServerContext {
  readonly config: Config;
  readonly db: Db;
  readonly log: Logger;
}
