/**
 * The host side of the module contract (`types.ts`): which modules run (TWIN_MODULES), the route
 * that tells the client which ones do, module seed hooks and the scheduled-job runner.
 */
import { z } from 'zod';
import { ConfigError } from '../config.ts';
import type { ServerContext } from '../context.ts';
import type { RouteSpec } from '../http/route.ts';
import type { ScheduledJob, TwinModule } from './types.ts';

/**
 * Modules that always run, whatever TWIN_MODULES says: without them there is no login, no twin,
 * no live data. `modules` is the host's own route module (`moduleListModule`).
 */
export const CORE_MODULE_NAMES: readonly string[] = ['health', 'auth', 'sample-park', 'tiles', 'live', 'twin', 'modules'];

const NAME_RE = /^[a-z][a-z0-9-]{0,39}$/;

/**
 * The modules to run: every core module of `all`, plus the others `wanted` names (all when
 * `wanted` is null), in registration order. Names must be unique and well formed; a wanted name
 * that no module has is a configuration error naming the known ones.
 */
export function selectModules(all: readonly TwinModule[], wanted: readonly string[] | null): TwinModule[] {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const m of all) {
    if (!NAME_RE.test(m.name)) problems.push(`module name ${JSON.stringify(m.name)} must be 1-40 characters of a-z, 0-9 and -, starting with a letter`);
    if (names.has(m.name)) problems.push(`two modules are named ${m.name}`);
    names.add(m.name);
  }
  if (problems.length > 0) throw new Error(`Invalid module registration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  if (wanted === null) return [...all];
  const unknown = wanted.filter((n) => !names.has(n));
  if (unknown.length > 0) {
    throw new ConfigError([`TWIN_MODULES: unknown module(s) ${unknown.join(', ')}; known: ${[...names].join(', ')} (or none)`]);
  }
  const keep = new Set([...CORE_MODULE_NAMES, ...wanted]);
  return all.filter((m) => keep.has(m.name));
}

/** Answer of `GET /api/modules`. */
export const moduleListSchema = z.object({ modules: z.array(z.string()) }).strict();

/**
 * The host's own module: `GET /api/modules` lists the enabled modules in registration order, so
 * the client can hide the nav entries and panel sections of those that are off.
 */
export function moduleListModule(enabled: () => readonly string[]): TwinModule {
  return {
    name: 'modules',
    routes: (): RouteSpec[] => [
      {
        method: 'GET', path: '/api/modules', permission: 'authenticated',
        summary: 'Enabled modules (TWIN_MODULES), in registration order',
        response: moduleListSchema,
        handler(ctx) {
          ctx.body = { modules: [...enabled()] } satisfies z.infer<typeof moduleListSchema>;
        },
      },
    ],
  };
}

/**
 * Runs each module's `seed` hook for `parkIdx`, in order. Hooks are idempotent by contract; a
 * failing hook is logged with its module and the error rethrown (a seed must not half succeed
 * silently).
 */
export async function runModuleSeeds(sc: ServerContext, modules: readonly TwinModule[], parkIdx: number): Promise<string[]> {
  const ran: string[] = [];
  for (const m of modules) {
    if (!m.seed) continue;
    try {
      await m.seed(sc, { parkIdx });
    } catch (err) {
      sc.log.error({ err, module: m.name, parkIdx }, 'module seed failed');
      throw new Error(`module ${m.name}: seed failed: ${(err as Error).message}`, { cause: err });
    }
    ran.push(m.name);
  }
  return ran;
}

/** Counters of one running job, for tests and the health of the runner. */
export interface JobStats {
  readonly module: string;
  readonly name: string;
  runs: number;
  failures: number;
  running: boolean;
  lastError: string | null;
}

/** The started jobs of a server. */
export interface JobRunner {
  readonly stats: readonly JobStats[];
  /** Stops scheduling and waits for runs in progress. */
  stop(): Promise<void>;
}

/**
 * Starts every job of `modules`. A job runs `everyMs` after its previous run started, or as soon
 * as that run ends if it took longer: runs of one job never overlap. A run that throws is logged
 * (module, job, error) and counted; the job goes on. `stop` clears the timers and waits for the
 * runs in progress, so nothing touches the database after shutdown.
 */
export function startJobs(sc: ServerContext, modules: readonly TwinModule[]): JobRunner {
  const jobs: { module: string; job: ScheduledJob }[] = [];
  const problems: string[] = [];
  for (const m of modules) {
    for (const job of m.jobs?.(sc) ?? []) {
      if (!(Number.isFinite(job.everyMs) && job.everyMs >= 10)) problems.push(`module ${m.name}: job ${job.name} needs everyMs >= 10, got ${job.everyMs}`);
      if (jobs.some((j) => j.module === m.name && j.job.name === job.name)) problems.push(`module ${m.name}: two jobs are named ${job.name}`);
      jobs.push({ module: m.name, job });
    }
  }
  if (problems.length > 0) throw new Error(`Invalid module jobs:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();
  const stats: JobStats[] = [];
  for (const { module, job } of jobs) {
    const st: JobStats = { module, name: job.name, runs: 0, failures: 0, running: false, lastError: null };
    stats.push(st);
    const schedule = (delay: number) => {
      if (stopped) return;
      const t = setTimeout(() => {
        timers.delete(t);
        const started = Date.now();
        st.running = true;
        const run = (async () => {
          try {
            await job.run();
          } catch (err) {
            st.failures++;
            st.lastError = (err as Error)?.message ?? String(err);
            sc.log.error({ err, module, job: job.name }, 'scheduled job failed');
          } finally {
            st.runs++;
            st.running = false;
          }
        })();
        inFlight.add(run);
        void run.then(() => {
          inFlight.delete(run);
          schedule(Math.max(0, job.everyMs - (Date.now() - started)));
        });
      }, delay);
      t.unref();
      timers.add(t);
    };
    schedule(job.everyMs);
  }
  if (jobs.length > 0) sc.log.info({ jobs: jobs.map((j) => `${j.module}/${j.job.name}`) }, 'module jobs started');
  return {
    stats,
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.all([...inFlight]);
    },
  };
}
