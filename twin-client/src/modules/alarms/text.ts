/**
 * An alarm's texts in the UI language (shared by the console, the panel section, the dock and the
 * wall's ticker). The stored `message` is the server's English rendering, kept for old clients
 * and the audit: a screen never shows it in Chinese. In order:
 *  1. the rule's message template (zh / en) filled with the parameters stored with the alarm;
 *  2. the message key of the alarm kind (`alarms:msg.<kind>`) filled with the same parameters,
 *     when every placeholder has a value (an alarm whose rule was deleted, a no-data alarm);
 *  3. an old row without either: in English its stored message; in Chinese the stored message
 *     only when it is Chinese, else the kind's label (never an English sentence on a Chinese screen).
 */
import { alarmKind } from '@park-twin/layers';
import { alarmsI18n } from './i18n.ts';

/** The fields of a console alarm the texts need. */
export interface AlarmTexts {
  readonly kind: string;
  readonly message: string;
  readonly template: { readonly zh: string; readonly en: string } | null;
  readonly params: Readonly<Record<string, string | number>> | null;
  readonly ruleName: { readonly zh: string; readonly en: string } | null;
}

/** The UI language as the texts know it. */
export type TextLang = 'zh' | 'en';

/** `en` for an English UI (`en`, `en-GB`, ...), else `zh`. */
export function textLang(language: string | undefined): TextLang {
  return language?.startsWith('en') ? 'en' : 'zh';
}

const PLACEHOLDER = /\{(\w+)\}/g;
const HAN = /[\u3400-\u9fff]/;

/** Fills `{name}` from `params`; null when a placeholder has no value and `strict`. */
function fill(tpl: string, params: Readonly<Record<string, string | number>> | null, strict: boolean): string | null {
  let missing = false;
  const out = tpl.replace(PLACEHOLDER, (m, k: string) => {
    const v = params?.[k];
    if (v === undefined || v === null) {
      missing = true;
      return m;
    }
    return String(v);
  });
  return strict && missing ? null : out;
}

/** The message key's template of an alarm kind in `lang`, if the catalogue has one. */
export function keyTemplate(kind: string, lang: TextLang): string | null {
  const cat = (lang === 'en' ? alarmsI18n.en.msg : alarmsI18n['zh-CN'].msg) as Readonly<Record<string, string>>;
  return Object.prototype.hasOwnProperty.call(cat, kind) ? cat[kind]! : null;
}

/** The alarm's text in the UI language (see the file comment for the order). */
export function alarmText(a: Pick<AlarmTexts, 'kind' | 'template' | 'params' | 'message'> & Partial<Pick<AlarmTexts, 'ruleName'>>, language: string): string {
  const lang = textLang(language);
  const tpl = a.template ? (lang === 'en' ? a.template.en : a.template.zh) : null;
  if (tpl) return fill(tpl, a.params, false)!;
  const key = keyTemplate(a.kind, lang);
  if (key) {
    const text = fill(key, a.params, true);
    if (text !== null) return text;
  }
  if (lang === 'en' || HAN.test(a.message)) return a.message;
  return kindLabel({ kind: a.kind, ruleName: a.ruleName ?? null }, lang);
}

/** The alarm kind's label in the UI language: the declaring layer's, else the rule's name, else the kind's message key. */
export function kindLabel(a: Pick<AlarmTexts, 'kind' | 'ruleName'>, language: string): string {
  const lang = textLang(language);
  const k = alarmKind(a.kind);
  if (k) return lang === 'en' ? k.label.en : k.label.zh;
  if (a.ruleName) return lang === 'en' ? a.ruleName.en : a.ruleName.zh;
  const key = keyTemplate(a.kind, lang);
  if (key && !/\{\w+\}/.test(key)) return key;
  return lang === 'en' ? a.kind.replace(/_/g, ' ') : alarmsI18n['zh-CN'].unknownKind;
}
