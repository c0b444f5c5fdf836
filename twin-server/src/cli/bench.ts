import { UsageError, type Args } from './args.ts';
import type { Command } from './command.ts';

/** One benchmark: prints its side-by-side ratios and returns markdown lines for docs/benchmarks.md. */
export interface Bench {
  readonly summary: string;
  run(args: Args): Promise<string[]>;
}

/** Benchmarks by name; each area registers its own with one line. */
export const BENCHES: Record<string, () => Promise<Bench>> = {
  import: async () => (await import('../import/bench.ts')).importBench,
  tiler: async () => (await import('../tiler/bench.ts')).tilerBench,
  auth: async () => (await import('../auth/bench.ts')).authBench,
  map: async () => (await import('../modules/map/bench.ts')).mapBench,
  invest: async () => (await import('../modules/invest/bench.ts')).investBench,
  stream: async () => (await import('../stream/bench.ts')).streamBench,
  // Browser-side code: a computed path keeps the server type check out of the client's DOM types.
  scene: async () => ((await import(['../../../twin-client/src/scene', 'bench.ts'].join('/'))) as { sceneBench: Bench }).sceneBench,
  wall: async () => ((await import(['../../../twin-client/src/wall', 'soak.ts'].join('/'))) as { wallSoak: Bench }).wallSoak,
};

/** `twin bench [name ...]`: runs the named benchmarks (all by default) and prints their results. */
export const benchCommand: Command = {
  summary: 'run benchmarks (ratios measured side by side in one run)',
  usage: `twin bench [${Object.keys(BENCHES).join('|') || 'name'} ...] [--scale S]`,
  async run(args: Args) {
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
