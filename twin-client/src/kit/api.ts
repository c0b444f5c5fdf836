/**
 * The records kit's API calls: JSON with the session cookie and the CSRF header on mutations, and
 * the types of what the kit's generated routes answer (`GET /api/<path>/meta` and friends).
 */
import { csrfToken } from '../auth/api.ts';

/** A failed call with its status (409: someone else changed the record). */
export class KitError extends Error {
  /** Wraps a failed response. */
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Calls the API; throws KitError on a non-2xx answer. */
export async function kitFetch<T>(method: string, path: string, body?: unknown, opts: { raw?: Blob; background?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (opts.raw) headers['Content-Type'] = opts.raw.type || 'application/octet-stream';
  else if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken();
  if (opts.background) headers['X-Twin-Background'] = '1';
  const r = await fetch(path, { method, credentials: 'same-origin', headers, body: opts.raw ?? (body === undefined ? null : JSON.stringify(body)) });
  if (!r.ok) {
    let msg = r.statusText;
    try {
      msg = ((await r.json()) as { error?: { message?: string } }).error?.message ?? msg;
    } catch {
      // not JSON: keep the status text
    }
    throw new KitError(r.status, msg);
  }
  return (r.status === 204 ? undefined : await r.json()) as T;
}

/** A text in both UI languages. */
export interface Label { zh: string; en: string }

/** One field as the meta route describes it. */
export interface FieldMeta {
  label: Label;
  input: 'text' | 'textarea' | 'number' | 'select' | 'date' | 'checkbox' | null;
  options: Record<string, Label> | null;
  editable: boolean;
  onCreate: boolean;
  /** The value may not be left out (at create; a transition names its own required fields). */
  required: boolean;
  /** JSON Schema of the field (zod's toJSONSchema on the server). */
  schema: Record<string, unknown>;
}

/** The entity definition as the client sees it. */
export interface EntityMeta {
  entity: string;
  label: Label;
  path: string;
  titleField: string;
  columns: string[];
  filters: string[];
  search: string[];
  objectKinds: string[];
  fields: Record<string, FieldMeta>;
  states: Record<string, { label: Label; final?: boolean; sla?: { withinMinutes: number } }>;
  initial: string;
  transitions: Record<string, { from: string[]; to: string; label: Label; sets: string[]; requires: string[]; allowed: boolean }>;
  attachments: { maxBytes: number; types: string[] };
  can: { create: boolean; write: boolean; assign: boolean; comment: boolean };
}

/** A record. */
export interface RecordItem {
  id: number;
  entity: string;
  state: string;
  version: number;
  objectIdx: number | null;
  objectName: string | null;
  enterpriseIdx: number | null;
  title: string;
  data: Record<string, unknown>;
  assignees: string[];
  createdBy: string | null;
  createdByName: string | null;
  createdAt: string;
  updatedAt: string;
  stateSince: string;
  dueAt: string | null;
  escalatedAt: string | null;
}

/** The detail route's answer. */
export interface RecordDetailData {
  record: RecordItem;
  allowed: string[];
  assigneeNames: Record<string, string>;
  comments: { id: number; authorName: string | null; body: string; at: string }[];
  attachments: { id: number; name: string; contentType: string; size: number; byName: string | null; at: string }[];
  transitions: { id: number; transition: string; from: string; to: string; byName: string | null; note: string | null; at: string }[];
}

/** A label in the UI language. */
export function pick(l: Label | undefined, language: string): string {
  return l ? (language === 'en' ? l.en : l.zh) : '';
}
