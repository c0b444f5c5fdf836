/** Parsed command line: positional words and --flags. */
export interface Args {
  readonly positional: string[];
  readonly flags: Record<string, string | true>;
}

/** Parses `a b --key value --key=value --switch`; a flag followed by another flag is a switch. */
export function parseArgs(argv: readonly string[]): Args {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 2) flags[a.slice(2, eq)] = a.slice(eq + 1);
      else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) flags[a.slice(2)] = argv[++i]!;
      else flags[a.slice(2)] = true;
    } else positional.push(a);
  }
  return { positional, flags };
}

/** A usage problem: printed with the command's help, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Reads a numeric flag with bounds, or its default. */
export function numberFlag(args: Args, name: string, def: number, min: number, max: number): number {
  const v = args.flags[name];
  if (v === undefined) return def;
  const n = Number(v);
  if (v === true || !Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max}, got ${v === true ? 'nothing' : JSON.stringify(v)}`);
  }
  return n;
}
