import { loadConfig } from '../config.ts';
import { openDb } from '../db/index.ts';
import { createLogger } from '../log.ts';
import { startSimulator } from '../sim/simulator.ts';
import { numberFlag, UsageError, type Args } from './args.ts';
import type { Command } from './command.ts';

/**
 * `twin simulate`: publish simulated park telemetry to the broker (MQTT_URL, or the embedded
 * broker's port of a running `twin serve`) for the devices in the database.
 */
export const simulateCommand: Command = {
  summary: 'publish simulated park telemetry over MQTT (--rate messages/s, --duration s)',
  usage: 'twin simulate [--rate 200] [--duration 0] [--url mqtt://host:port]   (needs DATABASE_URL; embedded mode simulates inside twin serve)',
  async run(args: Args) {
    const config = loadConfig();
    const rate = numberFlag(args, 'rate', 200, 1, 1_000_000);
    const duration = numberFlag(args, 'duration', 0, 0, 30 * 86400);
    if (config.db.backend === 'pglite') {
      // Two processes must not open one PGlite folder; the embedded server runs its own simulator.
      throw new UsageError('twin simulate needs DATABASE_URL; in the embedded mode `twin serve` runs the simulator (TWIN_SIMULATOR=1)');
    }
    const url = typeof args.flags.url === 'string' ? args.flags.url : config.mqttUrl ?? `mqtt://127.0.0.1:${config.embeddedMqttPort}`;
    const log = createLogger(config.logLevel);
    const db = await openDb(config.db);
    const sim = await startSimulator({ url, db, rate, log });
    console.log(`simulating ${sim.stats.devices} devices at ${rate} msg/s to ${url.replace(/\/\/[^@]*@/, '//***@')}; Ctrl-C stops`);
    await new Promise<void>((resolve) => {
      if (duration > 0) setTimeout(resolve, duration * 1000);
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await sim.close();
    await db.close();
    console.log(`published ${sim.stats.published} messages (${sim.stats.faults} faults, ${sim.stats.intrusions} intrusions)`);
  },
};
