/**
 * The workflow of an entity as an xstate 5 state machine. xstate is used as a pure transition
 * function (no running actors): the state lives in `kit_record.state`, the machine is resolved at
 * that state with the record and principal as context, and `snapshot.can(event)` answers whether a
 * transition is possible from there with its guards. Permissions are checked before, so a refusal
 * for lack of permission (403) is told apart from an impossible transition (409).
 */
import { createMachine, type AnyStateMachine } from 'xstate';
import type { Principal } from '../../auth/types.ts';
import type { EntityDef, GuardInput, StoredRecord } from './define.ts';

const machines = new WeakMap<EntityDef, AnyStateMachine>();

/** The xstate machine of a definition (built once per definition). */
export function machineOf(def: EntityDef): AnyStateMachine {
  let m = machines.get(def);
  if (m) return m;
  const states: Record<string, { type?: 'final'; on: Record<string, { target: string; guard: (a: { context: GuardInput }) => boolean }> }> = {};
  for (const [name, s] of Object.entries(def.workflow.states)) states[name] = { ...(s.final ? { type: 'final' as const } : {}), on: {} };
  for (const [name, t] of Object.entries(def.workflow.transitions)) {
    for (const from of t.from) {
      states[from]!.on[name] = {
        target: t.to,
        guard: ({ context }) => (t.guards ?? []).every((g) => g(context) === null),
      };
    }
  }
  m = createMachine({ id: def.entity, initial: def.workflow.initial, context: {} as GuardInput, states } as never);
  machines.set(def, m);
  return m;
}

/** Why a transition cannot fire now. */
export type FireCheck =
  | { readonly ok: true; readonly to: string }
  | { readonly ok: false; readonly status: 403 | 404 | 409; readonly reason: string };

/** Whether `principal` may fire `name` on `record` (permission, source state, guards). */
export function checkTransition(def: EntityDef, record: StoredRecord, name: string, principal: Principal): FireCheck {
  const t = Object.hasOwn(def.workflow.transitions, name) ? def.workflow.transitions[name] : undefined;
  if (!t) return { ok: false, status: 404, reason: `no transition ${name}` };
  if (!principal.permissions.has(t.permission as never)) return { ok: false, status: 403, reason: `${t.permission} required` };
  const context: GuardInput = { record, principal };
  const snap = machineOf(def).resolveState({ value: record.state, context });
  if (snap.can({ type: name })) return { ok: true, to: t.to };
  if (!t.from.includes(record.state)) return { ok: false, status: 409, reason: `cannot ${name} a record in state ${record.state}` };
  const why = (t.guards ?? []).map((g) => g(context)).find((r) => r !== null);
  return { ok: false, status: 409, reason: why ?? `${name} is not possible now` };
}

/** Transitions the principal may fire on the record now (for the detail view's buttons). */
export function allowedTransitions(def: EntityDef, record: StoredRecord, principal: Principal): string[] {
  return Object.keys(def.workflow.transitions).filter((n) => checkTransition(def, record, n, principal).ok);
}
