/**
 * The generic create / edit form (react-hook-form with the zod resolver). The zod schema is
 * rebuilt from the JSON Schema of each field the server sends in the entity's meta (the same zod
 * schemas validate on the server), so the form and the API agree on what is valid.
 */
import { useMemo, useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { useTranslation } from 'react-i18next';
import { pick, type EntityMeta, type FieldMeta } from './api.ts';
import './i18n.ts';

/**
 * The zod schema of the given fields, from their JSON Schemas. A field is required when `required`
 * names it, or (no list given) when the server says its schema does not accept a missing value.
 */
export function formSchema(meta: EntityMeta, fields: readonly string[], required: readonly string[] | null = null): z.ZodType<Record<string, unknown>> {
  const shape: Record<string, z.ZodType> = {};
  for (const f of fields) {
    const base = z.fromJSONSchema(meta.fields[f]!.schema as never) as z.ZodType;
    shape[f] = (required ? required.includes(f) : meta.fields[f]!.required) ? base : base.optional();
  }
  return z.object(shape) as unknown as z.ZodType<Record<string, unknown>>;
}

/** The input kind of a field: declared, else from its JSON Schema. */
export function inputOf(f: FieldMeta): NonNullable<FieldMeta['input']> {
  if (f.input) return f.input;
  const s = f.schema as { type?: string; enum?: unknown[]; anyOf?: { type?: string; enum?: unknown[] }[] };
  const t = s.type ?? s.anyOf?.find((x) => x.type !== 'null')?.type;
  if (s.enum || s.anyOf?.some((x) => x.enum)) return 'select';
  if (t === 'number' || t === 'integer') return 'number';
  if (t === 'boolean') return 'checkbox';
  return 'text';
}

/** Props of the form. */
export interface RecordFormProps {
  readonly meta: EntityMeta;
  /** Fields shown, in order. */
  readonly fields: readonly string[];
  readonly initial?: Record<string, unknown>;
  readonly submitLabel: string;
  readonly onSubmit: (data: Record<string, unknown>) => Promise<void>;
  readonly onCancel?: () => void;
  /** Names the form for tests and styles. */
  readonly name: string;
  /** Fields that must be filled (default: those the server marks required). */
  readonly required?: readonly string[];
}

/** The form. */
export function RecordForm({ meta, fields, initial, submitLabel, onSubmit, onCancel, name, required }: RecordFormProps) {
  const { t, i18n } = useTranslation('kit');
  const schema = useMemo(() => formSchema(meta, fields, required ?? null), [meta, fields, required]);
  const [serverError, setServerError] = useState<string | null>(null);
  const { register, handleSubmit, formState: { errors, isSubmitting }, getValues } = useForm<Record<string, unknown>>({
    resolver: zodResolver(schema as never) as never,
    defaultValues: Object.fromEntries(fields.map((f) => [f, initial?.[f] ?? (inputOf(meta.fields[f]!) === 'checkbox' ? (meta.fields[f]!.schema as { default?: unknown }).default ?? false : undefined)])),
  });
  const submit = handleSubmit(async (data) => {
    setServerError(null);
    try {
      await onSubmit(Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined && v !== '')));
    } catch (e) {
      setServerError((e as Error).message);
    }
  });
  const message = (f: string) => {
    const v = getValues(f);
    return v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v)) ? t('required') : t('invalid');
  };
  return (
    <form className="kit-form" data-form={name} onSubmit={(e) => void submit(e)} noValidate>
      {fields.map((f) => {
        const fm = meta.fields[f]!;
        const kind = inputOf(fm);
        const id = `${name}-${f}`;
        const empty = (v: unknown) => (v === '' || v === null ? undefined : v);
        return (
          <label key={f} htmlFor={id} className={`kit-field kit-field-${kind}`} data-field={f}>
            <span>{pick(fm.label, i18n.language)}</span>
            {kind === 'textarea' && <textarea id={id} rows={3} {...register(f, { setValueAs: empty })} />}
            {kind === 'text' && <input id={id} type="text" {...register(f, { setValueAs: empty })} />}
            {kind === 'date' && <input id={id} type="date" {...register(f, { setValueAs: empty })} />}
            {kind === 'number' && <input id={id} type="number" {...register(f, { setValueAs: (v: string) => (v === '' ? undefined : Number(v)) })} />}
            {kind === 'checkbox' && <input id={id} type="checkbox" {...register(f)} />}
            {kind === 'select' && (
              <select id={id} {...register(f, { setValueAs: (v: string) => {
                if (v === '') return undefined;
                const type = (fm.schema as { type?: string }).type;
                return type === 'integer' || type === 'number' ? Number(v) : v;
              } })}>
                <option value="">—</option>
                {Object.entries(fm.options ?? {}).map(([k, l]) => <option key={k} value={k}>{pick(l, i18n.language)}</option>)}
              </select>
            )}
            {errors[f] && <em className="kit-field-error" role="alert">{message(f)}</em>}
          </label>
        );
      })}
      {serverError && <div className="kit-error" role="alert">{serverError}</div>}
      <div className="kit-actions">
        {onCancel && <button type="button" onClick={onCancel}>{t('cancel')}</button>}
        <button type="submit" className="primary" disabled={isSubmitting} data-kit="submit">{submitLabel}</button>
      </div>
    </form>
  );
}
