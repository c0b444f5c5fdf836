/**
 * Test helpers of the economy module (route contract, server and browser tests): a filled-in
 * monthly report workbook built from the real template, and the previous (closed) month.
 */
import ExcelJS from 'exceljs';
import { FIRST_ROW, INDICATORS, MONTH_ROW, templateWorkbook, type Figures } from './excel.ts';
import { monthOf } from './history.ts';
import { addMonths } from '../../seed/dates.ts';

/** The last closed month ('YYYY-MM') at `now` in the park's time zone. */
export const closedMonth = (now: Date | number, timeZone = 'Asia/Shanghai'): string => addMonths(monthOf(new Date(now), timeZone), -1).slice(0, 7);

/** Plausible figures of a small company's month. */
export const SAMPLE_FIGURES: Figures = { outputValue: 1234.5, revenue: 1100, tax: 66.25, rdSpend: 120, staff: 85, energyKwh: 23_456.7 };

/**
 * The template filled in: `month` in the month cell and each indicator's value; `override` puts
 * any cell value (text, negative, blank) in an indicator's value cell instead.
 */
export async function reportXlsx(month: string | null, figures: Figures, override: Partial<Record<string, ExcelJS.CellValue>> = {}): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await templateWorkbook({ enterprise: null, month })) as unknown as ArrayBuffer);
  const ws = wb.worksheets[0]!;
  INDICATORS.forEach((ind, i) => {
    ws.getCell(`D${FIRST_ROW + i}`).value = ind.code in override ? override[ind.code]! : figures[ind.key];
  });
  if ('month' in override) ws.getCell(`B${MONTH_ROW}`).value = override.month!;
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** The spreadsheet row of an indicator in the template. */
export const rowOf = (code: string): number => FIRST_ROW + INDICATORS.findIndex((i) => i.code === code);
