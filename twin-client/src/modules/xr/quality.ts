/**
 * Quality by device tier: phones and standalone headsets draw fewer, coarser tiles (a larger
 * screen-space error target) at a reduced framebuffer scale, so the 72/90 Hz frame budget of a
 * headset (13.9 / 11.1 ms) holds; a PC-tethered headset keeps the desktop's detail.
 */
export type Tier = 'low' | 'mid' | 'high';

/** Per tier: tiles' screen-space error target (px), XR framebuffer scale, target frame rate (Hz). */
export const TIERS: Record<Tier, { errorTarget: number; framebufferScale: number; hz: number }> = {
  low: { errorTarget: 24, framebufferScale: 0.7, hz: 60 },
  mid: { errorTarget: 16, framebufferScale: 0.85, hz: 72 },
  high: { errorTarget: 12, framebufferScale: 1, hz: 90 },
};

/** The tier of this device from its user agent and core count (an explicit `?tier=` wins). */
export function deviceTier(ua: string, cores: number, override?: string | null): Tier {
  if (override === 'low' || override === 'mid' || override === 'high') return override;
  if (/OculusBrowser|Quest|Pico|Wolvic/i.test(ua)) return 'mid';
  if (/Android|iPhone|iPad|Mobile/i.test(ua)) return 'low';
  return cores >= 8 ? 'high' : 'mid';
}
