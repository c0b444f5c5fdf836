/**
 * The records kit's declarative entity definition: fields (zod schemas with zh/en labels), list
 * columns, filters, search fields, the twin object a record is attached to, who may read and
 * write, enterprise scoping, and the workflow (states, transitions with their permission and
 * guards, SLA timers with escalation). `recordRoutes` turns one definition into the routes.
 */
import type { ZodType } from 'zod';
import type { Principal } from '../../auth/types.ts';
import type { Queryable } from '../../db/index.ts';

/** A label in both UI languages. */
export interface Label {
  readonly zh: string;
  readonly en: string;
}

/** One field of an entity; stored in `kit_record.data`. */
export interface FieldDef {
  readonly label: Label;
  /** Validates the value on create and edit (its JSON schema is sent to the client form). */
  readonly schema: ZodType;
  /** How the generic form renders it; defaults from the schema (string: text, enum: select). */
  readonly input?: 'text' | 'textarea' | 'number' | 'select' | 'date' | 'checkbox';
  /** Labels of enum values, for selects, lists and exports. */
  readonly options?: Readonly<Record<string, Label>>;
  /** False: set at create, read-only afterwards. Default true. */
  readonly editable?: boolean;
  /** False: not accepted at create (set later, e.g. by a transition's `sets`). Default true. */
  readonly onCreate?: boolean;
}

/** What a guard sees: the stored record and who fires the transition. */
export interface GuardInput {
  readonly record: StoredRecord;
  readonly principal: Principal;
}

/** One workflow transition. */
export interface TransitionDef {
  readonly from: readonly string[];
  readonly to: string;
  readonly label: Label;
  /** Who may fire it (`<module>:<action>`); checked on every call, refusal audited. */
  readonly permission: string;
  /**
   * Extra conditions; each returns null when it passes or the reason (shown to the user, 409).
   * Pure functions of the record and the principal (no I/O), so xstate can evaluate them.
   */
  readonly guards?: readonly ((g: GuardInput) => string | null)[];
  /** Fields the caller sets with this transition (`data` in its body), validated by their schemas. */
  readonly sets?: readonly string[];
  /** Of `sets`, the fields the caller must provide (missing: 400 before anything is looked at). */
  readonly requires?: readonly string[];
  /** Called inside the transition's database transaction, after the state changed. */
  readonly after?: (e: AfterTransition) => Promise<void>;
}

/** What a transition's `after` hook receives. */
export interface AfterTransition {
  readonly record: StoredRecord;
  readonly transition: string;
  readonly from: string;
  readonly principal: Principal;
  /** The transition's database transaction: pass it to `notify` so the notification commits with the change. */
  readonly tx: Queryable;
}

/** One workflow state. */
export interface StateDef {
  readonly label: Label;
  /** A record in this state longer than `withinMinutes` is escalated once (job). */
  readonly sla?: { readonly withinMinutes: number; readonly escalateToRoles: readonly string[] };
  /** A final state: no transition leaves it (shown as closed in lists). */
  readonly final?: boolean;
}

/** The entity definition. */
export interface EntityDef {
  /** Stable id, stored in `kit_record.entity`: `[a-z][a-z0-9_]+`. */
  readonly entity: string;
  readonly label: Label;
  /** URL segment under /api, e.g. `repairs` serves `/api/repairs`. */
  readonly path: string;
  readonly fields: Readonly<Record<string, FieldDef>>;
  /** Field whose value is the record's title (lists, notifications, audit). */
  readonly titleField: string;
  /** Columns of the list (fields, or the built-ins `id`, `state`, `object`, `createdAt`, `updatedAt`, `dueAt`, `assignees`). */
  readonly columns: readonly string[];
  /** Fields that can be filtered by equality in the list (`?f.<field>=`); `state` is always filterable. */
  readonly filters?: readonly string[];
  /** Fields searched by `?q=` (lower-cased substring match). */
  readonly search: readonly string[];
  /** Twin object kinds a record may be attached to (`objectIdx`); empty: none. */
  readonly objectKinds?: readonly string[];
  readonly permissions: {
    readonly read: string;
    readonly create: string;
    /** Edit fields. */
    readonly write: string;
    /** Set assignees. */
    readonly assign: string;
    /** Comment and attach; defaults to `read`. */
    readonly comment?: string;
  };
  /**
   * Enterprise scoping: a principal with an enterprise sees and writes only records of its
   * enterprise; records attached to an object take the object's enterprise (e.g. a room's tenant).
   */
  readonly enterpriseScoped: boolean;
  readonly workflow: {
    readonly initial: string;
    readonly states: Readonly<Record<string, StateDef>>;
    readonly transitions: Readonly<Record<string, TransitionDef>>;
  };
  /** Roles whose users may be assigned (`GET /assignable`); default: nobody listed. */
  readonly assignableRoles?: readonly string[];
  /** Client path of the entity's view; notifications link to `<uiPath>?id=<id>`. Default `/records/<path>`. */
  readonly uiPath?: string;
  /** Attachment limits. */
  readonly attachments?: { readonly maxBytes: number; readonly types: readonly string[] };
  /** Called inside the create transaction (e.g. to notify the crew). */
  readonly afterCreate?: (record: StoredRecord, principal: Principal, tx: Queryable) => Promise<void>;
}

