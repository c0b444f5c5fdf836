/**
 * Scene look settings shared by the ground layer (inside the WebGL canvas) and its DOM controls:
 * ground on/off, labels on/off, night, quality. The first values come from the URL (`?night=1`,
 * `?ground=0`, `?labels=0`, `?quality=high`), so a wall or a test opens straight into a mode.
 */
import i18next from 'i18next';

/** What the ground layer draws. */
export interface GroundSettings {
  ground: boolean;
  labels: boolean;
  night: boolean;
  /** low: flat unlit ground, no shadows (software WebGL); high: the same today (shadows not built yet). */
  quality: 'low' | 'high';
}

function fromUrl(): GroundSettings {
  const q = typeof location === 'undefined' ? new URLSearchParams() : new URLSearchParams(location.search);
  return {
    ground: q.get('ground') !== '0',
    labels: q.get('labels') !== '0',
    night: q.get('night') === '1',
    quality: q.get('quality') === 'high' ? 'high' : 'low',
  };
}

let current: GroundSettings = fromUrl();
let version = 0;
const listeners = new Set<() => void>();

/** The settings store (useSyncExternalStore surface). */
export const groundSettings = {
  get: (): GroundSettings => current,
  version: (): number => version,
  set(patch: Partial<GroundSettings>): void {
    current = { ...current, ...patch };
    version++;
    for (const l of listeners) l();
  },
  subscribe(fn: () => void): () => void {
    listeners.add(fn);
    return () => listeners.delete(fn);
  },
};

/** The ground layer's zh/en strings (namespace `ground`). */
export const GROUND_I18N = {
  'zh-CN': {
    day: '白天', night: '夜间', labels: '标注', ground: '地面', mode: '场景模式',
    viewpoints: '保存的视角', saveView: '保存视角', saveViewHint: '保存当前视角，点击即可飞回', viewN: '视角{{n}}', removeView: '删除视角{{n}}',
    viewsFull: '最多 {{n}} 个，新保存的会替换最早的',
  },
  en: {
    day: 'Day', night: 'Night', labels: 'Labels', ground: 'Ground', mode: 'Scene mode',
    viewpoints: 'Saved viewpoints', saveView: 'Save view', saveViewHint: 'Save this view; click it later to fly back', viewN: 'View {{n}}', removeView: 'Remove view {{n}}',
    viewsFull: 'At most {{n}}; a new one replaces the oldest',
  },
} as const;

/** Adds the strings to i18next (now, or once it is initialized). */
export function addGroundStrings(): void {
  const add = () => {
    i18next.addResourceBundle('zh-CN', 'ground', GROUND_I18N['zh-CN'], true, true);
    i18next.addResourceBundle('en', 'ground', GROUND_I18N.en, true, true);
  };
  if (i18next.isInitialized) add();
  else i18next.on('initialized', add);
}
