/**
 * MQTT device identity (issue 21, Y3/Y4): per-device credentials issued by the platform, and topic
 * ACLs. One store serves both brokers: `<data dir>/mqtt-passwords` is a mosquitto password file
 * (`name:$7$iterations$salt$hash`, PBKDF2-HMAC-SHA512, the format `mosquitto_passwd` writes), and
 * `<data dir>/mqtt-acl` the matching mosquitto ACL file. The embedded aedes broker checks the same
 * file through its authenticate / authorizePublish / authorizeSubscribe hooks.
 *
 * Rules: a device (username = its device code) may publish only `park/<park>/<layer>/<its code>`
 * (and its command results `park/<park>/cmd/<its code>/res`) and subscribe only to its own command
 * requests `park/<park>/cmd/<its code>/req`; the twin server's own identity (`twin-server`) reads
 * and writes `park/#`; the simulator (`twin-simulator`) writes `park/#` and reads every command
 * request. Nobody else may subscribe, so no device can read another's readings with `#`.
 * Anonymous clients are refused.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Identities that are not devices. */
export const SERVER_IDENTITY = 'twin-server';
export const SIMULATOR_IDENTITY = 'twin-simulator';
/** PBKDF2 iterations of new entries (mosquitto_passwd's default is 101; it reads any count from the file). */
const ITERATIONS = 20_000;

/** Who a broker client is. */
export interface MqttIdentity {
  readonly name: string;
  readonly kind: 'device' | 'server' | 'simulator';
}

/** A valid device code / username: what a topic level may hold, no wildcards or separators. */
export function validIdentityName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name);
}

/** One password-file line for `name`. */
export function hashEntry(name: string, password: string, iterations = ITERATIONS): string {
  const salt = crypto.randomBytes(12);
  const hash = crypto.pbkdf2Sync(password, salt, iterations, 64, 'sha512');
  return `${name}:$7$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

function verifyEntry(entry: string, password: string): boolean {
  const m = /^\$7\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(entry);
  if (!m) return false;
  const want = Buffer.from(m[3]!, 'base64');
  const got = crypto.pbkdf2Sync(password, Buffer.from(m[2]!, 'base64'), Number(m[1]), want.length, 'sha512');
  return want.length === got.length && crypto.timingSafeEqual(want, got);
}

const kindOf = (name: string): MqttIdentity['kind'] => (name === SERVER_IDENTITY ? 'server' : name === SIMULATOR_IDENTITY ? 'simulator' : 'device');

/** The mosquitto ACL that states the same rules (written beside the password file). */
/**
 * Device event topics `park/<park>/<segment>/<device>/<leaf>` a device may publish as itself: the
 * security events of the core (docs/patrol.md) and those the enabled modules declare
 * (`TwinModule.deviceTopics`, registered at start by `registerDeviceTopics`).
 */
const CORE_DEVICE_TOPICS: readonly DeviceTopic[] = [
  { segment: 'events', leaf: 'patrol' }, { segment: 'events', leaf: 'access' }, { segment: 'events', leaf: 'watchlist' },
];
/** A topic shape a device may publish on: `park/<park>/<segment>/<its code>/<leaf>`. */
export interface DeviceTopic {
  readonly segment: string;
  readonly leaf: string;
}
let deviceTopics: readonly DeviceTopic[] = CORE_DEVICE_TOPICS;
const TOPIC_LEVEL = /^[a-z][a-z0-9_-]{0,31}$/;

/** Registers the device topics of the enabled modules (replacing an earlier registration); throws on a bad level. */
export function registerDeviceTopics(modules: readonly { readonly name: string; readonly deviceTopics?: readonly DeviceTopic[] }[]): void {
  const next = [...CORE_DEVICE_TOPICS];
  for (const m of modules) {
    for (const t of m.deviceTopics ?? []) {
      if (!TOPIC_LEVEL.test(t.segment) || !TOPIC_LEVEL.test(t.leaf) || t.segment === 'cmd') throw new Error(`module ${m.name}: device topic ${t.segment}/<device>/${t.leaf} must use lower-case topic levels (not cmd)`);
      next.push(t);
    }
  }
  deviceTopics = next;
}

/** The mosquitto ACL for the identities of this data folder (the same rules as `mayPublish`). */
export function mosquittoAcl(): string {
  const patterns = [...new Set(deviceTopics.map((t) => t.segment === 'events' ? 'pattern write park/+/events/%u/+' : `pattern write park/+/${t.segment}/%u/${t.leaf}`))];
  return `# Written by Park Twin (twin devices): the topic rules of ingest/identity.ts.
# The twin server reads and writes every park topic; the simulator writes them.
user ${SERVER_IDENTITY}
topic readwrite park/#

user ${SIMULATOR_IDENTITY}
topic write park/#
topic read park/+/cmd/+/req

# Every device (username = device code) may publish only its own telemetry topics, command
# results and event topics, and read only its own command requests (docs/control.md).
pattern write park/+/+/%u
pattern write park/+/cmd/%u/res
${patterns.join('\n')}
pattern read park/+/cmd/%u/req
`;
}

/** The credential store in a data folder (the password file and the ACL beside it). */
export class MqttCredentials {
  readonly file: string;
  readonly aclFile: string;
  /** Process-local passwords of the built-in identities, for the embedded broker (never written). */
  readonly #internal = new Map<string, string>();
  #cache: { mtimeMs: number; entries: Map<string, string> } | null = null;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'mqtt-passwords');
    this.aclFile = path.join(dataDir, 'mqtt-acl');
  }

  /** The entries of the password file (re-read when it changes, so a revocation applies at once). */
  entries(): Map<string, string> {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.file);
    } catch {
      return new Map();
    }
    if (this.#cache?.mtimeMs === st.mtimeMs) return this.#cache.entries;
    const entries = new Map<string, string>();
    for (const line of fs.readFileSync(this.file, 'utf8').split('\n')) {
      const i = line.indexOf(':');
      if (i > 0) entries.set(line.slice(0, i), line.slice(i + 1).trim());
    }
    this.#cache = { mtimeMs: st.mtimeMs, entries };
    return entries;
  }

  #write(entries: Map<string, string>): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.partial-${process.pid}`;
    fs.writeFileSync(tmp, [...entries].map(([n, e]) => `${n}:${e}\n`).join(''), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
    if (!fs.existsSync(this.aclFile) || fs.readFileSync(this.aclFile, 'utf8') !== mosquittoAcl()) fs.writeFileSync(this.aclFile, mosquittoAcl(), { mode: 0o644 });
    this.#cache = null;
  }

  /** Issues (or replaces) the credential of `name`; returns the password, shown once. */
  issue(name: string): string {
    if (!validIdentityName(name)) throw new Error(`invalid MQTT identity ${JSON.stringify(name)}: letters, digits, . _ - (at most 64)`);
    const password = crypto.randomBytes(18).toString('base64url');
    const entries = new Map(this.entries());
    entries.set(name, hashEntry(name, password).slice(name.length + 1));
    this.#write(entries);
    return password;
  }

  /** Revokes `name`; false when it had no credential. */
  revoke(name: string): boolean {
    const entries = new Map(this.entries());
    if (!entries.delete(name)) return false;
    this.#write(entries);
    return true;
  }

  /** A password for a built-in identity valid in this process only (the embedded broker's simulator). */
  internal(name: typeof SERVER_IDENTITY | typeof SIMULATOR_IDENTITY): string {
    let p = this.#internal.get(name);
    if (!p) this.#internal.set(name, (p = crypto.randomBytes(18).toString('base64url')));
    return p;
  }

  /** The identity of a username and password, or null (unknown, wrong, or missing). */
  check(username: string | undefined, password: Buffer | string | undefined): MqttIdentity | null {
    if (!username || password === undefined || !validIdentityName(username)) return null;
    const pw = typeof password === 'string' ? password : password.toString('utf8');
    const internal = this.#internal.get(username);
    if (internal !== undefined && pw.length === internal.length && crypto.timingSafeEqual(Buffer.from(pw), Buffer.from(internal))) {
      return { name: username, kind: kindOf(username) };
    }
    const entry = this.entries().get(username);
    return entry && verifyEntry(entry, pw) ? { name: username, kind: kindOf(username) } : null;
  }
}

