/**
 * The route-contract fixture shared by twin-server/src/http/openapi.test.ts and the per-module
 * contract cases (modules/<name>/contract.ts). Every route the server mounts needs exactly one case:
 * a module adds its cases in its own folder (export `CONTRACT`), not in the shared test file.
 */
import type { RouteSpec } from './route.ts';
import type { AuthTestServer, HttpClient } from '../auth/testing.ts';

/** The park code the contract test seeds. */
export const CONTRACT_PARK = 'api-test';

/** One call: who makes it, where, and with which body. */
export interface Call {
  readonly client: HttpClient;
  readonly path: string;
  readonly body?: unknown;
}

/** What the cases may use: the server, seeded ids and principals. */
export interface Fixture {
  readonly s: AuthTestServer;
  /** A logged-in client holding `permission` (a bootstrap administrator for administrator permissions). */
  as(permission: RouteSpec['permission']): Promise<HttpClient>;
  readonly ids: Readonly<Record<'park' | 'building' | 'room' | 'equipment' | 'segment' | 'node' | 'enterprise' | 'sensor', number>> & { sensorCode: string };
  /** A throwaway user (its own sessions and password) with the given roles. */
  user(roles: string[]): Promise<{ client: HttpClient; id: string; username: string; password: string }>;
  /** Builds the park's tiles once (through the rebuild route) and returns a content GLB's name. */
  tiles(): Promise<string>;
  /** Inserts a raised alarm and returns its id. */
  alarm(): Promise<number>;
  /** Registers a wall device (security administrator) and returns its id, token and pairing code. */
  device(): Promise<{ id: string; token: string; pairingCode: string }>;
  /** The first available unit of the park (for the investment routes). */
  unit(): Promise<number>;
}

export type Case = (f: Fixture) => Promise<Call>;

export const q = (o: Record<string, string | number>) => `?${new URLSearchParams(Object.entries(o).map(([k, v]): [string, string] => [k, String(v)]))}`;


/** A module's contract cases, keyed `METHOD /path` as its routes declare them. */
export type ContractCases = Record<string, Case>;
