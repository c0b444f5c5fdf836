import fs from 'node:fs/promises';
import os from 'node:os';
import { appendAudit } from '../auth/audit.ts';
import { loadConfig } from '../config.ts';
import { openDb, migrate } from '../db/index.ts';
import { importBuildings, type ImportOptions, type ImportProgress, type ImportReport } from '../import/buildings.ts';
import { LIMITS, MAPPABLE_FIELDS, describeSize, type FieldMapping } from '../import/geojson.ts';
import { ImportError, formatProblem, type ProblemGroup } from '../import/problems.ts';
import { UsageError, type Args } from './args.ts';
import type { Command } from './command.ts';

const FLAGS = ['park', 'floors', 'units', 'replace', 'dry-run', 'json', 'map', 'unknown', 'skip-invalid'];

/** Parses `--map height=HEIGHT_M,name=bldg_name` into a field mapping. */
export function parseMapping(v: string | true | undefined): FieldMapping | undefined {
  if (v === undefined) return undefined;
  if (v === true) throw new UsageError(`--map needs field=property pairs, e.g. --map height=h_m,name=bldg_name (fields: ${MAPPABLE_FIELDS.join(', ')})`);
  const out: Record<string, string> = {};
  for (const pair of v.split(',')) {
    const m = /^\s*([a-z_]+)\s*=\s*(.+?)\s*$/.exec(pair);
    if (!m || !(MAPPABLE_FIELDS as readonly string[]).includes(m[1]!)) {
      throw new UsageError(`--map: ${JSON.stringify(pair)} is not field=property with a field among ${MAPPABLE_FIELDS.join(', ')}`);
    }
    if (m[1]! in out) throw new UsageError(`--map: ${m[1]} is mapped twice`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

/** Prints problem groups, most frequent first: "  12 × geometry: footprint lies entirely outside park". */
function printGroups(groups: readonly ProblemGroup[], print: (s: string) => void): void {
  for (const g of groups) print(`  ${String(g.count).padStart(4)} × ${g.kind}`);
}

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
  if (r.skipped.features > 0) {
    lines.push(`import: skipped ${r.skipped.features} invalid feature${r.skipped.features === 1 ? '' : 's'} (--skip-invalid), by kind:`);
    printGroups(r.skipped.groups, (s) => lines.push(s));
    for (const p of r.skipped.problems) lines.push(`skipped: ${formatProblem(p)}`);
    if (r.skipped.omitted > 0) lines.push(`skipped: ... and ${r.skipped.omitted} more problems`);
  }
  for (const w of r.warnings) lines.push(`warning: ${formatProblem(w)}`);
  return lines;
}

/** `twin import buildings <file.geojson>`: footprints into the park, with floors and units. */
export const importCommand: Command = {
  summary: 'import building footprints (GeoJSON) into a park, with floors and leasable units',
  usage: 'twin import buildings <file.geojson> [--park CODE] [--floors auto|none] [--units auto|none] [--replace] [--dry-run] [--json]\n' +
    '       [--map height=PROP,floors=PROP,name=PROP,code=PROP] [--unknown keep|ignore] [--skip-invalid]',
  async run(args: Args) {
    const [what, file, ...extra] = args.positional;
    if (what !== 'buildings') throw new UsageError(what ? `unknown import kind ${JSON.stringify(what)}; only "buildings" is supported` : 'say what to import: buildings');
    if (!file) throw new UsageError('give the GeoJSON file to import');
    if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
    for (const f of Object.keys(args.flags)) if (!FLAGS.includes(f)) throw new UsageError(`unknown option --${f}`);
    const park = args.flags.park;
    if (park === true) throw new UsageError('--park needs a park code');
    const unknown = args.flags.unknown;
    if (unknown !== undefined && unknown !== 'keep' && unknown !== 'ignore') throw new UsageError(`--unknown must be keep or ignore, got ${unknown === true ? 'nothing' : JSON.stringify(unknown)}`);
    const mapping = parseMapping(args.flags.map);
    const json = args.flags.json === true;
    const opts: ImportOptions = {
      ...(mapping ? { mapping } : {}),
      ...(unknown ? { unknown } : {}),
      skipInvalid: args.flags['skip-invalid'] === true,
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
        const message = `${file}: ${describeSize(st.size)} is over the ${describeSize(LIMITS.maxBytes)} limit; split it into several files by area and import them one after another`;
        if (json) console.log(JSON.stringify({ ok: false, error: { message, groups: [], problems: [{ feature: null, ref: 'file', message }], omitted: 0, warnings: [] } }, null, 2));
        else console.error(message);
        return 1;
      }
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      const message = `cannot read ${file}: ${(e as Error).message}`;
      if (json) console.log(JSON.stringify({ ok: false, error: { message, groups: [], problems: [{ feature: null, ref: 'file', message }], omitted: 0, warnings: [] } }, null, 2));
      else console.error(message);
      return 1;
    }

    const config = loadConfig();
    const db = await openDb(config.db);
    try {
      await migrate(db);
      const report = await importBuildings(db, text, opts);
      if (json) console.log(JSON.stringify({ ok: true, ...report }, null, 2));
      else for (const l of summary(report)) console.log(l);
      return 0;
    } catch (e) {
      if (!(e instanceof ImportError)) throw e;
      const n = e.problems.length + e.omitted;
      const message = `${file} rejected, nothing was written (${n} problem${n === 1 ? '' : 's'})`;
      if (json) {
        // The same shape as the HTTP route's 422 body, plus ok: false.
        console.log(JSON.stringify({ ok: false, error: { message, groups: e.groups, problems: e.problems, omitted: e.omitted, warnings: e.warnings } }, null, 2));
        return 1;
      }
      console.error(`import: ${message}:`);
      if (e.groups.length > 1) {
        console.error('by kind:');
        printGroups(e.groups, (s) => console.error(s));
      }
      for (const p of e.problems) console.error(formatProblem(p));
      if (e.omitted > 0) console.error(`... and ${e.omitted} more problems (fix these first)`);
      for (const w of e.warnings) console.error(`warning: ${formatProblem(w)}`);
      return 1;
    } finally {
      await db.close();
    }
  },
};
