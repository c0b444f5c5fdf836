import type { Args } from './args.ts';

/** One `twin <name>` command (its own file; the table in commands.ts loads it lazily). */
export interface Command {
  readonly summary: string;
  readonly usage: string;
  run(args: Args): Promise<number | void>;
}
