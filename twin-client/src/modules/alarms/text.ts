/** An alarm's texts in the UI language (shared by the console, the panel section and the dock). */
import { alarmKind } from '@park-twin/layers';

/** The fields of a console alarm the texts need. */
export interface AlarmTexts {
  readonly kind: string;
  readonly message: string;
  readonly template: { readonly zh: string; readonly en: string } | null;
  readonly params: Readonly<Record<string, string | number>> | null;
  readonly ruleName: { readonly zh: string; readonly en: string } | null;
}

/** The alarm's text in the UI language: the rule's template with the stored parameters, else the stored message. */
export function alarmText(a: Pick<AlarmTexts, 'template' | 'params' | 'message'>, lang: string): string {
  const tpl = a.template ? (lang === 'en' ? a.template.en : a.template.zh) : null;
  if (!tpl) return a.message;
  return tpl.replace(/\{(\w+)\}/g, (m, k: string) => (a.params && a.params[k] !== undefined ? String(a.params[k]) : m));
}

/** The alarm kind's label in the UI language: the declaring layer's, else the rule's name. */
export function kindLabel(a: Pick<AlarmTexts, 'kind' | 'ruleName'>, lang: string): string {
  const k = alarmKind(a.kind);
  if (k) return lang === 'en' ? k.label.en : k.label.zh;
  if (a.ruleName) return lang === 'en' ? a.ruleName.en : a.ruleName.zh;
  return a.kind;
}
