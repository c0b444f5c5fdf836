/**
 * The wall's URL parameters (docs/wall.md): layout, kiosk, tour, alarm focus and the shared
 * camera. Pure parsing, so bad values fall back to defaults instead of breaking an unattended wall.
 */

/** The three layouts; any other size picks the nearest by aspect ratio. */
export const LAYOUTS = ['16:9', '32:9', '48:9'] as const;
export type WallLayout = (typeof LAYOUTS)[number];

/** Everything the wall reads from its URL. */
export interface WallParams {
  /** Layout forced by `?aspect=`; null = chosen from the viewport. */
  aspect: WallLayout | null;
  /** `?kiosk=1`: no cursor, no top bar. */
  kiosk: boolean;
  /** `?tour=1|0`: unattended tour (on by default in kiosk mode). */
  tour: boolean;
  /** `?dwell=`: seconds per default tour stop (saved bookmarks carry their own). */
  dwellS: number;
  /** `?focus=`: seconds the camera stays on a critical alarm before returning. */
  focusS: number;
  /** `?refresh=`: seconds between KPI refreshes. */
  refreshS: number;
  /** `?cam=px,py,pz,tx,ty,tz`: camera position and target (local metres), from a shared link. */
  camera: [number, number, number, number, number, number] | null;
}

const clampInt = (v: string | null, def: number, min: number, max: number) => {
  const n = v === null ? Number.NaN : Number.parseInt(v, 10);
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : def;
};

/** Parses the wall's query string; unknown or malformed values take their defaults. */
export function parseWallParams(search: string): WallParams {
  const q = new URLSearchParams(search);
  const aspect = q.get('aspect');
  const kiosk = q.get('kiosk') === '1';
  const tour = q.get('tour');
  const cam = (q.get('cam') ?? '').split(',').map(Number);
  return {
    aspect: LAYOUTS.includes(aspect as WallLayout) ? (aspect as WallLayout) : null,
    kiosk,
    tour: tour === null ? kiosk : tour === '1',
    dwellS: clampInt(q.get('dwell'), 20, 5, 3600),
    focusS: clampInt(q.get('focus'), 20, 3, 600),
    refreshS: clampInt(q.get('refresh'), 10, 2, 600),
    camera: cam.length === 6 && cam.every(Number.isFinite) ? (cam as WallParams['camera']) : null,
  };
}

/** The layout for a viewport: 16:9 up to ~2.6:1, 32:9 up to ~4.4:1, 48:9 beyond. */
export function layoutFor(forced: WallLayout | null, width: number, height: number): WallLayout {
  if (forced) return forced;
  const r = height > 0 ? width / height : 16 / 9;
  return r < 2.6 ? '16:9' : r < 4.4 ? '32:9' : '48:9';
}

/** Camera as the `cam` parameter (decimetre precision keeps links short). */
export function cameraParam(pos: readonly number[], target: readonly number[]): string {
  return [...pos, ...target].map((v) => Math.round(v * 10) / 10).join(',');
}
