import { loadConfig } from '../config.ts';
import { openDb, migrate } from '../db/index.ts';
import type { Command } from './commands.ts';

/** `twin migrate`: apply pending migrations and print the level. */
export const migrateCommand: Command = {
  summary: 'apply pending database migrations',
  usage: 'twin migrate',
  async run() {
    const config = loadConfig();
    const db = await openDb(config.db);
    try {
      const s = await migrate(db, { onApply: (m) => console.log(`applied ${m.version}_${m.name}`) });
      console.log(`migration level ${s.level} (${db.backend})`);
    } finally {
      await db.close();
    }
  },
};