/** The in-app link to one record. */
export function recordLink(def: EntityDef, id: number): string {
  return `${def.uiPath ?? `/records/${def.path}`}?id=${id}`;
}

/** A record as stored and returned by the API. */
export interface StoredRecord {
  readonly id: number;
  readonly entity: string;
  readonly state: string;
  readonly version: number;
  readonly objectIdx: number | null;
  readonly objectName: string | null;
  readonly enterpriseIdx: number | null;
  readonly title: string;
  readonly data: Record<string, unknown>;
  readonly assignees: readonly string[];
  readonly createdBy: string | null;
  readonly createdByName: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly stateSince: string;
  readonly dueAt: string | null;
  readonly escalatedAt: string | null;
}

/** Default attachment limits: 10 MiB of images, PDF and plain text. */
export const DEFAULT_ATTACHMENTS = {
  maxBytes: 10 * 1024 * 1024,
  types: ['image/png', 'image/jpeg', 'image/webp', 'application/pdf', 'text/plain'],
} as const;

/**
 * Checks a definition once at start (unknown states, fields, columns) and returns it; a broken
 * definition is a start-up error, never a runtime surprise.
 */
export function defineEntity(def: EntityDef): EntityDef {
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9_]{1,40}$/.test(def.entity)) problems.push(`entity id ${def.entity} must match [a-z][a-z0-9_]+`);
  if (!/^[a-z][a-z0-9-]*(\/[a-z][a-z0-9-]*)*$/.test(def.path)) problems.push(`path ${def.path} must be lower-case segments`);
  const states = def.workflow.states;
  if (!states[def.workflow.initial]) problems.push(`initial state ${def.workflow.initial} is not a state`);
  for (const [name, t] of Object.entries(def.workflow.transitions)) {
    if (!/^[a-z][a-z0-9_]*$/.test(name)) problems.push(`transition ${name} must match [a-z][a-z0-9_]*`);
    for (const s of [...t.from, t.to]) if (!states[s]) problems.push(`transition ${name} names unknown state ${s}`);
    for (const s of t.from) if (states[s]?.final) problems.push(`transition ${name} leaves final state ${s}`);
    for (const f of t.sets ?? []) if (!def.fields[f]) problems.push(`transition ${name} sets unknown field ${f}`);
    for (const f of t.requires ?? []) if (!(t.sets ?? []).includes(f)) problems.push(`transition ${name} requires ${f}, which it does not set`);
  }
  if (!def.fields[def.titleField]) problems.push(`title field ${def.titleField} is not a field`);
  const builtIn = new Set(['id', 'state', 'object', 'createdAt', 'updatedAt', 'dueAt', 'assignees', 'createdBy']);
  for (const c of def.columns) if (!builtIn.has(c) && !def.fields[c]) problems.push(`column ${c} is not a field`);
  for (const f of [...(def.filters ?? []), ...def.search]) if (!def.fields[f]) problems.push(`filter/search ${f} is not a field`);
  if (problems.length > 0) throw new Error(`entity ${def.entity}: ${problems.join('; ')}`);
  return def;
}
