import type { Command } from './command.ts';

export type { Command } from './command.ts';

/**
 * The command table. Each command lives in its own file and is loaded lazily, so `twin seed`
 * does not pay for the HTTP stack.
 */
export const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./serve.ts')).serveCommand,
  migrate: async () => (await import('./migrate.ts')).migrateCommand,
  seed: async () => (await import('./seed.ts')).seedCommand,
  bench: async () => (await import('./bench.ts')).benchCommand,
  import: async () => (await import('./import.ts')).importCommand,
  park: async () => (await import('./park.ts')).parkCommand,
  simulate: async () => (await import('./simulate.ts')).simulateCommand,
  tiles: async () => (await import('./tiles.ts')).tilesCommand,
  audit: async () => (await import('./audit.ts')).auditCommand,
  user: async () => (await import('./user.ts')).userCommand,
  backup: async () => (await import('./backup.ts')).backupCommand,
  restore: async () => (await import('./restore.ts')).restoreCommand,
  devices: async () => (await import('./devices.ts')).devicesCommand,
};
