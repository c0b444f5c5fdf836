/**
 * The alarms module (issue 15: the operator's loop, first parts): the alarm console (filter,
 * acknowledge, comment, assign, shelve, clear; permission-checked, audited, pushed live to the
 * other consoles) and configurable alarm rules stored in the database, evaluated by the ingest
 * pipeline for every reading in place of the layers' built-in thresholds (which ship as the
 * default rules, migration 001). docs/alarms.md.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TwinModule } from '../types.ts';
import type { ServerContext } from '../../context.ts';
import { alarmRoutes } from './routes.ts';
import { alarmsRuntimeOf, startAlarms, stopAlarms } from './runtime.ts';

/** Creates the alarms module; each server gets its own instance. */
export function alarmsModule(): TwinModule {
  let started: ServerContext | null = null;
  return {
    name: 'alarms',
    migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
    async initialize(sc) {
      await startAlarms(sc);
      started = sc;
    },
    routes: (sc) => alarmRoutes(sc),
    jobs: (sc) => [
      { name: 'no-data', everyMs: 15_000, run: async () => { await alarmsRuntimeOf(sc)?.checkSilence(); } },
      // A fallback for a missed NOTIFY (a listener reconnecting): rules are read again every minute.
      { name: 'reload-rules', everyMs: 60_000, run: async () => { await alarmsRuntimeOf(sc)?.reload(); } },
    ],
    async finalize() {
      if (started) await stopAlarms(started);
      started = null;
    },
  };
}
