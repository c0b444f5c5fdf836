/**
 * WebSocket control messages owned by modules (`TwinModule.wsHandlers`), per HTTP server: the
 * host registers the enabled modules' handlers before modules attach, and the stream (`ws.ts`)
 * looks a message `type` up here when it is not one of the core protocol's.
 */
import type http from 'node:http';
import type { WsHandler } from '../modules/types.ts';

/** Message types of the core protocol (layers/src/protocol.ts); a module cannot take them. */
const CORE_TYPES = new Set(['hello', 'ping', 'subscribe', 'unsubscribe']);
const TYPE_RE = /^[a-z][a-z0-9_.:-]{0,63}$/;

/** A registered handler and the module it belongs to. */
export interface ModuleWsHandler {
  readonly module: string;
  readonly handler: WsHandler;
}

const byServer = new WeakMap<http.Server, ReadonlyMap<string, ModuleWsHandler>>();

/**
 * Registers the handlers of one server. Types must be well formed, unique and not core protocol
 * types; otherwise this throws with every problem, one per line.
 */
export function setModuleWsHandlers(server: http.Server, handlers: readonly ModuleWsHandler[]): void {
  const problems: string[] = [];
  const map = new Map<string, ModuleWsHandler>();
  for (const h of handlers) {
    const t = h.handler.type;
    if (!TYPE_RE.test(t)) problems.push(`module ${h.module}: WebSocket message type ${JSON.stringify(t)} must be 1-64 characters of a-z, 0-9, _ . : and -`);
    else if (CORE_TYPES.has(t)) problems.push(`module ${h.module}: WebSocket message type ${t} belongs to the core protocol`);
    else if (map.has(t)) problems.push(`module ${h.module}: WebSocket message type ${t} is already handled by module ${map.get(t)!.module}`);
    map.set(t, h);
  }
  if (problems.length > 0) throw new Error(`Invalid module WebSocket handlers:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  byServer.set(server, map);
}

/** The module handler of message `type` on `server`, if any. */
export function moduleWsHandler(server: http.Server, type: string): ModuleWsHandler | undefined {
  return byServer.get(server)?.get(type);
}
