import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError, type Args } from './args.ts';
import type { Command } from './command.ts';

/** One benchmark (the full type is bench/types.ts). */
export interface Bench {
  readonly summary: string;
  run(args: Args): Promise<string[]>;
}

/**
 * The benchmark table, bench/index.ts at the repository root. Loaded by a computed path so no
 * production file imports a benchmark (no import cycle through here, and the server's type check
 * stays out of the browser benchmarks' DOM types); the root tsconfig checks bench/.
 */
async function loadBenches(): Promise<Record<string, () => Promise<Bench>>> {
  const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..', 'bench', 'index.ts');
  return ((await import(pathToFileURL(file).href)) as { BENCHES: Record<string, () => Promise<Bench>> }).BENCHES;
}

/** `twin bench [name ...]`: runs the named benchmarks (all by default) and prints their results. */
export const benchCommand: Command = {
  summary: 'run benchmarks (ratios measured side by side in one run)',
  usage: 'twin bench [import|tiler|auth|map|invest|stream|scene|wall ...] [--scale S]',
  async run(args: Args) {
    const BENCHES = await loadBenches();
    const names = args.positional.length > 0 ? args.positional : Object.keys(BENCHES);
    for (const n of names) if (!BENCHES[n]) throw new UsageError(`unknown benchmark ${n}; known: ${Object.keys(BENCHES).join(', ')}`);
    const out: string[] = [`# bench run ${new Date().toISOString()} (node ${process.version})`];
    for (const n of names) {
      const b = await BENCHES[n]!();
      console.log(`\n== ${n}: ${b.summary}`);
      out.push(`\n## ${n}\n`, ...(await b.run(args)));
    }
    console.log(`\n${out.join('\n')}`);
    exitWhenDone();
  },
};

/**
 * A benchmark is a one-shot command: once it has printed, the process should exit by itself. If
 * something a bench started still holds the event loop 10 s later (a socket, a pool, a child),
 * this names what is left, so the leak can be found, and exits instead of hanging a script.
 */
function exitWhenDone(): void {
  setTimeout(() => {
    // This timer itself is one of the Timeouts listed.
    const left = process.getActiveResourcesInfo();
    console.error(`bench: still running 10 s after the results were printed; still active: ${left.join(', ')}; exiting`);
    process.exit(process.exitCode ?? 0);
  }, 10_000).unref();
}
