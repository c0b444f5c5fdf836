/** ISO date arithmetic in UTC (no local time zone, no wall clock). */

const DAY = 86_400_000;

/** 'YYYY-MM-DD' of a UTC epoch millisecond value. */
export const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
/** Epoch milliseconds of 'YYYY-MM-DD' at UTC midnight. */
export const parseIso = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);
/** The date `n` days after `iso` (n may be negative). */
export const addDays = (iso: string, n: number): string => isoDate(parseIso(iso) + n * DAY);
/** Whole days from a to b. */
export const daysBetween = (a: string, b: string): number => Math.round((parseIso(b) - parseIso(a)) / DAY);
/** The first day of the month `n` months after the month of `iso`. */
export function addMonths(iso: string, n: number): string {
  const d = new Date(parseIso(iso));
  return isoDate(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1));
}
/** The same day `years` years later (Feb 29 rolls to Mar 1). */
export function addYears(iso: string, years: number): string {
  const d = new Date(parseIso(iso));
  return isoDate(Date.UTC(d.getUTCFullYear() + years, d.getUTCMonth(), d.getUTCDate()));
}
