import fs from 'node:fs/promises';
import os from 'node:os';
import { appendAudit } from '../auth/audit.ts';
import { loadConfig } from '../config.ts';
import { openDb, migrate } from '../db/index.ts';
import { importBuildings, type ImportOptions, type ImportProgress, type ImportReport } from '../import/buildings.ts';
import { LIMITS, describeSize } from '../import/geojson.ts';
import { ImportError, formatProblem } from '../import/problems.ts';
import { UsageError, type Args } from './args.ts';
import type { Command } from './command.ts';

const FLAGS = ['park', 'floors', 'units', 'replace', 'dry-run', 'json'];

/** The OS account running the CLI, for the audit trail. */
function osUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/** Reads an `auto|none` flag (default auto). */
function autoFlag(args: Args, name: string): 'auto' | 'none' {
  const v = args.flags[name];
  if (v === undefined) return 'auto';
  if (v === 'auto' || v === 'none') return v;
  throw new UsageError(`--${name} must be auto or none, got ${v === true ? 'nothing' : JSON.stringify(v)}`);
}

/** Prints progress lines, at most one a second plus the last one of each phase. */
function progressPrinter(): (p: ImportProgress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (p.done < p.total && now - last < 1000) return;
    last = now;
    console.log(`import: ${p.phase} ${p.done}/${p.total} ${p.phase === 'validated' ? 'features' : 'buildings'}`);
  };
}

/** The human summary of a report. */
function summary(r: ImportReport): string[] {
  const verb = r.dryRun ? 'dry run, nothing written: would create' : 'created';
  const lines = [
    `import: park ${r.park.code}, ${r.features} feature${r.features === 1 ? '' : 's'}`,
    `import: ${verb} ${r.created.building} buildings, ${r.created.floor} floors, ${r.created.room} rooms (${r.units} leasable units)`,
  ];
  if (r.replaced.building > 0) {
    lines.push(`import: ${r.dryRun ? 'would update' : 'updated'} ${r.replaced.building} existing buildings in place` +
      (r.replaced.floor > 0 ? `, rebuilding their floors (${r.replaced.floor} floors and ${r.replaced.room} rooms replaced)` : ''));
  }
  for (const w of r.warnings) lines.push(`warning: ${formatProblem(w)}`);
  return lines;
}

/** `twin import buildings <file.geojson>`: footprints into the park, with floors and units. */
export const importCommand: Command = {
  summary: 'import building footprints (GeoJSON) into a park, with floors and leasable units',
  usage: 'twin import buildings <file.geojson> [--park CODE] [--floors auto|none] [--units auto|none] [--replace] [--dry-run] [--json]',
  async run(args: Args) {
    const [what, file, ...extra] = args.positional;
    if (what !== 'buildings') throw new UsageError(what ? `unknown import kind ${JSON.stringify(what)}; only "buildings" is supported` : 'say what to import: buildings');
    if (!file) throw new UsageError('give the GeoJSON file to import');
    if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
    for (const f of Object.keys(args.flags)) if (!FLAGS.includes(f)) throw new UsageError(`unknown option --${f}`);
    const park = args.flags.park;
    if (park === true) throw new UsageError('--park needs a park code');
    const opts: ImportOptions = {
      floors: autoFlag(args, 'floors'),
      units: autoFlag(args, 'units'),
      replace: args.flags.replace === true,
      dryRun: args.flags['dry-run'] === true,
      ...(park !== undefined ? { parkCode: park } : {}),
      onProgress: args.flags.json ? undefined : progressPrinter(),
      audit: (q, outcome, detail) => appendAudit(q, {
        action: 'import.buildings', outcome, actor: { kind: 'system', name: `cli:${osUser()}` },
        object: `park:${String(detail.park ?? '?')}`, source: 'cli', detail: { file, ...detail },
      }, new Date()),
    };

    // Check the size before reading, so a huge file is refused without loading it.
    let text: string;
    try {
      const st = await fs.stat(file);
      if (st.size > LIMITS.maxBytes) {
        console.error(`${file}: ${describeSize(st.size)} is over the ${describeSize(LIMITS.maxBytes)} limit; split it into several files by area and import them one after another`);
        return 1;
      }
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      console.error(`cannot read ${file}: ${(e as Error).message}`);
      return 1;
    }

    const config = loadConfig();
    const db = await openDb(config.db);
    try {
      await migrate(db);
      const report = await importBuildings(db, text, opts);
      if (args.flags.json) console.log(JSON.stringify(report, null, 2));
      else for (const l of summary(report)) console.log(l);
      return 0;
    } catch (e) {
      if (!(e instanceof ImportError)) throw e;
      console.error(`import: ${file} rejected, nothing was written (${e.problems.length + e.omitted} problem${e.problems.length + e.omitted === 1 ? '' : 's'}):`);
      for (const p of e.problems) console.error(formatProblem(p));
      if (e.omitted > 0) console.error(`... and ${e.omitted} more problems (fix these first)`);
      for (const w of e.warnings) console.error(`warning: ${formatProblem(w)}`);
      return 1;
    } finally {
      await db.close();
    }
  },
};
