/**
 * The monthly report as an Excel workbook (exceljs): the downloadable template and the parser of
 * an uploaded one. One sheet; the month in B3; one row per indicator (code in column A, value in
 * column D). Every problem is reported with its spreadsheet row, the indicator and a code the
 * client translates, so an enterprise user can fix exactly those cells.
 */
import ExcelJS from 'exceljs';

/** The indicators of a monthly report, in template order. */
export const INDICATORS = [
  { key: 'outputValue', code: 'output_value', zh: '工业总产值', en: 'Output value', unit: '万元', unitEn: '10k CNY', integer: false },
  { key: 'revenue', code: 'revenue', zh: '营业收入', en: 'Revenue', unit: '万元', unitEn: '10k CNY', integer: false },
  { key: 'tax', code: 'tax', zh: '税收', en: 'Tax paid', unit: '万元', unitEn: '10k CNY', integer: false },
  { key: 'rdSpend', code: 'rd_spend', zh: '研发投入', en: 'R&D spending', unit: '万元', unitEn: '10k CNY', integer: false },
  { key: 'staff', code: 'staff', zh: '从业人员', en: 'Employees', unit: '人', unitEn: 'people', integer: true },
  { key: 'energyKwh', code: 'energy_kwh', zh: '用电量', en: 'Electricity used', unit: 'kWh', unitEn: 'kWh', integer: false },
] as const;

export type FigureKey = (typeof INDICATORS)[number]['key'];
/** A month's figures (money in 10k CNY). */
export type Figures = Record<FigureKey, number>;

/** Largest accepted value of any indicator. */
export const MAX_FIGURE = 1e11;
/** Largest accepted upload. */
export const MAX_XLSX_BYTES = 2 * 1024 * 1024;

/** Row of the month cell and of the first indicator. */
export const MONTH_ROW = 3;
export const FIRST_ROW = 6;

/** One problem of an uploaded report. `row` is the spreadsheet row (1-based, as Excel shows it). */
export interface RowError {
  readonly row: number;
  /** Indicator code, or `month`. */
  readonly field: string;
  readonly code: 'missing' | 'not-number' | 'negative' | 'not-integer' | 'too-large' | 'unknown-indicator' | 'duplicate' | 'bad-month' | 'not-a-workbook';
  readonly value: string | null;
  readonly message: string;
}

/** The template: enterprise name, month (when known) and the indicator rows with empty values. */
export async function templateWorkbook(opts: { enterprise: string | null; month: string | null }): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Park Twin';
  const ws = wb.addWorksheet('月报 Monthly report');
  ws.columns = [{ width: 16 }, { width: 24 }, { width: 14 }, { width: 18 }, { width: 40 }];
  ws.getCell('A1').value = '园区企业经济指标月报 Monthly economic report';
  ws.getCell('A1').font = { bold: true, size: 14 };
  ws.getCell('A2').value = '企业 Enterprise';
  ws.getCell('B2').value = opts.enterprise ?? '';
  ws.getCell(`A${MONTH_ROW}`).value = '报表月份 Month';
  ws.getCell(`B${MONTH_ROW}`).value = opts.month ?? '';
  ws.getCell(`C${MONTH_ROW}`).value = 'YYYY-MM';
  const head = ws.getRow(FIRST_ROW - 1);
  head.values = ['指标代码 Code', '指标 Indicator', '单位 Unit', '数值 Value', '说明 Notes'];
  head.font = { bold: true };
  INDICATORS.forEach((ind, i) => {
    ws.getRow(FIRST_ROW + i).values = [ind.code, `${ind.zh} ${ind.en}`, `${ind.unit} ${ind.unitEn}`, null,
      ind.integer ? '整数 whole number' : '不小于 0 non-negative'];
  });
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** Text of a cell value as a user typed it (for the error message). */
function cellText(v: ExcelJS.CellValue): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    if ('result' in v) return cellText((v as ExcelJS.CellFormulaValue).result as ExcelJS.CellValue);
    if ('richText' in v) return (v as ExcelJS.CellRichTextValue).richText.map((t) => t.text).join('');
    if ('text' in v) return String((v as { text: unknown }).text);
    return JSON.stringify(v);
  }
  return String(v).trim();
}

