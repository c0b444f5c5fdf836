import { loadConfig } from '../config.ts';
import { openDb, migrate } from '../db/index.ts';
import { allModules } from '../modules/index.ts';
import { selectModules } from '../modules/kit.ts';
import type { Command } from './command.ts';

/** `twin migrate`: apply pending migrations (core, then the enabled modules' own) and print the level. */
export const migrateCommand: Command = {
  summary: 'apply pending database migrations',
  usage: 'twin migrate',
  async run() {
    const config = loadConfig();
    const modules = selectModules(allModules(), config.modules);
    const db = await openDb(config.db);
    try {
      const s = await migrate(db, { modules, onApply: (m) => console.log(`applied ${m.module ? `${m.module}/` : ''}${m.version}_${m.name}`) });
      const mods = Object.entries(s.modules ?? {}).map(([name, v]) => `${name} ${v.at(-1) ?? 0}`);
      console.log(`migration level ${s.level}${mods.length ? ` (modules: ${mods.join(', ')})` : ''} (${db.backend})`);
    } finally {
      await db.close();
    }
  },
};
