/**
 * Problems found while checking an import file. Every problem names the feature it concerns
 * (array index plus its id / code / name when present) so a user can find it in their GIS tool.
 */

/** One thing wrong (or worth a warning) in an import file. */
export interface ImportProblem {
  /** Index in `features`, or null for a problem with the whole file or the options. */
  readonly feature: number | null;
  /** Human label of the feature, e.g. `features[3] (code "A3", name "3号楼")`, or "file". */
  readonly ref: string;
  /** Property or member concerned (`height`, `geometry`, `crs`), when there is one. */
  readonly field?: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/** Most problems reported at once: enough to fix a file in one go, short enough to read. */
export const MAX_PROBLEMS = 100;

/** Formats a problem as one line, for the CLI and logs. */
export function formatProblem(p: ImportProblem): string {
  return `${p.ref}${p.field ? ` ${p.field}` : ''}: ${p.message}`;
}

/** A rejected import: carries every problem found (up to MAX_PROBLEMS), nothing was written. */
export class ImportError extends Error {
  override name = 'ImportError';
  /** The listed problems grouped by kind, most frequent first. */
  readonly groups: readonly ProblemGroup[];
  constructor(
    readonly problems: readonly ImportProblem[],
    /** Problems found beyond the cap and not listed. */
    readonly omitted = 0,
    readonly warnings: readonly ImportProblem[] = [],
  ) {
    const groups = groupProblems(problems);
    super(
      `import rejected, nothing was written: ${problems.length + omitted} problem${problems.length + omitted === 1 ? '' : 's'}\n` +
        (groups.length > 1 ? groups.map((g) => `  ${g.count} × ${g.kind}`).join('\n') + '\n' : '') +
        problems.map((p) => `  ${formatProblem(p)}`).join('\n') +
        (omitted > 0 ? `\n  ... and ${omitted} more (fix these first)` : ''),
    );
    this.groups = groups;
  }
}

/** Problems of one kind (the field and the message without its particulars) and how many there are. */
export interface ProblemGroup {
  readonly kind: string;
  readonly count: number;
  /** The first problem of this kind, in full. */
  readonly example: string;
}

/** The kind of a problem: its field and the first clause of its message with quoted values and numbers blanked. */
export function problemKind(p: ImportProblem): string {
  const clause = p.message.split(/[;:(]/)[0]!.replace(/"[^"]*"/g, '"…"').replace(/-?\d+(\.\d+)?/g, 'N').trim();
  return `${p.field ?? p.ref}: ${clause}`;
}

/**
 * Groups problems by kind, most frequent first (ties in order of appearance): what a person fixing
 * a file with 300 problems reads first.
 */
export function groupProblems(list: readonly ImportProblem[]): ProblemGroup[] {
  const groups = new Map<string, { count: number; example: string; order: number }>();
  for (const p of list) {
    const k = problemKind(p);
    const g = groups.get(k);
    if (g) g.count++;
    else groups.set(k, { count: 1, example: formatProblem(p), order: groups.size });
  }
  return [...groups].sort((a, b) => b[1].count - a[1].count || a[1].order - b[1].order)
    .map(([kind, g]) => ({ kind, count: g.count, example: g.example }));
}

/** Collects errors (capped) and warnings (capped) while checking a file. */
export class ProblemList {
  readonly errors: ImportProblem[] = [];
  readonly warnings: ImportProblem[] = [];
  omitted = 0;
  omittedWarnings = 0;
  /** Every feature with an error, listed or beyond the cap (for --skip-invalid). */
  readonly failed = new Set<number>();

  /** Records an error. */
  error(feature: number | null, ref: string, field: string | undefined, message: string): void {
    if (feature !== null) this.failed.add(feature);
    if (this.errors.length >= MAX_PROBLEMS) this.omitted++;
    else this.errors.push({ feature, ref, ...(field ? { field } : {}), message });
  }

  /** Records a warning: the import goes ahead, the user is told. */
  warn(feature: number | null, ref: string, field: string | undefined, message: string): void {
    if (this.warnings.length >= MAX_PROBLEMS) this.omittedWarnings++;
    else this.warnings.push({ feature, ref, ...(field ? { field } : {}), message });
  }

  get count(): number {
    return this.errors.length + this.omitted;
  }

  /** Throws an ImportError when any error was recorded. */
  throwIfAny(): void {
    if (this.count > 0) throw new ImportError(this.errors, this.omitted, this.warnings);
  }
}

/** Edit distance, for "did you mean" hints on misspelt property names and values. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate to `word` if it is plausibly a typo of it (case-insensitive). */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase().replace(/[\s-]/g, '_');
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  // Allow about one typo per three letters, at least one, at most three.
  const limit = Math.min(3, Math.max(1, Math.floor(w.length / 3)));
  return bestD <= limit ? best : undefined;
}
