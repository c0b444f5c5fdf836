import { ConfigError, loadConfig } from '../config.ts';
import { startServer, type RunningServer } from '../server.ts';
import type { Command } from './command.ts';
import { describeStartupFault, diskFault } from './startup.ts';

/** `twin serve`: run the twin (database, broker, simulator, HTTP + WebSocket). */
export const serveCommand: Command = {
  summary: 'run the twin server (embedded database and broker unless DATABASE_URL / MQTT_URL are set)',
  usage: 'twin serve   (settings by environment: PORT, TWIN_DATA_DIR, DATABASE_URL, MQTT_URL)',
  async run() {
    const config = loadConfig();
    // Handlers go in before startup, so Ctrl-C while seeding or tiling still shuts down cleanly
    // (the data folder is closed properly instead of the process dying mid-write).
    let stopRequested = false;
    let wake: (() => void) | undefined;
    const onSignal = (sig: NodeJS.Signals) => {
      if (stopRequested) process.exit(1); // second Ctrl-C: stop now
      stopRequested = true;
      console.error(`\n${sig}: shutting down...`);
      wake?.();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let s: RunningServer | undefined;
    // Start-up faults (cli/startup.ts) are named in one line and end the process with 1 at once:
    // a half-started server (a broker bound, a port busy) must not hang without serving.
    const full = diskFault(config);
    if (full) {
      console.error(`twin serve: cannot start: ${full}`);
      process.exit(1);
    }
    try {
      s = await startServer(config);
    } catch (err) {
      if (err instanceof ConfigError) throw err; // main prints it and exits 2
      const fault = describeStartupFault(err, config);
      console.error(`twin serve: cannot start: ${fault ?? (err instanceof Error ? (err.stack ?? err.message) : String(err))}`);
      process.exit(1);
    }
    try {
      if (!stopRequested) {
        console.log(`\nPark Twin is running: ${s.url}\n  backend: ${s.sc.db.backend}${config.db.backend === 'pglite' ? ` (${config.db.dataDir})` : ''}\n`);
        await new Promise<void>((resolve) => (wake = resolve));
      }
      s.sc.log.info('shutting down');
    } finally {
      await s?.close().catch((err: unknown) => console.error('shutdown failed:', err));
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
