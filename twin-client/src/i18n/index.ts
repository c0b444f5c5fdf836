/**
 * i18n: zh-CN by default, English on request (persisted in localStorage, or `?lang=en`).
 * Every UI string goes through `t()`. Shared strings (object kinds, attributes, statuses) live in
 * zh-CN.ts and en.ts; a client module brings its own under its namespace (`ClientModule.i18n`), and
 * live layers are labelled by their definitions in layers/src/<layer>/.
 */
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { zhCN } from './zh-CN.ts';
import { en } from './en.ts';

export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
const STORAGE_KEY = 'twin.lang';

function initialLanguage(): Language {
  const fromUrl = new URLSearchParams(globalThis.location?.search ?? '').get('lang');
  const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
  const pick = fromUrl ?? stored;
  return pick === 'en' ? 'en' : 'zh-CN';
}

/** Initializes i18next once (synchronously: resources are bundled, nothing is fetched). */
export function initI18n(lang: Language = initialLanguage()): typeof i18next {
  if (!i18next.isInitialized) {
    void i18next.use(initReactI18next).init({
      resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } },
      lng: lang,
      fallbackLng: 'zh-CN',
      interpolation: { escapeValue: false },
      initAsync: false,
    });
  }
  return i18next;
}

/** Switches the UI language and remembers it. */
export function setLanguage(lang: Language): void {
  globalThis.localStorage?.setItem(STORAGE_KEY, lang);
  void i18next.changeLanguage(lang);
  if (globalThis.document) document.documentElement.lang = lang;
}

/** Name in the current language: English name when English is on and one exists. */
export function localName(o: { name: string; nameEn?: string | null }): string {
  return i18next.language === 'en' && o.nameEn ? o.nameEn : o.name;
}

export { i18next };
