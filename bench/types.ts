import type { Args } from '../twin-server/src/cli/args.ts';

/** One benchmark: prints its side-by-side ratios and returns markdown lines for docs/benchmarks.md. */
export interface Bench {
  readonly summary: string;
  run(args: Args): Promise<string[]>;
}
