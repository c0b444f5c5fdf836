/**
 * CSV import of telemetry history. Header: `ts,park,layer,device,seq,<field>,...`; each row
 * becomes a layer message (numeric cells as numbers, empty cells omitted) validated by the same
 * pipeline as live data and stored only (no live update, no alarms). Re-importing a file is a
 * no-op thanks to the (device, seq, ts) key.
 */
import type { Db } from '../db/index.ts';
import type { Ingest, RejectReason } from './pipeline.ts';

/** Most rows one import takes. */
export const MAX_CSV_ROWS = 100_000;
/** Widest time span one import may create partitions for. */
const MAX_SPAN_DAYS = 400;

/** Outcome of an import. */
export interface CsvResult {
  imported: number;
  rows: number;
  errors: { line: number; reason: RejectReason | 'bad-row'; detail?: string }[];
}

/** Splits one CSV line; supports double-quoted cells with "" escapes. */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (q) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') q = false; else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') { out.push(cur); cur = ''; } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Imports `text`; waits until every accepted row is committed. */
export async function importCsv(db: Db, ingest: Ingest, text: string): Promise<CsvResult> {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const res: CsvResult = { imported: 0, rows: Math.max(0, lines.length - 1), errors: [] };
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.trim());
  const fixed = ['ts', 'park', 'layer', 'device', 'seq'];
  if (fixed.some((f, i) => header[i] !== f) || header.slice(5).some((h) => !/^[a-z_]{1,32}$/.test(h))) {
    res.errors.push({ line: 1, reason: 'bad-row', detail: `header must start with ${fixed.join(',')} followed by field names` });
    return res;
  }
  if (res.rows > MAX_CSV_ROWS) {
    res.errors.push({ line: 1, reason: 'bad-row', detail: `at most ${MAX_CSV_ROWS} rows per import` });
    return res;
  }
  type Row = { line: number; where: { park: string; layer: string; device: string }; payload: Record<string, unknown>; ts: number };
  const rows: Row[] = [];
  for (let i = 1; i < lines.length; i++) {
    const cells = splitCsvLine(lines[i]!);
    if (cells.length !== header.length) {
      res.errors.push({ line: i + 1, reason: 'bad-row', detail: `expected ${header.length} cells, got ${cells.length}` });
      continue;
    }
    const ts = Date.parse(cells[0]!);
    if (!Number.isFinite(ts)) {
      res.errors.push({ line: i + 1, reason: 'bad-row', detail: 'ts is not a date' });
      continue;
    }
    const payload: Record<string, unknown> = { ts };
    if (cells[4] !== '') payload.seq = Number(cells[4]);
    header.slice(5).forEach((h, k) => {
      const c = cells[k + 5]!.trim();
      if (c === '') return;
      const n = Number(c);
      payload[h] = Number.isFinite(n) && /^-?[\d.]+(e-?\d+)?$/i.test(c) ? n : c;
    });
    rows.push({ line: i + 1, where: { park: cells[1]!, layer: cells[2]!, device: cells[3]! }, payload, ts });
  }
  if (rows.length) {
    const min = Math.min(...rows.map((r) => r.ts));
    const max = Math.max(...rows.map((r) => r.ts));
    const days = Math.floor(max / 864e5) - Math.floor(min / 864e5) + 1;
    // Old days get their own partitions; a span too wide lands in the default partition instead.
    if (days <= MAX_SPAN_DAYS) {
      await db.transaction((tx) => tx.query('SELECT telemetry_ensure_partitions(to_timestamp($1 / 1000.0)::date, $2::int)', [min, days + 1]));
    }
  }
  const durable: Promise<void>[] = [];
  for (const r of rows) {
    const out = ingest.handle(r.where, r.payload, 'csv');
    if (out.ok) durable.push(out.durable);
    else res.errors.push({ line: r.line, reason: out.reason, ...(out.detail ? { detail: out.detail } : {}) });
  }
  await Promise.all(durable);
  res.imported = durable.length;
  if (res.errors.length > 100) res.errors.length = 100;
  return res;
}