/** May `who` publish on `topic`? Devices: only `park/<park>/<layer>/<own code>`. */
export function mayPublish(who: MqttIdentity, topic: string): boolean {
  if (who.kind !== 'device') return topic.startsWith('park/') && !topic.includes('+') && !topic.includes('#');
  const parts = topic.split('/');
  // Its command results too: park/<park>/cmd/<its code>/res (docs/control.md).
  // And its event topics: park/<park>/events/<its code>/<kind> (docs/patrol.md) and the modules' (registerDeviceTopics).
  if (parts.length === 5) {
    return parts[0] === 'park' && parts[1] !== '' && !parts[1]!.includes('+') && !parts[1]!.includes('#') && parts[3] === who.name
      && ((parts[2] === 'cmd' && parts[4] === 'res') || deviceTopics.some((t) => t.segment === parts[2] && t.leaf === parts[4]));
  }
  return parts.length === 4 && parts[0] === 'park' && parts[1] !== '' && parts[2] !== '' && parts[3] === who.name;
}

/** May `who` subscribe to `filter`? Only the twin server, and only under park/. */
export function maySubscribe(who: MqttIdentity, filter: string): boolean {
  if (who.kind === 'server') return filter === 'park/#' || filter.startsWith('park/');
  // Command requests (docs/control.md): a device its own, the simulator every device's.
  const parts = filter.split('/');
  if (parts.length !== 5 || parts[0] !== 'park' || parts[2] !== 'cmd' || parts[4] !== 'req' || parts[1] === '' || parts[1] === '#') return false;
  return who.kind === 'simulator' ? parts[3] !== '#' : parts[3] === who.name;
}

/** `url` with a username and password (mqtt.js reads them from the URL). */
export function withCredentials(url: string, username: string, password: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(username);
  u.password = encodeURIComponent(password);
  return u.toString();
}
