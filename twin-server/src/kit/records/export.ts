/**
 * List export of the records kit: CSV (UTF-8 with BOM so spreadsheet programs read Chinese) and
 * Excel (exceljs). Cells that a spreadsheet would run as a formula are neutralised.
 */
import ExcelJS from 'exceljs';
import type { EntityDef, Label, StoredRecord } from './define.ts';

/** Built-in column labels. */
export const BUILTIN_LABELS: Readonly<Record<string, Label>> = {
  id: { zh: '编号', en: 'No.' },
  state: { zh: '状态', en: 'State' },
  object: { zh: '位置', en: 'Location' },
  createdAt: { zh: '创建时间', en: 'Created' },
  updatedAt: { zh: '更新时间', en: 'Updated' },
  dueAt: { zh: '时限', en: 'Due' },
  assignees: { zh: '处理人', en: 'Assignees' },
  createdBy: { zh: '提交人', en: 'Reported by' },
};

/** The text of one cell of the list, as shown in the language. */
export function cellText(def: EntityDef, r: StoredRecord, col: string, lang: 'zh' | 'en', names: ReadonlyMap<string, string>): string {
  switch (col) {
    case 'id': return String(r.id);
    case 'state': return def.workflow.states[r.state]?.label[lang] ?? r.state;
    case 'object': return r.objectName ?? '';
    case 'createdAt': return r.createdAt;
    case 'updatedAt': return r.updatedAt;
    case 'dueAt': return r.dueAt ?? '';
    case 'assignees': return r.assignees.map((a) => names.get(a) ?? a).join(', ');
    case 'createdBy': return r.createdByName ?? '';
    default: {
      const v = r.data[col];
      const opt = def.fields[col]?.options?.[String(v)];
      return opt ? opt[lang] : v == null ? '' : String(v);
    }
  }
}

/** A header label of a column. */
export function columnLabel(def: EntityDef, col: string, lang: 'zh' | 'en'): string {
  return (def.fields[col]?.label ?? BUILTIN_LABELS[col])?.[lang] ?? col;
}

/** Prefixes text a spreadsheet would evaluate (=, +, -, @, tab, CR) with an apostrophe. */
export function safeCell(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

/** CSV bytes of the records (RFC 4180 quoting, BOM, CRLF). */
export function toCsv(def: EntityDef, rows: readonly StoredRecord[], lang: 'zh' | 'en', names: ReadonlyMap<string, string>): Buffer {
  const q = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [def.columns.map((c) => q(columnLabel(def, c, lang))).join(',')];
  for (const r of rows) lines.push(def.columns.map((c) => q(safeCell(cellText(def, r, c, lang, names)))).join(','));
  return Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
}

/** XLSX bytes of the records (one sheet, bold header, frozen first row). */
export async function toXlsx(def: EntityDef, rows: readonly StoredRecord[], lang: 'zh' | 'en', names: ReadonlyMap<string, string>): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Park Twin';
  const ws = wb.addWorksheet(def.label[lang].slice(0, 31), { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = def.columns.map((c) => ({ header: columnLabel(def, c, lang), key: c, width: c === 'id' ? 8 : 20 }));
  ws.getRow(1).font = { bold: true };
  for (const r of rows) ws.addRow(Object.fromEntries(def.columns.map((c) => [c, c === 'id' ? r.id : safeCell(cellText(def, r, c, lang, names))])));
  return Buffer.from(await wb.xlsx.writeBuffer());
}
