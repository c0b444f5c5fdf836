/** The economy views' strings (zh-CN first, English beside), and the figures' labels and units. */

export const INDICATORS = [
  { key: 'outputValue', code: 'output_value', zh: '工业总产值', en: 'Output value', unit: ['万元', '10k CNY'], step: 0.01 },
  { key: 'revenue', code: 'revenue', zh: '营业收入', en: 'Revenue', unit: ['万元', '10k CNY'], step: 0.01 },
  { key: 'tax', code: 'tax', zh: '税收', en: 'Tax paid', unit: ['万元', '10k CNY'], step: 0.01 },
  { key: 'rdSpend', code: 'rd_spend', zh: '研发投入', en: 'R&D spending', unit: ['万元', '10k CNY'], step: 0.01 },
  { key: 'staff', code: 'staff', zh: '从业人员', en: 'Employees', unit: ['人', 'people'], step: 1 },
  { key: 'energyKwh', code: 'energy_kwh', zh: '用电量', en: 'Electricity used', unit: ['千瓦时', 'kWh'], step: 0.1 },
] as const;
export type FigureKey = (typeof INDICATORS)[number]['key'];
export type Figures = Record<FigureKey, number>;

export interface Filing extends Figures {
  id: number; enterpriseIdx: number; enterprise: string; enterpriseEn: string | null; month: string;
  status: 'submitted' | 'approved' | 'returned'; source: 'form' | 'excel'; version: number;
  filedByName: string; filedAt: string; reviewedByName: string | null; reviewedAt: string | null; reviewNote: string | null;
}
export interface RowError { row: number; field: string; code: string; value: string | null; message: string }

const S = {
  filingTitle: ['月度经济数据填报', 'Monthly economic filing'],
  month: ['报表月份', 'Month'],
  template: ['下载 Excel 模板', 'Download the Excel template'],
  upload: ['上传 Excel 报表', 'Upload the Excel report'],
  orForm: ['或在下方直接填写', 'or fill in the form below'],
  submit: ['提交', 'Submit'],
  created: ['已提交，等待园区审核', 'Submitted; waiting for the park\'s review'],
  updated: ['已更新，等待园区审核', 'Updated; waiting for the park\'s review'],
  unchanged: ['与已提交的数据相同，未作改动', 'Same as already filed; nothing changed'],
  errorsTitle: ['报表有以下问题，未提交任何数据：', 'The report has these problems; nothing was filed:'],
  row: ['第 {{n}} 行', 'Row {{n}}'],
  mine: ['本企业的填报', 'Our filings'],
  none: ['暂无填报', 'No filings yet'],
  reviewTitle: ['经济数据填报审核', 'Review of economic filings'],
  enterprise: ['企业', 'Enterprise'],
  status: ['状态', 'Status'],
  filedBy: ['填报人', 'Filed by'],
  lastYear: ['去年同月', 'Same month last year'],
  recorded: ['现有记录', 'On record'],
  approve: ['通过', 'Approve'],
  return: ['退回', 'Return'],
  note: ['退回原因', 'Reason for returning'],
  noteNeeded: ['请填写退回原因', 'Say why it is returned'],
  all: ['全部', 'All'],
  via: ['方式', 'Via'],
  reviewNote: ['审核意见', 'Review note'],
  loading: ['加载中…', 'Loading…'],
} as const;

const STATUS = { submitted: ['待审核', 'Submitted'], approved: ['已通过', 'Approved'], returned: ['已退回', 'Returned'] } as const;
const SOURCE = { form: ['表单', 'Form'], excel: ['Excel', 'Excel'] } as const;
const CODES: Record<string, [string, string]> = {
  missing: ['缺少数值', 'no value'],
  'not-number': ['不是数字', 'not a number'],
  negative: ['不能为负数', 'must not be negative'],
  'not-integer': ['必须是整数', 'must be a whole number'],
  'too-large': ['数值过大', 'too large'],
  'unknown-indicator': ['未知指标', 'unknown indicator'],
  duplicate: ['指标重复', 'indicator repeated'],
  'bad-month': ['月份格式应为 YYYY-MM', 'the month must be YYYY-MM'],
  'not-a-workbook': ['不是 Excel 工作簿（.xlsx）', 'not an Excel workbook (.xlsx)'],
};

/** The strings of one language. */
export function strings(en: boolean) {
  const i = en ? 1 : 0;
  return {
    t: (k: keyof typeof S, vars: Record<string, string | number> = {}) => S[k][i].replace(/\{\{(\w+)\}\}/g, (_, v: string) => String(vars[v] ?? '')),
    status: (s: Filing['status']) => STATUS[s][i],
    source: (s: Filing['source']) => SOURCE[s][i],
    label: (code: string) => {
      const ind = INDICATORS.find((x) => x.code === code || x.key === code);
      return ind ? (en ? ind.en : ind.zh) : code === 'month' ? S.month[i] : code;
    },
    unit: (key: FigureKey) => INDICATORS.find((x) => x.key === key)!.unit[i],
    /** One row problem as a sentence: "第 8 行 · 税收：不是数字（「六十六」）". */
    rowError: (e: RowError) => {
      const what = CODES[e.code]?.[i] ?? e.message;
      const where = e.row > 0 ? `${S.row[i].replace('{{n}}', String(e.row))} · ` : '';
      const field = e.field === 'file' ? '' : `${en ? INDICATORS.find((x) => x.code === e.field)?.en ?? (e.field === 'month' ? 'Month' : e.field) : INDICATORS.find((x) => x.code === e.field)?.zh ?? (e.field === 'month' ? '报表月份' : e.field)}${en ? ': ' : '：'}`;
      return `${where}${field}${what}${e.value !== null && e.value !== '' ? (en ? ` ("${e.value}")` : `（「${e.value}」）`) : ''}`;
    },
    num: (v: number, d = 2) => new Intl.NumberFormat(en ? 'en-US' : 'zh-CN', { maximumFractionDigits: d }).format(v),
  };
}

/** "2026-11" as the UI shows a month. */
export const monthLabel = (m: string, en: boolean) => (en ? m : `${m.slice(0, 4)}年${Number(m.slice(5, 7))}月`);

/** The last `n` closed months ('YYYY-MM'), newest first, from the browser's clock. */
export function closedMonths(n: number, now = new Date()): string[] {
  const out: string[] = [];
  for (let k = 1; k <= n; k++) {
    const d = new Date(now.getFullYear(), now.getMonth() - k, 1);
    out.push(`${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`);
  }
  return out;
}
