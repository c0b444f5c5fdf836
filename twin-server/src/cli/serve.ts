import { loadConfig } from '../config.ts';
import { startServer } from '../server.ts';
import type { Command } from './commands.ts';

/** `twin serve`: run the twin (database, broker, simulator, HTTP + WebSocket). */
export const serveCommand: Command = {
  summary: 'run the twin server (embedded database and broker unless DATABASE_URL / MQTT_URL are set)',
  usage: 'twin serve   (settings by environment: PORT, TWIN_DATA_DIR, DATABASE_URL, MQTT_URL)',
  async run() {
    const config = loadConfig();
    const s = await startServer(config);
    console.log(`\nPark Twin is running: ${s.url}\n  backend: ${s.sc.db.backend}${config.db.backend === 'pglite' ? ` (${config.db.dataDir})` : ''}\n`);
    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (sig: string) => {
        if (stopping) process.exit(1); // second Ctrl-C: stop now
        stopping = true;
        s.sc.log.info({ signal: sig }, 'shutting down');
        s.close().then(resolve, (err: unknown) => {
          s.sc.log.error({ err }, 'shutdown failed');
          resolve();
        });
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
  },
};
