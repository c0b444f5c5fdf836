/** The command wall's video parameters (`?video=1|4|9&vcams=12,40`); null when the wall shows no video. */
const GRIDS = [1, 4, 9] as const;

export function wallVideoParams(search: string): { grid: number; cams: number[] } | null {
  const q = new URLSearchParams(search);
  const g = Number(q.get('video'));
  if (!(GRIDS as readonly number[]).includes(g)) return null;
  const cams = (q.get('vcams') ?? '').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
  return { grid: g, cams };
}