/** The month a cell holds ('2026-11', '2026/11', '2026年11月' or an Excel date), as YYYY-MM-01. */
export function parseMonthCell(v: ExcelJS.CellValue): string | null {
  if (v instanceof Date) return `${v.getUTCFullYear()}-${String(v.getUTCMonth() + 1).padStart(2, '0')}-01`;
  const t = cellText(v);
  const m = t?.match(/^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:[-/.]\d{1,2}日?)?$/);
  if (!m) return null;
  const mm = Number(m[2]);
  if (mm < 1 || mm > 12) return null;
  return `${m[1]}-${String(mm).padStart(2, '0')}-01`;
}

/** Parses an uploaded report: the month and the figures, or every problem found (all rows checked). */
export async function parseReport(bytes: Buffer): Promise<{ ok: true; month: string; figures: Figures } | { ok: false; errors: RowError[] }> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch {
    return { ok: false, errors: [{ row: 0, field: 'file', code: 'not-a-workbook', value: null, message: 'not an Excel workbook (.xlsx)' }] };
  }
  const ws = wb.worksheets[0];
  if (!ws) return { ok: false, errors: [{ row: 0, field: 'file', code: 'not-a-workbook', value: null, message: 'the workbook has no sheet' }] };
  const errors: RowError[] = [];
  const monthCell = ws.getCell(`B${MONTH_ROW}`).value;
  const month = parseMonthCell(monthCell);
  if (!month) errors.push({ row: MONTH_ROW, field: 'month', code: 'bad-month', value: cellText(monthCell), message: `row ${MONTH_ROW}: the month must be YYYY-MM` });
  const byCode = new Map<string, (typeof INDICATORS)[number]>(INDICATORS.map((i) => [i.code, i]));
  const byName = new Map<string, (typeof INDICATORS)[number]>(INDICATORS.flatMap((i) => [[i.zh, i], [i.en.toLowerCase(), i]]));
  const seen = new Map<string, number>();
  const figures: Partial<Figures> = {};
  for (let r = FIRST_ROW; r <= Math.min(ws.rowCount, FIRST_ROW + 200); r++) {
    const row = ws.getRow(r);
    const codeText = cellText(row.getCell(1).value);
    const nameText = cellText(row.getCell(2).value);
    const valueRaw = row.getCell(4).value;
    const valueText = cellText(valueRaw);
    if (!codeText && !nameText && valueText === null) continue; // blank line
    const ind = (codeText && byCode.get(codeText.toLowerCase())) || (nameText && (byName.get(nameText.split(/\s+/)[0]!) ?? byName.get(nameText.toLowerCase()))) || undefined;
    const err = (field: string, code: RowError['code'], message: string) =>
      errors.push({ row: r, field, code, value: valueText, message: `row ${r} (${field}): ${message}` });
    if (!ind) {
      err(codeText ?? nameText ?? '?', 'unknown-indicator', `unknown indicator ${JSON.stringify(codeText ?? nameText)}`);
      continue;
    }
    if (seen.has(ind.code)) {
      err(ind.code, 'duplicate', `${ind.code} appears again (first in row ${seen.get(ind.code)})`);
      continue;
    }
    seen.set(ind.code, r);
    if (valueText === null || valueText === '') {
      err(ind.code, 'missing', 'no value');
      continue;
    }
    const v = typeof valueRaw === 'number' ? valueRaw : Number(valueText.replace(/,/g, ''));
    if (!Number.isFinite(v)) err(ind.code, 'not-number', `${JSON.stringify(valueText)} is not a number`);
    else if (v < 0) err(ind.code, 'negative', `${v} is negative`);
    else if (v > MAX_FIGURE) err(ind.code, 'too-large', `${v} is larger than ${MAX_FIGURE}`);
    else if (ind.integer && !Number.isInteger(v)) err(ind.code, 'not-integer', `${v} is not a whole number`);
    else figures[ind.key] = v;
  }
  for (const [i, ind] of INDICATORS.entries()) {
    if (!seen.has(ind.code)) errors.push({ row: FIRST_ROW + i, field: ind.code, code: 'missing', value: null, message: `${ind.code} is missing` });
  }
  if (errors.length > 0 || !month) return { ok: false, errors: errors.sort((a, b) => a.row - b.row) };
  return { ok: true, month, figures: figures as Figures };
}
